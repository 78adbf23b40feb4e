"""Run the real ``theorycheck`` command in a subprocess with test-only claim modules."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def cli(*args: str, modules: str = "fixtures.toy", timeout: float = 240, **popen) -> subprocess.CompletedProcess:
    env = {**os.environ, "THEORYCHECK_MODULES": modules,
           "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", *args],
                          capture_output=True, text=True, env=env, timeout=timeout, **popen)
