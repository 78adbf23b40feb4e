"""`bias` §1: the dropout objective (eqs. 1-2, Lemma A.1) and the path norm (eq. 3).

Seed 003_d0c1b2e846001ede.txt l. 45-147; thesis (000) eqs. (2.1)-(2.3), Lemma 2 (l. 1697-1772,
proof l. 2651-2782). Lemma A.1 is cited but the supplement is not in seed 003; the thesis proves it.
"""
from __future__ import annotations

from itertools import product

import numpy as np
import sympy as sp

from theorycheck import MonteCarlo, Relation, Source, Symbolic, declare, float_tolerance, mutant, ops

from .model import dropout_objective_by_masks, path_products, reg_parameter
from .spaces import networks

SEED = "003_d0c1b2e846001ede.txt"


def dropout_objective_claimed(i):
    """RHS of eq. (2): ||M - UV'||_F^2 + (1-theta)/theta sum_i ||u_i||^2 ||v_i||^2."""
    return ops.sum_squares(i.M - i.U @ i.V.T) + reg_parameter(i.theta) * path_products(i.U, i.V).sum()


def symbolic_network():
    return {"M": ops.symbol_matrix("m", 2, 2), "U": ops.symbol_matrix("u", 2, 2),
            "V": ops.symbol_matrix("v", 2, 2), "theta": sp.Symbol("theta", positive=True)}


def dropout_loss_samples(i, n, sampler):
    """||y - (1/theta) U diag(b) V'x||^2 for n joint draws of (x, b), batched."""
    M, U, V = (sampler.tensor(a) for a in (i.M, i.U, i.V))
    if i.law == "gaussian":
        x = sampler.normal(n, i.d0)
    elif i.law == "rademacher":
        x = sampler.rademacher(n, i.d0)
    else:
        x = (2 * sampler.uniform(n, i.d0) - 1) * np.sqrt(3.0)
    b = sampler.bernoulli(i.theta, n, i.r)
    residual = x @ M.T - ((x @ V) * b) @ U.T / i.theta
    return (residual**2).sum(1)


lemma_a1 = declare(
    "bias/lemma-A.1",
    title="the dropout objective is the squared loss plus lam sum ||u_i||^2 ||v_i||^2",
    source=Source(SEED, "Lemma A.1 (cited, supplement missing)", "(1)-(2)", "45-83",
                  also="thesis Lemma 2, eqs. (2.1)-(2.2), proof l. 2651-2782"),
    statement=r"E_{b,x}\|y-\tfrac1\theta U\mathrm{diag}(b)V^\top x\|^2=\|M-UV^\top\|_F^2"
              r"+\tfrac{1-\theta}{\theta}\sum_i\|u_i\|^2\|v_i\|^2",
    hypotheses=["E[xx'] = I (any law: Gaussian, Rademacher, scaled uniform)", "y = Mx",
                "b_i iid Ber(theta), independent of x, theta in (0, 1]"],
    claimed=dropout_objective_claimed,
    checks=[
        Symbolic(observed=lambda i: dropout_objective_by_masks(i.M, i.U, i.V, i.theta),
                 symbols=symbolic_network, label="r = d0 = d2 = 2, symbolic theta"),
        Relation(observed=lambda i: dropout_objective_by_masks(i.M, i.U, i.V, i.theta), space=networks,
                 tolerance=float_tolerance(2**7 * 64, what="sum over 2^r <= 64 masks of d2*d0 <= 36 squares"),
                 instances=60, label="exact enumeration of masks"),
        MonteCarlo(sample=dropout_loss_samples, space=networks, samples=200_000, instances=6,
                   label="joint draws of (x, b)"),
    ],
    mutants=[
        mutant("theta/(1-theta)", "retain/drop probabilities swapped in lambda",
               claimed=lambda i: ops.sum_squares(i.M - i.U @ i.V.T)
               + i.theta / (1 - i.theta) * path_products(i.U, i.V).sum()),
        mutant("1-theta", "the 1/theta of inverted dropout forgotten in lambda",
               claimed=lambda i: ops.sum_squares(i.M - i.U @ i.V.T) + (1 - i.theta) * path_products(i.U, i.V).sum()),
        mutant("(1-theta)/theta^2", "lambda with theta squared",
               claimed=lambda i: ops.sum_squares(i.M - i.U @ i.V.T)
               + (1 - i.theta) / i.theta**2 * path_products(i.U, i.V).sum()),
    ],
    tags=["exemplar", "dropout-objective"],
)


def path_norm_squared(i):
    """psi_2^2 by explicit enumeration of every input -> hidden -> output path (eq. 3)."""
    total = 0
    d2, r = i.U.shape
    d0 = i.V.shape[0]
    for hidden, out, inp in product(range(r), range(d2), range(d0)):
        total = total + i.U[out, hidden] ** 2 * i.V[inp, hidden] ** 2
    return total


identity_eq3 = declare(
    "bias/identity-eq3",
    title="the dropout regulariser is lam times the squared l2 path norm",
    source=Source(SEED, "eq. (3)", "(3)", "84-147", also="thesis eq. (2.3)"),
    statement=r"\psi_2^2(U,V)=\sum_{i,j,k}u_{ji}^2v_{ki}^2=\sum_i\|u_i\|^2\|v_i\|^2",
    hypotheses=["any U (d2 x r), V (d0 x r)"],
    claimed=lambda i: path_products(i.U, i.V).sum(),
    checks=[
        Symbolic(observed=path_norm_squared,
                 symbols=lambda: {"U": ops.symbol_matrix("u", 3, 2), "V": ops.symbol_matrix("v", 2, 2)},
                 label="d2 = 3, d0 = r = 2"),
        Relation(observed=path_norm_squared, space=networks, instances=40,
                 tolerance=float_tolerance(4 * 216, what="sum of r*d0*d2 <= 216 products"),
                 label="path enumeration"),
    ],
    mutants=[
        mutant("psi_2 not squared", "R = lam psi_2",
               claimed=lambda i: ops.sqrt(path_products(i.U, i.V).sum())),
        mutant("psi_1 squared", "l1 path norm squared",
               claimed=lambda i: (abs(i.U).sum(0) * abs(i.V).sum(0)).sum() ** 2),
    ],
    tags=["exemplar"],
)

CLAIMS = [lemma_a1, identity_eq3]
