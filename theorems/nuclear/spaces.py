"""Instance spaces of the `nuclear` claims, with the edge regimes of their hypotheses.

Every network space covers k = 1, 2, 3 hidden layers, equal and unequal widths, width-1 layers
(automatically equalized), and second moments C = E[xx'] that are the identity, generic, or badly
conditioned (the chapter assumes only C positive definite).
"""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Space

from .model import layer_shapes, psd_sqrt, reg_parameter

NETWORK_REGIMES = ("k=1", "k=2 equal widths", "k=3 unequal widths", "C=I", "ill-conditioned C",
                   "width-1 layer", "theta->0", "theta=1")


def second_moment(d: Draw, n: int, regime: str) -> np.ndarray:
    """C = E[xx'] positive definite: identity, Wishart-like, or eigenvalues spread over 1e-2..1e2."""
    if regime == "C=I":
        return np.eye(n)
    if regime == "ill-conditioned C":
        Q = d.orthogonal(n)
        return (Q * np.array([d.log_uniform(1e-2, 1e2) for _ in range(n)])) @ Q.T
    A = d.normal(n, n)
    return A @ A.T / n + 0.2 * np.eye(n)


def architecture(d: Draw, regime: str, max_width: int = 3, max_k: int = 3) -> list[int]:
    """``[d_0, d_1, ..., d_k, d_{k+1}]`` for the regime."""
    k = {"k=1": 1, "k=2 equal widths": 2, "k=3 unequal widths": 3}.get(regime, d.integer(1, max_k))
    if regime == "k=2 equal widths":
        widths = [d.integer(2, max_width)] * 2
    elif regime == "k=3 unequal widths":
        widths = [d.integer(1, max_width) for _ in range(3)]
        if len(set(widths)) == 1:
            widths[0] = widths[0] % max_width + 1
    else:
        widths = [d.integer(1, max_width) for _ in range(k)]
    if regime == "width-1 layer":
        widths[d.integer(0, k - 1)] = 1
    return [d.integer(1, 3)] + widths + [d.integer(1, 3)]


def keep_probability(d: Draw, regime: str) -> float:
    return {"theta->0": lambda: d.uniform(0.05, 0.1), "theta=1": lambda: 1.0}.get(
        regime, lambda: d.uniform(0.1, 0.95))()


def _network(d: Draw) -> dict:
    """Gaussian weights with unequal layer scales, on an architecture of the regime."""
    regime = d.regime
    dims = architecture(d, regime)
    Ws = [d.normal(*shape) * d.log_uniform(0.3, 3.0) for shape in layer_shapes(dims)]
    C = second_moment(d, dims[0], regime)
    theta = keep_probability(d, regime)
    alphas = np.array([d.log_uniform(0.3, 3.0) * d.choice((-1.0, 1.0)) for _ in Ws])
    return {"dims": dims, "k": len(dims) - 2, "Ws": Ws, "C": C, "S": psd_sqrt(C), "theta": theta,
            "lam": reg_parameter(theta), "alphas": alphas}


networks = Space(_network, regimes=NETWORK_REGIMES,
                 description="k in {1,2,3}, hidden widths <= 3 (<= 1024 masks), d_0, d_{k+1} <= 3, C SPD")


def _wide_network(d: Draw) -> dict:
    """Networks too wide for mask enumeration (2^(sum d_l) >= 2^12): Monte Carlo only."""
    regime = d.regime
    k = {"k=2": 2, "k=3": 3, "k=4 (notebook setting)": 4}[regime]
    widths = [5] * 4 if k == 4 else [d.integer(4, 7) for _ in range(k)]
    dims = [d.integer(3, 5)] + widths + [d.integer(2, 5)]
    if k == 4:
        Ws = [np.array([[d.uniform(0.0, 1.0) for _ in range(c)] for _ in range(r)]) for r, c in layer_shapes(dims)]
    else:
        Ws = [d.normal(*shape) / np.sqrt(shape[1]) for shape in layer_shapes(dims)]
    C = second_moment(d, dims[0], "generic")
    theta = d.uniform(0.3, 0.9)
    return {"dims": dims, "k": k, "Ws": Ws, "C": C, "S": psd_sqrt(C), "theta": theta, "lam": reg_parameter(theta)}


wide_networks = Space(_wide_network, regimes=("k=2", "k=3", "k=4 (notebook setting)"),
                      description="hidden widths 4-7, Gaussian or U(0,1) weights, generic C")


def _rank_one(d: Draw) -> dict:
    """A rank-1 map u v' and an architecture (k <= 4, widths 1-5)."""
    regime = d.regime
    k = {"k=1": 1, "k=4": 4}.get(regime, d.integer(2, 3))
    widths = [d.integer(1, 5) for _ in range(k)]
    if regime == "equal widths":
        widths = [widths[0]] * k
    dims = [d.integer(1, 4)] + widths + [1 if regime == "single output" else d.integer(1, 4)]
    C = second_moment(d, dims[0], "C=I" if regime == "C=I" else "generic")
    theta = keep_probability(d, "typical")
    return {"dims": dims, "k": k, "u": d.normal(dims[-1]), "v": d.normal(dims[0]), "C": C, "S": psd_sqrt(C),
            "theta": theta, "lam": reg_parameter(theta)}


def _near_equalized(d: Draw) -> dict:
    """Proposition 1's equalized network of a rank-1 map (k <= 4, widths 1-5), every weight perturbed by
    N(0, 1e-2^2) relative noise and flattened: Lemma 7's bound is nearly tight there (k >= 2, widths > 1)."""
    from .model import rank_one_network

    inst = _rank_one(d)
    Ws = [W * (1 + 1e-2 * d.normal(*W.shape)) for W in rank_one_network(inst["u"], inst["v"], inst["dims"][1:-1])]
    return {**inst, "Ws": Ws, "w": np.concatenate([W.ravel() for W in Ws]), "shapes": [W.shape for W in Ws]}


rank_one_maps = Space(_rank_one, regimes=("k=1", "k=4", "equal widths", "single output", "C=I", "typical"),
                      description="u v' with Gaussian u, v; widths 1-5; C SPD")


near_equalized_networks = Space(_near_equalized, regimes=rank_one_maps.regimes,
                                description="Proposition 1's networks of u v', weights perturbed by 1 % noise, flattened")


def _network_with_data(d: Draw) -> dict:
    """A network and an empirical law of n = 7 pairs (x, y), so every expectation is a finite sum."""
    inst = _network(d)
    n, (d0, dout) = 7, (inst["dims"][0], inst["dims"][-1])
    X = d.normal(n, d0) @ psd_sqrt(inst["C"])
    Y = X @ d.normal(dout, d0).T + 0.3 * d.normal(n, dout)
    C = X.T @ X / n
    return {**inst, "X": X, "Y": Y, "C": C, "S": psd_sqrt(C)}


networks_with_data = Space(_network_with_data, regimes=NETWORK_REGIMES,
                           description="as `networks`, with C the second moment of 7 Gaussian points")


def _one_layer(d: Draw) -> dict:
    """U (m x r), V (r x d), C (d x d), theta: the setting of eq. (3.4)."""
    m, r, n = d.integer(1, 5), d.integer(1, 5), d.integer(1, 5)
    C = second_moment(d, n, d.regime)
    theta = keep_probability(d, d.regime)
    return {"U": d.normal(m, r), "V": d.normal(r, n), "C": C, "S": psd_sqrt(C), "theta": theta}


one_layer = Space(_one_layer, regimes=("typical", "C=I", "ill-conditioned C", "theta->0", "theta=1"),
                  description="m, r, d <= 5, Gaussian U, V")


def _shallow(d: Draw) -> dict:
    """k = 1 networks and a Gaussian target T (for Chapter 2's objective)."""
    dims = [d.integer(1, 4), d.integer(1, 3), d.integer(1, 4)]
    C = second_moment(d, dims[0], d.regime)
    theta = keep_probability(d, d.regime)
    return {"dims": dims, "k": 1, "Ws": [d.normal(*shape) for shape in layer_shapes(dims)], "C": C,
            "S": psd_sqrt(C), "theta": theta, "lam": reg_parameter(theta), "T": d.normal(dims[2], dims[0])}


shallow = Space(_shallow, regimes=("typical", "C=I", "ill-conditioned C"),
                description="k = 1 networks (C = I, generic or ill-conditioned) and a Gaussian target T")


def _square_shallow(d: Draw) -> dict:
    n = d.integer(2, 4)
    theta = d.uniform(0.1, 0.9)
    return {"Ws": [d.normal(n, n), d.normal(n, n)], "S": np.eye(n), "theta": theta, "lam": reg_parameter(theta)}


square_shallow = Space(_square_shallow, regimes=("d0 = d1 = d2, C = I",),
                       description="k = 1, square Gaussian W_1, W_2 (where the printed Remark 6 is defined)")


def _widths(d: Draw) -> dict:
    """Hidden widths (k <= 4), a rate lam, and where to insert a layer / widen one (Definition 4)."""
    k = 1 if d.regime == "k=1" else d.integer(1, 4)
    widths = [d.integer(1, 6) for _ in range(k)]
    if d.regime == "equal widths":
        widths = [widths[0]] * k
    lam = d.log_uniform(1e-3, 1e2) if d.regime != "theta->0" else d.log_uniform(10.0, 20.0)
    return {"widths": [widths], "lam": lam, "insert": d.integer(0, k), "new_width": d.integer(1, 6)}


widths_and_rates = Space(_widths, regimes=("typical", "k=1", "equal widths", "theta->0"),
                         description="widths 1-6, k <= 4, lam log-uniform in [1e-3, 1e2]")


def _flat_network(d: Draw) -> dict:
    """`networks` with the weights also as one flat vector ``w`` (for gradient attacks) and a dual matrix Y."""
    inst = _network(d)
    inst["w"] = np.concatenate([W.ravel() for W in inst["Ws"]])
    inst["shapes"] = [W.shape for W in inst["Ws"]]
    inst["Y"] = d.normal(inst["dims"][-1], inst["dims"][0])
    return inst


flat_networks = Space(_flat_network, regimes=NETWORK_REGIMES,
                      description="as `networks`, weights flattened into w, and a Gaussian Y (d_{k+1} x d_0)")


def _small_map(d: Draw) -> dict:
    """A 2x2 map M and an architecture with d_0 = d_{k+1} = 2 <= every width, for computing Theta(M)."""
    regime = d.regime
    k = {"k=1": 1, "k=2 rank 2": 2, "k=3 rank 2": 3, "k=2 rank 1": 2, "C=I k=2": 2}[regime]
    widths = [d.integer(2, 3) for _ in range(k)]
    M = d.normal(2, 2)
    if regime == "k=2 rank 1":
        M = np.outer(d.normal(2), d.normal(2))
    C = second_moment(d, 2, "C=I" if regime == "C=I k=2" else "generic")
    theta = d.uniform(0.2, 0.9)
    return {"dims": [2] + widths + [2], "k": k, "M": M, "C": C, "S": psd_sqrt(C), "theta": theta,
            "lam": reg_parameter(theta)}


small_maps = Space(_small_map, regimes=("k=1", "k=2 rank 2", "k=2 rank 1", "k=3 rank 2", "C=I k=2"),
                   description="2x2 maps, hidden widths 2-3, k = 1, 2, 3, C SPD")

flat_dropout_networks = Space(_flat_network, regimes=tuple(r for r in NETWORK_REGIMES if r != "theta=1"),
                              description="as `flat_networks` with theta < 1 (nu > 0)")


def _model(d: Draw) -> dict:
    """M-bar = C_yx C^{-1/2} (m x n), C SPD, nu > 0, the rank bound r, for the convex surrogate (3.18)."""
    m, n = d.integer(2, 4), d.integer(2, 4)
    Mbar = d.normal(m, n) * d.uniform(0.2, 3.0)
    if d.regime == "tied singular values":
        U, s, Vt = np.linalg.svd(Mbar, full_matrices=False)
        Mbar = (U * s[0]) @ Vt
    C = second_moment(d, n, "C=I" if d.regime == "C=I" else "generic")
    nu = d.log_uniform(0.05, 3.0) if d.regime != "large nu (rho = 1)" else d.uniform(5.0, 20.0)
    return {"Mbar": Mbar, "C": C, "S": psd_sqrt(C), "nu": nu, "r": min(m, n)}


models = Space(_model, regimes=("typical", "C=I", "tied singular values", "large nu (rho = 1)"),
               description="M-bar Gaussian x U(0.2, 3), 2 <= m, n <= 4, nu log-uniform in [0.05, 3]")


def _eigengap(d: Draw) -> dict:
    """Population data with sigma_1 - sigma_2 >= sigma_2 / nu (Theorem 10), k = 1, 2, 3, C SPD."""
    k = {"k=1": 1, "k=2": 2, "k=3": 3, "single output": 2}[d.regime]
    widths = [d.integer(2, 3) for _ in range(k)]
    dout = 1 if d.regime == "single output" else 3
    dims = [3] + widths + [dout]
    theta = d.uniform(0.3, 0.8)
    lam = reg_parameter(theta)
    nu = float(np.prod([1 + lam / w for w in widths]) - 1)
    s1 = 2.0
    s2 = d.uniform(0.0, 0.95) * s1 * nu / (1 + nu)
    sig = np.array([s1, s2, d.uniform(0.0, 1.0) * s2])[:min(dout, 3)]
    U, V = d.orthogonal(dout)[:, :len(sig)], d.orthogonal(3)[:, :len(sig)]
    C = second_moment(d, 3, "generic")
    S = psd_sqrt(C)
    Mbar = (U * sig) @ V.T
    return {"dims": dims, "k": k, "theta": theta, "lam": lam, "nu": nu, "C": C, "S": S, "Mbar": Mbar,
            "Cyx": Mbar @ S}


eigengaps = Space(_eigengap, regimes=("k=1", "k=2", "single output", "k=3"),
                  description="sigma(M-bar) = (2, s2, s3) with the gap condition, d_0 = 3, widths 2-3")


def _rotations(d: Draw) -> dict:
    """`networks` plus Haar orthogonal U (d_{k+1}) and V (d_0), for the spectral property of Theta."""
    inst = _network(d)
    return {**inst, "U": d.orthogonal(inst["dims"][-1]), "V": d.orthogonal(inst["dims"][0])}


rotated_networks = Space(_rotations, regimes=tuple(r for r in NETWORK_REGIMES if r != "C=I"),
                         description="as `networks` (C generic unless the claim fixes it), Haar U, V")


def _rotated_map(d: Draw) -> dict:
    """A rank-2 map M (2x2), k = 2, widths 2, C = I, and a Haar pair (U, V) for Theta(U'MV) = Theta(M)."""
    theta = d.uniform(0.3, 0.8)
    return {"dims": [2, 2, 2, 2], "k": 2, "M": d.normal(2, 2), "C": np.eye(2), "S": np.eye(2), "theta": theta,
            "lam": reg_parameter(theta), "U": d.orthogonal(2), "V": d.orthogonal(2)}


rotated_maps = Space(_rotated_map, regimes=("k=2 rank 2, C = I",),
                     description="2x2 Gaussian M, architecture [2, 2, 2, 2], Haar U, V")


def _binding_model(d: Draw) -> dict:
    """As `models` with m, n >= 3 and a binding rank bound r in {1, 2} below rank M-bar."""
    inst = _model(d)
    m, n = d.integer(3, 5), d.integer(3, 5)
    Mbar = d.normal(m, n) * d.uniform(0.2, 3.0)
    C = second_moment(d, n, "generic")
    nu = d.log_uniform(0.01, 0.5) if d.regime == "small nu (rho = r)" else inst["nu"]
    return {**inst, "Mbar": Mbar, "C": C, "S": psd_sqrt(C), "nu": nu, "r": 1 if d.regime == "r = 1" else 2}


binding_models = Space(_binding_model, regimes=("r = 1", "r = 2", "small nu (rho = r)"),
                       description="M-bar Gaussian (3-5 x 3-5), rank bound r in {1, 2} < rank M-bar")
