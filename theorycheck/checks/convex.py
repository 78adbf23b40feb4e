"""Convex program: a parametrised cvxpy problem, compiled once, solved per instance.

``program(inst)`` builds a :class:`Program` (a ``cp.Problem`` over ``cp.Parameter`` s) the first
time a shape ``key(inst)`` is met in a worker; later instances only assign parameter values
(``values(inst)``), re-apply cvxpy's cached parametrised canonicalisation and call the named solver
on that data. A status other than optimal is an ``error``; so is a solution whose certificate
(primal residual, dual residual, duality gap, cone membership, recomputed here) is above
``certificate_tol``. Only then is ``observed(solution, inst)`` compared with the claimed side.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Hashable

import numpy as np

from ..context import Context, Settings
from ..instances import Instance, Space
from ..tolerance import Tolerance
from .base import Check, CheckError, CheckResult, Outcome, as_float_array, conclude_by_margin
from .calling import call
from .certificate import certify
from .relation import relation_margin, resolve_relation

if TYPE_CHECKING:
    from ..claim import Claim

_COMPILED: dict[tuple[int, Hashable], "Program"] = {}

DEFAULT_OPTS = {
    "CLARABEL": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 500},
    "SCS": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 100_000},
}


@dataclass
class Program:
    """A parametrised problem and the expressions to read after solving."""

    problem: Any
    parameters: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Solution:
    """What ``observed`` sees: the optimal value and the outputs' values."""

    value: float
    outputs: dict[str, np.ndarray]
    certificate: dict[str, Any]
    solve_time: float


def solve(program: Program, values: dict[str, Any], solver: str, opts: dict[str, Any],
          certificate_tol: float) -> Solution:
    """Assign parameters, solve on the cached data, verify status and certificate."""
    import cvxpy as cp
    from cvxpy.reductions.solvers.solver_inverse_data import SolverInverseData

    for name, value in values.items():
        program.parameters[name].value = value
    problem = program.problem
    data, chain, inverse = problem.get_problem_data(solver)
    raw = chain.solver.solve_via_data(data, False, False, opts)
    if not isinstance(inverse[-1], SolverInverseData):
        inverse[-1] = SolverInverseData(inverse[-1], chain.solver, opts)
    elif inverse[-1].solver_options is None:  # cached inverse data carries no options yet
        inverse[-1].solver_options = opts
    problem.unpack_results(raw, chain, inverse)
    if problem.status != cp.OPTIMAL:
        raise CheckError(f"solver {solver} returned status {problem.status!r}; never a pass")
    if solver == "CLARABEL":
        x, s, z = map(np.asarray, (raw.x, raw.s, raw.z))
        solve_time = float(raw.solve_time)
    else:
        x, s, z = map(np.asarray, (raw["x"], raw["s"], raw["y"]))
        solve_time = float(raw["info"].get("solve_time", 0.0)) / 1e3
    cert = certify(data, x, s, z, solver)
    if cert.worst() > certificate_tol:
        raise CheckError(f"{solver} reported optimal but the recomputed certificate fails: "
                         f"{cert.as_dict()} > {certificate_tol:g}")
    outputs = {k: np.asarray(expr.value, dtype=float) for k, expr in program.outputs.items()}
    return Solution(float(problem.value), outputs, cert.as_dict(), solve_time)


@dataclass
class ConvexProgram(Check):
    """``observed(solve(program(inst))) REL claimed(inst)`` over random instances."""

    program: Callable[[Instance], Program]
    values: Callable[[Instance], dict[str, Any]]
    space: Space
    tolerance: Tolerance
    key: Callable[[Instance], Hashable] = lambda inst: None
    observed: Callable[[Solution, Instance], Any] = lambda sol, inst: sol.value
    claimed: str = "claimed"
    relation: str = "=="
    solver: str = "CLARABEL"
    solver_opts: dict[str, Any] | None = None
    certificate_tol: float = 1e-7
    instances: int = 20
    full_instances: int | None = None
    label: str = ""

    kind: ClassVar[str] = "convex"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def compiled(self, inst: Instance) -> Program:
        cache_key = (id(self), self.key(inst))
        if cache_key not in _COMPILED:
            _COMPILED[cache_key] = self.program(inst)
        return _COMPILED[cache_key]

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        inst = self.instance(ctx, index)
        opts = self.solver_opts if self.solver_opts is not None else DEFAULT_OPTS.get(self.solver, {})
        sol = solve(self.compiled(inst), self.values(inst), self.solver, opts, self.certificate_tol)
        observed = as_float_array(self.observed(sol, inst), "observed")
        claimed = as_float_array(call(claim.parts[self.claimed], inst, ctx, claim.parts), "claimed")
        margin, details = relation_margin(observed, claimed, resolve_relation(claim, self.relation),
                                          self.tolerance)
        details.update(certificate=sol.certificate, solve_time=sol.solve_time)
        return Outcome(index=index, ok=margin <= 0, margin=margin,
                       observed=observed.tolist() if observed.size <= 16 else None,
                       claimed=claimed.tolist() if claimed.size <= 16 else None,
                       details=details, instance=inst.describe())

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        good = [o for o in outcomes if o.ok is not None]
        evidence = {
            "solver": self.solver,
            "certificate_tol": self.certificate_tol,
            "worst_certificate": max((max(v for v in o.details["certificate"].values() if isinstance(v, float))
                                      for o in good), default=None),
            "solver_seconds": sum(o.details["solve_time"] for o in good),
        }
        return conclude_by_margin(self, outcomes, tolerance=self.tolerance.principle, evidence=evidence)
