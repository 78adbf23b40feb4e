"""`prelim` §1.1: norms (l. 330-353) and the norm-based generalization bounds (1.1)-(1.4)
(l. 579-786) of seed 000_f4de404d0cfe4539.txt.

The bounds themselves are cited O(.) statements; what is checked are the norm facts the remarks
rest on: Hölder duality, (2 d^{1/p*})^{2k} = 4^k d^{2k/p*}, Cauchy-Schwarz over rows, the power-mean
inequality for ||v||_{2/3}, and ||W'||_{2,1} >= ||W||_F >= ||W||_2.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import (BoundSearch, ConvexProgram, Program, Relation, Source, Space, Symbolic, declare,
                         float_tolerance, mutant, solver_tolerance)

from .notation import POWER_CONE_OPTS, dual_exponent, frobenius_norm, pq_norm, spectral_norm

SEED = "000_f4de404d0cfe4539.txt"
EXPONENTS = (1.0, 1.5, 2.0, 3.0, np.inf)


# --- definitions: l_p norms, p*, ||X||_{p,q} ----------------------------------------------------------

def _vector(d) -> dict:
    n = 1 if d.regime == "n=1" else d.integer(2, 8)
    x = d.normal(n) * d.exponential(n)
    if d.regime == "zeros in x":
        x[: n // 2] = 0.0
    if d.regime == "ties |x_i|":
        x = np.abs(x[0]) * np.sign(d.normal(n))
    return {"x": x, "p": d.choice(EXPONENTS), "n": n}


vectors = Space(_vector, regimes=("typical", "n=1", "zeros in x", "ties |x_i|"),
                description="x in R^n, n <= 8, p in {1, 1.5, 2, 3, inf}")


def _matrix(d) -> dict:
    rows, cols = d.integer(1, 6), d.integer(1, 6)
    if d.regime == "non-square":
        rows, cols = d.choice(((1, 5), (5, 2), (3, 6)))
    return {"X": d.normal(rows, cols) * d.exponential(rows, 1), "p": d.choice(EXPONENTS), "q": d.choice(EXPONENTS)}


matrices = Space(_matrix, regimes=("typical", "non-square"), description="X up to 6 x 6, Exp(1) row scales")


def pq_norm_by_definition(i):
    """(sum_j (sum_i |X_ij|^p)^{q/p})^{1/q} literally, with max for an infinite exponent."""
    columns = [np.max(np.abs(col)) if np.isinf(i.p) else np.sum(np.abs(col) ** i.p) ** (1 / i.p) for col in i.X.T]
    return max(columns) if np.isinf(i.q) else sum(c**i.q for c in columns) ** (1 / i.q)


def hoelder_pairing(i):
    """<x, y> at y_i = sgn(x_i)|x_i|^{p-1}/||x||_p^{p-1} (one coordinate of largest |x_i| for p = inf),
    with ||y||_{p*} returned beside it: the maximiser of the duality sup_{||y||_{p*} <= 1} <x, y>."""
    if np.isinf(i.p):
        y = np.zeros_like(i.x)
        k = int(np.argmax(np.abs(i.x)))
        y[k] = np.sign(i.x[k])
    else:
        y = np.sign(i.x) * np.abs(i.x) ** (i.p - 1) / np.linalg.norm(i.x, i.p) ** (i.p - 1)
    return np.array([i.x @ y, np.linalg.norm(y, dual_exponent(i.p))])


def dual_ball_program(inst) -> Program:
    import cvxpy as cp

    x = cp.Parameter(inst.n)
    y = cp.Variable(inst.n)
    return Program(cp.Problem(cp.Maximize(x @ y), [cp.norm(y, dual_exponent(inst.p)) <= 1]), {"x": x})


definition_norms = declare(
    "prelim/definition-norms",
    title="l_p norms, the dual exponent p*, and the column-wise ||X||_{p,q}",
    source=Source(SEED, "§1.1 notation", lines="330-353", also="l. 650-659, notation table l. 13958"),
    statement=r"\tfrac1p+\tfrac1{p^*}=1,\quad\|X\|_{p,q}=\Big(\sum_j\big(\sum_i|X_{ij}|^p\big)^{q/p}\Big)^{1/q},"
              r"\quad\sup_{\|y\|_{p^*}\le1}\langle x,y\rangle=\|x\|_p",
    hypotheses=["p, q in [1, inf]"],
    scope="a definition: the helper ||X||_{p,q} used by the remarks is checked against the literal double "
          "sum, and p* against Hölder duality (maximiser in closed form, and a convex program)",
    claimed=lambda i: pq_norm(i.X, i.p, i.q),
    parts={"dual_norm": lambda i: np.array([np.linalg.norm(i.x, i.p), 1.0])},
    checks=[
        Relation(observed=pq_norm_by_definition, space=matrices, instances=40,
                 tolerance=float_tolerance(4 * 36, what="powers and sums over <= 36 entries"), label="||X||_{p,q}"),
        Relation(observed=hoelder_pairing, space=vectors, claimed="dual_norm", instances=40,
                 tolerance=float_tolerance(16 * 8, what="powers and sums over <= 8 entries"),
                 label="Hölder maximiser: <x, y> = ||x||_p at ||y||_{p*} = 1"),
        ConvexProgram(program=dual_ball_program, values=lambda i: {"x": i.x}, space=vectors, key=lambda i: (i.n, i.p),
                      solver_opts=POWER_CONE_OPTS,
                      observed=lambda sol, i: np.array([sol.value, 1.0]), claimed="dual_norm", instances=15,
                      tolerance=solver_tolerance(1e-7, what="Clarabel at 1e-9, power cones for p* in {1.5, 3}"),
                      label="sup over the dual ball (Clarabel)"),
    ],
    mutants=[
        mutant("row-wise", "l_q norm of the ROW l_p norms", claimed=lambda i: pq_norm(i.X.T, i.p, i.q)),
        mutant("p for p*", "the dual ball taken in l_p", dual_norm=lambda i: np.array([np.linalg.norm(i.x, dual_exponent(i.p)), 1.0])),
    ],
    tags=["prelim", "definition"],
)


# --- eq. (1.1): the width/depth factor of the path-norm bound -----------------------------------------

def width_depth_factor(i):
    """(2 d^{1/p*})^{2k} of (1.1)."""
    return (2 * i.d ** (1 / i.p_star)) ** (2 * i.k)


def _symbols(p_star):
    d, k = sp.symbols("d k", positive=True)
    return lambda: {"d": d, "k": k, "p_star": p_star}


def _factors(d) -> dict:
    p = d.choice((1.0, 1.25, 2.0, 4.0)) if d.regime != "p=1 (p*=inf)" else 1.0
    return {"d": float(d.integer(1, 64)), "k": float(d.integer(1, 8)), "p": p, "p_star": dual_exponent(p)}


factors = Space(_factors, regimes=("typical", "p=1 (p*=inf)"), description="width d <= 64, depth k <= 8")

eq_1_1 = declare(
    "prelim/eq-1.1",
    title="the width/depth factor of the path-norm bound (1.1): 4^k d^{2k/p*}",
    source=Source(SEED, "eq. (1.1) and the remark after it", "(1.1)", "593-613"),
    statement=r"(2d^{1/p^*})^{2k}=4^kd^{2k/p^*};\ p=2:\ 4^kd^k;\ p=1\ (p^*=\infty):\ 4^k",
    hypotheses=["p >= 1", "width d >= 1", "depth k >= 1"],
    scope="the bound (1.1) is a cited O(.) with an unspecified constant; its width/depth factor is checked. "
          "The seed's 'unless p = 1 the bound scales with d^k' is exact for p = 2; in general it is d^{2k/p*}",
    claimed=lambda i: 4**i.k * i.d ** (2 * i.k / i.p_star),
    parts={"p=2": lambda i: 4**i.k * i.d**i.k, "p=1": lambda i: 4**i.k},
    checks=[
        Symbolic(observed=width_depth_factor, symbols=_symbols(sp.Symbol("q", positive=True)),
                 label="general p* (symbol q)"),
        Symbolic(observed=width_depth_factor, symbols=_symbols(sp.Integer(2)), claimed="p=2", label="p = 2"),
        Symbolic(observed=width_depth_factor, symbols=_symbols(sp.oo), claimed="p=1", label="p = 1, p* = oo"),
        Relation(observed=width_depth_factor, space=factors, instances=30,
                 tolerance=float_tolerance(64, what="pow of moderate exponents"), label="numeric"),
    ],
    mutants=[
        mutant("d^{2k} for p = 2", "width factor squared", **{"p=2": lambda i: 4**i.k * i.d ** (2 * i.k)}),
        mutant("2^k", "the 4^k read as 2^k", claimed=lambda i: 2**i.k * i.d ** (2 * i.k / i.p_star)),
    ],
    tags=["prelim", "generalization-bound"],
)


# --- the remarks on (1.2)-(1.4) -------------------------------------------------------------------

def _network(d) -> dict:
    """Weights W_1..W_{k+1}, W_i of shape d_i x d_{i-1}, with the edge cases of the inequalities."""
    regime = d.regime
    k = d.integer(1, 4)
    widths = [d.integer(1, 6) for _ in range(k + 2)]
    if regime == "output layer widest":
        widths[-1] = max(widths) + 2
    weights = []
    for rows, cols in zip(widths[1:], widths[:-1]):
        W = d.normal(rows, cols) * d.exponential(rows, 1)
        if regime == "equal row norms, rank one":  # equality in Cauchy-Schwarz and ||W||_F = ||W||_2
            W = np.ones((rows, 1)) @ d.normal(1, cols)
        if regime == "orthonormal rows or columns":
            Q = d.orthogonal(max(rows, cols))
            W = Q[:rows, :cols] * d.uniform(0.1, 10.0)
        weights.append(W)
    return {"weights": weights, "k": k, "d": max(widths[1:])}


networks = Space(_network, regimes=("typical", "equal row norms, rank one", "orthonormal rows or columns",
                                    "output layer widest"),
                 description="k + 1 <= 5 layers of widths <= 8, Exp(1) row scales; d = max_i d_i over ALL layers")


def ratios(i, numerator):
    return np.array([numerator(W) / spectral_norm(W) for W in i.weights])


def bft_complexity(i):
    """(sum_i (||W_i'||_{2,1} / ||W_i||_2)^{2/3})^{3/2} of (1.2), without the spectral product."""
    return np.sum(ratios(i, lambda W: pq_norm(W.T, 2, 1)) ** (2 / 3)) ** 1.5


def nbs_complexity(i):
    """(d k^2 sum_i ||W_i||_F^2 / ||W_i||_2^2)^{1/2} of (1.3), without the spectral product."""
    return np.sqrt(i.d * i.k**2 * np.sum(ratios(i, frobenius_norm) ** 2))


def _layers(d) -> dict:
    inst = _network(d)
    v = np.array([frobenius_norm(W) / spectral_norm(W) for W in inst["weights"]])
    return {**inst, "W": inst["weights"][-1], "v": v}


layers = Space(_layers, regimes=networks.regimes, description="the last layer W and v_i = ||W_i||_F / ||W_i||_2")


def _tight_network(d) -> dict:
    """Every inequality of the remark is an equality: all output widths d_i = d, every W_i with equal row norms and
    the same ||W_i||_F/||W_i||_2 (rank one with equal rows, or scaled orthonormal rows)."""
    k, width = d.integer(1, 4), d.integer(1, 6)
    first = width + d.integer(0, 3) if d.regime == "scaled orthonormal rows" else d.integer(1, 6)
    weights = []
    for cols in [first] + [width] * k:
        if d.regime == "scaled orthonormal rows":
            W = d.orthogonal(cols)[:width, :cols] * d.uniform(0.1, 10.0)
        else:
            W = np.ones((width, 1)) @ d.normal(1, cols)
        weights.append(W)
    v = np.array([frobenius_norm(W) / spectral_norm(W) for W in weights])
    return {"weights": weights, "k": k, "d": width, "W": weights[-1], "v": v}


tight_networks = Space(_tight_network, regimes=("rank one, equal rows", "scaled orthonormal rows"),
                       description="equality cases: equal output widths, equal row norms, equal F/2 norm ratios")


def power_mean_2_3(v):
    """||v||_{2/3} := (sum |v_i|^{2/3})^{3/2} (a quasi-norm), numpy or torch."""
    return (abs(v) ** (2 / 3)).sum() ** 1.5


def _project_positive(inst) -> None:
    inst["v"].clamp_(min=1e-9)


remark_bft_vs_nbs = declare(
    "prelim/remark-bft-vs-nbs",
    title="the [BFT17] bound (1.2) is never worse than the [NBS17] bound (1.3), up to (k+1)/k",
    source=Source(SEED, "second remark on (1.2)-(1.3)", "(1.2), (1.3)", "625-714"),
    statement=r"\|W^\top\|_{2,1}^2\le d\|W\|_F^2,\ \ \|v\|_{2/3}\le(k+1)\|v\|_2\ (v\in\mathbb R^{k+1})\ \Rightarrow\ "
              r"\Big(\sum_i\big(\tfrac{\|W_i^\top\|_{2,1}}{\|W_i\|_2}\big)^{2/3}\Big)^{3/2}\le\tfrac{k+1}{k}"
              r"\Big(dk^2\sum_i\tfrac{\|W_i\|_F^2}{\|W_i\|_2^2}\Big)^{1/2}",
    hypotheses=["W_i nonzero, of shape d_i x d_{i-1}", "d >= every d_i, the OUTPUT width d_{k+1} included: with "
                "d = max hidden width only, an output layer wider than d breaks the first step"],
    scope="'never worse' holds up to the factor (k+1)/k that the O(.) hides; the seed's v_i = ||W_i||_F "
          "is read as v_i = ||W_i||_F / ||W_i||_2 (what the comparison needs)",
    claimed=lambda i: (i.k + 1) / i.k * nbs_complexity(i),
    parts={"cauchy_schwarz": lambda i: i.W.shape[0] * frobenius_norm(i.W) ** 2,
           "power_mean": lambda i: len(i.v) * (i.v**2).sum() ** 0.5},
    checks=[
        Relation(observed=bft_complexity, space=networks, relation="<=", instances=60,
                 tolerance=float_tolerance(200, what="SVDs and sums over <= 5 layers"), label="(1.2) <= (k+1)/k (1.3)"),
        Relation(observed=lambda i: pq_norm(i.W.T, 2, 1) ** 2, space=layers, claimed="cauchy_schwarz", relation="<=",
                 instances=60, tolerance=float_tolerance(100, what="<= 8 row norms"), label="||W'||_{2,1}^2 <= rows ||W||_F^2"),
        Relation(observed=lambda i: power_mean_2_3(i.v), space=layers, claimed="power_mean", relation="<=",
                 instances=60, tolerance=float_tolerance(100, what="<= 5 powers"), label="||v||_{2/3} <= (k+1)||v||_2"),
        Relation(observed=bft_complexity, space=tight_networks, instances=20,
                 tolerance=float_tolerance(200, what="SVDs and sums over <= 5 layers"),
                 label="equality cases of every step: (1.2) = (k+1)/k (1.3)"),
        Relation(observed=lambda i: pq_norm(i.W.T, 2, 1) ** 2, space=tight_networks, claimed="cauchy_schwarz",
                 instances=20, tolerance=float_tolerance(100, what="<= 8 row norms"),
                 label="equal row norms: ||W'||_{2,1}^2 = rows ||W||_F^2"),
        Relation(observed=lambda i: power_mean_2_3(i.v), space=tight_networks, claimed="power_mean", instances=20,
                 tolerance=float_tolerance(100, what="<= 5 powers"), label="equal v_i: ||v||_{2/3} = (k+1)||v||_2"),
        BoundSearch(observed=lambda i: power_mean_2_3(i.v), space=layers, claimed="power_mean", variables=["v"],
                    project=_project_positive, tolerance=float_tolerance(100, what="<= 5 powers"), instances=6,
                    steps=40, label="Adam ascent on ||v||_{2/3} / ((k+1)||v||_2)"),
    ],
    mutants=[
        mutant("sqrt(k+1)", "||v||_{2/3} <= sqrt(k+1) ||v||_2", power_mean=lambda i: np.sqrt(len(i.v)) * (i.v**2).sum() ** 0.5),
        mutant("no width factor", "||W'||_{2,1}^2 <= ||W||_F^2", cauchy_schwarz=lambda i: frobenius_norm(i.W) ** 2),
        mutant("never worse, no (k+1)/k", "(1.2) <= (1.3) exactly", claimed=nbs_complexity),
    ],
    tags=["prelim", "generalization-bound"],
)


def norm_chain(i):
    """[||W'||_{2,1}, ||W||_F] for the last layer, compared with [||W||_F, ||W||_2]."""
    return np.array([pq_norm(i.W.T, 2, 1), frobenius_norm(i.W)])


remark_vacuous_orders = declare(
    "prelim/remark-vacuous-orders",
    title="||W'||_{2,1} >= ||W||_F >= ||W||_2 and ||W||_F <= sqrt(rank) ||W||_2: (1.2)-(1.4) grow with depth and width",
    source=Source(SEED, "third remark on (1.2)-(1.3), text after (1.4)", "(1.2)-(1.4)", "716-786"),
    statement=r"\|W^\top\|_{2,1}\ge\|W\|_F\ge\|W\|_2,\ \ \|W\|_F\le\sqrt{\mathrm{rank}W}\|W\|_2;\ "
              r"\text{RHS}(1.2)\ge\sqrt{(k+1)^3/n},\ \text{RHS}(1.3)\ge\sqrt{dk^2(k+1)/n}",
    hypotheses=["W_i nonzero"],
    scope="the Omega(.) orders are checked through their explicit lower bounds (k+1)^{3/2} and (d k^2 (k+1))^{1/2} "
          "of the complexities without the spectral product",
    claimed=lambda i: np.array([frobenius_norm(i.W), spectral_norm(i.W)]),
    parts={"chain": ">=", "rank_bound": lambda i: np.sqrt(np.linalg.matrix_rank(i.W)) * spectral_norm(i.W),
           "orders": lambda i: np.array([(i.k + 1) ** 1.5, np.sqrt(i.d * i.k**2 * (i.k + 1))])},
    checks=[
        Relation(observed=norm_chain, space=layers, relation="chain", instances=60,
                 tolerance=float_tolerance(100, what="norms of <= 8 x 8 matrices"), label="||W'||_{2,1} >= ||W||_F >= ||W||_2"),
        Relation(observed=lambda i: frobenius_norm(i.W), space=layers, claimed="rank_bound", relation="<=", instances=60,
                 tolerance=float_tolerance(100, what="SVD of <= 8 x 8"), label="||W||_F <= sqrt(rank) ||W||_2"),
        Relation(observed=lambda i: frobenius_norm(i.W), space=tight_networks, claimed="rank_bound", instances=20,
                 tolerance=float_tolerance(100, what="SVD of <= 8 x 8"),
                 label="equality for equal singular values (rank one; scaled orthonormal rows)"),
        Relation(observed=lambda i: np.array([bft_complexity(i), nbs_complexity(i)]), space=networks, claimed="orders",
                 relation=">=", instances=60, tolerance=float_tolerance(200, what="SVDs and sums over <= 5 layers"),
                 label="complexities of (1.2), (1.3) >= their Omega(.) orders"),
    ],
    mutants=[
        mutant("flipped chain", "||W'||_{2,1} <= ||W||_F <= ||W||_2", chain="<="),
        mutant("rank^{1/4}", "fourth root of the rank: false for orthonormal rows",
               rank_bound=lambda i: np.linalg.matrix_rank(i.W) ** 0.25 * spectral_norm(i.W)),
        mutant("(k+1)^2", "order k^2 for (1.2)", orders=lambda i: np.array([(i.k + 1) ** 2, np.sqrt(i.d * i.k**2 * (i.k + 1))])),
    ],
    tags=["prelim", "generalization-bound"],
)

CLAIMS = [definition_norms, eq_1_1, remark_bft_vs_nbs, remark_vacuous_orders]
