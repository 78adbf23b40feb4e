"""Instance spaces of the `structured` claims, with the edge regimes of their hypotheses.

Block sizes r = 1 (plain Dropout) to 4, one block (k = 1), retain probabilities near 0 and equal to 1,
correlated and non-binary mask laws with unequal means, DropConnect data with and without
orthogonal rows, singular-value vectors with ties and zeros, r = 1 and r >= rank.
"""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Space

from .model import moments


def keep_probability(d: Draw, regime: str) -> float:
    return {"theta->0": lambda: d.uniform(0.02, 0.08), "theta=1": lambda: 1.0,
            "theta->1": lambda: d.uniform(0.95, 0.99)}.get(regime, lambda: d.uniform(0.1, 0.95))()


def _scaled(d: Draw, *shape: int) -> np.ndarray:
    return d.normal(*shape) * d.log_uniform(0.3, 3.0)


# --- DropBlock (Lemma 2.1) -----------------------------------------------------------------------------

DROPBLOCK_REGIMES = ("typical", "r=1 (Dropout)", "k=1 (one block)", "theta->0", "theta=1", "d=r^2", "r=4")


def _dropblock_net(d: Draw) -> dict:
    regime = d.regime
    r = {"r=1 (Dropout)": 1, "d=r^2": d.integer(2, 3), "r=4": 4}.get(regime, d.integer(2, 3))
    k = {"k=1 (one block)": 1, "d=r^2": r, "r=4": d.integer(1, 3)}.get(regime, d.integer(2, 4))
    a, b, N = d.integer(1, 4), d.integer(1, 4), d.integer(1, 6)
    dd = k * r
    return {"a": a, "b": b, "N": N, "r": r, "k": k, "U": _scaled(d, a, dd), "V": _scaled(d, b, dd),
            "X": _scaled(d, b, N), "Y": _scaled(d, a, N), "theta": keep_probability(d, regime)}


dropblock_nets = Space(_dropblock_net, regimes=DROPBLOCK_REGIMES,
                       description="a, b <= 4, N <= 6, r in 1..4, k <= 4 blocks (<= 16 masks), unequal scales")


def _wide_dropblock_net(d: Draw) -> dict:
    regime = d.regime
    r = {"r=1, d=40": 1, "r=8, k=6": 8}.get(regime, d.integer(2, 4))
    k = {"r=1, d=40": 40, "r=8, k=6": 6}.get(regime, d.integer(8, 14))
    a, b, N = d.integer(3, 6), d.integer(3, 6), d.integer(5, 12)
    dd = k * r
    return {"a": a, "b": b, "N": N, "r": r, "k": k, "U": d.normal(a, dd) / np.sqrt(dd), "V": d.normal(b, dd),
            "X": d.normal(b, N), "Y": d.normal(a, N), "theta": d.uniform(0.2, 0.9)}


wide_dropblock_nets = Space(_wide_dropblock_net, regimes=("typical", "r=1, d=40", "r=8, k=6"),
                            description="k >= 6 blocks (too many masks to enumerate): Monte Carlo only")


# --- general masks (Lemma 3.1) -------------------------------------------------------------------------

LAW_REGIMES = ("binary, all 2^d patterns", "binary, 3 patterns (strong correlation)", "non-binary (Gaussian-like)",
               "DropBlock law", "unequal means, negative correlation")


def _finite_law(d: Draw) -> dict:
    """A finite law on R^d (patterns and probabilities) with every |mu_i| >= 0.05, and U, G, Y."""
    regime = d.regime
    dim = d.integer(2, 5)
    if regime == "binary, all 2^d patterns":
        patterns = np.array([[(j >> i) & 1 for i in range(dim)] for j in range(2**dim)], dtype=float)
    elif regime == "binary, 3 patterns (strong correlation)":
        patterns = np.array([[d.choice((0.0, 1.0)) for _ in range(dim)] for _ in range(3)])
    elif regime == "DropBlock law":
        r = 2
        dim = 2 * d.integer(1, 2)
        patterns = np.array([np.repeat([(j >> i) & 1 for i in range(dim // r)], r) for j in range(2 ** (dim // r))],
                            dtype=float)
    elif regime == "unequal means, negative correlation":
        patterns = np.array([[1.0 if (i + j) % 2 else d.uniform(0.0, 0.3) for i in range(dim)]
                             for j in range(4)]) * np.array([d.uniform(0.5, 3.0) for _ in range(dim)])
    else:
        mix = d.normal(dim, dim) * 0.5
        patterns = 1.0 + d.normal(d.integer(3, 7), dim) @ mix
    probs = np.array([d.uniform(0.05, 1.0) for _ in range(patterns.shape[0])])
    if regime == "DropBlock law":
        theta = d.uniform(0.1, 0.9)
        probs = np.array([theta ** p.sum() * (1 - theta) ** (dim - p.sum()) for p in patterns[:, ::2]])
    probs = probs / probs.sum()
    mean, cov = moments(patterns, probs)
    a, N = d.integer(1, 4), d.integer(1, 6)
    return {"patterns": patterns, "probs": probs, "mean": mean, "cov": cov, "U": _scaled(d, a, dim),
            "G": _scaled(d, dim, N), "Y": _scaled(d, a, N)}


finite_laws = Space(_finite_law, regimes=LAW_REGIMES, require=lambda i: bool(np.all(np.abs(i.mean) >= 0.05)),
                    description="finite laws on R^d, d <= 5 (binary, correlated, non-binary), means bounded away "
                                "from 0; Gaussian U (a x d), G (d x N), Y")


def _correlated_gaussian_mask(d: Draw) -> dict:
    """Continuous masks z = mu + L xi (xi ~ N(0, I)): correlated multiplicative Gaussian noise."""
    dim, a, N = d.integer(3, 8), d.integer(2, 5), d.integer(3, 8)
    mean = np.array([d.uniform(0.3, 2.0) * d.choice((-1.0, 1.0)) for _ in range(dim)])
    L = d.normal(dim, dim) * 0.4
    return {"mean": mean, "L": L, "cov": L @ L.T, "U": _scaled(d, a, dim), "G": _scaled(d, dim, N),
            "Y": _scaled(d, a, N)}


gaussian_masks = Space(_correlated_gaussian_mask, description="z = mu + L xi, mu of mixed signs, C = L L^T")


def _bernoulli_last_layer(d: Draw) -> dict:
    regime = d.regime
    dim, a, N = d.integer(1, 5), d.integer(1, 4), d.integer(1, 6)
    return {"U": _scaled(d, a, dim), "G": _scaled(d, dim, N), "Y": _scaled(d, a, N),
            "theta": keep_probability(d, regime)}


bernoulli_last_layer = Space(_bernoulli_last_layer, regimes=("typical", "theta->0", "theta->1", "theta=1"),
                             description="d <= 5 (<= 32 masks), free G = g_Gamma(X)")


# --- DropConnect (Theorem 4.1) -------------------------------------------------------------------------

DROPCONNECT_REGIMES = ("generic M", "orthogonal rows of M", "b=1", "theta->0")


def _dropconnect_net(d: Draw) -> dict:
    regime = d.regime
    b = 1 if regime == "b=1" else d.integer(2, 3)
    dim = d.integer(1, 3)
    a, N = d.integer(1, 3), d.integer(3, 6)
    M = _scaled(d, b, N)
    if regime == "orthogonal rows of M":
        Q = d.orthogonal(N)[:b]
        M = Q * np.array([d.log_uniform(0.3, 3.0) for _ in range(b)])[:, None]
    return {"U": _scaled(d, a, dim), "V": _scaled(d, b, dim), "M": M, "Y": _scaled(d, a, N),
            "theta": keep_probability(d, "theta->0" if regime == "theta->0" else "typical")}


dropconnect_nets = Space(_dropconnect_net, regimes=DROPCONNECT_REGIMES,
                         description="b d <= 9 (<= 512 masks), Gaussian U, V, M (b x N), Y; M with orthogonal rows "
                                     "is the case where the printed regularizer is right")


def _wide_dropconnect_net(d: Draw) -> dict:
    b, dim, a, N = d.integer(4, 8), d.integer(4, 8), d.integer(2, 5), d.integer(6, 12)
    return {"U": d.normal(a, dim), "V": d.normal(b, dim) / np.sqrt(b), "M": d.normal(b, N), "Y": d.normal(a, N),
            "theta": d.uniform(0.2, 0.9)}


wide_dropconnect_nets = Space(_wide_dropconnect_net, description="b, d in 4..8 (2^16..2^64 masks): Monte Carlo")


# --- spectra and targets (Theorems 2.3, 2.7) --------------------------------------------------------------

SPECTRUM_REGIMES = ("exponential^2", "ties (all ones)", "zeros (rank-deficient)", "r=1 (nuclear)", "r>=n (Frobenius)",
                    "one dominant value")


def _spectrum(d: Draw) -> dict:
    """Sorted singular values a (n = 3..6), block size r, and A = P diag(a) Q^T with Haar P, Q."""
    regime = d.regime
    n = d.integer(3, 6)
    if regime == "ties (all ones)":
        a = np.ones(n) * d.log_uniform(0.5, 2.0)
    else:
        a = d.exponential(n) ** 2
    if regime == "zeros (rank-deficient)":
        a[d.integer(1, n - 1):] = 0.0
    if regime == "one dominant value":
        a[0] += 10.0
    a = np.sort(a)[::-1]
    r = {"r=1 (nuclear)": 1, "r>=n (Frobenius)": n}.get(regime, d.integer(2, n))
    extra = d.integer(0, 2)
    P, Q = d.orthogonal(n + extra)[:, :n], d.orthogonal(n)
    return {"n": n, "r": r, "a": a, "A": (P * a) @ Q.T, "beta": d.log_uniform(0.1, 5.0)}


spectra = Space(_spectrum, regimes=SPECTRUM_REGIMES,
                description="n = 3..6 singular values (exponential^2, ties, zeros), r in 1..n; A = P diag(a) Q^T")


TARGET_REGIMES = ("typical", "r=1 (Dropout)", "rank-1 Y, r=2", "ties in Y", "large beta", "small beta", "r=3")


def _target(d: Draw) -> dict:
    regime = d.regime
    a, N = d.integer(2, 4), d.integer(2, 4)
    r = {"r=1 (Dropout)": 1, "rank-1 Y, r=2": 2, "r=3": 3}.get(regime, d.integer(1, 3))
    Y = _scaled(d, a, N)
    if regime == "rank-1 Y, r=2":
        Y = np.outer(d.normal(a), d.normal(N))
    if regime == "ties in Y":
        q = min(a, N)
        Y = (d.orthogonal(a)[:, :q] * np.ones(q) * d.log_uniform(0.5, 2.0)) @ d.orthogonal(N)[:, :q].T
    beta = {"large beta": lambda: d.uniform(3.0, 8.0), "small beta": lambda: d.uniform(0.02, 0.1)}.get(
        regime, lambda: d.log_uniform(0.1, 3.0))()
    return {"a": a, "N": N, "r": r, "Y": Y, "beta": beta}


targets = Space(_target, regimes=TARGET_REGIMES,
                description="Y (a x N, a, N <= 4), r in 1..3, beta = (1 - bar theta)/bar theta in 0.02..8")


def _factorized(d: Draw) -> dict:
    """Theorem 2.6 / Corollary 2.8 / Theorem 2.5: X square invertible (full column rank), k blocks of r."""
    inst = _target(d)
    N = inst["N"]
    X = d.normal(N, N) + 2.0 * np.eye(N)
    return {**inst, "X": X, "k": {"r=3": 6}.get(d.regime, 8 if inst["r"] == 1 else 6),
            "beta_bar": inst["beta"]}


factorized = Space(_factorized, regimes=TARGET_REGIMES,
                   description="as `targets`, with X (N x N) invertible and width d = k r, k = 6..8 blocks")


def _unbalanced(d: Draw) -> dict:
    """Random factors with deliberately unequal block norms (Theorem 2.5's construction)."""
    r = d.choice((1, 2, 3))
    k = d.integer(2, 5)
    a, b, N = d.integer(2, 4), d.integer(2, 4), d.integer(2, 5)
    U = d.normal(a, k * r) * np.repeat([d.log_uniform(0.1, 10.0) for _ in range(k)], r)[None, :]
    k_hat = {"k_hat=200": 200, "k_hat=1000": 1000}.get(d.regime, 5000)
    return {"r": r, "k": k, "U": U, "V": d.normal(b, k * r), "X": d.normal(b, N), "k_hat": k_hat}


unbalanced = Space(_unbalanced, regimes=("k_hat=200", "k_hat=1000", "k_hat=5000"),
                   description="block norms spread over 1e-2..1e2, r in 1..3, k = 2..5 blocks")
