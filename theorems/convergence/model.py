"""Machinery of `convergence`: Algorithm 1 (dropout SGD on a two-layer ReLU net) batched over
independent runs in torch, the synthetic margin distribution, and the logistic loss.

Conventions of this source (seed 001 §3, thesis §5.2), stated once here:

* ``q`` is the RETAIN probability (``b_{r,t} ~ Bern(q)``; dropout rate ``1 - q``).
* Dropout is NOT inverted: the sub-network is ``g(W; x, B) = a^T B sigma(W x) / sqrt(m)``, and at test
  time the weights are multiplied by ``q``: the full predictor is ``f(x; q W) = q f(x; W)``.
* The top layer ``a in {+-1}^m`` is fixed; ``w_{r,1} ~ N(0, I_d)``; one fresh sample per step
  (single pass); after each step every row is projected onto the ball of radius ``c``.
* Loss ``l(z) = ln(1 + e^{-z})``, ``Q = -l'(z) = 1 / (1 + e^{z})``; ``log`` is natural.
* Data ``x`` on the unit sphere (the proofs use ``||x|| = 1``, which neither text states).

The network itself is ``theorems.common.twolayer`` (scale ``1/sqrt(m)``, ``keep_prob = 1`` so the
mask is applied without rescaling).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from theorems.common.twolayer import output

LN2 = math.log(2.0)


def ell(z):
    """Logistic loss ``ln(1 + e^{-z})`` (torch or numpy), overflow-safe."""
    if hasattr(z, "detach"):
        import torch

        return torch.nn.functional.softplus(-z)
    return np.logaddexp(0.0, -np.asarray(z, dtype=float))


def neg_ell_prime(z):
    """``Q = -l'(z) = 1 / (1 + e^z)`` (torch or numpy)."""
    if hasattr(z, "detach"):
        import torch

        return torch.sigmoid(-z)
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))


def torch_generator(seed: int):
    import torch

    gen = torch.Generator()
    gen.manual_seed(int(seed) % (2**63 - 1))
    return gen


def seed_of(ctx, inst, stream: int = 0) -> int:
    """A seed determined by the run seed and the instance content (shared by the checks of a claim)."""
    return int(ctx.instance_rng(inst, stream).integers(0, 2**62))


# --- the synthetic distribution D_rho: unit sphere, margin rho along beta ---------------------------

def margin_data(gen, n: int, d: int, rho: float, runs: int = 1, beta: Any = None, device: str = "cpu"):
    """``(X, y)`` with shapes ``(runs, n, d)``, ``(runs, n)``: ``y`` uniform in ``{+-1}``,
    ``x = y t beta + sqrt(1 - t^2) u`` with ``t ~ U[rho, 1]`` and ``u`` uniform on the unit sphere of
    ``beta^perp``. So ``||x|| = 1``, ``y <beta, x> = t >= rho`` and the constant map ``psi = beta``
    certifies Assumption 1 with ``gamma = q rho / 2`` (``E_z 1{z'x >= 0} = 1/2``)."""
    import torch

    beta = torch.zeros(d, dtype=torch.float64) if beta is None else torch.as_tensor(beta, dtype=torch.float64)
    if beta.abs().sum() == 0:
        beta[0] = 1.0
    beta = beta / beta.norm()
    y = 2.0 * (torch.rand(runs, n, generator=gen, dtype=torch.float64) < 0.5).to(torch.float64) - 1.0
    t = rho + (1.0 - rho) * torch.rand(runs, n, generator=gen, dtype=torch.float64)
    u = torch.randn(runs, n, d, generator=gen, dtype=torch.float64)
    u = u - (u @ beta)[..., None] * beta
    u = u / u.norm(dim=-1, keepdim=True).clamp_min(1e-300)
    X = (y * t)[..., None] * beta + torch.sqrt(1.0 - t * t)[..., None] * u
    return X.to(device), y.to(device)


def initialise(gen, runs: int, m: int, d: int):
    """``W_1`` rows ``N(0, I_d)`` and ``a_r`` uniform in ``{+-1}`` (Algorithm 1, line 1)."""
    import torch

    W1 = torch.randn(runs, m, d, generator=gen, dtype=torch.float64)
    a = 2.0 * (torch.rand(runs, m, generator=gen, dtype=torch.float64) < 0.5).to(torch.float64) - 1.0
    return W1, a


def masks(gen, runs: int, T: int, m: int, keep_prob: float):
    import torch

    return (torch.rand(runs, T, m, generator=gen, dtype=torch.float64) < keep_prob).to(torch.float64)


def project_rows(W, c: float):
    """``Pi_c``: every row onto the Euclidean ball of radius ``c``."""
    norms = W.norm(dim=-1, keepdim=True)
    return W * (c / norms.clamp_min(c)) if math.isfinite(c) else W


def sub_network(W, a, X, B):
    """``g(W; x, B)`` for ``W (R, m, d)``, ``a (R, m)``, ``X (R, n, d)``, mask ``B (R, m)`` or ``(R, n, m)``."""
    m = W.shape[-2]
    if B.dim() == 2:
        B = B[:, None, :]
    return output(W, a, X, scale=1.0 / math.sqrt(m), mask=B, keep_prob=1.0)


def full_network(W, a, X):
    """``f(x; W)`` (no mask)."""
    m = W.shape[-2]
    return output(W, a, X, scale=1.0 / math.sqrt(m))


def features(W, a, x, b):
    """Rows of ``grad g_t(W) = a_r b_r 1{w_r'x >= 0} x / sqrt(m)`` as the coefficient ``(R, m)``
    (times ``x``): ``<grad g_t(W), U> = sum_r coef_r <u_r, x>``."""
    m = W.shape[-2]
    active = ((W @ x[..., None]).squeeze(-1) >= 0).to(W.dtype)
    return a * b * active / math.sqrt(m)


def dropout_sgd(W1, a, X, y, B, eta: float, c: float, competitors: Sequence[Any] = (), keep_prob: float = 1.0,
                snapshot_every: int = 0, snapshot_at: Sequence[int] = ()) -> dict:
    """Algorithm 1 for ``t = 1..T`` (the last update is harmless: records are at ``W_t``), batched
    over the leading run dimension. Records per step ``t`` (shape ``(R, T)``): ``L_t(W_t)``,
    ``Q_t(W_t)``, ``g_t(W_t)``, ``l(y_t f_t(q W_t))``, the per-step distances ``||W_t - U||_F^2``
    and linearised losses ``L_t^{(t)}(U)`` for each competitor ``U``, the largest row displacement
    ``max_r ||w_{r,t} - w_{r,1}||``; optional snapshots of ``W_t``."""
    import torch

    R, T, _ = X.shape
    W = W1.clone()
    rec = {k: torch.zeros(R, T, dtype=torch.float64, device=W1.device)
           for k in ("L", "Q", "g", "full_loss", "displacement")}
    rec["lin"] = [torch.zeros(R, T, dtype=torch.float64, device=W1.device) for _ in competitors]
    rec["dist"] = [torch.zeros(R, T + 1, dtype=torch.float64, device=W1.device) for _ in competitors]
    snaps = []
    at = set(snapshot_at)
    m = W1.shape[-2]
    for t in range(T):
        x, yt, b = X[:, t], y[:, t], B[:, t]
        if (snapshot_every and t % snapshot_every == 0) or t in at:
            snaps.append(W.clone())
        coef = features(W, a, x, b)
        pre = (W @ x[..., None]).squeeze(-1)
        g = (a * b * torch.relu(pre)).sum(-1) / math.sqrt(m)
        f_q = keep_prob * (a * torch.relu(pre)).sum(-1) / math.sqrt(m)
        rec["g"][:, t], rec["L"][:, t], rec["Q"][:, t] = g, ell(yt * g), neg_ell_prime(yt * g)
        rec["full_loss"][:, t] = ell(yt * f_q)
        rec["displacement"][:, t] = (W - W1).norm(dim=-1).amax(-1)
        for k, U in enumerate(competitors):
            rec["dist"][k][:, t] = ((W - U) ** 2).sum((-1, -2))
            rec["lin"][k][:, t] = ell(yt * (coef * (U @ x[..., None]).squeeze(-1)).sum(-1))
        grad = (-neg_ell_prime(yt * g) * yt)[:, None, None] * coef[..., None] * x[:, None, :]
        W = project_rows(W - eta * grad, c)
    for k, U in enumerate(competitors):
        rec["dist"][k][:, T] = ((W - U) ** 2).sum((-1, -2))
    rec["W_final"] = W
    rec["snapshots"] = snaps
    return rec


_RUNS: dict = {}  # memoised standard runs, keyed by every argument (deterministic: seeded from them)


def evaluate_errors(W, a, Xte, yte, B_visited=None, B_fresh=None):
    """Test errors (float32 forward pass) of the full network, of the visited sub-network (one mask
    per run, ``(R, m)``) and of fresh sub-networks (``(R, K, m)``); ``R(qW) = R(W)`` since ``q > 0``."""
    import torch

    H = torch.relu(Xte.float() @ W.float().transpose(-1, -2))  # (R, n, m); the 1/sqrt(m) scale keeps signs
    af = a.float()
    out = {"full": ((yte.float() * (H @ af[..., None]).squeeze(-1)) < 0).float().mean(-1).double()}
    if B_visited is not None:
        g = (H @ (af * B_visited.float())[..., None]).squeeze(-1)
        out["visited"] = ((yte.float() * g) < 0).float().mean(-1).double()
    if B_fresh is not None:
        g = H @ (af[:, None, :] * B_fresh.float()).transpose(-1, -2)  # (R, n, K)
        out["fresh"] = ((yte.float()[..., None] * g) < 0).float().mean(-2).double()
    return out


def train_and_evaluate(seed: int, runs: int, m: int, d: int, T: int, q: float, rho: float, eta: float,
                       eval_times: Sequence[int], n_test: int = 256, fresh: int = 0, c: float = math.inf,
                       test_scale: float | None = None) -> dict:
    """Algorithm 1 on ``D_rho`` (``runs`` independent runs of ``T`` fresh samples each), test errors
    at ``eval_times`` (0-based step indices: the error of ``W_{t+1}`` before step ``t + 1``), and
    the per-step training records. ``fresh`` masks per run are drawn independently of training."""
    import torch

    key = (seed, runs, m, d, T, q, rho, eta, tuple(eval_times), n_test, fresh, c, test_scale)
    if key in _RUNS:
        return _RUNS[key]
    gen = torch_generator(seed)
    X, y = margin_data(gen, T, d, rho, runs=runs)
    Xte, yte = margin_data(gen, n_test, d, rho, runs=runs)
    W1, a = initialise(gen, runs, m, d)
    B = masks(gen, runs, T, m, q)
    B_fresh = masks(gen, runs, fresh, m, q) if fresh else None
    times = sorted(set(int(t) for t in eval_times))
    rec = dropout_sgd(W1, a, X, y, B, eta, c, keep_prob=q if test_scale is None else test_scale,
                      snapshot_at=times)
    errs = {"full": [], "visited": [], "fresh": []}
    for t, W in zip(times, rec["snapshots"]):
        e = evaluate_errors(W, a, Xte, yte, B[:, t], B_fresh)
        for k in errs:
            if k in e:
                errs[k].append(e[k])
    out = {"times": np.array(times), "L": rec["L"], "Q": rec["Q"], "full_loss": rec["full_loss"],
           "displacement": rec["displacement"], "W1": W1, "W_final": rec["W_final"], "a": a}
    out.update({k: torch.stack(v, -1) for k, v in errs.items() if v})
    del rec
    if len(_RUNS) > 8:
        _RUNS.pop(next(iter(_RUNS)))
    _RUNS[key] = out
    return out
