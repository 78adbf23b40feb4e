"""`bias` §3 (two-layer linear networks) beyond Theorem 3.6: Remark 3.1, the nuclear-norm lower bound,
Definition 3.2 and its remark, Theorems 3.3 and 3.4, Remark 3.5.

Seed 003_d0c1b2e846001ede.txt §3 (l. 387-516); thesis §2.2 (l. 2152-2346), Remark 2, Definition 2,
Theorems 4-5, Remark 3, proofs l. 3382-3514. The paper and the thesis define "jointly equalized"
differently (equal products ||u_i|| ||v_i|| vs products equal to ||UV'||_* / r); both are encoded.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from theorycheck import (BoundSearch, ConvexProgram, Draw, Relation, Source, Space, Symbolic, Tolerance,
                         declare, float_tolerance, mutant, ops)

from .landscape_math import OPTIMISER, column_norms, equalizable_factorization, qp_values, reduced_qp, untied_optimum
from .model import optimal_value, path_products, reg_parameter, shrinkage, untied_objective
from .spaces import networks, targets

SEED = "003_d0c1b2e846001ede.txt"
THESIS = "000_f4de404d0cfe4539.txt"


def _rescaled_network(d: Draw) -> dict:
    inst = networks.draw(d)
    inst["D"] = np.exp(2 * d.normal(inst["r"]))  # positive diagonal, spread over e^{+-6}
    inst["lam"] = reg_parameter(inst["theta"])
    return inst


rescaled_networks = Space(_rescaled_network, regimes=networks.regimes,
                          description="networks of bias.spaces with a positive diagonal D and lam = (1-theta)/theta")


# --- Remark 3.1: f(UD, VD^{-1}) = f(U, V) ------------------------------------------------------------

def product_and_regulariser(U, V, lam):
    return np.append((U @ V.T).ravel(), lam * path_products(U, V).sum())


def rescaled(i, parts):
    U, V = parts["rescale"](i.U, i.V, i.D)
    return product_and_regulariser(U, V, i.lam)


remark_3_1 = declare(
    "bias/remark-3.1",
    title="rescaling hidden units by a positive diagonal D leaves the network and the dropout objective unchanged",
    source=Source(SEED, "Remark 3.1", lines="387-413", also="thesis Remark 2 (l. 2152-2175)"),
    statement=r"(UD)(VD^{-1})^\top=UV^\top,\ R(UD,VD^{-1})=R(U,V),\ L_\theta(UD,VD^{-1})=L_\theta(U,V)",
    hypotheses=["D diagonal with positive entries"],
    claimed=lambda i: product_and_regulariser(i.U, i.V, i.lam),
    parts={"rescale": lambda U, V, D: (U * D[None, :], V / D[None, :])},
    checks=[
        Symbolic(observed=rescaled, symbols=lambda: {
            "U": ops.symbol_matrix("u", 2, 2), "V": ops.symbol_matrix("v", 3, 2), "lam": sp.Symbol("lam", positive=True),
            "D": np.array([sp.Symbol("d1", positive=True), sp.Symbol("d2", positive=True)], dtype=object)},
            label="d2 = 2, d0 = 3, r = 2"),
        Relation(observed=rescaled, space=rescaled_networks, instances=40,
                 tolerance=float_tolerance(64, what="r <= 6 products, each rescaled once"),
                 scale=lambda i: np.append(np.full(i.d2 * i.d0, np.linalg.norm(i.U) * np.linalg.norm(i.V)),
                                           i.lam * path_products(i.U, i.V).sum()),
                 label="D = exp(2 N(0, 1))"),
    ],
    mutants=[
        mutant("VD", "both factors scaled by D", rescale=lambda U, V, D: (U * D[None, :], V * D[None, :])),
        mutant("non-diagonal A", "UA, VA^{-T} with a non-diagonal A: same product, different regulariser",
               rescale=lambda U, V, D: _shear(U, V)),
    ],
    depends_on=["bias/lemma-A.1"],
    tags=["untied", "invariance"],
)


def _shear(U, V):
    """(UA, VA^{-T}) with the shear A = I + e_1 e_2': same product, unequal regulariser (mutant only)."""
    r = U.shape[1]
    A = np.eye(r)
    if r > 1:
        A[0, 1] = 1.0
    A_inv_T = np.linalg.inv(A).T
    return U @ A, V @ A_inv_T


# --- §3 inequality: R >= (lam/r)(sum ||u_i|| ||v_i||)^2 >= (lam/r)||UV'||_*^2 -------------------------

def dropout_regulariser(i):
    return i.lam * (ops.column_sq_norms(i.U) * ops.column_sq_norms(i.V)).sum()


def products_bound(i):
    return i.lam / i.r * (ops.sqrt(ops.column_sq_norms(i.U) * ops.column_sq_norms(i.V))).sum() ** 2


def nuclear_bound(i):
    return i.lam / i.r * ops.nuclear_norm(i.U @ i.V.T) ** 2


def at_construction(i):
    U, V = equalizable_factorization(i.U, i.V)
    return i.lam * path_products(U, V).sum()


inequality_sec3 = declare(
    "bias/inequality-sec3",
    title="R(U,V) >= (lam/r)(sum_i ||u_i|| ||v_i||)^2 >= (lam/r)||UV'||_*^2, tight at an equalized factorization",
    source=Source(SEED, "§3 display after Remark 3.1", lines="428-456",
                  also="thesis §2.2 (l. 2177-2247), proof of Theorem 5 eqs. (2.14)-(2.15)"),
    statement=r"\lambda\sum_i\|u_i\|^2\|v_i\|^2\ge\tfrac\lambda r\Big(\sum_i\|u_i\|\|v_i\|\Big)^2\ge"
              r"\tfrac\lambda r\|UV^\top\|_*^2",
    hypotheses=["any U (d2 x r), V (d0 x r), lam >= 0"],
    claimed=nuclear_bound,
    parts={"middle": products_bound},
    checks=[
        BoundSearch(observed=dropout_regulariser, space=rescaled_networks, variables=["U", "V"], relation=">=",
                    tolerance=float_tolerance(4 * 216, what="SVD of a <= 6 x 6 product + r-term sums"),
                    instances=10, steps=40, label="Adam ascent on (lam/r)||UV'||_*^2 - R"),
        Relation(observed=dropout_regulariser, claimed="middle", relation=">=", space=rescaled_networks,
                 tolerance=float_tolerance(64, what="Cauchy-Schwarz over r <= 6 terms"), instances=40,
                 label="first inequality (Cauchy-Schwarz)"),
        Relation(observed=at_construction, space=rescaled_networks, instances=40,
                 tolerance=float_tolerance(4000, what="SVD + EQZ (r eigendecompositions)"),
                 label="equality at Theorem 3.3's equalized factorization"),
    ],
    mutants=[
        mutant("no 1/r", "R >= lam ||UV'||_*^2", claimed=lambda i: i.lam * ops.nuclear_norm(i.U @ i.V.T) ** 2),
        mutant("Frobenius", "R >= lam ||UV'||_F^2", claimed=lambda i: i.lam * ops.sum_squares(i.U @ i.V.T)),
    ],
    tags=["untied", "inequality"],
)


# --- Definition 3.2 and "not every pair is jointly equalizable" ---------------------------------------

def _pair(d: Draw) -> dict:
    """Thesis counterexample family U = c Q0, V = a b' (rank one); random pairs for the paper reading."""
    c, Q0 = d.uniform(0.2, 3.0), d.orthogonal(2)
    a = d.normal(2)
    b = d.normal(2)
    if d.regime == "thesis example":
        c, Q0, a, b = 1.0, np.eye(2), np.array([1.0, 0.0]), np.array([1.0, 1.0])
    else:
        a = a / np.linalg.norm(a)
    return {"U": c * Q0, "V": np.outer(a, b), "c": c, "b": b, "U2": d.normal(d.integer(1, 5), 2),
            "V2": d.normal(d.integer(1, 5), 2) * d.exponential(1, 2)}


pairs = Space(_pair, regimes=("thesis example", "typical"),
              description="(U, V) = (c Q0, a b') with |a| = 1, and random width-2 pairs (U2, V2)")


def thesis_deviations(U, V, phis, target):
    """max_i | ||(UQ)_i|| ||(VQ)_i|| - target(UV') | for Q = rotation(phi), vectorised over phi; 0 iff Q is a
    joint equalizer (thesis Definition 2). Reflections only flip a column's sign, so rotations cover O(2)."""
    c, s = np.cos(phis), np.sin(phis)
    norms = [np.stack([np.linalg.norm(np.outer(A[:, 0], c) + np.outer(A[:, 1], s), axis=0),
                       np.linalg.norm(np.outer(A[:, 0], -s) + np.outer(A[:, 1], c), axis=0)]) for A in (U, V)]
    return np.max(np.abs(norms[0] * norms[1] - target(U @ V.T)), axis=0)


def best_thesis_deviation(i, parts):
    """min over O(2) of the deviation, on a grid of 20000 angles."""
    return float(thesis_deviations(i.U, i.V, np.linspace(0, 2 * np.pi, 20000, endpoint=False), parts["target"]).min())


def rotation(phi: float) -> np.ndarray:
    c, s = np.cos(phi), np.sin(phi)
    return np.array([[c, -s], [s, c]])


def paper_deviation(i):
    """Paper reading (equal products): h(phi) = p_1 - p_2 under the rotation by phi has h(phi + pi/2) =
    -h(phi), so it has a root in [0, pi/2]; the relative spread of the products at that root."""
    def h(phi):
        p = column_norms(i.U2 @ rotation(phi)) * column_norms(i.V2 @ rotation(phi))
        return p[0] - p[1]

    phi = 0.0 if h(0.0) == 0 else brentq(h, 0.0, np.pi / 2, xtol=1e-15)
    p = column_norms(i.U2 @ rotation(phi)) * column_norms(i.V2 @ rotation(phi))
    return abs(p[0] - p[1]) / max(p.sum(), 1e-300)


definition_3_2 = declare(
    "bias/definition-3.2",
    title="jointly equalized pairs: not every pair is jointly equalizable (thesis reading); "
          "under the paper's reading every width-2 pair is",
    source=Source(SEED, "Definition 3.2 and the next paragraph", lines="458-478",
                  also="thesis Definition 2 (l. 2251-2268)"),
    statement=r"\text{paper: }\|u_i\|\|v_i\|=\|u_1\|\|v_1\|\ \forall i;\ \text{thesis: }\|u_i\|\|v_i\|="
              r"\tfrac1r\|UV^\top\|_*\ \forall i;\ \exists(U,V):\ \forall Q\in O(r),\ (UQ,VQ)\text{ not jointly equalized}",
    hypotheses=["Q orthogonal r x r", "thesis example: U = I_2, V = [[1, 1], [0, 0]] (and its family c Q0, a b')"],
    claimed=lambda i: i.c * np.linalg.norm(i.b) * (1 / np.sqrt(2) - 0.5),
    parts={"target": lambda P: ops.nuclear_norm(P) / 2, "paper_gap": lambda i: 0.0},
    checks=[
        Relation(observed=best_thesis_deviation, space=pairs, instances=4,
                 tolerance=Tolerance(8e-4, 0.0, "grid step 2 pi / 20000 x Lipschitz constant c|b| of the deviation in "
                                     "the angle, relative to the claimed c|b|(1/sqrt2 - 1/2)"),
                 label="thesis reading: min over O(2) of the deviation = c|b|(1/sqrt2 - 1/2) > 0"),
        Relation(observed=paper_deviation, claimed="paper_gap", space=pairs, instances=20,
                 tolerance=float_tolerance(64, atol=1e-13, what="Brent root to xtol 1e-15"),
                 label="paper reading: a joint equalizer exists for r = 2 (so the remark's claim needs the thesis reading)"),
    ],
    mutants=[
        mutant("always equalizable", "every pair is jointly equalizable under the thesis definition",
               claimed=lambda i: 0.0),
        mutant("no 1/r", "products equal to ||UV'||_* (target without 1/r)",
               target=lambda P: ops.nuclear_norm(P)),
        mutant("paper reading fails", "the thesis gap transferred to the paper reading",
               paper_gap=lambda i: 1 / np.sqrt(2) - 0.5),
    ],
    tags=["untied", "definition"],
)


# --- Theorem 3.3: an equivalent factorization with ||u_i||^2 = ||v_i||^2 = ||UV'||_* / r -----------------

def construction(i):
    U, V = equalizable_factorization(i.U, i.V)
    return np.concatenate([(U @ V.T).ravel(), ops.column_sq_norms(U), ops.column_sq_norms(V)])


def theorem_3_3_claimed(i):
    P = i.U @ i.V.T
    return np.concatenate([P.ravel(), np.full(2 * i.r, ops.nuclear_norm(P) / i.r)])


theorem_3_3 = declare(
    "bias/theorem-3.3",
    title="every network has an equivalent factorization with ||u_i||^2 = ||v_i||^2 = ||UV'||_*/r",
    source=Source(SEED, "Theorem 3.3", lines="479-484", also="thesis Theorem 4 (l. 2285-2293, proof 3382-3391)"),
    statement=r"\exists\tilde U,\tilde V,\ Q\in O(r):\ \tilde U\tilde V^\top=UV^\top,\ \|\bar u_i\|^2=\|\bar v_i\|^2="
              r"\tfrac1r\|UV^\top\|_*,\ \bar U=\tilde UQ,\ \bar V=\tilde VQ",
    hypotheses=["any U (d2 x r), V (d0 x r), including rank(UV') < r (zero-padded SVD factors)"],
    claimed=theorem_3_3_claimed,
    checks=[
        Relation(observed=construction, space=networks, instances=60,
                 tolerance=float_tolerance(4000, what="SVD + EQZ (r eigendecompositions), r <= 6"),
                 scale=lambda i: np.linalg.norm(i.U) * np.linalg.norm(i.V),
                 label="the proof's construction: compact SVD, zero padding, EQZ"),
    ],
    mutants=[
        mutant("Frobenius", "||u_i||^2 = ||UV'||_F / r", claimed=lambda i: np.concatenate([
            (i.U @ i.V.T).ravel(), np.full(2 * i.r, np.linalg.norm(i.U @ i.V.T) / i.r)])),
        mutant("1/rank", "||u_i||^2 = ||UV'||_* / rank(UV')", claimed=lambda i: np.concatenate([
            (i.U @ i.V.T).ravel(), np.full(2 * i.r, ops.nuclear_norm(i.U @ i.V.T)
                                           / max(1, np.linalg.matrix_rank(i.U @ i.V.T)))])),
    ],
    depends_on=["bias/theorem-2.2"],
    tags=["untied", "eqz"],
)


# --- Theorem 3.4: global optima of Problem (6) are jointly equalized -----------------------------------

def optimum_products_and_regulariser(i):
    U, V = untied_optimum(i.M, i.r, i.lam)
    return np.append(column_norms(U) * column_norms(V), i.lam * path_products(U, V).sum())


def jointly_equalized_claimed(i):
    """||u_i|| ||v_i|| = ||UV'||_* / r for all i and R = (lam / r) ||UV'||_*^2 at the optimum."""
    U, V = untied_optimum(i.M, i.r, i.lam)
    nuc = ops.nuclear_norm(U @ V.T)
    return np.append(np.full(i.r, nuc / i.r), i.lam / i.r * nuc**2)


def frobenius_claimed(i):
    """Mutant: the Frobenius norm in place of the nuclear norm."""
    U, V = untied_optimum(i.M, i.r, i.lam)
    fro = np.linalg.norm(U @ V.T)
    return np.append(np.full(i.r, fro / i.r), i.lam / i.r * fro**2)


wide_targets = Space(targets.draw, regimes=targets.regimes, require=lambda i: i.r >= 2,
                     description="targets of bias.spaces with r >= 2 (for r = 1 joint equalization is vacuous)")


def optimum_value(i):
    U, V = untied_optimum(i.M, i.r, i.lam)
    return untied_objective(i.M, U, V, i.lam)


theorem_3_4 = declare(
    "bias/theorem-3.4",
    title="every global optimum of the dropout problem (6) is jointly equalized, R = (lam/r)||UV'||_*^2",
    source=Source(SEED, "Theorem 3.4", "(6)", "490-499", also="thesis Theorem 5 (l. 2301-2321, proof 3394-3514)"),
    statement=r"(U,V)\in\arg\min\|M-UV^\top\|_F^2+\lambda\sum_i\|u_i\|^2\|v_i\|^2\Rightarrow\|u_i\|\|v_i\|="
              r"\tfrac1r\|UV^\top\|_*\ \forall i,\ R(U,V)=\tfrac\lambda r\|UV^\top\|_*^2",
    hypotheses=["lam > 0", "any M (d2 x d0)"],
    claimed=jointly_equalized_claimed,
    parts={"optimal_value": lambda i: optimal_value(shrinkage(i.M, i.r, i.lam), i.r, i.lam)},
    checks=[Relation(observed=optimum_value, claimed="optimal_value", space=wide_targets, tolerance=OPTIMISER,
                     instances=12, label="the BFGS point is a global optimum: its value is f* of Theorem 3.6"),
            Relation(observed=optimum_products_and_regulariser, space=wide_targets, tolerance=OPTIMISER, instances=12,
                     label="best BFGS optimum of (6), r >= 2: products and regulariser")],
    mutants=[
        mutant("Frobenius", "products ||UV'||_F / r and R = (lam/r)||UV'||_F^2", claimed=frobenius_claimed),
        mutant("no 1/r", "R = lam ||UV'||_*^2", claimed=lambda i: jointly_equalized_claimed(i)
               * np.append(np.ones(i.r), i.r)),
    ],
    depends_on=["bias/inequality-sec3", "bias/theorem-3.3", "bias/remark-3.1"],
    tags=["untied", "optimization"],
)


# --- Remark 3.5: dropout favours low rank --------------------------------------------------------------

def theorem_3_6_rank(M, r, lam):
    """rank of the optimum S_alpha(M) = rho of Theorem 3.6."""
    return shrinkage(M, r, lam).rho


LAMBDA_GRID = np.logspace(-3, 3, 61)


def ranks_along_grid(i, parts) -> np.ndarray:
    return np.array([parts["rank"](i.M, i.r, lam) for lam in LAMBDA_GRID], dtype=float)


def running_minimum(i, parts) -> np.ndarray:
    """The claim "rho non-increasing in lam": the ranks along the grid equal their running minimum."""
    return np.minimum.accumulate(ranks_along_grid(i, parts))


def symbolic_segment():
    s, S, lam, r, j = sp.symbols("sigma S lam r j", positive=True)
    return {"sigma": s, "S": S, "lam": lam, "r": r, "j": j}


remark_3_5 = declare(
    "bias/remark-3.5",
    title="dropout favours low rank: the optimum has rank rho <= r, non-increasing in lam",
    source=Source(SEED, "Remark 3.5", lines="502-507", also="thesis Remark 3 (l. 2323-2331)"),
    statement=r"\mathrm{rank}(U_*V_*^\top)=\rho(\lambda)\le r,\ \lambda\mapsto\rho(\lambda)\ \text{non-increasing};\ "
              r"\sigma_{j+1}>\alpha_{j+1}\iff\sigma_{j+1}>\alpha_j",
    hypotheses=["lam > 0", "rank read off the certified convex reduction (entries above the solver tolerance)"],
    claimed=lambda i, parts: float(parts["rank"](i.M, i.r, i.lam)),
    parts={"rank": theorem_3_6_rank, "non_increasing": running_minimum,
           "segment": lambda i: (i.sigma - i.lam * i.S / (i.r + i.lam * i.j)) * (i.r + i.lam * i.j)},
    checks=[
        ConvexProgram(program=reduced_qp, space=targets, key=lambda i: i.r, values=qp_values,
                      observed=lambda sol, i: float(np.sum(sol.outputs["x"] > 1e-6 * max(1.0, sol.outputs["x"].max()))),
                      tolerance=Tolerance(0.0, 0.05, "ranks are integers (any band < 0.1 x rank separates a 10 % "
                                                     "change); entries counted above 1e-6 >> solver tol 1e-10"),
                      instances=25, label="rank of the certified optimum = rho"),
        Relation(observed=ranks_along_grid, claimed="non_increasing", space=targets, instances=25,
                 tolerance=Tolerance(0.0, 0.05, "ranks are integers"),
                 label="rho along lam in [1e-3, 1e3] (61 points) equals its running minimum"),
        Symbolic(observed=lambda i: (i.sigma - i.lam * (i.S + i.sigma) / (i.r + i.lam * (i.j + 1)))
                 * (i.r + i.lam * (i.j + 1)), claimed="segment", symbols=symbolic_segment,
                 label="(sigma - alpha_{j+1})(r + lam(j+1)) = (sigma - alpha_j)(r + lam j): same sign"),
    ],
    mutants=[
        mutant("full rank", "the optimum keeps rank min(r, rank M) for every lam",
               rank=lambda M, r, lam: min(r, int(np.linalg.matrix_rank(M)))),
        mutant("rank grows with lam", "rank r + 1 - rho", rank=lambda M, r, lam: r + 1 - theorem_3_6_rank(M, r, lam)),
        mutant("non-decreasing", "rho read as non-decreasing in lam (its running maximum)",
               non_increasing=lambda i, parts: np.maximum.accumulate(ranks_along_grid(i, parts))),
        mutant("segment with r + lam(j+1)", "alpha_j with the next index's normalisation",
               segment=lambda i: (i.sigma - i.lam * i.S / (i.r + i.lam * (i.j + 1))) * (i.r + i.lam * i.j)),
    ],
    depends_on=["bias/theorem-3.6"],
    tags=["untied", "low-rank", "convex"],
)

CLAIMS = [remark_3_1, inequality_sec3, definition_3_2, theorem_3_3, theorem_3_4, remark_3_5]
