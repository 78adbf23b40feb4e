"""Monte Carlo: a batched estimate of an expectation vs its claimed closed form.

``sample(inst, n, sampler)`` returns ``n`` i.i.d. draws of the integrand as a tensor ``(n,)`` or
``(n, k)`` (a vector expectation, e.g. a gradient); it is called on batches of at most ``batch``
draws, on the run's device. Per coordinate, ``z = (mean - claimed) / SE`` with
``SE = sd / sqrt(N)``. The false-fail rate ``alpha`` is for the whole check: the critical value is
Bonferroni-corrected over instances and coordinates, ``z* = Phi^-1(1 - alpha / (2 m))``. The report
states, per check, the smallest discrepancy detected with 99 % power, ``(z* + z_0.99) * SE``.

Many small instances: an optional ``sample_batch(batch, n, sampler)`` returns ``(B, n)`` or
``(B, n, k)`` draws for ``B`` same-shape instances at once (one tensor op, no loop per instance
or per draw). ``batch`` holds each array field stacked as a ``(B, ...)`` tensor and each float as a
``(B,)`` tensor; ints and strings, which fix shapes, are shared. A :class:`BatchSampler` gives each
row its own counter-based stream keyed by the instance index, so the draws, and the verdicts, do not
depend on which instances share a batch (chunking, ``--jobs``) nor on the device. When
``sample_batch`` is given it is always used (``sample`` may then be ``None``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Hashable, Sequence

import numpy as np

from ..context import Context, Settings
from ..instances import Instance, Space, stable_hash
from ..sampling import Sampler
from ..verdict import Verdict
from .base import Check, CheckError, CheckResult, Outcome, _describe_exception, as_float_array, conclude_by_margin
from .calling import call

if TYPE_CHECKING:
    from ..claim import Claim

POWER = 0.99
_MASK32 = 0xFFFFFFFF


def _signed32(value: int) -> int:
    value &= _MASK32
    return value - (1 << 32) if value >= 1 << 31 else value


def _mix32(x):
    """The 'lowbias32' integer hash (C. Wellons) on int32 tensors holding uint32 bit patterns.

    Products wrap modulo 2**32 as in C's uint32 (checked against numpy in the tests); right shifts
    are masked so they act as logical shifts.
    """
    x = x ^ ((x >> 16) & 0xFFFF)
    x = x * _signed32(0x7FEB352D)
    x = x ^ ((x >> 15) & 0x1FFFF)
    x = x * _signed32(0x846CA68B)
    return x ^ ((x >> 16) & 0xFFFF)


def _mix32_int(x: int) -> int:
    """:func:`_mix32` on one Python int (for per-call constants)."""
    x &= _MASK32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _MASK32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _MASK32
    return x ^ (x >> 16)


@dataclass
class BatchSampler:
    """Counter-based streams, one per row: element ``e`` of call ``c`` in row ``b`` is
    ``hash(key_b, c, e)``, so a row's draws depend only on its key and the sequence of calls.

    Integer arithmetic only, so CPU and CUDA give the same bits; 32 random bits per uniform,
    ``u = (h + 1/2) / 2**32`` in (0, 1).
    """

    keys: Any  # (B, 2) int32 tensor of uint32 bit patterns
    device: str
    calls: int = field(default=0)

    @classmethod
    def for_instances(cls, seed_words: Sequence[int], indices: Sequence[int], device: str,
                      stream: int = 2) -> "BatchSampler":
        import torch

        hashes = [stable_hash(*seed_words, i, stream, "batch") for i in indices]
        words = [(_signed32(h), _signed32(h >> 32)) for h in hashes]
        return cls(torch.tensor(words, dtype=torch.int32, device=device), device)

    @property
    def size(self) -> int:
        return int(self.keys.shape[0])

    def uniform(self, *shape: int, dtype=None):
        import torch

        count = math.prod(shape)
        if count >= 1 << 31:
            raise CheckError(f"one draw of {count} uniforms per row exceeds the 2**31 counter")
        self.calls += 1
        call = _signed32(_mix32_int(self.calls))
        elements = torch.arange(count, dtype=torch.int32, device=self.device).reshape(1, -1)
        key0, key1 = self.keys[:, :1], self.keys[:, 1:] ^ call
        bits = _mix32(_mix32(elements ^ key0) ^ key1)
        u = (bits.to(torch.float64) + (2.0**31 + 0.5)) * 2.0**-32  # signed pattern -> (0, 1)
        return u.reshape(self.size, *shape).to(dtype or torch.float64)

    def normal(self, *shape: int, dtype=None):
        """Box-Muller on two uniforms (tails cut at about 6.7 sd by the 32-bit uniforms)."""
        import torch

        u = self.uniform(2, *shape)
        z = torch.sqrt(-2.0 * torch.log(u[:, 0])) * torch.cos(2.0 * math.pi * u[:, 1])
        return z.to(dtype or torch.float64)

    def bernoulli(self, keep_prob, *shape: int, dtype=None):
        """0/1 entries equal to 1 with probability ``keep_prob`` (a float or a ``(B,)`` tensor)."""
        import torch

        u = self.uniform(*shape)
        if isinstance(keep_prob, torch.Tensor):
            keep_prob = keep_prob.reshape(-1, *([1] * len(shape)))
        return (u < keep_prob).to(dtype or torch.float64)

    def rademacher(self, *shape: int, dtype=None):
        return 2.0 * self.bernoulli(0.5, *shape, dtype=dtype) - 1.0


def _shape_key(inst: Instance) -> Hashable:
    """Instances with equal keys stack: same array shapes, same ints and strings."""
    key = []
    for name in sorted(inst):
        value = inst[name]
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                raise CheckError(f"sample_batch cannot stack the object array {name!r}")
            key.append((name, "array", value.shape))
        elif isinstance(value, (float, np.floating)):
            key.append((name, "float"))
        else:
            key.append((name, "value", value))
    return tuple(key)


def stack_instances(instances: Sequence[Instance], device: str) -> Instance:
    """One batch: arrays as ``(B, ...)`` tensors, floats as ``(B,)`` tensors, the rest shared."""
    import torch

    first = instances[0]
    batch = Instance()
    for name, value in first.items():
        if isinstance(value, (np.ndarray, float, np.floating)):
            batch[name] = torch.as_tensor(np.stack([np.asarray(i[name], dtype=float) for i in instances]),
                                          dtype=torch.float64, device=device)
        else:
            batch[name] = value
    return batch


def critical_z(alpha: float, comparisons: int) -> float:
    from scipy.stats import norm

    return float(norm.isf(alpha / (2 * max(comparisons, 1))))


@dataclass
class MonteCarlo(Check):
    """``E[sample(inst)] == claimed(inst)`` within the standard-error band."""

    sample: Callable[[Any, int, Sampler], Any] | None
    space: Space
    claimed: str = "claimed"
    samples: int = 200_000
    full_samples: int | None = None
    batch: int = 1 << 16
    alpha: float = 1e-6
    instances: int = 8
    full_instances: int | None = None
    label: str = ""
    sample_batch: Callable[[Instance, int, BatchSampler], Any] | None = None
    batch_draws: int = 4096  # draws per instance per sample_batch call; fixed, so sums ignore the batch

    kind: ClassVar[str] = "montecarlo"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def validate(self, claim: "Claim") -> None:
        super().validate(claim)
        if self.sample is None and self.sample_batch is None:
            raise ValueError(f"claim {claim.id!r}: MonteCarlo needs sample or sample_batch")

    def draws(self, settings: Settings) -> int:
        return (self.full_samples or 4 * self.samples) if settings.full else self.samples

    def estimate(self, inst, n: int, sampler: Sampler, ctx: Context | None = None,
                 parts: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation per coordinate, accumulated over batches in float64."""
        import torch

        total = None
        total_sq = None
        done = 0
        while done < n:
            m = min(self.batch, n - done)
            x = torch.as_tensor(call(self.sample, inst, m, sampler, ctx=ctx, parts=parts)).to(torch.float64).reshape(m, -1)
            s, s2 = x.sum(0), (x * x).sum(0)
            total = s if total is None else total + s
            total_sq = s2 if total_sq is None else total_sq + s2
            done += m
        mean = (total / n).cpu().numpy()
        var = np.maximum((total_sq / n).cpu().numpy() - mean**2, 0.0) * n / max(n - 1, 1)
        return mean, np.sqrt(var)

    def estimate_batch(self, batch: Instance, n: int, sampler: BatchSampler, ctx: Context | None = None,
                       parts: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Means and standard deviations ``(B, k)`` of ``B`` stacked instances, batched over draws."""
        import torch

        rows = sampler.size
        total = total_sq = None
        done = 0
        while done < n:
            m = min(self.batch_draws, n - done)
            x = torch.as_tensor(call(self.sample_batch, batch, m, sampler, ctx=ctx, parts=parts)).to(torch.float64).reshape(rows, m, -1)
            # each row reduced alone over contiguous draws: the same sums whatever else is in the batch
            x = x.transpose(1, 2).contiguous()
            s, s2 = x.sum(2), (x * x).sum(2)
            total = s if total is None else total + s
            total_sq = s2 if total_sq is None else total_sq + s2
            done += m
        mean = (total / n).cpu().numpy()
        var = np.maximum((total_sq / n).cpu().numpy() - mean**2, 0.0) * n / max(n - 1, 1)
        return mean, np.sqrt(var)

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        if self.sample_batch is not None:
            out = self.evaluate_many(claim, [index], ctx)[0]
            if out.ok is None:
                raise CheckError(out.error)
            return out
        inst = self.instance(ctx, index)
        n = self.draws(ctx.settings)
        mean, sd = self.estimate(inst, n, Sampler(ctx.torch_generator(index), ctx.device), ctx, claim.parts)
        return self.judge(claim, index, inst, mean, sd, n, ctx)

    def evaluate_many(self, claim: "Claim", indices: Sequence[int], ctx: Context) -> list[Outcome]:
        """With ``sample_batch``: one batched estimate per group of same-shape instances."""
        if self.sample_batch is None:
            return super().evaluate_many(claim, indices, ctx)
        outcomes: dict[int, Outcome] = {}
        groups: dict[Hashable, list[tuple[int, Instance]]] = {}
        for index in indices:
            try:
                inst = self.instance(ctx, index)
                groups.setdefault(_shape_key(inst), []).append((index, inst))
            except Exception as exc:  # noqa: BLE001 - reported as an error outcome
                outcomes[index] = Outcome(index=index, ok=None, error=_describe_exception(exc))
        n = self.draws(ctx.settings)
        for members in groups.values():
            start = time.perf_counter()
            group = [i for i, _ in members]
            try:
                sampler = BatchSampler.for_instances(ctx.seed_words, group, ctx.device)
                means, sds = self.estimate_batch(stack_instances([i for _, i in members], ctx.device), n, sampler,
                                                 ctx, claim.parts)
            except Exception as exc:  # noqa: BLE001 - the group's instances are errors
                outcomes.update({i: Outcome(index=i, ok=None, error=_describe_exception(exc)) for i in group})
                continue
            for row, (index, inst) in enumerate(members):
                try:
                    outcomes[index] = self.judge(claim, index, inst, means[row], sds[row], n, ctx)
                except Exception as exc:  # noqa: BLE001
                    outcomes[index] = Outcome(index=index, ok=None, error=_describe_exception(exc))
            seconds = (time.perf_counter() - start) / len(members)
            for index in group:
                outcomes[index].seconds = seconds
        return [outcomes[i] for i in indices]

    def judge(self, claim: "Claim", index: int, inst: Instance, mean: np.ndarray, sd: np.ndarray, n: int,
              ctx: Context) -> Outcome:
        """The z-statistic of one instance's estimate against its claimed value."""
        if not np.all(np.isfinite(mean)):
            raise CheckError("Monte-Carlo estimate is not finite")
        claimed = as_float_array(call(claim.parts[self.claimed], inst, ctx=ctx, parts=claim.parts), "claimed").ravel()
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
        result.power = {"smallest_refuted_relative_change": mdd_rel, "smallest_refuted_discrepancy": mdd,
                        "power": POWER,
                        "figure": f"detects a {mdd_rel:.3g} relative discrepancy ({mdd:.3g} absolute) with "
                                  f"{POWER:.0%} power at false-fail rate {self.alpha:g}"}
        if result.verdict is Verdict.PASSED:
            worst_z = max(o.details["z"] for o in good)
            result.message = f"all {len(good)} estimates within z* = {z_crit:.2f} (worst z = {worst_z:.2f})"
        return result
