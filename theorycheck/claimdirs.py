"""Claim modules from a directory (``theorycheck run --claims PATH``), with no PYTHONPATH to set.

The directory goes on ``sys.path`` (and ``PYTHONPATH``, for Ray workers and reproduce commands run
from another shell) and each module in it that declares ``CLAIMS`` is named in
``THEORYCHECK_MODULES``, so the registry loads it like any other module of one's own. A directory
that is itself a package whose ``__init__`` declares ``CLAIMS`` is loaded as that package.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .registry import MODULES_ENV

CLAIM_DIRS: list[str] = []  # the directories given with --claims, as the user wrote them
ONLY_USER: list[bool] = [False]  # --only-user: load no entry-point (bundled) module
ADDED_MODULES: list[str] = []  # the module names they contributed to THEORYCHECK_MODULES


def _declares_claims(path: Path) -> bool:
    try:
        return "CLAIMS" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def modules_in(folder: Path) -> tuple[Path, list[str]]:
    """``(import root, module names)`` of the claim modules in ``folder``."""
    init = folder / "__init__.py"
    if init.is_file() and _declares_claims(init):
        return folder.parent, [folder.name]
    names = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(("_", ".", "test_")):
            continue
        if entry.suffix == ".py" and entry.is_file() and _declares_claims(entry):
            names.append(entry.stem)
        elif entry.is_dir() and (entry / "__init__.py").is_file() and _declares_claims(entry / "__init__.py"):
            names.append(entry.name)
    return folder, names


def add_claim_dir(path: str) -> list[str]:
    """Make the claim modules of ``path`` loadable; returns their module names.

    Raises ``ValueError`` when ``path`` is not a directory or holds no module declaring ``CLAIMS``.
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise ValueError(f"--claims {path!r} is not a directory")
    root, names = modules_in(folder)
    if not names:
        raise ValueError(f"--claims {path!r} holds no Python module that declares CLAIMS")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    python_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(root) not in python_path:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(root), *python_path])
    present = [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
    for name in names:
        if name not in present:
            present.append(name)
            ADDED_MODULES.append(name)
    os.environ[MODULES_ENV] = ",".join(present)
    CLAIM_DIRS.append(path)
    return names


def user_modules() -> list[str]:
    """Modules named in ``THEORYCHECK_MODULES`` by the user (not by ``--claims``)."""
    return [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",")
            if m.strip() and m.strip() not in ADDED_MODULES]


def replay_env() -> str:
    """The environment a ``python -c`` replay needs: every claim module of one's own and, for those
    of ``--claims`` directories, where they are (as a shell prefix; empty when none)."""
    import shlex

    modules = [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
    if not modules:
        return ""
    prefix = f"THEORYCHECK_MODULES={shlex.quote(','.join(modules))} "
    if CLAIM_DIRS:
        roots = [str(modules_in(Path(d).expanduser().resolve())[0]) for d in CLAIM_DIRS]
        prefix += f"PYTHONPATH={shlex.quote(os.pathsep.join(roots))}${{PYTHONPATH:+:$PYTHONPATH}} "
    return prefix


BUNDLED_DISTRIBUTION = "theorycheck"  # the distribution whose entry points are the bundled packs


def module_selection() -> list[str] | None:
    """The modules to load under ``--only-user``; None (load all) without it.

    One's own modules are the entry points of every installed distribution but theorycheck itself
    (a claim package such as ``examples/inverted-dropout``), ``THEORYCHECK_MODULES`` and ``--claims``.
    """
    if not ONLY_USER[0]:
        return None
    from importlib.metadata import entry_points

    from .registry import ENTRY_POINT_GROUP

    names = [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)
             if getattr(getattr(ep, "dist", None), "name", None) != BUNDLED_DISTRIBUTION]
    names += [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
    return list(dict.fromkeys(names))
