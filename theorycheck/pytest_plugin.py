"""A pytest plugin: ``pytest --theorycheck[=PATTERN]`` collects one item per claim.

Registered through the ``pytest11`` entry point, so it is active wherever theorycheck is installed
and does nothing without ``--theorycheck``. Each claim becomes an item whose node id is the claim
id (``pytest 'bias/theorem-3.6'``-style selection works through ``-k``), marked ``theorycheck``,
with its check kinds (``-m montecarlo``) and its tags as markers; ``-x``, ``--lf``, xdist and
``--junitxml`` work unchanged. An erratum is a strict ``xfail``: it must fail as documented. A
failure's report is the counterexample (observed, claimed, margin, the instance, the shrunk
example) and the reproduce command.

Only the claim modules the patterns point into are imported: ``--theorycheck='mypkg/*'`` loads the
entry point named ``mypkg`` and ``THEORYCHECK_MODULES``, not every bundled pack. Options:
``--theorycheck-claims DIR`` (like ``theorycheck run --claims``), ``--theorycheck-seed``,
``--theorycheck-profile``, ``--theorycheck-mutants`` (also one item per claim checking that every
mutant is killed).
"""
from __future__ import annotations

import fnmatch
import os
import tempfile
from pathlib import Path

import pytest

KIND_MARKERS = ("symbolic", "numeric", "montecarlo", "convex", "bound", "dynamics", "rate")


def pytest_addoption(parser) -> None:
    group = parser.getgroup("theorycheck", "theorycheck claims as pytest items")
    group.addoption("--theorycheck", nargs="?", const="all", default=None, metavar="PATTERN",
                    help="Collect one item per claim matching PATTERN (comma-separated globs; default all). "
                         "Write --theorycheck=PATTERN when test paths follow.")
    group.addoption("--theorycheck-claims", action="append", default=[], metavar="DIR",
                    help="Also load the claim modules in DIR (repeatable).")
    group.addoption("--theorycheck-seed", type=int, default=0, help="Seed of the claims' instances (default 0).")
    group.addoption("--theorycheck-profile", default="quick", choices=("quick", "full"))
    group.addoption("--theorycheck-mutants", action="store_true",
                    help="Also collect, per claim, an item that every mutant is killed.")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "theorycheck: a theorycheck claim collected by --theorycheck")
    for kind in KIND_MARKERS:
        config.addinivalue_line("markers", f"{kind}: a theorycheck claim with a {kind} check")


def modules_for(patterns: list[str]) -> list[str] | None:
    """The claim modules the patterns need; None when every registered module is needed."""
    from importlib.metadata import entry_points

    from .registry import ENTRY_POINT_GROUP, MODULES_ENV

    sources = []
    for p in patterns:
        source = p.split("/", 1)[0]
        if p == "all" or any(ch in source for ch in "*?["):
            return None
        sources.append(source)
    by_source: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        by_source.setdefault(ep.name, ep.value)
        by_source.setdefault(ep.value.rsplit(".", 1)[-1].replace("_", "-"), ep.value)
    chosen = [by_source[s] for s in sources if s in by_source]
    chosen += [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
    return _with_dependencies(list(dict.fromkeys(chosen)), by_source)


def _with_dependencies(modules: list[str], by_source: dict[str, str]) -> list[str]:
    """``modules`` and, transitively, the modules of the sources their claims depend on."""
    import importlib

    chosen = list(modules)
    for name in chosen:  # grows while iterating: a breadth-first closure
        try:
            claims = list(getattr(importlib.import_module(name), "CLAIMS", []))
        except Exception:  # noqa: BLE001 - the registry records the failure when it loads it
            continue
        for claim in claims:
            for dep in getattr(claim, "depends_on", ()):
                module = by_source.get(dep.split("/", 1)[0])
                if module and module not in chosen:
                    chosen.append(module)
    return chosen


class ClaimReport(Exception):
    """A claim did not pass; its report is the counterexample and the reproduce command."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class ClaimFailed(ClaimReport):
    """A check refuted the claim (for an erratum: the documented failure, a strict xfail)."""


class ClaimError(ClaimReport):
    """A check raised, timed out or met NaN: an error, never an expected failure of an erratum."""


class ClaimItem(pytest.Item):
    def __init__(self, *, claim, mutants: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.claim = claim
        self.mutants = mutants

    def _settings(self):
        from .context import Settings

        config = self.config
        folder = Path(tempfile.gettempdir()) / "theorycheck-pytest" / self.claim.id.replace("/", "__")
        return Settings(seed=config.getoption("theorycheck_seed"), profile=config.getoption("theorycheck_profile"),
                        device="cpu", report_dir=folder, stop_at_kill=self.mutants)

    def runtest(self) -> None:
        from .output import failure_lines
        from .runner import run
        from .verdict import Verdict, worst

        if self.mutants:
            variants = [self.claim.mutated(m) for m in self.claim.mutants]
            results = run(variants, self._settings(), jobs=1)
            survivors = [r for r in results if r.verdict is not Verdict.FAILED]
            if survivors:
                raise ClaimFailed([line for r in survivors for line in failure_lines(r, True)])
            return
        [result] = run([self.claim], self._settings(), jobs=1)
        raw = worst([c.verdict for c in result.checks])
        if self.claim.is_erratum:
            if raw is Verdict.FAILED:  # fails as documented: pytest's strict xfail turns this into xfailed
                raise ClaimFailed(failure_lines(result, False))
            if raw in (Verdict.PASSED, Verdict.PROVED):
                return  # strict xfail: an erratum that passes is XPASS(strict), a failure
        if not result.verdict.ok:
            raise ClaimError(failure_lines(result, False)) if raw is Verdict.ERROR else ClaimFailed(
                failure_lines(result, False))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimReport):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        import inspect
        import sys

        module = sys.modules.get(getattr(self.claim.parts.get("claimed"), "__module__", "") or "")
        path = Path(inspect.getfile(module)) if module is not None else Path.cwd()
        return path, None, self.claim.id + (" [mutants]" if self.mutants else "")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    pattern = config.getoption("theorycheck")
    if pattern is None:
        return
    from .claimdirs import add_claim_dir
    from .registry import load

    for folder in config.getoption("theorycheck_claims"):
        add_claim_dir(folder)
    patterns = [p.strip() for p in pattern.split(",") if p.strip()] or ["all"]
    registry = load(modules_for(patterns))
    before = len(items)
    for failure in registry.failures:
        items.append(LoadFailureItem.from_parent(session, name=failure.id, nodeid=failure.id, failure=failure))
    for claim in registry.claims.values():
        if not any(p == "all" or claim.id == p or fnmatch.fnmatchcase(claim.id, p) for p in patterns):
            continue
        item = ClaimItem.from_parent(session, name=claim.id, nodeid=claim.id, claim=claim)
        _mark(item, claim)
        if claim.is_erratum:
            item.add_marker(pytest.mark.xfail(strict=True, raises=(ClaimFailed,), reason=claim.erratum_note or "erratum"))
        items.append(item)
        if config.getoption("theorycheck_mutants"):
            mutants = ClaimItem.from_parent(session, name=f"{claim.id}[mutants]", nodeid=f"{claim.id}[mutants]",
                                            claim=claim, mutants=True)
            _mark(mutants, claim)
            items.append(mutants)
    # report them as collected, so that "collected N items" and the per-item counters include them
    config.hook.pytest_collectreport(report=pytest.CollectReport("", "passed", None, items[before:]))


def _mark(item, claim) -> None:
    item.add_marker(pytest.mark.theorycheck)
    for kind in dict.fromkeys(c.kind for c in claim.checks):
        item.add_marker(getattr(pytest.mark, kind))
    for tag in claim.tags:
        name = tag.replace("-", "_")
        item.config.addinivalue_line("markers", f"{name}: claims tagged {tag!r}")
        item.add_marker(getattr(pytest.mark, name))


class LoadFailureItem(pytest.Item):
    """A claim module that did not load: a failing item, so the suite cannot pass by omission."""

    def __init__(self, *, failure, **kw) -> None:
        super().__init__(**kw)
        self.failure = failure

    def runtest(self) -> None:
        raise ClaimFailed([f"claim module {self.failure.module} failed to load:", self.failure.message])

    def repr_failure(self, excinfo, style=None):
        return "\n".join(excinfo.value.lines) if isinstance(excinfo.value, ClaimReport) else super().repr_failure(excinfo)

    def reportinfo(self):
        return Path.cwd(), None, self.failure.id
