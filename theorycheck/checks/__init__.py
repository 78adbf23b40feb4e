"""The seven general check kinds every claim is declared over."""
from .base import Check, CheckError, CheckResult, Outcome
from .bound import BoundSearch
from .convex import ConvexProgram, Program, Solution
from .dynamics import Dynamics
from .montecarlo import MonteCarlo
from .rate import Rate
from .relation import Relation
from .symbolic import Symbolic

KINDS = {c.kind: c for c in (Symbolic, Relation, MonteCarlo, ConvexProgram, BoundSearch, Dynamics, Rate)}

__all__ = ["Check", "CheckError", "CheckResult", "Outcome", "Symbolic", "Relation", "MonteCarlo",
           "ConvexProgram", "Program", "Solution", "BoundSearch", "Dynamics", "Rate", "KINDS"]
