"""Shared mathematics of `structured`: Pal, Lane, Vidal, Haeffele, On the Regularization Properties of
Structured Dropout (CVPR 2020), seed 002_ed3fd3cd48b2c3c3.txt (main text l. 1-325, supplement l. 327-605).

Conventions of this source (stated once here; they differ from `nuclear` and `explicit-implicit`):

* Data ``X`` is ``b x N`` (one column per sample), targets ``Y`` are ``a x N``; the net is ``U V^T X`` with
  ``U`` ``a x d``, ``V`` ``b x d``. Losses are SUMS over samples (``||.||_F^2``), not means.
* ``theta`` is the RETAIN probability and outputs are rescaled by ``1/theta`` (inverted dropout);
  ``beta = (1 - theta) / theta``. In §2.2-2.3 ``bar theta`` is the one-block retain probability of (7).
* DropBlock blocks are ``r`` CONSECUTIVE hidden units, ``k = d / r`` blocks; the mask is
  ``diag(w) (x) I_r`` (the seed prints ``(x) I_{d/r}``, which has the right size only when d = r^2).
* General ("generalized") dropout: mask ``z`` with mean ``mu`` (every entry non-zero) and covariance ``C``,
  output ``U diag(mu)^{-1} diag(z) G``; the characteristic matrix is ``bar C = diag(mu)^-1 C diag(mu)^-1``.
* DropConnect: ``Z`` (``b x d``, iid Ber(theta)) multiplies ``V`` entrywise: ``(1/theta) U (Z o V)^T M``.
* Spectral r-support norm (Argyriou et al. 2012, McDonald et al. 2016), for ``a_1 >= a_2 >= ...``:
  ``||a||_(r)^2 = sum_{i<rho} a_i^2 + (sum_{i>=rho} a_i)^2 / (r - rho + 1)`` with ``rho = r - l`` and ``l`` in
  ``{0..r-1}`` the unique integer with ``a_{rho-1} > (1/(l+1)) sum_{i>=rho} a_i >= a_rho`` (``a_0 = inf``).

Functions run on numpy arrays; where noted on torch tensors (batched) or sympy object arrays.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import numpy as np

from theorycheck import bernoulli_masks, ops


def beta_of(keep_prob):
    """``(1 - theta) / theta``, the regularization strength of (2), (5), (17), (19)."""
    return (1 - keep_prob) / keep_prob


def width_keep_prob(bar_theta, r, d):
    """Eq. (7): ``theta(d) = bar theta r / (bar theta r + (1 - bar theta) d)``."""
    return bar_theta * r / (bar_theta * r + (1 - bar_theta) * d)


# --- blocks ------------------------------------------------------------------------------------------

def blocks(M, r: int) -> list:
    """The ``k = d/r`` blocks of ``r`` consecutive columns of ``M``."""
    d = M.shape[-1]
    return [M[..., j * r:(j + 1) * r] for j in range(d // r)]


def block_products(U, V, X, r: int) -> list:
    """``[U_i V_i^T X]_i`` (numpy or sympy object arrays)."""
    return [Ui @ Vi.T @ X for Ui, Vi in zip(blocks(U, r), blocks(V, r))]


def block_norms(U, V, X, r: int) -> np.ndarray:
    """``alpha_i = ||U_i V_i^T X||_F`` (Definition 2.4, proof of Theorem 2.5)."""
    return np.array([np.sqrt(float(ops.sum_squares(B))) for B in block_products(U, V, X, r)])


def dropblock_sum(U, V, X, r: int):
    """``sum_i ||U_i V_i^T X||_F^2`` (the sum in (5), without its factor)."""
    return sum(ops.sum_squares(B) for B in block_products(U, V, X, r))


def unit_sum(U, V, X):
    """``sum_j ||u_j||^2 ||X^T v_j||^2`` (the Dropout sum of (2), (20))."""
    return (ops.column_sq_norms(U) * ops.column_sq_norms(X.T @ V)).sum()


def block_mask_matrix(w, r: int) -> np.ndarray:
    """``z = w (x) 1_r``: each block's variable repeated over its r units (DropBlockSample)."""
    return np.repeat(np.asarray(w), r, axis=-1)


def dropblock_expectation(Y, U, V, X, keep_prob, r: int):
    """``E_w ||Y - (1/theta) U (diag(w) (x) I_r) V^T X||_F^2`` by enumerating all ``2^k`` block masks.

    Works for sympy ``keep_prob`` (weights symbolic) and object arrays."""
    k = U.shape[1] // r
    masks, weights = bernoulli_masks(k, keep_prob)
    total = 0
    for w, p in zip(masks, weights):
        z = block_mask_matrix(w, r)
        total = total + p * ops.sum_squares(Y - (U * z[None, :]) @ V.T @ X / keep_prob)
    return total


def characteristic_matrix(mean, cov):
    """(16): ``bar c_ij = c_ij / (mu_i mu_j)``."""
    mean = np.asarray(mean)
    return cov / np.outer(mean, mean)


def general_regularizer(U, G, bar_C):
    """(15): ``<bar C, U^T U o V^T V>`` with ``V = G^T`` (so ``V^T V = G G^T``)."""
    return (bar_C * (U.T @ U) * (G @ G.T)).sum()


def finite_mask_expectation(Y, U, G, patterns, probs, mean):
    """``E_z ||Y - U diag(mu)^-1 diag(z) G||_F^2`` over a finite law (patterns ``(P, d)``, probs ``(P,)``)."""
    total = 0
    for z, p in zip(patterns, probs):
        total = total + p * ops.sum_squares(Y - (U * (np.asarray(z) / mean)[None, :]) @ G)
    return total


def moments(patterns, probs):
    """Mean and covariance of a finite law on R^d."""
    patterns, probs = np.asarray(patterns, dtype=float), np.asarray(probs, dtype=float)
    mean = probs @ patterns
    second = (patterns * probs[:, None]).T @ patterns
    return mean, second - np.outer(mean, mean)


def dropconnect_expectation(Y, U, V, M, keep_prob):
    """``E_Z ||Y - (1/theta) U (Z o V)^T M||_F^2`` over all ``2^(bd)`` masks ``Z``."""
    b, d = V.shape
    masks, weights = bernoulli_masks(b * d, keep_prob)
    total = 0
    for flat, p in zip(masks, weights):
        Z = flat.reshape(b, d)
        total = total + p * ops.sum_squares(Y - U @ (Z * V).T @ M / keep_prob)
    return total


def dropconnect_sum(U, V, M):
    """``sum_k ||u_k||^2 sum_j V_jk^2 ||M_{j,:}||^2 = sum_k ||u_k||^2 ||diag(v_k) M||_F^2`` (derived: the
    variance of ``M^T (z_k o v_k)`` is ``theta(1-theta) sum_j v_jk^2 ||M_j||^2``, not ``||M^T v_k||^2``)."""
    return (ops.column_sq_norms(U) * ((V * V).T @ (M * M).sum(1))).sum()


# --- the spectral r-support norm -----------------------------------------------------------------------

def support_formula(a, r: int, rho: int) -> float:
    """(11) without its factor, for a given ``rho``: ``sum_{i<rho} a_i^2 + (sum_{i>=rho} a_i)^2/(r-rho+1)``."""
    a = np.sort(np.abs(np.asarray(a, dtype=float)))[::-1]
    return float(np.sum(a[:rho - 1] ** 2) + np.sum(a[rho - 1:]) ** 2 / (r - rho + 1))


def rho_by_condition(a, r: int) -> int:
    """The k-support index: ``rho = r - l``, l the unique integer in {0..r-1} with
    ``a_{rho-1} > tail/(l+1) >= a_rho`` (``a_0 = +inf``; a_i = 0 beyond the length of ``a``)."""
    a = np.sort(np.abs(np.asarray(a, dtype=float)))[::-1]
    a = np.concatenate([a, np.zeros(max(0, r - a.size))])
    for l in range(r):
        rho = r - l
        tail = np.sum(a[rho - 1:]) / (l + 1)
        upper = np.inf if rho == 1 else a[rho - 2]
        if upper > tail >= a[rho - 1] - 1e-15 * max(1.0, tail):
            return rho
    return 1


def rho_by_maximum(a, r: int) -> int:
    """The printed rule: the rho in {1..r} that maximizes (11)."""
    return max(range(1, r + 1), key=lambda rho: support_formula(a, r, rho))


def ksupport_sq(a, r: int, rule: Callable = rho_by_condition) -> float:
    """``||a||_(r)^2`` from the closed form with the index chosen by ``rule``."""
    return support_formula(a, r, rule(a, r))


def optimal_groups(a, r: int):
    """An optimal decomposition of the r-support norm: ``a = sum_j v_j``, ``|supp v_j| <= r``,
    ``sum_j ||v_j|| = ||a||_(r)``.

    Head ``i < rho`` in every piece; tail weights ``tau_i = a_i s / T`` (``s = r - rho + 1``, ``T`` the tail
    sum; ``tau`` lies in the hypersimplex by the index condition) split into s-subsets by systematic
    sampling: lay ``tau`` on ``[0, s)``, piece ``j`` holds the tail units hit by ``u + 0..s-1`` for ``u`` in
    its sub-interval of ``[0, 1)``. Returns ``(pieces (J, n), weights (J,))`` with ``sum weights = 1``.
    """
    a = np.sort(np.abs(np.asarray(a, dtype=float)))[::-1]
    n = a.size
    rho = rho_by_condition(a, r)
    s = r - rho + 1
    tail = a[rho - 1:]
    T = tail.sum()
    if T == 0:
        return a[None, :].copy(), np.ones(1)
    tau = tail * s / T
    edges = np.concatenate([[0.0], np.cumsum(tau)])
    cuts = np.unique(np.concatenate([[0.0, 1.0], np.mod(edges, 1.0)]))
    cuts = cuts[(cuts >= 0) & (cuts <= 1)]
    pieces, weights = [], []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if hi - lo <= 1e-15:
            continue
        u = 0.5 * (lo + hi) + np.arange(s)
        hit = np.searchsorted(edges, u, side="right") - 1
        v = np.zeros(n)
        v[:rho - 1] = a[:rho - 1]
        v[rho - 1 + hit[(hit >= 0) & (hit < tail.size)]] = T / s
        pieces.append(v * (hi - lo))
        weights.append(hi - lo)
    return np.array(pieces), np.array(weights)


def replicate_balanced(alpha: np.ndarray, k_hat: int, scale: Callable = lambda l1, k_hat: l1 / k_hat):
    """Theorem 2.5's construction (21)-(22) on block norms ``alpha`` (block form: ``alpha`` in R^k).

    Block i, normalised to unit norm, is repeated ``r_i = floor(alpha_i k_hat / ||alpha||_1)`` times with
    norm ``scale = ||alpha||_1 / k_hat`` plus one remainder of norm ``gamma_i scale``. Returns the list of
    ``(source block, coefficient)`` and the new block count."""
    l1 = float(np.sum(alpha))
    share = alpha / l1 * k_hat
    reps = np.floor(share).astype(int)
    gamma = share - reps
    c = scale(l1, k_hat)
    out = []
    for i, (ri, gi) in enumerate(zip(reps, gamma)):
        out += [(i, c / alpha[i])] * int(ri) + [(i, gi * c / alpha[i])]
    return out, len(out)


# --- Theorem 2.7: candidate minimizers ----------------------------------------------------------------

def candidate_spectrum(m, beta, r: int, rho: int, lam: int, shrink=lambda beta: 1 / (beta + 1),
                       c_of=lambda r, beta, lam, rho: r + beta * lam + (beta + 1) * (1 - rho)) -> np.ndarray:
    """``a_{rho, lam}`` of Theorem 2.7 (no clipping, as stated)."""
    m = np.asarray(m, dtype=float)
    a = np.zeros_like(m)
    if lam <= rho - 1:
        a[:lam] = m[:lam] * shrink(beta)
        return a
    a[:rho - 1] = m[:rho - 1] * shrink(beta)
    S = m[rho - 1:lam].sum()
    a[rho - 1:lam] = m[rho - 1:lam] - beta / c_of(r, beta, lam, rho) * S
    return a


def F_value(Y, A, beta, r: int, norm_sq: Callable = ksupport_sq) -> float:
    """(12): ``||Y - A||_F^2 + beta ||A||_(r)^2``."""
    return float(np.sum((Y - A) ** 2) + beta * norm_sq(np.linalg.svd(A, compute_uv=False), r))


def theorem27_minimizer(Y, beta, r: int, rhos: Callable = lambda r: range(1, r + 1), **formula):
    """The candidate ``A_{rho, lam}`` of least ``F`` over ``rho in rhos(r)``, ``lam in 1..rank-space``."""
    P, m, Qt = np.linalg.svd(Y, full_matrices=False)
    best = None
    for rho in rhos(r):
        for lam in range(1, m.size + 1):
            a = candidate_spectrum(m, beta, r, rho, lam, **formula)
            A = (P * a) @ Qt
            value = F_value(Y, A, beta, r)
            if best is None or value < best[0]:
                best = (value, A, a)
    if best is None:
        raise ValueError(f"empty candidate set (rho range {list(rhos(r))})")
    return best


# --- the factorized objective f of (8), for multi-start minimisation -----------------------------------

def f_value_and_grad(flat, Y, X, r: int, k: int, beta_bar):
    """(8) at width d = k r: ``||Y - U V^T X||^2 + k beta_bar sum_i ||U_i V_i^T X||^2`` and its gradient."""
    a, N = Y.shape
    b = X.shape[0]
    d = k * r
    U = flat[:a * d].reshape(a, d)
    V = flat[a * d:].reshape(b, d)
    W = X.T @ V  # N x d
    R = Y - U @ W.T
    value = float(np.sum(R * R))
    gU = -2 * R @ W
    gW = -2 * R.T @ U
    for j in range(k):
        sl = slice(j * r, (j + 1) * r)
        B = U[:, sl] @ W[:, sl].T
        value += k * beta_bar * float(np.sum(B * B))
        gU[:, sl] += 2 * k * beta_bar * B @ W[:, sl]
        gW[:, sl] += 2 * k * beta_bar * B.T @ U[:, sl]
    return value, np.concatenate([gU.ravel(), (X @ gW).ravel()])


def minimize_f(Y, X, r: int, k: int, beta_bar, rng: np.random.Generator, restarts: int):
    """Best of ``restarts`` L-BFGS runs of (8) at ``d = k r``: (value, U, V)."""
    from theorycheck import optimize

    a, b = Y.shape[0], X.shape[0]
    size = (a + b) * k * r
    scale = np.sqrt(np.linalg.norm(Y) / (k * r)) / max(1.0, np.linalg.norm(X) / np.sqrt(X.shape[1]))
    starts = [scale * rng.standard_normal(size) for _ in range(restarts)]
    with single_thread():
        best = optimize.minimize_restarts(None, starts, gtol=1e-11, max_iter=20000,
                                          value_and_grad=lambda x: f_value_and_grad(x, Y, X, r, k, beta_bar))[0]
    d = k * r
    return best.value, best.x[:a * d].reshape(a, d), best.x[a * d:].reshape(b, d)


@contextmanager
def single_thread():
    """Tiny matrices: one torch thread and one BLAS thread (spinning threads on a loaded 2-core box made
    the multi-start L-BFGS 50x slower when run outside the engine's pinned workers, measured)."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(before)


def swapped_factor(keep_prob):
    """``theta / (1 - theta)`` (the retain/drop swap of mutants); 0 at theta = 1 where it is undefined."""
    if isinstance(keep_prob, (int, float)) and keep_prob == 1:
        return 0.0
    return keep_prob / (1 - keep_prob)


def support_value(a, r: int, rho: int):
    """(11)'s bracket on a sorted vector ``a`` (numpy or torch, differentiable), zero-padded to length r."""
    if not isinstance(rho, (int, np.integer)):
        raise ValueError(f"the index rho must be an integer in 1..r, got {rho!r}")
    if hasattr(a, "detach"):
        import torch

        if a.shape[0] < r:
            a = torch.cat([a, torch.zeros(r - a.shape[0], dtype=a.dtype)])
    elif len(a) < r:
        a = np.concatenate([np.asarray(a, dtype=float), np.zeros(r - len(a))])
    return (a[:rho - 1] ** 2).sum() + a[rho - 1:].sum() ** 2 / (r - rho + 1)


def detached(a) -> np.ndarray:
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a, dtype=float)


def matrix_of(i):
    """The matrix whose norm is taken: ``i.A`` or the product ``U V^T X`` of a factorization."""
    return i.A if "A" in i else i.U @ i.V.T @ i.X


def factor_regularizer(i):
    """(9)'s objective at one factorization: ``(1 - bar theta)/bar theta (d/r) sum_i ||U_i V_i^T X||_F^2``."""
    return i.beta * (i.U.shape[1] // i.r) * dropblock_sum(i.U, i.V, i.X, i.r)


def block_factorization(A, r: int, k_hat: int, scale: Callable = lambda l1, k_hat: l1 / k_hat):
    """A factorization ``U V^T I = A`` (X = I) in blocks of r columns with regularizer within ``1 + J/k_hat``
    of ``||A||_(r)^2``: the optimal group decomposition in A's singular basis, balanced by Theorem 2.5's
    replication (21)-(22). Returns (U, V)."""
    P, a, Qt = np.linalg.svd(A, full_matrices=False)
    pieces, _ = optimal_groups(a, r)
    norms = np.linalg.norm(pieces, axis=1)
    keep = norms > 0
    pieces, norms = pieces[keep], norms[keep]
    plan, count = replicate_balanced(norms, k_hat, scale)
    Us, Vs = [], []
    for j, coef in plan:
        supp = np.flatnonzero(pieces[j])[:r]
        L = np.zeros((A.shape[0], r))
        R = np.zeros((A.shape[1], r))
        L[:, :supp.size] = P[:, supp] * (coef * pieces[j][supp])
        R[:, :supp.size] = Qt[supp].T
        Us.append(L)
        Vs.append(R)
    return np.hstack(Us), np.hstack(Vs)


def sdp_norm_program(m: int, n: int, r: int):
    """``||A||_(r)^2 = min tr S  s.t.  [[S, A^T], [A, Th]] >= 0, Th <= I, tr Th <= r`` (McDonald et al. 2016:
    inf tr(A^T Th^-1 A) over 0 < Th <= I, tr Th <= r), A an ``m x n`` parameter."""
    import cvxpy as cp

    from theorycheck import Program

    A = cp.Parameter((m, n))
    S = cp.Variable((n, n), symmetric=True)
    Th = cp.Variable((m, m), symmetric=True)
    cons = [cp.bmat([[S, A.T], [A, Th]]) >> 0, np.eye(m) - Th >> 0, cp.trace(Th) <= r]
    return Program(cp.Problem(cp.Minimize(cp.trace(S)), cons), {"A": A})


def sdp_prox_program(m: int, n: int, r: int):
    """``min_A ||Y - A||_F^2 + beta ||A||_(r)^2`` through the same variational form (Y, beta parameters)."""
    import cvxpy as cp

    from theorycheck import Program

    Y = cp.Parameter((m, n))
    beta = cp.Parameter(nonneg=True)
    A = cp.Variable((m, n))
    S = cp.Variable((n, n), symmetric=True)
    Th = cp.Variable((m, m), symmetric=True)
    cons = [cp.bmat([[S, A.T], [A, Th]]) >> 0, np.eye(m) - Th >> 0, cp.trace(Th) <= r]
    return Program(cp.Problem(cp.Minimize(cp.sum_squares(Y - A) + beta * cp.trace(S)), cons),
                   {"Y": Y, "beta": beta}, {"A": A})


def biconjugate_program(n: int, r: int):
    """(31): ``sup_{x_1 >= ... >= x_n >= 0} sum a_i x_i - 1/4 sum_{i<=r} x_i^2`` (a parameter)."""
    import cvxpy as cp

    from theorycheck import Program

    a = cp.Parameter(n)
    x = cp.Variable(n)
    cons = [x[:-1] >= x[1:], x[-1] >= 0] if n > 1 else [x >= 0]
    return Program(cp.Problem(cp.Maximize(a @ x - cp.sum_squares(x[:min(r, n)]) / 4), cons), {"a": a})
