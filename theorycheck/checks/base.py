"""The check protocol shared by every check kind.

A check is evaluated instance by instance (possibly in several worker processes, in chunks) and
concluded once, in the main process, from all its outcomes, so a verdict never depends on how the
work was split. ``evaluate_many`` is the unit of work a worker runs; ``conclude`` turns outcomes
into a :class:`CheckResult`.
"""
from __future__ import annotations

import math
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

import numpy as np

from ..context import Context, Settings
from ..verdict import Verdict, worst

if TYPE_CHECKING:
    from ..claim import Claim


class CheckError(RuntimeError):
    """A check could not reach a verdict (solver failure, NaN, bad declaration)."""


@dataclass
class Outcome:
    """The result of one instance: ``ok`` is None when evaluating it raised."""

    index: int
    ok: bool | None
    margin: float = float("nan")
    observed: Any = None
    claimed: Any = None
    details: dict[str, Any] = field(default_factory=dict)
    instance: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    reads: tuple[str, ...] = ()  # the claim parts read while evaluating (only when tracked)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("reads")
        return jsonable(data)


@dataclass
class CheckResult:
    """A check's verdict with its evidence."""

    kind: str
    label: str
    verdict: Verdict
    message: str
    instances: int = 0
    margin: float | None = None
    worst: dict[str, Any] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    tolerance: str = ""
    seconds: float = 0.0
    # what the run could refute: "figure" (one line, for people) and the numbers behind it, e.g.
    # "smallest_refuted_relative_change" (a change of the claimed side this run would refute)
    power: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = jsonable(asdict(self))
        data["verdict"] = self.verdict.value
        return data


def jsonable(value: Any) -> Any:
    """Convert numpy/torch/sympy values to plain JSON types (NaN/inf become strings)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist()) if value.dtype != object else str(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else str(f)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Verdict):
        return value.value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def as_float_array(value: Any, what: str) -> np.ndarray:
    """Observed/claimed values as a float64 array; NaN or inf is a :class:`CheckError`."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise CheckError(f"{what} is not finite ({arr.ravel()[:4]}...): a NaN never passes")
    return arr


class Check:
    """Base class. Subclasses set ``kind`` and implement ``evaluate`` and ``conclude``."""

    kind: ClassVar[str] = "check"
    part_names: ClassVar[tuple[str, ...]] = ()
    # Subclasses are dataclasses that declare ``label`` and, when randomised, ``space``,
    # ``instances`` and ``full_instances``.

    def count(self, settings: Settings) -> int:
        """How many instances this check evaluates under the settings."""
        space = getattr(self, "space", None)
        if settings.instances is not None and space is not None:
            return settings.instances
        if settings.full:
            return getattr(self, "full_instances", None) or 10 * self.instances
        return self.instances

    def validate(self, claim: "Claim") -> None:
        space = getattr(self, "space", None)
        if space is not None and hasattr(space, "validate"):
            space.validate()
        for attr in self.part_names:
            name = getattr(self, attr)
            if name is not None and name not in claim.parts:
                raise ValueError(f"claim {claim.id!r}: check {self.describe()} reads missing part {name!r}")

    def describe(self) -> str:
        label = getattr(self, "label", "")
        return f"{self.kind}" + (f" ({label})" if label else "")

    def instance(self, ctx: Context, index: int):
        space = getattr(self, "space", None)
        return None if space is None else space.sample(ctx.instance_seed_words, index)

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        raise NotImplementedError

    def evaluate_many(self, claim: "Claim", indices: Sequence[int], ctx: Context) -> list[Outcome]:
        """Evaluate instances one by one; an exception becomes that instance's error."""
        outcomes = []
        for index in indices:
            start = time.perf_counter()
            try:
                out = self.evaluate(claim, index, ctx)
            except Exception as exc:  # noqa: BLE001 - reported as an error outcome
                out = Outcome(index=index, ok=None, error=_describe_exception(exc))
            out.seconds = time.perf_counter() - start
            outcomes.append(out)
        return outcomes

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        return conclude_by_margin(self, outcomes)


def _describe_exception(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


def conclude_by_margin(check: Check, outcomes: list[Outcome], tolerance: str = "",
                       evidence: dict[str, Any] | None = None) -> CheckResult:
    """Generic conclusion: error if any instance errored, failed if any is not ok."""
    seconds = sum(o.seconds for o in outcomes)
    errors = [o for o in outcomes if o.ok is None]
    base = dict(kind=check.kind, label=check.label, instances=len(outcomes), tolerance=tolerance,
                seconds=seconds, evidence=evidence or {})
    if not outcomes:
        return CheckResult(verdict=Verdict.ERROR, message="no instance was evaluated", **base)
    failures = [o for o in outcomes if o.ok is False]
    if errors and not failures:
        first = errors[0]
        return CheckResult(verdict=Verdict.ERROR, worst=first.to_json(),
                           message=f"{len(errors)}/{len(outcomes)} instance(s) raised; first (#{first.index}): {first.error}",
                           **base)
    judged = [o for o in outcomes if o.ok is not None]
    worst_out = max(judged, key=lambda o: o.margin)
    verdict = Verdict.FAILED if failures else Verdict.PASSED
    if failures:
        first = min(failures, key=lambda o: o.index)
        message = f"{len(failures)}/{len(outcomes)} instance(s) violate the claim; first is #{first.index}"
        if errors:
            message += f" ({len(errors)} more raised: {errors[0].error})"
        worst_out = first
    else:
        message = f"all {len(outcomes)} instance(s) within tolerance"
    return CheckResult(verdict=verdict, message=message, margin=float(worst_out.margin),
                       worst=worst_out.to_json(), power=relation_power(judged), **base)


def relation_power(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Aggregate the per-instance resolutions (``refute_rel``, ``band_rel``, ``ratio``) of a
    comparison: the run refutes a relative change of the claimed side as soon as one instance does,
    so the smallest refuted change is the minimum over instances; the band is the loosest one."""
    refute = [o.details["refute_rel"] for o in outcomes if "refute_rel" in o.details]
    bands = [o.details["band_rel"] for o in outcomes if "band_rel" in o.details]
    if not refute:
        return {"figure": "no instance with a nonzero claimed side: no relative resolution"}
    power: dict[str, Any] = {"smallest_refuted_relative_change": min(refute), "band_relative_max": max(bands),
                             "instances_with_resolution": len(refute)}
    ratios = [o.details["ratio"] for o in outcomes if np.isfinite(o.details.get("ratio", float("nan")))]
    figure = f"refutes a {min(refute):.3g} relative change of the claimed side; band <= {max(bands):.3g} relative"
    if ratios:
        power["tightness_max"] = max(ratios)
        power["tightness_min"] = min(ratios)
        figure += f"; observed/claimed in [{min(ratios):.3g}, {max(ratios):.3g}]"
    power["figure"] = figure
    return power


def verdict_of(results: Sequence[CheckResult]) -> Verdict:
    return worst([r.verdict for r in results])
