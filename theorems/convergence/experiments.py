"""`convergence` §6 experiments scaled down: Figure 1 (full network vs the visited sub-networks),
Figure 2 (fresh random sub-networks), and thesis Figure 5-1 (the linear bound on the logistic loss).

Seed 001 l. 160-190 (Figures 1-2); thesis (000) §5.5 l. 11756-11920 (Figures 5-2, 5-3) and Figure 5-1
l. 11335-11365. The source trains a CNN on MNIST with cross-entropy for 25 epochs (outside the theory:
multi-epoch, all layers trained); here Algorithm 1 itself runs on D_0.3 (d = 5, single pass, eta = ln 2),
which is the setting of the theorems. The source reports no numbers, only orderings; the asserted
outcomes are those orderings, each required to hold by 3 standard errors of the paired per-run
differences (8 runs), plus "comparable" made quantitative a priori as: sub-network error at most twice
the full network's. Width and dropout range are scaled down (m <= 512 vs 250K).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck import Dynamics, Source, Space, Symbolic, Tolerance, declare, float_tolerance, mutant

from .model import LN2, ell, evaluate_errors, initialise, margin_data, masks, dropout_sgd, torch_generator

PAPER = "001_f1b6a53302f974ec.txt"
THESIS = "000_f4de404d0cfe4539.txt"
SEP = 3.0  # standard errors by which an asserted ordering must hold
EXACT = Tolerance(0.0, 0.0, principle=f"0/1 outcomes, each an ordering required to hold by {SEP:g} standard errors "
                                      "of the paired per-run differences")


def _runs(seed, runs, m, q, T, every, eval_keep, fresh=0, fresh_keep=None, n_test=256):
    """Algorithm 1 runs; test errors of f(.; qW_t), of g(W_t; ., B_t) with the mask of step t
    (masks of another law when ``eval_keep`` differs from ``q``: the mechanism mutant), and of fresh masks."""
    gen = torch_generator(seed)
    X, y = margin_data(gen, T, 5, 0.3, runs=runs)
    Xte, yte = margin_data(gen, n_test, 5, 0.3, runs=runs)
    W1, a = initialise(gen, runs, m, 5)
    B = masks(gen, runs, T, m, q)
    B_fresh = masks(gen, runs, fresh, m, fresh_keep) if fresh else None
    uniform = set(range(0, T, every))  # the grid averages are taken on; log-spaced points only for the plots
    times = sorted(uniform | set(int(t) - 1 for t in np.geomspace(1, every, 8)))
    rec = dropout_sgd(W1, a, X, y, B, LN2, math.inf, keep_prob=q, snapshot_at=times)
    out = {"times": np.array(times) + 1, "uniform": np.array([t in uniform for t in times]), "full": [], "visited": [],
           "fresh": []}
    for t, W in zip(times, rec["snapshots"]):
        mask = B[:, t] if eval_keep == q else masks(gen, runs, 1, m, min(float(eval_keep), 1.0))[:, 0]
        e = evaluate_errors(W, a, Xte, yte, mask, B_fresh)
        for k in ("full", "visited", "fresh"):
            if k in e:
                out[k].append(e[k].numpy())
    return {k: (np.stack(v, -1) if isinstance(v, list) and v else v) for k, v in out.items()}


# --- Figure 1 ----------------------------------------------------------------------------------

FIG1_RUNS, FIG1_T, FIG1_EVERY = 8, 1200, 24
FIG1_DROPOUT = ((256, 0.9), (256, 0.5), (256, 0.3))  # top row: fixed width, dropout rates 0.1, 0.5, 0.7
FIG1_WIDTH = ((32, 0.5), (256, 0.5))  # bottom row: dropout 0.5, two widths (the width trend is NOT reproduced)


def _figure_instance(d) -> dict:
    return {"seed": d.integer(0, 2**31 - 1)}


figure_runs = Space(_figure_instance, regimes=("D_0.3, d = 5, eta = ln 2, single pass",),
                    description="one seed per instance; every configuration runs independent runs")


def train_figure_1(inst, sampler, parts):
    configs = sorted(set(FIG1_DROPOUT + FIG1_WIDTH))
    return {cfg: _runs(inst.seed + k, FIG1_RUNS, cfg[0], cfg[1], FIG1_T, FIG1_EVERY, parts["eval_keep"](cfg[1]))
            for k, cfg in enumerate(configs)}


def _gap(state, cfg):
    """Per-run running-average gap (visited sub-network minus full network) over the whole run."""
    r = state[cfg]
    u = r["uniform"]
    return r["visited"][..., u].mean(-1) - r["full"][..., u].mean(-1)


def _holds(diff, sep=SEP) -> float:
    """1 when mean(diff) > sep standard errors of the paired per-run differences."""
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    return float(diff.mean() > sep * max(se, 1e-12))


def figure_1_outcome(state, inst) -> list:
    """[visited sub-networks worse than the full net (m = 256, dropout 0.5), gap larger at dropout 0.7 than
    0.1, sub-networks comparable (running-average error not above 2x the full network's by 3 SE) at dropout
    0.1 and 0.5]."""
    def per_run(c, key):
        return state[c][key][..., state[c]["uniform"]].mean(-1)

    # comparable: not shown (by 3 SE) to exceed twice the full network's error
    comparable = all(_holds(per_run(c, "visited") - 2 * per_run(c, "full")) == 0.0 for c in FIG1_DROPOUT[:2])
    return [_holds(_gap(state, (256, 0.5))), _holds(_gap(state, (256, 0.3)) - _gap(state, (256, 0.9))),
            float(comparable)]


def plot_figure_1(inst, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 6), sharey=True)
    for row, configs in enumerate((FIG1_DROPOUT, FIG1_WIDTH)):
        for ax, cfg in zip(axes[row], configs):
            r = state[cfg]
            for key, style, name in (("full", "-", r"full $f(\cdot;qW_t)$"), ("visited", "--", r"visited $g(W_t;\cdot,B_t)$")):
                acc = 100 * (1 - r[key])
                ax.plot(r["times"], acc.mean(0), style, label=name)
                ax.fill_between(r["times"], acc.mean(0) - acc.std(0), acc.mean(0) + acc.std(0), alpha=0.2)
            gap = _gap(state, cfg)
            ax.set_xscale("log")
            ax.set_title(rf"$m={cfg[0]}$, $1-q={1 - cfg[1]:.1f}$, gap ${gap.mean():.4f}\pm{gap.std(ddof=1) / math.sqrt(len(gap)):.4f}$",
                         fontsize=9)
            ax.set_xlabel(r"iteration $t$")
        axes[row][0].set_ylabel("test accuracy (%)")
    axes[1][2].axis("off")
    axes[0][0].legend(loc="lower right")
    fig.suptitle("convergence/figure-1: visited sub-networks are comparable to the full network; the gap grows with the "
                 "dropout rate\n(8 runs, mean $\\pm$ sd; gap = running-average error difference $\\pm$ SE; "
                 "the width trend is not reproduced)")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


figure_1 = declare(
    "convergence/figure-1",
    title="the sub-networks visited by dropout are comparable to the full network; the gap grows with the dropout rate",
    source=Source(PAPER, "Figure 1, §6", lines="160-186", also=f"{THESIS} Figure 5-2, l. 11732-11800"),
    statement=r"\mathcal R(W_t;B_t)\approx\mathcal R(qW_t);\ \text{gap}\uparrow\text{ in }1-q\ (\text{and}\downarrow\text{ in }m)",
    hypotheses=["scaled down: Algorithm 1 on D_0.3 (not a CNN on MNIST), m in {32, 256}, 1 - q in {0.1, 0.5, 0.7}, "
                "T = 1200, 8 runs per configuration"],
    scope="asserted: the visited sub-networks' running-average error exceeds the full network's (3 SE), the gap is "
          "larger at dropout 0.7 than 0.1 (3 SE of paired differences; measured 0.025-0.031 vs 0.0001-0.0004 at "
          "m = 256, two seeds), and 'comparable' as sub-network error not above 2x the full network's by 3 SE at "
          "dropout <= 0.5 (measured ratios 1.0 and 1.4-2.0). NOT reproduced: 'the gap is higher for narrower networks' "
          "-- in this proxy the gap does not fall with the width (m = 32: 0.0115 +- 0.0017 and 0.0100 +- 0.0021; "
          "m = 256: 0.0137 +- 0.0031 and 0.0073 +- 0.0014, two seeds): at the 1/sqrt(m) (NTK) scaling the mask noise of the initial output (1/sqrt m) sum_r a_r b_r "
          "sigma(w_r'x) has standard deviation ~ sqrt(q(1-q)/2), independent of m. Nor the MNIST/CNN setting, widths "
          "to 250K, 25 epochs (multi-epoch training is outside the theorems). Liveness: a 10 % change of the evaluation "
          "masks' keep rate does not reverse any asserted ordering (not tested at that resolution); all-ones masks are refuted",
    claimed=lambda i: [1.0, 1.0, 1.0],
    parts={"eval_keep": lambda q: q},
    untested={"eval_keep": "a 10 % change of the evaluation masks' keep rate (0.99 instead of 0.9, 0.55 instead of 0.5) "
                           "reverses no asserted ordering; all-ones masks (the mechanism removed) are refuted"},
    checks=[Dynamics(train=train_figure_1, observed=figure_1_outcome, space=figure_runs, instances=1,
                     full_instances=3, tolerance=EXACT, plot=plot_figure_1,
                     label="Algorithm 1, 4 configurations x 8 runs")],
    mutants=[
        mutant("gap independent of the dropout rate", "no ordering in 1 - q", claimed=lambda i: [1.0, 0.0, 1.0]),
        mutant("all units at evaluation", "sub-network evaluated with the all-ones mask (no compression): no gap",
               eval_keep=lambda q: 1.0),
    ],
    depends_on=["convergence/theorem-4.2"],
    tags=["experiment", "compression"],
)


# --- Figure 2 ----------------------------------------------------------------------------------

FIG2_RUNS, FIG2_T, FIG2_EVERY, FIG2_MASKS, FIG2_KEEP = 4, 1200, 100, 32, 0.2
FIG2_WIDTHS = (64, 256, 1024)


def train_figure_2(inst, sampler, parts):
    return {m: _runs(inst.seed + k, FIG2_RUNS, m, FIG2_KEEP, FIG2_T, FIG2_EVERY, FIG2_KEEP, fresh=FIG2_MASKS,
                     fresh_keep=parts["fresh_keep"](FIG2_KEEP))
            for k, m in enumerate(FIG2_WIDTHS)}


def _tail(r):
    """The uniform evaluation points in the last two thirds of training."""
    return r["uniform"] & (r["times"] > r["times"][-1] / 3)


def _fresh_minus_visited(state, m):
    """Per run, over the last two thirds of training: median error over the fresh masks minus the visited
    sub-network's error."""
    r = state[m]
    t = _tail(r)
    return np.median(r["fresh"][..., t].mean(-1), axis=1) - r["visited"][..., t].mean(-1)


def _fresh_improvement(state, m):
    """Per run: median fresh-mask error at the first evaluation minus over the last two thirds."""
    r = state[m]
    return np.median(r["fresh"][..., 0], axis=1) - np.median(r["fresh"][..., _tail(r)].mean(-1), axis=1)


def figure_2_outcome(state, inst) -> list:
    """Per width: [fresh sub-networks no worse than the visited ones (not worse by 3 SE)], and [fresh
    sub-networks learn: their error falls by 3 SE] at the widest width."""
    return [1.0 - _holds(_fresh_minus_visited(state, m)) for m in FIG2_WIDTHS] + \
        [_holds(_fresh_improvement(state, FIG2_WIDTHS[-1]))]


def plot_figure_2(inst, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(FIG2_WIDTHS), figsize=(11, 3.8), sharey=True)
    for ax, m in zip(axes, FIG2_WIDTHS):
        r = state[m]
        fresh = 100 * (1 - r["fresh"].mean(0))  # (K, S): mean over runs
        for k in range(fresh.shape[0]):
            ax.plot(r["times"], fresh[k], color="tab:orange", alpha=0.25, lw=0.8)
        ax.plot(r["times"], 100 * (1 - r["full"].mean(0)), color="tab:blue", lw=2, label=r"full $f(\cdot;qW_t)$")
        ax.plot(r["times"], 100 * (1 - r["visited"].mean(0)), "k--", lw=1, label=r"visited $g(W_t;\cdot,B_t)$")
        ax.plot([], [], color="tab:orange", label=rf"{FIG2_MASKS} fresh $g(W_t;\cdot,B_j)$")
        ax.set_xscale("log")
        ax.set_title(rf"$m={m}$, $1-p=0.8$")
        ax.set_xlabel(r"iteration $t$")
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle("convergence/figure-2: fresh random sub-networks (dropout 0.8) generalise as well as the visited ones\n"
                 "(4 runs; the width trend of the paper is not reproduced)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


figure_2 = declare(
    "convergence/figure-2",
    title="fresh random sub-networks (dropout 0.8) generalise as well as the sub-networks visited in training",
    source=Source(PAPER, "Figure 2, §6", lines="176-190", also=f"{THESIS} Figure 5-3, l. 11800-11920"),
    statement=r"\mathcal R(W_t;B_j)\lesssim\mathcal R(W_t;B_t),\ B_j\sim\mathrm{Bern}(0.2)\text{ fresh};\ "
              r"\text{(and}\to\mathcal R(qW_t)\text{ as }m\uparrow)",
    hypotheses=["scaled down: Algorithm 1 on D_0.3, m in {64, 256, 1024} (not 100..100K), 32 fresh masks "
                "(not 100), 4 runs, T = 1200", "no theorem covers fresh masks (Theorem 4.2 is about visited ones)"],
    scope="asserted: at every width the median fresh-mask error is not above the visited sub-networks' (by 3 SE; "
          "measured fresh - visited between -0.016 and -0.002 over two seeds), and at m = 1024 the fresh sub-networks' error falls "
          "during training (3 SE). NOT reproduced: 'as the width increases the sub-networks become increasingly "
          "competitive' -- here the fresh sub-networks' median error (0.016-0.020 against 0.0001-0.0015 for the full "
          "network) does not fall with the width (m = 64: 0.019-0.020, m = 1024: 0.017-0.018, two seeds), for the reason given in "
          "figure-1 (NTK scaling); nor the CNN/MNIST setting and widths 10K-100K. Liveness: a 10 % change of the fresh "
          "masks' keep rate does not change the outcomes (not tested at that resolution); a 4x sparser law is refuted",
    claimed=lambda i: [1.0, 1.0, 1.0, 1.0],
    parts={"fresh_keep": lambda q: q},
    untested={"fresh_keep": "fresh masks at retain 0.22 instead of 0.2 generalise like the visited ones too; a 4x "
                            "sparser law is refuted"},
    checks=[Dynamics(train=train_figure_2, observed=figure_2_outcome, space=figure_runs, instances=1, full_instances=3,
                     tolerance=EXACT, plot=plot_figure_2, label="Algorithm 1, 3 widths x 4 runs x 32 fresh masks")],
    mutants=[
        mutant("fresh masks worse than visited", "fresh sub-networks do not generalise",
               claimed=lambda i: [0.0, 0.0, 0.0, 1.0]),
        mutant("fresh masks at retain q/4", "fresh masks from a sparser law than training used",
               fresh_keep=lambda q: q / 4),
    ],
    depends_on=["convergence/theorem-4.2"],
    tags=["experiment", "compression"],
)


# --- thesis Figure 5-1 -------------------------------------------------------------------------

def _ln2(z):
    """ln 2, exact when z is symbolic (so that sympy proves, not approximates)."""
    if isinstance(z, np.ndarray) or isinstance(z, float):
        return LN2
    import sympy as sp

    return sp.log(2)


def line_bound(i):
    return 1 - i.z / _ln2(i.z)


def _symbols():
    import sympy as sp

    return {"z": sp.Symbol("z", negative=True)}


def gap_derivative(i, parts):
    """d/dz [bound(z) - ln(1 + e^{-z})], symbolically."""
    import sympy as sp

    return sp.diff(parts["claimed"](i) - sp.log(1 + sp.exp(-i.z)), i.z)


def _curve_instance(d) -> dict:
    return {"z": np.linspace(-4.0, -1e-6, 400)}


curve = Space(_curve_instance, regimes=("z in [-4, 0)",), description="the plotted range")


def train_curve(inst, sampler):
    return {"z": inst.z, "loss": ell(inst.z)}


def plot_figure_5_1(inst, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(state["z"], state["loss"], label=r"$\ln(1+e^{-z})$")
    ax.plot(state["z"], 1 - state["z"] / LN2, "--", label=r"$1-z/\ln 2$")
    ax.set_xlabel(r"$z$")
    ax.set_ylabel("loss")
    ax.legend()
    ax.set_title("convergence/figure-5-1: $\\ln(1+e^{-z})\\leq 1-z/\\ln 2$ on $z<0$", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


figure_5_1 = declare(
    "convergence/figure-5-1",
    title="the logistic loss lies below the line 1 - z/ln 2 for z < 0 (thesis Figure 5-1, eq. (5.13))",
    source=Source(THESIS, "Figure 5-1, eq. (5.13)", lines="11335-11365"),
    statement=r"\ln(1+e^{-z})\le1-z/\ln2\ (z<0):\ h(z)=1-\tfrac z{\ln2}-\ln(1+e^{-z}),\ h(0)=1-\ln2>0,\ "
              r"h'(z)=-\tfrac1{\ln2}+\tfrac1{1+e^z}<0",
    hypotheses=["z < 0"],
    scope="the proof is symbolic (h' computed by sympy equals the printed form, negative since 1/(1 + e^z) < 1 < 1/ln 2, "
          "and h(0) = 1 - ln 2 > 0); the figure is redrawn on [-4, 0) and the bound checked on its grid",
    claimed=line_bound,
    parts={"h_prime": lambda i: -1 / __import__("sympy").log(2) + 1 / (1 + __import__("sympy").exp(i.z))},
    checks=[
        Symbolic(observed=gap_derivative, symbols=_symbols, claimed="h_prime", label="h'(z) = -1/ln2 + 1/(1 + e^z)"),
        Dynamics(train=train_curve, observed=lambda state, i: state["loss"], space=curve, relation="<=", instances=1,
                 tolerance=float_tolerance(20), plot=plot_figure_5_1, label="the plotted curves on [-4, 0)"),
    ],
    mutants=[
        mutant("slope 1, intercept 0", "ln(1 + e^{-z}) <= -z", claimed=lambda i: -i.z + 0 * _ln2(i.z)),
        mutant("h' sign", "h'(z) = 1/ln2 - 1/(1 + e^z)",
               h_prime=lambda i: 1 / __import__("sympy").log(2) - 1 / (1 + __import__("sympy").exp(i.z))),
    ],
    depends_on=["convergence/lemma-b.5"],
    tags=["experiment", "symbolic"],
)

CLAIMS = [figure_1, figure_2, figure_5_1]
