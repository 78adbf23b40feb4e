"""Instance spaces shared by the `bias` claims, with the edge regimes of their hypotheses."""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Space

DATA_LAWS = ("gaussian", "rademacher", "uniform")  # all with E[xx'] = I (003 §1: isotropic data)


def _network(d: Draw) -> dict:
    """M (d2 x d0), U (d2 x r), V (d0 x r) and a retain probability theta."""
    if d.regime == "r>=d":
        d0, d2 = d.integer(1, 3), d.integer(1, 3)
        r = d.integer(max(d0, d2), 6)
    else:
        d0, d2, r = d.integer(1, 6), d.integer(1, 6), d.integer(1, 6)
    theta = {"theta->0": lambda: d.uniform(0.05, 0.1), "theta=1": lambda: 1.0}.get(
        d.regime, lambda: d.uniform(0.05, 0.95))()
    U = d.normal(d2, r) * d.exponential(1, r)  # unequal column scales
    V = d.normal(d0, r) * d.exponential(1, r)
    if d.regime == "dead unit":
        U[:, 0] = 0.0
    return {"d0": d0, "d2": d2, "r": r, "M": d.normal(d2, d0), "U": U, "V": V, "theta": theta,
            "law": d.choice(DATA_LAWS)}


networks = Space(_network, regimes=("typical", "r>=d", "theta->0", "theta=1", "dead unit"),
                 description="two-layer linear nets, d0, d2, r <= 6, Exp(1) column scales")


def _target(d: Draw) -> dict:
    """M (d2 x d0) and (r, lam) for the dropout problem (6)."""
    regime = d.regime
    d0, d2 = d.integer(2, 6), d.integer(2, 6)
    r = d.integer(min(d0, d2), 6) if regime == "r>=d" else d.integer(1, 5)
    lam = d.choice((0.1, 0.5, 1.0, 3.0))
    M = d.normal(d2, d0)
    if regime == "large lam (rho<r)":
        lam = d.uniform(3.0, 30.0)
    if regime == "rank-deficient M":
        W, s, Yt = np.linalg.svd(M, full_matrices=False)
        s[max(1, s.size // 2):] = 0.0
        M = (W * s) @ Yt
    if regime == "r < rank(M), sigma_{r+1} > alpha":
        # the corner where S_alpha(M) has rank > r: flat spectrum in [1, 2], small lam, so
        # alpha <= lam max(sigma) / (1 + lam) < 1 <= sigma_{r+1} and rho = r
        r = d.integer(1, min(d0, d2) - 1)
        lam = d.uniform(0.05, 0.2)
        W, _, Yt = np.linalg.svd(M, full_matrices=False)
        M = (W * np.sort([d.uniform(1.0, 2.0) for _ in range(min(d0, d2))])[::-1]) @ Yt
    if regime == "tied singular values":
        W, s, Yt = np.linalg.svd(M, full_matrices=False)
        s[:] = s[0]
        M = (W * s) @ Yt
    return {"d0": d0, "d2": d2, "r": r, "lam": lam, "M": M}


targets = Space(_target, regimes=("typical", "r>=d", "large lam (rho<r)", "rank-deficient M",
                                  "tied singular values", "r < rank(M), sigma_{r+1} > alpha"),
                description="Gaussian M, d0, d2 in [2, 6], r in [1, 6], lam in {0.1, 0.5, 1, 3} or large")
