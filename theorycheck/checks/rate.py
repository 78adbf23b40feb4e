"""Rate: the slope of a log-log sweep, with a confidence interval, against a claimed exponent.

Instance ``i`` measures ``y_i = measure(x_i, sampler)`` at the sweep point ``x_i``; the conclusion
fits ``log y = a + b log x`` by least squares and accepts when
``|b - claimed| <= t_{n-2, (1+confidence)/2} * se(b) + slope_tolerance``. ``slope_tolerance``
accounts for the non-asymptotic terms of the sweep and must state its principle. A sweep so noisy
that the interval is wider than ``resolution`` cannot tell exponents apart: that is an ``error``,
not a pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

import numpy as np

from ..context import Context, Settings
from ..sampling import Sampler
from ..verdict import Verdict
from .base import Check, CheckResult, Outcome
from .calling import call

if TYPE_CHECKING:
    from ..claim import Claim


@dataclass
class Rate(Check):
    """``d log measure / d log x == claimed`` over the sweep ``points``."""

    points: Sequence[float]
    measure: Callable[[float, Sampler], float]
    slope_tolerance: float
    slope_principle: str
    claimed: str = "claimed"
    confidence: float = 0.99
    resolution: float = 0.25
    label: str = ""

    kind: ClassVar[str] = "rate"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def count(self, settings: Settings) -> int:
        return len(self.points)

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        x = float(self.points[index])
        y = float(call(self.measure, x, Sampler(ctx.torch_generator(index), ctx.device), ctx=ctx, parts=claim.parts))
        if not np.isfinite(y) or y <= 0:
            raise ValueError(f"measure at x={x:g} is {y!r}; a log-log fit needs positive finite values")
        return Outcome(index=index, ok=True, margin=0.0, observed=y, instance={"x": x})

    def claimed_exponent(self, claim: "Claim") -> float:
        part = claim.parts[self.claimed]
        return float(part() if callable(part) else part)

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        from scipy import stats

        base = dict(kind=self.kind, label=self.label, instances=len(outcomes),
                    seconds=sum(o.seconds for o in outcomes))
        errors = [o for o in outcomes if o.ok is None]
        if errors:
            return CheckResult(verdict=Verdict.ERROR, message=f"sweep point #{errors[0].index}: {errors[0].error}", **base)
        if len(outcomes) < 3:
            return CheckResult(verdict=Verdict.ERROR, message="a rate needs at least 3 sweep points", **base)
        xs = np.log([o.instance["x"] for o in outcomes])
        ys = np.log([o.observed for o in outcomes])
        fit = stats.linregress(xs, ys)
        t = float(stats.t.ppf((1 + self.confidence) / 2, len(xs) - 2))
        half = t * fit.stderr
        claimed = self.claimed_exponent(claim)
        margin = abs(fit.slope - claimed) - half - self.slope_tolerance
        evidence = {"slope": fit.slope, "ci_low": fit.slope - half, "ci_high": fit.slope + half,
                    "confidence": self.confidence, "claimed_exponent": claimed,
                    "slope_tolerance": self.slope_tolerance, "points": [o.instance["x"] for o in outcomes],
                    "values": [o.observed for o in outcomes]}
        principle = f"{self.confidence:.0%} t-interval of the slope + {self.slope_tolerance:g} ({self.slope_principle})"
        refuted = half + self.slope_tolerance + abs(fit.slope - claimed)
        power = {"smallest_refuted_exponent_change": refuted, "slope_ci": [fit.slope - half, fit.slope + half],
                 "figure": f"slope {fit.slope:.3f}, {self.confidence:.0%} CI [{fit.slope - half:.3f}, "
                           f"{fit.slope + half:.3f}]; refutes a claimed exponent off by more than {refuted:.3g}"}
        base["power"] = power
        if half > self.resolution:
            return CheckResult(verdict=Verdict.ERROR, margin=margin, evidence=evidence, tolerance=principle,
                               message=f"sweep too noisy: CI half-width {half:.3g} > resolution {self.resolution:g}",
                               **base)
        verdict = Verdict.PASSED if margin <= 0 else Verdict.FAILED
        message = (f"slope {fit.slope:.3f} (CI {fit.slope - half:.3f}..{fit.slope + half:.3f}) "
                   f"{'matches' if margin <= 0 else 'does not match'} claimed exponent {claimed:g}")
        return CheckResult(verdict=verdict, margin=margin, evidence=evidence, tolerance=principle,
                           message=message, **base)
