"""`structured` §3: the generalized dropout regularizer (any mask law, through its characteristic
matrix), Dropout on the last layer of a deep net, and the infinite-capacity squared nuclear norm.

Seed 002_ed3fd3cd48b2c3c3.txt: eq. (13) l. 196, Lemma 3.1 eqs. (14)-(16) l. 203-222 (appendix:
"Theorem 3.1", proof eqs. (45)-(47) l. 518-540), Corollary 3.2 eq. (17) l. 226 (App. C eq. (48)
l. 542-548), Proposition 3.3 eq. (18) l. 232-240 (appendix: "Lemma 3.3", eqs. (49)-(50) l. 550-562).
G = g_Gamma(X) (d x N) is the output of the rest of the network; V = G^T in (15).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import (MonteCarlo, Relation, Source, Space, Symbolic, Tolerance, declare,
                         float_tolerance, mutant, ops, bernoulli_masks)

from .model import (beta_of, swapped_factor, characteristic_matrix, finite_mask_expectation, minimize_f,
                    theorem27_minimizer)
from .spaces import bernoulli_last_layer, finite_laws, gaussian_masks

SEED = "002_ed3fd3cd48b2c3c3.txt"


def scale_of(i):
    """Magnitude of the summed terms: (||Y|| + ||U|| ||G|| max|z/mu|)^2."""
    ratio = np.max(np.abs(i.patterns / i.mean)) if "patterns" in i else 1.0 / i.theta
    return (np.linalg.norm(i.Y) + np.linalg.norm(i.U) * np.linalg.norm(i.G) * ratio) ** 2


# --- Lemma 3.1 ------------------------------------------------------------------------------------------

def lemma31_rhs(i, normalise=lambda cov, mean: characteristic_matrix(mean, cov), second=lambda i: i.cov):
    """(14)-(16): ||Y - U G||^2 + <bar C, U^T U o G G^T>."""
    bar_C = normalise(second(i), i.mean)
    return ops.sum_squares(i.Y - i.U @ i.G) + (bar_C * (i.U.T @ i.U) * (i.G @ i.G.T)).sum()


def double_sum_form(i):
    """(15)'s first form, sum_ij c_ij (u_i'u_j)(v_i'v_j)/(mu_i mu_j), summed literally."""
    d = i.U.shape[1]
    return ops.sum_squares(i.Y - i.U @ i.G) + sum(
        i.cov[p, q] * (i.U[:, p] @ i.U[:, q]) * (i.G[p] @ i.G[q]) / (i.mean[p] * i.mean[q])
        for p in range(d) for q in range(d))


def symbolic_law():
    """d = 2, the four binary patterns with symbolic probabilities p1, p2, p3 (p4 = 1 - p1 - p2 - p3)."""
    p = sp.symbols("p1 p2 p3", positive=True)
    probs = [p[0], p[1], p[2], 1 - p[0] - p[1] - p[2]]
    patterns = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=object)
    mean = np.array([probs[2] + probs[3], probs[1] + probs[3]], dtype=object)
    second = np.array([[mean[0], probs[3]], [probs[3], mean[1]]], dtype=object)
    cov = second - np.outer(mean, mean)
    return {"patterns": patterns, "probs": probs, "mean": mean, "cov": cov, "U": ops.symbol_matrix("u", 1, 2),
            "G": ops.symbol_matrix("g", 2, 1), "Y": ops.symbol_matrix("y", 1, 1)}


def gaussian_mask_samples(i, n, sampler):
    """||Y - U diag(mu)^-1 diag(z) G||_F^2, z = mu + L xi: correlated multiplicative Gaussian masks."""
    import torch

    U, G, Y, L, mean = (sampler.tensor(m) for m in (i.U, i.G, i.Y, i.L, i.mean))
    z = mean[None] + sampler.normal(n, mean.shape[0]) @ L.T
    out = torch.einsum("ad,nd,dm->nam", U, z / mean[None], G)
    return ((Y[None] - out) ** 2).sum((1, 2))


lemma_3_1 = declare(
    "structured/lemma-3.1",
    title="any mask law: E loss = ||Y - U G||^2 + <bar C, U^T U o G G^T>, bar c_ij = c_ij / (mu_i mu_j)",
    source=Source(SEED, "Lemma 3.1", "(13)-(16)", "196-222", also="appendix 'Theorem 3.1', proof (45)-(47) l. 518-540"),
    statement=r"\mathbb E_{\mathbf z}\|\mathbf Y-\mathbf U\mathrm{diag}(\boldsymbol\mu)^{-1}\mathrm{diag}(\mathbf z)"
              r"\mathbf G\|_F^2=\|\mathbf Y-\mathbf U\mathbf G\|_F^2+\sum_{i,j}c_{ij}\frac{(\mathbf u_i^\top\mathbf u_j)"
              r"(\mathbf v_i^\top\mathbf v_j)}{\mu_i\mu_j}=\|\mathbf Y-\mathbf U\mathbf G\|_F^2+\langle\bar{\mathbf C},"
              r"\mathbf U^\top\mathbf U\odot\mathbf V^\top\mathbf V\rangle,\ \mathbf V=\mathbf G^\top",
    hypotheses=["z ~ S any law on R^d with finite second moments, mean mu with EVERY mu_i != 0 (the seed's "
                "'mu in R^d minus 0' is too weak for diag(mu)^-1)", "C = Cov(z); G = g_Gamma(X) any d x N matrix"],
    claimed=lemma31_rhs,
    parts={"sum_form": double_sum_form},
    checks=[
        Symbolic(observed=lambda i: finite_mask_expectation(i.Y, i.U, i.G, i.patterns, i.probs, i.mean),
                 symbols=symbolic_law, label="d = 2, all four binary patterns with symbolic probabilities"),
        Relation(observed=lambda i: finite_mask_expectation(i.Y, i.U, i.G, i.patterns, i.probs, i.mean),
                 space=finite_laws, instances=40, tolerance=float_tolerance(32 * 64, what="<= 32 patterns"),
                 scale=scale_of, label="exact expectation over finite laws (binary, correlated, non-binary)"),
        Relation(observed=lambda i: lemma31_rhs(i), claimed="sum_form", space=finite_laws, instances=20,
                 tolerance=float_tolerance(25 * 64, what="25-term double sum"), scale=scale_of,
                 label="both forms of (15) agree"),
        MonteCarlo(sample=gaussian_mask_samples, space=gaussian_masks, samples=200_000, instances=3,
                   label="correlated Gaussian multiplicative masks (continuous law)"),
    ],
    mutants=[
        mutant("second moment", "E[zz^T] in place of Cov(z)",
               claimed=lambda i: lemma31_rhs(i, second=lambda i: i.cov + np.outer(i.mean, i.mean))),
        mutant("diagonal only", "bar C replaced by its diagonal (correlations ignored)",
               claimed=lambda i: lemma31_rhs(i, normalise=lambda cov, mean: np.diag(np.diag(cov) / mean**2))),
        mutant("c_ij / mu_i^2", "normalised by mu_i^2 instead of mu_i mu_j",
               claimed=lambda i: lemma31_rhs(i, normalise=lambda cov, mean: cov / (mean[:, None] ** 2))),
    ],
    tags=["general-dropout", "explicit-regularizer", "central"],
)


# --- Corollary 3.2 --------------------------------------------------------------------------------------

def bernoulli_expectation(i):
    """E_z ||Y - (1/theta) U diag(z) G||_F^2 over all 2^d Bernoulli masks."""
    d = i.U.shape[1]
    patterns, probs = bernoulli_masks(d, i.theta)
    return finite_mask_expectation(i.Y, i.U, i.G, patterns, probs, np.full(d, i.theta))


def last_layer_rhs(i, factor=beta_of):
    return ops.sum_squares(i.Y - i.U @ i.G) + factor(i.theta) * (ops.column_sq_norms(i.U) * (i.G * i.G).sum(1)).sum()


def bernoulli_samples(i, n, sampler):
    import torch

    U, G, Y = (sampler.tensor(m) for m in (i.U, i.G, i.Y))
    z = sampler.bernoulli(i.theta, n, U.shape[1]) / i.theta
    return ((Y[None] - torch.einsum("ad,nd,dm->nam", U, z, G)) ** 2).sum((1, 2))


def lemma31_bernoulli(i):
    """Lemma 3.1's right side with mu = theta 1, C = theta (1 - theta) I (the proof of Corollary 3.2)."""
    from theorycheck import Instance

    d = i.U.shape[1]
    return lemma31_rhs(Instance(i, mean=np.full(d, i.theta), cov=i.theta * (1 - i.theta) * np.eye(d)))

corollary_3_2 = declare(
    "structured/corollary-3.2",
    title="Dropout on the last layer (as printed: the factor (1-theta)/theta is missing)",
    source=Source(SEED, "Corollary 3.2", "(17)", "224-230", also="App. C eq. (48) l. 542-548"),
    statement=r"\mathbb E_{\mathbf z}\|\mathbf Y-\mathbf U\mathrm{diag}(\boldsymbol\mu)^{-1}\mathrm{diag}(\mathbf z)"
              r"g_\Gamma(\mathbf X)\|_F^2=\|\mathbf Y-\mathbf Ug_\Gamma(\mathbf X)\|_F^2+\sum_{i=1}^d\|\mathbf u_i\|_2^2"
              r"\|g^i_\Gamma(\mathbf X)\|_2^2",
    hypotheses=["z_i iid Ber(theta), mu = theta 1"],
    claimed=lambda i: last_layer_rhs(i, factor=lambda t: 1.0),
    checks=[Relation(observed=bernoulli_expectation, space=bernoulli_last_layer, instances=12, shrink=False,
                     tolerance=float_tolerance(32 * 64, what="<= 32 masks"), scale=scale_of,
                     label="exact enumeration of all 2^d masks")],
    mutants=[mutant("factor (1-theta)", "regularizer weighted by 1 - theta",
                    claimed=lambda i: last_layer_rhs(i, factor=lambda t: 1 - t))],
    status="erratum",
    erratum_note="(17) and (48) omit the factor (1-theta)/theta that the proof's own bar c_ii = (1-theta)/theta gives "
                 "(and the text before (17) states); the printed identity holds only at theta = 1/2. Counterexample: "
                 "d = a = N = 1, U = G = 1, Y = 0, theta = 0.25: E_z (z/theta)^2 = 1/theta = 4, printed 1 + 1 = 2, "
                 "corrected 1 + 3 = 4.",
    tags=["general-dropout", "erratum"],
)

corollary_3_2_corrected = declare(
    "structured/corollary-3.2-corrected",
    title="Dropout on the last layer: regularizer (1-theta)/theta sum_i ||u_i||^2 ||g^i(X)||^2",
    source=Source(SEED, "Corollary 3.2 (corrected)", "(17)", "224-230", also="App. C eq. (48)"),
    statement=r"\mathbb E_{\mathbf z}\|\mathbf Y-\tfrac1\theta\mathbf U\mathrm{diag}(\mathbf z)\mathbf G\|_F^2="
              r"\|\mathbf Y-\mathbf U\mathbf G\|_F^2+\frac{1-\theta}\theta\sum_{i=1}^d\|\mathbf u_i\|_2^2\|\mathbf g^i\|_2^2",
    hypotheses=["z_i iid Ber(theta), theta in (0, 1]", "g^i = i-th row of G = g_Gamma(X)"],
    claimed=last_layer_rhs,
    checks=[
        Relation(observed=bernoulli_expectation, space=bernoulli_last_layer, instances=32,
                 tolerance=float_tolerance(32 * 64, what="<= 32 masks"), scale=scale_of,
                 label="exact enumeration of all 2^d masks, theta -> 0, -> 1, = 1"),
        Relation(observed=lemma31_bernoulli,
                 space=bernoulli_last_layer, instances=16, tolerance=float_tolerance(256, what="d^2-term sums"),
                 scale=scale_of, label="Lemma 3.1 with mu = theta 1, C = theta(1-theta) I"),
    ],
    mutants=[
        mutant("printed (no factor)", "the printed (17)", claimed=lambda i: last_layer_rhs(i, factor=lambda t: 1.0)),
        mutant("theta/(1-theta)", "retain/drop swapped",
               claimed=lambda i: last_layer_rhs(i, factor=swapped_factor)),
    ],
    corrects="structured/corollary-3.2",
    depends_on=["structured/lemma-3.1"],
    tags=["general-dropout"],
)


# --- Proposition 3.3 ------------------------------------------------------------------------------------

def _prop33_instance(d) -> dict:
    regime = d.regime
    a = 1 if regime == "d=1 (a=1)" else d.integer(2, 4)
    N = d.integer(2, 4)
    q = min(a, N)
    width = {"d=min(a,N)": q, "d=1 (a=1)": 1}.get(regime, d.integer(q + 1, 5))
    Y = d.normal(a, N) * d.log_uniform(0.5, 3.0)
    if regime == "rank-1 Y":
        Y = np.outer(d.normal(a), d.normal(N))
    return {"Y": Y, "d": width, "theta": d.uniform(0.2, 0.9)}


prop33_targets = Space(_prop33_instance, regimes=("d=min(a,N)", "d>min(a,N)", "d=1 (a=1)", "rank-1 Y"),
                       description="Y (a x N, a, N <= 4), width d = min(a, N)..5, theta in 0.2..0.9; G free")

OPTIMUM = Tolerance(1e-8, 1e-10, principle="L-BFGS to gtol 1e-11 on a problem whose values agree to 1e-14 "
                                            "(measured); the minimizer's band is its square root")


def factored_optimum(i, ctx):
    """min_{U, G} ||Y - U G||^2 + (1-theta)/theta sum_i ||u_i||^2 ||g^i||^2 (free G: infinite capacity),
    by multi-start L-BFGS; memoised per instance (value and product)."""
    key = ("prop33", float(i.Y.sum()), i.d, i.theta)
    if key not in ctx.cache:
        value, U, V = minimize_f(i.Y, np.eye(i.Y.shape[1]), 1, i.d, beta_of(i.theta) / i.d,
                                 ctx.instance_rng(i), restarts=6)
        ctx.cache[key] = (value, U @ V.T)
    return ctx.cache[key]


def squared_nuclear_prox(i, parts):
    """min_A ||Y - A||^2 + gamma ||A||_*^2 at gamma = parts['constant'](theta, d): value and minimizer
    (Theorem 2.7 with r = 1, where the r-support norm is the nuclear norm)."""
    value, A, _ = theorem27_minimizer(i.Y, parts["constant"](i.theta, i.d), 1)
    return value, A


proposition_3_3 = declare(
    "structured/proposition-3.3",
    title="infinite-capacity last layer: Dropout's optimum is a squared-nuclear-norm problem (printed constant)",
    source=Source(SEED, "Proposition 3.3", "(18)", "232-240", also="appendix 'Lemma 3.3', (49)-(50) l. 550-562"),
    statement=r"\min_{\mathbf U,\Gamma}\mathbb E_{\mathbf z}\|\mathbf Y-\mathbf U\mathrm{diag}(\boldsymbol\mu)^{-1}"
              r"\mathrm{diag}(\mathbf z)g_\Gamma(\mathbf X)\|_F^2=\min_{\mathbf A}\|\mathbf Y-\mathbf A\|_F^2+"
              r"\frac{1-\theta}\theta\|\mathbf A\|_*^2",
    hypotheses=["{g_Gamma(X)} = R^{d x N} (G free)", "d >= min(a, N)", "z iid Ber(theta)"],
    claimed=lambda i, parts: squared_nuclear_prox(i, parts)[0],
    parts={"constant": lambda theta, d: beta_of(theta)},
    checks=[Relation(observed=lambda i, ctx: factored_optimum(i, ctx)[0], space=prop33_targets, instances=8, shrink=False,
                     tolerance=OPTIMUM, label="multi-start L-BFGS over (U, G) vs the printed right side")],
    mutants=[mutant("constant (1-theta)/(theta d^2)", "an extra 1/d^2",
                    constant=lambda theta, d: beta_of(theta) / d**2)],
    status="erratum",
    erratum_note="The constant lacks 1/d: inf_{U V^T = A} sum_{i<=d} ||u_i||^2 ||v_i||^2 = ||A||_*^2 / d for "
                 "d >= rank A (Cauchy-Schwarz, equalized factorization), so the optimum is min_A ||Y-A||^2 + "
                 "(1-theta)/(theta d) ||A||_*^2; the printed constant holds only for d = 1 (or with the width-scaled "
                 "theta(d) of (7)). Counterexample: a = N = 1, d = 2, Y = 1, theta = 1/2: u_1 v_1 + u_2 v_2 = A costs "
                 "A^2/2, so the optimum is min_A (1-A)^2 + A^2/2 = 1/3, printed min_A (1-A)^2 + A^2 = 1/2. The "
                 "proof's (50) also drops (1-theta)/theta on both sides.",
    depends_on=["structured/corollary-3.2-corrected"],
    tags=["general-dropout", "nuclear-norm", "erratum"],
)

proposition_3_3_corrected = declare(
    "structured/proposition-3.3-corrected",
    title="infinite-capacity last layer: Dropout's optimum is min_A ||Y - A||^2 + (1-theta)/(theta d) ||A||_*^2",
    source=Source(SEED, "Proposition 3.3 (corrected)", "(18)", "232-240", also="appendix 'Lemma 3.3'"),
    statement=r"\min_{\mathbf U,\mathbf G}\mathbb E_{\mathbf z}\|\mathbf Y-\tfrac1\theta\mathbf U\mathrm{diag}(\mathbf z)"
              r"\mathbf G\|_F^2=\min_{\mathbf A}\|\mathbf Y-\mathbf A\|_F^2+\frac{1-\theta}{\theta d}\|\mathbf A\|_*^2,"
              r"\ \text{attained at }\mathbf U\mathbf G=\mathbf A^*",
    hypotheses=["G free (infinite capacity)", "d >= min(a, N) (so d >= rank A for every A)", "z iid Ber(theta)"],
    claimed=lambda i, parts: squared_nuclear_prox(i, parts)[0],
    parts={"constant": lambda theta, d: beta_of(theta) / d,
           "minimizer": lambda i, parts: squared_nuclear_prox(i, parts)[1]},
    checks=[
        Relation(observed=lambda i, ctx: factored_optimum(i, ctx)[0], space=prop33_targets, instances=12,
                 tolerance=OPTIMUM, label="multi-start L-BFGS over (U, G): optimal value"),
        Relation(observed=lambda i, ctx: factored_optimum(i, ctx)[1], claimed="minimizer", space=prop33_targets,
                 instances=12, tolerance=Tolerance(1e-4, 1e-6, principle="square root of the value band (strongly "
                                                                            "convex in A)"),
                 scale=lambda i: np.linalg.norm(i.Y), label="the product U G at the optimum is A*"),
    ],
    mutants=[
        mutant("printed constant", "(1-theta)/theta without 1/d", constant=lambda theta, d: beta_of(theta)),
        mutant("1/d^2", "(1-theta)/(theta d^2)", constant=lambda theta, d: beta_of(theta) / d**2),
    ],
    corrects="structured/proposition-3.3",
    depends_on=["structured/corollary-3.2-corrected"],
    scope="Infinite capacity is modelled by a free G (the seed's own reduction). The closing remark (DropBlock on "
          "the last layer gives the squared k-support norm) is unproved in the seed; its finite-width form is "
          "checked as structured/theorem-2.6 / experiment-fig2 (free features, X = I).",
    tags=["general-dropout", "nuclear-norm"],
)

CLAIMS = [lemma_3_1, corollary_3_2, corollary_3_2_corrected, proposition_3_3, proposition_3_3_corrected]
