"""Array helpers that work on numpy arrays, torch tensors and numpy object arrays of sympy symbols.

Claimed formulas are written once with these and then run under every check kind: on floats
(numeric, convex), on tensors with autograd (bound search, Monte Carlo) and on symbols (symbolic).
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _is_torch(x: Any) -> bool:
    return hasattr(x, "detach")


def sum_squares(a: Any) -> Any:
    """``||a||_F^2``."""
    return (a * a).sum()


def column_sq_norms(a: Any) -> Any:
    """``[||a_{:,i}||^2]_i`` for a matrix ``a``."""
    return (a * a).sum(0) if _is_torch(a) else (a * a).sum(axis=0)


def transpose(a: Any) -> Any:
    return a.T


def singular_values(a: Any) -> Any:
    if _is_torch(a):
        import torch

        return torch.linalg.svdvals(a)
    return np.linalg.svd(np.asarray(a, dtype=float), compute_uv=False)


def nuclear_norm(a: Any) -> Any:
    return singular_values(a).sum()


def sqrt(x: Any) -> Any:
    if _is_torch(x):
        import torch

        return torch.sqrt(x)
    if isinstance(x, np.ndarray) and x.dtype == object or type(x).__module__.startswith("sympy"):
        import sympy as sp

        return np.vectorize(sp.sqrt, otypes=[object])(x) if isinstance(x, np.ndarray) else sp.sqrt(x)
    return np.sqrt(x)


def symbol_matrix(name: str, rows: int, cols: int, **assumptions: Any) -> np.ndarray:
    """A numpy object array of sympy symbols ``name_ij`` (real by default)."""
    import sympy as sp

    assumptions.setdefault("real", True)
    return np.array([[sp.Symbol(f"{name}_{i}{j}", **assumptions) for j in range(cols)]
                     for i in range(rows)], dtype=object).reshape(rows, cols)
