"""Figures the engine makes, all through one helper so each reads without the code.

Every figure names its claim id, the seed and what is asserted (the band or threshold is drawn on
it) and carries the check's verdict in its title; labels use mathtext; PNGs are 150 dpi; integer
ticks for instance indices; legends sit outside the data. The report stage draws, from a run's
results, one figure per check where one helps:

* Monte Carlo: estimate minus claimed value per instance, with the acceptance band ±z*·SE;
* bound search: histogram of the tightness observed/claimed over the searched instances, with
  the bound (ratio 1) drawn;
* rate: the sweep on log-log axes, the fitted slope with its confidence interval and the claimed
  slope.

Claim modules can use :func:`figure` and :func:`save` for their own plots (a ``Dynamics`` ``plot``).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

DPI = 150
VERDICT_COLOURS = {"proved": "#1a7f37", "passed": "#1a7f37", "xfail": "#9a6700", "skipped": "#6e7781",
                   "failed": "#cf222e", "unexpected-pass": "#cf222e", "error": "#8250df"}


def figure(claim_id: str, seed: int | None, asserted: str, verdict: str, what: str = "",
           size: tuple[float, float] = (6.4, 3.8)):
    """A ``(fig, ax)`` pair whose title names the claim, the verdict, the seed and the assertion."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    colour = VERDICT_COLOURS.get(verdict, "black")
    fig.suptitle(f"{claim_id}{' — ' + what if what else ''}   [{verdict}]", fontsize=10, color=colour,
                 fontweight="bold")
    ax.set_title(f"asserted: {asserted}   (seed {seed})", fontsize=8)
    return fig, ax


def save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _integer_ticks(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def montecarlo_figure(claim_id: str, seed, verdict: str, outcomes: Sequence, evidence: dict, path: Path) -> Path | None:
    good = [o for o in outcomes if o.ok is not None and isinstance(o.observed, (int, float))
            and isinstance(o.claimed, (int, float))]
    if not good:
        return None
    z = float(evidence.get("critical_z", float("nan")))
    idx = np.array([o.index for o in good])
    scale = np.array([max(abs(float(o.details.get("scale", o.claimed))), 1e-300) for o in good])
    diff = np.array([float(o.observed) - float(o.claimed) for o in good]) / scale
    band = z * np.array([float(o.details.get("se", 0.0)) for o in good]) / scale
    fig, ax = figure(claim_id, seed, r"$0 \in \hat\mu \pm z^*\,\mathrm{SE}$, " + f"$z^*={z:.2f}$", verdict,
                     "Monte-Carlo estimates")
    ok = np.array([bool(o.ok) for o in good])
    ax.errorbar(idx[ok], diff[ok], yerr=band[ok], fmt="o", color="#0969da", capsize=3, label=r"estimate $\pm z^*$SE")
    if (~ok).any():
        ax.errorbar(idx[~ok], diff[~ok], yerr=band[~ok], fmt="s", color="#cf222e", capsize=3, label="outside the band")
    ax.axhline(0.0, color="black", lw=1, label="claimed value")
    pad = float(np.max(np.abs(diff) + band)) * 1.15 or 1.0
    ax.set_ylim(-pad, pad)  # the bars are never clipped
    ax.set_xlabel(r"instance $k$")
    ax.set_ylabel(r"$(\hat\mu - \mu_{\mathrm{claimed}})\,/\,|\mu_{\mathrm{claimed}}|$")
    _integer_ticks(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return save(fig, path)


def tightness_figure(claim_id: str, seed, verdict: str, ratios: Sequence[float], relation: str, path: Path,
                     what: str = "tightness") -> Path | None:
    ratios = [float(r) for r in ratios if r is not None and math.isfinite(float(r))]
    if not ratios:
        return None
    sign = r"\leq" if relation == "<=" else r"\geq"
    fig, ax = figure(claim_id, seed, rf"$\mathrm{{observed}}/\mathrm{{claimed}} {sign} 1$ (+ tolerance)", verdict, what)
    ax.hist(ratios, bins=min(30, max(5, len(ratios) // 2)), color="#0969da", alpha=0.8, label="instances")
    ax.axvline(1.0, color="#cf222e", lw=1.5, ls="--", label="the bound (ratio 1)")
    ax.set_xlabel(r"tightness $\mathrm{observed}\,/\,\mathrm{claimed}$ (dimensionless)")
    ax.set_ylabel("instances")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return save(fig, path)


def rate_figure(claim_id: str, seed, verdict: str, evidence: dict, path: Path) -> Path | None:
    xs, ys = evidence.get("points"), evidence.get("values")
    if not xs or not ys or len(xs) < 2:
        return None
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    lx, ly = np.log(x), np.log(y)
    slope, intercept = np.polyfit(lx, ly, 1)
    claimed = float(evidence.get("claimed_exponent", float("nan")))
    lo, hi = float(evidence.get("ci_low", slope)), float(evidence.get("ci_high", slope))
    fig, ax = figure(claim_id, seed, f"slope $= {claimed:g} \\pm {evidence.get('slope_tolerance', 0):g}$ "
                     f"(CI {evidence.get('confidence', 0.99):.0%})", verdict, "rate")
    grid = np.linspace(lx.min(), lx.max(), 50)
    cx, cy = lx.mean(), ly.mean()
    ax.fill_between(np.exp(grid), np.exp(cy + lo * (grid - cx)), np.exp(cy + hi * (grid - cx)),
                    color="#0969da", alpha=0.2, label=f"fitted slope CI [{lo:.3f}, {hi:.3f}]")
    ax.plot(np.exp(grid), np.exp(intercept + slope * grid), color="#0969da", label=f"fit, slope {slope:.3f}")
    ax.plot(np.exp(grid), np.exp(cy + claimed * (grid - cx)), color="#cf222e", ls="--",
            label=f"claimed slope {claimed:g}")
    ax.plot(x, y, "o", color="black", label="measured")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"sweep variable $x$ (log scale)")
    ax.set_ylabel(r"measure $y(x)$ (log scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return save(fig, path)


def _slug(claim_id: str) -> str:
    return claim_id.replace("/", "__")


def _draw(job: tuple) -> Path | None:
    name, args = job
    try:
        return {"montecarlo": montecarlo_figure, "bound": tightness_figure, "rate": rate_figure}[name](*args)
    except Exception:  # noqa: BLE001 - a figure that cannot be drawn never fails a run
        return None


def report_figures(results: Sequence, folder: Path, settings: Any = None,
                   jobs: int = 1) -> dict[tuple[str, str], list[str]]:
    """Draw the figures of a run's results into ``folder/artefacts``; paths relative to ``folder``.

    Figures are drawn in ``jobs`` forked processes. Plots written by the checks themselves (a
    ``Dynamics`` ``plot``) are listed too.
    """
    folder = Path(folder)
    seed = getattr(settings, "seed", None)
    planned: list[tuple[tuple[str, str], tuple]] = []
    own: dict[tuple[str, str], list[Path]] = {}
    for r in results:
        if r.variant:
            continue
        key = (r.claim.id, r.variant)
        for j, check in enumerate(r.checks):
            outcomes = getattr(check, "outcomes", None) or []
            verdict = check.verdict.value
            target = folder / "artefacts" / f"{_slug(r.claim.id)}-check{j}-{check.kind}.png"
            if check.kind == "montecarlo" and outcomes:
                planned.append((key, ("montecarlo", (r.claim.id, seed, verdict, outcomes, check.evidence, target))))
            elif check.kind == "bound" and outcomes:
                planned.append((key, ("bound", (r.claim.id, seed, verdict, [o.details.get("ratio") for o in outcomes],
                                                check.evidence.get("relation", "<="), target,
                                                "bound search tightness"))))
            elif check.kind == "rate":
                planned.append((key, ("rate", (r.claim.id, seed, verdict, check.evidence, target))))
            for o in outcomes:
                plot = (o.details or {}).get("plot")
                if plot and Path(plot).exists():
                    own.setdefault(key, []).append(Path(plot))
    jobs_list = [job for _, job in planned]
    if jobs > 1 and len(jobs_list) > 4:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(min(jobs, len(jobs_list))) as pool:
            made = pool.map(_draw, jobs_list, chunksize=1)
    else:
        made = [_draw(job) for job in jobs_list]
    drawn: dict[tuple[str, str], list[Path]] = {}
    for (key, _), path in zip(planned, made):
        if path is not None:
            drawn.setdefault(key, []).append(Path(path))
    out: dict[tuple[str, str], list[str]] = {}
    for key in list(drawn) + [k for k in own if k not in drawn]:
        rel = []
        for p in drawn.get(key, []) + own.get(key, []):
            try:
                rel.append(str(Path(p).resolve().relative_to(folder.resolve())))
            except ValueError:
                rel.append(str(p))
        if rel:
            out[key] = list(dict.fromkeys(rel))
    return out
