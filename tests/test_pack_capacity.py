"""Extra tests of the `capacity` pack's machinery (the generic tests run every claim and mutant)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems.capacity.model import (balanced_factors, completion_regularizer_by_atoms, equalised_factorisation,
                                     equalising_rotation, nuclear_norm, weighted)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 7), st.integers(0, 2**31 - 1))
def test_equalising_rotation_makes_the_diagonal_constant(d, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d + 2))
    G = A @ A.T
    Q = equalising_rotation(G)
    assert np.allclose(Q.T @ Q, np.eye(d), atol=1e-12)
    assert np.allclose(np.diag(Q.T @ G @ Q), np.trace(G) / d, rtol=1e-10, atol=1e-12)


def test_equalised_factorisation_attains_the_weighted_trace_norm():
    rng = np.random.default_rng(3)
    M = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(4))
    U, V = equalised_factorisation(M, p, q, 3)
    assert np.allclose(U @ V.T, M, atol=1e-12)
    theta = nuclear_norm(weighted(M, p, q)) ** 2 / 3
    assert np.isclose(completion_regularizer_by_atoms(U, V, p, q), theta, rtol=1e-12)


def test_balanced_factors_refuse_a_rank_above_the_width():
    rng = np.random.default_rng(0)
    try:
        balanced_factors(rng.standard_normal((4, 4)), 2)
    except ValueError:
        return
    raise AssertionError("rank 4 > width 2 must raise")
