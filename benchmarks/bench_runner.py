"""The runner end to end: ``theorycheck run`` wall time, ``--jobs 2`` vs ``--jobs 1``, and scaling.

Each figure is the wall time of a real ``theorycheck run`` subprocess (imports included); the
report's own ``wall_seconds`` (the run proper) is recorded beside it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from timing import ratio


def run_cli(patterns: Sequence[str], *options: str, verb: str = "run", keep: str | None = None) -> dict:
    """One `theorycheck run` (or `mutants`) subprocess: wall seconds, the run proper's seconds from
    its report, and the CPU seconds of the whole process tree (what the machine's load does not
    inflate); ``keep``: copy the report there (for the slowest checks and the schedule simulation)."""
    import resource
    import shutil

    stem = "mutants" if verb == "mutants" else "report"
    with tempfile.TemporaryDirectory() as report_dir:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", verb,
                               *patterns, *options, "--profile-time",
                               "--report-dir", report_dir, "--device", "cpu"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        report_path = Path(report_dir) / f"{stem}.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        if keep and report_path.exists():
            Path(keep).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(report_path, keep)
    slowest = done.stdout.split("ten slowest checks:\n", 1)[-1].split("\n==", 1)[0].splitlines()[:10] \
        if "ten slowest checks:" in done.stdout else []
    return {"wall_seconds": wall, "run_seconds": report.get("wall_seconds"), "exit": done.returncode,
            "cpu_seconds": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
            "load_average": os.getloadavg(), "claims": len(report.get("claims", [])),
            "summary": report.get("summary"), "slowest_checks": [line.strip() for line in slowest]}


def quick_profile(patterns: Sequence[str], jobs: int, verb: str = "run", keep: str | None = None) -> dict:
    result = run_cli(patterns, "--profile", "quick", "--jobs", str(jobs), verb=verb, keep=keep)
    return {"patterns": list(patterns), "jobs": jobs, "verb": verb, **result,
            "goal_seconds_for_all": 150.0 if verb == "mutants" else 60.0}


def jobs_speedup(patterns: Sequence[str], rounds: int) -> dict:
    """``--jobs 1`` and ``--jobs 2`` alternate, ``rounds`` times each; medians compared."""
    one, two, wall1, wall2, cpu1, cpu2 = [], [], [], [], [], []
    for _ in range(rounds):
        a, b = run_cli(patterns, "--jobs", "1"), run_cli(patterns, "--jobs", "2")
        one.append(a["run_seconds"])
        two.append(b["run_seconds"])
        wall1.append(a["wall_seconds"])
        wall2.append(b["wall_seconds"])
        cpu1.append(a["cpu_seconds"])
        cpu2.append(b["cpu_seconds"])
    jobs1, jobs2 = float(np.median(one)), float(np.median(two))
    return {"patterns": list(patterns), "jobs1_seconds": jobs1, "jobs2_seconds": jobs2,
            "speedup": ratio(jobs1, jobs2), "wall_speedup": ratio(float(np.median(wall1)), float(np.median(wall2))),
            "jobs1_cpu_seconds": float(np.median(cpu1)), "jobs2_cpu_seconds": float(np.median(cpu2)),
            "cpu_ratio_jobs2_over_jobs1": ratio(float(np.median(cpu2)), float(np.median(cpu1))),
            "load_average": os.getloadavg(), "goal": 1.8}


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


def _tasks_from_report(report: dict, jobs: int) -> list[tuple[float, str]]:
    """``(seconds, claim id)`` per task, as ``runner.plan`` chunks each check, from a report's
    per-check seconds (declaration order)."""
    import math

    tasks = []
    for row in report["claims"]:
        for check in row["checks"]:
            n, seconds = int(check.get("instances") or 0), float(check.get("seconds") or 0.0)
            if n <= 0:
                continue
            chunk = max(1, math.ceil(n / max(1, 2 * jobs)))
            for start in range(0, n, chunk):
                tasks.append((seconds * min(chunk, n - start) / n, row["id"]))
    return tasks


def _makespan(costs: Sequence[float], workers: int) -> float:
    """Greedy list scheduling, as the pool hands tasks out: the next task to the first free worker."""
    import heapq

    free = [0.0] * workers
    for c in costs:
        heapq.heappush(free, heapq.heappop(free) + c)
    return max(free)


def schedule_simulation(report_path: str | Path, jobs: int = 2) -> dict:
    """`--jobs N` vs `--jobs 1` of the run proper, simulated from measured per-check seconds: the
    declaration order the runner used before vs longest-first; the whole-suite figure without
    the machine's load (each check's seconds as measured, scaled alike)."""
    report = json.loads(Path(report_path).read_text())
    tasks = _tasks_from_report(report, jobs)
    costs = [c for c, _ in tasks]
    total = sum(costs)
    declared, longest = _makespan(costs, jobs), _makespan(sorted(costs, reverse=True), jobs)
    single = max(costs, default=0.0)
    return {"report": str(report_path), "jobs": jobs, "tasks": len(tasks), "task_seconds": total,
            "longest_task_seconds": single, "declaration_order_makespan": declared,
            "longest_first_makespan": longest, "speedup_declaration_order": total / declared,
            "speedup_longest_first": total / longest, "ideal_speedup": total / max(total / jobs, single),
            "goal": 1.8}
