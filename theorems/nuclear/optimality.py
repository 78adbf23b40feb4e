"""`nuclear` §3.3: global optimality (Lemma 9, eq. (3.20), Theorem 10, Corollary 1).

Seed 000_f4de404d0cfe4539.txt: Theorem 10 (l. 6340, proof l. 7059-7110), Lemma 9 (l. 6682, proof
l. 6709-7055, eq. (3.20) at l. 6950), Corollary 1 (l. 7112). Conventions in `model.py`; the population
risk is L(W) = tr(W C W') - 2 tr(W C_yx') up to a constant, with M-bar = C_yx C^{-1/2}.
"""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import sympy as sp

from theorycheck import (ConvexProgram, Program, Relation, Source, Space, Symbolic, Tolerance, declare, float_tolerance,
                         mutant, ops, optimize, solver_tolerance)

from .model import (equalization_gaps, explicit_regularizer, layer_shapes, network_map, nu_closed_form, rank_one_network,
                    regularizer_by_recursion, shrink, single_thread, unpack)
from .spaces import binding_models, eigengaps, models, rank_one_maps

SEED = "000_f4de404d0cfe4539.txt"


# --- Lemma 9: the convex surrogate is solved by spectral shrinkage-thresholding -------------------------

def shrinkage_level(sigma: np.ndarray, nu: float, r: int, pick=max) -> tuple[int, float]:
    """rho = the largest (``pick``) integer <= min(r, rank) with sigma_i > alpha_rho for all i <= rho."""
    top = sigma[:min(r, int(np.sum(sigma > 1e-12)))]
    levels = [nu * top[:p].sum() / (1 + p * nu) for p in range(1, len(top) + 1)]
    admissible = [p for p in range(1, len(top) + 1) if np.all(top[:p] > levels[p - 1])]
    rho = pick(admissible) if admissible else 0
    return rho, (levels[rho - 1] if rho else 0.0)


def lemma9_solution(i, pick=max):
    """M* = S_{alpha_rho}(M-bar) C^{-1/2}."""
    sigma = np.linalg.svd(i.Mbar, compute_uv=False)
    rho, alpha = shrinkage_level(sigma, i.nu, i.r, pick)
    return shrink(i.Mbar, alpha, rho) @ np.linalg.inv(i.S)


def _surrogate_program(inst) -> Program:
    """(3.18) in the original variable W: ||W C^{1/2} - M-bar||_F^2 + nu ||W C^{1/2}||_*^2 (= risk + const)."""
    m, n = inst.Mbar.shape
    Mbar, S, nu = cp.Parameter((m, n)), cp.Parameter((n, n)), cp.Parameter(nonneg=True)
    W = cp.Variable((m, n))
    problem = cp.Problem(cp.Minimize(cp.sum_squares(W @ S - Mbar) + nu * cp.square(cp.normNuc(W @ S))))
    return Program(problem, {"Mbar": Mbar, "S": S, "nu": nu}, {"W": W})


def _reduced_program(inst) -> Program:
    """(3.18) after von Neumann: min over r singular values x >= 0 of sum (sigma_i - x_i)^2 + nu (sum x)^2."""
    sigma, nu = cp.Parameter(inst.r), cp.Parameter(nonneg=True)
    x = cp.Variable(inst.r, nonneg=True)
    return Program(cp.Problem(cp.Minimize(cp.sum_squares(sigma - x) + nu * cp.square(cp.sum(x)))),
                   {"sigma": sigma, "nu": nu}, {"x": x})


def reduced_minimiser(sol, i):
    """The map W = U_r diag(x) V_r' C^{-1/2} built from the reduced solution x."""
    U, _, Vt = np.linalg.svd(i.Mbar)
    return (U[:, :i.r] * sol.outputs["x"]) @ Vt[:i.r] @ np.linalg.inv(i.S)


lemma_9 = declare(
    "nuclear/lemma-9",
    title="the convex surrogate min L + nu ||W C^{1/2}||_*^2 is solved by S_{alpha_rho}(M-bar) C^{-1/2}",
    source=Source(SEED, "Lemma 9", "(3.18)-(3.20)", "6682-7055"),
    statement=r"\arg\min_{W}\mathbb E\|y-Wx\|^2+\nu\|WC^{1/2}\|_*^2=S_{\alpha_\rho}(\bar M)C^{-1/2},\ "
              r"\alpha_\rho=\frac{\nu\sum_{j\le\rho}\sigma_j(\bar M)}{1+\rho\nu},\ \rho=\max\{\rho:\sigma_i>\alpha_\rho\ "
              r"\forall i\le\rho\}",
    hypotheses=["C SPD, nu > 0", "rank W <= r: not binding (full SDP) or binding (r < rank M-bar, reduced program)"],
    claimed=lemma9_solution,
    checks=[
        ConvexProgram(program=_surrogate_program, key=lambda i: i.Mbar.shape, space=models, instances=12,
                      values=lambda i: {"Mbar": i.Mbar, "S": i.S, "nu": i.nu},
                      observed=lambda sol, i: sol.outputs["W"],
                      tolerance=solver_tolerance(1e-6, factor=10, what="minimiser of a strongly convex SDP, "
                                                 "Clarabel gap 1e-10 (variables ~ sqrt(gap))"),
                      label="cvxpy normNuc, Clarabel: the minimiser (rank bound not binding)"),
        ConvexProgram(program=_reduced_program, key=lambda i: i.r, space=binding_models, instances=12,
                      values=lambda i: {"sigma": np.linalg.svd(i.Mbar, compute_uv=False)[:i.r], "nu": i.nu},
                      observed=reduced_minimiser,
                      tolerance=solver_tolerance(1e-6, factor=10, what="minimiser of a strongly convex QP, Clarabel"),
                      label="binding rank bound r < rank M-bar: the reduced program over r singular values"),
    ],
    mutants=[
        mutant("uniform alpha_1", "shrink every value by alpha_1 whatever rho is",
               claimed=lambda i: shrink(i.Mbar, i.nu * np.linalg.svd(i.Mbar, compute_uv=False)[0] / (1 + i.nu))
               @ np.linalg.inv(i.S)),
        mutant("alpha over all sigma", "alpha = nu sum_all sigma / (1 + nu)",
               claimed=lambda i: shrink(i.Mbar, i.nu * np.linalg.svd(i.Mbar, compute_uv=False).sum() / (1 + i.nu))
               @ np.linalg.inv(i.S)),
        mutant("smallest rho", "the smallest admissible rho", claimed=lambda i: lemma9_solution(i, pick=min)),
        mutant("no C^{-1/2}", "S_alpha(M-bar) without C^{-1/2}",
               claimed=lambda i: lemma9_solution(i) @ i.S),
    ],
    depends_on=["nuclear/theorem-9", "nuclear/aux-woodbury"],
    tags=["global-optimality", "central"],
)


# --- (3.20) -------------------------------------------------------------------------------------------

def woodbury_claimed(i, denominator=lambda nu, r: 1 + r * nu, sign=-1):
    return [e for r in i.sizes for e in sp.eye(r) + sign * i.nu / denominator(i.nu, r) * sp.ones(r, r)]


aux_woodbury = declare(
    "nuclear/aux-woodbury",
    title="(I + nu 11')^{-1} = I - nu/(1 + r nu) 11'",
    source=Source(SEED, "eq. (3.20) (proof of Lemma 9)", "(3.20)", "6940-6960"),
    statement=r"(I_r+\nu\mathbf 1_r\mathbf 1_r^\top)^{-1}=I_r-\frac{\nu}{1+r\nu}\mathbf 1_r\mathbf 1_r^\top",
    hypotheses=["r >= 1, nu >= 0"],
    claimed=woodbury_claimed,
    checks=[Symbolic(observed=lambda i: [e for r in i.sizes for e in (sp.eye(r) + i.nu * sp.ones(r, r)).inv()],
                     symbols=lambda: {"nu": sp.Symbol("nu", nonnegative=True), "sizes": [1, 2, 3, 4, 5]},
                     label="r = 1..5, symbolic nu (sympy inverse)")],
    mutants=[
        mutant("nu/(1+nu)", "r missing in the denominator",
               claimed=lambda i: woodbury_claimed(i, lambda nu, r: 1 + nu)),
        mutant("sign", "I + nu/(1 + r nu) 11'",
               claimed=lambda i: woodbury_claimed(i, sign=1)),
    ],
    tags=["linear-algebra"],
)


# --- Theorem 10 and Corollary 1: the dropout optimum, found by training on the exact objective -----------

_OPTIMA: dict[tuple, tuple] = {}


def _dropout_minimum(i, restarts: int = 2):
    """argmin over weights of L(W_{k+1->1}) + R (exact population objective), multi-start L-BFGS from
    the instance's stream; memoised, so the map, the equalization and the value checks share one run.
    Returns (weights, objective value)."""
    import torch

    key = (i.Cyx.tobytes(), i.C.tobytes(), tuple(i.dims), float(i.theta))
    if key in _OPTIMA:
        return _OPTIMA[key]
    shapes = layer_shapes(i.dims)
    C, Cyx = torch.as_tensor(i.C), torch.as_tensor(i.Cyx)

    def objective(flat):
        Ws = unpack(flat, shapes)
        M = network_map(Ws)
        return torch.trace(M @ C @ M.T) - 2 * torch.trace(M @ Cyx.T) + regularizer_by_recursion(Ws, C, i.lam)

    rng = np.random.default_rng(np.random.SeedSequence([5, *np.frombuffer(key[0], dtype=np.uint32)]))
    size = sum(r * c for r, c in shapes)
    with single_thread():
        best = optimize.minimize_restarts(objective, [0.5 * rng.standard_normal(size) for _ in range(restarts)])[0]
    if len(_OPTIMA) > 64:
        _OPTIMA.clear()
    _OPTIMA[key] = unpack(best.x, shapes), best.value
    return _OPTIMA[key]


def dropout_optimum(i):
    """The map W*_{k+1->1} of the exact dropout optimum."""
    return network_map(_dropout_minimum(i)[0])


def optimum_gaps(i):
    """max_l |R_l / LB_l - 1| at the optimum's weights (0 iff equalized, Lemma 7 / Definition 5)."""
    return float(np.max(np.abs(equalization_gaps(_dropout_minimum(i)[0], i.S))))


def optimum_value(i):
    return _dropout_minimum(i)[1]


def population_objective(i, M, nu):
    """L(M) + Theta(M) with Theta = nu ||M C^{1/2}||_*^2 (rank-1 optimum: Theta = Theta**, Lemma 7 + Prop. 1)."""
    return float(np.trace(M @ i.C @ M.T) - 2 * np.trace(M @ i.Cyx.T) + nu * ops.nuclear_norm(M @ i.S) ** 2)


def theorem10_claimed(i, level=lambda nu, s1: nu * s1 / (1 + nu), inverse_root=True):
    sigma1 = np.linalg.svd(i.Mbar, compute_uv=False)[0]
    M = shrink(i.Mbar, level(i.nu, sigma1))
    return M @ np.linalg.inv(i.S) if inverse_root else M


OPTIMUM = solver_tolerance(1e-6, factor=10, what="L-BFGS minimiser, gtol 1e-10, best of 2 restarts")
# at the minimiser the gaps r_l are quadratic in the distance to the equalized optimum (|x - x*| <= gtol /
# curvature ~ 1e-8), so float64 rounding of the pivot sums (~1e-13) dominates; 1e-6 leaves the optimiser room
EQUALIZED = Tolerance(0.0, 1e-6, "L-BFGS minimiser (gtol 1e-10): gaps r_l = O(|x - x*|^2) + rounding 1e-13")
VALUE = Tolerance(1e-8, 1e-10, "L-BFGS value at gtol 1e-10: error O(|grad|^2 / curvature) + float64 rounding")

theorem_10 = declare(
    "nuclear/theorem-10",
    title="under sigma_1 - sigma_2 >= sigma_2 / nu the dropout optimum is S_{nu sigma_1/(1+nu)}(M-bar) C^{-1/2}",
    source=Source(SEED, "Theorem 10", "", "6340-6360, proof 7059-7110"),
    statement=r"\sigma_1(\bar M)-\sigma_2(\bar M)\ge\tfrac1\nu\sigma_2(\bar M)\Rightarrow "
              r"W^*_{k+1\to1}=S_{\frac{\nu\sigma_1(\bar M)}{1+\nu}}(\bar M)C^{-1/2}",
    hypotheses=["C SPD", "the eigengap condition", "the global optimum of L_theta over all weights"],
    claimed=theorem10_claimed,
    parts={"equalized": lambda i: 0.0,
           "value": lambda i, parts: population_objective(i, parts["claimed"](i), i.nu)},
    checks=[Relation(observed=dropout_optimum, space=eigengaps, instances=4, full_instances=12,
                     tolerance=OPTIMUM, shrink=False,
                     label="multi-start L-BFGS on the exact L + R: the map (k = 1, 2, 3 and single output)"),
            Relation(observed=optimum_gaps, claimed="equalized", space=eigengaps, instances=4, full_instances=12,
                     tolerance=EQUALIZED, shrink=False, label="the optimum found is equalized: max_l |r_l| = 0"),
            Relation(observed=optimum_value, claimed="value", space=eigengaps, instances=4, full_instances=12,
                     tolerance=VALUE, shrink=False,
                     scale=lambda i: np.trace(i.Cyx @ np.linalg.inv(i.C) @ i.Cyx.T),
                     label="its objective L + R = L(M*) + nu ||M* C^{1/2}||_*^2")],
    mutants=[
        mutant("nu sigma_1", "shrinkage nu sigma_1 (no 1 + nu)",
               claimed=lambda i: theorem10_claimed(i, level=lambda nu, s1: nu * s1)),
        mutant("sigma_1/(1+nu)", "shrinkage sigma_1 / (1 + nu)",
               claimed=lambda i: theorem10_claimed(i, level=lambda nu, s1: s1 / (1 + nu))),
        mutant("no C^{-1/2}", "S_alpha(M-bar) without C^{-1/2}",
               claimed=lambda i: theorem10_claimed(i, inverse_root=False)),
        mutant("Theta = lam ||.||_*^2", "the optimum's value with the shallow constant lam in place of nu",
               value=lambda i, parts: population_objective(i, parts["claimed"](i), i.lam)),
    ],
    depends_on=["nuclear/theorem-9", "nuclear/lemma-9", "nuclear/proposition-1", "nuclear/lemma-7"],
    tags=["global-optimality", "central"],
)

SINGLE_OUTPUT = Space(eigengaps.draw, regimes=("single output",), description="d_{k+1} = 1, k = 2, C SPD generic")
SINGLE_OUTPUT_MAPS = Space(rank_one_maps.draw, regimes=("single output",),
                           description="w = u v' (u scalar) with d_{k+1} = 1, widths 1-5, C SPD")

corollary_1 = declare(
    "nuclear/corollary-1",
    title="single output: the dropout optimum is C_yx / (1 + nu) (as printed: C^{-1} missing)",
    source=Source(SEED, "Corollary 1", "", "7112-7125"),
    statement=r"d_{k+1}=1:\ \Theta(w)=\nu\|w\|_C^2,\ W^*_{k+1\to1}=\frac1{1+\nu}C_{yx},\ \{W_i^*\}\text{ equalized}",
    hypotheses=["d_{k+1} = 1", "C SPD (not assumed to be I)"],
    claimed=lambda i: i.Cyx / (1 + i.nu),
    checks=[Relation(observed=dropout_optimum, space=SINGLE_OUTPUT, instances=1, full_instances=4,
                     tolerance=OPTIMUM, shrink=False,
                     label="multi-start L-BFGS on the exact L + R")],
    mutants=[mutant("lam for nu", "the shallow constant lam without widths", claimed=lambda i: i.Cyx / (1 + i.lam))],
    status="erratum",
    erratum_note="Part (2) drops C^{-1}: Theorem 10 with sigma_2 = 0 gives W* = S_{nu sigma_1/(1+nu)}(M-bar) C^{-1/2} = "
                 "C_yx C^{-1} / (1 + nu), which equals C_yx / (1 + nu) only when C = I. Counterexample: k = 1, d_1 = 1, "
                 "d_0 = 2, theta = 1/2 (nu = 1), C = diag(2, 1), C_yx = (1, 0): the exact objective "
                 "w C w' - 2 w C_yx' + nu w C w' is minimised at w = (1/4, 0), not (1/2, 0).",
    scope="Part (2) is checked by training on the exact objective; (1) is Proposition 1 + Lemma 7 and (3) follows.",
    depends_on=["nuclear/theorem-10"],
    tags=["global-optimality", "erratum"],
)

corollary_1_corrected = declare(
    "nuclear/corollary-1-corrected",
    title="single output: the dropout optimum is C_yx C^{-1} / (1 + nu)",
    source=Source(SEED, "Corollary 1 (corrected)", "", "7112-7125", also="Theorem 10 with sigma_2 = 0"),
    statement=r"d_{k+1}=1:\ W^*_{k+1\to1}=\frac1{1+\nu}C_{yx}C^{-1}",
    hypotheses=["d_{k+1} = 1", "C SPD"],
    claimed=lambda i: i.Cyx @ np.linalg.inv(i.C) / (1 + i.nu),
    parts={"induced": lambda i: nu_closed_form(i.dims[1:-1], i.lam) * float((i.u[0] * i.v) @ i.C @ (i.u[0] * i.v)),
           "equalized": lambda i: 0.0},
    checks=[Relation(observed=dropout_optimum, space=SINGLE_OUTPUT, instances=1, full_instances=4,
                     tolerance=OPTIMUM, shrink=False,
                     label="(2) multi-start L-BFGS on the exact L + R"),
            Relation(observed=optimum_gaps, claimed="equalized", space=SINGLE_OUTPUT, instances=1, full_instances=4,
                     tolerance=EQUALIZED, shrink=False, label="(3) the optimum's weights are equalized: max_l |r_l| = 0"),
            Relation(observed=lambda i: explicit_regularizer(rank_one_network(i.u, i.v, i.dims[1:-1]), i.S, i.lam),
                     claimed="induced", space=SINGLE_OUTPUT_MAPS, instances=20,
                     tolerance=float_tolerance(4096, what="Proposition-8 sums"),
                     label="(1) Theta(w) = nu w C w': attained by Proposition 1's net (Lemma 7 gives >=)")],
    mutants=[
        mutant("lam for nu", "the shallow constant lam without widths",
               claimed=lambda i: i.Cyx @ np.linalg.inv(i.C) / (1 + i.lam)),
        mutant("1 - nu", "(1 - nu) C_yx C^{-1}", claimed=lambda i: (1 - i.nu) * i.Cyx @ np.linalg.inv(i.C)),
        mutant("ridge penalty", "(1) Theta(w) = nu ||w||^2 (the ridge analogy taken literally)",
               induced=lambda i: nu_closed_form(i.dims[1:-1], i.lam) * float(i.u[0] ** 2 * i.v @ i.v)),
    ],
    corrects="nuclear/corollary-1",
    depends_on=["nuclear/theorem-10", "nuclear/proposition-1", "nuclear/lemma-7"],
    tags=["global-optimality"],
)

CLAIMS = [lemma_9, aux_woodbury, theorem_10, corollary_1, corollary_1_corrected]
