"""The engine: every check kind on a true and a false toy claim, verdicts, CLI contract, reports."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from cli_helpers import cli
from fixtures import toy
from theorycheck import Settings, Verdict, run_claims
from theorycheck.claim import ClaimDeclarationError
from theorycheck.registry import Registry
from theorycheck.report import without_timings
from theorycheck.verdict import claim_verdict


@pytest.mark.parametrize("claim", toy.CLAIMS, ids=lambda c: c.id)
def test_check_kind_passes_true_claim_and_fails_false_one(claim, tmp_path):
    settings = Settings(report_dir=tmp_path, device="cpu")
    [true, false] = run_claims([claim, claim.mutated(claim.mutants[0])], settings)
    assert true.verdict in (Verdict.PASSED, Verdict.PROVED), [c.message for c in true.checks]
    assert false.verdict is Verdict.FAILED, [c.message for c in false.checks]


def test_symbolic_identity_is_proved(tmp_path):
    [result] = run_claims([toy.symbolic], Settings(report_dir=tmp_path))
    assert result.verdict is Verdict.PROVED


def test_replace_runs_a_variant_through_the_same_checks(tmp_path):
    variant = toy.relation.replace(claimed=lambda i: float(np.sum(i.x**2)) + 1.0)
    assert variant.checks is toy.relation.checks
    [result] = run_claims([variant], Settings(report_dir=tmp_path))
    assert result.verdict is Verdict.FAILED
    with pytest.raises(KeyError, match="no part named"):
        toy.relation.replace(nonexistent=1)


def test_failed_numeric_claim_reports_a_shrunk_counterexample(tmp_path):
    variant = toy.relation.replace(variant="", claimed=lambda i: float(np.sum(i.x**2)) * (1 + (i.x.size > 2)))
    [result] = run_claims([variant], Settings(report_dir=tmp_path))
    assert result.verdict is Verdict.FAILED
    shrunk = result.checks[0].worst["details"]["shrunk_counterexample"]
    assert len(shrunk["x"]) == 3  # the smallest failing dimension


@pytest.mark.parametrize("verdicts, erratum, expected", [
    ([Verdict.PROVED, Verdict.PASSED], False, Verdict.PASSED),
    ([Verdict.PASSED, Verdict.FAILED], False, Verdict.FAILED),
    ([Verdict.FAILED, Verdict.ERROR], False, Verdict.ERROR),
    ([Verdict.PASSED, Verdict.FAILED], True, Verdict.XFAIL),
    ([Verdict.PASSED], True, Verdict.UNEXPECTED_PASS),
    ([Verdict.ERROR], True, Verdict.ERROR),
    ([], False, Verdict.ERROR),
])
def test_claim_verdict_is_the_worst_check_under_its_status(verdicts, erratum, expected):
    assert claim_verdict(verdicts, erratum) is expected


def test_same_seed_same_instances_any_chunking(tmp_path):
    settings = Settings(report_dir=tmp_path, seed=7)
    one = run_claims([toy.relation, toy.montecarlo], settings, jobs=1)
    two = run_claims([toy.relation, toy.montecarlo], settings, jobs=2)
    assert without_timings([r.to_json() for r in one]) == without_timings([r.to_json() for r in two])


def test_declarations_are_validated():
    reg = Registry()
    reg.add(toy.relation)
    with pytest.raises(ClaimDeclarationError, match="duplicate id"):
        reg.add(toy.relation)
    with pytest.raises(ClaimDeclarationError, match="malformed id"):
        reg.add(toy.relation.replace().__class__(**{**toy.relation.__dict__, "id": "Bad Id"}))
    with pytest.raises(ClaimDeclarationError, match="no mutant"):
        reg.add(toy.rate.__class__(**{**toy.rate.__dict__, "id": "toy/rate-2", "mutants": ()}))
    with pytest.raises(ClaimDeclarationError, match="no check"):
        reg.add(toy.rate.__class__(**{**toy.rate.__dict__, "id": "toy/rate-3", "checks": ()}))


def test_dependencies_must_exist_and_be_acyclic():
    make = toy.relation.__class__
    reg = Registry()
    reg.add(make(**{**toy.relation.__dict__, "id": "toy/a-1", "depends_on": ("toy/b-1",)}))
    with pytest.raises(ClaimDeclarationError, match="names no claim"):
        reg.check_dependencies()
    reg.add(make(**{**toy.relation.__dict__, "id": "toy/b-1", "depends_on": ("toy/a-1",)}))
    with pytest.raises(ClaimDeclarationError, match="cycle"):
        reg.check_dependencies()


def test_cli_run_writes_three_reports_that_round_trip(tmp_path):
    done = cli("run", "toy/*", "--report-dir", str(tmp_path), "--seed", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["seed"] == 3 and report["ok"] is True
    assert {c["id"] for c in report["claims"]} == {c.id for c in toy.CLAIMS}
    assert all(c["fingerprint"] and c["checks"] for c in report["claims"])
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert int(junit.get("tests")) == len(toy.CLAIMS) and junit.get("failures") == "0"
    assert "toy/rate-1" in (tmp_path / "report.md").read_text()
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_mutants_kill_every_toy_mutant(tmp_path):
    done = cli("mutants", "toy/*", "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SURVIVED" not in done.stdout


def test_cli_show_and_list():
    shown = cli("show", "toy/convex-1")
    assert shown.returncode == 0 and "mutants:" in shown.stdout and "convex" in shown.stdout
    listed = cli("list", "toy/*")
    assert listed.returncode == 0 and "toy/rate-1" in listed.stdout


@pytest.mark.parametrize("args, needle", [
    (("run", "no/such-claim"), "no claim matches 'no/such-claim'"),
    (("run", "toy/numeric-2"), "did you mean toy/numeric-1"),
    (("run", "toy/*", "--instances", "-3"), "--instances"),
    (("run", "toy/*", "--device", "tpu"), "--device"),
    (("run", "toy/*", "--profile", "slow"), "--profile"),
    (("show", "toy/*"), "'show' takes one claim id"),
    (("mutants", "toy/rate-1", "--mutant", "nope"), "no mutant named 'nope'"),
])
def test_usage_errors_exit_2_with_one_line(args, needle):
    done = cli(*args)
    assert done.returncode == 2
    assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_failing_claim_exits_1_and_prints_the_reproduce_command(tmp_path):
    done = cli("mutants", "toy/numeric-1", "--report-dir", str(tmp_path), "--instances", "3")
    assert done.returncode == 0
    failing = cli("run", "faulty/nan-1", "--report-dir", str(tmp_path), modules="fixtures.faulty")
    assert failing.returncode == 1
    # the reproduce line names the modules it needs and a report dir of its own (issue 18)
    assert "reproduce: THEORYCHECK_MODULES=fixtures.faulty theorycheck run faulty/nan-1 --seed 0 --profile quick" in failing.stdout
    assert f"--report-dir {tmp_path / 'reproduce'}" in failing.stdout


def test_a_bad_dependency_quarantines_only_that_claim():
    make = toy.relation.__class__
    reg = Registry()
    reg.add(make(**{**toy.relation.__dict__, "id": "toy/a-1", "depends_on": ("toy/missing-1",)}), "mod.a")
    reg.add(make(**{**toy.relation.__dict__, "id": "toy/b-1", "depends_on": ("toy/a-1",)}), "mod.b")
    reg.add(make(**{**toy.relation.__dict__, "id": "toy/c-1"}), "mod.c")
    reg.quarantine_bad_dependencies()
    assert list(reg.claims) == ["toy/c-1"]
    assert [f.module for f in reg.failures] == ["mod.a", "mod.b"]
    assert "names no claim: 'toy/missing-1'" in reg.failures[0].message


def test_parts_reach_every_check_kind(tmp_path):
    """A mutant of a part read inside a Monte-Carlo integrand, a rate measure, a bound's observed
    side and a training run is killed, so coefficient mutants are not limited to numeric checks."""
    for claim in (toy.montecarlo_by_part, toy.rate_by_part):
        [true, false] = run_claims([claim, claim.mutated(claim.mutants[0])], Settings(report_dir=tmp_path))
        assert true.verdict is Verdict.PASSED and false.verdict is Verdict.FAILED, claim.id
