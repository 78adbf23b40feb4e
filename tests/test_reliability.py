"""Reliability: faults are contained, interruptions keep the previous report, bad input is refused,
and verdicts do not flip with --jobs or between processes."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_helpers import TESTS, cli
from theorycheck.report import without_timings

FAULTY = "fixtures.faulty"


@pytest.fixture(scope="module")
def faulty_report(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("faulty")
    done = cli("run", "faulty/*", "--report-dir", str(folder), "--timeout", "4", "--memory-limit", "3",
               "--jobs", "2", modules=FAULTY)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return {c["id"]: c for c in json.loads((folder / "report.json").read_text())["claims"]}


@pytest.mark.parametrize("claim_id, needle", [
    ("faulty/raises-1", "deliberate failure in observed"),
    ("faulty/hangs-1", "timed out after 4 s"),
    ("faulty/allocates-1", "MemoryError"),
    ("faulty/dies-1", "worker process died"),
    ("faulty/nan-1", "a NaN never passes"),
    ("faulty/infeasible-1", "status '(primal)?infeasible'"),
    ("faulty/unbounded-1", "status '(unbounded|dualinfeasible)'"),
    ("faulty/inaccurate-1", "never a pass"),
])
def test_each_fault_is_an_error_with_its_message(faulty_report, claim_id, needle):
    claim = faulty_report[claim_id]
    assert claim["verdict"] == "error"
    assert re.search(needle, " ".join(c["message"] for c in claim["checks"]), re.IGNORECASE)


def test_faults_do_not_disturb_other_claims(faulty_report):
    assert faulty_report["faulty/fine-1"]["verdict"] == "passed"


def test_module_with_syntax_error_makes_its_claims_error_and_the_rest_runs(tmp_path):
    done = cli("run", "toy/*", "broken-syntax/*", "--report-dir", str(tmp_path),
               modules="fixtures.toy,fixtures.broken_syntax")
    assert done.returncode == 2  # a module that does not load is a load error of the whole run
    assert "broken_syntax.py:3" in done.stderr, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert [f["module"] for f in report["load_failures"]] == ["fixtures.broken_syntax"]
    toy = [c for c in report["claims"] if c["id"].startswith("toy/")]
    assert toy and all(c["verdict"] in ("passed", "proved") for c in toy)
    assert "SyntaxError" in report["load_failures"][0]["message"]


def _start_long_run(report_dir: Path, marker: Path) -> subprocess.Popen:
    env = {**os.environ, "THEORYCHECK_MODULES": FAULTY, "PYTHONPATH": str(TESTS),
           "THEORYCHECK_TEST_HANG_MARKER": str(marker)}
    return subprocess.Popen([sys.executable, "-c", "from theorycheck.cli import entry; entry()", "run",
                             "faulty/fine-1", "faulty/hangs-1", "--report-dir", str(report_dir), "--timeout", "120"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_keeps_the_previous_report(tmp_path, how):
    (tmp_path / "report.json").write_text('{"previous": true}')
    marker = tmp_path.parent / f"{tmp_path.name}-hanging"
    proc = _start_long_run(tmp_path, marker)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:  # faulty/fine-1 done, hangs-1 hanging
        time.sleep(0.2)
    assert marker.exists(), proc.communicate(timeout=5)
    proc.send_signal(how)
    out, err = proc.communicate(timeout=180)
    assert (tmp_path / "report.json").read_text() == '{"previous": true}'
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    if how == signal.SIGINT:
        assert proc.returncode == 130 and "partial summary" in out and "faulty/fine-1" in out
    if how == signal.SIGKILL:
        time.sleep(1)
        ps = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
        assert not ps.stdout.strip(), "a worker outlived its killed main process"


def test_same_seed_same_report_any_jobs_and_process(tmp_path):
    reports = []
    for jobs, name in (("1", "a"), ("2", "b"), ("2", "c")):
        done = cli("run", "toy/*", "--seed", "11", "--jobs", jobs, "--report-dir", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        report = json.loads((tmp_path / name / "report.json").read_text())
        reports.append(without_timings(report["claims"]))
    assert reports[0] == reports[1] == reports[2]


ARG = st.one_of(
    st.sampled_from(["run", "mutants", "show", "list", "diff", "toy/*", "toy/rate-1", "no/such", "all", "[",
                     "--help", "corrupt.json"]),
    st.tuples(st.sampled_from(["--instances", "--jobs", "--timeout", "--seed", "--device", "--profile",
                               "--report-dir", "--mutant", "--tag", "--bogus"]),
              st.one_of(st.integers(-10**20, 10**20).map(str), st.sampled_from(["", "x", "1e3", "nan", "-0",
                                                                                "cuda", "tpu", "full", "/proc/x"]))),
)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(ARG, min_size=1, max_size=4))
def test_generated_command_lines_are_refused_cleanly(tmp_path_factory, words):
    argv = [w for item in words for w in (item if isinstance(item, tuple) else (item,))]
    work = tmp_path_factory.mktemp("cwd")
    (work / "corrupt.json").write_text('{"claims": [{"id": 1')
    if "run" in argv[:1] or "mutants" in argv[:1]:
        argv += ["--instances", "2", "--timeout", "60"] if "--instances" not in argv else []
    if argv[:1] and argv[0] in ("run", "mutants", "list", "show"):
        argv.append("--only-user")  # the toy claims alone: 'all' must not run every bundled pack
    done = _in_process(argv, work)
    code, err = done
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1, (argv, err)
    written = [p for p in work.rglob("*") if p.is_file() and "reports" not in p.parts and p.name != "corrupt.json"]
    assert not written, (argv, written)


def _in_process(argv: list[str], cwd: Path) -> tuple[int, str]:
    env = {**os.environ, "THEORYCHECK_MODULES": "fixtures.toy", "PYTHONPATH": str(TESTS)}
    done = subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", *argv],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=240)
    return done.returncode, done.stderr


def test_diff_reports_changes_and_refuses_corrupt_json(tmp_path):
    good = tmp_path / "a.json"
    assert cli("run", "toy/numeric-1", "--report-dir", str(tmp_path)).returncode == 0
    (tmp_path / "report.json").rename(good)
    same = cli("diff", str(good), str(good))
    assert same.returncode == 0 and "0 difference(s)" in same.stdout
    edited = tmp_path / "b.json"
    edited.write_text(good.read_text().replace('"verdict": "passed"', '"verdict": "failed"', 1))
    changed = cli("diff", str(good), str(edited))
    assert changed.returncode == 1 and "verdict passed -> failed" in changed.stdout
    for corrupt in ('{"claims": [', "[]", "\x00\xff"):
        bad = tmp_path / "bad.json"
        bad.write_bytes(corrupt.encode("latin-1"))
        done = cli("diff", str(good), str(bad))
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
