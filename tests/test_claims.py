"""Every registered claim passes in the quick profile and every one of its mutants is killed."""
from __future__ import annotations

import pytest

from theorycheck import Settings, Verdict, load_registry, run_claims

REGISTRY = load_registry()
IDS = sorted(REGISTRY.claims)


def test_every_claim_module_loads():
    assert not REGISTRY.failures, [f"{f.module}: {f.message}" for f in REGISTRY.failures]


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes(claim_id, tmp_path):
    claim = REGISTRY.claims[claim_id]
    [result] = run_claims([claim], Settings(report_dir=tmp_path, device="cpu"), jobs=2)
    assert result.verdict.ok, [f"{c.kind}: {c.verdict.value}: {c.message}" for c in result.checks]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_mutant_is_killed(claim_id, tmp_path):
    claim = REGISTRY.claims[claim_id]
    results = run_claims([claim.mutated(m) for m in claim.mutants],
                         Settings(report_dir=tmp_path, device="cpu", stop_at_kill=True), jobs=2)
    survivors = {r.variant: [f"{c.kind}: {c.verdict.value}: {c.message}" for c in r.checks]
                 for r in results if r.verdict is not Verdict.FAILED}
    assert not survivors, survivors
