"""Instance spaces of `adversarial`: leaky-ReLU nets with a fixed top layer, points and budgets."""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Space

SEED = "000_f4de404d0cfe4539.txt"


def _net(d: Draw) -> dict:
    """A net (a, W), a point (x, y), a budget nu and a point delta of Delta(x); a_r = +-kappa unless 'unequal |a_r|'."""
    regime = d.regime
    dim = 1 if regime == "d=1" else d.choice((2, 5))
    m = 1 if regime == "m=1" else d.choice((3, 20))
    alpha = {"alpha=1": 1.0, "alpha small": 0.02}.get(regime, d.uniform(0.05, 1.0))
    kappa = d.log_uniform(0.2, 3.0)
    signs = np.where(d.normal(m) >= 0, 1.0, -1.0)
    a = kappa * signs
    if regime == "unequal |a_r|":
        a = a * np.array([d.uniform(0.0, 1.0) for _ in range(m)])
    W = d.normal(m, dim) * d.log_uniform(0.1, 3.0)
    if regime == "aligned rows":  # the gradient bound's equality case: w_r = sgn(a_r) c v, all active
        v = d.normal(dim)
        v /= max(np.linalg.norm(v), 1e-300)
        W = np.outer(signs, v) * d.log_uniform(0.1, 3.0)
    x = d.normal(dim) * d.log_uniform(0.2, 3.0)
    nu = d.log_uniform(0.05, 2.0)
    u = d.normal(dim)
    delta = x + nu * d.uniform(0.0, 1.0) * u / max(np.linalg.norm(u), 1e-300)
    return {"d": dim, "m": m, "alpha": alpha, "kappa": kappa, "a": a, "W": W, "x": x, "y": d.choice((-1.0, 1.0)),
            "nu": nu, "delta": delta, "c": d.log_uniform(0.1, 10.0)}


nets = Space(_net, regimes=("typical", "alpha=1", "alpha small", "m=1", "d=1", "aligned rows", "unequal |a_r|"),
             description="d in {1, 2, 5}, m in {1, 3, 20}, alpha in (0, 1], a_r = +-kappa (kappa in [0.2, 3]), "
                         "Gaussian W x U-log(0.1, 3), delta in Delta(x), c in [0.1, 10]")
