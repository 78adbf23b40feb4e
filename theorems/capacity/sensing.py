"""`capacity` Sec. 4.2 and 4.5.1: dropout in matrix sensing and matrix completion.

Seed 000_f4de404d0cfe4539.txt: eq. (4.1)-(4.2) (l. 7470-7530), Gaussian measurements and matrix completion
(l. 7545-7575), Theorem 11 (l. 7584-7605, proof l. 8513-8580), Proposition 3 (l. 8292-8365), Proposition 4
(l. 8373-8510), Sec. 4.4 (l. 8166-8290). Conventions (p = DROP probability, lam = p / (1 - p), R_hat without lam) in `model.py`.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

import cvxpy as cp

from theorycheck import (BoundSearch, ConvexProgram, Draw, MonteCarlo, Program, Rate, Relation, Source, Space, Symbolic,
                         Tolerance, declare, float_tolerance, mutant, ops, solver_tolerance)

from .model import (completion_regularizer_by_atoms, equalised_factorisation, factor_terms, nuclear_norm,
                    reg_parameter, sensing_dropout_risk_by_masks, sensing_regularizer, sensing_risk, weighted)
from .spaces import completion, drop_rate, gaussian_factors, sensing, wide_sensing

SEED = "000_f4de404d0cfe4539.txt"
MASKS = float_tolerance(2**8 * 64, what="sum over <= 512 masks of n <= 12 squared residuals")


# --- Proposition 3 (eq. 4.2 = 4.6) --------------------------------------------------------------------

def prop3_claimed(i, parts):
    return sensing_risk(i.U, i.V, i.As, i.y) + parts["lam"](i.drop) * parts["regularizer"](i)


def symbolic_sensing():
    """d2 = 2, d0 = 1, d1 = 2, one measurement: generic symbols, symbolic drop rate (4 masks)."""
    return {"U": ops.symbol_matrix("u", 2, 2), "V": ops.symbol_matrix("v", 1, 2),
            "As": np.array([ops.symbol_matrix("a", 2, 1)]), "y": np.array([sp.Symbol("y", real=True)]),
            "drop": sp.Symbol("p", positive=True)}


def masked_risk_samples(i, n, sampler):
    """(1/n_obs) sum_j (y_j - sum_i B_ii u_i'A_j v_i)^2 for n independent masks (batched)."""
    T = sampler.tensor(factor_terms(i.U, i.V, i.As))
    B = sampler.bernoulli(1 - i.drop, n, T.shape[1]) / (1 - i.drop)
    r = sampler.tensor(i.y)[None, :] - B @ T.T
    return (r * r).mean(1)


proposition_3 = declare(
    "capacity/proposition-3",
    title="dropout in matrix sensing is the risk plus lam times a data-dependent regulariser",
    source=Source(SEED, "Proposition 3", "(4.2), (4.6), (4.7)", "7510-7525, 8292-8365"),
    statement=r"\hat L_{drop}(U,V)=\hat{\mathbb E}_j\mathbb E_B(y_j-\langle UBV^\top,A^{(j)}\rangle)^2=\hat L(U,V)"
              r"+\lambda\hat R(U,V),\ \hat R=\sum_{i=1}^{d_1}\hat{\mathbb E}_j(u_i^\top A^{(j)}v_i)^2,\ \lambda=\tfrac p{1-p}",
    hypotheses=["any p in [0, 1)", "B_ii iid Ber(1-p)/(1-p)", "any U, V, measurements A_j and responses y_j"],
    claimed=prop3_claimed,
    parts={"lam": reg_parameter, "regularizer": lambda i: sensing_regularizer(i.U, i.V, i.As)},
    checks=[
        Symbolic(observed=lambda i: sensing_dropout_risk_by_masks(i.U, i.V, i.As, i.y, i.drop), symbols=symbolic_sensing,
                 domain={"p": (0.01, 0.99)}, label="d1 = 2, generic symbols and symbolic p, all 4 masks"),
        Relation(observed=lambda i: sensing_dropout_risk_by_masks(i.U, i.V, i.As, i.y, i.drop), space=sensing,
                 instances=42, tolerance=MASKS, label="exact enumeration of the 2^d1 masks"),
        MonteCarlo(sample=masked_risk_samples, space=wide_sensing, samples=200_000, instances=3,
                   label="d1 = 10..13: batched Bernoulli masks"),
    ],
    mutants=[
        mutant("lam = p", "regularisation parameter p instead of p/(1-p)", lam=lambda p: p),
        mutant("retain/drop swapped", "lam = (1-p)/p", lam=lambda p: (1 - p) / (p + 1e-12)),
        mutant("Gaussian form", "R = sum_i ||u_i||^2 ||v_i||^2 (the population form for Gaussian A) on empirical A",
               regularizer=lambda i: (ops.column_sq_norms(i.U) * ops.column_sq_norms(i.V)).sum()),
    ],
    tags=["explicit-regularizer", "central"],
)


# --- Proposition 4 and the Gaussian case: induced regulariser ----------------------------------------

def theta_completion(i, M=None):
    """Theta(M) = ||diag(sqrt p) M diag(sqrt q)||_*^2 / d1, M = U V' by default (torch or numpy)."""
    M = i.U @ i.V.T if M is None else M
    return nuclear_norm(weighted(M, i.p_row, i.q_col)) ** 2 / i.d1


def completion_regularizer_closed_form(i):
    """R(U, V) = sum_i ||diag(sqrt p) u_i||^2 ||diag(sqrt q) v_i||^2."""
    return (ops.column_sq_norms(weighted(i.U, i.p_row, np.ones(i.U.shape[1])))
            * ops.column_sq_norms(weighted(i.V, i.q_col, np.ones(i.V.shape[1])))).sum()


def attained_regulariser(i):
    """R (by the sum over atoms) at the equalised balanced factorisation of M = U V'."""
    U, V = equalised_factorisation(i.U @ i.V.T, i.p_row, i.q_col, i.d1)
    return completion_regularizer_by_atoms(U, V, i.p_row, i.q_col)


def attained_product(i):
    """The equalised factorisation reproduces M (relative error, to float rounding)."""
    U, V = equalised_factorisation(i.U @ i.V.T, i.p_row, i.q_col, i.d1)
    M = i.U @ i.V.T
    return float(np.abs(U @ V.T - M).max() / np.abs(M).max())


def local_descent_regulariser(i, ctx):
    """R at a factorisation of M reached by descent: gradient steps on R over U -> U G, V -> V G^{-T}
    (G invertible keeps U V' fixed), from the given random factors; observed side of the lower bound."""
    import torch

    U0, V0 = torch.as_tensor(i.U), torch.as_tensor(i.V)
    p, q = torch.as_tensor(i.p_row), torch.as_tensor(i.q_col)
    G = torch.eye(i.d1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([G], lr=0.02)
    best = float("inf")
    for _ in range(80):
        U, V = U0 @ G, V0 @ torch.linalg.inv(G).T
        R = completion_regularizer_by_atoms(U, V, p, q)
        best = min(best, float(R.detach()))
        opt.zero_grad()
        R.backward()
        opt.step()
    return best


ATTAIN = float_tolerance(4096, what="SVD, d1 - 1 plane rotations and the atom sum, d <= 8")
LOWER = Tolerance(1e-9, 0.0, principle="float64 rounding of an SVD and atom sums of size <= 200 (1e-9 relative); "
                                     "no band below the bound otherwise")

proposition_4 = declare(
    "capacity/proposition-4",
    title="matrix completion: dropout induces the (squared, scaled) weighted trace norm",
    source=Source(SEED, "Proposition 4", "", "7558-7575, 8373-8510"),
    statement=r"A=e_je_k^\top\text{ w.p. }p(j)q(k):\ R(U,V)=\sum_i\|\mathrm{diag}(\sqrt p)u_i\|^2\|\mathrm{diag}(\sqrt q)v_i\|^2,"
              r"\ \Theta(M)=\min_{UV^\top=M}R(U,V)=\tfrac1{d_1}\|\mathrm{diag}(\sqrt p)M\,\mathrm{diag}(\sqrt q)\|_*^2",
    hypotheses=["p, q strictly positive distributions on rows and columns", "rank M <= d1 (else Theta = +inf)",
                "U in R^{d2 x d1}, V in R^{d0 x d1}"],
    claimed=theta_completion,
    parts={"regularizer": completion_regularizer_closed_form},
    checks=[
        Relation(observed=lambda i: completion_regularizer_by_atoms(i.U, i.V, i.p_row, i.q_col), claimed="regularizer",
                 space=completion, instances=28, tolerance=float_tolerance(512, what="sum over <= 25 atoms"),
                 label="closed form of R vs the expectation over all d2 d0 atoms"),
        Relation(observed=attained_regulariser, space=completion, instances=28, tolerance=ATTAIN,
                 label="attainment: R at the equalising rotation of a balanced factorisation equals Theta"),
        Relation(observed=lambda i: completion_regularizer_by_atoms(i.U, i.V, i.p_row, i.q_col), relation=">=",
                 space=completion, instances=28, tolerance=LOWER, label="lower bound R(U,V) >= Theta(UV') on random factors"),
        Relation(observed=local_descent_regulariser, relation=">=", space=completion, instances=6, tolerance=LOWER,
                 label="lower bound on locally minimised factorisations (Adam over U G, V G^-T)"),
        BoundSearch(observed=lambda i: completion_regularizer_by_atoms(i.U, i.V, i.p_row, i.q_col), relation=">=",
                    space=completion, variables=("U", "V"), instances=8, steps=60, lr=0.05, tolerance=LOWER,
                    label="adversarial descent of R - Theta(UV') over U, V"),
    ],
    mutants=[
        mutant("no 1/d1", "Theta = ||P^1/2 M Q^1/2||_*^2", claimed=lambda i: theta_completion(i) * i.d1),
        mutant("weights not square-rooted", "Theta = ||P M Q||_*^2 / d1",
               claimed=lambda i: nuclear_norm(weighted(i.U @ i.V.T, i.p_row**2, i.q_col**2)) ** 2 / i.d1),
        mutant("unweighted", "Theta = ||M||_*^2 / d1 (the Gaussian form)",
               claimed=lambda i: nuclear_norm(i.U @ i.V.T) ** 2 / i.d1),
        mutant("R with P, Q unrooted", "R = sum ||P u_i||^2 ||Q v_i||^2",
               regularizer=lambda i: (ops.column_sq_norms(i.p_row[:, None] * i.U)
                                      * ops.column_sq_norms(i.q_col[:, None] * i.V)).sum()),
    ],
    depends_on=["capacity/proposition-3"],
    scope="Both directions: the lower bound on random factors, on factors locally minimised along the fibre "
          "{(UG, VG^-T)} and under adversarial descent over (U, V); attainment by the explicit minimiser. Seed issues "
          "(recorded, not errata): the statement writes Theta(M) in terms of UV' and omits rank M <= d1; the proof "
          "applies the equalisation theorem to (diag(sqrt p)U, diag(sqrt p)V) (the second factor must carry sqrt q), "
          "and to the given (U, V), which gives equal products only after rebalancing; the equalised minimiser here "
          "first balances (A'A = B'B) and then rotates; the display '1/d2 1' is 1/d1^2.",
    tags=["induced-regularizer", "central"],
)


def gaussian_regularizer_samples(i, n, sampler):
    """sum_i (u_i' A v_i)^2 for n iid standard Gaussian A (batched)."""
    import torch

    U, V = sampler.tensor(i.U), sampler.tensor(i.V)
    A = sampler.normal(n, *i.U.shape[:1], i.V.shape[0])
    return (torch.einsum("ai,nab,bi->ni", U, A, V) ** 2).sum(1)


def gaussian_attained(i):
    U, V = equalised_factorisation(i.U @ i.V.T, i.p_row, i.q_col, i.d1)
    return (ops.column_sq_norms(U) * ops.column_sq_norms(V)).sum()


def gaussian_theta(i, M=None):
    M = i.U @ i.V.T if M is None else M
    return nuclear_norm(M) ** 2 / i.d1


aux_gaussian = declare(
    "capacity/aux-gaussian-induced",
    title="Gaussian measurements: R = sum ||u_i||^2 ||v_i||^2 and the induced regulariser is ||M||_*^2 / d1",
    source=Source(SEED, "unnumbered, Sec. 4.2 'Gaussian Measurements'", "", "7545-7556",
                  also="[MA19] = thesis Chapter 3"),
    statement=r"A_{ij}\overset{iid}\sim\mathcal N(0,1):\ R(U,V)=\sum_i\mathbb E(u_i^\top Av_i)^2=\sum_i\|u_i\|^2\|v_i\|^2,"
              r"\ \Theta(M)=\tfrac1{d_1}\|M\|_*^2",
    hypotheses=["A with iid N(0, 1) entries", "rank M <= d1"],
    claimed=gaussian_theta,
    parts={"regularizer": lambda i: (ops.column_sq_norms(i.U) * ops.column_sq_norms(i.V)).sum()},
    checks=[
        MonteCarlo(sample=gaussian_regularizer_samples, claimed="regularizer", space=gaussian_factors, samples=100_000,
                   instances=4, label="E over Gaussian A of sum_i (u_i'Av_i)^2"),
        Relation(observed=gaussian_attained, space=gaussian_factors, instances=20, tolerance=ATTAIN,
                 label="attainment at the equalised balanced factorisation"),
        BoundSearch(observed=lambda i: (ops.column_sq_norms(i.U) * ops.column_sq_norms(i.V)).sum(), relation=">=",
                    space=gaussian_factors, variables=("U", "V"), instances=8, steps=60, lr=0.05, tolerance=LOWER,
                    label="lower bound under adversarial descent over U, V"),
    ],
    mutants=[
        mutant("no 1/d1", "Theta = ||M||_*^2", claimed=lambda i: gaussian_theta(i) * i.d1),
        mutant("Frobenius", "Theta = ||M||_F^2 / d1 (passes the lower bound, fails attainment at rank >= 2)",
               claimed=lambda i: ops.sum_squares(i.U @ i.V.T) / i.d1),
        mutant("R without the V norms", "R = sum ||u_i||^2", regularizer=lambda i: ops.sum_squares(i.U)),
    ],
    depends_on=["capacity/proposition-4"],
    scope="The special case p = q = 1 (unnormalised) of Proposition 4's computation, with its own Monte-Carlo check "
          "of E(u'Av)^2 = ||u||^2 ||v||^2 over Gaussian A; L = ||M_* - UV'||_F^2 is the same identity at d1 = 1.",
    tags=["induced-regularizer"],
)


# --- Theorem 11 --------------------------------------------------------------------------------------

def _sqrt(x):
    return x.sqrt() if hasattr(x, "detach") else np.sqrt(x)


def _log(x):
    return x.log() if hasattr(x, "detach") else np.log(x)


def _alpha(i):
    return i.log_alpha.exp() if hasattr(i.log_alpha, "detach") else np.exp(i.log_alpha)


def _delta(i):
    """delta in (0, 1) from an unconstrained field."""
    return 1 / (1 + (-i.logit_delta).exp()) if hasattr(i.logit_delta, "detach") else 1 / (1 + np.exp(-i.logit_delta))


def theorem11_claimed(i):
    """The excess of the bound over L_hat: 8 sqrt((2 alpha d2 log d2 + log(2/delta)/4) / n)."""
    return 8 * _sqrt((2 * _alpha(i) * i.d2 * np.log(i.d2) + 0.25 * _log(2 / _delta(i))) / i.n)


def theorem11_chain(i, parts):
    """The proof's line before the last: 4 M R_n(M_alpha) + M^2 sqrt(log(2/delta) / 2n) (Theorem 19, first form)."""
    M = parts["deviation_M"]
    return 4 * M * parts["rademacher"](i) + M**2 * _sqrt(_log(2 / _delta(i)) / (2 * i.n))


def _theorem11_point(d: Draw) -> dict:
    d2 = d.integer(2, 200)
    n = d.integer(50, 10**5)
    logit_delta = d.uniform(-6.0, 4.0)
    delta = 1 / (1 + np.exp(-logit_delta))
    if d.regime == "sharp point":
        log_alpha = float(np.log(np.log(2 / delta) / (8 * d2 * np.log(d2))))
    else:
        log_alpha = d.uniform(-8.0, 6.0)
    return {"d2": d2, "n": n, "log_alpha": log_alpha, "logit_delta": logit_delta}


theorem11_points = Space(_theorem11_point, regimes=("typical", "sharp point"),
                         description="d2 in 2..200, n in 50..1e5, alpha in e^-8..e^6, delta in (0.0025, 0.98)")
theorem11_sharp = Space(lambda d: _theorem11_point(d), regimes=("sharp point",),
                        description="alpha d2 log d2 = log(2/delta)/8, where 8 sqrt a + 4 sqrt(b/2) = 8 sqrt(2a + b/4)")


def completion_rademacher(n, sampler, d=8):
    """R_n(M_alpha) / sqrt(alpha), exactly in the class: sup over ||P^1/2 M Q^1/2||_* <= sqrt(alpha) of
    (1/n) sum_j eps_j M(a_j, b_j) is sqrt(alpha)/n ||P^-1/2 E Q^-1/2||_op (dual norm); Monte Carlo over the
    sample of n entries (rows ~ p, columns ~ q) and the signs, 600 draws batched."""
    import torch

    n = int(n)
    draws = 300
    w = np.arange(1, d + 1) ** -0.5
    p = w / w.sum()
    P, Q = torch.as_tensor(p), torch.as_tensor(p[::-1].copy())
    rows = torch.multinomial(P.expand(draws, d), n, replacement=True, generator=sampler.generator)
    cols = torch.multinomial(Q.expand(draws, d), n, replacement=True, generator=sampler.generator)
    eps = sampler.rademacher(draws, n)
    E = torch.zeros(draws, d * d, dtype=torch.float64).scatter_add_(1, rows * d + cols, eps).reshape(draws, d, d)
    E = E / P.sqrt()[None, :, None] / Q.sqrt()[None, None, :]
    return float(torch.linalg.matrix_norm(E, ord=2).mean()) / n


def _class_sup_program(inst) -> Program:
    """sup <M, E> over ||diag(sqrt p) M diag(sqrt q)||_* <= sqrt(alpha), in the variable M' = diag(sqrt p) M
    diag(sqrt q) (an exact change of variables: <M, E> = <M', E o W^-1>, W = sqrt(p) sqrt(q)'), which keeps the SDP
    well conditioned when the weights spread over three decades."""
    d2, d0 = inst.E.shape
    G, radius = cp.Parameter((d2, d0)), cp.Parameter(nonneg=True)
    M = cp.Variable((d2, d0))
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(G, M))), [cp.normNuc(M) <= radius])
    return Program(problem, {"G": G, "radius": radius}, {"M": M})


def normalised_values(i) -> dict:
    """G = E o W^-1 scaled to unit maximum (the value is scaled back in ``observed``)."""
    G = i.E / np.sqrt(np.outer(i.p_row, i.q_col))
    return {"G": G / np.abs(G).max(), "radius": np.sqrt(i.alpha)}


def class_sup_value(sol, i):
    return sol.value * np.abs(i.E / np.sqrt(np.outer(i.p_row, i.q_col))).max()


def _sign_sum(d: Draw) -> dict:
    from .spaces import sampling_marginals

    regime = d.regime
    d2 = d.integer(2, 5)
    d0 = d.integer(2, d2)
    p, q = sampling_marginals(d, d2, regime), sampling_marginals(d, d0, regime)
    n = d.integer(5, 40)
    E = np.zeros((d2, d0))
    for _ in range(n):
        E[d.integer(0, d2 - 1), d.integer(0, d0 - 1)] += d.choice((-1.0, 1.0))
    if not np.any(E):
        E[0, 0] = 1.0
    return {"E": E, "p_row": p, "q_col": q, "alpha": d.log_uniform(0.1, 10.0)}


sign_sums = Space(_sign_sum, regimes=("uniform sampling", "typical", "skewed sampling"),
                  description="E = sum_j eps_j e_(a_j) e_(b_j)', d2 >= d0, p, q uniform/log-uniform/skewed")


def clipped_risk(i, parts):
    """L_hat(g(UV')) with g the clipping at +-1 and |y| <= 1."""
    pred = parts["clip"](i.M[i.rows, i.cols])
    return np.mean((i.y - pred) ** 2)


def _completion_sample(d: Draw) -> dict:
    d2 = d.integer(3, 8)
    M = d.normal(d2, 2) @ d.normal(2, d2) * d.log_uniform(0.5, 5)
    if d.regime == "entries inside [-1,1]":
        M = 0.99 * M / np.abs(M).max()
    n = d.integer(5, 60)
    rows, cols = np.array([d.integer(0, d2 - 1) for _ in range(n)]), np.array([d.integer(0, d2 - 1) for _ in range(n)])
    Mstar = d.normal(d2, d2)
    Mstar = Mstar / max(1.0, np.abs(Mstar).max())
    return {"M": M, "rows": rows, "cols": cols, "y": Mstar[rows, cols]}


completion_samples = Space(_completion_sample, regimes=("typical", "entries inside [-1,1]"),
                           description="UV' of rank 2, |M_*(i,j)| <= 1, n observed entries")
inside_samples = Space(_completion_sample, regimes=("entries inside [-1,1]",),
                       description="UV' with entries inside [-1, 1]: clipping changes nothing")

theorem_11 = declare(
    "capacity/theorem-11",
    title="generalisation bound for matrix completion with dropout",
    source=Source(SEED, "Theorem 11", "", "7584-7605, 8513-8580", also="Arora et al. 2021, Theorem 2"),
    statement=r"d_2\ge d_0,\ \|M_*\|\le1,\ \min p(i)q(k)\ge\tfrac{\log d_2}{n\sqrt{d_2d_0}},\ R(U,V)\le\alpha/d_1:\ "
              r"L(g(UV^\top))\le\hat L(U,V)+8\sqrt{\tfrac{2\alpha d_2\log d_2+\frac14\log(2/\delta)}n}\text{ w.p. }1-\delta",
    hypotheses=["Theorem 19 (MRT18 Thm 10.3, first form) with M = 2", "Theorem 20 (FSSS11 Thm 1), printed as O(.)",
                "|M_*(i,j)| <= 1 (all that ||M_*|| <= 1 is used for)"],
    claimed=theorem11_claimed,
    parts={"rademacher": lambda i: _sqrt(_alpha(i) * i.d2 * np.log(i.d2) / i.n), "deviation_M": 2.0,
           "rate": -0.5, "clip": lambda t: np.clip(t, -1.0, 1.0),
           "class_sup": lambda i: np.sqrt(i.alpha) * np.linalg.norm(
               i.E / np.sqrt(i.p_row)[:, None] / np.sqrt(i.q_col)[None, :], 2), "unclipped": lambda i: np.mean((i.y - i.M[i.rows, i.cols]) ** 2)},
    checks=[
        BoundSearch(observed=theorem11_chain, space=theorem11_points, variables=("log_alpha", "logit_delta"),
                    instances=4, steps=40, lr=0.15, tolerance=float_tolerance(64, what="a few square roots"),
                    label="last step 4M R_n + M^2 sqrt(log(2/d)/2n) <= the printed bound, adversarial over alpha, delta"),
        Relation(observed=theorem11_chain, space=theorem11_sharp, instances=6,
                 tolerance=float_tolerance(64, what="a few square roots"),
                 label="the last step is an equality at alpha d2 log d2 = log(2/delta)/8 (sharp)"),
        Relation(observed=clipped_risk, claimed="unclipped", relation="<=", space=completion_samples, instances=16,
                 tolerance=float_tolerance(64, what="mean of <= 60 squares"),
                 label="clipping step L_hat(g(UV')) <= L_hat(U, V) for |y| <= 1"),
        Relation(observed=clipped_risk, claimed="unclipped", space=inside_samples, instances=6,
                 tolerance=float_tolerance(64, what="mean of <= 60 squares"),
                 label="clipping is the identity on [-1, 1] (equality case)"),
        ConvexProgram(program=_class_sup_program, key=lambda i: i.E.shape, space=sign_sums, instances=8,
                      claimed="class_sup",
                      values=normalised_values, observed=class_sup_value,
                      tolerance=solver_tolerance(1e-8, factor=100, what="Clarabel, nuclear-norm SDP"),
                      solver_opts={"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8, "max_iter": 500},
                      label="the inner sup over M_alpha is sqrt(alpha) ||P^-1/2 E Q^-1/2||_op (cvxpy, Clarabel)"),
        Rate(points=tuple(np.geomspace(256, 8192, 6)), measure=completion_rademacher, claimed="rate",
             slope_tolerance=0.02, resolution=0.03,
             slope_principle="d = 8, n/d^2 >= 4: the sign matrix is in its dense regime; residual curvature of "
                             "E||E||_op / sqrt(n) measured < 0.01 in slope over the sweep",
             label="R_n(M_alpha) ~ n^(-1/2): exact dual-norm sup, Monte Carlo over samples and signs"),
    ],
    mutants=[
        mutant("optimistic rate", "R_n(M_alpha) ~ alpha d2 log d2 / n (rate n^-1)", rate=-1.0,
               rademacher=lambda i: _alpha(i) * i.d2 * np.log(i.d2) / i.n),
        mutant("M = 1", "deviation parameter M = 1 (|y - g| <= 1)", deviation_M=1.0),
        mutant("no factor 2 inside", "8 sqrt((alpha d2 log d2 + log(2/delta)/4)/n)",
               claimed=lambda i: 8 * _sqrt((_alpha(i) * i.d2 * np.log(i.d2) + 0.25 * _log(2 / _delta(i))) / i.n)),
        mutant("clip at +-1/2", "g thresholds at +-1/2", clip=lambda t: np.clip(t, -0.5, 0.5)),
        mutant("unweighted dual", "sup = sqrt(alpha) ||E||_op (the weights ignored)",
               class_sup=lambda i: np.sqrt(i.alpha) * np.linalg.norm(i.E, 2)),
    ],
    depends_on=["capacity/proposition-4", "capacity/proposition-3"],
    scope="Not checkable as a whole: its constant 8 takes the O(.) of Theorem 20 (FSSS11) as 1. Checked instead: "
          "the proof's last step (sharp: an equality on the curve alpha d2 log d2 = log(2/delta)/8, so a 10 % "
          "tighter constant is refuted), the clipping step and its equality case, the deviation parameter M = 2 "
          "(through the chain), and the n^(-1/2) rate of the exact R_n(M_alpha) (slope; the 'optimistic' n^-1 rate is "
          "refuted). Measured (d = 8, p, q ~ k^-1/2, n = 256..8192): R_n(M_alpha) / sqrt(alpha d2 log d2 / n) = 1.21 at every n, "
          "so Theorem 20 with constant 1 fails at this size and the printed 8 is not established by the proof (the "
          "theorem's inequality itself is not refuted: the generalisation gap is far below it). The deviation term "
          "4 sqrt(log(2/delta)/2n) is Theorem 19's first form (M^2, with R_n), consistent with Corollary 2's use of the "
          "second form (3M^2, with R_S): the catalogue's 'inconsistency' is two different forms of Theorem 19.",
    tags=["generalization-bound"],
)


# --- Sec. 4.4: non-factorised sensing, single-output linear nets, the Kronecker form --------------------

def vec(M):
    """Column vectorisation."""
    return M.reshape(-1, order="F") if isinstance(M, np.ndarray) else M.T.reshape(-1)


def vec_dropout_gap_by_masks(i):
    """E_hat_j E_b (y_j - <b o vec M / (1-p), vec A_j>)^2 - L_hat(M), all 2^(d2 d0) masks."""
    from .model import inverted_masks

    m = vec(i.M)
    Avec = np.stack([vec(A) for A in i.As])
    masks, weights = inverted_masks(len(m), i.drop)
    preds = (masks * m[None, :]) @ Avec.T
    drop_risk = sum(w * np.mean((i.y - pr) ** 2) for w, pr in zip(weights, preds))
    return drop_risk - np.mean((i.y - Avec @ m) ** 2)


def _vec_instance(d: Draw) -> dict:
    regime = d.regime
    d2, d0 = {"2x2": (2, 2), "2x4": (2, 4), "1x8": (1, 8)}.get(regime, (2, 3))
    n = d.integer(1, 10)
    L = d.normal(d2 * d0, d2 * d0) / np.sqrt(d2 * d0) + np.eye(d2 * d0)
    As = np.stack([(L @ d.normal(d2 * d0)).reshape(d2, d0, order="F") for _ in range(n)])
    drop = drop_rate(d, "p->1" if regime == "p->1" else "typical")
    return {"M": d.normal(d2, d0), "As": As, "y": d.normal(n), "drop": drop}


vec_instances = Space(_vec_instance, regimes=("2x2", "2x3", "2x4", "1x8", "p->1"),
                      description="vec A = L z with a non-diagonal L (correlated entries), d2 d0 <= 8")


def vec_ridge_claimed(i, parts):
    Avec = np.stack([vec(A) for A in i.As])
    return parts["lam"](i.drop) * (parts["weights"](Avec) * vec(i.M) ** 2).sum()


def gaussian_vec_samples(i, n, sampler):
    m = sampler.tensor(vec(i.M))
    A = sampler.normal(n, len(m))
    b = sampler.bernoulli(1 - i.drop, n, len(m)) / (1 - i.drop)
    y = A @ sampler.tensor(vec(i.Mstar))
    return (y - (A * b * m).sum(1)) ** 2 - (y - A @ m) ** 2


def _gaussian_vec(d: Draw) -> dict:
    inst = _vec_instance(d)
    return {**inst, "Mstar": d.normal(*inst["M"].shape)}


gaussian_vec = Space(_gaussian_vec, regimes=("2x2", "2x3", "p->1"), description="iid N(0,1) measurements")

aux_vec_ridge = declare(
    "capacity/aux-vec-ridge",
    title="dropout on the entries of a non-factorised M is a diagonally weighted ridge penalty",
    source=Source(SEED, "unnumbered, Sec. 4.4", "", "8166-8195"),
    statement=r"\hat L_{drop}(M)-\hat L(M)=\lambda\|\mathrm{vec}(M)\|^2_{\mathrm{diag}(\hat C)},\ "
              r"\hat C=\hat{\mathbb E}\,\mathrm{vec}A\,\mathrm{vec}A^\top;\ \text{Gaussian }A:\ \lambda\|M\|_F^2",
    hypotheses=["inverted dropout on the d2 d0 coordinates of vec M", "the identity holds for the empirical C_hat; "
                "the seed's 'expected' form uses the population C"],
    claimed=vec_ridge_claimed,
    parts={"lam": reg_parameter, "weights": lambda Avec: (Avec**2).mean(0),
           "gaussian_form": lambda i: reg_parameter(i.drop) * ops.sum_squares(i.M)},
    checks=[
        Relation(observed=vec_dropout_gap_by_masks, space=vec_instances, instances=20, tolerance=MASKS,
                 label="exact enumeration of the 2^(d2 d0) masks, correlated measurements"),
        MonteCarlo(sample=gaussian_vec_samples, claimed="gaussian_form", space=gaussian_vec, samples=200_000,
                   instances=3, label="Gaussian A: population penalty lam ||M||_F^2"),
    ],
    mutants=[
        mutant("full C", "lam vec(M)' C vec(M) (off-diagonal terms kept)",
               claimed=lambda i, parts: parts["lam"](i.drop) * float(
                   vec(i.M) @ (np.stack([vec(A) for A in i.As]).T @ np.stack([vec(A) for A in i.As]) / len(i.As))
                   @ vec(i.M))),
        mutant("lam = p", "p instead of p/(1-p)", lam=lambda p: p),
    ],
    depends_on=["capacity/proposition-3"],
    tags=["explicit-regularizer", "parametrization"],
)


def dropout_linear_minimiser(i):
    """argmin_u E_hat_i (y_i - u'x_i)^2 + nu ||u||^2_{C_hat}, C_hat = XX'/n, by a stacked least-squares solve
    (min-norm), independent of the normal equations."""
    A = np.vstack([i.X.T, np.sqrt(i.nu) * i.X.T])
    b = np.concatenate([i.y, np.zeros_like(i.y)])
    return np.linalg.lstsq(A, b, rcond=None)[0]


def normal_equation_solution(i, parts):
    """The min-norm solution of c(nu, n) XX' u = Xy."""
    return np.linalg.pinv(parts["coefficient"](i.nu, i.X.shape[1]) * (i.X @ i.X.T)) @ (i.X @ i.y)


def _linear_instance(d: Draw) -> dict:
    regime = d.regime
    d0 = d.integer(2, 6)
    n = {"n=1": 1, "d0>n": max(1, d0 - 2), "n>>d0": 40}.get(regime, d.integer(3, 20))
    nu = {"tiny nu": d.log_uniform(1e-6, 1e-3), "large nu": d.log_uniform(10.0, 1e3)}.get(regime, d.log_uniform(0.05, 5.0))
    X = d.normal(d0, n)
    return {"X": X, "y": X.T @ d.normal(d0) + d.normal(n), "nu": nu}


linear_instances = Space(_linear_instance, regimes=("typical", "n=1", "d0>n", "n>>d0", "tiny nu", "large nu"),
                         description="X in R^{d0 x n}, y = X'u + noise, nu log-uniform")
LSQ = float_tolerance(1e5, atol=1e-12, what="least squares with condition number <= 1e3")


def _linear_claim(id_, coefficient, **fields):
    return declare(
        id_,
        title="dropout in a single-output deep linear network only rescales the least-squares solution",
        source=Source(SEED, "unnumbered, Sec. 4.4", "", "8205-8235", also="[MA19] = thesis Chapter 3"),
        statement=r"\min_u\hat{\mathbb E}_i(y_i-u^\top x_i)^2+\nu\|u\|^2_{\hat C}\text{ is solved by }"
                  + ("(1+\\tfrac\\nu n)" if "printed" in fields.get("tags", []) else "(1+\\nu)")
                  + r"XX^\top u=Xy",
        hypotheses=["nu ||f||^2_C = min_{f_w = f} R_hat(w) (Chapter 3, single output; cited, checked in `nuclear`)",
                    "C_hat = XX'/n, the empirical second moment of the E_hat average"],
        claimed=normal_equation_solution,
        parts={"coefficient": coefficient},
        checks=[Relation(observed=dropout_linear_minimiser, space=linear_instances, instances=24, tolerance=LSQ, shrink=False,
                         label="minimiser by a stacked least-squares solve vs the normal equations' min-norm solution")],
        **fields,
    )


aux_linear_scaling = _linear_claim(
    "capacity/aux-linear-scaling", lambda nu, n: 1 + nu / n,
    mutants=[mutant("no shrinkage", "c = 1 (dropout has no effect)", coefficient=lambda nu, n: 1.0)],
    status="erratum", tags=["printed", "parametrization"],
    erratum_note="The printed system (1 + nu/n) XX'u = Xy holds only if the loss is a sum while ||u||_C uses XX'/n; "
                 "with the printed E_hat (an average) and C_hat = XX'/n the gradient condition is (1 + nu) XX'u = Xy. "
                 "Counterexample: d0 = 1, n = 2, X = [1, 1], y = (1, 1), nu = 1: the objective (1 - u)^2 + u^2 is "
                 "minimised at u = 1/2; the printed system 2(1 + 1/2)u = 2 gives u = 2/3.",
)

aux_linear_scaling_corrected = _linear_claim(
    "capacity/aux-linear-scaling-corrected", lambda nu, n: 1 + nu,
    mutants=[mutant("printed nu/n", "(1 + nu/n) XX'u = Xy", coefficient=lambda nu, n: 1 + nu / n),
             mutant("no shrinkage", "c = 1", coefficient=lambda nu, n: 1.0),
             mutant("2 nu", "(1 + 2 nu)", coefficient=lambda nu, n: 1 + 2 * nu)],
    corrects="capacity/aux-linear-scaling", tags=["parametrization"],
)


def kron_form(i, parts):
    """<vec(U'), (I_{d2} kron V') vec(A')>."""
    K = parts["kron"](np.eye(i.U.shape[0], dtype=i.U.dtype), i.V.T)
    return vec(i.U.T) @ (K @ vec(i.A.T))


def _kron_instance(d: Draw) -> dict:
    d2, d0, d1 = {"square": (3, 3, 3), "d1=1": (3, 2, 1)}.get(d.regime, (d.integer(1, 5), d.integer(1, 5), d.integer(1, 5)))
    return {"U": d.normal(d2, d1), "V": d.normal(d0, d1), "A": d.normal(d2, d0)}


kron_instances = Space(_kron_instance, regimes=("typical", "square", "d1=1"), description="Gaussian U, V, A")

aux_kronecker = declare(
    "capacity/aux-kronecker",
    title="matrix sensing in factored form is a linear net with a convolutional first layer",
    source=Source(SEED, "unnumbered, Sec. 4.4", "", "8240-8285"),
    statement=r"\langle UV^\top,A\rangle=\langle\mathrm{vec}(U^\top),\mathrm{vec}(V^\top A^\top)\rangle"
              r"=\langle\mathrm{vec}(U^\top),(I_{d_2}\otimes V^\top)\mathrm{vec}(A^\top)\rangle",
    hypotheses=["column-major vec; vec(AB) = (I kron A) vec(B)"],
    claimed=kron_form,
    parts={"kron": np.kron},
    checks=[
        Symbolic(observed=lambda i: (i.U @ i.V.T * i.A).sum(), label="d2 = 2, d0 = 3, d1 = 2, generic symbols",
                 symbols=lambda: {"U": ops.symbol_matrix("u", 2, 2), "V": ops.symbol_matrix("v", 3, 2),
                                  "A": ops.symbol_matrix("a", 2, 3)}),
        Relation(observed=lambda i: (i.U @ i.V.T * i.A).sum(), space=kron_instances, instances=20,
                 tolerance=float_tolerance(200, what="inner products of length <= 125"),
                 scale=lambda i: np.abs(i.U).sum() * np.abs(i.V).max() * np.abs(i.A).max() + 1e-300,
                 label="random U, V, A (band scaled to the summed terms)"),
    ],
    mutants=[
        mutant("V' kron I", "(V' kron I_{d2}) instead of (I_{d2} kron V')", kron=lambda I, Vt: np.kron(Vt, I)),
        mutant("row-major vec", "vec by rows",
               claimed=lambda i, parts: i.U.T.reshape(-1) @ (parts["kron"](np.eye(i.U.shape[0]), i.V.T) @ i.A.T.reshape(-1))),
    ],
    tags=["parametrization"],
)

CLAIMS = [proposition_3, proposition_4, aux_gaussian, theorem_11, aux_vec_ridge, aux_linear_scaling,
          aux_linear_scaling_corrected, aux_kronecker]
