"""report.html in a real headless browser (Chromium, from the system packages): the page loads with
no console message, and shows every claim id, the counts, a failing claim's reproduce command and
the dependency graph. Skipped where no Chromium is installed (``apt-get install -y chromium``);
``tests/test_workflow.py`` checks the same page with an HTML parser everywhere."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import TESTS

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install -y chromium)")


def browse(url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--enable-logging=stderr", "--v=0", *extra, url],
                          capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def make_report(folder: Path) -> dict:
    env = {**os.environ, "CI": "true", "THEORYCHECK_MODULES": "fixtures.workflow_claims,fixtures.toy",
           "PYTHONPATH": str(TESTS)}
    done = subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", "run", "--only-user",
                           "workflow/*", "toy/montecarlo-1", "toy/rate-1", "toy/bound-1", "--report-dir", str(folder)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    return json.loads((folder / "report.json").read_text())


def test_the_harness_sees_console_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>console.error('boom'); notDefined();</script></body></html>")
    messages = console_messages(browse(page.as_uri(), "--dump-dom").stderr)
    assert any("boom" in m for m in messages) and any("notDefined" in m for m in messages)


def test_report_page_in_chromium(tmp_path):
    report = make_report(tmp_path)
    page = (tmp_path / "report.html").as_uri()
    done = browse(page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    dom = done.stdout
    text = re.sub(r"<[^>]+>", " ", dom)
    for claim in report["claims"]:
        assert claim["id"] in text, claim["id"]
    assert f"{len(report['claims'])} claims:" in text and "1 failed, 1 error, 6 passed, 1 xfail" in text
    failing = next(c for c in report["claims"] if c["verdict"] == "failed")
    assert failing["reproduce"].replace("'", "&#x27;") in dom or failing["reproduce"] in text
    assert 'id="dependency-graph"' in dom and dom.count('class="node"') == len(report["claims"])
    assert "<math" in dom and dom.count("data:image/png;base64,") >= 3  # statements; the figures inline
    shot = tmp_path / "shot.png"
    browse(page, f"--screenshot={shot}", "--window-size=1280,1800", "--hide-scrollbars")
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1800) and len(image.resize((64, 64)).getcolors(maxcolors=4096) or range(4097)) > 20  # not a blank page
    if os.environ.get("THEORYCHECK_SCREENSHOT"):
        shutil.copy(shot, os.environ["THEORYCHECK_SCREENSHOT"])
