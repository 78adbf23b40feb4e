"""Machinery of the `convergence` pack: Algorithm 1's hand-written gradient against autograd, the
projection, the exact limiting-margin program on a case solved by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from theorems.convergence import model  # noqa: E402
from theorems.convergence.setup import arcs, feature_tensor  # noqa: E402


def test_dropout_step_matches_autograd():
    gen = model.torch_generator(3)
    R, m, d, T, q, eta = 3, 7, 4, 1, 0.6, 0.5
    W1, a = model.initialise(gen, R, m, d)
    X, y = model.margin_data(gen, T, d, 0.2, runs=R)
    B = model.masks(gen, R, T, m, q)
    rec = model.dropout_sgd(W1, a, X, y, B, eta, math.inf, keep_prob=q)
    W = W1.clone().requires_grad_(True)
    g = model.sub_network(W, a, X[:, :1], B[:, 0]).squeeze(-1)
    model.ell(y[:, 0] * g).sum().backward()
    assert torch.allclose(rec["W_final"], W1 - eta * W.grad, atol=1e-12)
    assert torch.allclose(rec["g"][:, 0], g.detach(), atol=1e-12)


def test_projection_is_rowwise_ball():
    W = torch.tensor([[[3.0, 4.0], [0.3, 0.4]]], dtype=torch.float64)
    P = model.project_rows(W, 1.0)
    assert torch.allclose(P, torch.tensor([[[0.6, 0.8], [0.3, 0.4]]], dtype=torch.float64))


def test_arcs_cover_the_circle_and_give_the_constant_psi_margin():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-0.6, 0.8]])
    w, S = arcs(X)
    assert abs(w.sum() - 1.0) < 1e-12
    assert np.allclose(S @ w, 0.5)  # every half-plane has measure 1/2
    inst = type("I", (), {"X": X, "y": np.ones(3), "q": 0.5})()
    F = feature_tensor(inst)
    beta = np.array([0.0, 1.0])
    # a constant psi: margin q <x, beta> / 2
    assert np.allclose((F * beta).sum((1, 2)), 0.25 * X @ beta)
