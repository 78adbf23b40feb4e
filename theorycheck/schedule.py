"""The order tasks are handed to workers: longest first, by a cost estimate.

Tasks finish in any order and every check is concluded from all its outcomes sorted by index, so
the order never changes a verdict; it decides the wall time. Handed out in declaration order, a
long single-instance check declared last ran alone on one core at the end of the run while the
other cores idled. Longest-processing-time-first keeps every worker busy until the short tasks
at the end even out.

The estimate is the previous run's measured seconds per instance of the same check (from
``report.json`` and ``mutants.json`` in the report directory; a mutant costs about what its claim
does), else a per-kind guess. Variants (mutants) keep their checks in declaration order, as a
mutant is usually killed by its first check and its later tasks are then skipped; whole variants
are ordered by their estimated cost, after the claims themselves.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .checks.base import Check
    from .claim import Claim
    from .context import Settings
    from .runner import Task

# seconds per instance when no earlier run measured the check (rough medians of the bundled claims)
KIND_SECONDS = {"convex": 0.05, "dynamics": 0.1, "montecarlo": 0.3, "rate": 0.3, "bound": 0.05,
                "symbolic": 0.2, "numeric": 0.005}
DEFAULT_SECONDS = 0.05


def measured_costs(report_dir: Path | str) -> dict[tuple[str, str, int], float]:
    """``(claim id, variant, check index) -> seconds per instance`` from the last reports."""
    costs: dict[tuple[str, str, int], float] = {}
    for stem in ("mutants", "report"):  # the claims' own report last: it wins for the claims
        try:
            data = json.loads((Path(report_dir) / f"{stem}.json").read_text(encoding="utf-8"))
            rows = list(data.get("claims", []))
        except (OSError, ValueError, AttributeError, TypeError):
            continue
        for row in rows:
            try:
                for ci, check in enumerate(row.get("checks", [])):
                    seconds, count = float(check.get("seconds") or 0.0), int(check.get("instances") or 0)
                    if seconds > 0 and count > 0:
                        costs[(str(row["id"]), str(row.get("variant", "")), ci)] = seconds / count
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
    return costs


def order_tasks(tasks: Sequence["Task"], claims: Sequence["Claim"], settings: "Settings") -> list["Task"]:
    """The tasks, longest first (claims), then whole variants by cost (see the module docstring)."""
    kinds = {(c.id, c.variant): [k.kind for k in c.checks] for c in claims}
    measured = measured_costs(settings.report_dir)

    def per_instance(task: "Task") -> float:
        for key in ((task.claim_id, task.variant, task.check_index), (task.claim_id, "", task.check_index)):
            if key in measured:
                return measured[key]
        kind_list = kinds.get((task.claim_id, task.variant), [])
        kind = kind_list[task.check_index] if task.check_index < len(kind_list) else ""
        return KIND_SECONDS.get(kind, DEFAULT_SECONDS)

    def cost(task: "Task") -> float:
        return per_instance(task) * max(len(task.indices), 1)

    own = [t for t in tasks if not t.variant]
    groups: dict[tuple[str, str], list["Task"]] = {}
    for t in tasks:
        if t.variant:
            groups.setdefault((t.claim_id, t.variant), []).append(t)
    # stable sorts: equal estimates keep the declaration order
    ordered = sorted(own, key=lambda t: -cost(t))
    for group in sorted(groups.values(), key=lambda g: -sum(cost(t) for t in g)):
        ordered.extend(group)
    return ordered


def shrinks(claim: "Claim", check: "Check") -> bool:
    """Whether the check searches for and shrinks a counterexample in every chunk that fails: an
    erratum's (it is expected to fail) relation check with shrinking on."""
    return bool(getattr(check, "shrink", False)) and claim.is_erratum and not claim.variant


def chunks_per_check(claim: "Claim", check: "Check", jobs: int) -> int:
    """How many tasks a check's instances are split into.

    Claims: ``jobs`` (tasks go out longest first, so finer chunks are not needed to balance the
    workers, and each task repeats a check's set-up: solver compilation, first-use warm-up); an
    erratum's shrinking check: one (the Hypothesis search and shrink, deterministic, would run
    again in every failing chunk: 2 x --jobs times the work for the same counterexample);
    variants (mutants): ``2 x jobs``, so that the chunks after the first kill are skipped.
    """
    if shrinks(claim, check):
        return 1
    if claim.variant:
        return max(1, 2 * jobs)
    return max(1, jobs)


def warm_up(claims: Sequence["Claim"], jobs: int) -> None:
    """Import in the main process, before the workers fork, what the checks import on first use
    (Hypothesis for shrinking, matplotlib for a ``Dynamics`` plot), so that each of the ``jobs``
    workers does not import it again (matplotlib: ~0.5 s per process; the report's figure
    processes are forked from the main process too)."""
    if jobs <= 1:
        return
    if any(shrinks(c, k) for c in claims for k in c.checks):
        import hypothesis  # noqa: F401
        import hypothesis.strategies  # noqa: F401
    if any(getattr(k, "plot", None) is not None and not c.variant for c in claims for k in c.checks):
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401
