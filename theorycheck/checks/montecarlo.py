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


_M1, _M2 = _signed32(0x7FEB352D), _signed32(0x846CA68B)
# elements hashed per block on CPU: the ~25 integer passes of a block stay in L1/L2 instead of
# streaming the whole (rows, count) array through memory 25 times (3-8x faster; same bits)
_BLOCK = 1 << 14


def _mix32_(x, tmp) -> None:
    """:func:`_mix32` in place on an int32 tensor (``tmp``: scratch of the same shape)."""
    import torch

    torch.bitwise_right_shift(x, 16, out=tmp)
    tmp &= 0xFFFF
    x ^= tmp
    x *= _M1
    torch.bitwise_right_shift(x, 15, out=tmp)
    tmp &= 0x1FFFF
    x ^= tmp
    x *= _M2
    torch.bitwise_right_shift(x, 16, out=tmp)
    tmp &= 0xFFFF
    x ^= tmp


_U1, _U2 = np.uint32(0x7FEB352D), np.uint32(0x846CA68B)


def _mix32_np(x: np.ndarray, tmp: np.ndarray) -> None:
    """:func:`_mix32` in place on a numpy uint32 array (products wrap, shifts are logical)."""
    np.right_shift(x, 16, out=tmp)
    x ^= tmp
    np.multiply(x, _U1, out=x)
    np.right_shift(x, 15, out=tmp)
    x ^= tmp
    np.multiply(x, _U2, out=x)
    np.right_shift(x, 16, out=tmp)
    x ^= tmp


def _threshold(p: float) -> int:
    """The integer ``T`` with ``u(s) < p  <=>  s < T`` for every signed 32-bit pattern ``s``, where
    ``u(s) = (s + 2**31 + 1/2) / 2**32`` exactly (as float64 computes it): ``T = ceil(p 2**32 - 2**31 - 1/2)``
    in exact rational arithmetic, clamped to ``[-2**31, 2**31]``. Same bits as comparing the uniforms."""
    from fractions import Fraction

    if math.isnan(p):
        return -(1 << 31)  # u < nan is false
    if math.isinf(p):
        return (1 << 31) if p > 0 else -(1 << 31)
    x = Fraction(p) * (1 << 32) - (1 << 31) - Fraction(1, 2)
    t = -((-x.numerator) // x.denominator)  # ceil
    return max(-(1 << 31), min(1 << 31, t))


def _on_cpu(device) -> bool:
    return str(device).startswith("cpu")


def _numpy_view(t):
    """A numpy view of a CPU float64/float32 tensor (None otherwise)."""
    import torch

    if t.device.type != "cpu" or t.dtype not in (torch.float64, torch.float32):
        return None
    return t.numpy()


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

    def rows(self, start: int, stop: int) -> "BatchSampler":
        """The sampler of rows ``start:stop``: the same streams, its own call counter from here."""
        return BatchSampler(self.keys[start:stop], self.device, self.calls)

    def _blocks(self, count: int):
        """``(r0, r1, c0, c1, bits)`` covering the ``(rows, count)`` bits of the next call.

        Element ``e`` of row ``b``: ``mix(mix(e ^ key0_b) ^ key1_b ^ mix(call))``, the same bits
        whatever the blocking. On CPU: numpy ``uint32`` blocks of about ``_BLOCK`` elements (numpy
        wraps uint32 products and shifts logically: 3 operations fewer per hash than int32 torch,
        and the passes of a block stay in cache); other devices: one int32 torch block."""
        import torch

        if count >= 1 << 31:
            raise CheckError(f"one draw of {count} uniforms per row exceeds the 2**31 counter")
        self.calls += 1
        call = _mix32_int(self.calls)
        rows = self.size
        if not _on_cpu(self.device):
            key0, key1 = self.keys[:, :1], self.keys[:, 1:] ^ _signed32(call)
            elements = torch.arange(count, dtype=torch.int32, device=self.device).reshape(1, -1)
            yield 0, rows, 0, count, _mix32(_mix32(elements ^ key0) ^ key1)
            return
        keys = self.keys.cpu().numpy().view(np.uint32)
        key0, key1 = keys[:, :1], keys[:, 1:] ^ np.uint32(call)
        col_step = min(count, _BLOCK) or 1
        row_step = max(1, _BLOCK // max(count, 1))
        for c0 in range(0, count, col_step):
            c1 = min(count, c0 + col_step)
            elements = np.arange(c0, c1, dtype=np.uint32).reshape(1, -1)
            for r0 in range(0, rows, row_step):
                r1 = min(rows, r0 + row_step)
                x = elements ^ key0[r0:r1]
                tmp = np.empty_like(x)
                _mix32_np(x, tmp)
                x ^= key1[r0:r1]
                _mix32_np(x, tmp)
                yield r0, r1, c0, c1, x

    @staticmethod
    def _unit(bits, out) -> None:
        """``out = (bits + 2**31 + 1/2) / 2**32`` in float64 from the signed bit pattern (-> (0, 1)),
        then rounded to ``out``'s dtype; ``bits`` and ``out`` both numpy or both torch."""
        if isinstance(bits, np.ndarray):
            if out.dtype == np.float64:
                np.add(bits.view(np.int32), 2.0**31 + 0.5, out=out)
                out *= 2.0**-32
            else:
                out[...] = (bits.view(np.int32) + (2.0**31 + 0.5)) * 2.0**-32
            return
        import torch

        out.copy_((bits.to(torch.float64) + (2.0**31 + 0.5)) * 2.0**-32)

    def uniform(self, *shape: int, dtype=None):
        import torch

        count = math.prod(shape)
        out = torch.empty(self.size, count, dtype=dtype or torch.float64, device=self.device)
        view = _numpy_view(out)
        for r0, r1, c0, c1, bits in self._blocks(count):
            if view is not None:
                self._unit(bits, view[r0:r1, c0:c1])
            else:
                u = np.empty(bits.shape) if isinstance(bits, np.ndarray) else None
                if u is not None:
                    self._unit(bits, u)
                    out[r0:r1, c0:c1] = torch.from_numpy(u)
                else:
                    self._unit(bits, out[r0:r1, c0:c1])
        return out.reshape(self.size, *shape)

    def normal(self, *shape: int, dtype=None):
        """Box-Muller on two uniforms (tails cut at about 6.7 sd by the 32-bit uniforms)."""
        import torch

        u = self.uniform(2, *shape)
        z = torch.sqrt(-2.0 * torch.log(u[:, 0])) * torch.cos(2.0 * math.pi * u[:, 1])
        return z.to(dtype or torch.float64)

    def bernoulli(self, keep_prob, *shape: int, dtype=None):
        """0/1 entries equal to 1 with probability ``keep_prob`` (a float or a ``(B,)`` tensor)."""
        import torch

        if isinstance(keep_prob, torch.Tensor) and keep_prob.numel() != self.size:  # per-entry probabilities
            return (self.uniform(*shape) < keep_prob).to(dtype or torch.float64)
        count = math.prod(shape)
        out = torch.empty(self.size, count, dtype=dtype or torch.float64, device=self.device)
        view = _numpy_view(out)
        if view is None or not _on_cpu(self.device):
            u = self.uniform(*shape)
            if isinstance(keep_prob, torch.Tensor):
                keep_prob = keep_prob.reshape(-1, *([1] * len(shape)))
            return (u < keep_prob).to(dtype or torch.float64)
        probs = (keep_prob.detach().cpu().numpy().astype(np.float64).ravel() if isinstance(keep_prob, torch.Tensor)
                 else np.full(self.size, float(keep_prob)))
        limits = np.array([_threshold(float(q)) for q in probs], dtype=np.int64).reshape(-1, 1)
        for r0, r1, c0, c1, bits in self._blocks(count):
            np.less(bits.view(np.int32), limits[r0:r1], out=view[r0:r1, c0:c1], casting="unsafe")
        return out.reshape(self.size, *shape)

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


BATCH_ROWS_DRAWS = 1 << 14  # on CPU, rows x draws per sample_batch call (see MonteCarlo.rows_per_call)


def _rows_of(batch: Instance, start: int, stop: int) -> Instance:
    """Rows ``start:stop`` of a stacked batch (tensors sliced, shared ints and strings kept)."""
    import torch

    part = Instance()
    for name, value in batch.items():
        part[name] = value[start:stop] if isinstance(value, torch.Tensor) else value
    return part


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
    batch_rows: int = 0  # instances per sample_batch call (0: automatic, see rows_per_call); never a verdict

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

    def rows_per_call(self, rows: int, device: str, draws: int | None = None) -> int:
        """Instances per ``sample_batch`` call: on CPU a few, so each call's temporaries, about
        ``batch_rows_draws`` draws x the integrand's width, stay in cache (a call over all rows of
        many instances made tensors of tens of MB: page faults and memory traffic made batching
        slower than one instance at a time); on other devices, all of them in one call."""
        if self.batch_rows:
            return max(1, min(rows, self.batch_rows))
        if not str(device).startswith("cpu"):
            return max(rows, 1)
        per_call = min(self.batch_draws, draws) if draws else self.batch_draws
        return max(1, min(rows, BATCH_ROWS_DRAWS // max(per_call, 1)))

    def estimate_batch(self, batch: Instance, n: int, sampler: BatchSampler, ctx: Context | None = None,
                       parts: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Means and standard deviations ``(B, k)`` of ``B`` stacked instances, batched over draws.

        The rows go through ``sample_batch`` a few at a time (:meth:`rows_per_call`); each row keeps
        its own stream (its key and the sequence of calls) and is reduced alone over chunks of
        ``batch_draws`` contiguous draws, so the sums do not depend on what else is in a call."""
        import torch

        rows = sampler.size
        step = self.rows_per_call(rows, sampler.device, n)
        means, sds = [], []
        for r0 in range(0, rows, step):
            r1 = min(rows, r0 + step)
            part = batch if (r0, r1) == (0, rows) else _rows_of(batch, r0, r1)
            sub = sampler if (r0, r1) == (0, rows) else sampler.rows(r0, r1)
            total = total_sq = None
            done = 0
            while done < n:
                m = min(self.batch_draws, n - done)
                x = torch.as_tensor(call(self.sample_batch, part, m, sub, ctx=ctx, parts=parts))
                x = x.to(torch.float64).reshape(r1 - r0, m, -1)
                if x.shape[2] != 1:  # each row reduced alone over contiguous draws
                    x = x.transpose(1, 2).contiguous()
                    s, s2 = x.sum(2), (x * x).sum(2)
                else:
                    x = x.reshape(r1 - r0, m)
                    s, s2 = x.sum(1, keepdim=True), (x * x).sum(1, keepdim=True)
                total = s if total is None else total + s
                total_sq = s2 if total_sq is None else total_sq + s2
                done += m
            mean = (total / n).cpu().numpy()
            var = np.maximum((total_sq / n).cpu().numpy() - mean**2, 0.0) * n / max(n - 1, 1)
            means.append(mean)
            sds.append(np.sqrt(var))
        if sub is not sampler:
            sampler.calls = sub.calls
        return np.concatenate(means), np.concatenate(sds)

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
