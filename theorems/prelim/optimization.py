"""`prelim` §1.1.2: the dropout objective of Chapter 1 (l. 943-976) and strict saddles (l. 1005-1013)
of seed 000_f4de404d0cfe4539.txt.

Chapter 1 writes f_{w,b}(x) = W_{k+1} B_k s(... B_1 s(W_1 x)) with B_i = diag(b_i), b_ij ~ Ber(theta),
and NO 1/theta rescaling; Chapter 2 (source `bias`, eq. 2.1) rescales by 1/theta. The two objectives
differ by U -> theta U; for the shallow linear net the regulariser constant is theta(1 - theta) here
and lambda = (1 - theta)/theta there.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import Relation, Source, Space, Symbolic, bernoulli_masks, declare, float_tolerance, mutant, ops, optimize

SEED = "000_f4de404d0cfe4539.txt"


# --- the dropout objective, masks not rescaled --------------------------------------------------------

def _shallow_net(d) -> dict:
    regime = d.regime
    d0, d2, r, n = d.integer(1, 4), d.integer(1, 4), d.integer(1, 5), d.integer(1, 6)
    theta = {"theta=1": 1.0, "theta->0": d.uniform(0.01, 0.05)}.get(regime, d.uniform(0.05, 0.95))
    U, V = d.normal(d2, r) * d.exponential(1, r), d.normal(d0, r)
    if regime == "dead unit":
        V[:, 0] = 0.0
    return {"U": U, "V": V, "X": d.normal(n, d0), "Y": d.normal(n, d2), "theta": theta, "n": n}


shallow_nets = Space(_shallow_net, regimes=("typical", "theta=1", "theta->0", "dead unit"),
                     description="linear x -> U diag(b) V'x, r <= 5 units, n <= 6 samples (x_i, y_i)")


def dropout_objective_by_masks(i, scale=1.0):
    """(1/n) sum_i E_b ||y_i - scale U diag(b) V' x_i||^2, exactly over the 2^r masks."""
    masks, weights = bernoulli_masks(i.U.shape[1], i.theta)
    total = 0
    for b, w in zip(masks, weights):
        total = total + w * ops.sum_squares(i.Y - (i.X @ i.V * b[None, :]) @ (scale * i.U).T)
    return total / i.n


def unit_terms(i):
    """(1/n) sum_i sum_j ||u_j||^2 (v_j' x_i)^2."""
    return (ops.column_sq_norms(i.U)[None, :] * (i.X @ i.V) ** 2).sum() / i.n


def chapter1_claimed(i):
    """(1/n) sum_i ||y_i - theta U V' x_i||^2 + theta (1 - theta) (1/n) sum_ij ||u_j||^2 (v_j' x_i)^2."""
    return ops.sum_squares(i.Y - i.theta * i.X @ i.V @ i.U.T) / i.n + i.theta * (1 - i.theta) * unit_terms(i)


def chapter2_form(i):
    """The Chapter 2 (1/theta-rescaled) form: ||y - U V'x||^2 + (1 - theta)/theta sum_j ||u_j||^2 (v_j'x)^2."""
    return ops.sum_squares(i.Y - i.X @ i.V @ i.U.T) / i.n + (1 - i.theta) / i.theta * unit_terms(i)


definition_dropout_objective = declare(
    "prelim/definition-dropout-objective",
    title="Chapter 1's dropout objective (masks not rescaled) for a shallow linear net",
    source=Source(SEED, "§1.1.1, the dropout objective L_theta", lines="943-976", also="Ch. 2 eq. (2.1) rescales by 1/theta"),
    statement=r"\hat L_\theta=\mathbb E_b\tfrac1n\sum_i\|y_i-U\mathrm{diag}(b)V^\top x_i\|^2=\tfrac1n\sum_i\|y_i-\theta UV^\top x_i\|^2"
              r"+\theta(1-\theta)\tfrac1n\sum_{i,j}\|u_j\|^2(v_j^\top x_i)^2",
    hypotheses=["b_j iid Ber(theta), theta the retain probability", "squared loss, shallow linear network"],
    scope="the definition is general (deep, nonlinear); its closed form for the shallow linear net with squared loss "
          "is checked, and the convention bridge to Chapter 2: the objective at U/theta is Chapter 2's at U",
    claimed=chapter1_claimed,
    parts={"chapter2": chapter2_form},
    checks=[
        Symbolic(observed=dropout_objective_by_masks, symbols=lambda: {
            "U": ops.symbol_matrix("u", 2, 2), "V": ops.symbol_matrix("v", 2, 2), "X": ops.symbol_matrix("x", 1, 2),
            "Y": ops.symbol_matrix("y", 1, 2), "theta": sp.Symbol("theta", positive=True), "n": 1},
                 label="r = d = 2, one sample, symbolic theta"),
        Relation(observed=dropout_objective_by_masks, space=shallow_nets, instances=40,
                 tolerance=float_tolerance(4 * 32 * 24, what="2^r <= 32 masks of n d2 <= 24 squares"),
                 label="exact mask enumeration"),
        Relation(observed=lambda i: dropout_objective_by_masks(i, scale=1 / i.theta), space=shallow_nets,
                 claimed="chapter2", instances=40,
                 tolerance=float_tolerance(4 * 32 * 24, what="2^r <= 32 masks of n d2 <= 24 squares"),
                 scale=lambda i: chapter2_form(i) + 1.0, label="Ch. 1 at U/theta = Ch. 2 at U"),
    ],
    mutants=[
        mutant("Chapter 2 formula", "the 1/theta-rescaled closed form applied to Chapter 1's definition", claimed=chapter2_form),
        mutant("(1-theta)/theta in Ch. 1", "Chapter 2's lambda with Chapter 1's mean term",
               claimed=lambda i: ops.sum_squares(i.Y - i.theta * i.X @ i.V @ i.U.T) / i.n + (1 - i.theta) / i.theta * unit_terms(i)),
        mutant("Ch. 2 with theta(1-theta)", "bridge with Chapter 1's constant",
               chapter2=lambda i: ops.sum_squares(i.Y - i.X @ i.V @ i.U.T) / i.n + i.theta * (1 - i.theta) * unit_terms(i)),
    ],
    depends_on=["bias/lemma-A.1"],
    tags=["prelim", "definition", "dropout-objective"],
)


# --- strict saddles ----------------------------------------------------------------------------------

def is_strict_saddle(f, w: np.ndarray, grad_tol: float = 1e-8, curvature_tol: float = 1e-9) -> bool:
    """w is a critical point of f (||grad|| <= grad_tol) and lambda_min(hess f(w)) < -curvature_tol."""
    if np.linalg.norm(optimize.gradient(f, w)) > grad_tol:
        return False
    return bool(np.linalg.eigvalsh(optimize.hessian(f, w)).min() < -curvature_tol)


def _autoencoder(d) -> dict:
    lam = {"lam=0 (circle of minima)": 0.0, "lam large": d.log_uniform(10.0, 100.0)}.get(d.regime, d.log_uniform(0.05, 5.0))
    return {"M": d.log_uniform(0.1, 10.0), "lam": lam}


autoencoders = Space(_autoencoder, regimes=("typical", "lam=0 (circle of minima)", "lam large"),
                     description="f(u) = (M - u1^2 - u2^2)^2 + lam (u1^4 + u2^4) (Fig. 2-1), M in [0.1, 10]")


def landscape(i):
    return lambda u: (i.M - u[0] ** 2 - u[1] ** 2) ** 2 + i.lam * (u[0] ** 4 + u[1] ** 4)


def critical_points(i):
    """The axis point (s, 0), s^2 = M/(1+lam), the origin and the diagonal (t, t), t^2 = M/(2+lam)."""
    return [np.array([np.sqrt(i.M / (1 + i.lam)), 0.0]), np.zeros(2), np.full(2, np.sqrt(i.M / (2 + i.lam)))]


def min_curvatures(i):
    return np.array([np.linalg.eigvalsh(optimize.hessian(landscape(i), w)).min() for w in critical_points(i)])


definition_strict_saddle = declare(
    "prelim/definition-strict-saddle",
    title="strict saddle: a critical point whose Hessian has a negative eigenvalue",
    source=Source(SEED, "§1.1.2, strict saddle property", lines="1005-1013", also="bias/definition-4.2 (Ch. 2)"),
    statement=r"\nabla L(w)=0\ \wedge\ \lambda_{\min}(\nabla^2L(w))<0",
    hypotheses=["L twice differentiable"],
    scope="a definition: the helper predicate (gradient and autograd Hessian) is checked on the width-2 tied "
          "autoencoder of Fig. 2-1, whose Hessians at (s, 0), 0, (t, t) are known in closed form: "
          "lambda_min = -4 M lam/(1+lam), -4M, 8 M lam/(2+lam)",
    claimed=lambda i: np.array([-4 * i.M * i.lam / (1 + i.lam), -4 * i.M, 8 * i.M * i.lam / (2 + i.lam)]),
    parts={"classification": lambda i: np.array([i.lam > 0, True, False], dtype=float)},
    checks=[
        Relation(observed=min_curvatures, space=autoencoders, instances=30, scale=lambda i: 8 * i.M * (1 + i.lam),
                 tolerance=float_tolerance(64, what="autograd Hessian of a quartic in 2 variables, 2x2 eigvalsh"),
                 label="lambda_min of the Hessian at the three critical orbits"),
        Relation(observed=lambda i: np.array([is_strict_saddle(landscape(i), w) for w in critical_points(i)], dtype=float),
                 space=autoencoders, claimed="classification", instances=30,
                 tolerance=float_tolerance(0, what="exact booleans"), label="the predicate classifies them"),
    ],
    mutants=[
        mutant("-4M/(1+lam)", "the lam factor of the saddle curvature dropped",
               claimed=lambda i: np.array([-4 * i.M / (1 + i.lam), -4 * i.M, 8 * i.M * i.lam / (2 + i.lam)])),
        mutant("maxima excluded", "a local maximum counted as no strict saddle",
               classification=lambda i: np.array([i.lam > 0, False, False], dtype=float)),
    ],
    tags=["prelim", "definition", "landscape"],
)

CLAIMS = [definition_dropout_objective, definition_strict_saddle]
