"""Re-checking a conic solver's answer from its own problem data.

For ``min 1/2 x'Px + q'x  s.t.  Ax + s = b, s in K`` with dual ``z in K*``, we recompute the primal
residual ``|Ax + s - b|``, the dual residual ``|Px + q + A'z|``, the duality gap
``x'Px + q'x + b'z`` and the cone membership of ``s`` and ``z`` (zero, non-negative, second-order
and PSD cones; K is self-dual on them). A solver status of optimal is never trusted alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Certificate:
    primal_residual: float
    dual_residual: float
    gap: float
    cone_violation: float
    unchecked_cones: tuple[str, ...] = ()

    def worst(self) -> float:
        return max(self.primal_residual, self.dual_residual, self.gap, self.cone_violation)

    def as_dict(self) -> dict:
        return {"primal_residual": self.primal_residual, "dual_residual": self.dual_residual,
                "relative_gap": self.gap, "cone_violation": self.cone_violation,
                "unchecked_cones": list(self.unchecked_cones)}


def _psd_matrix(vec: np.ndarray, n: int, upper_colmajor: bool) -> np.ndarray:
    """Unpack a sqrt(2)-scaled triangle (Clarabel: upper column-major; SCS: lower column-major)."""
    mat = np.zeros((n, n))
    k = 0
    for j in range(n):
        rows = range(0, j + 1) if upper_colmajor else range(j, n)
        for i in rows:
            v = vec[k] if i == j else vec[k] / np.sqrt(2)
            mat[i, j] = mat[j, i] = v
            k += 1
    return mat


def cone_violation(v: np.ndarray, dims, upper_colmajor: bool, primal: bool) -> tuple[float, list[str]]:
    """Distance-like violation of ``v in K`` (``primal`` also checks the zero cone)."""
    worst = 0.0
    k = dims.zero
    if primal and dims.zero:
        worst = max(worst, float(np.max(np.abs(v[:k]))))
    if dims.nonneg:
        worst = max(worst, float(max(0.0, -np.min(v[k:k + dims.nonneg]))))
    k += dims.nonneg
    for size in dims.soc:
        cone = v[k:k + size]
        worst = max(worst, float(max(0.0, np.linalg.norm(cone[1:]) - cone[0])))
        k += size
    for n in dims.psd:
        size = n * (n + 1) // 2
        mat = _psd_matrix(v[k:k + size], n, upper_colmajor)
        worst = max(worst, float(max(0.0, -np.linalg.eigvalsh(mat)[0])))
        k += size
    unchecked = []
    if getattr(dims, "exp", 0):
        unchecked.append("exponential")
    if getattr(dims, "p3d", None):
        unchecked.append("power")
    return worst, unchecked


def certify(data: dict, x: np.ndarray, s: np.ndarray, z: np.ndarray, solver: str) -> Certificate:
    """Recompute residuals, gap and cone membership from problem data and the raw solution."""
    A, b, q = data["A"], data["b"], data["c"]
    P = data.get("P")
    Px = P @ x if P is not None else np.zeros_like(x)
    upper = solver.upper() == "CLARABEL"
    primal = float(np.max(np.abs(A @ x + s - b), initial=0.0)) / (1.0 + float(np.max(np.abs(b), initial=0.0)))
    dual = float(np.max(np.abs(Px + q + A.T @ z), initial=0.0)) / (1.0 + float(np.max(np.abs(q), initial=0.0)))
    pobj = float(x @ Px + q @ x)
    gap = abs(pobj + float(b @ z)) / (1.0 + abs(float(q @ x)) + abs(float(b @ z)))
    s_viol, unchecked = cone_violation(s, data["dims"], upper, primal=True)
    z_viol, _ = cone_violation(z, data["dims"], upper, primal=False)
    return Certificate(primal, dual, gap, max(s_viol, z_viol), tuple(unchecked))
