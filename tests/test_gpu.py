"""CUDA parity: ``--device cuda`` gives the CPU verdicts (skipped cleanly without CUDA).

Forked workers cannot use a CUDA context made before the fork, so tensor-level checks that touch
CUDA in this process run in a subprocess, and the claim runs go through the runner's workers.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from theorycheck import Settings, run_claims

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

GPU_KINDS = {"montecarlo", "bound", "dynamics"}


def _verdicts(results) -> dict:
    return {(r.claim.id, r.variant): [c.verdict.value for c in r.checks] for r in results}


def test_gpu_checks_give_the_cpu_verdicts(registry, tmp_path):
    claims = [c for c in registry.claims.values() if GPU_KINDS & {k.kind for k in c.checks}]
    assert claims
    variants = claims + [c.mutated(c.mutants[0]) for c in claims[:4]]
    on_cpu = run_claims(variants, Settings(device="cpu", report_dir=tmp_path / "cpu"), jobs=2)
    on_gpu = run_claims(variants, Settings(device="cuda", report_dir=tmp_path / "cuda"), jobs=2)
    assert _verdicts(on_gpu) == _verdicts(on_cpu)


def test_toy_claims_on_cuda_match_cpu(tmp_path):
    from fixtures import toy

    on_cpu = run_claims(toy.CLAIMS, Settings(device="cpu", report_dir=tmp_path / "cpu"))
    on_gpu = run_claims(toy.CLAIMS, Settings(device="cuda", report_dir=tmp_path / "cuda"))
    assert _verdicts(on_gpu) == _verdicts(on_cpu)


BATCH_PARITY = """
import torch
from theorycheck.checks.montecarlo import BatchSampler
cpu = BatchSampler.for_instances([4, 5, 6], range(64), "cpu")
gpu = BatchSampler.for_instances([4, 5, 6], range(64), "cuda")
for _ in range(3):
    assert torch.equal(cpu.uniform(1000, 3), gpu.uniform(1000, 3).cpu())
print("identical")
"""


def test_batch_sampler_draws_identical_bits_on_cuda():
    done = subprocess.run([sys.executable, "-c", BATCH_PARITY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "identical" in done.stdout, done.stderr


def test_sample_batch_estimates_agree_across_devices(tmp_path):
    from test_performance_smoke import _bernoulli_claim

    claim = _bernoulli_claim()
    on_cpu = run_claims([claim], Settings(device="cpu", report_dir=tmp_path / "cpu"))[0]
    on_gpu = run_claims([claim], Settings(device="cuda", report_dir=tmp_path / "cuda"))[0]
    assert on_cpu.verdict is on_gpu.verdict
    assert on_gpu.checks[0].margin == pytest.approx(on_cpu.checks[0].margin, rel=1e-9, abs=1e-9)
