"""Extra tests of the `structured` pack's machinery (the claims themselves run in tests/test_claims.py)."""
from __future__ import annotations

import numpy as np
import pytest

from theorems.structured.model import (dropconnect_expectation, dropconnect_sum, ksupport_sq, optimal_groups,
                                       rho_by_maximum, support_formula, theorem27_minimizer)


@pytest.mark.parametrize("seed", range(20))
def test_optimal_groups_attain_the_norm(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    r = int(rng.integers(1, n + 1))
    a = np.sort(rng.exponential(size=n) ** 2)[::-1]
    pieces, weights = optimal_groups(a, r)
    assert np.allclose(pieces.sum(0), a)
    assert np.all((pieces > 0).sum(1) <= r)
    assert np.isclose(np.linalg.norm(pieces, axis=1).sum() ** 2, ksupport_sq(a, r))
    assert np.isclose(weights.sum(), 1.0)


def test_printed_rule_counterexample():
    a = np.ones(4)
    assert support_formula(a, 2, rho_by_maximum(a, 2)) == pytest.approx(10.0)
    assert ksupport_sq(a, 2) == pytest.approx(8.0)


def test_theorem27_printed_range_counterexample():
    Y = np.diag([1.0, 0.0])
    value, A, _ = theorem27_minimizer(Y, 1.0, 2)
    assert value == pytest.approx(0.5) and A[0, 0] == pytest.approx(0.5)
    printed, _, _ = theorem27_minimizer(Y, 1.0, 2, rhos=lambda r: range(1, r))
    assert printed > value + 0.05


def test_dropconnect_counterexample():
    U, V, M, Y = np.ones((1, 1)), np.ones((2, 1)), np.ones((2, 1)), np.zeros((1, 1))
    assert dropconnect_expectation(Y, U, V, M, 0.5) == pytest.approx(6.0)
    assert 4.0 + dropconnect_sum(U, V, M) == pytest.approx(6.0)
