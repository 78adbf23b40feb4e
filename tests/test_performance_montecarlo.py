"""The fast Monte-Carlo paths draw exactly the bits of the reference counter-based sampler, and the
verdicts do not depend on how many instances share a ``sample_batch`` call."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from theorycheck import MonteCarlo, Settings, Source, Space, declare, mutant
from theorycheck.checks.montecarlo import BatchSampler, _mix32, _mix32_int, _signed32, _threshold
from theorycheck.context import Context


class Reference(BatchSampler):
    """The original unblocked torch implementation (one int32 pass per operation)."""

    def uniform(self, *shape, dtype=None):
        count = math.prod(shape)
        self.calls += 1
        call = _signed32(_mix32_int(self.calls))
        elements = torch.arange(count, dtype=torch.int32).reshape(1, -1)
        bits = _mix32(_mix32(elements ^ self.keys[:, :1]) ^ (self.keys[:, 1:] ^ call))
        u = (bits.to(torch.float64) + (2.0**31 + 0.5)) * 2.0**-32
        return u.reshape(self.size, *shape).to(dtype or torch.float64)

    def bernoulli(self, keep_prob, *shape, dtype=None):
        u = self.uniform(*shape)
        if isinstance(keep_prob, torch.Tensor):
            keep_prob = keep_prob.reshape(-1, *([1] * len(shape)))
        return (u < keep_prob).to(dtype or torch.float64)


def _pair(rows):
    fast = BatchSampler.for_instances([1, 2, 3], range(rows), "cpu")
    return fast, Reference(fast.keys.clone(), "cpu")


@pytest.mark.parametrize("rows,shape", [(1, (5,)), (3, (1000, 3)), (64, (4096, 4)), (2, (40000,)), (5000, (1,))])
def test_blocked_sampler_draws_the_reference_bits(rows, shape):
    fast, ref = _pair(rows)
    for _ in range(2):
        assert torch.equal(fast.uniform(*shape), ref.uniform(*shape))
        assert torch.equal(fast.uniform(*shape, dtype=torch.float32), ref.uniform(*shape, dtype=torch.float32))
        assert torch.equal(fast.normal(*shape), ref.normal(*shape))
        p = torch.rand(rows, dtype=torch.float64)
        assert torch.equal(fast.bernoulli(p, *shape), ref.bernoulli(p, *shape))
        assert torch.equal(fast.bernoulli(0.3, *shape, dtype=torch.float32), ref.bernoulli(0.3, *shape, dtype=torch.float32))
    later = fast.rows(rows // 2, rows)
    assert torch.equal(fast.uniform(*shape)[rows // 2:], later.uniform(*shape))


def test_integer_bernoulli_thresholds_are_exact():
    fast, ref = _pair(40)
    odd = torch.tensor([0.0, 1.0, -0.5, 1.5, float("nan"), 0.5, 2**-33, 1 - 2**-40, 0.3, 0.7] * 4, dtype=torch.float64)
    assert torch.equal(fast.bernoulli(odd, 20000), ref.bernoulli(odd, 20000))
    p32 = torch.rand(40, dtype=torch.float32)
    assert torch.equal(fast.bernoulli(p32, 3000, dtype=torch.float32), ref.bernoulli(p32, 3000, dtype=torch.float32))
    for q in (0.3, 0.5, 2**-33, 0.123456789, 1 / 3, 1 - 2**-52):
        t = _threshold(q)
        for s in range(t - 3, t + 3):
            if -(2**31) <= s < 2**31:
                assert ((float(s) + (2.0**31 + 0.5)) * 2.0**-32 < q) == (s < t), (q, s)


nets = Space(lambda d: {"U": d.normal(3, 4), "theta": d.uniform(0.3, 0.9), "k": 2})


def _claim(batch_rows: int):
    def sample_batch(b, n, s):
        drop = s.bernoulli(b.theta, n, 4) / b.theta[:, None, None]
        return ((drop @ (b.U.transpose(1, 2) @ b.U)) * drop).sum(2) + s.normal(n, b.k).sum(2)

    check = MonteCarlo(sample=None, space=nets, samples=10_000, instances=11, sample_batch=sample_batch,
                       batch_rows=batch_rows, batch_draws=1024)
    return declare("perf/rows-per-call", title="E c'Gc", source=Source("perf", "perf"), statement="-",
                   claimed=lambda i: float(np.trace(i.U.T @ i.U)) / i.theta
                   + float(((i.U**2).sum(0) ** 2).sum()) * (1 - 1 / i.theta) * 0 + 0.0,
                   checks=[check], mutants=[mutant("zero", "wrong", claimed=lambda i: 0.0)])


def test_rows_per_call_never_changes_an_estimate(tmp_path):
    ctx = Context(Settings(report_dir=tmp_path), "perf/rows-per-call", 0)
    details = []
    for rows in (1, 3, 0, 11):
        claim = _claim(rows)
        outs = claim.checks[0].evaluate_many(claim, list(range(11)), ctx)
        details.append([(o.observed, o.details["se"]) for o in outs])
        alone = [claim.checks[0].evaluate_many(claim, [i], ctx)[0] for i in (0, 7)]
        assert [(o.observed, o.details["se"]) for o in alone] == [details[-1][0], details[-1][7]]
    assert all(d == details[0] for d in details)
