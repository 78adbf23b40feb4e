"""`bias` §2: every weight matrix can be equalized (Theorem 2.2, Algorithm 2 = EQZ).

Seed 003_d0c1b2e846001ede.txt, Theorem 2.2 and Algorithm 2 (l. 267-309); thesis Theorem 1 (proof
l. 2791-2945). The algorithm is a part of the claim, so a wrong variant of it is a mutant.
"""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Relation, Source, Space, declare, float_tolerance, mutant, ops

from .model import complete_basis, eqz

SEED = "003_d0c1b2e846001ede.txt"


def _weights(d: Draw) -> dict:
    dim, r = d.integer(1, 8), d.integer(1, 9)
    if d.regime == "r>d (rank-deficient Gram)":
        dim, r = d.integer(1, 4), d.integer(5, 9)
    U = d.normal(dim, r) * d.exponential(1, r)
    if d.regime == "U=0":
        U = np.zeros((dim, r))
    elif d.regime == "one nonzero column":
        U[:, 1:] = 0.0
    elif d.regime == "already equalized":
        U = U / np.linalg.norm(U, axis=0, keepdims=True).clip(1e-300)
    return {"d": dim, "r": r, "U": U}


weights = Space(_weights, regimes=("typical", "r>d (rank-deficient Gram)", "U=0", "one nonzero column",
                                   "already equalized"),
                description="U in R^{d x r}, d <= 8, r <= 9, Exp(1) column scales")


def equalized_column_norms(i, parts):
    """||(UQ)_{:,i}||^2 for Q returned by the equalizer part (Algorithm 2)."""
    return ops.column_sq_norms(i.U @ parts["equalizer"](i.U))


def orthogonality(i, parts):
    Q = parts["equalizer"](i.U)
    return Q.T @ Q


def eqz_first_basis_vector(U: np.ndarray) -> np.ndarray:
    """Mutant of Algorithm 2: w = e_1 (the eigen-step skipped)."""
    return np.eye(U.shape[1])


def eqz_top_eigenvector(U: np.ndarray) -> np.ndarray:
    """Mutant of Algorithm 2: w = the top eigenvector only, in place of the average of all."""
    r = U.shape[1]
    G, Q = U.T @ U, np.eye(r)
    for i in range(r):
        Qi = complete_basis(np.linalg.eigh(G)[1][:, -1])
        G = (Qi.T @ G @ Qi)[1:, 1:]
        block = np.eye(r)
        block[i:, i:] = Qi
        Q = Q @ block
    return Q


# eigh/Householder backward error grows like (d + r)^2 eps relative to ||U||_F^2
ROUNDING = float_tolerance(64 * 17**2, what="eigh + r Householder steps, (d + r)^2 <= 17^2, relative to ||U||_F^2/r")

theorem_2_2 = declare(
    "bias/theorem-2.2",
    title="every weight matrix can be equalized; Algorithm 2 (EQZ) returns an equalizer",
    source=Source(SEED, "Theorem 2.2, Algorithm 2", lines="267-309", also="thesis Theorem 1, Algorithm 2"),
    statement=r"\forall U\in\mathbb R^{d\times r}\ \exists Q\in O(r):\ \|(UQ)_{:,i}\|^2=\|U\|_F^2/r\ \forall i;"
              r"\ Q=\mathrm{EQZ}(U)\text{ is such a }Q",
    hypotheses=["any real U (r > d, U = 0 and already equalized U included)"],
    claimed=lambda i: np.full(i.r, ops.sum_squares(i.U) / i.r),
    parts={"equalizer": eqz, "orthogonal": lambda i: np.eye(i.r)},
    checks=[
        Relation(observed=equalized_column_norms, space=weights, tolerance=ROUNDING, instances=120,
                 scale=lambda i: ops.sum_squares(i.U) / i.r, label="columns of U EQZ(U) equal in norm"),
        Relation(observed=orthogonality, claimed="orthogonal", space=weights, instances=120,
                 tolerance=float_tolerance(64 * 9**2, atol=64 * 9**2 * 2.2e-16,
                                           what="r Householder reflections, r <= 9"),
                 label="EQZ(U) is orthogonal"),
    ],
    mutants=[
        mutant("w = e1", "Algorithm 2 without the eigen-step", equalizer=eqz_first_basis_vector),
        mutant("w = top eigenvector", "Algorithm 2 rotating towards the top eigenvector only",
               equalizer=eqz_top_eigenvector),
        mutant("||U||_F^2/d", "common norm divided by the input dimension instead of r",
               claimed=lambda i: np.full(i.r, ops.sum_squares(i.U) / i.d)),
        mutant("Q = EQZ(U) without orthogonality", "equalize by column rescaling (not a rotation)",
               equalizer=lambda U: np.diag(np.linalg.norm(U, axis=0).mean() / np.linalg.norm(U, axis=0).clip(1e-12))
               if np.any(U) else np.eye(U.shape[1])),
    ],
    tags=["exemplar", "equalization"],
)

CLAIMS = [theorem_2_2]
