"""Every green is earned: part liveness, power figures, reproducible runs, loud load failures,
tolerances that scale with the terms, regimes that are drawn, and a diff that sees weakened checks."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from theorycheck import Relation, Settings, Source, Space, declare, float_tolerance, mutant, run_claims
from theorycheck.liveness import audit, perturb, sentinels
from theorycheck.registry import load
from theorycheck.report import without_timings

from cli_helpers import TESTS, cli
from fixtures import liveness, toy

ROOT = TESTS.parent


# -- 1. liveness -------------------------------------------------------------------------------

def test_audit_accepts_a_live_claim_and_rejects_a_dead_part(tmp_path):
    live, dead, declared, undeclared = audit(liveness.CLAIMS, Settings(report_dir=tmp_path), jobs=1)
    assert live.ok, live.to_json()
    assert not dead.ok
    [coefficient] = [p for p in dead.parts if p.name == "coefficient"]
    assert coefficient.problem.startswith("dead part") and not coefficient.read_by
    assert declared.ok and all(p.untested for p in declared.parts if not p.live)
    assert not undeclared.ok and not [p for p in undeclared.parts if p.name == "constant"][0].live


def test_audit_cli_exits_1_on_a_dead_part_and_names_it(tmp_path):
    done = cli("audit", "liveness/*", "--report-dir", str(tmp_path), modules="fixtures.liveness")
    assert done.returncode == 1
    assert "liveness/identity-2" in done.stdout and "dead part" in done.stdout
    report = json.loads((tmp_path / "audit.json").read_text())
    assert {c["id"]: c["ok"] for c in report["claims"]} == {
        "liveness/identity-1": True, "liveness/identity-2": False, "liveness/bound-1": True,
        "liveness/bound-2": False}
    assert cli("audit", "liveness/identity-1", "--report-dir", str(tmp_path),
               modules="fixtures.liveness").returncode == 0


def test_sentinels_follow_the_declared_rules():
    import sympy as sp
    import torch

    assert [v for _, v in sentinels(2.0)] == [pytest.approx(2.2), 0.0]
    assert [v for _, v in sentinels(0.0)] == [0.1]
    assert [v for _, v in sentinels(3)] == [4] and [v for _, v in sentinels(3, two_sided=True)] == [4, 2]
    assert [v for _, v in sentinels("<=")] == [">="] and [v for _, v in sentinels(True)] == [False]
    [(_, fn)] = sentinels(lambda i, parts=None: (np.ones(2), {"a": torch.zeros(1)}, sp.Symbol("x")))
    arr, box, sym = fn(None, parts={})
    assert np.allclose(arr, 1.1) and float(box["a"]) == pytest.approx(0.1) and sym == sp.Rational(11, 10) * sp.Symbol("x")
    assert perturb("text") == ("text", False)


def test_every_toy_claim_is_live(tmp_path):
    audits = audit(toy.CLAIMS, Settings(report_dir=tmp_path), jobs=2)
    assert all(a.ok for a in audits), [a.to_json() for a in audits if not a.ok]


# -- 2. power ------------------------------------------------------------------------------------

def test_every_check_kind_reports_a_power_figure(tmp_path):
    results = run_claims(toy.CLAIMS, Settings(report_dir=tmp_path), jobs=2)
    kinds = set()
    for result in results:
        for check in result.checks:
            assert check.power.get("figure"), (result.claim.id, check.kind, check.power)
            kinds.add(check.kind)
            data = result.to_json()["checks"]
            assert all("power" in c and "declared" in c for c in data)
    assert kinds >= {"symbolic", "numeric", "montecarlo", "convex", "bound", "dynamics", "rate"}


def test_show_prints_the_power_of_the_last_run(tmp_path):
    assert cli("run", "toy/montecarlo-1", "--report-dir", str(tmp_path)).returncode == 0
    shown = cli("show", "toy/montecarlo-1", "--report-dir", str(tmp_path))
    assert shown.returncode == 0 and "power: detects a" in shown.stdout, shown.stdout


# -- 3. reproducible runs --------------------------------------------------------------------------

def _start_run_all(tmp: Path, jobs: str, hash_seed: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop("THEORYCHECK_MODULES", None)
    return subprocess.Popen([sys.executable, "-c", "from theorycheck.cli import entry; entry()", "run", "all",
                             "--jobs", jobs, "--seed", "7", "--report-dir", str(tmp)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _claims_of(tmp: Path, run: subprocess.Popen) -> list:
    out, err = run.communicate(timeout=3600)
    assert run.returncode == 0, out[-3000:] + err[-3000:]  # every registered claim is green
    # the report folder itself appears in artefact paths: the one difference allowed
    text = (tmp / "report.json").read_text().replace(str(tmp), "<report-dir>")
    return without_timings(json.loads(text)["claims"])


def test_whole_quick_suite_is_identical_across_processes_hash_seeds_and_jobs(tmp_path):
    """Two processes with different PYTHONHASHSEED and --jobs 1 vs --jobs 2 (run side by side, so
    the one-job run does not leave a core idle): report.json equal byte for byte once the timing
    fields are removed, and both runs green."""
    first = _start_run_all(tmp_path / "a", "1", "1")
    second = _start_run_all(tmp_path / "b", "2", "2")
    a, b = _claims_of(tmp_path / "a", first), _claims_of(tmp_path / "b", second)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_no_claim_module_seeds_with_python_hash():
    offenders = []
    for path in (ROOT / "theorems").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<![\w.])hash\(", line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders


# -- 4. no silent failures when loading claims ----------------------------------------------------

def _module(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    return tmp_path


def _cli_in(cwd: Path, *args: str, modules: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "THEORYCHECK_MODULES": modules}
    env.pop("PYTHONPATH", None)  # the current directory must be importable on its own
    return subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_a_module_with_a_syntax_error_fails_every_run_with_file_and_line(tmp_path):
    _module(tmp_path, "mypaper", "CLAIMS = [\ndef broken(:\n")
    for args in (("run", "mypaper/lemma-1"), ("run", "tools/lemma-20"), ("list",), ("mutants", "tools/lemma-20")):
        done = _cli_in(tmp_path, *args, "--report-dir", str(tmp_path / "r"), modules="mypaper") if args[0] != "list" \
            else _cli_in(tmp_path, *args, modules="mypaper")
        assert done.returncode == 2, (args, done.stdout[-500:], done.stderr)
        assert re.search(r"mypaper: SyntaxError: .* at .*mypaper\.py:2", done.stderr), done.stderr
        assert "[bold]" not in done.stdout + done.stderr


def test_a_missing_module_fails_the_run(tmp_path):
    done = _cli_in(tmp_path, "run", "tools/lemma-20", "--report-dir", str(tmp_path / "r"), modules="no.such.module")
    assert done.returncode == 2 and "no.such.module: ModuleNotFoundError" in done.stderr, done.stderr


def test_a_duplicate_id_is_a_load_error_naming_both_modules(tmp_path):
    claim = '''
        from theorycheck import Relation, Source, Space, declare, float_tolerance, mutant
        space = Space(lambda d: {"x": d.uniform(0.0, 1.0)})
        CLAIMS = [declare("mine/lemma-1", title="t", source=Source("s", "l"), statement="x=x",
                          claimed=lambda i: i.x, mutants=[mutant("m", "m", claimed=lambda i: i.x + 1)],
                          checks=[Relation(observed=lambda i: i.x, space=space, tolerance=float_tolerance(1))])]
        '''
    _module(tmp_path, "first_mod", claim)
    _module(tmp_path, "second_mod", claim)
    done = _cli_in(tmp_path, "list", "mine/*", modules="first_mod,second_mod")
    assert done.returncode == 2
    assert "duplicate id, declared by first_mod and by second_mod" in done.stderr, done.stderr
    assert "mine/lemma-1" in done.stdout


# -- 5. tolerances, regimes, --instance -----------------------------------------------------------

def _readme_example():
    """The README's tutorial claim, as printed there."""
    def draw(d):
        n = 1 if d.regime == "n=1" else d.integer(2, 6)
        return {"A": d.normal(n, n), "B": d.normal(n, n), "n": n}

    square_matrices = Space(draw, regimes=("typical", "n=1"))
    return declare(
        "mysource/lemma-1", title="the trace is cyclic", source=Source("paper.txt", "Lemma 1", equations="(4)"),
        statement=r"\operatorname{tr}(AB)=\operatorname{tr}(BA)",
        claimed=lambda i: np.trace(i.B @ i.A),
        checks=[Relation(observed=lambda i: np.trace(i.A @ i.B), space=square_matrices, instances=100_000,
                         tolerance=float_tolerance(100, what="two dot products of length n <= 6"))],
        mutants=[mutant("transpose", "tr(A B^T)", claimed=lambda i: np.trace(i.A @ i.B.T))])


def test_readme_example_passes_at_1e5_instances_and_several_seeds(tmp_path):
    claim = _readme_example()
    for seed in (0, 1):
        [result] = run_claims([claim], Settings(seed=seed, report_dir=tmp_path), jobs=2)
        assert result.verdict.ok, result.checks[0].message
    [wrong] = run_claims([claim.mutated(claim.mutants[0])], Settings(report_dir=tmp_path, instances=50))
    assert not wrong.verdict.ok


def test_term_scale_is_what_makes_the_readme_example_pass(tmp_path):
    """With the band relative to |claimed| (cancellation makes it tiny), the true identity fails."""
    claim = _readme_example()
    check = claim.checks[0]
    narrow = type(check)(**{**check.__dict__, "tolerance": float_tolerance(100, scale="claimed")})
    [result] = run_claims([claim.__class__(**{**claim.__dict__, "checks": (narrow,)})],
                          Settings(report_dir=tmp_path, instances=20_000), jobs=2)
    assert not result.verdict.ok


def test_a_space_whose_draw_ignores_its_regimes_is_rejected():
    blind = Space(lambda d: {"n": 5}, regimes=("typical", "n=1"))
    with pytest.raises(ValueError, match="never reads d.regime"):
        blind.validate()
    Space(lambda d: {"n": 1 if d.regime == "n=1" else 5}, regimes=("typical", "n=1")).validate()


def test_instance_beyond_the_checks_is_a_usage_error(tmp_path):
    done = cli("run", "toy/numeric-1", "--instance", "999", "--report-dir", str(tmp_path))
    assert done.returncode == 2 and "beyond every check" in done.stderr, done.stderr


# -- 6. diff sees weakened checks -----------------------------------------------------------------

CLAIM_MODULE = '''
    import numpy as np
    from theorycheck import Relation, Source, Space, declare, float_tolerance, mutant
    space = Space(lambda d: {{"A": d.normal(3, 3), "B": d.normal(3, 3)}})
    CLAIMS = [declare("diffpaper/lemma-1", title="trace", source=Source("s", "l"), statement="tr(AB)=tr(BA)",
                      claimed=lambda i: np.trace(i.B @ i.A),  {comment}
                      mutants=[mutant("m", "m", claimed=lambda i: np.trace(i.A @ i.A))],
                      checks=[Relation(observed=lambda i: np.trace(i.A @ i.B), space=space,
                                       tolerance=float_tolerance({ops}), instances={instances})])]
    '''


def _report_of(tmp_path: Path, name: str, **fields) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "diffpaper.py").write_text(textwrap.dedent(CLAIM_MODULE.format(**fields)))
    done = _cli_in(folder, "run", "diffpaper/lemma-1", "--report-dir", str(folder / "r"), modules="diffpaper")
    assert done.returncode == 0, done.stderr
    return folder / "r" / "report.json"


def test_diff_flags_a_weakened_check_and_not_a_comment_edit(tmp_path):
    base = _report_of(tmp_path, "base", comment="", ops="100", instances="50")
    comment = _report_of(tmp_path, "comment", comment="# the cyclic property", ops="100", instances="50")
    weak = _report_of(tmp_path, "weak", comment="", ops="1e16", instances="1")
    same = cli("diff", str(base), str(comment))
    assert same.returncode == 0, same.stdout
    weakened = cli("diff", str(base), str(weak))
    assert weakened.returncode == 1, weakened.stdout
    assert "fewer instances 50 -> 1" in weakened.stdout and "band rtol" in weakened.stdout
    stronger = cli("diff", str(weak), str(base))
    assert stronger.returncode == 0 and "changed: diffpaper/lemma-1" in stronger.stdout, stronger.stdout
