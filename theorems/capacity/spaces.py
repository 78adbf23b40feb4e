"""Instance spaces of the `capacity` claims, with the edge regimes their hypotheses name.

Dropout rates cover p = 0, tiny p, typical p and p -> 1 ("for any p in [0, 1)"); factor widths cover d1 = 1,
d1 > min(d2, d0) and rank M < d1; sampling distributions of matrix completion are uniform or strongly skewed;
two-layer nets have d2 = 1, d2 > d1, and non-ReLU activations where the seed says "any activation".
"""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Space

from .model import reg_parameter

SENSING_REGIMES = ("typical", "p=0", "tiny p", "p->1", "d1=1", "n=1", "d1>d2,d0")


def drop_rate(d: Draw, regime: str) -> float:
    if regime == "p=0":
        return 0.0
    if regime == "tiny p":
        return d.log_uniform(1e-4, 1e-2)
    if regime == "p->1":
        return d.uniform(0.9, 0.97)
    return d.uniform(0.05, 0.8)


def _sensing(d: Draw, wide: bool = False) -> dict:
    regime = d.regime
    d2, d0 = d.integer(2, 4), d.integer(2, 4)
    if wide:
        d1 = d.integer(10, 13)
    elif regime == "d1=1":
        d1 = 1
    elif regime == "d1>d2,d0":
        d1 = max(d2, d0) + d.integer(1, 3)
    else:
        d1 = d.integer(2, 6)
    n = 1 if regime == "n=1" else d.integer(2, 12)
    U, V = d.normal(d2, d1) * d.log_uniform(0.3, 3.0), d.normal(d0, d1)
    As = d.normal(n, d2, d0)
    y = d.normal(n) * d.log_uniform(0.1, 10.0)
    drop = drop_rate(d, regime)
    return {"U": U, "V": V, "As": As, "y": y, "drop": drop, "lam": reg_parameter(drop)}


sensing = Space(_sensing, regimes=SENSING_REGIMES,
                description="Gaussian U, V, A_j, y; d2, d0 in 2..4; d1 in 1..8; n in 1..12; p in [0, 0.97]")
wide_sensing = Space(lambda d: _sensing(d, wide=True), regimes=("typical", "p->1", "tiny p"),
                     description="d1 in 10..13 (1024-8192 masks): Monte Carlo over masks")

COMPLETION_REGIMES = ("typical", "d1=1", "d1>min(d2,d0)", "rank M<d1", "uniform sampling", "skewed sampling",
                      "d1>=d2 square")


def sampling_marginals(d: Draw, size: int, regime: str) -> np.ndarray:
    """Row/column marginals: uniform, Dirichlet(1), or skewed (Dirichlet(0.3) floored at 1e-3)."""
    if regime == "uniform sampling":
        return np.full(size, 1.0 / size)
    conc = 0.3 if regime == "skewed sampling" else 1.0
    g = np.array([d.log_uniform(1e-3, 1.0) ** (1 / conc) for _ in range(size)]) + 1e-3
    return g / g.sum()


def _completion(d: Draw) -> dict:
    regime = d.regime
    d2, d0 = d.integer(2, 5), d.integer(2, 5)
    if regime == "d1=1":
        d1 = 1
    elif regime == "d1>min(d2,d0)":
        d1 = min(d2, d0) + d.integer(1, 3)
    elif regime == "d1>=d2 square":
        d0 = d2
        d1 = d2 + d.integer(0, 2)
    else:
        d1 = d.integer(2, 5)
    if regime == "rank M<d1":
        d1 = max(d1, 3)
        k = d.integer(1, d1 - 1)
        U = d.normal(d2, k) @ d.normal(k, d1)
    else:
        U = d.normal(d2, d1)
    V = d.normal(d0, d1) * d.log_uniform(0.2, 5.0)
    return {"U": U, "V": V, "p_row": sampling_marginals(d, d2, regime), "q_col": sampling_marginals(d, d0, regime),
            "d1": d1}


completion = Space(_completion, regimes=COMPLETION_REGIMES,
                   description="U, V Gaussian (rank-deficient U in one regime); p_row, q_col uniform/Dirichlet/skewed")


def _gaussian_factors(d: Draw) -> dict:
    inst = _completion(d)
    d2, d0 = inst["U"].shape[0], inst["V"].shape[0]
    return {**inst, "p_row": np.ones(d2), "q_col": np.ones(d0)}


gaussian_factors = Space(_gaussian_factors, regimes=("typical", "d1=1", "d1>min(d2,d0)", "rank M<d1", "d1>=d2 square"),
                         description="as `completion` with unit weights (Gaussian measurements: P = Q = I)")


# --- two-layer networks -------------------------------------------------------------------------------

NET_REGIMES = ("typical", "d2=1", "d2>d1", "p=0", "p->1", "d1=1", "tanh activation")


def _net(d: Draw, wide: bool = False) -> dict:
    from .model import activations

    regime = d.regime
    d0 = d.integer(1, 5)
    d1 = d.integer(10, 12) if wide else (1 if regime == "d1=1" else d.integer(2, 6))
    d2 = 1 if regime == "d2=1" else (d1 + d.integer(1, 2) if regime == "d2>d1" else d.integer(1, 4))
    n = d.integer(1, 10)
    act = "tanh" if regime == "tanh activation" else "relu"
    X = d.normal(n, d0) * d.log_uniform(0.3, 3.0)
    U, V = d.normal(d2, d1), d.normal(d0, d1)
    drop = drop_rate(d, regime)
    return {"U": U, "V": V, "X": X, "Y": d.normal(n, d2), "H": activations(V, X, act), "drop": drop, "act": act}


nets = Space(_net, regimes=NET_REGIMES, description="d0 <= 5, d1 <= 6, d2 <= 8, n <= 10; ReLU (tanh in one regime)")
wide_nets = Space(lambda d: _net(d, wide=True), regimes=("typical", "p->1", "d2=1"),
                  description="d1 = 10..12: Monte Carlo over masks")


def _single_output_net(d: Draw, wide: bool = False) -> dict:
    regime = d.regime
    d0, n = d.integer(1, 5), d.integer(1, 10)
    d1 = d.integer(9, 12) if wide else (1 if regime == "d1=1" else d.integer(2, 6))
    return {"u": d.normal(d1), "V": d.normal(d0, d1), "X": d.normal(n, d0), "y": d.normal(n), "drop": drop_rate(d, regime)}


single_output_nets = Space(_single_output_net, regimes=("typical", "p=0", "tiny p", "p->1", "d1=1"),
                           description="f(x) = u' sigma(V'x), d0 <= 5, d1 <= 6, n <= 10")
wide_single_output_nets = Space(lambda d: _single_output_net(d, wide=True), regimes=("typical", "p->1"),
                                description="d1 = 9..12, masks drawn per example")

DESIGN_REGIMES = ("+-sqrt(d0) e_k design", "whitened symmetric atoms", "d2=1", "d1>d0", "p->1")


def _symmetric_isotropic(d: Draw, drop_range=None) -> dict:
    """A finite law with x = -x in distribution and E xx' = I exactly, and a random two-layer net."""
    regime = d.regime
    d0 = d.integer(1, 4)
    if regime == "+-sqrt(d0) e_k design":
        Z = np.sqrt(d0) * np.vstack([np.eye(d0), -np.eye(d0)])
    else:
        G = d.normal(d.integer(2 * d0, 4 * d0), d0)
        G = np.vstack([G, -G])
        w, Q = np.linalg.eigh(G.T @ G / len(G))
        Z = G @ (Q / np.sqrt(np.maximum(w, 1e-12))) @ Q.T
    d1 = d0 + d.integer(1, 3) if regime == "d1>d0" else d.integer(1, 5)
    d2 = 1 if regime == "d2=1" else d.integer(1, 4)
    if drop_range is not None:
        drop = d.choice((d.uniform(0.05, 0.4), d.uniform(0.6, 0.9)))
    else:
        drop = drop_rate(d, "p->1" if regime == "p->1" else "typical")
    return {"Z": Z, "U": d.normal(d2, d1), "V": d.normal(d0, d1), "drop": drop}


symmetric_isotropic = Space(_symmetric_isotropic, regimes=DESIGN_REGIMES,
                            description="uniform on {+-sqrt(d0) e_k}, or whitened symmetrised Gaussian atoms")
symmetric_isotropic_off_half = Space(lambda d: _symmetric_isotropic(d, drop_range="off 1/2"), regimes=DESIGN_REGIMES,
                                     description="as `symmetric_isotropic`, p away from 1/2 (lam != 1)")


def _gaussian_net(d: Draw) -> dict:
    regime = d.regime
    d0, d1, d2 = d.integer(1, 4), d.integer(1, 5), (1 if regime == "d2=1" else d.integer(1, 3))
    drop = drop_rate(d, "p->1" if regime == "p->1" else "typical")
    return {"U": d.normal(d2, d1), "V": d.normal(d0, d1), "drop": drop,
            "law": "rademacher" if regime == "Rademacher x" else "gaussian"}


gaussian_nets = Space(_gaussian_net, regimes=("typical", "d2=1", "p->1", "Rademacher x"),
                      description="x ~ N(0, I) or iid Rademacher coordinates (symmetric, isotropic)")
