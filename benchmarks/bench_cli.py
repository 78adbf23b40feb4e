"""`theorycheck --help`, `list` and `show ID`: wall seconds of real subprocesses (goal <= 1 s).

The registry index is built once into a temporary cache directory (``THEORYCHECK_CACHE_DIR``), then
each command runs ``rounds`` times on the current index; the cold `list` (the index rebuilt, every
claim module imported) is measured beside them, with the heavy modules a warm `list` imports.
The bundled claim package is copied to a snapshot first (put first on ``PYTHONPATH``), so edits
made to the checkout while the benchmark runs (which rightly invalidate the index) do not count.
"""
from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CLI = [sys.executable, "-c", "from theorycheck.cli import entry; entry()"]
PROBE = ("import sys\nfrom theorycheck.cli import main\ntry:\n    main(['list'], standalone_mode=False)\n"
         "except SystemExit:\n    pass\n"
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'cvxpy', 'sympy', 'scipy', 'theorems'}))")


CPU: dict[str, list[float]] = {}  # CPU seconds (user + sys) of each command: what the load does not inflate


def _wall(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(CLI + args, capture_output=True, text=True, env=env, cwd=env["THEORYCHECK_BENCH_CWD"])
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(args[0], []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, done.returncode


def startup(claim_id: str, rounds: int, package: str = "theorems", uncached: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as snapshot:
        spec = importlib.util.find_spec(package)  # located, not imported
        if spec is not None and spec.submodule_search_locations:
            shutil.copytree(list(spec.submodule_search_locations)[0], os.path.join(snapshot, package),
                            ignore=shutil.ignore_patterns("__pycache__"))
        python_path = os.pathsep.join(p for p in (snapshot, os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "THEORYCHECK_CACHE_DIR": cache, "PYTHONPATH": python_path,
               "THEORYCHECK_BENCH_CWD": snapshot}
        cold, cold_exit = _wall(["list"], env)
        times: dict[str, list[float]] = {"--help": [], "list": [], "show": []}
        exits = {}
        for _ in range(rounds):  # interleaved, so drift of the machine's load hits all alike
            for name, args in (("--help", ["--help"]), ("list", ["list"]), ("show", ["show", claim_id])):
                seconds, exits[name] = _wall(args, env)
                times[name].append(seconds)
        probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=snapshot)
        uncached_seconds = _wall(["list"], {**env, "THEORYCHECK_CACHE_DIR": "off"})[0] if uncached else float("nan")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    cpu = {name: statistics.median(CPU[name][-rounds:]) for name in ("--help", "show")}
    cpu["list"] = statistics.median(CPU["list"][1:1 + rounds])
    return {"claim": claim_id, "rounds": rounds, "seconds": medians, "cpu_seconds": cpu, "exits": exits,
            "load_average": os.getloadavg(),
            "cold_list_seconds": cold, "cold_list_exit": cold_exit, "list_without_index_seconds": uncached_seconds,
            "list_speedup_over_no_index": uncached_seconds / medians["list"],
            "heavy_modules_imported_by_warm_list": probe.stdout.strip().splitlines()[-1:] or ["?"],
            "worst_seconds": max(medians.values()), "goal_seconds": 1.0}
