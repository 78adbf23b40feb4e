"""Shared mathematics of `nuclear`: thesis (000_f4de404d0cfe4539.txt) Chapter 3, l. 4497-7291.

Conventions of this source (stated once here; they differ from `explicit-implicit`):

* ``Ws = [W_1, ..., W_{k+1}]`` with ``W_i`` of shape ``d_i x d_{i-1}``; ``W_{i->j} = W_i ... W_j``
  (1-indexed, ``i >= j``); the network map is ``M = W_{k+1->1}`` (``d_{k+1} x d_0``).
* ``theta`` is the RETAIN probability; masks ``b_l ~ Ber(theta)^{d_l}`` act on the k hidden layers only
  (not input, not output) with inverted scaling ``theta^{-k}``:
  ``bar W = theta^{-k} W_{k+1} B_k W_k ... B_1 W_1``; ``lam = (1 - theta) / theta``.
* ``C = E[xx']`` is positive definite and enters only through ``S = C^{1/2}`` (symmetric root):
  ``||v||_C = ||S v||``, ``R = E_b ||(M - bar W) S||_F^2``. Code takes ``S`` (any square matrix works
  for the identities of Proposition 8, which lets the symbolic checks use a generic ``S``).
* Proposition 8's convention: ``R = sum_l lam^l R_l``, the sub-regularizer ``R_l`` WITHOUT ``lam^l``;
  pivot sets are strictly increasing ``j_1 < ... < j_l`` in ``[k]``.
* ``nu = sum_l sum_J lam^l / prod_p d_{j_p}`` (Definition 4), ``= prod_i (1 + lam/d_i) - 1``.

Functions run on numpy arrays, torch tensors (autograd) and, where noted, numpy object arrays of
sympy symbols.
"""
from __future__ import annotations

from contextlib import contextmanager
from itertools import combinations, product
from math import prod
from typing import Any, Sequence

import numpy as np

from theorycheck import bernoulli_masks, ops


def reg_parameter(keep_prob):
    """lam = (1 - theta) / theta (Proposition 8)."""
    return (1 - keep_prob) / keep_prob


def hidden_widths(Ws: Sequence[Any]) -> list[int]:
    return [int(W.shape[0]) for W in Ws[:-1]]


def chain(Ws: Sequence[Any], i: int, j: int) -> Any:
    """``W_{i->j} = W_i W_{i-1} ... W_j`` (1-indexed; the empty product i = j - 1 is the identity)."""
    if i < j:
        return _eye_like(Ws[j - 1].T @ Ws[j - 1])
    P = Ws[j - 1]
    for t in range(j, i):
        P = Ws[t] @ P
    return P


def network_map(Ws: Sequence[Any]) -> Any:
    return chain(Ws, len(Ws), 1)


def row_sq_norms(A: Any) -> Any:
    return (A * A).sum(1)


def pivot_sets(k: int, l: int) -> list[tuple[int, ...]]:
    """``([k] choose l)``: strictly increasing pivot tuples ``(j_1 < ... < j_l)``."""
    return list(combinations(range(1, k + 1), l))


def path_factors(Ws, S, pivots):
    """alpha^2 (d_{j_1}), the beta matrices W_{j_{p+1}->j_p+1} and gamma^2 (d_{j_l}) of Proposition 8."""
    k = len(Ws) - 1
    alpha2 = row_sq_norms(chain(Ws, pivots[0], 1) @ S)
    betas = [chain(Ws, pivots[p + 1], pivots[p] + 1) for p in range(len(pivots) - 1)]
    gamma2 = ops.column_sq_norms(chain(Ws, k + 1, pivots[-1] + 1))
    return alpha2, betas, gamma2


def pivot_regularizer(Ws, S, pivots) -> Any:
    """``R_J = sum_{i_l..i_1} alpha^2 prod beta^2 gamma^2`` as ``gamma2' B_{l-1} ... B_1 alpha2``.

    The sum over node tuples factorises along the chain of pivots (entrywise-squared betas), so this
    is the Proposition-8 sum reorganised, O(k d^3) instead of O(d^l); used wherever R is optimised.
    """
    alpha2, betas, gamma2 = path_factors(Ws, S, pivots)
    v = alpha2
    for B in betas:
        v = (B * B) @ v
    return (gamma2 * v).sum()


def sub_regularizer(Ws, S, l: int) -> Any:
    """``R_l = sum_{J in ([k] choose l)} R_J`` (no lam^l)."""
    return sum(pivot_regularizer(Ws, S, J) for J in pivot_sets(len(Ws) - 1, l))


def explicit_regularizer(Ws, S, lam) -> Any:
    """Proposition 8: ``R = sum_l lam^l R_l``."""
    k = len(Ws) - 1
    return sum(lam**l * sub_regularizer(Ws, S, l) for l in range(1, k + 1))


def rescaled(i, product_of_scalars=1.0) -> list:
    """{alpha_i W_i}: the instance's scalars (random signs) normalised so that prod alpha_i = product."""
    alphas = i.alphas * (product_of_scalars / abs(np.prod(i.alphas))) ** (1.0 / len(i.alphas))
    alphas[-1] *= product_of_scalars / np.prod(alphas)
    return [a * W for a, W in zip(alphas, i.Ws)]


def dropped_map(Ws, masks: Sequence[Any], keep_prob) -> Any:
    """``bar W_{k+1->1} = theta^{-k} W_{k+1} B_k W_k ... B_1 W_1`` for one mask per hidden layer."""
    P = Ws[0]
    for W, b in zip(Ws[1:], masks):
        P = W @ (P * np.asarray(b)[:, None])
    return P / keep_prob ** len(masks)


def split_masks(flat: np.ndarray, widths: Sequence[int]) -> list[np.ndarray]:
    return np.split(flat, np.cumsum(widths)[:-1])


def regularizer_by_masks(Ws, S, keep_prob) -> Any:
    """``R = E_b ||(M - bar W) S||_F^2`` by exact enumeration of all ``2^(d_1+...+d_k)`` masks.

    With ``E xx' = C = S S'``, ``E_x ||A x||^2 = ||A S||_F^2``, so this is the definition of R exactly.
    Works on floats and on object arrays of sympy symbols (then ``keep_prob`` may be a symbol).
    """
    widths = hidden_widths(Ws)
    M = network_map(Ws)
    masks, weights = bernoulli_masks(sum(widths), keep_prob)
    total = 0
    for flat, w in zip(masks, weights):
        total = total + w * ops.sum_squares((M - dropped_map(Ws, split_masks(flat, widths), keep_prob)) @ S)
    return total


def batched_dropped_maps(Ws, masks: Sequence[Any], keep_prob):
    """``bar W`` for a batch of masks: ``masks[l]`` is ``(n, d_l)``; returns ``(n, d_{k+1}, d_0)``."""
    P = Ws[0][None] * masks[0][:, :, None]
    for W, b in zip(Ws[1:-1], masks[1:]):
        P = (W @ P) * b[:, :, None]
    return (Ws[-1] @ P) / keep_prob ** len(masks)


def _diagonal(G):
    return G.diagonal()


def regularizer_by_recursion(Ws, C, lam) -> Any:
    """R via ``G_1 = W_1 C W_1'``, ``G_{i+1} = W_{i+1}(G_i + lam Diag G_i)W_{i+1}'`` (derived, not printed).

    ``E[bar W C bar W'] = G_{k+1}`` because ``E[b b'] / theta^2 = 11' + lam I``; expanding,
    ``R = lam sum_i sum_j (G_i)_jj ||W_{k+1->i+1}(:, j)||^2``, computed without cancellation.
    Used (torch) as the exact objective wherever the dropout objective is optimised.
    """
    k = len(Ws) - 1
    G = Ws[0] @ C @ Ws[0].T
    total = 0
    for i in range(1, k + 1):
        g = _diagonal(G)
        total = total + lam * (g * ops.column_sq_norms(chain(Ws, k + 1, i + 1))).sum()
        if i < k:
            D = (G * _eye_like(G))
            G = Ws[i] @ (G + lam * D) @ Ws[i].T
    return total


def _eye_like(G):
    if hasattr(G, "detach"):
        import torch

        return torch.eye(G.shape[0], dtype=G.dtype, device=G.device)
    return np.eye(G.shape[0], dtype=G.dtype)


def nu_by_definition(widths: Sequence[Any], lam) -> Any:
    """Definition 4: ``nu = sum_l sum_{J in ([k] choose l)} lam^l / prod_{p} d_{j_p}``."""
    k = len(widths)
    return sum(lam**l / prod(widths[j - 1] for j in J) for l in range(1, k + 1) for J in pivot_sets(k, l))


def nu_closed_form(widths: Sequence[Any], lam) -> Any:
    """``prod_i (1 + lam / d_i) - 1`` (derived; Definition 4's sum is this product expanded)."""
    return prod(1 + lam / d for d in widths) - 1


def nuclear(A) -> Any:
    return ops.nuclear_norm(A)


def lower_bound(Ws, S, lam) -> Any:
    """Lemma 7's bound ``nu ||W_{k+1->1} C^{1/2}||_*^2``."""
    return nu_closed_form(hidden_widths(Ws), lam) * nuclear(network_map(Ws) @ S) ** 2


def sub_lower_bound(Ws, S, l: int) -> Any:
    """(3.14): ``LB_l = sum_J ||M C^{1/2}||_*^2 / prod_p d_{j_p}``."""
    widths = hidden_widths(Ws)
    n2 = nuclear(network_map(Ws) @ S) ** 2
    return sum(n2 / prod(widths[j - 1] for j in J) for J in pivot_sets(len(widths), l))


def equalization_gaps(Ws, S) -> np.ndarray:
    """``r_l = R_l / LB_l - 1`` for l = 1..k (0 for an equalized network, Lemma 7)."""
    k = len(Ws) - 1
    return np.array([float(sub_regularizer(Ws, S, l) / sub_lower_bound(Ws, S, l)) - 1 for l in range(1, k + 1)])


def equalization_defect(Ws, S, denominator=prod) -> float:
    """Definition 5 as a predicate value: max over every summand of | |alpha beta..gamma| prod d / ||MS||_* - 1 |."""
    k = len(Ws) - 1
    widths = hidden_widths(Ws)
    target = float(nuclear(network_map(Ws) @ S))
    worst = 0.0
    for l in range(1, k + 1):
        for J in pivot_sets(k, l):
            alpha2, betas, gamma2 = path_factors(Ws, S, J)
            for idx in product(*(range(widths[j - 1]) for j in J)):
                term = alpha2[idx[0]] * gamma2[idx[-1]]
                for p, B in enumerate(betas):
                    term = term * B[idx[p + 1], idx[p]] ** 2
                scaled = np.sqrt(float(term)) * denominator([widths[j - 1] for j in J])
                worst = max(worst, abs(scaled / target - 1))
    return worst


def rank_one_network(u: np.ndarray, v: np.ndarray, widths: Sequence[int]) -> list[np.ndarray]:
    """Proposition 1: ``W_1 = 1 v'/sqrt d_1``, ``W_{k+1} = u 1'/sqrt d_k``, ``W_i = 11'/sqrt(d_i d_{i-1})``."""
    k = len(widths)
    Ws = [np.ones((widths[0], 1)) @ v[None, :] / np.sqrt(widths[0])]
    for i in range(1, k):
        Ws.append(np.ones((widths[i], widths[i - 1])) / np.sqrt(widths[i] * widths[i - 1]))
    Ws.append(u[:, None] @ np.ones((1, widths[-1])) / np.sqrt(widths[-1]))
    return Ws


def psd_sqrt(C: np.ndarray, power: float = 0.5) -> np.ndarray:
    w, V = np.linalg.eigh(C)
    return (V * w**power) @ V.T


def shrink(A: np.ndarray, alpha: float, rank: int | None = None) -> np.ndarray:
    """``S_alpha(A)``: singular values shrunk by alpha and thresholded at 0 (top ``rank`` kept)."""
    W, s, Yt = np.linalg.svd(A, full_matrices=False)
    x = np.maximum(s - alpha, 0.0)
    if rank is not None:
        x[rank:] = 0.0
    return (W * x) @ Yt


def unpack(flat, shapes: Sequence[tuple[int, int]]) -> list:
    """Weights from one flat vector (numpy or torch), for optimisers and bound searches."""
    out, start = [], 0
    for r, c in shapes:
        out.append(flat[start:start + r * c].reshape(r, c))
        start += r * c
    return out


def layer_shapes(dims: Sequence[int]) -> list[tuple[int, int]]:
    """``dims = [d_0, d_1, ..., d_{k+1}]`` -> shapes of W_1..W_{k+1}."""
    return [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]


@contextmanager
def single_thread():
    """Run torch on one intra-op thread: the matrices here are tiny, and on a loaded machine two
    spinning threads made a training step 100x slower (0.18 s vs 1.9 ms measured)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def induced_regularizer_by_search(M, C, lam, dims: Sequence[int], rng: np.random.Generator, restarts: int,
                                  gtol: float = 1e-10) -> float:
    """Theta(M) = inf_{W_{k+1}...W_1 = M} R (3.2), by multi-start L-BFGS over exact implementations.

    Free variables are W_1..W_k and Z; with A = W_{k->1} of full column rank (needs d_0 <= every
    width), ``W_{k+1} = M A^+ + Z (I - A A^+)`` implements M exactly, so every value is an upper
    bound on Theta(M) attained by a feasible network.
    """
    import torch

    from theorycheck import optimize

    shapes = layer_shapes(dims)[:-1] + [(dims[-1], dims[-2])]
    Mt, Ct = torch.as_tensor(M, dtype=torch.float64), torch.as_tensor(C, dtype=torch.float64)

    def objective(flat):
        Ws = unpack(flat, shapes)
        A = chain(Ws[:-1], len(Ws) - 1, 1)
        A_pinv = torch.linalg.solve(A.T @ A, A.T)
        top = Mt @ A_pinv + Ws[-1] @ (torch.eye(A.shape[0], dtype=A.dtype) - A @ A_pinv)
        return regularizer_by_recursion(Ws[:-1] + [top], Ct, lam)

    size = sum(r * c for r, c in shapes)
    values = []
    for _ in range(restarts):
        try:
            with single_thread():
                values.append(optimize.minimize_restarts(objective, [rng.standard_normal(size)], gtol=gtol)[0].value)
        except RuntimeError:  # a start whose A lost rank (the parametrisation's only singularity)
            continue
    if not values:
        raise RuntimeError("every restart hit a rank-deficient W_{k->1}")
    return min(values)


def conjugate_by_search(Y, C, lam, dims: Sequence[int], rng: np.random.Generator, restarts: int) -> float:
    """Theta^*(Y) = sup_{W} <Y, W_{k+1->1}> - R(W) by multi-start L-BFGS (a lower estimate of the sup)."""
    import torch

    from theorycheck import optimize

    shapes = layer_shapes(dims)
    Yt, Ct = torch.as_tensor(Y, dtype=torch.float64), torch.as_tensor(C, dtype=torch.float64)

    def negative_phi(flat):
        Ws = unpack(flat, shapes)
        return regularizer_by_recursion(Ws, Ct, lam) - (Yt * network_map(Ws)).sum()

    size = sum(r * c for r, c in shapes)
    starts = [0.5 * rng.standard_normal(size) for _ in range(restarts)]
    with single_thread():
        return -optimize.minimize_restarts(negative_phi, starts, gtol=1e-9, max_iter=1500)[0].value
