"""Shared mathematics of `bias` (003 = Mianjy, Arora, Vidal, ICML 2018; thesis Ch. 2).

Conventions of this source (they differ from `explicit-implicit`): ``theta`` is the RETAIN
probability, masks are scaled by ``1/theta`` (inverted dropout), ``lam = (1 - theta) / theta``.
``lambda_i(M)`` in 003 are singular values, largest first, with ``sigma_j := 0`` for
``j > min(d1, d2)``. Paper dimensions: ``M`` is ``d2 x d0`` (thesis) = ``d1 x d2`` (paper);
``U`` is ``d2 x r``, ``V`` is ``d0 x r``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theorycheck import bernoulli_masks, ops


def reg_parameter(keep_prob):
    """Eq. (2): lambda = (1 - theta) / theta."""
    return (1 - keep_prob) / keep_prob


def path_products(U, V):
    """``[||u_i||^2 ||v_i||^2]_i``: the per-unit terms of R(U, V) (eq. 2)."""
    return ops.column_sq_norms(U) * ops.column_sq_norms(V)


def dropout_objective_by_masks(M, U, V, keep_prob):
    """E_b ||M - (1/theta) U diag(b) V'||_F^2 by exact enumeration of the 2^r masks.

    With E[xx'] = I, E_x||Ax||^2 = ||A||_F^2, so this is objective (1) exactly. Works on floats and
    on numpy object arrays of sympy symbols.
    """
    masks, weights = bernoulli_masks(U.shape[1], keep_prob)
    total = 0
    for b, w in zip(masks, weights):
        total = total + w * ops.sum_squares(M - (U * b[None, :]) @ V.T / keep_prob)
    return total


def eqz(U: np.ndarray) -> np.ndarray:
    """Algorithm 2 (EQZ) as printed in 003: an orthogonal Q making UQ's columns equal in norm.

    Step i: eigendecompose the current (m x m) Gram block, take w = (1/sqrt m) sum_j v_j, complete
    it to an orthogonal [w, w_perp], rotate, and recurse on the trailing block.
    """
    r = U.shape[1]
    G = U.T @ U
    Q = np.eye(r)
    for i in range(r):
        m = r - i
        _, vecs = np.linalg.eigh(G)
        w = vecs.sum(axis=1) / np.sqrt(m)
        Qi = complete_basis(w)
        G = (Qi.T @ G @ Qi)[1:, 1:]
        block = np.eye(r)
        block[i:, i:] = Qi
        Q = Q @ block
    return Q


def complete_basis(w: np.ndarray) -> np.ndarray:
    """An orthogonal matrix whose first column is the unit vector ``w`` (Householder)."""
    m = w.shape[0]
    e1 = np.zeros(m)
    e1[0] = 1.0
    v = w - e1
    if np.linalg.norm(v) < 1e-14:
        return np.eye(m)
    v = v / np.linalg.norm(v)
    return np.eye(m) - 2.0 * np.outer(v, v)


@dataclass(frozen=True)
class Shrinkage:
    """Theorem 3.6 quantities for singular values ``sigma`` (padded with zeros to length r)."""

    rho: int
    alpha: float
    kappa: np.ndarray
    sigma: np.ndarray  # top-r singular values, zero padded
    tail: float  # sum_{i > r} sigma_i^2


def padded_singular_values(M: np.ndarray, r: int) -> tuple[np.ndarray, float]:
    s = np.linalg.svd(M, compute_uv=False)
    top = np.zeros(r)
    top[: min(r, s.size)] = s[:r]
    return top, float(np.sum(s[r:] ** 2))


def theorem_3_6_threshold(sigma: np.ndarray, r: int, lam: float) -> tuple[int, float]:
    """Theorem 3.6: rho = max{j in [r]: sigma_j > lam j kappa_j / (r + lam j)},
    alpha = lam rho kappa_rho / (r + lam rho), with kappa_j the mean of the top j singular values."""
    j = np.arange(1, r + 1)
    kappa = np.cumsum(sigma) / j
    thresholds = lam * j * kappa / (r + lam * j)
    above = np.nonzero(sigma > thresholds)[0]
    rho = int(above[-1]) + 1 if above.size else 0
    return rho, float(thresholds[rho - 1]) if rho else 0.0


def shrinkage(M: np.ndarray, r: int, lam: float, rule=theorem_3_6_threshold) -> Shrinkage:
    """The shrinkage of Theorem 3.6 (or of another ``rule(sigma, r, lam) -> (rho, alpha)``)."""
    sigma, tail = padded_singular_values(M, r)
    rho, alpha = rule(sigma, r, lam)
    kappa = np.cumsum(sigma) / np.arange(1, r + 1)
    return Shrinkage(rho, alpha, kappa, sigma, tail)


def shrunk_spectrum(sh: Shrinkage) -> np.ndarray:
    """x_i = (sigma_i - alpha)_+ for i <= rho, 0 beyond: the singular values of S_alpha(M)."""
    x = np.maximum(sh.sigma - sh.alpha, 0.0)
    x[sh.rho:] = 0.0
    return x


def optimal_value(sh: Shrinkage, r: int, lam: float) -> float:
    """Objective (6) at the claimed optimum, ||M - S||_F^2 + (lam/r) ||S||_*^2 (Theorem 3.4's value
    of R at a jointly equalized factorization); for Theorem 3.6's alpha this is
    f* = lam (rho kappa_rho)^2 / (r + lam rho) + sum_{i > rho} sigma_i^2."""
    x = shrunk_spectrum(sh)
    return float(np.sum((sh.sigma - x) ** 2) + sh.tail + lam / r * np.sum(x) ** 2)


def shrink(M: np.ndarray, alpha: float, rank: int) -> np.ndarray:
    """S_alpha(M) restricted to the top ``rank`` singular directions."""
    W, s, Yt = np.linalg.svd(M, full_matrices=False)
    x = np.maximum(s - alpha, 0.0)
    x[rank:] = 0.0
    return (W * x) @ Yt


def untied_objective(M, U, V, lam):
    """Problem (6): ||M - UV'||_F^2 + lam sum_i ||u_i||^2 ||v_i||^2."""
    return ops.sum_squares(M - U @ V.T) + lam * path_products(U, V).sum()


def tied_objective(M, U, lam):
    """Problem (4): ||M - UU'||_F^2 + lam sum_i ||u_i||^4."""
    return ops.sum_squares(M - U @ U.T) + lam * (ops.column_sq_norms(U) ** 2).sum()
