"""A two-layer network ``x -> scale * sum_r a_r sigma(<w_r, x>)`` with dropout on the hidden units,
batched over leading dimensions (independent runs, instances), in torch.

Shared by the packs whose sources study two-layer nets: `convergence` (seed 001, ReLU, scale
1/sqrt(m), top layer fixed at +-1), `capacity` (seed 000 Ch. 4, ReLU, dropout rescaled by 1/p),
`adversarial` (seed 000 Ch. 6, leaky ReLU with slope alpha, top layer fixed). Each pack states its
own convention (scale, keep vs drop probability) in its module docstring and passes it here.
"""
from __future__ import annotations

from typing import Any


def leaky_relu(z: Any, alpha: float = 0.0) -> Any:
    """``max(z, alpha z)`` for ``0 <= alpha <= 1``; ``alpha = 0`` is the ReLU, ``alpha = 1`` linear."""
    import torch

    return torch.where(z >= 0, z, alpha * z)


def hidden(W: Any, X: Any, alpha: float = 0.0) -> Any:
    """Hidden activations ``sigma(X W^T)``: ``W`` is ``(..., m, d)``, ``X`` is ``(..., n, d)`` -> ``(..., n, m)``."""
    return leaky_relu(X @ W.transpose(-1, -2), alpha)


def output(W: Any, a: Any, X: Any, *, alpha: float = 0.0, scale: float = 1.0, mask: Any = None,
           keep_prob: float = 1.0) -> Any:
    """Network output ``(..., n)``; ``mask`` ``(..., n, m)`` or ``(..., m)`` of 0/1 entries keeps a
    hidden unit with probability ``keep_prob`` and the kept units are rescaled by ``1/keep_prob``
    (inverted dropout, so the expected output is the full network's)."""
    H = hidden(W, X, alpha)
    if mask is not None:
        H = H * mask / keep_prob
    return scale * (H @ a.unsqueeze(-1)).squeeze(-1)
