"""Tasks go to workers longest first (by the last run's timings, else a per-kind guess); the order
never changes a verdict."""
from __future__ import annotations

import json

from theorycheck import Relation, Settings, Source, Space, declare, float_tolerance, mutant, run_claims
from theorycheck.runner import plan
from theorycheck.schedule import measured_costs

xs = Space(lambda d: {"x": d.uniform(0.0, 1.0)})


def _claim(name: str, instances: int):
    return declare(f"sched/lemma-{name}", title=name, source=Source("s", "s"), statement="2x = x + x",
                   claimed=lambda i: 2 * i.x,
                   checks=[Relation(observed=lambda i: i.x + i.x, space=xs, instances=instances,
                                    tolerance=float_tolerance(2))],
                   mutants=[mutant("3x", "wrong", claimed=lambda i: 3 * i.x)])


def test_longest_tasks_first_by_the_last_report(tmp_path):
    claims = [_claim("1", 4), _claim("2", 4), _claim("3", 4)]
    settings = Settings(report_dir=tmp_path)
    assert [t.claim_id for t in plan(claims, settings, 1)] == [c.id for c in claims]  # no report: as declared
    report = {"claims": [{"id": "sched/lemma-3", "variant": "", "checks": [{"seconds": 8.0, "instances": 4}]},
                         {"id": "sched/lemma-2", "variant": "", "checks": [{"seconds": 2.0, "instances": 4}]},
                         {"id": "sched/lemma-1", "variant": "", "checks": [{"seconds": 0.1, "instances": 4}]}]}
    (tmp_path / "report.json").write_text(json.dumps(report))
    assert measured_costs(tmp_path)[("sched/lemma-3", "", 0)] == 2.0
    tasks = plan(claims, settings, 1)
    assert [t.claim_id for t in tasks] == ["sched/lemma-3", "sched/lemma-2", "sched/lemma-1"]  # one chunk each
    variants = [c.mutated(c.mutants[0]) for c in claims]
    tasks = plan(claims + variants, settings, 2)
    own = sum(not t.variant for t in tasks)
    assert all(not t.variant for t in tasks[:own]) and all(t.variant for t in tasks[own:])
    assert tasks[own].claim_id == "sched/lemma-3"  # a variant costs what its claim does
    for v in ("sched/lemma-1", "sched/lemma-2", "sched/lemma-3"):  # a variant's checks stay in order
        own = [t.indices for t in tasks if t.variant and t.claim_id == v]
        assert own == sorted(own)


def test_the_order_changes_no_verdict(tmp_path):
    claims = [_claim("1", 6), _claim("2", 3)]
    first = run_claims(claims, Settings(report_dir=tmp_path), jobs=2)
    (tmp_path / "report.json").write_text(json.dumps({"claims": [
        {"id": "sched/lemma-2", "variant": "", "checks": [{"seconds": 9.0, "instances": 3}]}]}))
    second = run_claims(claims, Settings(report_dir=tmp_path), jobs=2)
    assert [(r.verdict, r.checks[0].margin) for r in first] == [(r.verdict, r.checks[0].margin) for r in second]


def test_chunks_per_check():
    from theorycheck.schedule import chunks_per_check

    claim = _claim("1", 8)
    erratum = declare("sched/lemma-9", title="e", source=Source("s", "s"), statement="-", status="erratum",
                      erratum_note="wrong on purpose", claimed=lambda i: 3 * i.x,
                      checks=[Relation(observed=lambda i: i.x + i.x, space=xs, instances=8,
                                       tolerance=float_tolerance(2))],
                      mutants=[mutant("2x", "right", claimed=lambda i: 2 * i.x)])
    check = claim.checks[0]
    assert [chunks_per_check(claim, check, j) for j in (1, 2, 4)] == [1, 2, 4]
    assert chunks_per_check(claim.mutated(claim.mutants[0]), check, 2) == 4  # kills skip later chunks
    assert chunks_per_check(erratum, erratum.checks[0], 4) == 1  # the counterexample is shrunk once
