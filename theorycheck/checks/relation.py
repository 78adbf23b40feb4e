"""Numeric relation: observed vs claimed over random instances under ==, <= or >=.

The band comes from a :class:`~theorycheck.tolerance.Tolerance` that states its principle. The
report carries the worst margin (``max(|observed - claimed| - band)`` for ==, the signed excess for
inequalities) and its instance; for an inequality it also reports how tight the bound came
(observed/claimed). A failure is shrunk with Hypothesis over the same instance space.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np

from ..context import Context, Settings
from ..instances import Instance, Space, stable_hash
from ..tolerance import Tolerance
from .base import Check, CheckResult, Outcome, as_float_array, conclude_by_margin
from .calling import call

if TYPE_CHECKING:
    from ..claim import Claim

RELATIONS = ("==", "<=", ">=")


def relation_margin(observed: np.ndarray, claimed: np.ndarray, relation: str,
                    tolerance: Tolerance, scale: np.ndarray | None = None) -> tuple[float, dict[str, Any]]:
    """Signed margin (<= 0 holds) of ``observed REL claimed`` and a few diagnostics."""
    band = tolerance.band(np.abs(claimed) if scale is None else scale)
    if relation == "==":
        excess = np.abs(observed - claimed) - band
    elif relation == "<=":
        excess = observed - claimed - band
    elif relation == ">=":
        excess = claimed - observed - band
    else:
        raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")
    margin = float(np.max(excess)) if excess.size else 0.0
    details: dict[str, Any] = {"max_abs_error": float(np.max(np.abs(observed - claimed))) if observed.size else 0.0}
    if relation != "==" and observed.size == 1 and claimed.size == 1 and claimed.item() != 0:
        details["ratio"] = observed.item() / claimed.item()
    details.update(resolution(observed, claimed, relation, band))
    return margin, details


def resolution(observed: np.ndarray, claimed: np.ndarray, relation: str, band: np.ndarray) -> dict[str, float]:
    """The power of one instance's comparison, relative to ``|claimed|`` (entries with claimed != 0).

    ``refute_rel``: the smallest relative change of the claimed side that this instance refutes
    (for ==, in either direction: ``(band + |o - c|) / |c|``; for <=, a lowering of the bound:
    ``(band + c - o) / |c|``; for >=, a raising: ``(band + o - c) / |c|``); ``band_rel``: the band
    as a relative error.
    """
    o, c = np.broadcast_arrays(np.asarray(observed, float), np.asarray(claimed, float))
    b = np.broadcast_to(np.asarray(band, float), c.shape)
    nonzero = np.abs(c) > 0
    if not nonzero.any():
        return {}
    slack = {"==": b + np.abs(o - c), "<=": b + c - o, ">=": b + o - c}[relation]
    return {"refute_rel": float(np.min(np.maximum(slack[nonzero], 0.0) / np.abs(c[nonzero]))),
            "band_rel": float(np.max(b[nonzero] / np.abs(c[nonzero])))}


def absolute_instance(inst: Instance) -> Instance:
    """The instance with every float (scalar or array) replaced by its absolute value."""
    out = Instance()
    for key, value in inst.items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            out[key] = np.abs(value)
        elif isinstance(value, (float, np.floating)):
            out[key] = abs(float(value))
        else:
            out[key] = value
    return out


def term_scale(claimed_fn: Callable[..., Any], inst: Instance, observed: np.ndarray, claimed: np.ndarray,
               ctx: Context, parts: Any) -> np.ndarray:
    """``max(|claimed|, |observed|, |claimed(|x|)|)``: the magnitude of the summed terms (see
    :class:`~theorycheck.tolerance.Tolerance`); ``claimed(|x|)`` is left out where it cannot be
    evaluated (a hypothesis broken by the absolute values) or is not finite."""
    scale = np.maximum(np.abs(claimed), np.abs(observed))
    try:
        at_abs = np.asarray(call(claimed_fn, absolute_instance(inst), ctx=ctx, parts=parts), dtype=float)
        if at_abs.shape in (scale.shape, ()) or at_abs.size == 1:
            at_abs = np.where(np.isfinite(at_abs), np.abs(at_abs), 0.0)
            scale = np.maximum(scale, at_abs)
    except Exception:  # noqa: BLE001 - the term magnitude then falls back to |claimed|, |observed|
        pass
    return scale


def resolve_relation(claim: "Claim", relation: str) -> str:
    """A relation is an operator, or the name of a claim part holding one (so it can be flipped)."""
    rel = relation if relation in RELATIONS else claim.parts[relation]
    if rel not in RELATIONS:
        raise ValueError(f"{claim.id}: relation {rel!r} is not one of {RELATIONS}")
    return rel


@dataclass
class Relation(Check):
    """``observed(inst) REL claimed(inst)`` on ``instances`` draws from ``space``."""

    observed: Callable[..., Any]
    space: Space
    tolerance: Tolerance
    claimed: str = "claimed"
    relation: str = "=="
    instances: int = 50
    full_instances: int | None = None
    scale: Callable[[Instance], Any] | None = None
    shrink: bool = True
    label: str = ""

    kind: ClassVar[str] = "numeric"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def validate(self, claim: "Claim") -> None:
        super().validate(claim)
        resolve_relation(claim, self.relation)

    def margin_of(self, claim: "Claim", inst: Instance, ctx: Context) -> tuple[float, Any, Any, dict]:
        observed = as_float_array(call(self.observed, inst, ctx=ctx, parts=claim.parts), "observed")
        claimed = as_float_array(call(claim.parts[self.claimed], inst, ctx=ctx, parts=claim.parts), "claimed")
        if observed.shape != claimed.shape and claimed.size != 1 and observed.size != 1:
            raise ValueError(f"observed shape {observed.shape} != claimed shape {claimed.shape}")
        if self.scale is not None:
            scale = np.asarray(call(self.scale, inst, ctx=ctx, parts=claim.parts), dtype=float)
        elif self.tolerance.scale == "terms":
            scale = term_scale(claim.parts[self.claimed], inst, observed, claimed, ctx, claim.parts)
        else:
            scale = None
        margin, details = relation_margin(observed, claimed, resolve_relation(claim, self.relation),
                                          self.tolerance, scale)
        return margin, observed, claimed, details

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        inst = self.instance(ctx, index)
        margin, observed, claimed, details = self.margin_of(claim, inst, ctx)
        return Outcome(index=index, ok=margin <= 0, margin=margin, observed=_small(observed),
                       claimed=_small(claimed), details=details, instance=inst.describe())

    def evaluate_many(self, claim: "Claim", indices, ctx: Context) -> list[Outcome]:
        outcomes = super().evaluate_many(claim, indices, ctx)
        failing = [o for o in outcomes if o.ok is False]
        if failing and self.shrink and not claim.variant:
            def fails(inst: Instance) -> bool:
                return self.margin_of(claim, inst, ctx)[0] > 0

            # one key per failing chunk, so what a run reports never depends on worker order
            key = f"{claim.id}:{ctx.check_index}:{failing[0].index}:{ctx.settings.seed}"
            store = example_store(ctx)
            shrunk = stored_counterexample(store, key, self._safe(fails))
            if shrunk is not None:
                failing[0].details["shrunk_from_store"] = True
            else:
                shrunk = shrink_counterexample(self.space, fails)
                if shrunk is not None:
                    store_counterexample(store, key, shrunk)
            if shrunk is not None:
                failing[0].details["shrunk_counterexample"] = shrunk.describe()
        return outcomes

    @staticmethod
    def _safe(fails: Callable[[Instance], bool]) -> Callable[[Instance], bool]:
        def safe(inst: Instance) -> bool:
            try:
                return bool(fails(inst))
            except Exception:  # noqa: BLE001 - an instance that raises is not a counterexample
                return False
        return safe

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        rel = resolve_relation(claim, self.relation)
        result = conclude_by_margin(self, outcomes, tolerance=self.tolerance.principle,
                                    evidence={"relation": rel})
        ratios = [o.details.get("ratio") for o in outcomes if o.ok is not None and "ratio" in o.details]
        if ratios:
            result.evidence["tightness_max_observed_over_claimed"] = max(ratios)
        return result


def _small(arr: np.ndarray) -> Any:
    return arr.tolist() if arr.size <= 16 else {"shape": list(arr.shape), "norm": float(np.linalg.norm(arr))}


def example_store(ctx: Context) -> Path:
    """Where shrunk counterexamples are kept: the report folder, so that a counterexample found once
    is tried first by the next run into that folder (and never written elsewhere)."""
    return Path(ctx.settings.report_dir) / ".hypothesis" / "counterexamples"


def stored_counterexample(store: Path, key: str, fails: Callable[[Instance], bool]) -> Instance | None:
    """The counterexample stored under ``key`` if it still fails, else None."""
    import pickle

    path = store / f"{stable_hash(key):016x}.pkl"
    try:
        inst = pickle.loads(path.read_bytes())
        return inst if isinstance(inst, Instance) and fails(inst) else None
    except Exception:  # noqa: BLE001 - a missing, stale or unreadable entry is simply not used
        return None


def store_counterexample(store: Path, key: str, inst: Instance) -> None:
    import os
    import pickle
    import tempfile

    store.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=store, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(inst, handle)
    os.replace(tmp, store / f"{stable_hash(key):016x}.pkl")


def shrink_counterexample(space: Space, fails: Callable[[Instance], bool],
                          max_examples: int = 300) -> Instance | None:
    """Search the space with Hypothesis for a failing instance and shrink it; None if none found.
    Derandomised, so the same run finds the same example."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    def condition(inst: Instance) -> bool:
        try:
            return bool(fails(inst))
        except Exception:  # noqa: BLE001 - an instance that raises is not a counterexample
            return False

    try:
        return find(space.strategy(), condition, settings=settings(
            max_examples=max_examples, database=None, derandomize=True, deadline=None,
            phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck)))
    except (NoSuchExample, Unsatisfiable):
        return None
