"""The cached registry index: `list`/`show` never serve a stale index, never cache an import failure,
and start without torch, cvxpy or sympy (no claim module imported on a warm index)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

MODULE = textwrap.dedent('''
    from pathlib import Path
    from theorycheck import Relation, Source, Space, declare, float_tolerance, mutant

    Path(__file__).with_suffix(".imported").touch()  # a trace of every real import
    numbers = Space(lambda d: {"x": d.uniform(0.0, 1.0)})

    CLAIMS = [declare("mine/lemma-1", title="TITLE-alpha", source=Source("mine", "Lemma 1"),
                      statement="x + x = 2 x", claimed=lambda i: 2 * i.x,
                      checks=[Relation(observed=lambda i: i.x + i.x, space=numbers, instances=3,
                                       tolerance=float_tolerance(2))],
                      mutants=[mutant("3x", "wrong factor", claimed=lambda i: 3 * i.x)], tags=("t1",))]
    ''')


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "THEORYCHECK_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("THEORYCHECK_MODULES", None)
    return subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", *args,
                           "--claims", str(tmp_path / "claims"), "--only-user"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def _show(tmp_path: Path, claim_id: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "THEORYCHECK_CACHE_DIR": str(tmp_path / "cache"), "THEORYCHECK_MODULES": "mine_claims",
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "claims"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", "from theorycheck.cli import entry; entry()", "show", claim_id],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def _setup(tmp_path: Path) -> Path:
    folder = tmp_path / "claims"
    folder.mkdir()
    path = folder / "mine_claims.py"
    path.write_text(MODULE)
    return path


def test_an_edited_claim_module_is_never_served_from_a_stale_index(tmp_path):
    path = _setup(tmp_path)
    trace = path.with_suffix(".imported")
    first = _cli(tmp_path, "list")
    assert first.returncode == 0, first.stderr
    assert "TITLE-alpha" in first.stdout and trace.exists()
    assert list((tmp_path / "cache").glob("index-*.json")), "the index goes into THEORYCHECK_CACHE_DIR"
    assert not list(tmp_path.glob("claims/index-*")), "never beside the claims"
    trace.unlink()
    warm = _cli(tmp_path, "list")
    assert warm.stdout == first.stdout and not trace.exists(), "a current index imports no claim module"
    # an edit of the same size with the old mtime put back: content hashes still see it
    stat = path.stat()
    path.write_text(MODULE.replace("TITLE-alpha", "TITLE-gamma"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = _cli(tmp_path, "list")
    assert edited.returncode == 0 and "TITLE-gamma" in edited.stdout and "TITLE-alpha" not in edited.stdout
    assert trace.exists()
    shown = _show(tmp_path, "mine/lemma-1")  # show has no --only-user: the bundled modules load too
    assert "TITLE-gamma" in shown.stdout and "mutants:\n  - 3x: wrong factor" in shown.stdout, shown.stderr
    # a new file in the package (a helper the module may import) is part of the key too
    trace.unlink()
    (path.parent / "helper.py").write_text("X = 1\n")
    assert _cli(tmp_path, "list").returncode == 0 and trace.exists()


def test_a_module_that_fails_to_import_is_never_cached(tmp_path):
    path = _setup(tmp_path)
    assert _cli(tmp_path, "list").returncode == 0
    path.write_text(MODULE + "\nraise RuntimeError('broken on purpose')\n")
    for _ in range(2):  # the second time too: the failure was not cached, nor the old index served
        broken = _cli(tmp_path, "list")
        assert broken.returncode == 2
        assert "broken on purpose" in broken.stderr and "module-import" in broken.stdout
        assert "TITLE-alpha" not in broken.stdout
    shown = _show(tmp_path, "mine/lemma-1")
    assert shown.returncode == 2 and "broken on purpose" in shown.stderr
    path.write_text(MODULE)
    assert "TITLE-alpha" in _cli(tmp_path, "list").stdout


def test_list_and_show_on_a_current_index_import_no_heavy_module(tmp_path):
    _setup(tmp_path)
    assert _cli(tmp_path, "list").returncode == 0
    probe = ("import sys\nfrom theorycheck.cli import main\n"
             "for args in (['list'], ['list', 'mine/*'], ['--help']):\n"
             "    try:\n        main(args + ([] if args == ['--help'] else ['--claims', sys.argv[1], '--only-user']),"
             " standalone_mode=False)\n"
             "    except SystemExit:\n        pass\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'cvxpy', 'sympy', 'scipy', 'mine_claims'})\n"
             "print('HEAVY', heavy)\n")
    env = {**os.environ, "THEORYCHECK_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("THEORYCHECK_MODULES", None)
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "claims")], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def test_public_names_are_still_importable_lazily():
    import theorycheck

    for name in theorycheck.__all__:
        assert getattr(theorycheck, name) is not None
