"""Instance spaces of `explicit-implicit`, with the edge regimes of their hypotheses.

``q`` is always the DROP probability (see model.py).
"""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Space

DROP_REGIMES = {"q->0": (0.01, 0.03), "q->1": (0.85, 0.95), "q=1/2": (0.5, 0.5)}


def _drop_prob(d: Draw) -> float:
    lo, hi = DROP_REGIMES.get(d.regime, (0.05, 0.8))
    return lo if lo == hi else d.uniform(lo, hi)


def _two_layer(d: Draw, loss: str) -> dict:
    """F(x, eta) = W2((1 + eta) * tanh(W1 x)) + b; dropout on the hidden layer of width m."""
    d0, c = d.integer(2, 5), d.integer(2, 4)
    m = 1 if d.regime == "width 1" else d.integer(2, 8)
    W1 = d.normal(m, d0)
    if d.regime == "dead unit":
        W1[0] = 0.0  # h_0 = 0: the unit contributes nothing to any regularizer
    return {"d0": d0, "m": m, "c": c, "q": _drop_prob(d), "W1": W1, "W2": d.normal(c, m),
            "b": d.normal(c), "x": d.normal(d0), "y": d.integer(0, c - 1), "t": d.normal(c),
            "loss": loss}


REGIMES = ("typical", "q->0", "q->1", "q=1/2", "width 1", "dead unit")

squared_nets = Space(lambda d: _two_layer(d, "squared"), regimes=REGIMES,
                     description="two-layer tanh nets with squared loss (the expansion is exact)")


def _three_layer(d: Draw) -> dict:
    """h1 = tanh(W1 x), h2 = tanh(W2 h1), F = W3 h2 (F_1 nonlinear), widths <= 5, CE."""
    d0, m1, m2, c = d.integer(2, 4), d.integer(1, 5), d.integer(1, 5), d.integer(2, 4)
    return {"d0": d0, "m1": m1, "m2": m2, "c": c, "q": _drop_prob(d), "W1": d.normal(m1, d0),
            "W2": d.normal(m2, m1), "W3": d.normal(c, m2), "x": d.normal(d0), "y": d.integer(0, c - 1)}


three_layer_nets = Space(_three_layer, regimes=("typical", "q->0", "q->1", "q=1/2"),
                         description="three-layer tanh nets, widths <= 5, CE loss")


def _logits(d: Draw) -> dict:
    """Logits v in R^c, with confident and near-tied regimes."""
    c = 2 if d.regime == "c=2" else d.integer(2, 10)
    scale = {"confident": 12.0, "tied": 1e-3}.get(d.regime, d.log_uniform(0.1, 10.0))
    return {"c": c, "v": scale * d.normal(c), "y": d.integer(0, c - 1)}


logits = Space(_logits, regimes=("typical", "c=2", "confident", "tied"),
               description="logits v ~ N(0, s^2 I), c <= 10, s log-uniform in [0.1, 10]")


def _confident(d: Draw) -> dict:
    """Logits with p_y = 1 - eps for eps log-uniform in [1e-6, 0.5]."""
    c = 2 if d.regime == "c=2" else d.integer(2, 10)
    eps = d.log_uniform(1e-6, 0.5)
    rest = np.exp(d.normal(c - 1)) if d.regime != "uniform rest" else np.ones(c - 1)
    y = d.integer(0, c - 1)
    p = np.insert(eps * rest / rest.sum(), y, 1 - eps)
    return {"c": c, "eps": eps, "y": y, "v": np.log(p)}


confident_logits = Space(_confident, regimes=("typical", "c=2", "uniform rest"),
                         description="softmax with p_y = 1 - eps, eps in [1e-6, 0.5]")
