"""The liveness audit over every registered claim (quick profile): every part is read by a check
and its sentinels are killed, so CI fails on a dead part or a check that cannot tell a claim from a
10 % wrong variant of it. One test per source, so a failure names the pack."""
from __future__ import annotations

import pytest

from theorycheck import Settings, load_registry
from theorycheck.liveness import audit

REGISTRY = load_registry()
SOURCES = sorted({c.source_key for c in REGISTRY.claims.values()})


@pytest.mark.parametrize("source", SOURCES)
def test_every_part_of_every_claim_is_live(source, tmp_path):
    claims = [c for c in REGISTRY.claims.values() if c.source_key == source]
    audits = audit(claims, Settings(report_dir=tmp_path, device="cpu"), jobs=2)
    problems = {}
    for a in audits:
        if a.ok:
            continue
        problems[a.claim_id] = a.problem or {
            p.name: p.problem or [f"{s.label}: {s.verdict}" for s in p.sentinels if not s.killed]
            for p in a.parts if not p.ok}
    assert not problems, problems
