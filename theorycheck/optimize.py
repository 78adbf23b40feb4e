"""Non-convex ground truth: multi-start minimisation and critical-point search with Hessians.

Written once here for every claim that names an optimum of a non-convex objective (factorised
problems) or describes a landscape (local minima, strict saddles). Objectives are torch functions of
one float64 tensor; gradients and Hessians come from autograd, so they are exact up to rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import least_squares, minimize

TorchObjective = Callable[["object"], "object"]  # tensor of `shape` -> scalar tensor


def _as_numpy_fn(f: TorchObjective, shape: tuple[int, ...]):
    import torch

    def value_and_grad(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = torch.tensor(flat.reshape(shape), dtype=torch.float64, requires_grad=True)
        value = f(x)
        (grad,) = torch.autograd.grad(value, x)
        return float(value.detach()), grad.numpy().ravel().astype(float)

    return value_and_grad


def gradient(f: TorchObjective, x: np.ndarray) -> np.ndarray:
    return _as_numpy_fn(f, x.shape)(x.ravel())[1].reshape(x.shape)


def hessian(f: TorchObjective, x: np.ndarray) -> np.ndarray:
    """The exact (autograd) Hessian of ``f`` at ``x`` as an ``(n, n)`` matrix, n = x.size."""
    import torch

    t = torch.tensor(x, dtype=torch.float64)
    H = torch.autograd.functional.hessian(lambda z: f(z.reshape(x.shape)), t.reshape(-1))
    return H.numpy()


@dataclass(frozen=True)
class Minimum:
    x: np.ndarray
    value: float
    grad_norm: float


def minimize_restarts(f: TorchObjective | None, starts: Sequence[np.ndarray], gtol: float = 1e-10,
                      max_iter: int = 5000,
                      value_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None) -> list[Minimum]:
    """L-BFGS from every start; returns the limit points sorted by value (best first).

    ``f`` is differentiated by autograd; for small problems a hand-written numpy
    ``value_and_grad(x) -> (value, gradient)`` (same shape as the starts) is about ten times faster.
    """
    results = []
    for x0 in starts:
        if value_and_grad is None:
            fg = _as_numpy_fn(f, x0.shape)
        else:
            def fg(flat, shape=x0.shape):
                value, grad = value_and_grad(flat.reshape(shape))
                return float(value), np.asarray(grad, dtype=float).ravel()
        res = minimize(fg, x0.ravel(), jac=True, method="L-BFGS-B",
                       options={"gtol": gtol, "ftol": 1e-15, "maxiter": max_iter, "maxcor": 30})
        g = fg(res.x)[1]
        results.append(Minimum(res.x.reshape(x0.shape), float(res.fun), float(np.max(np.abs(g)))))
    return sorted(results, key=lambda m: m.value)


@dataclass(frozen=True)
class CriticalPoint:
    x: np.ndarray
    value: float
    grad_norm: float
    min_eig: float  # smallest Hessian eigenvalue
    hessian_norm: float


def critical_points(f: TorchObjective, starts: Sequence[np.ndarray], grad_tol: float = 1e-9) -> list[CriticalPoint]:
    """Roots of the gradient found by Levenberg-Marquardt from each start (Jacobian = Hessian).

    Only points with ``max |grad| <= grad_tol`` are returned, each with its Hessian spectrum, so
    saddles and maxima are found as well as minima.
    """
    found = []
    for x0 in starts:
        shape = x0.shape
        fg = _as_numpy_fn(f, shape)
        res = least_squares(lambda z: fg(z)[1], x0.ravel(), jac=lambda z: hessian(f, z.reshape(shape)),
                            method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=2000)
        value, g = fg(res.x)
        if np.max(np.abs(g)) > grad_tol:
            continue
        eigs = np.linalg.eigvalsh(hessian(f, res.x.reshape(shape)))
        found.append(CriticalPoint(res.x.reshape(shape), value, float(np.max(np.abs(g))), float(eigs[0]),
                                   float(np.max(np.abs(eigs)))))
    return found
