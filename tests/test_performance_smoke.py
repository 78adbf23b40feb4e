"""The benchmark script runs end to end at tiny sizes, and the fast paths it measures keep verdicts.

Timings are measured by ``benchmarks/run.py``, never asserted here.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cvxpy as cp
import numpy as np
import torch

from theorycheck import MonteCarlo, Program, Settings, Source, Space, declare, mutant, run_claims
from theorycheck.checks.convex import DEFAULT_OPTS, Compiled, affine_data, solve
from theorycheck.checks.montecarlo import BatchSampler, _mix32
from theorycheck.context import Context
from theorycheck.verdict import Verdict

ROOT = Path(__file__).resolve().parents[1]


def test_benchmarks_run_quick_and_record_every_ratio(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--skip-runner",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())["results"]
    assert {"montecarlo_loop_vs_batched_4x8x4", "montecarlo_many_small_cpu", "convex_prox_d4"} <= set(results)
    assert results["montecarlo_loop_vs_batched_4x8x4"]["speedup"] > 0
    assert results["montecarlo_many_small_cpu"]["errors"] == 0
    convex = results["convex_prox_d4"]
    assert convex["direct_path_applies"]
    assert max(convex["max_error_vs_closed_form"].values()) < 1e-6
    assert all(f"{name}:" in done.stdout for name in results)


def test_counter_hash_matches_a_uint32_reference():
    x = np.random.default_rng(0).integers(0, 2**32, size=10_000, dtype=np.uint64).astype(np.uint32)
    ref = x.copy()
    for shift, mult in ((16, 0x7FEB352D), (15, 0x846CA68B)):
        ref ^= ref >> np.uint32(shift)
        ref = (ref * np.uint32(mult)).astype(np.uint32)
    ref ^= ref >> np.uint32(16)
    assert np.array_equal(_mix32(torch.tensor(x.view(np.int32))).numpy().view(np.uint32), ref)


def test_batch_sampler_rows_are_independent_of_their_batch():
    alone = BatchSampler.for_instances([1, 2, 3], [5], "cpu").uniform(1000, 3)
    together = BatchSampler.for_instances([1, 2, 3], [0, 5, 9], "cpu").uniform(1000, 3)
    assert torch.equal(alone[0], together[1])
    u = BatchSampler.for_instances([0], range(4), "cpu").uniform(200_000)
    assert abs(float(u.mean()) - 0.5) < 5e-3 and 0 < float(u.min()) and float(u.max()) < 1


probabilities = Space(lambda d: {"p": d.uniform(0.05, 0.95), "x": d.normal(3), "k": 3})


def _bernoulli_claim():
    check = MonteCarlo(sample=None, space=probabilities, samples=40_000, instances=12,
                       sample_batch=lambda b, n, s: s.bernoulli(b.p, n) * (b.x**2).sum(1, keepdim=True))
    return declare("perf/batched-bernoulli", title="E[b |x|^2] = p |x|^2", source=Source("perf", "perf"),
                   statement="E[b]=p", claimed=lambda i: i.p * float((i.x**2).sum()), checks=[check],
                   mutants=[mutant("1-p", "wrong", claimed=lambda i: (1 - i.p) * float((i.x**2).sum()))])


def test_sample_batch_verdicts_do_not_depend_on_chunking(tmp_path):
    claim = _bernoulli_claim()
    check, ctx = claim.checks[0], Context(Settings(report_dir=tmp_path), claim.id, 0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in every worker
    try:
        together = check.evaluate_many(claim, list(range(12)), ctx)
        one_by_one = [check.evaluate_many(claim, [i], ctx)[0] for i in range(12)]
    finally:
        torch.set_num_threads(threads)
    assert [(o.ok, o.details) for o in together] == [(o.ok, o.details) for o in one_by_one]
    settings = Settings(report_dir=tmp_path, seed=3)
    one, two = run_claims([claim], settings, jobs=1), run_claims([claim], settings, jobs=2)
    assert one[0].verdict is Verdict.PASSED
    assert one[0].checks[0].margin == two[0].checks[0].margin
    assert run_claims([claim.mutated(claim.mutants[0])], settings)[0].verdict is Verdict.FAILED


def _prox(d: int) -> Program:
    Y, lam, X = cp.Parameter((d, d)), cp.Parameter(nonneg=True), cp.Variable((d, d))
    return Program(cp.Problem(cp.Minimize(0.5 * cp.sum_squares(X - Y) + lam * cp.normNuc(X))),
                   {"Y": Y, "lam": lam}, {"X": X})


def test_direct_clarabel_path_matches_the_cvxpy_path():
    opts = DEFAULT_OPTS["CLARABEL"]
    program = _prox(3)
    direct, generic = Compiled(program, affine_data(program, "CLARABEL", opts)), Compiled(_prox(3), None)
    assert direct.affine is not None
    rng = np.random.default_rng(0)
    for _ in range(3):
        values = {"Y": rng.normal(size=(3, 3)), "lam": 0.4}
        fast, slow = (solve(c, values, "CLARABEL", opts, 1e-7) for c in (direct, generic))
        assert abs(fast.value - slow.value) < 1e-8
        assert np.allclose(fast.outputs["X"], slow.outputs["X"], atol=1e-8)
        assert max(v for v in fast.certificate.values() if isinstance(v, float)) < 1e-7
