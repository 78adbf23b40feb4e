"""`prelim` §1.1.3: threat models, robust risk (eqs. 1.5-1.7, l. 1196-1290) and FGSM as a PGD step
(l. 1319-1352) of seed 000_f4de404d0cfe4539.txt.

Delta_{p,nu}(x) = {x + delta : ||delta||_p <= nu}; the thesis focuses on p = 2, FGSM is p = inf.
sgn(0) = 0, and a prediction sgn(w'x') = 0 counts as an error (f_w(x') != y).
"""
from __future__ import annotations

import numpy as np

from theorycheck import (ConvexProgram, Program, Relation, Source, Space, Tolerance, declare, float_tolerance, mutant,
                         solver_tolerance)

from .notation import POWER_CONE_OPTS, dual_exponent

SEED = "000_f4de404d0cfe4539.txt"


# --- (1.5): the adversary against a linear classifier ----------------------------------------------

def _linear_classifier(d) -> dict:
    n = 1 if d.regime == "d=1" else d.integer(2, 8)
    w = d.normal(n) * d.exponential(n)
    if d.regime == "sparse w":
        w[: n // 2] = 0.0
    return {"w": w, "x": d.normal(n), "y": d.choice((-1.0, 1.0)), "nu": d.log_uniform(1e-2, 3.0),
            "p": d.choice((1.0, 1.5, 2.0, 3.0, np.inf)), "n": n, "seed": d.integer(0, 2**31 - 1)}


linear_classifiers = Space(_linear_classifier, regimes=("typical", "d=1", "sparse w"),
                           description="sgn(w'x) on R^n (n <= 8), budgets nu in [0.01, 3], p in {1, 1.5, 2, 3, inf}")


def worst_margin_program(inst) -> Program:
    """min_{||delta||_p <= nu} y w'(x + delta): the adversary wins (1.5) iff this is <= 0."""
    import cvxpy as cp

    yw, margin, nu = cp.Parameter(inst.n), cp.Parameter(), cp.Parameter(nonneg=True)
    delta = cp.Variable(inst.n)
    return Program(cp.Problem(cp.Minimize(margin + yw @ delta), [cp.norm(delta, inst.p) <= nu]),
                   {"yw": yw, "margin": margin, "nu": nu})


def sampled_worst_margin(i):
    """min of y w'(x + delta) over 4096 random delta on the l_p sphere of radius nu (no attack may beat the claim)."""
    rng = np.random.default_rng(i.seed)
    directions = rng.standard_normal((4096, i.n)) * rng.standard_exponential((4096, 1)) ** rng.choice((-1.0, 1.0), (4096, 1))
    delta = i.nu * directions / np.linalg.norm(directions, i.p, axis=1, keepdims=True)
    return np.min(i.y * (i.x + delta) @ i.w)


definition_robust_risk = declare(
    "prelim/definition-robust-risk",
    title="the adversary (1.5) against a linear classifier: robust iff y w'x > nu ||w||_{p*}",
    source=Source(SEED, "§1.1.3, threat model and robust risk", "(1.5)-(1.7)", "1196-1290"),
    statement=r"\max_{x'\in\Delta_{p,\nu}(x)}\mathbb I\{\mathrm{sgn}(w^\top x')\ne y\}=\mathbb I\{yw^\top x\le\nu\|w\|_{p^*}\},"
              r"\ \ \min_{\|\delta\|_p\le\nu}yw^\top(x+\delta)=yw^\top x-\nu\|w\|_{p^*}",
    hypotheses=["f_w(x) = sgn(w'x)", "Delta_{p,nu}(x) = {x + delta: ||delta||_p <= nu}, nu >= 0"],
    scope="(1.5)-(1.7) are definitions; their one checkable consequence for linear classifiers (the inner max "
          "in closed form, through the dual norm) is checked against a convex program. Seed typos: f_x(x') "
          "for f_w(x') (l. 1239)",
    claimed=lambda i: i.y * i.w @ i.x - i.nu * np.linalg.norm(i.w, dual_exponent(i.p)),
    checks=[
        ConvexProgram(program=worst_margin_program, values=lambda i: {"yw": i.y * i.w, "margin": i.y * i.w @ i.x, "nu": i.nu},
                      space=linear_classifiers, key=lambda i: (i.n, i.p), instances=24, solver_opts=POWER_CONE_OPTS,
                      tolerance=solver_tolerance(1e-7, what="Clarabel at 1e-9, power cones for p in {1.5, 3}"),
                      label="worst-case margin (Clarabel)"),
        Relation(observed=sampled_worst_margin, space=linear_classifiers, relation=">=", instances=24,
                 tolerance=float_tolerance(64, atol=1e-12, what="inner products of length <= 8"),
                 scale=lambda i: np.abs(i.w) @ (np.abs(i.x) + i.nu), label="4096 random attacks on the l_p sphere"),
    ],
    mutants=[
        mutant("||w||_p", "the primal norm for the dual one",
               claimed=lambda i: i.y * i.w @ i.x - i.nu * np.linalg.norm(i.w, i.p)),
        mutant("no budget", "nu dropped", claimed=lambda i: i.y * i.w @ i.x - np.linalg.norm(i.w, dual_exponent(i.p))),
    ],
    tags=["prelim", "definition", "adversarial"],
)


# --- FGSM is one l_inf PGD step with infinite step size ----------------------------------------------

def _gradient_step(d) -> dict:
    regime = d.regime
    n = d.integer(1, 8)
    g = d.normal(n) * (1e-6 if regime == "tiny gradient" else 1.0)
    if regime == "zeros in the gradient":
        g[: max(1, n // 2)] = 0.0
    x, nu = d.normal(n), d.log_uniform(1e-3, 1.0)
    nonzero = np.abs(g[g != 0])
    # the smallest step at which every moving coordinate hits the box: eta >= nu / min |g_i|
    eta = nu / nonzero.min() * d.uniform(1.0, 10.0) if nonzero.size else 1.0
    if regime == "eta = 1e12":
        eta = 1e12
    return {"x": x, "g": g, "nu": nu, "eta": eta, "start": x + nu * (2 * d.uniform(0, 1) - 1) * np.sign(d.normal(n)), "n": n}


gradient_steps = Space(_gradient_step, regimes=("typical", "zeros in the gradient", "tiny gradient", "eta = 1e12"),
                       description="x, g in R^n (n <= 8), nu in [1e-3, 1], eta >= nu / min_{g_i != 0} |g_i|")


def box_projection(v, x, nu):
    """Pi onto Delta_{inf,nu}(x): clipping to [x - nu, x + nu] (the seed: 'clipping entries')."""
    return np.clip(v, x - nu, x + nu)


def pgd_step(i, parts):
    """x'_2 = Pi[x'_1 + eta g] with x'_1 = parts['start'](i)."""
    return parts["projection"](parts["start"](i) + i.eta * i.g, i.x, i.nu)


def box_program(inst) -> Program:
    import cvxpy as cp

    v, x, nu = cp.Parameter(inst.n), cp.Parameter(inst.n), cp.Parameter(nonneg=True)
    z = cp.Variable(inst.n)
    return Program(cp.Problem(cp.Minimize(cp.sum_squares(z - v)), [cp.abs(z - x) <= nu]), {"v": v, "x": x, "nu": nu},
                   {"z": z})


remark_fgsm = declare(
    "prelim/remark-fgsm",
    title="FGSM is a single l_inf PGD step from x'_1 = x with (large enough) step size",
    source=Source(SEED, "§1.1.3, PGD and FGSM [GSS15]", lines="1319-1352"),
    statement=r"\Pi_{\Delta_{\infty,\nu}(x)}[x+\eta g]=x+\nu\,\mathrm{sgn}(g)\quad\text{for }\eta\ge\nu/\min_{g_i\ne0}|g_i|,"
              r"\ g=\nabla_x\ell(f_w(x),y)",
    hypotheses=["PGD initialised at x'_1 = x (the seed allows an arbitrary x'_1 in Delta: then coordinates with "
                "g_i = 0 stay at x'_1 != x)", "sgn(0) = 0"],
    claimed=lambda i: i.x + i.nu * np.sign(i.g),
    parts={"projection": box_projection, "start": lambda i: i.x,
           "projected_step": lambda i, parts: parts["projection"](i.x + i.eta * i.g, i.x, i.nu)},
    checks=[
        Relation(observed=pgd_step, space=gradient_steps, instances=40,
                 tolerance=float_tolerance(4, what="one add and one clip per coordinate"), scale=lambda i: np.abs(i.x) + i.nu,
                 label="one clipped step vs FGSM"),
        ConvexProgram(program=box_program, values=lambda i: {"v": i.x + i.eta * i.g, "x": i.x, "nu": i.nu},
                      space=Space(_gradient_step, regimes=("typical", "zeros in the gradient")), key=lambda i: i.n,
                      observed=lambda sol, i: sol.outputs["z"], claimed="projected_step", instances=12,
                      # the minimiser, not the value: ||z - z*||^2 <= f(z) - f* (strong convexity,
                      # modulus 1) and Clarabel's gap is <= 1e-10 relative, so ||z - z*|| <= 1e-5 x scale
                      tolerance=Tolerance(1e-5, 1e-5, "strong convexity: ||z - z*|| <= sqrt(gap), gap <= 1e-10 "
                                                      "(Clarabel) x the squared scale of v"),
                      label="clipping is the Euclidean projection onto the l_inf ball"),
    ],
    mutants=[
        mutant("l_2 projection", "the l_2 analogue: the limit is x + nu g/||g||_2, not x + nu sgn(g)",
               projection=lambda v, x, nu: x + (v - x) * min(1.0, nu / max(np.linalg.norm(v - x), 1e-300))),
        mutant("arbitrary start", "x'_1 anywhere in Delta_{inf,nu}(x): zero-gradient coordinates do not return to x",
               start=lambda i: i.start),
        mutant("no sign", "FGSM as x + nu g", claimed=lambda i: i.x + i.nu * i.g),
    ],
    tags=["prelim", "adversarial"],
)

CLAIMS = [definition_robust_risk, remark_fgsm]
