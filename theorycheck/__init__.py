"""theorycheck: executable, regression-tested claims of machine-learning theory papers.

Public API (claim modules import only from here)::

    from theorycheck import (declare, mutant, Source, Space, Tolerance, float_tolerance,
                             solver_tolerance, Relation, Symbolic, MonteCarlo, ConvexProgram,
                             Program, BoundSearch, Dynamics, Rate, ops, bernoulli_masks)
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Sequence

# Exports are imported on first use (PEP 562), so `theorycheck --help`, `list` and `show` start
# without torch, cvxpy, sympy or scipy; `from theorycheck import X` works as before.
_LAZY = {
    "ops": (".ops", None), "optimize": (".optimize", None),
    **{name: (".checks", name) for name in ("BoundSearch", "Check", "CheckError", "CheckResult", "ConvexProgram",
                                             "Dynamics", "MonteCarlo", "Outcome", "Program", "Rate", "Relation",
                                             "Solution", "Symbolic")},
    "BatchSampler": (".checks.montecarlo", "BatchSampler"),
    **{name: (".claim", name) for name in ("Claim", "ClaimDeclarationError", "Mutant", "Source", "declare",
                                            "mutant", "validate")},
    "Context": (".context", "Context"), "Settings": (".context", "Settings"),
    "Draw": (".instances", "Draw"), "Instance": (".instances", "Instance"), "Space": (".instances", "Space"),
    "Sampler": (".sampling", "Sampler"), "bernoulli_masks": (".sampling", "bernoulli_masks"),
    "Tolerance": (".tolerance", "Tolerance"), "float_tolerance": (".tolerance", "float_tolerance"),
    "solver_tolerance": (".tolerance", "solver_tolerance"),
    "Verdict": (".verdict", "Verdict"),
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import ops, optimize
    from .checks import (BoundSearch, Check, CheckError, CheckResult, ConvexProgram, Dynamics, MonteCarlo,
                         Outcome, Program, Rate, Relation, Solution, Symbolic)
    from .checks.montecarlo import BatchSampler
    from .claim import Claim, ClaimDeclarationError, Mutant, Source, declare, mutant, validate
    from .context import Context, Settings
    from .instances import Draw, Instance, Space
    from .sampling import Sampler, bernoulli_masks
    from .tolerance import Tolerance, float_tolerance, solver_tolerance
    from .verdict import Verdict


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'theorycheck' has no attribute {name!r}") from None
    value = import_module(module, __name__)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"


def run_claims(claims: Sequence["Claim"], settings: "Settings | None" = None, jobs: int = 1):
    """Run claims (or variants made with ``claim.replace``) and return their results."""
    from .context import Settings
    from .runner import run

    return run(list(claims), settings or Settings(), jobs=jobs)


def collect_claims(package: str):
    """All ``CLAIMS`` of a claim package's submodules (use in the package's ``__init__``)."""
    from .registry import collect_claims as collect

    return collect(package)


def load_registry():
    """Import every registered claim module (entry points and ``THEORYCHECK_MODULES``)."""
    from .registry import load

    return load()


def check_instance(claim: "Claim", check_index: int, instance, **kw) -> "CheckResult":
    """Run one check of a claim on one given instance (e.g. inside ``@given(space.strategy())``);
    a violation raises ``AssertionError`` with observed, claimed and margin."""
    from .single import check_instance as run_one

    return run_one(claim, check_index, instance, **kw)


def replay(claim_id: str, check_index: int, instance) -> str:
    """Replay a printed (shrunk) counterexample through a registered claim; its verdict in one line."""
    from .single import replay as run_replay

    return run_replay(claim_id, check_index, instance)


__all__ = [
    "BatchSampler", "BoundSearch", "Check", "CheckError", "CheckResult", "Claim", "ClaimDeclarationError", "Context",
    "ConvexProgram", "Draw", "Dynamics", "Instance", "MonteCarlo", "Mutant", "Outcome", "Program", "Rate",
    "Relation", "Sampler", "Settings", "Solution", "Source", "Space", "Symbolic", "Tolerance", "Verdict",
    "bernoulli_masks", "check_instance", "collect_claims", "declare", "float_tolerance", "load_registry", "mutant", "ops", "optimize", "replay", "run_claims",
    "solver_tolerance", "validate",
]
