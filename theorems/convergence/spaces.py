"""Instance spaces of `convergence`, with the edges the seed stresses: any retain probability
(``q`` tiny, ``q = 1``), width 1, ``d = 1``, ``x`` on the sphere, all units active, the sharp
configurations where a bound is attained."""
from __future__ import annotations

import numpy as np

from theorycheck import Space


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def margin_points(d, n: int, dim: int, rho: float, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``D_rho`` (see ``model.margin_data``) drawn with the instance's Draw."""
    y = np.array([d.choice((-1.0, 1.0)) for _ in range(n)])
    t = np.array([d.uniform(rho, 1.0) for _ in range(n)])
    u = d.normal(n, dim)
    u = u - (u @ beta)[:, None] * beta
    norms = np.linalg.norm(u, axis=1, keepdims=True)
    u = np.where(norms > 1e-9, u / np.maximum(norms, 1e-300), 0.0)
    if dim == 1:
        t = np.ones(n)
    X = (y * t)[:, None] * beta + np.sqrt(np.maximum(1.0 - t * t, 0.0))[:, None] * u
    return unit(X), y


def keep_prob(d) -> float:
    return {"q tiny": lambda: d.uniform(0.02, 0.06), "q = 1": lambda: 1.0}.get(d.regime, lambda: d.uniform(0.1, 0.95))()


def _network_point(d) -> dict:
    """A net ``(W, a)``, a unit input ``x``, a mask ``b``; regimes for the equality cases."""
    regime = d.regime
    m = 1 if regime == "m = 1" else d.integer(2, 12)
    dim = 1 if regime == "d = 1" else d.integer(2, 6)
    x = unit(d.normal(dim))
    W = d.normal(m, dim) * d.log_uniform(0.3, 3.0)
    if regime in ("all active", "all active, all kept"):
        W = W * np.sign(W @ x)[:, None]  # every w_r'x >= 0
    a = np.array([d.choice((-1.0, 1.0)) for _ in range(m)])
    q = keep_prob(d)
    b = np.array([1.0 if d.uniform(0, 1) < q else 0.0 for _ in range(m)])
    if regime == "all active, all kept":
        b = np.ones(m)
    return {"m": m, "d": dim, "W": W, "a": a, "x": x, "y": d.choice((-1.0, 1.0)), "b": b, "q": q}


NETWORK_REGIMES = ("typical", "m = 1", "d = 1", "q tiny", "q = 1", "all active", "all active, all kept")
network_points = Space(_network_point, regimes=NETWORK_REGIMES,
                       description="two-layer ReLU net, width <= 12, unit input, Bernoulli(q) mask")
all_active_points = Space(_network_point, regimes=("all active",),
                          description="every unit active on x (the equality case of ||grad g||^2 <= ||B||^2/m)")
all_kept_points = Space(_network_point, regimes=("all active, all kept",),
                        description="every unit active and kept: ||grad g||_F = 1")
small_network_points = Space(_network_point, regimes=("typical", "m = 1", "d = 1", "q tiny", "q = 1"),
                             require=lambda i: i.m <= 10,
                             description="width <= 10 for the exact 2^m mask enumeration")
