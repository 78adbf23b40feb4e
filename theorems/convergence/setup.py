"""`convergence` §3-4 set-up: Assumption 1 (the (q, gamma)-margin) computed for concrete
distributions, the identities of §3.1, the initial-norm event and the sub-network width remark.

Seed 001_f1b6a53302f974ec.txt l. 96-118, 138-146; thesis (000) Assumption 2 l. 9845, §5.2.1 l. 9949,
§5.3 l. 9990-10143. Conventions in ``model``: q is the RETAIN probability, dropout is not inverted.

The margin in the limiting dropout-NTK feature space is a convex program. For a distribution on
``n`` points of the circle (d = 2) it is exact and finite: the activation pattern
``(1{z'x_i >= 0})_i`` is constant on the ``K <= 2n`` arcs between the angles ``theta_i +- pi/2``,
so an optimal ``psi`` is constant on each arc, and
``gamma* = max_{||psi_k|| <= 1} min_i q sum_k (|arc_k| / 2 pi) y_i <psi_k, x_i> 1{arc_k in H_i}``
(an SOCP; ``E_z`` depends on ``z / ||z||`` only, which is uniform on the circle).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from theorycheck import (ConvexProgram, MonteCarlo, Program, Relation, Source, Space, Symbolic, Tolerance,
                         bernoulli_masks, declare, float_tolerance, mutant, solver_tolerance)

from .model import ell, neg_ell_prime
from .spaces import (all_active_points, all_kept_points, keep_prob, margin_points, network_points,
                     small_network_points, unit)

PAPER = "001_f1b6a53302f974ec.txt"
THESIS = "000_f4de404d0cfe4539.txt"


# --- Assumption 1 ------------------------------------------------------------------------------

def _margin_instance(d) -> dict:
    regime = d.regime
    dim = 2 if regime == "d = 2" else d.integer(2, 6)
    beta = unit(d.normal(dim))
    rho = d.uniform(0.05, 0.6)
    X, y = margin_points(d, 6, dim, rho, beta)
    q = keep_prob(d)
    return {"d": dim, "beta": beta, "X": X, "y": y, "q": q, "psi": d.choice(("constant", "clipped linear"))}


margin_instances = Space(_margin_instance, regimes=("typical", "d = 2", "q tiny", "q = 1"),
                         description="6 points of D_rho (unit sphere, y <beta, x> >= rho), psi = beta or z/max(1,||z||)")


def psi_map(kind: str, beta, Z):
    """The map psi: the constant beta, or the clipped linear map z -> P z / max(1, ||P z||) (P = beta beta')."""
    import torch

    beta = torch.as_tensor(beta, dtype=Z.dtype)
    if kind == "constant":
        return beta.expand_as(Z)
    proj = (Z @ beta)[..., None] * beta
    return proj / proj.norm(dim=-1, keepdim=True).clamp_min(1.0)


def margin_integrand(i, n, sampler):
    """``y <psi(z), b x 1{z'x >= 0}>`` for the 6 points, one column each."""
    import torch

    Z = sampler.normal(n, i.d)
    b = sampler.bernoulli(i.q, n, 1)
    X, y = torch.as_tensor(i.X), torch.as_tensor(i.y)
    psi = psi_map(i.psi, i.beta, Z)
    return y * b * (psi @ X.T) * (Z @ X.T >= 0).to(Z.dtype)


def margin_closed_form(i):
    """``E_{z,b}[...]`` in closed form: constant psi gives ``q y<beta,x>/2``; the clipped linear map
    gives ``q y<beta,x> E[(beta'z) 1{z'x>=0} / max(1, |beta'z|)]``, with ``beta'z = s ~ N(0,1)`` and
    ``P(z'x >= 0 | s) = Phi(s c / sqrt(1 - c^2))``, ``c = beta'x`` (1-d quadrature)."""
    from scipy import integrate

    c = i.X @ i.beta
    if i.psi == "constant":
        return i.q * i.y * c / 2
    out = []
    for ck in c:
        def dens(s, ck=ck):
            cond = stats.norm.cdf(s * ck / math.sqrt(max(1 - ck * ck, 1e-300))) if abs(ck) < 1 else float(s * ck >= 0)
            return s / max(1.0, abs(s)) * cond * stats.norm.pdf(s)
        out.append(integrate.quad(dens, -12, 12, points=[-1.0, 0.0, 1.0], epsabs=1e-12, limit=200)[0])
    return i.q * i.y * c * np.array(out)


def _circle_instance(d) -> dict:
    """Points of the circle: margin data, or the antipodal pair where constant psi is optimal."""
    q = keep_prob(d)
    if d.regime == "antipodal pair":
        x = unit(d.normal(2))
        return {"X": np.stack([x, -x]), "y": np.array([1.0, -1.0]), "beta": x, "q": q}
    beta = unit(d.normal(2))
    X, y = margin_points(d, 5, 2, d.uniform(0.05, 0.6), beta)
    return {"X": X, "y": y, "beta": beta, "q": q}


circle_instances = Space(_circle_instance, regimes=("typical", "q tiny", "q = 1"),
                         description="5 points of D_rho on the circle")
antipodal_instances = Space(_circle_instance, regimes=("antipodal pair",),
                            description="x, -x with labels +1, -1: every psi has margin <= q/2 = constant-psi margin")


def arcs(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arc weights ``|arc_k| / 2 pi`` and patterns ``S[i, k] = 1{z_k' x_i >= 0}`` at arc midpoints."""
    theta = np.arctan2(X[:, 1], X[:, 0])
    cuts = np.sort(np.mod(np.concatenate([theta + np.pi / 2, theta - np.pi / 2]), 2 * np.pi))
    cuts = cuts[np.concatenate([[True], np.diff(cuts) > 1e-12])]
    ends = np.concatenate([cuts[1:], [cuts[0] + 2 * np.pi]])
    mids = (cuts + ends) / 2
    Z = np.stack([np.cos(mids), np.sin(mids)], 1)
    return (ends - cuts) / (2 * np.pi), (X @ Z.T >= 0).astype(float)


def feature_tensor(i) -> np.ndarray:
    """``F[i, k, :] = q |arc_k|/2pi y_i x_i 1{arc_k in H_i}``: the margin of point i is ``sum_k <F[i,k], psi_k>``."""
    w, S = arcs(i.X)
    return i.q * (w[None, :, None] * (i.y[:, None] * S)[:, :, None] * i.X[:, None, :])


def max_margin_program(i) -> Program:
    import cvxpy as cp

    n, K = feature_tensor(i).shape[:2]
    F = cp.Parameter((n, 2 * K))
    psi = cp.Variable((K, 2))
    gamma = cp.Variable()
    cons = [F @ cp.reshape(psi, (2 * K,), order="C") >= gamma] + [cp.norm(psi[k]) <= 1 for k in range(K)]
    return Program(cp.Problem(cp.Maximize(gamma), cons), {"F": F}, {"psi": psi})


def program_values(i) -> dict:
    F = feature_tensor(i)
    return {"F": F.reshape(F.shape[0], -1)}


def constant_psi_margin(i):
    """The margin certified by the constant map psi = beta: q min_i y_i <beta, x_i> / 2."""
    return i.q * np.min(i.y * (i.X @ i.beta)) / 2


def finite_width_margin(i):
    """Paper l. 98: ``(1/m) sum_r y <psi(w_r), b_r x 1{w_r'x > 0}>``."""
    psi = _psi_numpy(i)
    return float(np.mean(i.y * i.b * (psi @ i.x) * (i.W @ i.x > 0)))


def _psi_numpy(i):
    beta = unit(np.ones(i.d))
    proj = (i.W @ beta)[:, None] * beta
    return proj / np.maximum(1.0, np.linalg.norm(proj, axis=1, keepdims=True))


def v_margin(i):
    """``y <grad g(W_1; x, B_1), V>`` with ``v_r = a_r psi(w_r) / sqrt(m)``, computed from the gradient."""
    grad = (i.a * i.b * (i.W @ i.x >= 0))[:, None] * i.x[None, :] / math.sqrt(i.m)
    V = i.a[:, None] * _psi_numpy(i) / math.sqrt(i.m)
    return float(i.y * np.sum(grad * V))


def v_norm(i):
    return float(np.linalg.norm(i.a[:, None] * _psi_numpy(i) / math.sqrt(i.m)))


def v_norm_constant(i):
    """||V||_F for the constant unit map psi = beta: the equality case of ||V||_F <= 1."""
    return float(np.linalg.norm(i.a[:, None] * np.ones((i.m, 1)) * unit(np.ones(i.d))[None, :] / math.sqrt(i.m)))


assumption_1 = declare(
    "convergence/assumption-1",
    title="(q, gamma)-margin in the limiting dropout-NTK feature space, computed for concrete distributions",
    source=Source(PAPER, "Assumption 1 ((q, gamma)-Margin) and the remark after it", lines="96-100",
                  also=f"{THESIS} Assumption 2, l. 9845-9870"),
    statement=r"\exists\psi,\ \|\psi(z)\|\le1:\ \mathbb E_{z,b}\big[y\langle\psi(z),b\,x\,\mathbb I[z^\top x\ge0]\rangle\big]"
              r"\ge\gamma\ \text{a.s.};\quad y\langle\nabla g(W_1;x,B_1),V\rangle=\tfrac1m\textstyle\sum_r"
              r"y\langle\psi(w_{r,1}),b_{r,1}x\mathbb I\{w_{r,1}^\top x>0\}\rangle,\ \|V\|_F\le1",
    hypotheses=["z ~ N(0, I_d), b ~ Bern(q) independent", "psi measurable with ||psi|| <= 1 (the seed's 'linear "
                "transformation' is impossible: a linear psi bounded on R^d is 0, violating (C))",
                "the thesis' b x 1[z'x >= 0] (the paper's extraction drops x)", "||x|| = 1 (unstated; used for gamma <= 1)"],
    scope="checked for concrete distributions: D_rho (unit sphere, y<beta,x> >= rho) satisfies it with the "
          "constant map, margin q rho/2 (closed form vs Monte Carlo); for finite supports on the circle the exact "
          "limiting margin gamma* is the max-margin SOCP over arc-wise constant psi, >= the constant-psi margin, and "
          "= q/2 on the antipodal pair (sharp case); the finite-width identity and ||V||_F <= 1 on random nets",
    claimed=margin_closed_form,
    parts={"constant_psi_margin": constant_psi_margin, "finite_width": finite_width_margin,
           "V_norm_bound": lambda i: 1.0},
    checks=[
        MonteCarlo(sample=margin_integrand, space=margin_instances, samples=200_000, instances=8,
                   label="E_{z,b} of the margin integrand vs closed form, 6 points each"),
        ConvexProgram(program=max_margin_program, values=program_values, space=circle_instances,
                      key=lambda i: feature_tensor(i).shape, observed=lambda sol, i: sol.value,
                      claimed="constant_psi_margin", relation=">=", instances=6,
                      tolerance=solver_tolerance(1e-8, what="Clarabel gap"), label="exact limiting margin (SOCP) >= constant psi"),
        ConvexProgram(program=max_margin_program, values=program_values, space=antipodal_instances,
                      key=lambda i: feature_tensor(i).shape, observed=lambda sol, i: sol.value,
                      claimed="constant_psi_margin", relation="==", instances=3,
                      tolerance=solver_tolerance(1e-8, what="Clarabel gap"), label="antipodal pair: gamma* = q/2 exactly"),
        Relation(observed=v_margin, space=network_points, claimed="finite_width", instances=60,
                 tolerance=float_tolerance(200, atol=1e-15, what="sums of <= 12 products"),
                 label="y<grad g(W_1), V> = finite-width margin"),
        Relation(observed=v_norm, space=network_points, claimed="V_norm_bound", relation="<=", instances=60,
                 tolerance=float_tolerance(100), label="||V||_F <= 1, clipped linear psi"),
        Relation(observed=v_norm_constant, space=network_points, claimed="V_norm_bound", instances=20,
                 tolerance=float_tolerance(100), label="||V||_F = 1 for a unit constant psi (sharp)"),
    ],
    mutants=[
        mutant("no q", "margin of the full features E_z[...] for the dropout margin (b dropped)",
               claimed=lambda i: margin_closed_form(i) / i.q),
        mutant("no 1/2", "P(z'x >= 0) = 1/2 dropped", claimed=lambda i: 2 * margin_closed_form(i)),
        mutant("gamma* = q rho", "limiting margin without the 1/2 = P(z'x >= 0)",
               constant_psi_margin=lambda i: 2 * constant_psi_margin(i)),
        mutant("indicator z'x < 0", "finite-width margin on the inactive units",
               finite_width=lambda i: float(np.mean(i.y * i.b * (_psi_numpy(i) @ i.x) * (i.W @ i.x < 0)))),
    ],
    tags=["assumption", "convex", "montecarlo"],
)


# --- identities of §3.1 ------------------------------------------------------------------------

def linearised_at_self(i):
    """``g_t^{(t)}(W) = <grad g_t(W), W> = sum_r a_r b_r 1{w_r'x >= 0} <w_r, x> / sqrt(m)``."""
    return float(np.sum(i.a * i.b * (i.W @ i.x >= 0) * (i.W @ i.x)) / math.sqrt(i.m))


def sub_output(i):
    return float(np.sum(i.a * i.b * np.maximum(i.W @ i.x, 0.0)) / math.sqrt(i.m))


def grad_sq_norm(i):
    grad = (i.a * i.b * (i.W @ i.x >= 0))[:, None] * i.x[None, :] / math.sqrt(i.m)
    return float(np.sum(grad**2))


def loss_grad_norm(i):
    """``||grad L_t(W)||_F = Q_t(W) ||grad g_t(W)||_F`` (chain rule)."""
    z = i.y * sub_output(i)
    return float(neg_ell_prime(z) * math.sqrt(grad_sq_norm(i)))


def mask_mean(i):
    """``E_B g(W; x, B)`` exactly over all ``2^m`` masks."""
    masks, weights = bernoulli_masks(i.m, i.q)
    h = np.maximum(i.W @ i.x, 0.0)
    return float(np.dot(np.asarray(weights, dtype=float), masks @ (i.a * h)) / math.sqrt(i.m))


def mask_mean_gradient(i):
    """``E_B grad_W g(W; x, B)`` row coefficients, exactly over all ``2^m`` masks (the gradient is
    ``coef_r x`` with ``coef_r = a_r b_r 1{w_r'x >= 0} / sqrt m``)."""
    masks, weights = bernoulli_masks(i.m, i.q)
    active = (i.W @ i.x >= 0).astype(float)
    return np.asarray(weights, dtype=float) @ (masks * (i.a * active)) / math.sqrt(i.m)


def full_output(i):
    return float(np.sum(i.a * np.maximum(i.W @ i.x, 0.0)) / math.sqrt(i.m))


def _z_grid(d) -> dict:
    lo, hi = {"z large (sharp)": (40.0, 60.0), "z very negative": (-60.0, -5.0)}.get(d.regime, (-10.0, 10.0))
    return {"z": np.sort(np.array([d.uniform(lo, hi) for _ in range(40)]))}


z_grids = Space(_z_grid, regimes=("typical", "z very negative", "z large (sharp)"), description="40 values of z")
z_sharp = Space(_z_grid, regimes=("z large (sharp)",), description="z in [40, 60]: |l'(z)| / l(z) = 1 - O(e^{-z})")

aux_identities = declare(
    "convergence/aux-identities",
    title="identities of §3.1: homogeneity, gradient norms, |l'| <= l, E_B g = q f",
    source=Source(PAPER, "§3.1, last paragraph; §3 remark on grad f = E_B grad g / q", lines="100, 114-118",
                  also=f"{THESIS} §5.2.1 l. 9949-9960"),
    statement=r"g_t^{(t)}(W_t)=g_t(W_t);\ \|\nabla g_t(W)\|_F^2\le\|B_t\|_F^2/m\le1;\ \|\nabla L_t(W)\|_F\le Q_t(W);\ "
              r"|\ell'(z)|\le\ell(z);\ \mathbb E_Bg(W;x,B)=qf(x;W),\ \nabla f(\cdot;W)=\tfrac1q\mathbb E_B\nabla g(W;\cdot,B)",
    hypotheses=["||x_t|| = 1 (unstated in both texts; ||x|| = 3 breaks the gradient bounds)", "ReLU, 1{0 >= 0} = 1"],
    claimed=sub_output,
    parts={"grad_bound": lambda i: float(np.sum(i.b**2)) / i.m,
           "loss_grad_bound": lambda i: float(neg_ell_prime(i.y * sub_output(i))),
           "lprime_bound": lambda i: ell(i.z),
           "mask_mean": lambda i: i.q * full_output(i),
           "gradient_mask_mean": lambda i: i.q * i.a * (i.W @ i.x >= 0) / math.sqrt(i.m)},
    checks=[
        Relation(observed=linearised_at_self, space=network_points, instances=60,
                 tolerance=float_tolerance(100, atol=1e-14), label="(a) <grad g_t(W), W> = g_t(W)"),
        Relation(observed=grad_sq_norm, space=network_points, claimed="grad_bound", relation="<=", instances=60,
                 tolerance=float_tolerance(100), label="(b) ||grad g||^2 <= ||B||^2/m"),
        Relation(observed=grad_sq_norm, space=all_active_points, claimed="grad_bound", instances=20,
                 tolerance=float_tolerance(100), label="(b) equality when every unit is active"),
        Relation(observed=loss_grad_norm, space=network_points, claimed="loss_grad_bound", relation="<=",
                 instances=60, tolerance=float_tolerance(100), label="(c) ||grad L|| <= Q"),
        Relation(observed=loss_grad_norm, space=all_kept_points, claimed="loss_grad_bound", instances=20,
                 tolerance=float_tolerance(100), label="(c) equality when all units are active and kept"),
        Relation(observed=lambda i: neg_ell_prime(i.z), space=z_grids, claimed="lprime_bound", relation="<=",
                 instances=30, tolerance=float_tolerance(20), label="(d) |l'(z)| <= l(z)"),
        Relation(observed=lambda i: neg_ell_prime(i.z), space=z_sharp, claimed="lprime_bound", instances=5,
                 tolerance=Tolerance(1e-14, 0.0, principle="|l'|/l = 1 - e^{-z}/2 + ...: e^{-40}/2 = 2e-18, plus a few "
                                     "float64 roundings of exp and log1p (< 50 eps)"),
                 label="(d) sharp: |l'(z)| = l(z) to 1e-16 for z >= 40"),
        Relation(observed=mask_mean, space=small_network_points, claimed="mask_mean", instances=40,
                 tolerance=float_tolerance(4 * 1024, atol=1e-14, what="2^m <= 1024 weighted terms"),
                 label="(f) E_B g = q f, exact 2^m enumeration"),
        Relation(observed=mask_mean_gradient, space=small_network_points, claimed="gradient_mask_mean", instances=40,
                 tolerance=float_tolerance(4 * 1024, atol=1e-14, what="2^m <= 1024 weighted terms"),
                 label="(f) grad f(.; W) = E_B grad g(W; ., B) / q, exact enumeration"),
    ],
    mutants=[
        mutant("mask dropped", "g_t^{(t)}(W_t) = f_t(W_t)", claimed=full_output),
        mutant("||B||^2/m -> ||B||^2/m^2", "gradient bound without the 1/sqrt(m) of one factor only",
               grad_bound=lambda i: float(np.sum(i.b**2)) / i.m**2),
        mutant("|l'| <= l/2", "half the loss", lprime_bound=lambda i: ell(i.z) / 2),
        mutant("E_B g = f", "the q of the non-inverted mask dropped", mask_mean=full_output),
        mutant("E_B grad g = grad f", "full features with margin gamma instead of gamma/q",
               gradient_mask_mean=lambda i: i.a * (i.W @ i.x >= 0) / math.sqrt(i.m)),
        mutant("||grad L|| <= Q^2", "squared", loss_grad_bound=lambda i: float(neg_ell_prime(i.y * sub_output(i)) ** 2)),
    ],
    tags=["identity"],
)


# --- (q, gamma)-margin implies (q', gamma)-margin ----------------------------------------------

def _monotone_instance(d) -> dict:
    inst = _margin_instance(d)
    inst["psi"] = "constant"
    inst["q"] = d.uniform(0.1, 0.9) if d.regime != "q tiny" else d.uniform(0.02, 0.06)
    inst["q2"] = 1.0 if d.regime == "q' = 1" else d.uniform(inst["q"], 1.0)
    return inst


monotone_instances = Space(_monotone_instance, regimes=("typical", "q tiny", "q' = 1"),
                           description="D_rho points, q < q' <= 1")


def _q_gamma(i):
    """The (q, gamma)-margins of the 6 points (constant psi; closed form of assumption-1)."""
    return i.q * i.y * (i.X @ i.beta) / 2


def integrand_at(key):
    def sample(i, n, sampler):
        import torch

        Z = sampler.normal(n, i.d)
        X, y, beta = torch.as_tensor(i.X), torch.as_tensor(i.y), torch.as_tensor(i.beta)
        b = sampler.bernoulli(i[key], n, 1) if key else 1.0
        return y * b * (X @ beta) * (Z @ X.T >= 0).to(Z.dtype)
    return sample


def margin_symbols():
    import sympy as sp

    q, M = sp.symbols("q M", positive=True)
    return {"q": q, "M": M}


def mask_expectation(i):
    masks, weights = bernoulli_masks(1, i.q)
    return sum(w * int(b[0]) * i.M for b, w in zip(masks, weights))


aux_margin_monotone = declare(
    "convergence/aux-margin-monotone",
    title="the (q, gamma)-margin is q times a q-free margin: monotone in q, gamma/q on the full features",
    source=Source(PAPER, "remarks after Assumption 1 and at the end of §4", lines="100, 146",
                  also=f"{THESIS} l. 9870-9880, 10143"),
    statement=r"\mathbb E_{z,b}[y\langle\psi(z),bx\mathbb I\{z^\top x\ge0\}\rangle]=qM(x,y)\ \Rightarrow\ "
              r"(q,\gamma)\text{-margin}\Rightarrow(q',\gamma)\text{-margin}\ \forall q'\in[q,1];\ "
              r"\text{margin }\gamma/q\text{ on }\nabla f(\cdot;W_1)",
    hypotheses=["b independent of z", "M(x, y) >= 0 (implied by the margin)"],
    scope="the seed's 'agnostic to the dropout rate' holds at fixed gamma; since gamma <= q sup M, a smaller q "
          "forces a smaller gamma and (m >= 2401 gamma^-6 lambda^2) a much larger width -- noted, not a claim",
    claimed=lambda i: i.q * i.M,
    parts={"full_margin": lambda i: _q_gamma(i) / i.q, "margin_at_q2": lambda i: _q_gamma(i) * i.q2 / i.q},
    checks=[
        Symbolic(observed=mask_expectation, symbols=margin_symbols, label="E_b[b] M = q M by enumeration of b"),
        MonteCarlo(sample=integrand_at(None), space=monotone_instances, claimed="full_margin", samples=200_000,
                   instances=6, label="full-feature margin E_z[...] = gamma/q"),
        MonteCarlo(sample=integrand_at("q2"), space=monotone_instances, claimed="margin_at_q2", samples=200_000,
                   instances=6, label="margin at q' = (q'/q) gamma >= gamma"),
    ],
    mutants=[
        mutant("q^2 M", "the mask counted twice", claimed=lambda i: i.q**2 * i.M),
        mutant("gamma q", "margin gamma q (not gamma/q) on the full features", full_margin=lambda i: _q_gamma(i) * i.q),
        mutant("decreasing in q", "(q'/q) inverted", margin_at_q2=lambda i: _q_gamma(i) * i.q / i.q2),
    ],
    depends_on=["convergence/assumption-1"],
    tags=["remark", "symbolic", "montecarlo"],
)


# --- the initial-norm event (§4 first paragraph) -----------------------------------------------

def _init_sizes(d) -> dict:
    regime = d.regime
    dim = {"d = 1": 1, "d = 50": 50}.get(regime, d.integer(1, 20))
    m = {"m = 2": 2, "m large": d.integer(1000, 100_000)}.get(regime, d.integer(2, 5000))
    return {"d": dim, "m": m}


init_sizes = Space(_init_sizes, regimes=("typical", "d = 1", "d = 50", "m = 2", "m large"),
                   description="d <= 50, 2 <= m <= 1e5")


large_dims = Space(lambda d: {"d": d.integer(1000, 100_000), "m": 2}, regimes=("d large",),
                   description="d in [1e3, 1e5]")


def exact_norm_failure(i, parts):
    """``P(max_r ||w_r|| > radius) = 1 - F_chi_d(radius)^m``, exactly (log-space)."""
    r = parts["claimed"](i)
    return float(-np.expm1(i.m * stats.chi.logcdf(r, i.d)))


def union_bound_at_radius(i, parts):
    """The proof's chain at the claimed radius: m exp(-(r - sqrt d)^2 / 2) (Gaussian concentration of the
    1-Lipschitz norm, E||w|| <= sqrt d, union over rows)."""
    r = parts["claimed"](i)
    return float(i.m * math.exp(-((r - math.sqrt(i.d)) ** 2) / 2))


def mean_norm(i):
    return float(math.sqrt(2) * math.exp(math.lgamma((i.d + 1) / 2) - math.lgamma(i.d / 2)))


aux_init_norm = declare(
    "convergence/aux-init-norm",
    title="w.p. >= 1 - 1/m every initial row has ||w_r|| <= sqrt d + 2 sqrt(ln m)",
    source=Source(PAPER, "§4, first paragraph (Theorem A.1)", lines="118", also=f"{THESIS} §5.3 l. 10630-10640, Theorem 21"),
    statement=r"\Pr\{\max_{r\in[m]}\|w_{r,1}\|\le\sqrt d+2\sqrt{\ln m}\}\ge1-1/m",
    hypotheses=["w_{r,1} iid N(0, I_d)", "m >= 2"],
    scope="exact chi tails show the statement (true, loose: failure 4e-7 at d = 1, m = 1000); the constants are "
          "those of the proof's chain, checked as an equality (m e^{-(r - sqrt d)^2/2} = 1/m at the printed radius). "
          "Seed slip: both texts then assume max ||w_r|| <= 2 sqrt(ln m) (sqrt d missing)",
    claimed=lambda i: math.sqrt(i.d) + 2 * math.sqrt(math.log(i.m)),
    parts={"failure": lambda i: 1.0 / i.m, "mean_bound": lambda i: math.sqrt(i.d)},
    checks=[
        Relation(observed=exact_norm_failure, space=init_sizes, claimed="failure", relation="<=", instances=40,
                 tolerance=float_tolerance(1000, what="chi log-cdf, expm1"), label="exact chi tail <= 1/m"),
        Relation(observed=union_bound_at_radius, space=init_sizes, claimed="failure", instances=40,
                 tolerance=float_tolerance(100), label="proof chain at the printed radius equals 1/m"),
        Relation(observed=mean_norm, space=init_sizes, claimed="mean_bound", relation="<=", instances=40,
                 tolerance=float_tolerance(100), label="E||w|| <= sqrt d (Jensen)"),
        Relation(observed=mean_norm, space=large_dims, claimed="mean_bound", instances=4,
                 tolerance=Tolerance(1e-3, 0.0, principle="E||w||/sqrt d = 1 - 1/(4d) + O(d^-2) <= 2.5e-4 below 1 at d >= 1000"),
                 label="Jensen's sqrt d is sharp as d -> infinity"),
    ],
    mutants=[
        mutant("sqrt(ln m)", "radius sqrt d + sqrt(ln m)", claimed=lambda i: math.sqrt(i.d) + math.sqrt(math.log(i.m))),
        mutant("no sqrt d", "the seed's later 2 sqrt(ln m)", claimed=lambda i: 2 * math.sqrt(math.log(i.m))),
        mutant("1/m^2", "failure probability 1/m^2", failure=lambda i: 1.0 / i.m**2),
        mutant("E||w|| <= sqrt(d)/2", "mean halved", mean_bound=lambda i: math.sqrt(i.d) / 2),
    ],
    tags=["initialisation"],
)


# --- the width of the visited sub-networks (remark after Theorem 4.2) ---------------------------

def _width_instance(d) -> dict:
    regime = d.regime
    m = {"m small": d.integer(1, 10)}.get(regime, d.integer(10, 5000))
    q = {"q tiny": d.uniform(0.01, 0.05), "q near 1": d.uniform(0.95, 0.999)}.get(regime, d.uniform(0.05, 0.95))
    T = {"T = 1": 1}.get(regime, d.integer(1, 10_000))
    return {"m": m, "q": q, "T": T, "delta": d.log_uniform(1e-3, 0.9)}


width_instances = Space(_width_instance, regimes=("typical", "m small", "q tiny", "q near 1", "T = 1"),
                        description="m <= 5000, q in (0, 1), T <= 1e4, delta in (1e-3, 0.9)")


def exact_width_failure(i, parts):
    """``P(exists t: Bin(m, q) > radius) = 1 - F(floor(radius))^T``, exactly."""
    k = math.floor(parts["claimed"](i))
    return float(-np.expm1(i.T * stats.binom.logcdf(k, i.m, i.q)))


def hoeffding_union_at_radius(i, parts):
    """The remark's chain at the printed radius s = radius - qm: T exp(-s^2 / (2m)), Hoeffding for
    summands of range 2 (the printed radius is twice what range-1 Bernoulli summands need)."""
    s = parts["claimed"](i) - i.q * i.m
    return float(i.T * math.exp(-s * s / (2 * i.m)))


aux_active_width = declare(
    "convergence/aux-active-width",
    title="w.p. >= 1 - delta every visited sub-network has <= qm + sqrt(2m ln(T/delta)) active units",
    source=Source(PAPER, "remark after Theorem 4.2", lines="142", also=f"{THESIS} §5.3 l. 10118-10124"),
    statement=r"\Pr\{\forall t\in[T]:\ \textstyle\sum_rb_{r,t}\le qm+\sqrt{2m\ln(T/\delta)}\}\ge1-\delta",
    hypotheses=["b_{r,t} iid Bern(q)", "delta in (0, 1)"],
    scope="exact binomial tails (true; loose: the Hoeffding radius for [0,1] summands is half the printed one, "
          "so the printed radius is not tested below 1/2 of itself by the exact tail); its constant is checked as the "
          "equality T e^{-s^2/(2m)} = delta of the range-2 Hoeffding union bound it comes from",
    claimed=lambda i: i.q * i.m + math.sqrt(2 * i.m * math.log(i.T / i.delta)),
    parts={"delta": lambda i: i.delta},
    checks=[
        Relation(observed=exact_width_failure, space=width_instances, claimed="delta", relation="<=", instances=60,
                 tolerance=float_tolerance(1000, what="binomial log-cdf"), label="exact binomial tail <= delta"),
        Relation(observed=hoeffding_union_at_radius, space=width_instances, claimed="delta", instances=60,
                 tolerance=float_tolerance(1e5, what="cancellation in radius - qm (qm/s <= 200) amplified by exp"),
                 label="Hoeffding union bound at the printed radius = delta"),
    ],
    mutants=[
        mutant("sqrt(m ln(T/delta)/8)", "a quarter of the Hoeffding radius",
               claimed=lambda i: i.q * i.m + math.sqrt(i.m * math.log(i.T / i.delta) / 8)),
        mutant("no radius", "width qm exactly", claimed=lambda i: i.q * i.m),
        mutant("delta/10", "ten times more confident", delta=lambda i: i.delta / 10),
    ],
    tags=["remark", "compression"],
)

CLAIMS = [assumption_1, aux_identities, aux_margin_monotone, aux_init_norm, aux_active_width]
