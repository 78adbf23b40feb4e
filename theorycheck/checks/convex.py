"""Convex program: a parametrised cvxpy problem, compiled once, solved per instance.

``program(inst)`` builds a :class:`Program` (a ``cp.Problem`` over ``cp.Parameter`` s) the first
time a shape ``key(inst)`` is met in a worker; later instances only assign parameter values
(``values(inst)``). For Clarabel and a DPP problem the solver data is an affine function of the
parameters: it is probed once per compiled program (:class:`AffineData`, verified at a random
point) and each instance then calls Clarabel directly on ``base + J (theta - theta0)``, so the wall
time is close to the time inside the solver (``benchmarks/run.py`` measures it). Other problems go
through cvxpy's cached parametrised canonicalisation. Either way a status other than optimal is an
``error``; so is a solution whose certificate (primal residual, dual residual, duality gap, cone
membership, recomputed here) is above ``certificate_tol``. Only then is
``observed(solution, inst)`` compared with the claimed side.
"""
from __future__ import annotations

import warnings
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

_PROGRAMS: dict[tuple[int, Hashable], "Program"] = {}
_COMPILED: dict[tuple[int, Hashable, bool], "Compiled"] = {}
MAX_PROBED_PARAMETERS = 512  # probing costs one canonicalisation per parameter entry

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


def _parameter_vector(program: Program, values: dict[str, Any]) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(values[name], dtype=float), order="F")
                           for name in program.parameters]) if program.parameters else np.zeros(0)


def _assign(program: Program, theta: np.ndarray) -> None:
    start = 0
    for param in program.parameters.values():
        chunk = theta[start:start + param.size]
        param.value = chunk.reshape(param.shape, order="F") if param.shape else float(chunk[0])
        start += param.size


def _data_vector(data: dict[str, Any]) -> np.ndarray:
    parts = [data["c"], data["b"], data["A"].data]
    return np.concatenate(parts + ([data["P"].data] if "P" in data else []))


def _same_structure(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def pattern(m):
        return m.shape, m.indices.tobytes(), m.indptr.tobytes()

    return ("P" in a) == ("P" in b) and pattern(a["A"]) == pattern(b["A"]) and \
        ("P" not in a or pattern(a["P"]) == pattern(b["P"])) and a["b"].size == b["b"].size


@dataclass
class AffineData:
    """Clarabel's data for a DPP problem as ``base + jacobian (theta - theta0)``, probed once.

    ``variables`` maps each cvxpy variable to its slice of the solver's ``x`` (only plain
    variables: one with attributes is reduced by cvxpy and the problem stays on the generic path).
    """

    theta0: np.ndarray
    base: np.ndarray
    jacobian: np.ndarray
    template: dict[str, Any]
    variables: list[tuple[Any, slice]]
    settings: Any
    cones: list = field(init=False)
    upper: tuple[np.ndarray, np.ndarray, np.ndarray] = field(init=False)  # P's upper triangle: where, pattern

    def __post_init__(self) -> None:
        from cvxpy.reductions.solvers.conic_solvers.clarabel_conif import dims_to_solver_cones

        self.cones = dims_to_solver_cones(self.template["dims"])
        n = self.template["c"].size
        P = self.template.get("P")
        if P is None:
            self.upper = np.zeros(0, dtype=int), np.zeros(0, dtype=np.int32), np.zeros(n + 1, dtype=np.int32)
            return
        cols = np.repeat(np.arange(n), np.diff(P.indptr))
        keep = np.flatnonzero(P.indices <= cols)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(cols[keep], minlength=n))]).astype(np.int32)
        self.upper = keep, P.indices[keep], indptr

    def upper_P(self, data: dict[str, Any]):
        """The upper triangle of ``P`` that Clarabel takes (zero when the objective is linear)."""
        import scipy.sparse as sps

        keep, indices, indptr = self.upper
        values = data["P"].data[keep] if "P" in data else np.zeros(0)
        n = data["c"].size
        return sps.csc_matrix((values, indices, indptr), shape=(n, n))

    def data(self, theta: np.ndarray) -> dict[str, Any]:
        import scipy.sparse as sps

        vec = self.base + self.jacobian @ (theta - self.theta0)
        t = self.template
        nq, nb, na = t["c"].size, t["b"].size, t["A"].nnz
        data = {"c": vec[:nq], "b": vec[nq:nq + nb], "dims": t["dims"],
                "A": sps.csc_matrix((vec[nq + nb:nq + nb + na], t["A"].indices, t["A"].indptr), shape=t["A"].shape)}
        if "P" in t:
            data["P"] = sps.csc_matrix((vec[nq + nb + na:], t["P"].indices, t["P"].indptr), shape=t["P"].shape)
        return data


def _variable_slices(problem, inverse: list, columns: int) -> list[tuple[Any, slice]] | None:
    """Where each variable sits in ``x``, read from the matrix stuffing's inverse data (the last)."""
    stuffing = next((d for d in reversed(inverse) if hasattr(d, "var_offsets") and hasattr(d, "var_shapes")), None)
    if stuffing is None or getattr(stuffing, "x_length", None) != columns or any(
            v.id not in stuffing.var_offsets or stuffing.var_shapes[v.id] != v.shape for v in problem.variables()):
        return None
    return [(v, slice(stuffing.var_offsets[v.id], stuffing.var_offsets[v.id] + v.size))
            for v in problem.variables()]


def parameter_entries(program: Program) -> int:
    return sum(int(p.size) for p in program.parameters.values())


def affine_data(program: Program, solver: str, opts: dict[str, Any]) -> AffineData | None:
    """Probe the parameter -> solver-data map; ``None`` when the direct path does not apply.

    The probes sit at a fixed point (zeros, else ones), never at an instance, so the data of every
    instance, and hence every verdict, is the same whichever instance a worker compiled first.
    """
    problem = program.problem
    size = parameter_entries(program)
    if solver != "CLARABEL" or size > MAX_PROBED_PARAMETERS or not problem.is_dpp():
        return None
    from cvxpy.reductions.solvers.conic_solvers.clarabel_conif import CLARABEL

    def data_at(theta):
        _assign(program, theta)
        return problem.get_problem_data(solver)

    for theta0 in (np.zeros(size), np.ones(size)):
        try:
            template, _, inverse = data_at(theta0)
        except ValueError:  # the point lies outside a parameter's attributes (e.g. pos=True)
            continue
        variables = _variable_slices(problem, inverse, template["c"].size)
        if variables is None:
            return None
        base = _data_vector(template)
        columns = []
        try:
            for j in range(size):
                probe = data_at(theta0 + np.eye(1, size, j).ravel())[0]
                if not _same_structure(probe, template):
                    return None
                columns.append(_data_vector(probe) - base)
            direction = np.random.default_rng(0).uniform(0.5, 1.5, size)
            check = data_at(theta0 + direction)[0]
        except ValueError:
            return None
        affine = AffineData(theta0, base, np.stack(columns, 1) if columns else np.zeros((base.size, 0)),
                            template, variables, CLARABEL.parse_solver_opts(False, opts))
        if _same_structure(check, template) and np.allclose(
                _data_vector(check), affine.base + affine.jacobian @ direction, rtol=1e-9, atol=1e-12):
            return affine
        return None
    return None


@dataclass
class Compiled:
    """A program and, when it applies, its affine data map for direct Clarabel calls."""

    program: Program
    affine: AffineData | None


def solve(compiled: Compiled, values: dict[str, Any], solver: str, opts: dict[str, Any],
          certificate_tol: float) -> Solution:
    """Assign parameters, solve, verify status and certificate."""
    if compiled.affine is not None:
        return _solve_direct(compiled.program, compiled.affine, values, certificate_tol)
    return _solve_cvxpy(compiled.program, values, solver, opts, certificate_tol)


def _checked_certificate(data, x, s, z, solver: str, tol: float) -> dict[str, Any]:
    cert = certify(data, x, s, z, solver)
    if cert.worst() > tol:
        raise CheckError(f"{solver} reported optimal but the recomputed certificate fails: "
                         f"{cert.as_dict()} > {tol:g}")
    return cert.as_dict()


def _solve_direct(program: Program, affine: AffineData, values: dict[str, Any], certificate_tol: float) -> Solution:
    import clarabel

    theta = _parameter_vector(program, values)
    data = affine.data(theta)
    raw = clarabel.DefaultSolver(affine.upper_P(data), data["c"], data["A"], data["b"], affine.cones,
                                 affine.settings).solve()
    if str(raw.status) != "Solved":
        raise CheckError(f"solver CLARABEL returned status {str(raw.status)!r}; never a pass")
    x, s, z = map(np.asarray, (raw.x, raw.s, raw.z))
    certificate = _checked_certificate(data, x, s, z, "CLARABEL", certificate_tol)
    _assign(program, theta)
    for variable, where in affine.variables:
        variable.value = x[where].reshape(variable.shape, order="F") if variable.shape else x[where][0]
    outputs = {k: np.asarray(expr.value, dtype=float) for k, expr in program.outputs.items()}
    return Solution(float(program.problem.objective.value), outputs, certificate, float(raw.solve_time))


def _solve_cvxpy(program: Program, values: dict[str, Any], solver: str, opts: dict[str, Any],
                 certificate_tol: float) -> Solution:
    import cvxpy as cp
    from cvxpy.reductions.solvers.solver_inverse_data import SolverInverseData

    for name, value in values.items():
        program.parameters[name].value = value
    problem = program.problem
    with warnings.catch_warnings():
        # a non-DPP problem is re-canonicalised per instance (slower, still exact); say it once
        # in the docs rather than on every solve
        warnings.filterwarnings("ignore", message=".*not DPP.*")
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
    certificate = _checked_certificate(data, x, s, z, solver, certificate_tol)
    outputs = {k: np.asarray(expr.value, dtype=float) for k, expr in program.outputs.items()}
    return Solution(float(problem.value), outputs, certificate, solve_time)


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

    def options(self) -> dict[str, Any]:
        return self.solver_opts if self.solver_opts is not None else DEFAULT_OPTS.get(self.solver, {})

    def compiled(self, inst: Instance, instances: int) -> Compiled:
        """The cached program; probed for direct solves when the instances repay the probes."""
        shape = (id(self), self.key(inst))
        if shape not in _PROGRAMS:
            _PROGRAMS[shape] = self.program(inst)
        program = _PROGRAMS[shape]
        direct = instances >= parameter_entries(program)
        if (*shape, direct) not in _COMPILED:
            affine = affine_data(program, self.solver, self.options()) if direct else None
            _COMPILED[(*shape, direct)] = Compiled(program, affine)
        return _COMPILED[(*shape, direct)]

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        inst = self.instance(ctx, index)
        sol = solve(self.compiled(inst, self.count(ctx.settings)), self.values(inst), self.solver, self.options(),
                    self.certificate_tol)
        observed = as_float_array(call(self.observed, sol, inst, ctx=ctx, parts=claim.parts), "observed")
        claimed = as_float_array(call(claim.parts[self.claimed], inst, ctx=ctx, parts=claim.parts), "claimed")
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
