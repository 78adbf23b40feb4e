"""theorycheck: executable, regression-tested claims of machine-learning theory papers.

Public API (claim modules import only from here)::

    from theorycheck import (declare, mutant, Source, Space, Tolerance, float_tolerance,
                             solver_tolerance, Relation, Symbolic, MonteCarlo, ConvexProgram,
                             Program, BoundSearch, Dynamics, Rate, ops, bernoulli_masks)
"""
from __future__ import annotations

from typing import Sequence

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

__version__ = "0.1.0"


def run_claims(claims: Sequence[Claim], settings: Settings | None = None, jobs: int = 1):
    """Run claims (or variants made with ``claim.replace``) and return their results."""
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


def check_instance(claim: Claim, check_index: int, instance, **kw) -> CheckResult:
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
