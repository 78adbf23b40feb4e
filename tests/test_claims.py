"""Every registered claim module loads and every mutant of every claim is killed.

That every claim itself passes is asserted twice elsewhere, without running it a third time: by
the liveness audit of each source (``tests/test_liveness.py``: a claim that is not green fails its
source's audit) and by the two whole-suite runs of ``tests/test_earned.py`` (exit 0 required)."""
from __future__ import annotations

import pytest

from theorycheck import Settings, Verdict, load_registry, run_claims

REGISTRY = load_registry()
IDS = sorted(REGISTRY.claims)


def test_every_claim_module_loads():
    assert not REGISTRY.failures, [f"{f.module}: {f.message}" for f in REGISTRY.failures]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_mutant_is_killed(claim_id, tmp_path):
    claim = REGISTRY.claims[claim_id]
    results = run_claims([claim.mutated(m) for m in claim.mutants],
                         Settings(report_dir=tmp_path, device="cpu", stop_at_kill=True), jobs=2)
    survivors = {r.variant: [f"{c.kind}: {c.verdict.value}: {c.message}" for c in r.checks]
                 for r in results if r.verdict is not Verdict.FAILED}
    assert not survivors, survivors
