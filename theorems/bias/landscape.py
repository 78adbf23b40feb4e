"""`bias` §4 (landscape of the tied problem) beyond Theorem 4.3: Lemma 4.1, Definition 4.2 and the thesis
Lemmas 3-5 used to prove Theorem 4.3.

Seed 003_d0c1b2e846001ede.txt §4 (l. 520-600); thesis §2.3 (l. 2396-2469), Lemmas 3-5 (l. 3812-4389).
f(U) = ||M - UU'||_F^2 + lam sum_i ||u_i||^4 (Problem (4)), grad f = 4 (UU' - M) U + 4 lam U diag(U'U) for
symmetric M. Critical points come from Levenberg-Marquardt on grad f = 0 from many starts
(``landscape_math.tied_critical_points``) or from the closed forms of the proofs; Hessians are exact
(autograd, ``theorycheck.optimize.hessian``). A Hessian eigenvalue below -HESSIAN_TOL ||H|| is negative.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import Draw, Relation, Source, Space, Symbolic, Tolerance, declare, float_tolerance, mutant, optimize

from .landscape_math import (polished_tied_minimum, psd_targets, square_targets, starts, tied_critical_points,
                             tied_torch, tied_value_and_grad)
from .model import eqz, optimal_value, shrinkage, tied_objective

SEED = "003_d0c1b2e846001ede.txt"
THESIS = "000_f4de404d0cfe4539.txt"
HESSIAN_TOL = 1e-9  # relative to ||H||: exact autograd Hessians of <= 20 x 20, eigvalsh backward error ~ 1e-15


def min_hessian_eig(M, lam, U) -> float:
    return float(np.linalg.eigvalsh(optimize.hessian(tied_torch(M, lam), U))[0])


# --- Definition 4.2: strict saddles; the origin is one for PSD M != 0 ----------------------------------

def is_strict_saddle(M, lam, U) -> bool:
    """Definition 4.2: a critical point whose Hessian has a negative eigenvalue (below -HESSIAN_TOL ||H||)."""
    H = optimize.hessian(tied_torch(M, lam), U)
    eigs = np.linalg.eigvalsh(H)
    return bool(eigs[0] < -HESSIAN_TOL * np.abs(eigs).max())


definition_4_2 = declare(
    "bias/definition-4.2",
    title="strict saddle: a critical point with lambda_min(Hessian) < 0; U = 0 is one, with curvature -4 lambda_1(M)",
    source=Source(SEED, "Definition 4.2", lines="556-561", also="thesis Definition 3 (l. 2414-2420), Ch. 1 l. 1005-1013"),
    statement=r"\nabla f(U)=0,\ \lambda_{\min}(\nabla^2f(U))<0;\quad \lambda_{\min}(\nabla^2f(0))=-4\lambda_1(M)",
    hypotheses=["f twice differentiable", "M symmetric PSD, M != 0 (for the origin)"],
    claimed=lambda i: -4 * np.linalg.eigvalsh(i.M)[-1],
    checks=[Relation(observed=lambda i: min_hessian_eig(i.M, i.lam, np.zeros((i.d, i.r))), space=psd_targets,
                     tolerance=float_tolerance(400, what="autograd Hessian (d r)^2 entries + eigvalsh"), instances=15,
                     label="Hessian of (4) at U = 0")],
    mutants=[
        mutant("-2 lambda_1", "curvature -2 lambda_1(M) (f(tD) - f(0) = -2 t^2 <M, DD'> read as the Hessian)",
               claimed=lambda i: -2 * np.linalg.eigvalsh(i.M)[-1]),
        mutant("-4 lambda_d", "the smallest eigenvalue of M", claimed=lambda i: -4 * np.linalg.eigvalsh(i.M)[0]),
    ],
    tags=["landscape", "definition"],
)


# --- thesis Lemma 3: critical points satisfy UU' <= M (needs M PSD) -------------------------------------

def _indefinite(d: Draw) -> dict:
    inst = psd_targets.draw(d)
    G = d.normal(inst["d"], inst["d"])
    inst["M"] = G + G.T  # symmetric indefinite a.s. for d >= 2 with positive probability; required below
    return inst


indefinite_targets = Space(_indefinite, require=lambda i: np.linalg.eigvalsh(i.M)[0] < -0.05,
                           description="symmetric M with a negative eigenvalue (Problem (4) as printed allows it)")


def critical_point_starts(i) -> list[np.ndarray]:
    """U = 0, random starts, and starts with all but one or two columns zeroed (degenerate critical points)."""
    scale = np.sqrt(max(np.abs(i.M).max(), 1e-3) / i.r)
    x0s = [np.zeros((i.d, i.r))] + starts(i.d, i.r, 8, int(i.d * 1000 + i.r * 100 + 10 * i.lam), scale)
    for k, x in enumerate(starts(i.d, i.r, 4, 99, scale)):
        x[:, 1 + k % max(1, i.r - 1):] = 0.0
        x0s.append(x)
    return x0s


_CRITICAL_POINTS: dict[tuple, list] = {}


def critical_products(i) -> list[np.ndarray]:
    """UU' at every critical point found from ``critical_point_starts`` (memoised per instance)."""
    key = (i.M.tobytes(), i.r, float(i.lam))
    if key not in _CRITICAL_POINTS:
        if len(_CRITICAL_POINTS) > 64:
            _CRITICAL_POINTS.clear()
        # rounded to 1e-11: the roots are found to ~1e-8 (CRITICAL), and the last digits of an LM solve to
        # 1e-15 vary with memory alignment (SIMD reductions), which would make reports differ across processes
        _CRITICAL_POINTS[key] = [np.round(U @ U.T, 11)
                                 for U, _, _ in tied_critical_points(i.M, i.lam, critical_point_starts(i))]
    return _CRITICAL_POINTS[key]


def lemma_3_excess(i, parts) -> float:
    """1 + max over found critical points of lambda_max(UU' - bound(M)) / ||M||_2: at most 1 iff UU' <= bound(M)
    at all of them. Near 1 where some UU' nearly touches M (small lam, or a zero eigenvalue of M), so a bound
    10 % tighter (M / 1.1) is refuted there."""
    scale = max(np.linalg.norm(i.M, 2), 1e-12)
    excess = max(np.linalg.eigvalsh(P - parts["bound"](i.M, i.lam))[-1] for P in critical_products(i)) / scale
    return 1.0 + round(float(excess), 10)


def lemma_3_commutator(i) -> float:
    return max(np.linalg.norm(i.M @ P - P @ i.M) for P in critical_products(i))


CRITICAL = Tolerance(0.0, 1e-7, "critical points found to |grad f|_inf <= 1e-9; distance to the exact root "
                                "<= 1e-9 / (smallest nonzero Hessian eigenvalue) ~ 1e-8 on these instances")

thesis_lemma_3 = declare(
    "bias/thesis-lemma-3",
    title="(as printed) every critical point of Problem (4) satisfies UU' <= M",
    source=Source(THESIS, "Lemma 3", "(2.17)", "3812-3845"),
    statement=r"\nabla f(U)=0\Rightarrow UU^\top\preceq M",
    hypotheses=["Problem (4) as printed: M in R^{d x d}, no PSD assumption"],
    claimed=lambda i: 1.0,
    parts={"bound": lambda M, lam: M},
    # as an equality on the clipped excess (max(1, excess) = 1 iff UU' <= M at every critical point): the audit
    # treats a part read only by inequalities of an erratum as not live (no sentinel is run for errata)
    checks=[Relation(observed=lambda i, parts: max(1.0, lemma_3_excess(i, parts)), space=indefinite_targets,
                     tolerance=CRITICAL, instances=3, shrink=False,
                     label="critical points of (4) for symmetric indefinite M: max(1, 1 + lambda_max(UU' - M)/||M||) = 1")],
    mutants=[mutant("M/(1+lam)", "UU' <= M / (1 + lam)", bound=lambda M, lam: M / (1 + lam))],
    status="erratum",
    erratum_note=("M must be PSD (not stated; the proof's last step needs it). U = 0 is always a critical point, "
                  "and 0 <= M fails as soon as M has a negative eigenvalue, e.g. M = diag(1, -1). "
                  "Corrected: bias/thesis-lemma-3-corrected."),
    tags=["landscape"],
)

thesis_lemma_3_corrected = declare(
    "bias/thesis-lemma-3-corrected",
    title="for symmetric PSD M every critical point of Problem (4) commutes with M and satisfies UU' <= M",
    source=Source(THESIS, "Lemma 3 (with M PSD)", "(2.17)", "3812-3845"),
    statement=r"M\succeq0,\ \nabla f(U)=0\Rightarrow MUU^\top=UU^\top M,\ UU^\top\preceq M",
    hypotheses=["M symmetric PSD", "lam >= 0"],
    claimed=lambda i: 1.0,
    parts={"bound": lambda M, lam: M, "commutator": lambda i: 0.0},
    corrects="bias/thesis-lemma-3",
    checks=[Relation(observed=lemma_3_excess, relation="<=", space=psd_targets, tolerance=CRITICAL, instances=10,
                     label="all critical points found from 13 starts (LM on grad f = 0): 1 + lambda_max(UU' - M)/||M|| <= 1"),
            Relation(observed=lemma_3_commutator, claimed="commutator", space=psd_targets, tolerance=CRITICAL,
                     instances=10, label="the same critical points commute with M")],
    mutants=[mutant("M/(1+lam)", "UU' <= M / (1 + lam): fails at single-column critical points with r > 1",
                    bound=lambda M, lam: M / (1 + lam))],
    tags=["landscape"],
)


# --- Lemma 4.1: all local minima of Problem (4) are equalized -------------------------------------------

def local_minima_spread(i, ctx):
    """Largest spread max_i ||u_i||^2 - min_i ||u_i||^2, relative to max(||M||_F, 1), over the limit points
    (BFGS, then a Newton polish, ``polished_tied_minimum``) from 6 starts, half of them with geometrically
    unequal columns, that are local minima (lambda_min(H) >= -HESSIAN_TOL ||H||). Relative to ||M||, not to
    ||U||: when M_sym has no positive eigenvalue the minimum is U = 0, where f is quartic and the optimiser
    stops at ||U||^2 ~ gtol^{2/3}, a point whose relative spread means nothing."""
    scale = np.sqrt(max(np.abs(i.M).max(), 1e-3) / i.r)
    rng = ctx.instance_rng(i)
    worst = 0.0
    for k in range(6):
        x0 = rng.standard_normal((i.d, i.r)) * scale * (2.0 ** -np.arange(i.r) if k % 2 else 1.0)
        U = polished_tied_minimum(i.M, i.lam, x0)
        if not is_strict_saddle(i.M, i.lam, U):
            norms = (U * U).sum(0)
            worst = max(worst, (norms.max() - norms.min()) / max(np.linalg.norm(i.M), 1.0))
    return worst


def _small_rate_target(d: Draw) -> dict:
    """PSD targets with lam log-uniform down to 1e-4 ("no matter how small the dropout rate", 003 l. 547)."""
    inst = psd_targets.draw(d)
    if d.regime == "lam -> 0":
        inst["lam"] = d.log_uniform(1e-4, 1e-3)
    elif d.regime != "large lam (rho<r)":
        inst["lam"] = d.log_uniform(1e-4, 3.0)
    return inst


small_rate_targets = Space(_small_rate_target, regimes=psd_targets.regimes + ("lam -> 0",),
                           description="symmetric PSD M as psd_targets, lam log-uniform in [1e-4, 3] (regime lam -> 0: "
                                       "[1e-4, 1e-3]; large lam: [3, 30])")


def eigen_aligned_spread(i) -> float:
    """Mutant: the local minima are the eigen-aligned factors W diag((lambda_i - alpha)_+^{1/2}) (not rotated)."""
    sh = shrinkage(i.M, i.r, i.lam)
    x = np.maximum(sh.sigma - sh.alpha, 0.0)
    x[sh.rho:] = 0.0
    return float((x.max() - x.min()) / max(np.linalg.norm(i.M), 1.0))


# the spread changes the gradient by ~ lam x spread (the equalizing rotation's curvature is ~ lam): after the
# Newton polish (|grad f|_inf <= 1e-14) the spread is below 1e-14 / lam, plus rounding of the norms (1e-12)
SPREAD_TOL = Tolerance(1e-13, 1e-12, "Newton-polished minimum, |grad|_inf <= 1e-14: spread <= |grad| / (c lam) "
                                     "(band 1e-13 / lam) + float64 rounding of the column norms")

lemma_4_1 = declare(
    "bias/lemma-4.1",
    title="for lam > 0 (however small) every local minimum of the tied problem (4) is equalized",
    source=Source(SEED, "Lemma 4.1", "(4)", "547-551", also="thesis Lemma 1 (l. 2396-2404), proved by Lemma 4"),
    statement=r"\lambda>0,\ U\ \text{a local minimum of }f\Rightarrow\|u_i\|=\|u_j\|\ \forall i,j",
    hypotheses=["lam > 0, down to 1e-4 ('no matter how small the dropout rate')",
                "any M (the rotation argument needs no PSD); PSD M drawn here, lam in [1e-4, 30]"],
    claimed=lambda i: 0.0,
    checks=[Relation(observed=local_minima_spread, space=small_rate_targets, tolerance=SPREAD_TOL, instances=12,
                     scale=lambda i: 1.0 / i.lam, label="polished limit points with PSD Hessian, 6 starts, PSD M, "
                                                        "lam log-uniform down to 1e-4"),
            Relation(observed=local_minima_spread, space=square_targets, instances=6,
                     tolerance=Tolerance(0.0, 1e-5, "for skew-dominated M the minimum is U = 0, where f is quartic: "
                                                    "the optimiser stops at ||U||^2 ~ |grad|^(2/3) <= 1e-5"),
                     label="limit points with PSD Hessian, 6 starts, non-symmetric or indefinite M")],
    mutants=[mutant("eigen-aligned minima", "the minima are W_rho diag((lambda_i - alpha)^{1/2}) without the "
                    "equalizing rotation (the lam = 0 picture): column norms lambda_i - alpha", claimed=eigen_aligned_spread),
             mutant("1 % spread", "local minima only approximately equalized (relative spread 1e-2)",
                    claimed=lambda i: 1e-2)],
    depends_on=["bias/thesis-lemma-4", "bias/definition-4.2"],
    tags=["landscape", "optimization"],
)


# --- thesis Lemma 4: non-equalized critical points are strict saddles ------------------------------------

def lemma_5_sigma_sq(eigs_E, lam, r):
    """Equalized critical points of width r on the eigenvectors E (thesis (2.19), with the 1 1' the print
    drops): sigma^2 = (I - lam / (r + lam r') 1 1') lambda_E (tools/lemma-20 inverts I + (lam/r) 1 1')."""
    k = eigs_E.size
    return eigs_E - lam / (r + lam * k) * eigs_E.sum()


def equalized_critical_point(M, E, lam, width, sigma_sq=lemma_5_sigma_sq):
    """U = [W_E diag(sigma), 0] Q with Q = EQZ: an equalized critical point of width ``width``."""
    eigs, W = np.linalg.eigh(M)
    s2 = sigma_sq(eigs[list(E)], lam, width)
    B = np.zeros((M.shape[0], width))
    B[:, : len(E)] = W[:, list(E)] * np.sqrt(np.maximum(s2, 0.0))
    return B @ eqz(B), s2


def _distinct_psd(d: Draw, r: int) -> tuple[np.ndarray, np.ndarray]:
    n = d.integer(r, 5)
    eigs = np.sort(np.array([d.uniform(0.2, 3.0) for _ in range(n)]))[::-1]
    W = d.orthogonal(n)
    return (W * eigs) @ W.T, eigs


def _non_equalized(d: Draw) -> dict:
    """[B, 0]: an equalized critical point B of width r' < r on eigenvectors E, padded with zero columns."""
    r = d.integer(2, 4)
    M, eigs = _distinct_psd(d, r - 1)
    width = d.integer(1, min(r - 1, M.shape[0]))
    order = np.argsort(-np.linalg.eigvalsh(M))
    E = order[:width] if d.regime == "top eigenvectors" else np.sort(
        np.array([d.integer(0, M.shape[0] - 1) for _ in range(width)]))
    lam = d.choice((0.1, 0.5, 2.0, 5.0))
    return {"M": M, "r": r, "E": tuple(int(e) for e in E), "width": width, "lam": lam, "d": M.shape[0]}


def _valid_non_equalized(i) -> bool:
    if len(set(i["E"])) != len(i["E"]):
        return False
    B, s2 = equalized_critical_point(i["M"], i["E"], i["lam"], i["width"])
    return bool(np.all(s2 > 1e-3))


non_equalized = Space(_non_equalized, regimes=("top eigenvectors", "any eigenvectors"), require=_valid_non_equalized,
                      description="critical points [B, 0] of (4) with r' < r nonzero equalized columns, PSD M")


def padded_point(i) -> np.ndarray:
    B, _ = equalized_critical_point(i.M, i.E, i.lam, i.width)
    return np.hstack([B, np.zeros((i.d, i.r - i.width))])


def curvature_along_rotation(i) -> float:
    """d^2/dt^2 f(U rot_{1, r'+1}(t)) at t = 0 (autograd), rotating a nonzero column into a zero one."""
    import torch

    U = torch.as_tensor(padded_point(i))
    t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    a, b = 0, i.width
    col_a = torch.cos(t) * U[:, a] + torch.sin(t) * U[:, b]
    col_b = -torch.sin(t) * U[:, a] + torch.cos(t) * U[:, b]
    cols = [col_a if k == a else col_b if k == b else U[:, k] for k in range(i.r)]
    value = tied_torch(i.M, i.lam)(torch.stack(cols, dim=1))
    (g,) = torch.autograd.grad(value, t, create_graph=True)
    (h,) = torch.autograd.grad(g, t)
    return float(h)


def lemma_4_curvature(i):
    """g''(0) = -4 lam (||u_1||^2 - ||u_2||^2)^2 (the thesis prints it without lam)."""
    U = padded_point(i)
    n = (U * U).sum(0)
    return -4 * i.lam * (n[0] - n[i.width]) ** 2


def symbolic_rotation_curve():
    """u_1 = (A^{1/2}, 0), u_2 = (0, B^{1/2}) orthogonal columns; M arbitrary symmetric 2 x 2."""
    A, B, lam = sp.symbols("A B lam", positive=True)
    m11, m12, m22 = sp.symbols("m11 m12 m22", real=True)
    return {"A": A, "B": B, "lam": lam, "M": sp.Matrix([[m11, m12], [m12, m22]])}


def symbolic_curvature(i):
    t = sp.Symbol("t", real=True)
    U = sp.Matrix([[sp.sqrt(i.A), 0], [0, sp.sqrt(i.B)]]) * sp.Matrix([[sp.cos(t), -sp.sin(t)], [sp.sin(t), sp.cos(t)]])
    R = i.M - U * U.T
    f = sum(R[k] ** 2 for k in range(4)) + i.lam * sum((U[:, k].dot(U[:, k])) ** 2 for k in range(2))
    return sp.simplify(sp.diff(f, t, 2).subs(t, 0))


thesis_lemma_4 = declare(
    "bias/thesis-lemma-4",
    title="non-equalized critical points of (4) are strict saddles: curvature -4 lam (||u_1||^2 - ||u_2||^2)^2",
    source=Source(THESIS, "Lemma 4", lines="3866-4039", also="003 §4.1 sketch (l. 537-546)"),
    statement=r"\nabla f(U)=0,\ \|u_1\|>\|u_2\|\Rightarrow\tfrac{d^2}{dt^2}f(U\,\mathrm{rot}_{12}(t))\big|_0="
              r"-4\lambda(\|u_1\|^2-\|u_2\|^2)^2<0",
    hypotheses=["lam > 0", "U a critical point with two columns of different norms (then u_1' u_2 = 0)"],
    claimed=lemma_4_curvature,
    parts={"symbolic": lambda i: -4 * i.lam * (i.A - i.B) ** 2},
    checks=[
        Symbolic(observed=symbolic_curvature, claimed="symbolic", symbols=symbolic_rotation_curve,
                 label="d = r = 2, orthogonal columns of squared norms A, B, any symmetric M"),
        Relation(observed=curvature_along_rotation, space=non_equalized, instances=20,
                 tolerance=float_tolerance(2000, atol=1e-12, what="autograd second derivative, d r <= 20 terms"),
                 scale=lambda i: np.linalg.norm(i.M) ** 2 * (1 + i.lam), label="critical points [B, 0] of (4)"),
        Relation(observed=lambda i: min_hessian_eig(i.M, i.lam, padded_point(i)) * np.sum(padded_point(i) ** 2),
                 relation="<=", space=non_equalized, instances=20,
                 tolerance=float_tolerance(2000, what="autograd Hessian + eigvalsh"),
                 scale=lambda i: np.linalg.norm(i.M) ** 2 * (1 + i.lam),
                 label="lambda_min(H) ||U'(0)||^2 <= g''(0) < 0: a strict saddle"),
    ],
    mutants=[
        mutant("as printed (no lam)", "the thesis expansion of g(t) drops lam: g''(0) = -4 (||u_1||^2 - ||u_2||^2)^2",
               claimed=lambda i: lemma_4_curvature(i) / i.lam, symbolic=lambda i: -4 * (i.A - i.B) ** 2),
        mutant("norms not squared", "-4 lam (||u_1|| - ||u_2||)^2",
               claimed=lambda i: lemma_4_curvature(i) / (np.sqrt(np.sum(padded_point(i)[:, 0] ** 2))) ** 2,
               symbolic=lambda i: -4 * i.lam * (sp.sqrt(i.A) - sp.sqrt(i.B)) ** 2),
    ],
    depends_on=["bias/definition-4.2"],
    tags=["landscape"],
)


# --- thesis Lemma 5: equalized critical points; below the threshold only the top one is a local minimum ----

def theorem_4_3_threshold(eigs: np.ndarray, r: int) -> float:
    """r lambda_r / (sum_{i<=r} lambda_i - r lambda_r) (Theorem 4.3 and Lemma 5)."""
    top = eigs[:r]
    gap = top.sum() - r * top[-1]
    return np.inf if gap <= 0 else r * top[-1] / gap


def _equalized_point(d: Draw) -> dict:
    """PSD M with distinct eigenvalues, lam below the threshold, and a support E (|E| = r' <= r)."""
    r = d.integer(2, 3)
    M, eigs = _distinct_psd(d, r)
    c = d.uniform(0.85, 0.99) if d.regime == "lam near threshold" else d.uniform(0.1, 0.85)
    lam = c * theorem_4_3_threshold(eigs, r)
    width = r if d.regime == "E = [r] (global)" else d.integer(1, r)
    E = tuple(range(width)) if d.regime in ("E = [r] (global)", "E = [r'] (Case 2)") else tuple(
        sorted({d.integer(0, M.shape[0] - 1) for _ in range(width)}))
    return {"M": M, "eigs": eigs, "r": r, "lam": lam, "E": E, "d": M.shape[0]}


def _valid_equalized(i) -> bool:
    return bool(np.all(lemma_5_sigma_sq(i["eigs"][list(i["E"])], i["lam"], i["r"]) > 1e-3)
                and np.min(-np.diff(i["eigs"])) > 0.05)


equalized_points = Space(_equalized_point, regimes=("E = [r] (global)", "E = [r'] (Case 2)", "any E (Case 3)",
                                                   "lam near threshold"), require=_valid_equalized,
                         description="equalized critical points U = [W_E Sigma, 0] EQZ of (4), distinct eigenvalues, "
                                     "lam below the Theorem 4.3 threshold")


def lemma_5_point(i, parts) -> np.ndarray:
    # eigh sorts ascending; E indexes the eigenvalues in descending order
    eigs, W = np.linalg.eigh(i.M)
    order = np.argsort(-eigs)
    cols = order[list(i.E)]
    s2 = parts["sigma_sq"](eigs[cols], i.lam, i.r)
    B = np.zeros((i.d, i.r))
    B[:, : len(cols)] = W[:, cols] * np.sqrt(np.maximum(s2, 0.0))
    return B @ eqz(B)


def gradient_at_point(i, parts) -> np.ndarray:
    return tied_value_and_grad(i.M, i.lam)(lemma_5_point(i, parts).ravel())[1]


def classification(i, parts) -> np.ndarray:
    """[is a local minimum (lambda_min(H) >= -tol ||H||), f(U) - f*]: for E = [r] f = f*."""
    U = lemma_5_point(i, parts)
    local_min = float(not is_strict_saddle(i.M, i.lam, U))
    f_star = optimal_value(shrinkage(i.M, i.r, i.lam), i.r, i.lam)
    return np.array([local_min, (tied_objective(i.M, U, i.lam) - f_star) * local_min])


def lemma_5_claimed(i, parts):
    """Local minimum iff E = [r] (the top-r eigenvectors; rho = r below the threshold), and then global."""
    return np.array([float(parts["is_global_support"](i.E, i.r)), 0.0])


def case_2_curvature(i):
    """g''(0) (r + lam r') of Case 2 as printed after regrouping, with h = mean of lambda_{r'+1..r}."""
    return (-4 * (i.S1 + (i.r - i.rp) * i.h) + 4 * (1 + i.lam) * i.r / (i.r + i.lam * i.rp) * i.S1) * (i.r + i.lam * i.rp)


def symbolic_case_2():
    S1, h, lam, r, rp = sp.symbols("S1 h lam r rp", positive=True)
    return {"S1": S1, "h": h, "lam": lam, "r": r, "rp": rp}


lemma_5_factored = (lambda i: 4 * (i.r - i.rp) * (i.S1 - i.rp * i.h)
                    * (i.lam - i.r * i.h / (i.S1 - i.rp * i.h)))

thesis_lemma_5 = declare(
    "bias/thesis-lemma-5",
    title="below the Theorem 4.3 threshold, the only equalized local minima are the global ones; every other "
          "equalized critical point is a strict saddle",
    source=Source(THESIS, "Lemma 5", "(2.19)", "4045-4389"),
    statement=r"\lambda<\tfrac{r\lambda_r}{\sum_{i\le r}\lambda_i-r\lambda_r}:\ U=W_E\Sigma V^\top\ \text{equalized critical},\ "
              r"\sigma^2=(I-\tfrac{\lambda}{r+\lambda r'}\mathbf 1\mathbf 1^\top)\lambda_E;\ \text{local min}\iff E=[r]"
              r"\ \text{(global)}, \text{else strict saddle}",
    hypotheses=["M symmetric PSD with distinct eigenvalues (Case 3 needs strict gaps)", "lam below the threshold"],
    claimed=lemma_5_claimed,
    parts={"sigma_sq": lemma_5_sigma_sq, "is_global_support": lambda E, r: tuple(E) == tuple(range(r)),
           "case_2": lemma_5_factored, "zero_gradient": lambda i: np.zeros(i.d * i.r)},
    checks=[
        Relation(observed=gradient_at_point, claimed="zero_gradient", space=equalized_points, instances=20,
                 tolerance=float_tolerance(4000, what="eigh + EQZ + gradient"), scale=lambda i: np.linalg.norm(i.M) ** 1.5,
                 label="the closed form (2.19) is a critical point"),
        Relation(observed=classification, space=equalized_points, instances=20,
                 tolerance=Tolerance(0.0, 1e-9, "0/1 classification; f - f* to float64 rounding of ||M||^2 <= 50"),
                 label="Hessian classification and value"),
        Symbolic(observed=case_2_curvature, claimed="case_2", symbols=symbolic_case_2,
                 label="Case 2 (E = [r'], r' < r): g''(0)(r + lam r') factors; negative iff lam below r h/(S1 - r' h)"),
    ],
    mutants=[
        mutant("lam/r", "sigma^2 = (I - (lam/r) 1 1') lambda_E", sigma_sq=lambda e, lam, r: e - lam / r * e.sum()),
        mutant("r + lam", "denominator r + lam", sigma_sq=lambda e, lam, r: e - lam / (r + lam) * e.sum()),
        mutant("all local minima", "every equalized critical point is a local minimum",
               is_global_support=lambda E, r: True),
        mutant("Case 2 sign flipped", "g''(0)(r + lam r') with the sign of the last factor flipped",
               case_2=lambda i: -lemma_5_factored(i)),
    ],
    depends_on=["bias/thesis-lemma-3", "bias/definition-4.2", "bias/theorem-2.4-corrected"],
    tags=["landscape"],
)

CLAIMS = [definition_4_2, lemma_4_1, thesis_lemma_3, thesis_lemma_3_corrected, thesis_lemma_4, thesis_lemma_5]
