"""Shared mathematics of the `bias` claims of §§2-6 beyond ``model`` (numerical ground truth).

Same conventions as ``model`` (theta = retain probability, lam = (1 - theta) / theta). The tied
problem (4) is f(U) = ||M - UU'||_F^2 + lam sum_i ||u_i||^4; the untied problem (6) is
f(U, V) = ||M - UV'||_F^2 + lam sum_i ||u_i||^2 ||v_i||^2. The closed forms of the tied problem
(Theorem 2.4, thesis Lemmas 3-5) need M symmetric PSD, which neither text states: the PSD spaces
below are the corrected hypothesis, ``square_targets`` the printed one.

Non-convex ground truth is the best of several BFGS restarts (numpy gradients), cached per
instance so that a claim and its mutants optimise once.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from scipy.optimize import minimize

from theorycheck import Draw, Program, Space, solver_tolerance

from .model import eqz, padded_singular_values

RESTARTS = 4
GTOL = 1e-10  # BFGS gradient tolerance; optimiser-tolerance bands below are stated from it
MAX_ITER = 1000  # BFGS iterations per restart (the runs stop on gtol or precision loss long before)
OPTIMISER = solver_tolerance(1e-7, what="best of 4 BFGS restarts, gtol 1e-10: |x - x*| <= gtol / curvature")


def tied_torch(M: np.ndarray, lam: float):
    """Problem (4) as a torch function of U (d x r), for autograd gradients and Hessians."""
    import torch

    Mt = torch.as_tensor(M, dtype=torch.float64)

    def f(U):
        return ((Mt - U @ U.T) ** 2).sum() + lam * ((U * U).sum(0) ** 2).sum()

    return f


def starts(rows: int, r: int, count: int, seed: int, scale: float = 1.0) -> list[np.ndarray]:
    """Random starts; every other one with very unequal columns (the adversarial starts of Lemma 4.1)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        x = rng.standard_normal((rows, r)) * scale
        if k % 2:
            x = x * (2.0 ** -np.arange(r))
        out.append(x)
    return out


def _seed_of(*arrays: np.ndarray) -> int:
    """A seed from the arrays' content (sha256): the same in every process, unlike the salted ``hash``."""
    digest = hashlib.sha256(b"".join(np.ascontiguousarray(a, dtype=float).tobytes() for a in arrays)).digest()
    return int.from_bytes(digest[:4], "little")


def tied_value_and_grad(M: np.ndarray, lam: float):
    """f(U) of Problem (4) and grad f = 4 (UU' - M_sym) U + 4 lam U diag(U'U), in numpy."""
    Msym = (M + M.T) / 2
    n = M.shape[0]

    def fg(flat):
        U = flat.reshape(n, -1)
        R = U @ U.T - M
        norms = (U * U).sum(0)
        return float((R * R).sum() + lam * (norms**2).sum()), (4 * (U @ U.T - Msym) @ U + 4 * lam * U * norms).ravel()

    return fg


def tied_hessian(M: np.ndarray, lam: float):
    """The exact Hessian of Problem (4) at U (flat), column by column from the directional derivative
    D -> 4[(DU' + UD')U + (UU' - M_sym)D] + 4 lam [D diag(n) + 2 U diag(diag(U'D))], n_i = ||u_i||^2."""
    Msym = (M + M.T) / 2
    n = M.shape[0]

    def hess(flat):
        U = flat.reshape(n, -1)
        norms = (U * U).sum(0)
        R = U @ U.T - Msym
        cols = []
        for e in np.eye(U.size):
            D = e.reshape(U.shape)
            cols.append((4 * ((D @ U.T + U @ D.T) @ U + R @ D) + 4 * lam * (D * norms + 2 * U * (U * D).sum(0))).ravel())
        return np.array(cols).T

    return hess


def untied_value_and_grad(M: np.ndarray, lam: float):
    """f(U, V) of Problem (6) on the stacked [U; V] and its gradient, in numpy."""
    d2 = M.shape[0]

    def fg(flat):
        W = flat.reshape(sum(M.shape), -1)
        U, V = W[:d2], W[d2:]
        R = U @ V.T - M
        nu, nv = (U * U).sum(0), (V * V).sum(0)
        grad = np.vstack([2 * R @ V + 2 * lam * U * nv, 2 * R.T @ U + 2 * lam * V * nu])
        return float((R * R).sum() + lam * (nu * nv).sum()), grad.ravel()

    return fg


def best_of_restarts(fg, x0s: list[np.ndarray]) -> np.ndarray:
    """Best BFGS limit point (numpy objective with gradient) over the starts.

    BFGS rather than L-BFGS-B: scipy's L-BFGS-B calls a threaded BLAS that is ~100x slower on a loaded
    2-core machine for these tiny problems; BFGS stays in numpy."""
    best = None
    for x0 in x0s:
        res = minimize(fg, x0.ravel(), jac=True, method="BFGS", options={"gtol": GTOL, "maxiter": MAX_ITER})
        if best is None or res.fun < best.fun:
            best = res
    return best.x.reshape(x0s[0].shape)


def polished_tied_minimum(M: np.ndarray, lam: float, x0: np.ndarray) -> np.ndarray:
    """BFGS from ``x0`` on Problem (4), then Levenberg-Marquardt on grad f = 0 with the exact (autograd)
    Hessian as Jacobian (Newton's method, damped), kept only if it does not raise f.

    For small lam the equalizing rotations have curvature ~ lam while the data term has curvature ~ 1:
    BFGS stops (gtol) with a residual spread ~ gtol / lam of the column norms (1e-7 relative at lam = 1e-4,
    and at lam = 1e-6 it exhausts its iterations with the columns still 10 % apart). The Newton polish
    converges quadratically near a non-degenerate minimum, to |grad f|_inf ~ 1e-15."""
    from scipy.optimize import least_squares

    fg = tied_value_and_grad(M, lam)
    res = minimize(fg, x0.ravel(), jac=True, method="BFGS", options={"gtol": GTOL, "maxiter": MAX_ITER})
    polish = least_squares(lambda z: fg(z)[1], res.x, jac=tied_hessian(M, lam), method="lm", xtol=1e-15,
                           ftol=1e-15, gtol=1e-15, max_nfev=200)
    x = polish.x if fg(polish.x)[0] <= res.fun + 1e-12 * max(1.0, abs(res.fun)) else res.x
    return x.reshape(x0.shape)


@lru_cache(maxsize=256)
def _tied_optimum(key: bytes, shape: tuple[int, int], r: int, lam: float, restarts: int) -> np.ndarray:
    M = np.frombuffer(key).reshape(shape)
    scale = np.sqrt(max(np.abs(M).max(), 1e-3) / r)
    return best_of_restarts(tied_value_and_grad(M, lam), starts(shape[0], r, restarts, _seed_of(M), scale))


def tied_optimum(M: np.ndarray, r: int, lam: float, restarts: int = RESTARTS) -> np.ndarray:
    """Best of ``restarts`` BFGS runs on Problem (4)."""
    return _tied_optimum(np.ascontiguousarray(M, dtype=float).tobytes(), M.shape, r, float(lam), restarts)


@lru_cache(maxsize=256)
def _untied_optimum(key: bytes, shape: tuple[int, int], r: int, lam: float, restarts: int):
    M = np.frombuffer(key).reshape(shape)
    scale = np.sqrt(max(np.linalg.norm(M, 2), 1e-3) / r)
    W = best_of_restarts(untied_value_and_grad(M, lam), starts(sum(shape), r, restarts, _seed_of(M), scale))
    return W[: shape[0]], W[shape[0]:]


def untied_optimum(M: np.ndarray, r: int, lam: float, restarts: int = RESTARTS):
    """Best of ``restarts`` BFGS runs on Problem (6): (U, V)."""
    return _untied_optimum(np.ascontiguousarray(M, dtype=float).tobytes(), M.shape, r, float(lam), restarts)


def reduced_qp(inst) -> Program:
    """Problems (4) and (6) after Theorems 2.3/3.4 and von Neumann's trace inequality:
    min_{x >= 0} sum_{i<=r} (sigma_i - x_i)^2 + (lam/r)(sum x)^2 over the top-r singular values
    (eigenvalues for PSD M); one compiled problem per width r (shared by §2 and §3)."""
    import cvxpy as cp

    x = cp.Variable(inst.r, nonneg=True)
    sigma = cp.Parameter(inst.r)
    weight = cp.Parameter(nonneg=True)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(sigma - x) + weight * cp.square(cp.sum(x))))
    return Program(problem, {"sigma": sigma, "weight": weight}, {"x": x})


def qp_values(i) -> dict:
    return {"sigma": padded_singular_values(i.M, i.r)[0], "weight": i.lam / i.r}


def relative_spread(values: np.ndarray) -> float:
    """(max - min) / mean of non-negative values; 0 for all-zero values."""
    values = np.asarray(values, dtype=float)
    mean = values.mean()
    return 0.0 if mean <= 0 else float((values.max() - values.min()) / mean)


def column_norms(A: np.ndarray) -> np.ndarray:
    return np.sqrt((A * A).sum(0))


def equalizable_factorization(U: np.ndarray, V: np.ndarray):
    """Theorem 3.3's construction: (U~ Q, V~ Q) with U~ = [W Sigma^1/2, 0], V~ = [Y Sigma^1/2, 0].

    The compact SVD of UV' has rank(UV') <= r columns; the proof's U~ must be zero-padded to r.
    """
    r = U.shape[1]
    W, s, Yt = np.linalg.svd(U @ V.T, full_matrices=False)
    k = min(r, s.size)
    Ut = np.zeros((U.shape[0], r))
    Vt = np.zeros((V.shape[0], r))
    Ut[:, :k] = W[:, :k] * np.sqrt(s[:k])
    Vt[:, :k] = Yt[:k].T * np.sqrt(s[:k])
    Q = eqz(Ut)
    return Ut @ Q, Vt @ Q


def _psd_target(d: Draw) -> dict:
    """Symmetric PSD M = W diag(eigs) W' with the tied problem's (r, lam)."""
    regime = d.regime
    n = d.integer(2, 5)
    r = d.integer(n, 5) if regime == "r>=d" else d.integer(1, min(4, n))
    lam = d.uniform(3.0, 30.0) if regime == "large lam (rho<r)" else d.choice((0.1, 0.5, 1.0, 3.0))
    eigs = np.sort(np.array([d.uniform(0.2, 3.0) for _ in range(n)]))[::-1]
    if regime == "tied eigenvalues":
        eigs[:] = eigs[0]
    if regime == "rank-deficient M":
        eigs[max(1, n // 2):] = 0.0
    W = d.orthogonal(n)
    return {"d": n, "r": r, "lam": lam, "M": (W * eigs) @ W.T, "eigs": eigs}


psd_targets = Space(_psd_target, regimes=("typical", "r>=d", "large lam (rho<r)", "tied eigenvalues",
                                          "rank-deficient M"),
                    description="symmetric PSD M, d in [2, 5], r in [1, 5], lam in {0.1, 0.5, 1, 3} or large")


def _square_target(d: Draw) -> dict:
    """A square M as printed (no symmetry): Gaussian, skew-symmetric, or symmetric indefinite."""
    inst = _psd_target(d)
    n = inst["d"]
    G = d.normal(n, n)
    M = {"skew-symmetric M": G - G.T, "indefinite symmetric M": G + G.T}.get(d.regime, G)
    inst.update(M=M)
    return inst


square_targets = Space(_square_target, regimes=("typical", "skew-symmetric M", "indefinite symmetric M"),
                       description="square M as printed in 003 (not symmetric, or symmetric indefinite)")


def tied_critical_points(M: np.ndarray, lam: float, x0s: list[np.ndarray], grad_tol: float = 1e-9):
    """Critical points of Problem (4): Levenberg-Marquardt on grad f = 0 (numpy gradient, finite-difference
    Jacobian) from each start; returns the distinct roots with |grad|_inf <= grad_tol, each with the
    smallest eigenvalue of its exact (autograd) Hessian. The engine's ``optimize.critical_points`` does the
    same with autograd Jacobians, ~50x slower on these sizes."""
    from scipy.optimize import least_squares

    from theorycheck import optimize

    fg = tied_value_and_grad(M, lam)
    shape = x0s[0].shape
    found: list[tuple[np.ndarray, float, float]] = []
    for x0 in x0s:
        res = least_squares(lambda z: fg(z)[1], x0.ravel(), method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                            max_nfev=400 * x0.size)
        value, g = fg(res.x)
        if np.max(np.abs(g)) > grad_tol:
            continue
        U = res.x.reshape(shape)
        if any(np.allclose(U, V, atol=1e-7) for V, _, _ in found):
            continue
        found.append((U, value, float(np.linalg.eigvalsh(optimize.hessian(tied_torch(M, lam), U))[0])))
    return found
