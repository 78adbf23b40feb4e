"""Cited concentration results of `convergence`, in the forms its proofs use them: Hoeffding (thesis
Theorem 17) for Rademacher-weighted sums (Lemma B.3) and Bernoulli means (Lemmas B.1, B.4, the active
width), Gaussian concentration (Theorem 21; the initial norms), and the Freedman-type inequality
(Theorem 22) for the martingale of Theorem 4.2's proof.

Seed 000_f4de404d0cfe4539.txt appendix l. 14233-14367 (outside the chapter, used by it); the same
theorems are claims of the `tools` pack in their general form (``tools/theorem-17/21/22``). Tails are
exact (2^n enumeration, binomial, chi) where a law exists; the martingale is simulated (batched paths)
with Clopper-Pearson bounds (``theorems.tools.frequencies``).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import stats

from theorycheck import Relation, Source, Space, declare, float_tolerance, mutant

from theorems.tools.frequencies import FAMILY_ALPHA, clopper_pearson_lower, family_size, frequency_tolerance

from .model import seed_of, torch_generator

THESIS = "000_f4de404d0cfe4539.txt"


# --- Hoeffding and Gaussian concentration, in the forms used -------------------------------------

def _weighted_signs(d) -> dict:
    n = 1 if d.regime == "n = 1" else d.integer(2, 14)
    h = d.normal(n) * (1.0 if d.regime != "equal weights" else 0.0) + (1.0 if d.regime == "equal weights" else 0.0)
    h = h * d.log_uniform(0.1, 3.0)
    return {"n": n, "h": h, "s": np.linspace(0.05, 4.0, 30) * float(np.linalg.norm(h))}


weighted_signs = Space(_weighted_signs, regimes=("typical", "n = 1", "equal weights"),
                       description="sum_i a_i h_i, a_i Rademacher, n <= 14, 30 thresholds s")


def rademacher_tail(i):
    """P(|sum_i a_i h_i| >= s) exactly over the 2^n sign vectors."""
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=i.n)))
    sums = np.abs(signs @ i.h)
    return np.array([(sums >= s - 1e-12 * abs(s)).mean() for s in i.s])


def _bernoulli_means(d) -> dict:
    m = 1 if d.regime == "m = 1" else d.integer(2, 2000)
    p = {"p extreme": d.choice((0.01, 0.99))}.get(d.regime, d.uniform(0.02, 0.98))
    return {"m": m, "p": p, "s": np.linspace(0.005, 1.0 - p, 30)}


bernoulli_means = Space(_bernoulli_means, regimes=("typical", "m = 1", "p extreme"),
                        description="mean of m Bern(p), m <= 2000, 30 deviations s")


def bernoulli_upper_tail(i):
    """P(mean - p >= s) exactly: binomial survival function."""
    k = np.ceil(i.m * (i.p + i.s) - 1e-9) - 1
    return stats.binom.sf(k, i.m, i.p)


def _gaussian_norms(d) -> dict:
    dim = {"d = 1": 1}.get(d.regime, d.integer(2, 200))
    return {"d": dim, "t": np.linspace(0.05, 5.0, 30)}


gaussian_norms = Space(_gaussian_norms, regimes=("typical", "d = 1"), description="||z||, z ~ N(0, I_d), d <= 200")


def norm_tail(i):
    """P(||z|| - E||z|| >= t) exactly (chi law; E||z|| = sqrt2 Gamma((d+1)/2)/Gamma(d/2))."""
    mean = math.sqrt(2) * math.exp(math.lgamma((i.d + 1) / 2) - math.lgamma(i.d / 2))
    return stats.chi.sf(mean + i.t, i.d)


TAIL_TOL = float_tolerance(4 * 16384, atol=1e-15, what="tails of <= 2^14 terms, binomial/chi special functions")

thesis_theorem_17_21 = declare(
    "convergence/thesis-theorem-17-21",
    title="Hoeffding (Rademacher-weighted sums, Bernoulli means) and Gaussian concentration, as the proofs use them",
    source=Source(THESIS, "Theorems 17 and 21 (cited: [Ver18])", lines="14233-14267, 14342-14350",
                  also="001_f1b6a53302f974ec.txt 'Theorem A.1' (appendix not in the extraction)"),
    statement=r"\Pr\{|\textstyle\sum_ia_ih_i|\ge s\}\le2e^{-s^2/(2\|h\|^2)};\ \Pr\{\bar b-p\ge s\}\le e^{-2ms^2};\ "
              r"\Pr\{\|z\|-\mathbb E\|z\|\ge t\}\le e^{-t^2/2}",
    hypotheses=["a_i iid Rademacher", "b_i iid Bern(p)", "z ~ N(0, I_d); ||.|| is 1-Lipschitz"],
    scope="the sub-Gaussian Hoeffding of Theorem 17 carries an unspecified universal c and is not checkable as printed; "
          "checked instead are the explicit forms the chapter uses (Lemma B.3 takes c = 1/2 for Rademacher sums), "
          "against exact tails. All three are loose at every instance (largest observed/claimed: see the report), "
          "so their exponents are not tested below their values; the mutants double them",
    claimed=lambda i: np.minimum(2 * np.exp(-i.s**2 / (2 * np.sum(i.h**2))), 2.0),
    parts={"bounded": lambda i: np.exp(-2 * i.m * i.s**2), "gaussian": lambda i: np.exp(-i.t**2 / 2)},
    untested={"claimed": "exact Rademacher tails reach at most ~0.82 of 2 e^{-s^2/(2||h||^2)} (n = 1, s = 1)",
              "gaussian": "exact chi tails of ||z|| - E||z|| stay below 1/2 of e^{-t^2/2} (t -> 0: 0.42 vs 1 at d = 1)"},
    checks=[
        Relation(observed=rademacher_tail, space=weighted_signs, relation="<=", instances=30, tolerance=TAIL_TOL,
                 label="Rademacher-weighted sums, exact 2^n enumeration"),
        Relation(observed=bernoulli_upper_tail, space=bernoulli_means, claimed="bounded", relation="<=", instances=40,
                 tolerance=TAIL_TOL, label="Bernoulli means, exact binomial tails"),
        Relation(observed=norm_tail, space=gaussian_norms, claimed="gaussian", relation="<=", instances=30,
                 tolerance=TAIL_TOL, label="||z|| - E||z||, exact chi tails"),
    ],
    mutants=[
        mutant("s^2/||h||^2", "Rademacher exponent doubled", claimed=lambda i: 2 * np.exp(-i.s**2 / np.sum(i.h**2))),
        mutant("e^{-4ms^2}", "Hoeffding exponent doubled", bounded=lambda i: np.exp(-4 * i.m * i.s**2)),
        mutant("e^{-t^2}", "Gaussian exponent doubled", gaussian=lambda i: np.exp(-i.t**2)),
    ],
    tags=["cited", "concentration"],
)


# --- Freedman-type inequality, in the form of Theorem 4.2's proof ---------------------------------

FREEDMAN_PATHS = 20_000
FREEDMAN_INSTANCES = 6
FREEDMAN_TIMES = (20, 100, 400)


def _q_martingale(d) -> dict:
    return {"law": d.regime, "p0": d.choice((0.02, 0.1, 0.5)), "delta": d.choice((0.05, 0.2)),
            "eta_frac": 1.0 if d.regime == "eta = 1/R" else d.uniform(0.3, 1.0)}


q_martingales = Space(_q_martingale, regimes=("Q decaying like 1/t", "Q driven by the past", "eta = 1/R"),
                      description="X_t = Q_t - xi_t, xi_t ~ Bern(Q_t) in [0, 1], Q_t predictable: X_t <= R = 1")


def freedman_violation_lower(i, ctx, parts):
    """CP lower bound of P(S_t > bound(V_t)) at t in FREEDMAN_TIMES; X_t = Q_t - xi_t, as
    sum Q(W_t; B_t) - sum Q_t(W_t) with Q_t(W_t) in [0, 1] of conditional mean Q(W_t; B_t)."""
    import torch

    gen = torch_generator(seed_of(ctx, i, stream=5))
    n = 4 * FREEDMAN_PATHS if ctx.full else FREEDMAN_PATHS
    S = torch.zeros(n, dtype=torch.float64)
    V = torch.zeros_like(S)
    eta = i.eta_frac  # R = 1
    comparisons = family_size(ctx, FREEDMAN_INSTANCES) * len(FREEDMAN_TIMES)
    lower = []
    for t in range(1, FREEDMAN_TIMES[-1] + 1):
        if i.law == "Q driven by the past":
            p = torch.sigmoid(torch.logit(torch.tensor(i.p0)) - S)  # lower Q after a lucky stretch
        else:
            p = torch.full_like(S, min(i.p0 * 10 / (10 + t), 1.0))
        xi = (torch.rand(n, generator=gen, dtype=torch.float64) < p).to(S)
        S = S + p - xi
        V = V + p * (1 - p)
        if t in FREEDMAN_TIMES:
            k = int((S > torch.as_tensor(parts["claimed"](i, V, eta))).sum())
            lower.append(clopper_pearson_lower(k, n, FAMILY_ALPHA / comparisons))
    return np.array(lower)


thesis_theorem_22 = declare(
    "convergence/thesis-theorem-22",
    title="Freedman-type inequality for the martingale sum Q(W_t; B_t) - Q_t(W_t) of Theorem 4.2's proof",
    source=Source(THESIS, "Theorem 22 (cited: Theorem 1 of [BLL+11]); its use in the proof of Theorem 15",
                  lines="14351-14367, 11650-11720"),
    statement=r"X_t\le R,\ \mathbb E_t X_t=0,\ \eta\in(0,1/R]:\ \Pr\big\{S_T\le(e-2)\eta V_T+\ln(1/\delta)/\eta\big\}\ge1-\delta",
    hypotheses=["X_t = Q_t - xi_t, xi_t in [0, 1] with conditional mean Q_t (here Bernoulli: the largest variance)",
                "R = 1 (Q in (0, 1); the thesis uses the looser 1/ln 2)", "t fixed"],
    scope=f"violation frequencies over {FREEDMAN_PATHS} batched paths at t = 20, 100, 400, refuted when the CP lower "
          "bound exceeds delta; the inequality is loose on these laws, so its constants are not tested below their "
          "values (the mutants remove the variance term or the confidence term)",
    claimed=lambda i, V, eta: (math.e - 2) * eta * V + math.log(1 / i.delta) / eta,
    parts={"delta": lambda i: i.delta},
    untested={"claimed": "Freedman is loose on these laws: violation frequencies far below delta, a 10 % change is not refuted",
              "delta": "violation frequencies far below delta (CP lower bounds ~0): a 10 % change is not refuted"},
    checks=[Relation(observed=freedman_violation_lower, space=q_martingales, claimed="delta", relation="<=",
                     instances=FREEDMAN_INSTANCES, full_instances=FREEDMAN_INSTANCES, shrink=False,
                     tolerance=frequency_tolerance(FREEDMAN_INSTANCES * len(FREEDMAN_TIMES)),
                     label=f"{FREEDMAN_PATHS} paths, violation frequency at t = 20, 100, 400")],
    mutants=[
        mutant("no variance term", "S_T <= ln(1/delta)/eta", claimed=lambda i, V, eta: math.log(1 / i.delta) / eta + 0 * V),
        mutant("no confidence term", "S_T <= (e-2) eta V_T", claimed=lambda i, V, eta: (math.e - 2) * eta * V),
    ],
    depends_on=["tools/theorem-22"],
    tags=["cited", "martingale"],
)

CLAIMS = [thesis_theorem_17_21, thesis_theorem_22]
