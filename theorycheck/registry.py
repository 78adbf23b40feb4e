"""The claim registry: claim modules plug in, the engine never imports them by name.

Claim modules are found through the ``theorycheck.claims`` entry-point group (the ``theorems``
package registers its modules there) and through ``THEORYCHECK_MODULES`` (comma-separated module
names, e.g. a researcher's own claims). A module exposes ``CLAIMS``: a sequence of claims.
A module that fails to import is recorded as a :class:`LoadFailure`; its claims become errors.
"""
from __future__ import annotations

import difflib
import fnmatch
import importlib
import os
import sys
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Iterable, Sequence

from .claim import Claim, ClaimDeclarationError, validate

ENTRY_POINT_GROUP = "theorycheck.claims"
MODULES_ENV = "THEORYCHECK_MODULES"


@dataclass(frozen=True)
class LoadFailure:
    """A claim module that could not be imported or declared malformed claims."""

    module: str
    source_key: str
    message: str  # one line: the exception, with file:line where it was raised
    quarantined: bool = False  # a claim dropped for a bad depends_on (its module did load)
    detail: str = ""  # the traceback, for the report

    @property
    def id(self) -> str:
        return f"{self.source_key}/module-import"

    def describe(self) -> str:
        """``module: message``, one line, no markup."""
        return f"{self.module}: {self.message}"


def describe_import_error(exc: BaseException) -> str:
    """``Type: message at file:line``; for a SyntaxError the offending file and line."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"SyntaxError: {exc.msg} at {exc.filename}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<frozen") and f"{os.sep}importlib{os.sep}" not in f.filename]
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


@dataclass
class Registry:
    claims: dict[str, Claim] = field(default_factory=dict)
    failures: list[LoadFailure] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)  # claim id -> module that declared it

    def add(self, claim: Claim, module: str = "") -> None:
        validate(claim)
        if claim.id in self.claims:
            first = self.modules.get(claim.id) or "an earlier module"
            raise ClaimDeclarationError(f"claim {claim.id!r}: duplicate id, declared by {first} and by {module or 'this module'}")
        self.claims[claim.id] = claim
        self.modules[claim.id] = module

    def dependency_problems(self) -> list[tuple[str, str]]:
        """``(claim id, message)`` for each depends_on naming no claim or lying on a cycle."""
        problems: list[tuple[str, str]] = []
        unloaded = {f.source_key for f in self.failures if not f.quarantined}
        for claim in self.claims.values():
            for dep in claim.depends_on:
                if dep not in self.claims and dep.split("/", 1)[0] not in unloaded:
                    problems.append((claim.id, f"claim {claim.id!r}: depends_on names no claim: {dep!r}"))
        state: dict[str, int] = {}

        def visit(cid: str, path: list[str]) -> None:
            if state.get(cid) == 2:
                return
            if state.get(cid) == 1:
                cycle = path[path.index(cid):] + [cid]
                problems.append((cid, f"claim {cid!r}: depends_on forms a cycle: {' -> '.join(cycle)}"))
                return
            state[cid] = 1
            for dep in self.claims[cid].depends_on:
                if dep in self.claims:
                    visit(dep, path + [cid])
            state[cid] = 2

        for cid in self.claims:
            visit(cid, [])
        return problems

    def check_dependencies(self) -> None:
        """Raise :class:`ClaimDeclarationError` for the first dependency problem."""
        problems = self.dependency_problems()
        if problems:
            raise ClaimDeclarationError(problems[0][1])

    def quarantine_bad_dependencies(self) -> None:
        """Turn each claim with a dependency problem into a load failure; the rest stays runnable."""
        while problems := self.dependency_problems():
            for cid, message in problems:
                if cid in self.claims:
                    del self.claims[cid]
                    module = self.modules.get(cid, cid.split("/", 1)[0])
                    self.failures.append(LoadFailure(module, cid.split("/", 1)[0],
                                                     f"ClaimDeclarationError: {message}", quarantined=True))

    def select(self, patterns: Sequence[str], tags: Sequence[str] = ()) -> list[Claim]:
        """Claims matching any pattern ('all' matches everything), in registry order."""
        chosen = []
        for claim in self.claims.values():
            if patterns and not any(_matches(claim.id, p) for p in patterns):
                continue
            if tags and not set(tags) <= set(claim.tags):
                continue
            chosen.append(claim)
        return chosen

    def failures_matching(self, patterns: Sequence[str]) -> list[LoadFailure]:
        """Load failures of the sources the patterns point into ('bias/x*' points into 'bias')."""
        return [f for f in self.failures if not patterns or any(
            p == "all" or fnmatch.fnmatchcase(f.source_key, p.split("/", 1)[0]) for p in patterns)]

    def closest(self, pattern: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(pattern, list(self.claims), n=n, cutoff=0.4)


def _matches(claim_id: str, pattern: str) -> bool:
    return pattern == "all" or claim_id == pattern or fnmatch.fnmatchcase(claim_id, pattern)


def discover_modules() -> list[str]:
    """Entry-point modules, then ``THEORYCHECK_MODULES`` (importable from the current directory)."""
    names = [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)]
    extra = [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
    if extra and os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.append(os.getcwd())
    seen: list[str] = []
    for name in names + extra:
        if name not in seen:
            seen.append(name)
    return seen


def load(modules: Iterable[str] | None = None) -> Registry:
    """Import claim modules and register their claims; import failures are recorded, not raised."""
    registry = Registry()
    for name in modules if modules is not None else discover_modules():
        key = name.rsplit(".", 1)[-1].replace("_", "-")
        try:
            module = importlib.import_module(name)
            claims = list(getattr(module, "CLAIMS"))
        except Exception as exc:  # noqa: BLE001 - any import failure becomes a recorded error
            registry.failures.append(LoadFailure(name, key, describe_import_error(exc),
                                                 detail=traceback.format_exc(limit=6)))
            continue
        for claim in claims:
            try:
                registry.add(claim, name)
            except (ClaimDeclarationError, ValueError, TypeError, AttributeError) as exc:
                cid = getattr(claim, "id", repr(claim))
                registry.failures.append(LoadFailure(name, str(cid).split("/", 1)[0] if "/" in str(cid) else key,
                                                     f"{type(exc).__name__}: {exc}"))
    registry.quarantine_bad_dependencies()
    return registry


def collect_claims(package: str) -> list[Claim]:
    """The ``CLAIMS`` of every submodule of ``package`` (alphabetical), for a pack's ``__init__``.

    A pack split into one module per section then needs no hand-kept list of its modules.
    """
    import pkgutil

    pkg = importlib.import_module(package)
    claims: list[Claim] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        claims.extend(getattr(module, "CLAIMS", []))
    return claims
