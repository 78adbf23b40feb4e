"""`bias` §1: Algorithm 1 (dropout SGD) as SGD on the dropout objective, and contribution 1 (global minima
have minimal path norm among all factorizations of the same network).

Seed 003_d0c1b2e846001ede.txt Algorithm 1 (l. 102-140) and §1 contribution 1 (l. 153-158); thesis
Algorithm 1 (l. 1828-1863), l. 1789-1797. Algorithm 1 drops the constant 2/theta of the gradient: its
expected step is (theta/2) grad L_theta, i.e. the effective step size is eta theta / 2.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import (BoundSearch, Draw, MonteCarlo, Relation, Source, Space, Symbolic, bernoulli_masks, declare,
                         float_tolerance, mutant, ops)

from .landscape_math import (OPTIMISER, best_of_restarts, psd_targets, starts, tied_torch,
                             tied_value_and_grad, untied_optimum)
from .model import reg_parameter
from .spaces import networks, targets

SEED = "003_d0c1b2e846001ede.txt"


def dropout_gradient(M, U, V, lam, scale=1.0):
    """scale x (grad_U L_theta, grad_V L_theta) stacked, with
    grad_U = 2 (UV' - M) V + 2 lam U diag(V'V), grad_V = 2 (VU' - M') U + 2 lam V diag(U'U)."""
    gU = 2 * (U @ V.T - M) @ V + 2 * lam * U * ops.column_sq_norms(V)[None, :]
    gV = 2 * (V @ U.T - M.T) @ U + 2 * lam * V * ops.column_sq_norms(U)[None, :]
    return np.concatenate([np.asarray(gU).ravel(), np.asarray(gV).ravel()]) * scale


def expected_step_by_masks(i):
    """E_{b,x}[(G_U, G_V)] of Algorithm 1: E_x by isotropy (E[(Ax - Mx) x'] = A - M), E_b by enumeration."""
    masks, weights = bernoulli_masks(i.U.shape[1], i.theta)
    total = 0
    for b, w in zip(masks, weights):
        A = (i.U * b[None, :]) @ i.V.T / i.theta
        GU = (A - i.M) @ i.V * b[None, :]
        GV = (A - i.M).T @ i.U * b[None, :]
        total = total + w * np.concatenate([np.asarray(GU).ravel(), np.asarray(GV).ravel()])
    return total


def step_samples(i, n, sampler):
    """(G_U, G_V) of Algorithm 1 for n joint draws of (x, b), batched."""
    import torch

    M, U, V = (sampler.tensor(a) for a in (i.M, i.U, i.V))
    x = sampler.normal(n, i.d0)
    b = sampler.bernoulli(i.theta, n, i.r)
    residual = ((x @ V) * b) @ U.T / i.theta - x @ M.T  # (n, d2): (1/theta) U diag(b) V'x - y
    GU = residual[:, :, None] * ((x @ V) * b)[:, None, :]  # (residual) (x'V diag(b))
    GV = x[:, :, None] * (residual @ U * b)[:, None, :]  # x (residual' U diag(b))
    return torch.cat([GU.reshape(n, -1), GV.reshape(n, -1)], dim=1)


def claimed_expected_step(i):
    return dropout_gradient(i.M, i.U, i.V, reg_parameter(i.theta), i.theta / 2)


def autograd_of_lemma_a1(i):
    """(theta/2) grad of ||M - UV'||_F^2 + lam sum ||u_i||^2 ||v_i||^2 (Lemma A.1) by autograd."""
    import torch

    U = torch.tensor(i.U, requires_grad=True)
    V = torch.tensor(i.V, requires_grad=True)
    M = torch.as_tensor(i.M)
    f = ((M - U @ V.T) ** 2).sum() + reg_parameter(i.theta) * ((U * U).sum(0) * (V * V).sum(0)).sum()
    gU, gV = torch.autograd.grad(f, (U, V))
    return np.concatenate([gU.numpy().ravel(), gV.numpy().ravel()]) * i.theta / 2


algorithm_1 = declare(
    "bias/algorithm-1",
    title="a dropout-SGD step (Algorithm 1) is an unbiased (theta/2)-scaled stochastic gradient of L_theta",
    source=Source(SEED, "Algorithm 1", "(1)-(2)", "102-140", also="thesis Algorithm 1 (l. 1828-1863)"),
    statement=r"\mathbb E_{b,x}[G_U]=\tfrac\theta2\nabla_UL_\theta,\ \mathbb E_{b,x}[G_V]=\tfrac\theta2\nabla_VL_\theta,\ "
              r"G_U=(\tfrac1\theta U\mathrm{diag}(b)V^\top x-y)x^\top V\mathrm{diag}(b)",
    hypotheses=["E[xx'] = I, y = Mx", "b_i iid Ber(theta) independent of x"],
    claimed=claimed_expected_step,
    checks=[
        Symbolic(observed=expected_step_by_masks, symbols=lambda: {
            "M": ops.symbol_matrix("m", 2, 2), "U": ops.symbol_matrix("u", 2, 2), "V": ops.symbol_matrix("v", 2, 2),
            "theta": sp.Symbol("theta", positive=True)}, label="d2 = d0 = r = 2, symbolic theta"),
        Relation(observed=expected_step_by_masks, space=networks, instances=40,
                 tolerance=float_tolerance(2**7 * 64, what="sum over 2^r <= 64 masks of products of length <= 6"),
                 scale=lambda i: (np.linalg.norm(i.M) + np.linalg.norm(i.U) * np.linalg.norm(i.V))
                 * (np.linalg.norm(i.U) + np.linalg.norm(i.V)) / i.theta**2, label="exact mask enumeration"),
        Relation(observed=autograd_of_lemma_a1, space=networks, instances=40,
                 tolerance=float_tolerance(256, what="autograd of a sum of <= 72 squares"),
                 scale=lambda i: (np.linalg.norm(i.M) + np.linalg.norm(i.U) * np.linalg.norm(i.V))
                 * (np.linalg.norm(i.U) + np.linalg.norm(i.V)) / i.theta, label="analytic gradient vs autograd"),
        MonteCarlo(sample=step_samples, space=networks, samples=100_000, instances=4, label="joint draws of (x, b)"),
    ],
    mutants=[
        mutant("factor 1", "E[G] = grad L_theta (the 2/theta dropped from the update taken literally)",
               claimed=lambda i: dropout_gradient(i.M, i.U, i.V, reg_parameter(i.theta))),
        mutant("unregularised", "E[G] = (theta/2) grad of the plain loss",
               claimed=lambda i: dropout_gradient(i.M, i.U, i.V, 0.0, i.theta / 2)),
        mutant("1-theta", "lambda = 1 - theta (the 1/theta of inverted dropout forgotten)",
               claimed=lambda i: dropout_gradient(i.M, i.U, i.V, 1 - i.theta, i.theta / 2)),
    ],
    depends_on=["bias/lemma-A.1"],
    tags=["dropout-objective", "algorithm"],
)


# --- contribution 1: global minima minimise the path norm among factorizations of the same network ------

def _optimum(d: Draw) -> dict:
    inst = targets.draw(d)
    U, V = untied_optimum(inst["M"], inst["r"], inst["lam"])
    A = d.normal(inst["r"], inst["r"]) + 2 * np.eye(inst["r"])  # a re-factorization (U A, V A^{-T}) to attack
    return {**inst, "U": U, "V": V, "A": A}


optima = Space(_optimum, regimes=targets.regimes, require=lambda i: abs(np.linalg.det(i.A)) > 0.1,
               description="global optima (best of 4 BFGS runs) of Problem (6) on bias.spaces.targets")


def path_norm_sq(U, V):
    """psi_2^2(U, V) = sum_i ||u_i||^2 ||v_i||^2 (eq. 3)."""
    return (ops.column_sq_norms(U) * ops.column_sq_norms(V)).sum()


def refactorized_path_norm(i):
    import torch

    A = i.A if hasattr(i.A, "detach") else torch.as_tensor(i.A)
    U = torch.as_tensor(i.U)
    V = torch.as_tensor(i.V)
    return path_norm_sq(U @ A, V @ torch.linalg.inv(A).T)


def minimal_path_norm(i):
    """min{psi_2^2(U, V): UV' = P} = ||P||_*^2 / r, P the optimum's network."""
    import torch

    P = torch.as_tensor(i.U) @ torch.as_tensor(i.V).T if hasattr(i.A, "detach") else i.U @ i.V.T
    return ops.nuclear_norm(P) ** 2 / i.r


def tied_local_minima_gap(i, parts):
    """max over BFGS limit points of (4) with PSD Hessian of |sum ||u_i||^4 - bound(UU')| / ||U||_F^4."""
    from theorycheck import optimize

    fg = tied_value_and_grad(i.M, i.lam)
    worst = 0.0
    for x0 in starts(i.d, i.r, 4, 11, np.sqrt(np.abs(i.M).max() / i.r)):
        U = best_of_restarts(fg, [x0])
        eigs = np.linalg.eigvalsh(optimize.hessian(tied_torch(i.M, i.lam), U))
        if eigs[0] >= -1e-9 * np.abs(eigs).max() and np.sum(U * U) > 0:
            P = U @ U.T
            gap = abs((ops.column_sq_norms(U) ** 2).sum() - parts["tied_bound"](P, i.r)) / np.sum(U * U) ** 2
            worst = max(worst, gap)
    return worst


claim_intro_1 = declare(
    "bias/claim-intro-1",
    title="global minima of the dropout objective have the smallest path norm among all factorizations of "
          "their network, psi_2^2 = ||UV'||_*^2 / r (tied: at every local minimum)",
    source=Source(SEED, "§1, contribution 1", lines="153-158", also="thesis l. 1789-1797"),
    statement=r"\psi_2(\tilde U,\tilde V)=\min\{\psi_2(U,V):UV^\top=\tilde U\tilde V^\top\},\ "
              r"\psi_2^2(\tilde U,\tilde V)=\tfrac1r\|\tilde U\tilde V^\top\|_*^2",
    hypotheses=["(U~, V~) a global minimum of (6), lam > 0", "tied case: any local minimum of (4), M PSD"],
    claimed=minimal_path_norm,
    parts={"tied_bound": lambda P, r: ops.nuclear_norm(P) ** 2 / r, "zero": lambda i: 0.0},
    checks=[
        Relation(observed=lambda i: path_norm_sq(i.U, i.V), space=optima, tolerance=OPTIMISER, instances=10,
                 label="psi_2^2 at the global optimum"),
        BoundSearch(observed=refactorized_path_norm, space=optima, variables=["A"], relation=">=",
                    tolerance=float_tolerance(4000, what="inverse of an r x r mixing + SVD"), instances=5, steps=30,
                    label="Adam descent on psi_2^2(UA, VA^{-T}) over invertible A"),
        Relation(observed=tied_local_minima_gap, claimed="zero", space=psd_targets, tolerance=OPTIMISER, instances=8,
                 label="tied: sum ||u_i||^4 = ||UU'||_*^2 / r at BFGS local minima"),
    ],
    mutants=[
        mutant("Frobenius", "psi_2^2 = ||UV'||_F^2 at the optimum",
               claimed=lambda i: ops.sum_squares(i.U @ i.V.T), tied_bound=lambda P, r: ops.sum_squares(P)),
        mutant("no 1/r", "min psi_2^2 = ||UV'||_*^2", claimed=lambda i: minimal_path_norm(i) * i.r,
               tied_bound=lambda P, r: ops.nuclear_norm(P) ** 2),
    ],
    depends_on=["bias/inequality-sec3", "bias/theorem-3.3", "bias/theorem-3.4", "bias/lemma-4.1"],
    tags=["path-norm", "optimization"],
)

CLAIMS = [algorithm_1, claim_intro_1]
