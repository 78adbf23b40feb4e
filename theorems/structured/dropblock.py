"""`structured` §2.1-2.2: the DropBlock regularizer, its failure to control capacity at fixed theta,
and the width-dependent retain probability.

Seed 002_ed3fd3cd48b2c3c3.txt: eq. (3) l. 60, Lemma 2.1 eqs. (4)-(5) l. 84-96 (restated and proved
App. B l. 333-348), Lemma 2.2 eq. (6) l. 104 (proof l. 350-362), eqs. (7)-(8) l. 108-118. Conventions
in `model.py` (theta = RETAIN probability, sums over samples, consecutive blocks, mask diag(w) (x) I_r).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import (MonteCarlo, Rate, Relation, Source, Space, Symbolic, Tolerance, declare, float_tolerance, mutant,
                         ops)

from .model import (beta_of, swapped_factor, blocks, dropblock_expectation, dropblock_sum, unit_sum,
                    width_keep_prob)
from .spaces import dropblock_nets, wide_dropblock_nets

SEED = "002_ed3fd3cd48b2c3c3.txt"


def mask_sum_tolerance(masks: int) -> Tolerance:
    return float_tolerance(masks * 64, what=f"sum over <= {masks} masks of products of <= 3 matrices <= 12 wide")


def objective_scale(i):
    """Magnitude of the enumerated terms: (||Y|| + ||U|| ||V|| ||X|| / theta)^2 (rounding scales with it)."""
    return (np.linalg.norm(i.Y) + np.linalg.norm(i.U) * np.linalg.norm(i.V) * np.linalg.norm(i.X) / i.theta) ** 2


# --- Lemma 2.1 ------------------------------------------------------------------------------------------

def lemma21_rhs(i, factor=beta_of, penalty=lambda U, V, X, r: dropblock_sum(U, V, X, r)):
    """(4)-(5): ||Y - U V^T X||^2 + (1-theta)/theta sum_i ||U_i V_i^T X||_F^2."""
    return ops.sum_squares(i.Y - i.U @ i.V.T @ i.X) + factor(i.theta) * penalty(i.U, i.V, i.X, i.r)


def dropblock_samples(i, n, sampler):
    """||Y - (1/theta) U (diag(w) (x) I_r) V^T X||_F^2 for n independent block masks w ~ Ber(theta)^k."""
    import torch

    U, V, X, Y = (sampler.tensor(m) for m in (i.U, i.V, i.X, i.Y))
    w = sampler.bernoulli(i.theta, n, i.k)
    z = torch.repeat_interleave(w, i.r, dim=1)  # (n, d)
    W = X.T @ V  # N x d
    out = torch.einsum("ad,nd,md->nam", U, z, W) / i.theta
    return ((Y[None] - out) ** 2).sum((1, 2))


def symbolic_dropblock():
    """a = 1, b = 2, N = 1, d = 4, r = 2 (k = 2 blocks, 4 masks); every entry and theta symbolic."""
    return {"U": ops.symbol_matrix("u", 1, 4), "V": ops.symbol_matrix("v", 2, 4), "X": ops.symbol_matrix("x", 2, 1),
            "Y": ops.symbol_matrix("y", 1, 1), "theta": sp.Symbol("theta", positive=True), "r": 2}


lemma_2_1 = declare(
    "structured/lemma-2.1",
    title="DropBlock equals the deterministic objective plus (1-theta)/theta sum_i ||U_i V_i^T X||_F^2",
    source=Source(SEED, "Lemma 2.1", "(3)-(5)", "60, 84-96", also="restated and proved App. B l. 333-348"),
    statement=r"\mathbb E_{\mathbf w}\|\mathbf Y-\tfrac1\theta\mathbf U(\mathrm{diag}(\mathbf w)\otimes\mathbf I_r)"
              r"\mathbf V^\top\mathbf X\|_F^2=\|\mathbf Y-\mathbf U\mathbf V^\top\mathbf X\|_F^2+\frac{1-\theta}\theta"
              r"\sum_{i=1}^k\|\mathbf U_i\mathbf V_i^\top\mathbf X\|_F^2",
    hypotheses=["w_1..w_k iid Ber(theta), theta in (0, 1]", "r | d, k = d / r, blocks of r consecutive columns",
                "the mask is diag(w) (x) I_r (the printed (x) I_{d/r} has size k^2, = d only when d = r^2; "
                "the regime d=r^2 covers that reading too)"],
    claimed=lemma21_rhs,
    checks=[
        Symbolic(observed=lambda i: dropblock_expectation(i.Y, i.U, i.V, i.X, i.theta, i.r),
                 symbols=symbolic_dropblock, label="k = 2 blocks of r = 2, generic symbolic U, V, X, Y, theta"),
        Relation(observed=lambda i: dropblock_expectation(i.Y, i.U, i.V, i.X, i.theta, i.r), space=dropblock_nets,
                 instances=42, tolerance=mask_sum_tolerance(16), scale=objective_scale,
                 label="exact enumeration of all 2^k block masks, r = 1..4, k = 1..4"),
        MonteCarlo(sample=dropblock_samples, space=wide_dropblock_nets, samples=120_000, instances=3,
                   label="batched block masks, k = 6..40 blocks (too many to enumerate)"),
    ],
    mutants=[
        mutant("theta/(1-theta)", "retain and drop probability swapped in the factor",
               claimed=lambda i: lemma21_rhs(i, factor=swapped_factor)),
        mutant("1-theta", "factor (1 - theta) (no 1/theta rescaling)",
               claimed=lambda i: lemma21_rhs(i, factor=lambda t: 1 - t)),
        mutant("product of block norms", "sum_i ||U_i||_F^2 ||V_i^T X||_F^2 instead of ||U_i V_i^T X||_F^2",
               claimed=lambda i: lemma21_rhs(i, penalty=lambda U, V, X, r: sum(
                   ops.sum_squares(Ui) * ops.sum_squares(Vi.T @ X) for Ui, Vi in zip(blocks(U, r), blocks(V, r))))),
        mutant("per-unit (Dropout) regularizer", "sum_j ||u_j||^2 ||X^T v_j||^2: no cross terms inside a block",
               claimed=lambda i: lemma21_rhs(i, penalty=lambda U, V, X, r: unit_sum(U, V, X))),
    ],
    depends_on=["structured/lemma-3.1"],
    scope="The seed proves Lemma 2.1 as an instance of Lemma/'Theorem' 3.1 with bar C = (1-theta)/theta "
          "BlkDiag(1_r 1_r^T); here it is checked on its own (exact enumeration, sympy, Monte Carlo) and the "
          "characteristic-matrix route is checked in structured/lemma-3.1 (regime 'DropBlock law').",
    tags=["dropblock", "explicit-regularizer", "central"],
)


# --- Lemma 2.2 ------------------------------------------------------------------------------------------

def duplicate(U, V):
    """The proof's construction: bar U = [U, U] / sqrt 2, bar V = [V, V] / sqrt 2 (width 2d)."""
    return np.hstack([U, U]) / np.sqrt(2), np.hstack([V, V]) / np.sqrt(2)


def doubled(i, parts, t):
    U, V = i.U, i.V
    for _ in range(t):
        U, V = parts["construction"](U, V)
    return U, V


def omega_after(i, parts, t):
    U, V = doubled(i, parts, t)
    return beta_of(i.theta) * dropblock_sum(U, V, i.X, i.r)


def product_after(i, parts):
    U, V = doubled(i, parts, 3)
    return U @ V.T @ i.X


def omega_at_width(x, sampler, parts):
    """Omega_DropBlock after log2(x) doublings of a fixed 3 x 4 x 5 instance with r = 2, k = 2 (theta = 0.6)."""
    rng = np.random.default_rng(22)
    from theorycheck import Instance

    inst = Instance(U=rng.standard_normal((3, 4)), V=rng.standard_normal((4, 4)), X=rng.standard_normal((4, 5)),
                    r=2, theta=0.6)
    return omega_after(inst, parts, int(round(np.log2(x))))


lemma_2_2 = declare(
    "structured/lemma-2.2",
    title="at fixed theta the DropBlock regularizer has infimum 0 over widths: duplication halves it",
    source=Source(SEED, "Lemma 2.2", "(6)", "104", also="proof App. B l. 350-362"),
    statement=r"\inf_d\inf_{\mathbf A=\mathbf U\mathbf V^\top\mathbf X}\Omega_{\rm DropBlock}(\mathbf U,"
              r"\mathbf X^\top\mathbf V)=0;\ \bar{\mathbf U}=\tfrac1{\sqrt2}[\mathbf U,\mathbf U],\ "
              r"\bar{\mathbf V}=\tfrac1{\sqrt2}[\mathbf V,\mathbf V]:\ \bar{\mathbf U}\bar{\mathbf V}^\top\mathbf X="
              r"\mathbf A,\ \Omega(\bar{\mathbf U},\bar{\mathbf V})=\tfrac12\Omega(\mathbf U,\mathbf V)",
    hypotheses=["theta and r fixed", "A = U V^T X for some finite d (the seed's 'any A' needs rows of A in the "
                "row space of X)"],
    claimed=lambda i: 0.5 ** i.t,
    parts={"construction": duplicate, "exponent": -1.0, "product": lambda i: i.U @ i.V.T @ i.X},
    checks=[
        Relation(observed=lambda i, parts: omega_after(i, parts, i.t) / omega_after(i, parts, 0),
                 space=Space(lambda d: {**dropblock_nets.draw(d), "t": d.integer(1, 6), "theta": d.uniform(0.1, 0.9)},
                             regimes=dropblock_nets.regimes),
                 instances=21, tolerance=float_tolerance(4096, what="sums of <= 768 block products, 6 rescalings"),
                 label="Omega after t = 1..6 duplications / Omega before = 2^-t"),
        Relation(observed=product_after, claimed="product", space=dropblock_nets, instances=14,
                 tolerance=float_tolerance(512, atol=1e-12, what="products of 3 matrices, width 8d"),
                 label="the product U V^T X is unchanged by 3 duplications"),
        Rate(points=[1, 2, 4, 8, 16, 32, 64, 128], measure=omega_at_width, claimed="exponent",
             slope_tolerance=1e-9, slope_principle="exact halving: the log-log fit is a line up to rounding",
             label="Omega -> 0 as width^-1 (d = 4..512): the infimum is 0"),
    ],
    mutants=[
        mutant("scale 1/2", "bar U = [U, U]/2, bar V = [V, V]/2: the product changes (and Omega falls 8-fold)",
               construction=lambda U, V: (np.hstack([U, U]) / 2, np.hstack([V, V]) / 2)),
        mutant("Omega unchanged", "duplication leaves the regularizer unchanged (so it would control capacity)",
               claimed=lambda i: 1.0, exponent=0.0),
    ],
    depends_on=["structured/lemma-2.1"],
    tags=["dropblock", "capacity"],
)


# --- eqs. (7)-(8) ---------------------------------------------------------------------------------------

def symbolic_width():
    t, r, d = sp.symbols("bar_theta r d", positive=True)
    return {"bar_theta": t, "r": r, "d": d}


def eq8_pair(i, parts):
    """[theta(r), (1 - theta(d)) / theta(d)] from the part theta(d) of (7)."""
    theta_of = parts["theta_of_width"]
    return [theta_of(i.bar_theta, i.r, i.r), beta_of(theta_of(i.bar_theta, i.r, i.d))]


def eq8_objective_by_masks(i, parts):
    """E_w of (3) at theta = theta(d) by enumeration: equals f(U, V, d) of (8)."""
    theta = parts["theta_of_width"](i.bar_theta, i.r, i.U.shape[1])
    return dropblock_expectation(i.Y, i.U, i.V, i.X, theta, i.r)


def eq8_f(i, parts, power=1):
    """(8); ``power = 2`` is App. B's literal '(d/r) Omega_DropBlock' with Omega's own factor on top."""
    d = i.U.shape[1]
    return ops.sum_squares(i.Y - i.U @ i.V.T @ i.X) + parts["width_factor"](d, i.r) * beta_of(i.bar_theta) ** power \
        * dropblock_sum(i.U, i.V, i.X, i.r)


aux_eq8 = declare(
    "structured/aux-eq8",
    title="the width-dependent retain probability (7) turns Lemma 2.1 into f(U, V, d) of (8)",
    source=Source(SEED, "eqs. (7)-(8) (unnumbered remark)", "(7), (8)", "108-118", also="App. B restatement of (8)"),
    statement=r"\theta(d)=\frac{\bar\theta r}{\bar\theta r+(1-\bar\theta)d}:\ \theta(r)=\bar\theta,\ "
              r"\frac{1-\theta(d)}{\theta(d)}=\frac dr\frac{1-\bar\theta}{\bar\theta},\ f(\mathbf U,\mathbf V,d)="
              r"\|\mathbf Y-\mathbf U\mathbf V^\top\mathbf X\|_F^2+\frac dr\frac{1-\bar\theta}{\bar\theta}\sum_i"
              r"\|\mathbf U_i\mathbf V_i^\top\mathbf X\|_F^2",
    hypotheses=["bar theta in (0, 1], r, d > 0", "App. B's 'f = ... + (d/r) Omega_DropBlock' read with "
                "Omega's factor (1 - bar theta)/bar theta, not a second (1 - theta)/theta"],
    claimed=lambda i: [i.bar_theta, i.d / i.r * beta_of(i.bar_theta)],
    parts={"theta_of_width": width_keep_prob, "width_factor": lambda d, r: d / r, "f": eq8_f},
    checks=[
        Symbolic(observed=eq8_pair, symbols=symbolic_width, label="symbolic bar theta, r, d"),
        Relation(observed=eq8_objective_by_masks, claimed="f",
                 space=Space(lambda d: {**dropblock_nets.draw(d), "bar_theta": d.uniform(0.1, 1.0)},
                             regimes=dropblock_nets.regimes),
                 instances=28, tolerance=mask_sum_tolerance(16),
                 scale=lambda i: (np.linalg.norm(i.Y) + np.linalg.norm(i.U) * np.linalg.norm(i.V) * np.linalg.norm(i.X)
                                  * (1 + i.U.shape[1] / i.r / i.bar_theta)) ** 2,
                 label="(3) at theta(d) by enumeration equals f of (8)"),
    ],
    mutants=[
        mutant("r/d", "factor r/d instead of d/r", width_factor=lambda d, r: r / d,
               claimed=lambda i: [i.bar_theta, i.r / i.d * beta_of(i.bar_theta)]),
        mutant("d and r swapped in (7)", "theta(d) = bar theta d / (bar theta d + (1 - bar theta) r)",
               theta_of_width=lambda t, r, d: t * d / (t * d + (1 - t) * r)),
        mutant("double factor", "App. B literally: (d/r) times Omega with its own (1-theta)/theta",
               f=lambda i, parts: eq8_f(i, parts, power=2)),
    ],
    depends_on=["structured/lemma-2.1"],
    tags=["dropblock", "capacity"],
)

CLAIMS = [lemma_2_1, lemma_2_2, aux_eq8]
