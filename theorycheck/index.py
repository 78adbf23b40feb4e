"""A cached registry index: ``theorycheck list`` and ``show`` without importing any claim module.

The index holds, per claim, what ``list`` and ``show`` print (id, title, status, source, statement,
hypotheses, check kinds and descriptions, mutant names, tags, depends_on, parts, fingerprint) and
the load failures that are a function of the declarations (a quarantined ``depends_on``). It lives
in the user's cache directory (``$THEORYCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/theorycheck``,
else ``~/.cache/theorycheck``), never in a checkout; ``THEORYCHECK_CACHE_DIR=off`` disables it.

Its key is computed without importing anything: the Python and theorycheck versions, the module
list (entry points of the ``theorycheck.claims`` group, ``THEORYCHECK_MODULES``, ``--claims``,
``--only-user``), where each module resolves on ``sys.path``, and the content hash of every file of
every claim package (the whole top-level package of each module; for a single-file module, every
``.py`` file beside it) and of the ``theorycheck`` package itself. Any change of any of these
rebuilds the index by importing the modules for real. A module that failed to import is never
cached: while one fails, every ``list``/``show`` imports the modules again and prints the failure.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
import importlib.util
from pathlib import Path
from typing import Any, Iterable, Sequence

INDEX_VERSION = 1
CACHE_ENV = "THEORYCHECK_CACHE_DIR"
_MAX_HASHED = 16 << 20  # larger files are keyed by size and mtime only


def cache_dir() -> Path | None:
    """Where the index goes; None when caching is disabled (``THEORYCHECK_CACHE_DIR=off``)."""
    explicit = os.environ.get(CACHE_ENV, "").strip()
    if explicit.lower() in ("off", "0", "none", "false"):
        return None
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "theorycheck"


# --- the key --------------------------------------------------------------------------------


def _module_root(name: str) -> tuple[Path, bool] | None:
    """``(folder, True)`` for a package, ``(file, False)`` for a single-file top-level module; found
    on ``sys.path`` like an import would, but without executing anything. None: not found."""
    top = name.split(".", 1)[0]
    try:  # a top-level name: the finders (sys.path, editable installs) locate it, nothing is executed
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        locations = list(spec.submodule_search_locations)
        return (Path(locations[0]), True) if len(locations) == 1 else None  # namespace packages: no cache
    if spec.origin and spec.origin not in ("built-in", "frozen"):
        return Path(spec.origin), False
    return None


def _files_of(root: Path, package: bool) -> list[Path]:
    if not package:
        return sorted(p for p in root.parent.glob("*.py") if p.is_file())
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not p.name.endswith((".pyc", ".pyo")))


def _file_digest(path: Path) -> str:
    st = path.stat()
    if st.st_size > _MAX_HASHED:
        return f"{st.st_size}:{st.st_mtime_ns}"
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def index_key(modules: Sequence[str]) -> str | None:
    """The hash of everything the index depends on; None when a module cannot be located."""
    h = hashlib.sha256()

    def add(*texts: Any) -> None:
        for t in texts:
            h.update(str(t).encode("utf-8", "surrogateescape"))
            h.update(b"\x1f")

    from importlib.metadata import entry_points

    from .registry import ENTRY_POINT_GROUP, MODULES_ENV

    add(INDEX_VERSION, sys.version, sys.executable, os.environ.get(MODULES_ENV, ""), *modules)
    add(*sorted(f"{ep.name}={ep.value}" for ep in entry_points(group=ENTRY_POINT_GROUP)))
    roots: dict[Path, bool] = {Path(__file__).resolve().parent: True}
    for name in modules:
        found = _module_root(name)
        if found is None:
            return None
        add(name, found[0])
        roots[found[0].resolve()] = roots.get(found[0].resolve(), False) or found[1]
    try:
        for root, package in sorted(roots.items()):
            for path in _files_of(root, package):
                add(path, _file_digest(path))
    except OSError:
        return None
    return h.hexdigest()


# --- what is stored ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedSource:
    seed: str
    label: str
    equations: str = ""
    lines: str = ""
    also: str = ""
    cited: str = ""

    def cite(self) -> str:
        return self.cited


@dataclass(frozen=True)
class IndexedTolerance:
    principle: str = ""


@dataclass(frozen=True)
class IndexedCheck:
    kind: str
    label: str = ""
    described: str = ""
    principle: str = ""

    def describe(self) -> str:
        return self.described

    @property
    def tolerance(self) -> IndexedTolerance | None:
        return IndexedTolerance(self.principle) if self.principle else None


@dataclass(frozen=True)
class IndexedMutant:
    name: str
    description: str


@dataclass(frozen=True)
class IndexedClaim:
    """What ``list`` and ``show`` read of a :class:`~theorycheck.claim.Claim`, from the index."""

    id: str
    title: str
    source: IndexedSource
    statement: str
    checks: tuple[IndexedCheck, ...]
    parts: tuple[str, ...]
    mutants: tuple[IndexedMutant, ...] = ()
    hypotheses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    status: str = "claim"
    corrects: str = ""
    erratum_note: str = ""
    scope: str = ""
    untested: dict[str, str] = field(default_factory=dict)
    fingerprint_value: str = ""
    variant: str = ""

    @property
    def source_key(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def is_erratum(self) -> bool:
        return self.status == "erratum"

    def fingerprint(self) -> str:
        return self.fingerprint_value


def _safe(fn, default=""):
    try:
        return fn()
    except Exception:  # noqa: BLE001 - a description that raises is recorded as empty
        return default


def _claim_record(claim) -> dict[str, Any]:
    s = claim.source
    return {
        "id": claim.id, "title": claim.title, "statement": claim.statement, "status": claim.status,
        "source": {"seed": s.seed, "label": s.label, "equations": s.equations, "lines": s.lines, "also": s.also,
                   "cited": _safe(s.cite)},
        "checks": [{"kind": k.kind, "label": str(getattr(k, "label", "") or ""), "described": _safe(k.describe),
                    "principle": str(_safe(lambda k=k: getattr(getattr(k, "tolerance", None), "principle", ""))
                                     or "")}
                   for k in claim.checks],
        "parts": [str(p) for p in claim.parts],
        "mutants": [{"name": m.name, "description": m.description} for m in claim.mutants],
        "hypotheses": [str(h) for h in claim.hypotheses], "tags": [str(t) for t in claim.tags],
        "depends_on": [str(d) for d in claim.depends_on], "corrects": claim.corrects,
        "erratum_note": claim.erratum_note, "scope": claim.scope,
        "untested": {str(k): str(v) for k, v in dict(claim.untested).items()},
        "fingerprint": _safe(claim.fingerprint),
    }


def _claim_from(r: dict[str, Any]) -> IndexedClaim:
    return IndexedClaim(
        id=r["id"], title=r["title"], source=IndexedSource(**r["source"]), statement=r["statement"],
        checks=tuple(IndexedCheck(**k) for k in r["checks"]), parts=tuple(r["parts"]),
        mutants=tuple(IndexedMutant(**m) for m in r["mutants"]), hypotheses=tuple(r["hypotheses"]),
        tags=tuple(r["tags"]), depends_on=tuple(r["depends_on"]), status=r["status"], corrects=r["corrects"],
        erratum_note=r["erratum_note"], scope=r["scope"], untested=dict(r["untested"]),
        fingerprint_value=r["fingerprint"])


def _path_for(modules: Sequence[str]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256("\x1f".join([sys.executable, *modules]).encode()).hexdigest()[:16]
    return folder / f"index-{name}.json"


def _write(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:  # a read-only cache is only slower
        pass


def _module_entry(name: str):
    """Import one claim module: ``(entry to cache, None)``, or ``(None, failure)`` when it fails.

    Mirrors :func:`theorycheck.registry.load`: each claim is validated on its own."""
    import importlib
    import traceback

    from .claim import ClaimDeclarationError, validate
    from .registry import LoadFailure, describe_import_error

    key = name.rsplit(".", 1)[-1].replace("_", "-")
    try:
        module = importlib.import_module(name)
        claims = list(getattr(module, "CLAIMS"))
    except Exception as exc:  # noqa: BLE001 - as registry.load: any import failure is recorded
        return None, LoadFailure(name, key, describe_import_error(exc), detail=traceback.format_exc(limit=6))
    rows: list[dict[str, Any]] = []
    for claim in claims:
        try:
            validate(claim)
            rows.append({"claim": _claim_record(claim)})
        except (ClaimDeclarationError, ValueError, TypeError, AttributeError) as exc:
            cid = str(getattr(claim, "id", repr(claim)))
            rows.append({"failure": {"source_key": cid.split("/", 1)[0] if "/" in cid else key,
                                     "message": f"{type(exc).__name__}: {exc}"}})
    return {"rows": rows}, None


def load_indexed(modules: Iterable[str] | None = None):
    """The registry for ``list`` and ``show``: claim records from the index when it is current,
    else from importing the modules (and the index is stored for next time).

    Its claims are :class:`IndexedClaim` records (nothing to run); ``run``, ``mutants`` and
    ``audit`` use :func:`theorycheck.registry.load` and the real claims. A module that fails to
    import is recorded as a load failure and imported again next time, never cached.
    """
    from .registry import LoadFailure, Registry, discover_modules, load

    names = list(modules) if modules is not None else discover_modules()
    path = _path_for(names)
    key = index_key(names) if path is not None else None
    if path is None or key is None:
        return load(names)
    cached: dict[str, Any] = {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == INDEX_VERSION and data.get("key") == key:
            cached = data["modules"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        cached = {}
    reg = Registry()
    fresh = 0
    for name in names:
        entry = cached.get(name)
        if entry is None:
            entry, failure = _module_entry(name)
            if failure is not None:
                reg.failures.append(failure)
                continue
            cached[name], fresh = entry, fresh + 1
        for row in entry["rows"]:
            if "failure" in row:
                reg.failures.append(LoadFailure(name, row["failure"]["source_key"], row["failure"]["message"]))
                continue
            claim = _claim_from(row["claim"])
            if claim.id in reg.claims:
                first = reg.modules.get(claim.id) or "an earlier module"
                cid = claim.id
                reg.failures.append(LoadFailure(name, cid.split("/", 1)[0], f"ClaimDeclarationError: claim {cid!r}: "
                                                f"duplicate id, declared by {first} and by {name}"))
                continue
            reg.claims[claim.id] = claim  # type: ignore[assignment]
            reg.modules[claim.id] = name
    reg.quarantine_bad_dependencies()
    if fresh and index_key(names) == key:  # store only what nothing changed under while importing
        _write(path, {"version": INDEX_VERSION, "key": key, "modules": {n: cached[n] for n in names if n in cached}})
    return reg
