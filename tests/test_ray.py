"""The Ray executor: a real local Ray instance (2 CPUs) gives the process pool's verdicts.

One run covers true claims of every check kind, a raising and a hanging claim (errors, not
crashes), then the same selection under ``--jobs 1`` with the process pool; every check's verdict
and margin must agree. Mutants go through Ray too: their lambdas travel by value.
"""
from __future__ import annotations

import json

import pytest

from cli_helpers import cli

pytest.importorskip("ray")

MODULES = "fixtures.toy,fixtures.faulty"
SELECTION = ("toy/*", "faulty/raises-1", "faulty/hangs-1", "faulty/fine-1")


def verdicts(report_dir) -> dict:
    report = json.loads((report_dir / "report.json").read_text())
    return {(c["id"], c["variant"]): [(k["kind"], k["verdict"], k["margin"]) for k in c["checks"]]
            for c in report["claims"]}


def test_ray_run_matches_the_process_pool(tmp_path):
    common = ("--seed", "5", "--timeout", "20")  # long enough for a loaded machine; the hang still times out
    ray_dir, pool_dir = tmp_path / "ray", tmp_path / "pool"
    on_ray = cli("run", *SELECTION, *common, "--executor", "ray", "--jobs", "2", "--report-dir", str(ray_dir),
                 modules=MODULES, timeout=300)
    on_pool = cli("run", *SELECTION, *common, "--jobs", "1", "--report-dir", str(pool_dir), modules=MODULES)
    assert on_ray.returncode == on_pool.returncode == 1, on_ray.stdout + on_ray.stderr
    ray_verdicts, pool_verdicts = verdicts(ray_dir), verdicts(pool_dir)
    assert ray_verdicts == pool_verdicts, {k: (v, pool_verdicts.get(k)) for k, v in ray_verdicts.items()
                                           if v != pool_verdicts.get(k)}
    assert ray_verdicts[("faulty/hangs-1", "")][0][1] == "error"
    assert ray_verdicts[("faulty/raises-1", "")][0][1] == "error"
    assert all(v == "passed" or v == "proved" for (cid, _), checks in ray_verdicts.items()
               if cid.startswith("toy/") for _, v, _ in checks)


def test_ray_mutants_are_killed(tmp_path):
    done = cli("mutants", "toy/*", "--executor", "ray", "--jobs", "2", "--report-dir", str(tmp_path),
               modules=MODULES, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SURVIVED" not in done.stdout
