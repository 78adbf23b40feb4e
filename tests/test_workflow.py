"""The researcher's workflow: output in a pipe and in CI, the options pytest users expect, mutants
and JUnit that say the truth, reports (JSON, Markdown, HTML, figures), and check_instance."""
from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import TESTS

WORKFLOW = "fixtures.workflow_claims"
LONG = "workflow/lemma-with-a-rather-long-identifier-that-no-terminal-of-sixty-columns-holds-1"
COUNT_LINE = re.compile(r"^== (\d+ [\w -]+)(, \d+ [\w -]+)* in \d+\.\d+s ==$", re.M)


def tc(*args: str, modules: str = WORKFLOW, cwd: Path | None = None, only_user: bool = True,
       **env: str) -> subprocess.CompletedProcess:
    """The real command in a pipe at COLUMNS=60, under CI=true; ``--only-user`` (the test's claim
    modules, none of the bundled packs) unless told otherwise."""
    if only_user and args and args[0] in ("run", "mutants") and "--help" not in args:
        args = (args[0], "--only-user", *args[1:])
    full_env = {**os.environ, "THEORYCHECK_MODULES": modules, "COLUMNS": "60", "CI": "true",
                "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **env}
    return subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", *args],
                          capture_output=True, text=True, env=full_env, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    done = tc("run", "workflow/*", "--report-dir", str(folder))
    assert done.returncode == 1, done.stdout + done.stderr
    return folder, done


def test_pipe_lines_keep_ids_whole_and_end_with_a_count_line(failing_run):
    folder, done = failing_run
    lines = done.stdout.splitlines()
    report = json.loads((folder / "report.json").read_text())
    for claim in report["claims"]:  # one line per claim, the id whole on it
        assert any(line.startswith(claim["id"] + " ") for line in lines), claim["id"]
    assert any(line.startswith(LONG + " FAILED ") for line in lines)
    assert COUNT_LINE.search(done.stdout), done.stdout
    assert "== 1 failed, 1 error, 3 passed, 1 xfail in " in done.stdout
    assert "\x1b" not in done.stdout and "\x01" not in done.stdout  # control characters are shown escaped


def test_list_in_a_pipe_keeps_ids_whole():
    listed = tc("list", "--only-user", "workflow/*")
    assert listed.returncode == 0, listed.stderr
    assert any(line.startswith(LONG + " ") for line in listed.stdout.splitlines())


def test_failure_prints_its_counterexample_and_replay(failing_run):
    _, done = failing_run
    text = done.stdout
    assert "observed: " in text and "claimed: " in text and "margin: " in text
    assert re.search(r"instance #\d+: \{\"x\": \[", text)
    shrunk = re.search(r"shrunk \(Hypothesis\): (\{.*\})", text)
    assert shrunk and json.loads(shrunk.group(1))["x"] == [2.0] or len(json.loads(shrunk.group(1))["x"]) == 1
    replay = next(line.split("replay: ", 1)[1] for line in text.splitlines() if "replay: " in line)
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    out = subprocess.run(replay, shell=True, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and f"{LONG} [0] numeric: failed" in out.stdout, out.stdout + out.stderr


def test_pasted_reproduce_line_runs_and_keeps_the_runs_report(failing_run):
    folder, done = failing_run
    line = next(l for l in done.stdout.splitlines() if l.strip().startswith("reproduce:") and LONG in l)
    command = line.split("reproduce: ", 1)[1]
    assert command.startswith(f"THEORYCHECK_MODULES={WORKFLOW} theorycheck run {LONG} ")
    before = (folder / "report.json").read_text()
    env = {**os.environ, "PYTHONPATH": str(TESTS), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    again = subprocess.run(command, shell=True, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"{LONG} FAILED" in again.stdout
    assert (folder / "report.json").read_text() == before
    rerun = json.loads((folder / "reproduce" / "report.json").read_text())
    assert [c["id"] for c in rerun["claims"]] == [LONG] and rerun["claims"][0]["verdict"] == "failed"


def test_report_files_have_normal_permissions_and_a_schema(failing_run):
    folder, _ = failing_run
    for name in ("report.json", "junit.xml", "report.md", "report.html"):
        mode = stat.S_IMODE((folder / name).stat().st_mode)
        assert mode & 0o044 == 0o044, (name, oct(mode))  # readable by group and others (umask 022)
    assert json.loads((folder / "report.json").read_text())["schema_version"] >= 2


def test_junit_is_valid_xml_with_xfail_skipped_and_control_characters_escaped(failing_run):
    folder, _ = failing_run
    root = ET.parse(folder / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert suite.get("failures") == "1" and suite.get("errors") == "1" and suite.get("tests") == "6"
    xfail = [c for c in suite.iter("testcase") if c.get("name") == "workflow/remark-3"][0]
    assert xfail.find("skipped").get("type") == "pytest.xfail"
    noisy = [c for c in suite.iter("testcase") if c.get("name") == "workflow/lemma-5"][0]
    assert "\\x01" in noisy.find("error").text
    from junitparser import JUnitXml

    parsed = JUnitXml.fromfile(str(folder / "junit.xml"))
    assert sum(1 for suite in parsed for _ in suite) == 6


def test_markdown_cells_escape_pipes_and_link_figures(failing_run, tmp_path):
    folder, _ = failing_run
    text = (folder / "report.md").read_text()
    row = next(l for l in text.splitlines() if l.startswith("| `workflow/lemma-1`"))
    assert len(re.split(r"(?<!\\)\|", row)) == 6  # 4 cells, no stray column from a pipe
    assert "report.html" in text
    toy = tmp_path / "toy"
    assert tc("run", "toy/montecarlo-1", "--report-dir", str(toy), modules="fixtures.toy").returncode == 0
    md = (toy / "report.md").read_text()
    assert "(artefacts/toy__montecarlo-1-check0-montecarlo.png)" in md


def test_mutants_say_killed_and_survived_and_check_the_claim_first(tmp_path):
    done = tc("mutants", "workflow/lemma-1", "workflow/lemma-4", "--report-dir", str(tmp_path))
    assert done.returncode == 1
    assert "workflow/lemma-1 [mutant: sum | of abs] KILLED" in done.stdout
    assert "workflow/lemma-4 [mutant: looser] SURVIVED" in done.stdout
    assert "== 1 survived, 1 killed in " in done.stdout
    suite = ET.parse(tmp_path / "mutants-junit.xml").getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["workflow/lemma-4 [mutant: looser]"].find("failure") is not None
    assert len(list(cases["workflow/lemma-1 [mutant: sum | of abs]"])) == 0  # killed: a pass
    md = (tmp_path / "mutants.md").read_text()
    assert "**killed**" in md and "**survived**" in md and "sum \\| of abs" in md
    red = tc("mutants", LONG, "--report-dir", str(tmp_path / "red"))
    assert red.returncode == 1 and "the claim itself is not green (failed)" in red.stdout
    assert "1 claim not green" in red.stdout


def test_green_mutants_junit_has_no_failures(tmp_path):
    done = tc("mutants", "toy/numeric-1", "toy/rate-1", "--report-dir", str(tmp_path), modules="fixtures.toy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert COUNT_LINE.search(done.stdout) and "== 2 killed in " in done.stdout
    from junitparser import Failure, JUnitXml

    xml = JUnitXml.fromfile(str(tmp_path / "mutants-junit.xml"))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 2 and not any(isinstance(r, Failure) for case in cases for r in case.result)
    assert ET.parse(tmp_path / "mutants-junit.xml").getroot().find("testsuite").get("failures") == "0"


def test_keyword_exclude_exitfirst_and_last_failed(tmp_path):
    k = tc("run", "workflow/*", "-k", "lemma and not long and not (lemma-4 or lemma-5)", "--report-dir", str(tmp_path))
    assert k.returncode == 0 and "workflow/lemma-1 PASSED" in k.stdout and "lemma-4" not in k.stdout
    ex = tc("run", "all", "--exclude", "workflow/lemma-*", "--exclude", "workflow/remark-3", "--report-dir", str(tmp_path))
    assert ex.returncode == 0 and "== 1 passed in " in ex.stdout
    assert tc("run", "workflow/*", "-k", "and or", "--report-dir", str(tmp_path)).returncode == 2
    first = tc("run", "workflow/*", "-x", "--jobs", "1", "--report-dir", str(tmp_path))
    assert first.returncode == 1 and "stopped at the first failure (-x)" in first.stdout
    streamed = [l for l in first.stdout.split("=== failures ===")[0].splitlines() if l.startswith("workflow/")]
    bad = [l for l in streamed if " FAILED " in l or " ERROR " in l]
    assert len(bad) == 1 and streamed[-1] == bad[0] and len(streamed) < 6  # nothing concluded after it
    full = tc("run", "workflow/*", "--report-dir", str(tmp_path))
    assert full.returncode == 1
    last = tc("run", "workflow/*", "--lf", "--report-dir", str(tmp_path))
    ran = {l.split(" ")[0] for l in last.stdout.splitlines() if l.startswith("workflow/")}
    assert ran == {LONG, "workflow/lemma-5"}, last.stdout


def test_jobs_auto_is_the_default_and_counts_usable_cores():
    from theorycheck.cli import JobsType, usable_cores

    assert JobsType().convert("auto", None, None) == usable_cores() == len(os.sched_getaffinity(0))
    help_text = tc("run", "--help").stdout
    assert "--jobs N|AUTO" in help_text and "[default: auto]" in " ".join(help_text.split())


@pytest.mark.parametrize("ci", [None, "true"])
def test_progress_bar_draws_on_stderr_only_in_a_terminal(monkeypatch, ci):
    """A TTY on stderr gets the bar (naming the running claim, with ETA) unless CI is set; stdout
    gets the plain line either way. The environment is set here, so the test holds under CI too."""
    import io

    from fixtures import toy
    from theorycheck.output import CI_VARIABLES, LiveOutput
    from theorycheck.runner import ClaimResult
    from theorycheck.verdict import Verdict

    for name in ("CI", *CI_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    if ci:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("TERM", "xterm")

    class Tty(io.StringIO):
        def isatty(self):
            return True

    out, err = io.StringIO(), Tty()
    with LiveOutput(toy.CLAIMS[:2], False, out=out, err=err) as live:
        live.tick(1, 4)
        live.claim_done(ClaimResult(claim=toy.CLAIMS[0], verdict=Verdict.PROVED, checks=[], seconds=0.1))
    if ci:
        assert err.getvalue() == ""  # no bar under CI
    else:
        assert "toy/numeric-1" in err.getvalue() and "ETA" in err.getvalue()  # names the running claim
    assert out.getvalue() == "toy/symbolic-1 PROVED 0.10s [ 50%]\n"  # plain line on stdout, no bar


def test_check_instance_under_hypothesis_given():
    from hypothesis import given, settings

    import theorycheck as tc_api
    from fixtures import workflow_claims as wf

    @settings(max_examples=15, deadline=None, database=None)
    @given(wf.vectors.strategy())
    def holds(inst):
        tc_api.check_instance(wf.true_claim, 0, inst)

    holds()

    @settings(max_examples=30, deadline=None, database=None)
    @given(wf.vectors.strategy())
    def fails(inst):
        tc_api.check_instance(wf.false_claim, 0, inst)

    with pytest.raises(AssertionError, match="margin"):
        fails()
    result = tc_api.check_instance(wf.false_claim, 0, {"x": [0.5]})
    assert result.verdict.value == "passed"  # 0.25 <= 0.5: this instance does not refute it


def test_html_report_has_every_claim_the_counts_the_reproduce_line_and_the_graph(failing_run):
    from html.parser import HTMLParser

    folder, _ = failing_run
    page = (folder / "report.html").read_text()
    report = json.loads((folder / "report.json").read_text())

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.text, self.tags, self.srcs = [], [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.srcs += [v for k, v in attrs if k in ("src", "href") and v]

        def handle_data(self, data):
            self.text.append(data)

    parser = Collect()
    parser.feed(page)
    text = "".join(parser.text)
    for c in report["claims"]:
        assert c["id"] in text
    assert "1 failed, 1 error, 3 passed, 1 xfail" in text
    failing = next(c for c in report["claims"] if c["id"] == LONG)
    assert failing["reproduce"] in text
    assert "svg" in parser.tags and "math" in parser.tags  # the graph, statements as MathML
    assert not [s for s in parser.srcs if s.startswith(("http:", "https:", "//"))]  # nothing fetched


def test_figures_of_each_kind_name_claim_seed_and_are_150_dpi(tmp_path):
    from PIL import Image

    done = tc("run", "toy/montecarlo-1", "toy/bound-1", "toy/rate-1", "--seed", "5", "--report-dir", str(tmp_path),
              modules="fixtures.toy")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    kinds = {}
    for c in report["claims"]:
        for f in c["figures"]:
            kinds[f.rsplit("-", 1)[1].removesuffix(".png")] = tmp_path / f
    assert set(kinds) == {"montecarlo", "bound", "rate"}
    for path in kinds.values():
        dpi = Image.open(path).info["dpi"]
        assert round(dpi[0]) >= 150
    stale = tmp_path / "artefacts" / "old-figure.png"
    stale.write_bytes(b"x")
    os.utime(stale, (1, 1))
    assert tc("run", "toy/rate-1", "--report-dir", str(tmp_path), modules="fixtures.toy").returncode == 0
    assert not stale.exists()  # stale artefacts of earlier runs are cleaned
