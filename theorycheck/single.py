"""One check of a claim on one given instance: for ``@given(space.strategy())`` tests and replays.

::

    from hypothesis import given
    import theorycheck as tc

    @given(square_matrices.strategy())
    def test_frobenius(inst):
        tc.check_instance(claim, 0, inst)     # raises AssertionError with the counterexample

Hypothesis then searches the claim's own instance space, shrinks a failure and stores it in its
example database (``.hypothesis/``), so the next run tries it first.
"""
from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .checks.base import CheckResult
from .claim import Claim
from .context import Context, Settings
from .instances import Instance
from .verdict import Verdict


class Counterexample(AssertionError):
    """A given instance violates the claim; ``result`` is the check's verdict on it."""

    def __init__(self, message: str, result: CheckResult) -> None:
        super().__init__(message)
        self.result = result


def _as_instance(values: Mapping[str, Any]) -> Instance:
    """An instance from a mapping; lists of numbers (a printed literal) become float arrays."""
    out = Instance()
    for key, value in values.items():
        if isinstance(value, list):
            try:
                value = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                pass
        out[key] = value
    return out


def check_instance(claim: Claim, check_index: int, instance: Mapping[str, Any], *,
                   settings: Settings | None = None, raise_on_failure: bool = True) -> CheckResult:
    """Run check ``check_index`` of ``claim`` on ``instance`` alone and conclude it.

    The check runs exactly as in a run (same tolerance, same conclusion, e.g. the Monte-Carlo
    z-test), but on the given instance instead of a drawn one. A failed or errored verdict raises
    :class:`Counterexample` (an ``AssertionError``) unless ``raise_on_failure`` is false; the
    :class:`CheckResult` is returned otherwise.
    """
    check = claim.checks[check_index]
    if getattr(check, "space", None) is None:
        raise TypeError(f"{claim.id} check [{check_index}] ({check.kind}) has no instance space")
    settings = settings or Settings(device="cpu", report_dir=Path(tempfile.gettempdir()) / "theorycheck-check-instance")
    given = _as_instance(instance)
    probe = copy.copy(check)
    probe.instance = lambda ctx, index: Instance(given)  # the given instance instead of a drawn one
    ctx = Context(settings, claim.id, check_index, None)
    outcome = probe.evaluate(claim, 0, ctx)
    result = probe.conclude(claim, [outcome], settings)
    if raise_on_failure and result.verdict in (Verdict.FAILED, Verdict.ERROR):
        raise Counterexample(
            f"{claim.id} [{check_index}] {check.kind}: {result.verdict.value}: observed {outcome.observed}, "
            f"claimed {outcome.claimed}, margin {outcome.margin:.6g} (> 0 violates; {result.tolerance})", result)
    return result


def replay(claim_id: str, check_index: int, instance: Mapping[str, Any]) -> str:
    """Replay a printed counterexample literal through a registered claim; a one-line verdict."""
    from .registry import load

    registry = load()
    if claim_id not in registry.claims:
        raise KeyError(f"no claim {claim_id!r} is registered (set THEORYCHECK_MODULES?)")
    result = check_instance(registry.claims[claim_id], check_index, instance, raise_on_failure=False)
    worst = result.worst or {}
    return (f"{claim_id} [{check_index}] {result.kind}: {result.verdict.value}; observed {worst.get('observed')}, "
            f"claimed {worst.get('claimed')}, margin {result.margin}")
