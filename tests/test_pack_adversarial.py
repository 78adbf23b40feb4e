"""Machinery of the `adversarial` pack: the exact robust margins and Algorithm 5 (fast; claims run in test_claims)."""
from __future__ import annotations

import math

import torch

from theorems.adversarial import model as M


def _random_net(gen, m, alpha_max=1.0):
    W = torch.randn(m, 2, generator=gen, dtype=M.F64)
    a = torch.randn(m, generator=gen, dtype=M.F64)
    return W, a, float(torch.rand(1, generator=gen)) * alpha_max


def test_exact_margin_2d_is_a_lower_bound_of_a_fine_grid_and_attained():
    gen = torch.Generator().manual_seed(0)
    r = torch.linspace(0, 1, 120, dtype=M.F64)
    th = torch.linspace(0, 2 * math.pi, 720, dtype=M.F64)
    disc = (r[:, None, None] * torch.stack([torch.cos(th), torch.sin(th)], -1)[None]).reshape(-1, 2)
    for m in (1, 2, 5):
        W, a, alpha = _random_net(gen, m)
        x = torch.randn(15, 2, generator=gen, dtype=M.F64)
        y = torch.sign(torch.randn(15, generator=gen, dtype=M.F64))
        nu = 0.7
        exact, arg = M.exact_margin_2d(W, a, x, y, nu, alpha)
        grid = (y[:, None] * M.f(W, a, x[:, None, :] + nu * disc[None], alpha)).min(-1).values
        assert (exact <= grid + 1e-12).all()
        assert ((arg - x).norm(dim=-1) <= nu * (1 + 1e-12)).all()
        assert torch.allclose(y * M.f(W, a, arg[:, None, :], alpha)[:, 0], exact, atol=1e-12)


def test_margins_batch_matches_the_single_net_version_and_the_linear_closed_form():
    gen = torch.Generator().manual_seed(1)
    W = torch.randn(3, 4, 2, generator=gen, dtype=M.F64)
    a = torch.randn(3, 4, generator=gen, dtype=M.F64)
    x = torch.randn(20, 2, generator=gen, dtype=M.F64)
    y = torch.sign(torch.randn(20, generator=gen, dtype=M.F64))
    for alpha in (0.3, 1.0):
        batch = M.margins_batch(W, a, x, y, 0.4, alpha)
        single = torch.stack([M.exact_margin_2d(W[r], a[r], x, y, 0.4, alpha)[0] / W[r].norm() for r in range(3)])
        assert torch.allclose(batch, single, atol=1e-12)


def test_pgd_attack_stays_in_the_ball_and_returns_the_best_of_the_first_T_iterates():
    gen = torch.Generator().manual_seed(2)
    B, m, d = 6, 5, 3
    W = torch.randn(B, m, d, generator=gen, dtype=M.F64)
    a = torch.randn(B, m, generator=gen, dtype=M.F64)
    x = torch.randn(B, d, generator=gen, dtype=M.F64)
    y = torch.sign(torch.randn(B, generator=gen, dtype=M.F64))
    nu = torch.full((B,), 0.5, dtype=M.F64)
    T = torch.tensor([1, 2, 3, 5, 8, 13])
    best, hist = M.pgd_attack(W, a, x, y, nu, torch.full((B,), 2.0, dtype=M.F64), T, 0.2, history=True)
    assert ((hist["deltas"] - x[:, None]).norm(dim=-1) <= 0.5 * (1 + 1e-12)).all()
    assert torch.equal(hist["deltas"][torch.arange(B), 0], x)  # delta_1 = x
    z_best = y * M.f(W, a, best[:, None, :], 0.2)[:, 0]
    assert torch.allclose(z_best, hist["z"].min(-1).values, atol=1e-12)
    assert (hist["tau"] < T).all()


def test_signed_attacks_coincide_with_and_without_reflection():
    gen = torch.Generator().manual_seed(3)
    W = torch.randn(4, 6, 5, generator=gen, dtype=M.F64)
    a = torch.randn(4, 6, generator=gen, dtype=M.F64)
    x = torch.randn(4, 5, generator=gen, dtype=M.F64)
    y = torch.sign(torch.randn(4, generator=gen, dtype=M.F64))
    nu = torch.full((4, 1), 0.1, dtype=M.F64)
    std = M.sign_attack(W, a, x, y, nu, 0.025, 10, 0.5, M.dloss)
    ref = M.sign_attack(W, a, x, y, nu, 0.025, 10, 0.5, M.dreflected)
    assert torch.equal(std, ref)


def test_strong_attack_is_a_lower_estimate_of_the_robust_error_and_near_exact_in_2d():
    gen = torch.Generator().manual_seed(4)
    W = torch.randn(3, 5, 2, generator=gen, dtype=M.F64)
    a = torch.randn(3, 5, generator=gen, dtype=M.F64)
    x = torch.randn(50, 2, generator=gen, dtype=M.F64)
    y = torch.sign(torch.randn(50, generator=gen, dtype=M.F64))
    exact = M.margins_batch(W, a, x, y, 0.5, 0.3)
    attack = M.strong_margins_batch(W, a, x, y, 0.5, 0.3, gen)
    assert (attack >= exact - 1e-12).all()  # an attack never beats the exact minimum
    assert (attack - exact).max() < 1e-3
