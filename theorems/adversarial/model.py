"""Machinery of `adversarial` (seed 000, thesis Ch. 6): the leaky-ReLU net, the losses, Algorithm 5
(PGD on the reflected loss), Algorithm 6 (adversarial training with the top layer fixed), the exact
worst-case margin over the l2 ball (closed form for alpha = 1, exact vertex enumeration for d = 2),
a strong multi-restart attack (a LOWER estimate of the robust error for d > 2) and an
Assumption-3 data generator. Everything is torch, float64, batched over leading dimensions.

Conventions of Chapter 6 (they differ from Chapter 1, see the `prelim` pack):

* f(delta; a, W) = sum_r a_r sigma(w_r . delta), sigma(z) = max(alpha z, z), alpha in (0, 1]; a is fixed.
  sigma'(0) := 1 (the value at a kink is a convention, as in ``theorems.common.twolayer.leaky_relu``).
* Delta(x) = {delta : ||delta - x|| <= nu}: delta is the PERTURBED POINT (Ch. 1 and §6.5 use an
  additive perturbation x + delta instead).
* l(z) = log(1 + e^{-z}) (natural log), l'(z) = -1/(1 + e^z); reflected loss l_-(z) = -l(-z) = -log(1 + e^z).
"""
from __future__ import annotations

import math

import torch

from theorems.common.twolayer import leaky_relu, output

F64 = torch.float64


def t(x):
    return torch.as_tensor(x, dtype=F64)


# --- losses ---------------------------------------------------------------------------------------------

def loss(z):
    """l(z) = log(1 + e^{-z}) (logaddexp: torch's softplus is linear beyond 20, its gradient then off by e^{-20})."""
    return torch.logaddexp(torch.zeros_like(z), -z)


def dloss(z):
    """l'(z) = -1/(1 + e^z)."""
    return -torch.sigmoid(-z)


def reflected(z):
    """l_-(z) = -l(-z) = -log(1 + e^z)."""
    return -torch.logaddexp(torch.zeros_like(z), z)


def dreflected(z):
    """l_-'(z) = -e^z/(1 + e^z)."""
    return -torch.sigmoid(z)


# --- the network -------------------------------------------------------------------------------------

def f(W, a, X, alpha):
    """f_W(X): ``W`` (..., m, d), ``a`` (..., m), ``X`` (..., n, d) -> (..., n)."""
    return output(W, a, X, alpha=alpha)


def slopes(W, X, alpha):
    """sigma'(w_r . x): (..., n, m), 1 where the pre-activation is >= 0, else alpha."""
    pre = X @ W.transpose(-1, -2)
    return torch.where(pre >= 0, torch.ones_like(pre), torch.full_like(pre, alpha))


def grad_input(W, a, X, alpha):
    """grad_delta f_W(delta) = W^T (a * sigma'(W delta)) at each row of X: (..., n, d)."""
    return (slopes(W, X, alpha) * a.unsqueeze(-2)) @ W


def grad_weights(W, a, X, alpha):
    """grad_W f_delta(W) = (a * sigma'(W delta)) delta^T for each row delta of X: (..., n, m, d)."""
    return (slopes(W, X, alpha) * a.unsqueeze(-2)).unsqueeze(-1) * X.unsqueeze(-2)


def project_ball(v, x, nu):
    """Euclidean projection onto {delta : ||delta - x|| <= nu}; ``nu`` broadcasts over rows."""
    diff = v - x
    norm = diff.norm(dim=-1, keepdim=True)
    nu = torch.as_tensor(nu, dtype=v.dtype).reshape(*nu.shape, 1) if torch.is_tensor(nu) and nu.dim() else nu
    scale = torch.clamp(nu / torch.clamp(norm, min=1e-300), max=1.0)
    return x + diff * scale


# --- Algorithm 5: PGD on the reflected loss ----------------------------------------------------------

def pgd_attack(W, a, x, y, nu, eta, T, alpha, *, loss_grad=dreflected, history=False):
    """Algorithm 5 (Atk), batched over rows: W (B, m, d), a (B, m), x (B, d), y, nu, eta (B,), T (B,) ints.

    delta_1 = x; delta_{t+1} = Pi_{Delta(x)}(delta_t + eta grad_delta l_-(y f_W(delta_t))) for t = 1..T;
    output delta_tau, tau in argmax_{t in [T]} l_-(y f_W(delta_t)) = argmin_t y f_W(delta_t) (first one).
    The update's gradient is l_-'(z) y grad_delta f_W(delta_t) (chain rule), ``loss_grad`` = l_-'
    (pass ``dloss`` for the standard, unreflected PGD). Rows with smaller T are frozen after T updates.
    """
    T = torch.as_tensor(T).reshape(-1)
    steps = int(T.max())
    ragged = bool((T != steps).any())
    nu_col = torch.as_tensor(nu, dtype=x.dtype).reshape(-1, 1) if torch.is_tensor(nu) else nu
    eta_col = eta.unsqueeze(-1)
    delta = x.clone()
    zs, deltas = [], []
    for step in range(steps):
        pre = (delta.unsqueeze(1) * W).sum(-1)  # (B, m): w_r . delta_t (elementwise: d and m are small)
        pos = pre >= 0
        z = y * (torch.where(pos, pre, alpha * pre) * a).sum(-1)
        zs.append(z)
        deltas.append(delta)
        coef = torch.where(pos, a, alpha * a) * (loss_grad(z) * y).unsqueeze(-1)  # l'(z) y a_r sigma'_r
        v = delta + eta_col * (coef.unsqueeze(-1) * W).sum(-2)
        diff = v - x
        norm = diff.norm(dim=-1, keepdim=True)
        new = x + diff * torch.clamp(nu_col / torch.clamp(norm, min=1e-300), max=1.0)
        delta = torch.where((step < T).unsqueeze(-1), new, delta) if ragged else new  # delta_{T+1}: never output
    Z = torch.stack(zs, -1)  # (B, steps): z_1..z_steps
    D = torch.stack(deltas, -2)  # (B, steps, d)
    valid = torch.arange(steps).unsqueeze(0) < T.unsqueeze(-1)
    Zm = torch.where(valid, Z, torch.full_like(Z, math.inf))
    tau = torch.argmin(Zm, dim=-1)
    best = D[torch.arange(D.shape[0]), tau]
    if history:
        return best, {"z": Zm, "deltas": D, "tau": tau, "last": delta}
    return best


def sign_attack(W, a, x, y, nu, step, T, alpha, loss_grad, radius_inf=None):
    """FGSM (T = 1, step = nu) / BIM (signed steps, l_inf clipping) on l (``dloss``) or l_- (``dreflected``).
    Additive convention of §6.5: perturbed point x + delta, ||delta||_inf <= nu."""
    delta = x.clone()
    for _ in range(T):
        z = y * f(W, a, delta.unsqueeze(-2), alpha).squeeze(-1)
        # ascent on the loss l(y f) (or l_-(y f)): gradient l'(z) y grad f
        g = loss_grad(z).unsqueeze(-1) * y.unsqueeze(-1) * grad_input(W, a, delta.unsqueeze(-2), alpha).squeeze(-2)
        delta = torch.clamp(delta + step * torch.sign(g), x - nu, x + nu)
    return delta


# --- exact worst-case margin -------------------------------------------------------------------------

def exact_margin_linear(u, x, y, nu):
    """alpha = 1: f(delta) = u . delta, min_{Delta(x)} y u.delta = y u.x - nu ||u|| (worst delta = x - nu y u/||u||)."""
    return y * (x * u).sum(-1) - nu * u.norm(dim=-1)


def exact_margin_2d(W, a, x, y, nu, alpha):
    """min over the disc Delta(x) of y f_W(delta) in d = 2, exactly: f is linear on each sector between the
    lines w_r . delta = 0, so the minimum over disc-and-sector is at the disc's own minimiser of that linear
    piece, at a ray-circle intersection, or at the apex 0. Every candidate is a feasible point, so the min over
    candidates is the true minimum. Shapes: W (m, 2), a (m,), x (n, 2), y (n,), nu float -> ((n,), argmin (n, 2))."""
    m = W.shape[0]
    perp = torch.stack([-W[:, 1], W[:, 0]], -1)
    rays = torch.cat([perp, -perp], 0)
    rays = rays / torch.clamp(rays.norm(dim=-1, keepdim=True), min=1e-300)  # (2m, 2)
    ang = torch.sort(torch.atan2(rays[:, 1], rays[:, 0])).values
    mid = torch.cat([(ang[1:] + ang[:-1]) / 2, (ang[-1:] + ang[:1] + 2 * math.pi) / 2])
    mids = torch.stack([torch.cos(mid), torch.sin(mid)], -1)  # one direction inside each sector
    g = grad_input(W, a, mids, alpha)  # (2m, 2): gradient of the linear piece of each sector
    gy = y[:, None, None] * g[None]  # (n, 2m, 2)
    tangent = x[:, None, :] - nu * gy / torch.clamp(gy.norm(dim=-1, keepdim=True), min=1e-300)
    # ray-circle: ||s e - x|| = nu, s >= 0
    ex = x @ rays.T  # (n, 2m)
    disc = ex**2 - ((x * x).sum(-1, keepdim=True) - nu**2)
    root = torch.sqrt(torch.clamp(disc, min=0.0))
    pts = []
    for s in (ex - root, ex + root):
        ok = (disc >= 0) & (s >= 0)
        p = s.unsqueeze(-1) * rays[None]
        pts.append(torch.where(ok.unsqueeze(-1), p, x[:, None, :]))  # x itself is feasible: harmless filler
    apex = torch.where(((x * x).sum(-1, keepdim=True) <= nu**2), torch.zeros_like(x), x)[:, None, :]
    cand = torch.cat([tangent, *pts, apex, x[:, None, :]], 1)  # (n, K, 2)
    cand = project_ball(cand, x[:, None, :], nu)  # rounding only: candidates are on or inside the circle
    vals = y[:, None] * f(W, a, cand, alpha)
    best = vals.argmin(-1)
    return vals.min(-1).values, cand[torch.arange(cand.shape[0]), best]


def normalised_margins(W, a, x, y, nu, alpha):
    """min_{delta in Delta(x_i)} y_i f_{W/||W||_F}(delta) for every point, exactly: the closed form for alpha = 1,
    vertex enumeration for d = 2 (W (m, d), x (n, d)); other cases raise (use ``strong_attack_margin``)."""
    norm = W.norm()
    if alpha == 1.0:
        return exact_margin_linear((a[:, None] * W).sum(0), x, y, nu) / norm
    if x.shape[-1] == 2:
        return exact_margin_2d(W, a, x, y, nu, alpha)[0] / norm
    raise ValueError("exact robust margins need alpha = 1 or d = 2")


def strong_attack_margin(W, a, x, y, nu, alpha, gen, restarts=8, steps=60):
    """A LOWER estimate of the robust error (upper estimate of min y f): normalised-gradient PGD on y f itself,
    from x and ``restarts`` random points of the ball, with three step sizes; the best value found.
    Shapes: W (m, d), a (m,), x (n, d), y (n,)."""
    n, d = x.shape
    starts = [x.unsqueeze(0)]
    u = torch.randn(restarts, n, d, generator=gen, dtype=F64)
    r = torch.rand(restarts, n, 1, generator=gen, dtype=F64) ** (1.0 / d)
    starts.append(x.unsqueeze(0) + nu * r * u / u.norm(dim=-1, keepdim=True))
    delta0 = torch.cat(starts, 0)  # (S, n, d)
    best = y * f(W, a, delta0, alpha)
    best = best.min(0).values
    for frac in (0.5, 0.1, 0.02):
        delta = delta0.clone()
        for _ in range(steps):
            g = y[None, :, None] * grad_input(W, a, delta, alpha)
            delta = project_ball(delta - frac * nu * g / torch.clamp(g.norm(dim=-1, keepdim=True), min=1e-300),
                                 x[None], nu)
            best = torch.minimum(best, (y * f(W, a, delta, alpha)).min(0).values)
    return best


# --- Assumption 3 data --------------------------------------------------------------------------------

def separable_points(gen, n, d, R, gamma, v_star, at_margin=0.0, full_radius=False):
    """n points with ||x|| <= R and y v*.x >= gamma: y = +-1, v*.x = y s with s ~ U[gamma, R) (a fraction
    ``at_margin`` exactly at s = gamma), the orthogonal part uniform in direction with norm <= sqrt(R^2 - s^2)."""
    y = torch.where(torch.rand(n, generator=gen, dtype=F64) < 0.5, -1.0, 1.0).to(F64)
    s = gamma + (R - gamma) * torch.rand(n, generator=gen, dtype=F64)
    if at_margin:
        s = torch.where(torch.rand(n, generator=gen, dtype=F64) < at_margin, torch.full_like(s, gamma), s)
    v = t(v_star)
    g = torch.randn(n, d, generator=gen, dtype=F64)
    for _ in range(2):  # Gram-Schmidt twice: once loses orthogonality when g is nearly parallel to v (d = 2)
        g = g - (g @ v)[:, None] * v[None]
        g = g / torch.clamp(g.norm(dim=-1, keepdim=True), min=1e-300)
    rad = torch.sqrt(torch.clamp(R**2 - s**2, min=0.0))[:, None]
    if not full_radius:
        rad = rad * torch.rand(n, 1, generator=gen, dtype=F64)
    x = (y * s)[:, None] * v[None] + rad * g
    return x, y


def correlation_direction(a, v_star):
    """V* with rows v_r = sgn(a_r) v*/sqrt(m) (proof of Lemma 19), ||V*||_F = 1."""
    m = a.shape[-1]
    return torch.sign(a).unsqueeze(-1) * t(v_star) / math.sqrt(m)


# --- Algorithm 6: adversarial training ------------------------------------------------------------------

def adversarial_training(W1, a, data_x, data_y, *, alpha, nu, eta_tr, eps, steps, gen, eta_atk_scale=1.0,
                         attack="pgd", record=None):
    """Algorithm 6 (AdvTr), batched over R independent runs: W1 (R, m, d), a (R, m); D is the uniform law on
    the N points (data_x (N, d), data_y (N,)). Step t: draw (x_t, y_t) ~ D afresh per run; delta_t = Atk(W_t)
    with eta_atk = eta_atk_scale / (kappa^2 m ||W_t||_F^2) (kappa = max |a_r|) and
    T_atk = ceil(8 nu^2 / (eta_atk eps)) (Theorem 16's conditions); W_{t+1} = W_t - eta_tr grad_W l(y f_{delta_t}(W_t)).
    ``attack``: "pgd" (Algorithm 5), "exact" (alpha = 1 closed form) or "random" (a random point of the ball).
    ``record(t, W)`` is called before every step and after the last one (t = 1..steps+1)."""
    R, m, d = W1.shape
    W = W1.clone()
    kappa2m = torch.clamp((a.abs().max(-1).values ** 2) * m, min=1e-300)  # a = 0: no gradient, eta_atk irrelevant
    eta_tr = torch.as_tensor(eta_tr, dtype=F64).expand(R)
    log = {"norm2": [], "z": [], "T_atk": []}
    for step in range(1, steps + 1):
        if record is not None:
            record(step, W)
        idx = torch.randint(0, data_x.shape[0], (R,), generator=gen)
        x, y = data_x[idx], data_y[idx]
        norm2 = (W * W).sum((-1, -2))
        if attack == "pgd":
            eta_atk = eta_atk_scale / (kappa2m * norm2)
            T_atk = torch.clamp(torch.ceil(8 * nu**2 / (eta_atk * eps)), min=1).long()
            delta = pgd_attack(W, a, x, y, torch.full((R,), nu, dtype=F64), eta_atk, T_atk, alpha)
            log["T_atk"].append(T_atk)
        elif attack == "exact":
            u = (a.unsqueeze(-1) * W).sum(-2)
            delta = x - nu * y[:, None] * u / torch.clamp(u.norm(dim=-1, keepdim=True), min=1e-300)
        else:
            g = torch.randn(R, d, generator=gen, dtype=F64)
            delta = x + nu * torch.rand(R, 1, generator=gen, dtype=F64) * g / g.norm(dim=-1, keepdim=True)
        z = y * f(W, a, delta.unsqueeze(-2), alpha).squeeze(-1)
        grad = (dloss(z) * y)[:, None, None] * grad_weights(W, a, delta.unsqueeze(-2), alpha).squeeze(-3)
        W = W - eta_tr[:, None, None] * grad
        log["norm2"].append(norm2)
        log["z"].append(z)
    if record is not None:
        record(steps + 1, W)
    log["norm2"].append((W * W).sum((-1, -2)))
    return W, log


def leaky(z, alpha):
    return leaky_relu(z, alpha)


def margins_batch(W, a, x, y, nu, alpha):
    """Normalised exact margins min_{Delta(x_n)} y_n f_{W_r/||W_r||}(delta) for R nets at once: W (R, m, d), a (R, m),
    x (N, d) -> (R, N). alpha = 1: closed form (any d); d = 2: vertex enumeration as in ``exact_margin_2d``."""
    norm = W.norm(dim=(-1, -2)).unsqueeze(-1)
    if alpha == 1.0:
        u = (a.unsqueeze(-1) * W).sum(-2)  # (R, d)
        return (y[None] * (u @ x.T) - nu * u.norm(dim=-1, keepdim=True)) / norm
    if x.shape[-1] != 2:
        raise ValueError("exact robust margins need alpha = 1 or d = 2")
    R = W.shape[0]
    perp = torch.stack([-W[..., 1], W[..., 0]], -1)
    rays = torch.cat([perp, -perp], -2)
    rays = rays / torch.clamp(rays.norm(dim=-1, keepdim=True), min=1e-300)  # (R, 2m, 2)
    ang = torch.sort(torch.atan2(rays[..., 1], rays[..., 0]), dim=-1).values
    mid = torch.cat([(ang[:, 1:] + ang[:, :-1]) / 2, (ang[:, -1:] + ang[:, :1] + 2 * math.pi) / 2], -1)
    mids = torch.stack([torch.cos(mid), torch.sin(mid)], -1)
    g = grad_input(W, a, mids, alpha)  # (R, 2m, 2)
    gy = y[None, :, None, None] * g[:, None]  # (R, N, 2m, 2)
    tangent = x[None, :, None, :] - nu * gy / torch.clamp(gy.norm(dim=-1, keepdim=True), min=1e-300)
    ex = torch.einsum("nd,rkd->rnk", x, rays)
    disc = ex**2 - ((x * x).sum(-1)[None, :, None] - nu**2)
    root = torch.sqrt(torch.clamp(disc, min=0.0))
    xx = x[None, :, None, :].expand(R, -1, rays.shape[1], -1)
    pts = []
    for s in (ex - root, ex + root):
        ok = (disc >= 0) & (s >= 0)
        pts.append(torch.where(ok.unsqueeze(-1), s.unsqueeze(-1) * rays[:, None], xx))
    inside = (x * x).sum(-1) <= nu**2
    apex = torch.where(inside[:, None], torch.zeros_like(x), x)[None, :, None, :].expand(R, -1, 1, -1)
    cand = torch.cat([tangent, *pts, apex, x[None, :, None, :].expand(R, -1, 1, -1)], -2)  # (R, N, K, 2)
    K = cand.shape[-2]  # candidates lie on the circle up to rounding (a 1e-16 relative overshoot is immaterial)
    vals = f(W, a, cand.reshape(R, -1, 2), alpha).reshape(R, -1, K) * y[None, :, None]
    return vals.min(-1).values / norm


def strong_margins_batch(W, a, x, y, nu, alpha, gen, restarts=4, steps=30):
    """``strong_attack_margin`` for R nets at once (W (R, m, d), a (R, m), x (N, d)) -> (R, N), normalised by ||W_r||_F.
    An UPPER estimate of min y f over Delta(x) (every value is attained at a feasible point), hence a LOWER estimate of
    the (beta-)robust error: the best of normalised-gradient PGD on y f from x and ``restarts`` random points of the
    ball, with step sizes nu/2, nu/10, nu/50."""
    R = W.shape[0]
    N, d = x.shape
    u = torch.randn(restarts, N, d, generator=gen, dtype=F64)
    r = torch.rand(restarts, N, 1, generator=gen, dtype=F64) ** (1.0 / d)
    starts = torch.cat([x[None], x[None] + nu * r * u / u.norm(dim=-1, keepdim=True)], 0)  # (S, N, d)
    S = starts.shape[0]
    X = x.repeat(S, 1)[None].expand(R, -1, -1)
    Y = y.repeat(S)[None].expand(R, -1)
    delta0 = starts.reshape(1, S * N, d).expand(R, -1, -1)
    best = (Y * f(W, a, delta0, alpha)).reshape(R, S, N).min(1).values
    for frac in (0.5, 0.1, 0.02):
        delta = delta0.clone()
        for _ in range(steps):
            g = Y.unsqueeze(-1) * grad_input(W, a, delta, alpha)
            delta = project_ball(delta - frac * nu * g / torch.clamp(g.norm(dim=-1, keepdim=True), min=1e-300), X, nu)
            best = torch.minimum(best, (Y * f(W, a, delta, alpha)).reshape(R, S, N).min(1).values)
    return best / W.norm(dim=(-1, -2)).unsqueeze(-1)
