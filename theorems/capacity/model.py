"""Machinery of the `capacity` claims (thesis Chapter 4, seed 000_f4de404d0cfe4539.txt, l. 7292-9519).

Conventions of this chapter (they differ from Chapters 2-3, `bias` and `nuclear`):

* **p is the DROP probability**; masks are inverted, ``B_ii ~ Ber(1 - p) / (1 - p)`` so ``E B = I``,
  ``Var B_ii = p / (1 - p)``, and ``lam := p / (1 - p)`` (the seed's lambda). ``bernoulli_masks`` of the
  engine takes a KEEP probability, so it is called with ``1 - p``.
* Matrix sensing (Sec. 4.2): ``M_* in R^{d2 x d0}``, factors ``U = [u_1..u_{d1}] in R^{d2 x d1}``,
  ``V = [v_1..v_{d1}] in R^{d0 x d1}``; ``R_hat(U, V) = sum_i E_hat_j (u_i' A_j v_i)^2`` WITHOUT lam (eq. 4.2/4.6).
  Matrix completion: ``A = e_j e_k'`` with probability ``p_row(j) q_col(k)`` (the seed writes p(i), q(k): a
  clash with the dropout rate p, so here they are ``p_row``, ``q_col``).
* Two-layer ReLU net (Sec. 4.3): ``f_w(x) = U sigma(V' x)``, hidden activations ``a(x) = sigma(V' x)``; the
  explicit regulariser of eq. (4.4) / Proposition 5 INCLUDES lam; ``R(u, V) = sum_i u_i^2 E sigma(v_i'x)^2`` of
  Definition 6 / Theorem 13 EXCLUDES it. The hidden layer is `theorems.common.twolayer.hidden`.
* Rademacher complexities are computed with the inner supremum exact: by enumerating all ``2^n`` sign vectors
  for finite classes, or by a dense direction grid in d0 = 2 for the neuron hull of Theorem 12 (the grid gives a
  lower estimate of the sup, the safe side for testing an upper bound).
"""
from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from theorycheck import bernoulli_masks

from ..common.twolayer import hidden


def reg_parameter(drop):
    """lam = p / (1 - p) for the drop probability p."""
    return drop / (1 - drop)


def inverted_masks(width: int, drop) -> tuple[np.ndarray, list]:
    """All 2^width masks ``b / (1 - p)`` with their probabilities (p numeric or a sympy symbol)."""
    masks, weights = bernoulli_masks(width, 1 - drop)
    if isinstance(drop, (float, int, np.floating)):
        return masks / (1.0 - drop), weights
    return masks.astype(object) * (1 / (1 - drop)), weights


# --- matrix sensing -----------------------------------------------------------------------------------

def factor_terms(U, V, As) -> np.ndarray:
    """``T[j, i] = u_i' A_j v_i`` (n x d1); works on floats and on sympy object arrays."""
    return np.array([[U[:, i] @ A @ V[:, i] for i in range(U.shape[1])] for A in As])


def sensing_predictions(U, V, As) -> np.ndarray:
    """``<U V', A_j>`` for every measurement."""
    M = U @ V.T
    return np.array([(M * A).sum() for A in As])


def sensing_risk(U, V, As, y):
    """L_hat(U, V) = E_hat_j (y_j - <UV', A_j>)^2 (eq. 4.1)."""
    r = y - sensing_predictions(U, V, As)
    return (r * r).sum() / len(As)


def sensing_dropout_risk_by_masks(U, V, As, y, drop):
    """L_hat_drop = E_hat_j E_B (y_j - <U B V', A_j>)^2, E_B by enumerating all 2^d1 masks."""
    T = factor_terms(U, V, As)
    masks, weights = inverted_masks(U.shape[1], drop)
    residuals = y[None, :] - masks @ T.T          # (masks, n)
    per_mask = (residuals * residuals).sum(axis=1) / len(As)
    return sum(w * r for w, r in zip(weights, per_mask))


def sensing_regularizer(U, V, As):
    """R_hat(U, V) = sum_i E_hat_j (u_i' A_j v_i)^2 (no lam)."""
    T = factor_terms(U, V, As)
    return (T * T).sum() / len(As)


def completion_regularizer_by_atoms(U, V, p_row, q_col):
    """R(U, V) = E_A sum_i (u_i' A v_i)^2 with A = e_j e_k' w.p. p_row(j) q_col(k): the sum over all atoms."""
    terms = (U[:, None, :] * V[None, :, :]) ** 2           # (d2, d0, d1): (u_i' e_j e_k' v_i)^2
    return (p_row[:, None] * q_col[None, :] * terms.sum(-1)).sum()


def weighted(M, p_row, q_col):
    """diag(sqrt p) M diag(sqrt q)."""
    sq = (lambda a: a.sqrt()) if hasattr(p_row, "detach") else np.sqrt
    return sq(p_row)[:, None] * M * sq(q_col)[None, :]


def balanced_factors(Mt: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``A B' = Mt`` with ``A'A = B'B = diag(s)`` (zero-padded to ``width`` columns); needs rank Mt <= width."""
    W, s, Yt = np.linalg.svd(Mt, full_matrices=False)
    rank = int(np.sum(s > 1e-12 * max(s[0], 1e-300)))
    if rank > width:
        raise ValueError(f"rank {rank} > width {width}: no factorisation exists (Theta = +inf)")
    k = min(width, len(s))
    A = np.zeros((Mt.shape[0], width))
    B = np.zeros((Mt.shape[1], width))
    A[:, :k] = W[:, :k] * np.sqrt(s[:k])
    B[:, :k] = Yt[:k].T * np.sqrt(s[:k])
    return A, B


def equalising_rotation(G: np.ndarray) -> np.ndarray:
    """An orthogonal Q with ``(Q' G Q)_ii = tr(G) / d`` for every i (G symmetric PSD).

    The constructive proof of the equalisation theorem (thesis Ch. 2, Theorem 4): repeatedly take an unfixed
    index i above the mean and j below it and rotate in the (i, j) plane by the angle that puts G_ii exactly at
    the mean; i is then fixed. d - 1 plane rotations suffice.
    """
    d = G.shape[0]
    G = np.array(G, dtype=float)
    Q = np.eye(d)
    target = np.trace(G) / d
    free = list(range(d))
    while len(free) > 1:
        diag = np.array([G[k, k] for k in free])
        i, j = free[int(np.argmax(diag))], free[int(np.argmin(diag))]
        a, b, g = G[i, i], G[j, j], G[i, j]
        if a - b <= 1e-15 * max(abs(target), 1e-300):
            break
        radius = np.hypot((a - b) / 2, g)
        phase = np.arctan2(g, (a - b) / 2)
        theta = (np.arccos(np.clip((target - (a + b) / 2) / radius, -1.0, 1.0)) - phase) / 2
        c, s = np.cos(theta), np.sin(theta)
        R = np.eye(d)
        R[i, i], R[i, j], R[j, i], R[j, j] = c, s, -s, c
        G = R.T @ G @ R
        Q = Q @ R
        free.remove(i)
    return Q


def equalised_factorisation(M: np.ndarray, p_row: np.ndarray, q_col: np.ndarray, width: int):
    """The minimiser of Proposition 4's proof: a balanced factorisation of diag(sqrt p) M diag(sqrt q),
    rotated by the equalising Q and mapped back by diag(sqrt p)^-1, diag(sqrt q)^-1."""
    A, B = balanced_factors(weighted(M, p_row, q_col), width)
    Q = equalising_rotation(A.T @ A)
    return (A @ Q) / np.sqrt(p_row)[:, None], (B @ Q) / np.sqrt(q_col)[:, None]


def nuclear_norm(M):
    if hasattr(M, "detach"):
        import torch

        return torch.linalg.svdvals(M).sum()
    return np.linalg.svd(np.asarray(M, dtype=float), compute_uv=False).sum()


# --- two-layer networks -------------------------------------------------------------------------------

def activations(V, X, act: str = "relu"):
    """``a(x_i) = sigma(V' x_i)`` as an (n, d1) array (ReLU through `theorems.common.twolayer.hidden`)."""
    import torch

    if act == "tanh":
        return np.tanh(X @ V)
    Vt, Xt = torch.as_tensor(np.asarray(V, dtype=float).T), torch.as_tensor(np.asarray(X, dtype=float))
    return hidden(Vt, Xt).numpy()


def two_layer_risk(U, H, Y):
    """L_hat = E_hat_i ||y_i - U a(x_i)||^2 with H the activations (n, d1)."""
    r = Y - H @ U.T
    return (r * r).sum() / len(H)


def two_layer_dropout_risk_by_masks(U, H, Y, drop):
    """L_hat_drop = E_hat_i E_B ||y_i - U B a(x_i)||^2 (eq. 4.3), E_B over all 2^d1 masks."""
    masks, weights = inverted_masks(U.shape[1], drop)
    total = 0
    for b, w in zip(masks, weights):
        r = Y - (H * b[None, :]) @ U.T
        total = total + w * (r * r).sum() / len(H)
    return total


# --- Rademacher complexities --------------------------------------------------------------------------

def all_signs(n: int) -> np.ndarray:
    """All 2^n Rademacher vectors (rows)."""
    return np.array(list(product((-1.0, 1.0), repeat=n))).reshape(-1, n)


def rademacher_of_finite_class(values: Any) -> Any:
    """R_S = E_zeta max_k (1/n) sum_i zeta_i values[k, i], exactly (all 2^n sign vectors); values (K, n)."""
    n = values.shape[-1]
    signs = all_signs(n)
    if hasattr(values, "detach"):
        import torch

        signs = torch.as_tensor(signs, dtype=values.dtype)
        return (signs @ values.T).max(dim=1).values.mean() / n
    return (signs @ values.T).max(axis=1).mean() / n


def circle_grid(count: int) -> np.ndarray:
    """``count`` unit directions in R^2 (columns)."""
    t = np.linspace(0.0, 2 * np.pi, count, endpoint=False)
    return np.stack([np.cos(t), np.sin(t)])


def pinv_sqrt(C: np.ndarray) -> np.ndarray:
    """C^{dagger/2} for a PSD C (eigenvalues below 1e-10 of the largest are zero)."""
    w, Q = np.linalg.eigh(C)
    keep = w > 1e-10 * max(w.max(), 1e-300)
    inv = np.zeros_like(w)
    inv[keep] = 1 / np.sqrt(w[keep])
    return (Q * inv) @ Q.T


def mahalanobis_norm(X: np.ndarray, C: np.ndarray) -> float:
    """||X||_{C^dagger} = sqrt(sum_i x_i' C^dagger x_i) (rows of X are the x_i)."""
    Z = X @ pinv_sqrt(C)
    return float(np.sqrt((Z * Z).sum()))


def neuron_hull_rademacher(X, dirs, second_moment_root, zeta) -> tuple[float, float]:
    """Theorem 12's R_S(F_alpha) / alpha by Monte Carlo over zeta with the inner sup exact on a direction grid.

    F_alpha is alpha times the symmetric convex hull of the normalised neurons sigma(v'x) / a(v) (a(v) the
    population root second moment, positively homogeneous), so
    R_S(F_alpha) = (alpha / n) E_zeta max_v |sum_i zeta_i sigma(v'x_i)| / a(v). Returns the mean and its SE.
    ``zeta`` is an (N, n) torch tensor of signs; ``second_moment_root`` maps the grid to a(v).
    """
    import torch

    root = second_moment_root(dirs)
    num = np.maximum(X @ dirs, 0.0)
    Phi = torch.as_tensor(np.where(num > 0, num / np.maximum(root, 1e-300)[None, :], 0.0), dtype=zeta.dtype)
    sup = (zeta @ Phi).abs().max(dim=1).values / X.shape[0]
    return float(sup.mean()), float(sup.std() / np.sqrt(len(sup)))
