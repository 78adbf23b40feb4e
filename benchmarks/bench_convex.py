"""Convex programs: ways of solving one parametrised problem for many instances, side by side.

The problem is the nuclear-norm prox ``min_X 1/2 ||X - Y||_F^2 + lam ||X||_*`` (closed form:
soft-thresholding of the singular values of ``Y`` at ``lam``), solved with Clarabel at the engine's
tolerances. Every strategy's minimisers are compared with the closed form.
"""
from __future__ import annotations

import statistics
import time
import warnings

import cvxpy as cp
import numpy as np

from theorycheck.checks.convex import DEFAULT_OPTS, Compiled, Program, affine_data, solve

from timing import ratio, side_by_side

OPTS = DEFAULT_OPTS["CLARABEL"]


def prox_program(d: int, copies: int = 1) -> Program:
    """``copies`` independent proxes in one problem (``copies > 1``: several instances per solve)."""
    Y = [cp.Parameter((d, d), name=f"Y{k}") for k in range(copies)]
    lam = cp.Parameter(nonneg=True, name="lam")
    X = [cp.Variable((d, d), name=f"X{k}") for k in range(copies)]
    objective = sum(0.5 * cp.sum_squares(x - y) + lam * cp.normNuc(x) for x, y in zip(X, Y))
    return Program(cp.Problem(cp.Minimize(objective)), {**{f"Y{k}": y for k, y in enumerate(Y)}, "lam": lam},
                   {f"X{k}": x for k, x in enumerate(X)})


def closed_form(Y: np.ndarray, lam: float) -> np.ndarray:
    u, s, vt = np.linalg.svd(Y)
    return (u * np.maximum(s - lam, 0.0)) @ vt


class Strategies:
    """Each method solves every instance once and returns the minimisers and seconds in the solver."""

    def __init__(self, d: int, instances: int, copies: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.d, self.copies = d, copies
        self.Ys = [rng.normal(size=(d, d)) for _ in range(instances)]
        self.lam = 0.5
        self.plain = prox_program(d)
        self.cvxpy_path = Compiled(prox_program(d), None)
        direct = prox_program(d)
        self.direct = Compiled(direct, affine_data(direct, "CLARABEL", OPTS))
        self.batched = prox_program(d, copies)
        self.batched_statuses: set[str] = set()

    def rebuild(self):
        out, inside = [], 0.0
        for Y in self.Ys:
            X = cp.Variable((self.d, self.d))
            problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(X - Y) + self.lam * cp.normNuc(X)))
            problem.solve(solver="CLARABEL", **OPTS)
            out.append(X.value)
            inside += problem.solver_stats.solve_time
        return out, inside

    def parameter(self):
        (Y, lam), X = self.plain.parameters.values(), self.plain.outputs["X0"]
        out, inside = [], 0.0
        for value in self.Ys:
            Y.value, lam.value = value, self.lam
            self.plain.problem.solve(solver="CLARABEL", **OPTS)
            out.append(X.value)
            inside += self.plain.problem.solver_stats.solve_time
        return out, inside

    def _engine(self, compiled: Compiled):
        out, inside = [], 0.0
        for Y in self.Ys:
            sol = solve(compiled, {"Y0": Y, "lam": self.lam}, "CLARABEL", OPTS, 1e-7)
            out.append(sol.outputs["X0"])
            inside += sol.solve_time
        return out, inside

    def engine_cvxpy_data(self):
        return self._engine(self.cvxpy_path)

    def engine_direct(self):
        return self._engine(self.direct)

    def batched_solves(self):
        out, inside = [], 0.0
        params = self.batched.parameters
        for start in range(0, len(self.Ys), self.copies):
            group = self.Ys[start:start + self.copies]
            group = group + [group[-1]] * (self.copies - len(group))
            for k, Y in enumerate(group):
                params[f"Y{k}"].value = Y
            params["lam"].value = self.lam
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an inaccurate status is recorded instead
                self.batched.problem.solve(solver="CLARABEL", **OPTS)
            self.batched_statuses.add(self.batched.problem.status)
            out.extend(self.batched.outputs[f"X{k}"].value for k in range(self.copies))
            inside += self.batched.problem.solver_stats.solve_time
        return out[:len(self.Ys)], inside

    def error(self, minimisers) -> float:
        return max(float(np.max(np.abs(X - closed_form(Y, self.lam)))) for X, Y in zip(minimisers, self.Ys))


METHODS = ("rebuild", "parameter", "engine_cvxpy_data", "engine_direct", "batched_solves")


def compare(d: int, instances: int, copies: int, rounds: int) -> dict:
    s = Strategies(d, instances, copies)
    inside: dict[str, list[float]] = {name: [] for name in METHODS}
    errors: dict[str, float] = {}

    def timed(name):
        def run():
            minimisers, seconds = getattr(s, name)()
            inside[name].append(seconds)
            errors[name] = s.error(minimisers)
        return run

    start = time.perf_counter()
    probe = affine_data(prox_program(d), "CLARABEL", OPTS)
    probe_seconds = time.perf_counter() - start
    wall = side_by_side({name: timed(name) for name in METHODS}, rounds)
    solver = {name: statistics.median(seconds) for name, seconds in inside.items()}
    return {
        "d": d, "instances": instances, "instances_per_batched_solve": copies,
        "wall_seconds": wall, "in_solver_seconds": solver, "max_error_vs_closed_form": errors,
        "batched_solve_statuses": sorted(s.batched_statuses),
        "direct_probe_seconds_once": probe_seconds, "direct_path_applies": probe is not None,
        "rebuild_over_parameter": ratio(wall["rebuild"], wall["parameter"]),
        "rebuild_over_engine_direct": ratio(wall["rebuild"], wall["engine_direct"]),
        "wall_over_in_solver": {name: ratio(wall[name], solver[name]) for name in METHODS},
        "goals": {"rebuild_over_engine_direct_at_d4": 5.0, "wall_over_in_solver_max": 2.0},
    }
