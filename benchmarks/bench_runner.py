"""The runner end to end: ``theorycheck run`` wall time, ``--jobs 2`` vs ``--jobs 1``, and scaling.

Each figure is the wall time of a real ``theorycheck run`` subprocess (imports included); the
report's own ``wall_seconds`` (the run proper) is recorded beside it.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from timing import ratio


def run_cli(patterns: Sequence[str], *options: str) -> dict:
    with tempfile.TemporaryDirectory() as report_dir:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", "run",
                               *patterns, *options,
                               "--report-dir", report_dir, "--device", "cpu"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        report_path = Path(report_dir) / "report.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return {"wall_seconds": wall, "run_seconds": report.get("wall_seconds"), "exit": done.returncode,
            "claims": len(report.get("claims", [])), "summary": report.get("summary")}


def quick_profile(patterns: Sequence[str], jobs: int) -> dict:
    result = run_cli(patterns, "--profile", "quick", "--jobs", str(jobs))
    return {"patterns": list(patterns), "jobs": jobs, **result, "goal_seconds_for_all": 60.0}


def jobs_speedup(patterns: Sequence[str], rounds: int) -> dict:
    """``--jobs 1`` and ``--jobs 2`` alternate, ``rounds`` times each; medians compared."""
    one, two = [], []
    for _ in range(rounds):
        one.append(run_cli(patterns, "--jobs", "1")["run_seconds"])
        two.append(run_cli(patterns, "--jobs", "2")["run_seconds"])
    jobs1, jobs2 = float(np.median(one)), float(np.median(two))
    return {"patterns": list(patterns), "jobs1_seconds": jobs1, "jobs2_seconds": jobs2,
            "speedup": ratio(jobs1, jobs2), "goal": 1.7}


def instance_scaling(patterns: Sequence[str], counts: Sequence[int]) -> dict:
    """Full-profile run time against ``--instances``: a least-squares line and its R^2."""
    seconds = [run_cli(patterns, "--profile", "full", "--instances", str(n))["run_seconds"] for n in counts]
    slope, intercept = np.polyfit(counts, seconds, 1)
    fitted = slope * np.asarray(counts) + intercept
    residual = float(np.sum((np.asarray(seconds) - fitted) ** 2))
    total = float(np.sum((np.asarray(seconds) - np.mean(seconds)) ** 2)) or 1.0
    return {"patterns": list(patterns), "instances": list(counts), "run_seconds": seconds,
            "seconds_per_instance": float(slope), "intercept_seconds": float(intercept),
            "r_squared": 1.0 - residual / total}
