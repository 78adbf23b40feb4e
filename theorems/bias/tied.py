"""`bias` §2 (tied autoencoders) beyond Theorem 2.2: the rotation argument, Definition 2.1, the
averaged-eigenvector claim, Theorems 2.3 and 2.4, Remark 2.5.

Seed 003_d0c1b2e846001ede.txt §2 (l. 196-427); thesis §2.1 (l. 1889-2126), Definition 1, Claim 1,
Theorems 2-3, Remark 1, proofs l. 2791-3308. Both texts write the rotation as Q in R^{d x d}; it acts
on hidden units, so Q is r x r. Theorem 2.4 silently needs M symmetric PSD (see its erratum).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from theorycheck import (BoundSearch, ConvexProgram, Draw, Instance, Relation, Source, Space, Symbolic, declare,
                         float_tolerance, mutant, ops, solver_tolerance)

from .landscape_math import (OPTIMISER, RESTARTS, best_of_restarts, psd_targets, qp_values, reduced_qp, square_targets,
                             starts, tied_optimum)
from .model import eqz, shrink, shrinkage, shrunk_spectrum, tied_objective

SEED = "003_d0c1b2e846001ede.txt"
THESIS = "000_f4de404d0cfe4539.txt"


def _tied_weights(d: Draw) -> dict:
    n = d.integer(1, 6)
    r = d.integer(n + 1, 7) if d.regime == "r>d" else d.integer(1, 6)
    U = d.normal(n, r) * d.exponential(1, r)
    if d.regime == "equal columns":
        U = U / np.maximum(np.linalg.norm(U, axis=0), 1e-12)
    if d.regime == "one nonzero column":
        U[:, 1:] = 0.0
    return {"d": n, "r": r, "U": U, "lam": d.choice((0.1, 1.0, 5.0)), "Q": d.orthogonal(r)}


tied_weights = Space(_tied_weights, regimes=("typical", "r>d", "equal columns", "one nonzero column"),
                     description="U (d x r), Exp(1) column scales, a Haar rotation Q of the hidden units")


# --- the inequality of §2: rotation invariance of the loss, R(U) >= (lam/r) ||U||_F^4 -------------------

def tied_regulariser(i):
    return i.lam * (ops.column_sq_norms(i.U) ** 2).sum()


def frobenius_bound(i):
    """Cauchy-Schwarz: lam ||1_r||^2 ||n_u||^2 / r >= (lam / r) <1_r, n_u>^2 = (lam / r) ||U||_F^4."""
    return i.lam / i.r * ops.sum_squares(i.U) ** 2


def equalized_regulariser(i):
    """R at the equalized UQ, Q = EQZ(U): the Cauchy-Schwarz bound is attained there."""
    return tied_regulariser(Instance(U=i.U @ eqz(i.U), lam=i.lam))


inequality_sec2 = declare(
    "bias/inequality-sec2",
    title="the loss is rotation invariant and R(U) >= (lam/r)||U||_F^4, with equality iff equalized",
    source=Source(SEED, "§2 display before Definition 2.1", lines="216-254",
                  also="thesis §2.1 l. 1889-1977, proof of Theorem 2 l. 2947-2986"),
    statement=r"\ell(UQ,UQ)=\ell(U,U)\ \forall Q\in O(r);\quad \lambda\sum_i\|u_i\|^4\ \ge\ "
              r"\tfrac\lambda r\|U\|_F^4,\ \text{equality iff }\|u_1\|=\dots=\|u_r\|",
    hypotheses=["U in R^{d x r}, lam > 0", "Q orthogonal r x r (printed as d x d)"],
    claimed=frobenius_bound,
    parts={"rotated_gram": lambda i: i.U @ i.U.T},
    checks=[
        BoundSearch(observed=tied_regulariser, space=tied_weights, variables=["U"], relation=">=",
                    tolerance=float_tolerance(8 * 64, what="sums of r <= 7 fourth powers"), instances=12,
                    steps=40, label="Adam ascent on (lam/r)||U||^4 - R(U)"),
        Relation(observed=equalized_regulariser, space=tied_weights,
                 tolerance=float_tolerance(2000, what="EQZ: r eigendecompositions of r x r Gram blocks"),
                 instances=40, label="tight at the equalized U EQZ(U)"),
        Relation(observed=lambda i: (i.U @ i.Q) @ (i.U @ i.Q).T, claimed="rotated_gram", space=tied_weights,
                 tolerance=float_tolerance(64, what="two r-term inner products"),
                 scale=lambda i: np.full((i.d, i.d), ops.sum_squares(i.U)), instances=40,
                 label="UQ (UQ)' = UU': the loss l(UQ, UQ) is unchanged"),
    ],
    mutants=[
        mutant("no 1/r", "R >= lam ||U||_F^4", claimed=lambda i: i.lam * ops.sum_squares(i.U) ** 2),
        mutant("1/r^2", "R >= (lam/r^2)||U||_F^4: true but not tight at equalized U",
               claimed=lambda i: i.lam / i.r**2 * ops.sum_squares(i.U) ** 2),
        mutant("Q on the wrong side", "QU'UQ' in place of UQQ'U'", rotated_gram=lambda i: i.U @ i.Q @ i.Q @ i.U.T),
    ],
    tags=["tied", "inequality"],
)


# --- Definition 2.1: UQ is equalized iff diag(Q' G_U Q) is constant -------------------------------------

definition_2_1 = declare(
    "bias/definition-2.1",
    title="equalizer: Q equalizes U iff the diagonal of Q' G_U Q is constant",
    source=Source(SEED, "Definition 2.1", lines="260-265, 303-309", also="thesis Definition 1 (l. 1987-2006)"),
    statement=r"\|(UQ)_{:,i}\|^2=(Q^\top G_UQ)_{ii},\ G_U=U^\top U;\ UQ\ \text{equalized}\iff"
              r"\mathrm{diag}(Q^\top G_UQ)=\tfrac{\mathrm{Tr}\,G_U}{r}\mathbf 1_r",
    hypotheses=["U in R^{d x r}", "Q orthogonal r x r"],
    claimed=lambda i: ops.column_sq_norms(i.U @ i.Q),
    checks=[
        Symbolic(observed=lambda i: np.diag(i.Q.T @ (i.U.T @ i.U) @ i.Q),
                 symbols=lambda: {"U": ops.symbol_matrix("u", 3, 2), "Q": ops.symbol_matrix("q", 2, 2)},
                 label="d = 3, r = 2, any Q"),
        Relation(observed=lambda i: np.diag(i.Q.T @ (i.U.T @ i.U) @ i.Q), space=tied_weights, instances=40,
                 tolerance=float_tolerance(64, what="two inner products of length <= 7"),
                 scale=lambda i: np.full(i.r, ops.sum_squares(i.U)), label="random U, Haar Q"),
    ],
    mutants=[
        mutant("Q G Q'", "rotation applied from the wrong side",
               claimed=lambda i: np.diag(i.Q @ (i.U.T @ i.U) @ i.Q.T)),
        mutant("Q ignored", "equalized iff U's own columns are equal",
               claimed=lambda i: ops.column_sq_norms(i.U)),
    ],
    tags=["tied", "definition"],
)


# --- thesis Claim 1: w = (1/sqrt m) sum_j v_j has ||w|| = 1 and w'Gw = Tr G / m --------------------------

def _symmetric(d: Draw) -> dict:
    m = d.integer(1, 8)
    A = d.normal(m, m)
    G = {"PSD Gram": A.T @ A, "rank one": np.outer(A[0], A[0]), "traceless": A + A.T - np.trace(A + A.T) / m * np.eye(m)}.get(
        d.regime, A + A.T)
    return {"m": m, "G": G, "vecs": np.linalg.eigh(G)[1]}


symmetric_matrices = Space(_symmetric, regimes=("indefinite", "PSD Gram", "rank one", "traceless"),
                           description="symmetric m x m, m <= 8, with an orthonormal eigenbasis")


def averaged_eigenvector(vecs):
    """Claim 1: w = (1/sqrt m) sum_j v_j (Algorithm 2, line 5)."""
    return vecs.sum(axis=1) / ops.sqrt(vecs.shape[1] + 0 * vecs[0, 0])


def rayleigh_and_norm(i, parts):
    w = parts["averaging"](i.vecs)
    return np.array([w @ i.G @ w, w @ w], dtype=i.G.dtype)


def symbolic_eigenbasis():
    t = sp.Symbol("t", real=True)
    vecs = np.array([[sp.cos(t), -sp.sin(t)], [sp.sin(t), sp.cos(t)]], dtype=object)
    lams = np.diag([sp.Symbol("l1", real=True), sp.Symbol("l2", real=True)]).astype(object)
    return {"G": vecs @ lams @ vecs.T, "vecs": vecs, "m": 2}


thesis_claim_1 = declare(
    "bias/thesis-claim-1",
    title="the averaged eigenvector has unit norm and Rayleigh quotient Tr(G)/m",
    source=Source(THESIS, "Claim 1 (proof of Theorem 1)", lines="2817-2888", also="003 l. 303-309"),
    statement=r"G=\sum_{i\le m}\lambda_iv_iv_i^\top,\ w=\tfrac1{\sqrt m}\sum_iv_i\ \Rightarrow\ \|w\|=1,\ "
              r"w^\top Gw=\tfrac1m\mathrm{Tr}\,G",
    hypotheses=["G symmetric with an orthonormal eigenbasis v_1..v_m"],
    claimed=lambda i: np.array([np.trace(i.G) / i.m, 1 + 0 * i.G[0, 0]], dtype=i.G.dtype),
    parts={"averaging": averaged_eigenvector},
    checks=[
        Symbolic(observed=rayleigh_and_norm, symbols=symbolic_eigenbasis, label="m = 2, eigenbasis rotated by t"),
        Relation(observed=rayleigh_and_norm, space=symmetric_matrices, instances=40,
                 tolerance=float_tolerance(8 * 64, what="eigh backward error + m^2 products, m <= 8"),
                 scale=lambda i: np.array([np.abs(i.G).sum(), 1.0]), label="random symmetric G"),
    ],
    mutants=[
        mutant("1/m", "w = (1/m) sum v_i: not a unit vector", averaging=lambda vecs: vecs.sum(axis=1) / vecs.shape[1]),
        mutant("top eigenvector", "w = v_max: Rayleigh quotient lambda_max",
               averaging=lambda vecs: vecs[:, -1]),
    ],
    depends_on=["bias/definition-2.1"],
    tags=["tied", "eqz"],
)


# --- Theorem 2.3: global optima of Problem (4) are equalized --------------------------------------------

def optimum_norms_and_regulariser(i):
    U = tied_optimum(i.M, i.r, i.lam)
    return np.append(ops.column_sq_norms(U), i.lam * (ops.column_sq_norms(U) ** 2).sum())


def equalized_norms_and_bound(i):
    """||u_i||^2 = ||U||_F^2 / r for all i, and R(U) = (lam / r) ||U||_F^4."""
    U = tied_optimum(i.M, i.r, i.lam)
    return np.append(np.full(i.r, ops.sum_squares(U) / i.r), i.lam / i.r * ops.sum_squares(U) ** 2)


theorem_2_3 = declare(
    "bias/theorem-2.3",
    title="every global optimum of the tied dropout problem (4) is equalized, R(U) = (lam/r)||U||_F^4",
    source=Source(SEED, "Theorem 2.3", "(4)", "315-321", also="thesis Theorem 2 (l. 2040-2049, proof 2947-3003)"),
    statement=r"U\in\arg\min_U\|M-UU^\top\|_F^2+\lambda\sum_i\|u_i\|^4\Rightarrow\|u_i\|^2=\tfrac1r\|U\|_F^2\ "
              r"\forall i,\ R(U)=\tfrac\lambda r\|U\|_F^4",
    hypotheses=["lam > 0", "any square M (the rotation argument needs no PSD)"],
    claimed=equalized_norms_and_bound,
    checks=[
        Relation(observed=optimum_norms_and_regulariser, space=psd_targets, tolerance=OPTIMISER, instances=15,
                 label="best BFGS optimum, PSD M"),
        Relation(observed=optimum_norms_and_regulariser, space=square_targets, tolerance=OPTIMISER, instances=6,
                 label="best BFGS optimum, non-symmetric or indefinite M"),
    ],
    mutants=[
        mutant("no 1/r", "R = lam ||U||_F^4",
               claimed=lambda i: equalized_norms_and_bound(i) * np.append(np.ones(i.r), i.r)),
        mutant("1/d", "||u_i||^2 = ||U||_F^2 / d",
               claimed=lambda i: equalized_norms_and_bound(i) * np.append(np.full(i.r, i.r / i.d), 1.0)),
    ],
    depends_on=["bias/theorem-2.2", "bias/inequality-sec2"],
    tags=["tied", "optimization"],
)


# --- Theorem 2.4: U*U*' = S_alpha(M) ------------------------------------------------------------------

def _rule(sigma, lam, denominators):
    thresholds = lam * np.cumsum(sigma) / denominators
    above = np.nonzero(sigma > thresholds)[0]
    rho = int(above[-1]) + 1 if above.size else 0
    return rho, float(thresholds[rho - 1]) if rho else 0.0


def theorem_2_4_rule(sigma, r, lam):
    """rho = max{j in [r]: lambda_j > lam j kappa_j / (r + lam j)}, alpha = lam rho kappa_rho / (r + lam rho)."""
    return _rule(sigma, lam, r + lam * np.arange(1, r + 1))


def one_plus_rule(sigma, r, lam):
    """Mutant: 1 + lam j in place of r + lam j (the thesis Algorithm 3)."""
    return _rule(sigma, lam, 1 + lam * np.arange(1, r + 1))


def lam_kappa_rule(sigma, r, lam):
    """Mutant: alpha = lam kappa_rho."""
    rho, _ = theorem_2_4_rule(sigma, r, lam)
    return rho, float(lam * np.mean(sigma[:rho])) if rho else 0.0


def min_rule(sigma, r, lam):
    """Mutant: rho the smallest index above the threshold (min in place of max)."""
    rho, alpha = theorem_2_4_rule(sigma, r, lam)
    return (1, float(lam * sigma[0] / (r + lam))) if rho else (rho, alpha)


narrow_psd_targets = Space(psd_targets.draw, regimes=("typical", "tied eigenvalues"), require=lambda i: i.r < i.d,
                           description="PSD M with r < d: S_alpha(M) untruncated can have rank > r")


def printed_shrinkage(i, parts):
    """S_alpha(M) as printed: every singular value shrunk by alpha (not truncated to rank rho)."""
    sh = shrinkage(i.M, i.r, i.lam, parts["rule"])
    W, s, Yt = np.linalg.svd(i.M)
    return (W * np.maximum(s - sh.alpha, 0.0)) @ Yt


def truncated_shrinkage(i, parts):
    sh = shrinkage(i.M, i.r, i.lam, parts["rule"])
    return shrink(i.M, sh.alpha, sh.rho)


def optimal_product(i):
    U = tied_optimum(i.M, i.r, i.lam)
    return U @ U.T


theorem_2_4 = declare(
    "bias/theorem-2.4",
    title="(as printed) the optimal tied autoencoder is U*U*' = S_alpha(M) for any M",
    source=Source(SEED, "Theorem 2.4", "(4)", "340-347", also="thesis Theorem 3 (l. 2076-2089, proof 3012-3308)"),
    statement=r"\kappa_j=\tfrac1j\sum_{i\le j}\lambda_i(M),\ \rho=\max\{j\in[r]:\lambda_j(M)>\tfrac{\lambda j\kappa_j}{r+\lambda j}\}"
              r"\Rightarrow U_*U_*^\top=S_{\lambda\rho\kappa_\rho/(r+\lambda\rho)}(M)",
    hypotheses=["M in R^{d x d} (nothing more is stated)", "lambda_i(M): i-th largest singular value (003 §1.1)"],
    claimed=printed_shrinkage,
    parts={"rule": theorem_2_4_rule, "truncated": truncated_shrinkage},
    checks=[
        Relation(observed=optimal_product, space=narrow_psd_targets, tolerance=OPTIMISER, instances=5,
                 scale=lambda i: np.full(i.M.shape, np.linalg.norm(i.M, 2)), shrink=False,
                 label="PSD M, S_alpha(M) as printed (all singular values shrunk)"),
        Relation(observed=optimal_product, claimed="truncated", space=square_targets, tolerance=OPTIMISER,
                 instances=6, scale=lambda i: np.full(i.M.shape, np.linalg.norm(i.M, 2)), shrink=False,
                 label="non-symmetric / indefinite M, S_alpha truncated to rank rho"),
    ],
    mutants=[mutant("1 + lam j", "the thesis Algorithm 3 normalisation", rule=one_plus_rule)],
    status="erratum",
    erratum_note=(
        "Two defects. (1) M must be symmetric PSD (unstated): for non-symmetric M the loss is "
        "||M_sym - UU'||^2 + ||M_skew||^2, so the optimum depends on the eigenvalues of M_sym, not on the "
        "singular values of M; e.g. skew-symmetric M has optimum U* = 0 while S_alpha(M) != 0, and for symmetric "
        "indefinite M the singular values are |eigenvalues| (check 2 fails on all 6 such instances). (2) S_alpha(M) shrinks every singular value, so it has rank up to d > r "
        "whenever lambda_{r+1}(M) > alpha (small lam), while U*U*' has rank <= r: S_alpha must be truncated to "
        "the top rho directions (check 1). Corrected: bias/theorem-2.4-corrected."),
    tags=["tied", "closed-form"],
)


def spectrum_and_alignment(P, M):
    """Eigenvalues of the PSD product P (descending) and <M, P>: these determine P up to ties of M."""
    return np.append(np.sort(np.linalg.eigvalsh((P + P.T) / 2))[::-1], np.sum(M * P))


theorem_2_4_corrected = declare(
    "bias/theorem-2.4-corrected",
    title="for symmetric PSD M the optimal tied autoencoder is U*U*' = S_alpha(M) truncated to rank rho",
    source=Source(SEED, "Theorem 2.4 (corrected)", "(4)", "340-347", also="thesis Theorem 3, proof l. 3012-3308"),
    statement=r"M\succeq0:\ U_*U_*^\top=\sum_{i\le\rho}(\lambda_i(M)-\alpha)w_iw_i^\top,\ \alpha="
              r"\tfrac{\lambda\rho\kappa_\rho}{r+\lambda\rho},\ \lambda_j:=0\ (j>d)",
    hypotheses=["M symmetric PSD (eigenvalues = singular values)", "lam > 0", "any r (r >= d allowed)"],
    claimed=lambda i, parts: spectrum_and_alignment(truncated_shrinkage(i, parts), i.M),
    parts={"rule": theorem_2_4_rule,
           "shrunk": lambda i, parts: shrunk_spectrum(shrinkage(i.M, i.r, i.lam, parts["rule"]))},
    corrects="bias/theorem-2.4",
    checks=[
        Relation(observed=lambda i: spectrum_and_alignment(optimal_product(i), i.M), space=psd_targets,
                 tolerance=OPTIMISER, instances=15, scale=lambda i: np.linalg.norm(i.M) ** 2,
                 label="best BFGS optimum of (4): spectrum and <M, U*U*'>"),
        ConvexProgram(program=reduced_qp, space=psd_targets, key=lambda i: i.r, values=qp_values,
                      observed=lambda sol, i: sol.outputs["x"],
                      claimed="shrunk", tolerance=solver_tolerance(1e-8, what="Clarabel gap/feasibility 1e-10"),
                      instances=15, label="convex reduction: minimiser x = (lambda_i - alpha)_+, i <= rho"),
    ],
    mutants=[
        mutant("1 + lam j", "the thesis Algorithm 3 normalisation", rule=one_plus_rule),
        mutant("alpha = lam kappa", "no (r + lam rho) normalisation", rule=lam_kappa_rule),
        mutant("rho = min", "smallest index above threshold", rule=min_rule),
    ],
    depends_on=["bias/theorem-2.3", "bias/theorem-2.2"],
    tags=["tied", "closed-form", "convex"],
)


# --- Remark 2.5: Problem (4) and its equalized relaxation (5) have the same minimum ----------------------

def problem_5_value_and_grad(M, c, r):
    """Problem (5): ||M - UU'||_F^2 + c ||U||_F^4 (c = lam / r as printed)."""
    Msym = (M + M.T) / 2
    n = M.shape[0]

    def fg(flat):
        U = flat.reshape(n, r)
        R = U @ U.T - M
        fro = (U * U).sum()
        return float((R * R).sum() + c * fro**2), (4 * (U @ U.T - Msym) @ U + 4 * c * fro * U).ravel()

    return fg


@lru_cache(maxsize=64)
def _problem_5_minimiser(key: bytes, d: int, r: int, c: float) -> np.ndarray:
    M = np.frombuffer(key).reshape(d, d)
    scale = np.sqrt(max(np.abs(M).max(), 1e-3) / r)
    return best_of_restarts(problem_5_value_and_grad(M, c, r), starts(d, r, RESTARTS, 7, scale))


def problem_5_minimiser(i, parts):
    return _problem_5_minimiser(i.M.tobytes(), i.d, i.r, float(parts["relaxed_weight"](i.lam, i.r)))


def min_problem_5(i, parts):
    U = problem_5_minimiser(i, parts)
    return ops.sum_squares(i.M - U @ U.T) + parts["relaxed_weight"](i.lam, i.r) * ops.sum_squares(U) ** 2


def min_problem_4(i):
    return tied_objective(i.M, tied_optimum(i.M, i.r, i.lam), i.lam)


remark_2_5 = declare(
    "bias/remark-2.5",
    title="Problem (4) and its equalized relaxation (5) have the same minimum; EQZ maps a (5)-optimum to a (4)-optimum",
    source=Source(SEED, "Remark 2.5", "(4)-(5)", "359-427", also="thesis Remark 1 (l. 2096-2126)"),
    statement=r"\min_U\ell(U,U)+\lambda\sum_i\|u_i\|^4=\min_U\ell(U,U)+\tfrac\lambda r\|U\|_F^4,\ "
              r"U_5\,\mathrm{EQZ}(U_5)\in\arg\min(4)",
    hypotheses=["lam > 0", "M symmetric PSD (as in Theorem 2.4); the equality of minima holds for any M"],
    claimed=min_problem_5,
    parts={"relaxed_weight": lambda lam, r: lam / r},
    checks=[
        Relation(observed=min_problem_4, space=psd_targets, tolerance=OPTIMISER, instances=10,
                 label="best BFGS values of (4) and (5)"),
        Relation(observed=lambda i, parts: tied_objective(
                     i.M, problem_5_minimiser(i, parts) @ eqz(problem_5_minimiser(i, parts)), i.lam),
                 space=psd_targets, tolerance=OPTIMISER, instances=10,
                 label="(4) at U_5 EQZ(U_5) equals min (5)"),
    ],
    mutants=[mutant("lam ||U||^4", "relaxation (5) without the 1/r", relaxed_weight=lambda lam, r: lam)],
    depends_on=["bias/theorem-2.2", "bias/inequality-sec2"],
    tags=["tied", "optimization"],
)

CLAIMS = [inequality_sec2, definition_2_1, thesis_claim_1, theorem_2_3, theorem_2_4, theorem_2_4_corrected,
          remark_2_5]
