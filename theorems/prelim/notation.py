"""Shared notation of `prelim` (thesis §1.1, l. 330-353; notation table l. 13900-14001).

Conventions of this source: ``||X||_{p,q}`` is the l_q norm of the vector of COLUMN l_p norms
(so ``||W'||_{2,1}`` sums the row norms of W); ``p*`` is the dual exponent, 1/p + 1/p* = 1 with
1* = inf and inf* = 1; Chapter 1's dropout masks are NOT rescaled by 1/theta (``theta`` is the retain
probability), unlike Chapter 2 (source `bias`); Rademacher complexities carry the 1/n inside.
"""
from __future__ import annotations

import numpy as np


# Clarabel's engine default (1e-10) ends power-cone solves (p in {1.5, 3}) 'optimal_inaccurate' when the
# optimiser has exact zeros; 1e-9 reaches 'optimal' on every such instance tried (368 + 600 solves)
POWER_CONE_OPTS = {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9, "max_iter": 500}


def dual_exponent(p: float) -> float:
    """p* with 1/p + 1/p* = 1."""
    if p == 1:
        return np.inf
    if np.isinf(p):
        return 1.0
    return p / (p - 1)


def pq_norm(X, p: float, q: float):
    """||X||_{p,q}: the l_q norm of the column l_p norms (numpy or torch)."""
    if hasattr(X, "detach"):
        import torch

        return torch.linalg.vector_norm(torch.linalg.vector_norm(X, ord=p, dim=0), ord=q)
    return np.linalg.norm(np.linalg.norm(X, ord=p, axis=0), ord=q)


def spectral_norm(X):
    if hasattr(X, "detach"):
        import torch

        return torch.linalg.matrix_norm(X, ord=2)
    return np.linalg.norm(X, 2)


def frobenius_norm(X):
    if hasattr(X, "detach"):
        import torch

        return torch.linalg.matrix_norm(X)
    return np.linalg.norm(X)
