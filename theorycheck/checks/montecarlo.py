"""Monte Carlo: a batched estimate of an expectation vs its claimed closed form.

``sample(inst, n, sampler)`` returns ``n`` i.i.d. draws of the integrand as a tensor ``(n,)`` or
``(n, k)`` (a vector expectation, e.g. a gradient); it is called on batches of at most ``batch``
draws, on the run's device. Per coordinate, ``z = (mean - claimed) / SE`` with
``SE = sd / sqrt(N)``. The false-fail rate ``alpha`` is for the whole check: the critical value is
Bonferroni-corrected over instances and coordinates, ``z* = Phi^-1(1 - alpha / (2 m))``. The report
states, per check, the smallest discrepancy detected with 99 % power, ``(z* + z_0.99) * SE``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np

from ..context import Context, Settings
from ..instances import Space
from ..sampling import Sampler
from ..verdict import Verdict
from .base import Check, CheckError, CheckResult, Outcome, as_float_array, conclude_by_margin
from .calling import call

if TYPE_CHECKING:
    from ..claim import Claim

POWER = 0.99


def critical_z(alpha: float, comparisons: int) -> float:
    from scipy.stats import norm

    return float(norm.isf(alpha / (2 * max(comparisons, 1))))


@dataclass
class MonteCarlo(Check):
    """``E[sample(inst)] == claimed(inst)`` within the standard-error band."""

    sample: Callable[[Any, int, Sampler], Any]
    space: Space
    claimed: str = "claimed"
    samples: int = 200_000
    full_samples: int | None = None
    batch: int = 1 << 16
    alpha: float = 1e-6
    instances: int = 8
    full_instances: int | None = None
    label: str = ""

    kind: ClassVar[str] = "montecarlo"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def draws(self, settings: Settings) -> int:
        return (self.full_samples or 4 * self.samples) if settings.full else self.samples

    def estimate(self, inst, n: int, sampler: Sampler) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation per coordinate, accumulated over batches in float64."""
        import torch

        total = None
        total_sq = None
        done = 0
        while done < n:
            m = min(self.batch, n - done)
            x = torch.as_tensor(self.sample(inst, m, sampler)).to(torch.float64).reshape(m, -1)
            s, s2 = x.sum(0), (x * x).sum(0)
            total = s if total is None else total + s
            total_sq = s2 if total_sq is None else total_sq + s2
            done += m
        mean = (total / n).cpu().numpy()
        var = np.maximum((total_sq / n).cpu().numpy() - mean**2, 0.0) * n / max(n - 1, 1)
        return mean, np.sqrt(var)

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        inst = self.instance(ctx, index)
        n = self.draws(ctx.settings)
        sampler = Sampler(ctx.torch_generator(index), ctx.device)
        mean, sd = self.estimate(inst, n, sampler)
        if not np.all(np.isfinite(mean)):
            raise CheckError("Monte-Carlo estimate is not finite")
        claimed = as_float_array(call(claim.parts[self.claimed], inst, ctx, claim.parts), "claimed").ravel()
        if claimed.size not in (1, mean.size):
            raise CheckError(f"claimed has {claimed.size} entries, the integrand {mean.size}")
        se = sd / math.sqrt(n)
        gap = np.abs(mean - claimed)
        # a zero standard error means a deterministic integrand: compare to float64 rounding
        exact_band = 1e-12 * np.maximum(1.0, np.abs(claimed))
        z = np.where(se > 0, gap / np.where(se > 0, se, 1.0), np.where(gap <= exact_band, 0.0, np.inf))
        k = int(np.argmax(z))
        return Outcome(index=index, ok=True, margin=float(z[k]), observed=float(mean[k]),
                       claimed=float(claimed[min(k, claimed.size - 1)]),
                       details={"samples": n, "coordinates": int(mean.size), "se": float(se[k]),
                                "max_se": float(se.max()), "z": float(z[k]),
                                "scale": float(np.max(np.abs(claimed)))},
                       instance=inst.describe())

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        from scipy.stats import norm

        good = [o for o in outcomes if o.ok is not None]
        comparisons = sum(o.details["coordinates"] for o in good) or 1
        z_crit = critical_z(self.alpha, comparisons)
        for o in good:
            o.ok = o.details["z"] <= z_crit
            o.margin = o.details["z"] - z_crit
        detect = z_crit + float(norm.isf(1 - POWER))
        mdd = max((detect * o.details["max_se"] for o in good), default=float("nan"))
        mdd_rel = max((detect * o.details["max_se"] / max(o.details["scale"], 1e-300) for o in good),
                      default=float("nan"))
        evidence = {
            "designed_false_fail_rate": self.alpha,
            "critical_z": z_crit,
            "comparisons": comparisons,
            "samples_per_instance": self.draws(settings),
            "min_detectable_discrepancy_99pct_power": mdd,
            "min_detectable_relative_discrepancy_99pct_power": mdd_rel,
        }
        principle = (f"Monte-Carlo standard error: |mean - claimed| <= z* SE, z* = {z_crit:.2f} "
                     f"(family false-fail rate {self.alpha:g}, Bonferroni over {comparisons} comparisons)")
        result = conclude_by_margin(self, outcomes, tolerance=principle, evidence=evidence)
        if result.verdict is Verdict.PASSED:
            worst_z = max(o.details["z"] for o in good)
            result.message = f"all {len(good)} estimates within z* = {z_crit:.2f} (worst z = {worst_z:.2f})"
        return result
