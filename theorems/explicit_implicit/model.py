"""Shared mathematics of `explicit-implicit` (seed 004 = Wei, Kakade, Ma, ICML 2020).

Conventions of this source (they differ from `bias` and `nuclear`):

* ``q`` is the DROP probability (retain probability ``1 - q``). Node dropout multiplies a layer by
  ``1 + eta`` with i.i.d. ``eta_k = -1`` w.p. ``q`` and ``eta_k = q / (1 - q)`` w.p. ``1 - q``
  (inverted dropout: kept units are scaled by ``1 / (1 - q)``). The seed prints ``q / (q - 1)``
  (l. 67, 160, A.2-A.3, footnote 5, Alg. 4): a sign typo, see `explicit-implicit/aux-noise`.
  In the parametrisation of `bias` (retain probability theta = 1 - q),
  ``lam = (1 - theta) / theta = q / (1 - q) = Var(eta_k)``.
* The explicit regularizer is the exact gap ``R_drop(F, x) = E_eta l(F(x, eta)) - l(F(x))``; its
  second-order Taylor term carries the factor ``1/2`` that (4.1)-(4.2) omit, i.e.
  ``R_drop ~ 1/2 q/(1-q) <D^2_h (l o F_i), diag(h^2)>``; ``R_approx`` (4.3)-(4.4) drops that constant
  on purpose and keeps only the PSD part ``J' H_out J``.
* Losses are per example (no 1/n); ``l_ce(v, y) = -log softmax(v)_y``, squared loss is
  ``1/2 ||v - t||^2`` (so its Hessian is the identity).
* ``D l`` of a scalar is a row vector; here it is returned as a flat array.
"""
from __future__ import annotations

import numpy as np
import torch

from theorycheck import bernoulli_masks


def dropout_noise_by_masks(width: int, drop_prob):
    """All 2^width noise vectors eta (rows) and their probabilities, exactly.

    A unit is kept (mask bit 1) with probability 1 - q and then eta_k = 1/(1-q) - 1 = q/(1-q); a
    dropped unit has eta_k = -1.
    """
    masks, weights = bernoulli_masks(width, 1 - drop_prob)
    eta = masks / (1 - drop_prob) - 1 if not _symbolic(drop_prob) else np.array(
        [[b / (1 - drop_prob) - 1 for b in row] for row in masks], dtype=object)
    return eta, np.array(weights, dtype=object if _symbolic(drop_prob) else float)


def _symbolic(x) -> bool:
    return type(x).__module__.startswith("sympy")


def sample_noise(sampler, drop_prob: float, *shape: int):
    """Batched draws of eta (torch) from the sampler."""
    return sampler.bernoulli(1 - drop_prob, *shape) / (1 - drop_prob) - 1


# --- cross-entropy (App. E) ---------------------------------------------------------------

def softmax(v):
    if isinstance(v, torch.Tensor):
        return torch.softmax(v, -1)
    z = np.exp(v - np.max(v, axis=-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def ce_loss(v, y):
    """l_ce_y(v) = -log softmax(v)_y (batched over leading axes)."""
    if isinstance(v, torch.Tensor):
        return torch.logsumexp(v, -1) - v[..., y]
    m = np.max(v, axis=-1, keepdims=True)
    return (m[..., 0] + np.log(np.exp(v - m).sum(-1))) - v[..., y]


def ce_gradient(v, y):
    """(E.2): D l_ce_y[v] = p - e_y."""
    g = softmax(v).copy() if not isinstance(v, torch.Tensor) else softmax(v).clone()
    g[..., y] -= 1.0
    return g


def ce_hessian(v):
    """(E.4): D^2 l_ce[v] = diag(p) - p p' (independent of y)."""
    p = softmax(v)
    return np.diag(p) - np.outer(p, p)


def squared_loss(v, t):
    """1/2 ||v - t||^2 (batched)."""
    d = v - t
    return 0.5 * (d * d).sum(-1)


# --- two-layer net F(x, eta) = W2 ((1 + eta) * tanh(W1 x)) + b, dropout on the hidden layer --

def hidden(i):
    """h = tanh(W1 x), or the given hidden layer ``i.h`` (linear nets)."""
    return i.h if "h" in i else np.tanh(i.W1 @ i.x)


def outputs_under_noise(i, eta):
    """F(x, eta) for a batch of noise rows eta (numpy)."""
    h = hidden(i)
    return ((1 + eta) * h) @ i.W2.T + i.b


def loss_of_outputs(i, out):
    return ce_loss(out, i.y) if i.loss == "ce" else squared_loss(out, i.t)


def output_hessian(i, out):
    """H_out = D^2_F l[F(x)]."""
    return ce_hessian(out) if i.loss == "ce" else np.eye(out.shape[-1])


def exact_dropout_gap(i):
    """R_drop(F, x) = E_eta l(F(x, eta)) - l(F(x)) by exact enumeration of the 2^m masks."""
    eta, w = dropout_noise_by_masks(i.W1.shape[0], i.q)
    losses = loss_of_outputs(i, outputs_under_noise(i, eta))
    clean = loss_of_outputs(i, outputs_under_noise(i, np.zeros((1, i.W1.shape[0]))))[0]
    return float(w @ (losses - clean))


def hidden_hessian_two_layer(i):
    """D^2_h (l o F_1)[h] = W2' H_out W2 (F_1 affine, so M = 0 in (A.1))."""
    if i.loss == "squared":
        return i.W2.T @ i.W2
    out = outputs_under_noise(i, np.zeros((1, len(hidden(i)))))[0]
    return i.W2.T @ output_hessian(i, out) @ i.W2


def second_order_term(i, coefficient):
    """coefficient * <D^2_h (l o F_1), diag(h^2)> for the two-layer net."""
    h = hidden(i)
    return coefficient * float(np.diag(hidden_hessian_two_layer(i)) @ (h * h))


# --- autograd helpers ---------------------------------------------------------------------

def t64(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=float), dtype=torch.float64)


def jacobian(f, x: np.ndarray) -> np.ndarray:
    return torch.autograd.functional.jacobian(f, t64(x)).numpy()


def hessian(f, x: np.ndarray) -> np.ndarray:
    return torch.autograd.functional.hessian(f, t64(x)).numpy()


# --- three-layer net: h1 = tanh(W1 x), h2 = tanh(W2 h1'), F = W3 h2' -------------------------

def three_layer_downstream(i):
    """F_1: h1 -> F (clean downstream of layer 1), as a torch function."""
    W2, W3 = t64(i.W2), t64(i.W3)
    return lambda h1: W3 @ torch.tanh(W2 @ h1)


def three_layer_loss(i, eta1: torch.Tensor, eta2: torch.Tensor) -> torch.Tensor:
    """l(F(x, eta)) with independent noise on both hidden layers (batched over rows of eta)."""
    h1 = torch.tanh(t64(i.W1) @ t64(i.x))
    h1d = (1 + eta1) * h1
    h2d = (1 + eta2) * torch.tanh(h1d @ t64(i.W2).T)
    return ce_loss(h2d @ t64(i.W3).T, i.y)
