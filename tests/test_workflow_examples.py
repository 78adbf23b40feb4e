"""Claims of one's own: the README tutorial verbatim, the external example package through the
CLI, --claims, its entry point and the pytest plugin, and the plugin on the workflow claims."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import TESTS

ROOT = TESTS.parent
EXAMPLE = ROOT / "examples" / "inverted-dropout"
BIN = Path(sys.executable).parent


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """A command line as a user types it (``theorycheck`` from PATH), in a pipe under CI=true."""
    full = {**os.environ, "CI": "true", "COLUMNS": "60", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    full.pop("THEORYCHECK_MODULES", None)
    full.update(env)
    return subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, env=full, timeout=600)


def tutorial() -> tuple[list[str], str]:
    """The shell commands and the Python snippet of the README's tutorial section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Your own claims in five minutes", 1)[1].split("\n## ", 1)[0]
    section = section.split("**Inside Hypothesis.**", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("theorycheck ")]
    [snippet] = re.findall(r"```python\n(.*?)```", section, re.S)
    return commands, snippet


def fill_in(module: Path, snippet: str) -> None:
    """Replace each function of the skeleton by the README's version of it, as a user edits it."""
    text = module.read_text()
    for block in re.split(r"\n\n\n(?=def )", snippet.strip()):
        name = re.match(r"def (\w+)\(", block).group(1)
        text, n = re.subn(rf"def {name}\(.*?(?=\n\n\n)", lambda m: block, text, count=1, flags=re.S)
        assert n == 1, name
    module.write_text(text)


def test_readme_tutorial_new_edit_green_claim_with_a_killed_mutant(tmp_path):
    commands, snippet = tutorial()
    assert [c.split()[1] for c in commands] == ["new", "run", "run", "mutants"], commands
    started = time.monotonic()
    made = shell(commands[0], tmp_path)
    assert made.returncode == 0, made.stderr
    module = tmp_path / "myclaims" / "mypaper.py"
    assert module.exists()
    red = shell(commands[1], tmp_path)
    assert red.returncode == 1 and "write the claimed side in claimed_lemma_1" in red.stdout, red.stdout + red.stderr
    red_mutants = shell(commands[3], tmp_path)
    assert red_mutants.returncode == 1  # the skeleton's mutant is not killed either
    fill_in(module, snippet)
    green = shell(commands[2], tmp_path)
    assert green.returncode == 0 and re.search(r"^== 1 passed in [\d.]+s ==$", green.stdout, re.M), green.stdout + green.stderr
    killed = shell(commands[3], tmp_path)
    assert killed.returncode == 0 and "mypaper/lemma-1 [mutant: wrong] KILLED" in killed.stdout, killed.stdout
    assert re.search(r"^== 1 killed in [\d.]+s ==$", killed.stdout, re.M)
    assert time.monotonic() - started < 300
    # the README's Hypothesis snippet, as a test of one's own suite
    readme = (ROOT / "README.md").read_text().split("**Inside Hypothesis.**", 1)[1]
    snippet_test = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "test_mine.py").write_text(snippet_test)
    (tmp_path / "pytest.ini").write_text("[pytest]\npythonpath = myclaims\n")
    given = shell(f"{sys.executable} -m pytest -q test_mine.py", tmp_path)
    assert given.returncode == 0 and "1 passed" in given.stdout, given.stdout + given.stderr
    again = shell("theorycheck new mypaper/lemma-1 --dir myclaims", tmp_path)
    assert again.returncode == 2 and "already declares" in again.stderr
    bad = shell("theorycheck new 'Not An Id' --dir myclaims", tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_example_package_through_claims_dir(tmp_path):
    done = shell(f"theorycheck run --claims {EXAMPLE} --only-user all --report-dir {tmp_path}", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "inverted-dropout/lemma-1 PASSED" in done.stdout and "== 2 passed in " in done.stdout
    mutants = shell(f"theorycheck mutants --claims {EXAMPLE} --only-user all --report-dir {tmp_path}", tmp_path)
    assert mutants.returncode == 0 and "== 2 killed in " in mutants.stdout, mutants.stdout


@pytest.fixture(scope="module")
def installed_example():
    from importlib.metadata import PackageNotFoundError, version

    try:
        version("inverted-dropout-claims")
        was_installed = True
    except PackageNotFoundError:
        was_installed = False
    if not was_installed:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                               "-e", str(EXAMPLE)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    yield EXAMPLE
    if not was_installed:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-q", "-y", "inverted-dropout-claims"],
                       capture_output=True, text=True, timeout=600)


def test_example_package_through_its_entry_point(installed_example, tmp_path):
    # --only-user: the installed package's entry point, but none of the bundled packs
    done = shell(f"theorycheck run --only-user all --report-dir {tmp_path}", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "inverted-dropout/lemma-2 PASSED" in done.stdout and "== 2 passed in " in done.stdout
    listed = shell("theorycheck list 'inverted-dropout/*'", tmp_path)
    assert "inverted-dropout/lemma-1" in listed.stdout  # found through the entry point, with everything


def _pytest(args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    (cwd / "pytest.ini").write_text("[pytest]\n")
    (cwd / "conftest.py").write_text(
        "import sys\n\ndef pytest_collection_finish(session):\n"
        "    print('BUNDLED', sorted(m for m in sys.modules if m.startswith('theorems.')))\n")
    return shell(f"{sys.executable} -m pytest -p no:randomly {args}", cwd, **env)


def test_example_package_through_the_pytest_plugin(installed_example, tmp_path):
    done = _pytest("--theorycheck='inverted-dropout/*' --theorycheck-mutants -v", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "inverted-dropout/lemma-1 PASSED" in done.stdout
    assert "inverted-dropout/lemma-2[mutants] PASSED" in done.stdout
    assert "BUNDLED []" in done.stdout  # collection imported no bundled pack
    assert "collected 4 items" in done.stdout


def test_plugin_items_markers_xfail_counterexample_and_junit(tmp_path):
    env = {"THEORYCHECK_MODULES": "fixtures.workflow_claims", "PYTHONPATH": str(TESTS)}
    junit = tmp_path / "out.xml"
    done = _pytest(f"--theorycheck='workflow/*' --junitxml={junit} -rA", tmp_path, **env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BUNDLED []" in done.stdout
    assert "2 failed, 3 passed, 1 xfailed" in done.stdout
    assert "XFAIL workflow/remark-3" in done.stdout  # the erratum: strict xfail
    assert "shrunk (Hypothesis)" in done.stdout and "reproduce: THEORYCHECK_MODULES=fixtures.workflow_claims" in done.stdout
    # pytest's junitxml writes the node id's "/" as "." (its mangling of file paths)
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["workflow.lemma-1"].find("failure") is None
    assert cases["workflow.remark-3"].find("skipped").get("type") == "pytest.xfail"
    selected = _pytest("--theorycheck='workflow/*' -m numeric -k 'lemma-1 or corollary' -q", tmp_path, **env)
    assert selected.returncode == 0 and "2 passed, 4 deselected" in selected.stdout, selected.stdout
    last = _pytest("--theorycheck='workflow/*' --lf -q -p cacheprovider", tmp_path, **env)  # cache from the run above
    assert "2 failed" in last.stdout and "passed" not in last.stdout.splitlines()[-1], last.stdout


def test_plugin_under_xdist(tmp_path):
    pytest.importorskip("xdist")
    env = {"THEORYCHECK_MODULES": "fixtures.workflow_claims", "PYTHONPATH": str(TESTS)}
    done = _pytest("--theorycheck='workflow/*' -n 2 -q", tmp_path, **env)
    assert done.returncode == 1 and "2 failed, 3 passed, 1 xfailed" in done.stdout, done.stdout + done.stderr
