"""`explicit-implicit` §4.3 and App. B: the generalization bound for cross-entropy (Theorem 4.1).

Seed 004_e45fe814f3a8977e.txt: Theorem 4.1 (l. 226-246), Theorem B.1 and Lemmas B.1-B.5 (l. 497-582),
proofs App. B.1-B.3 with Claims B.1-B.7 (l. 586-962), discussion App. B.4 (l. 964-968). No dropout here
(q, the DROP probability of this source, plays no role): the bound is for a linear model W in R^{c x d}
with the truncated loss min{B, l} and "<~" hiding universal constants. The high-probability, uniform
statements (Theorems 4.1/B.1, Lemmas B.2/B.4, Claim B.2) cannot be checked as stated; their claims say
in ``scope`` which step of the proof is checked instead (explicit constants, the key inequality).

Perturbed loss (B.10)-(B.11): l~_sigma(W, x, y) = max_delta s_sigma(||delta||) min{B, l(Wx + delta ||x||, y)},
s_sigma(t) = (1 - t/sigma)^2 1[t < sigma]. For c = 2 the inner max over directions is explicit: the
loss depends on the logit gap only, which a perturbation of norm t moves by at most sqrt(2) t.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch
from scipy.optimize import minimize_scalar

from theorycheck import (BoundSearch, Rate, Relation, Source, Space, Symbolic, Tolerance, declare, float_tolerance,
                         mutant, solver_tolerance)

from .model import ce_gradient, ce_hessian, ce_loss
from .spaces import logits

SEED = "004_e45fe814f3a8977e.txt"
NO_Q = "no dropout: q (the DROP probability of this source) plays no role"
TAU_CE = math.sqrt(2.0)


# --- the ramp s_sigma and the perturbed loss --------------------------------------------------------

def ramp(t, sigma):
    """s_sigma(t) = (1 - t/sigma)^2 for t < sigma, else 0 (numpy or torch)."""
    if isinstance(t, torch.Tensor):
        return torch.clamp(1 - t / sigma, min=0.0) ** 2
    return np.clip(1 - np.asarray(t) / sigma, 0.0, None) ** 2


def perturbed_loss_binary(v: np.ndarray, y: int, norm_x: float, sigma: float, B: float) -> float:
    """l~_sigma for c = 2: max_{t in [0, sigma]} s(t) min{B, softplus(gap + sqrt 2 t ||x||)}.

    A dense grid locates the maximiser, a bounded scalar search refines it to xatol = 1e-12.
    """
    gap = v[1 - y] - v[y]
    f = lambda t: -ramp(t, sigma) * np.minimum(B, np.logaddexp(0.0, gap + math.sqrt(2) * t * norm_x))  # noqa: E731
    grid = np.linspace(0.0, sigma, 2001)
    k = int(np.argmin(f(grid)))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    return -float(min(res.fun, f(grid[k])))


INNER_MAX_TOL = solver_tolerance(1e-9, what="grid + bounded scalar search for the inner max over t")
# the inner max is found to relative accuracy ~1e-9 of l~ (xatol 1e-12 on t, smooth objective): a difference of
# two l~ values then carries an error ~1e-9 (l~(W) + l~(W')), its square ~1e-9 (l~ + l~')^2; band 10x that
RELATIVE_INNER_TOL = Tolerance(rtol=1e-8, atol=0.0, principle="inner max over t to relative 1e-9 of l~ (x10), "
                               "relative to the squared size of the two perturbed losses (no absolute floor)")


def _binary_model(d) -> dict:
    dim = d.integer(1, 4)
    x, y = d.normal(dim), d.integer(0, 1)
    sigma = d.log_uniform(0.05, 3.0)
    B = {"no truncation": 1e9, "tight truncation": d.uniform(0.2, 1.0)}.get(d.regime) or d.uniform(1.0, 10.0)
    W = d.log_uniform(0.3, 3.0) * d.normal(2, dim)
    step = {"tiny step": 1e-3}.get(d.regime) or d.log_uniform(0.01, 1.0)
    direction = d.normal(2, dim)
    if d.regime == "binding truncation":
        # l(Wx) < B < l(Wx + perturbation): l~ sits on the truncation, where Claim B.1 is tight up to 2
        sigma, B, W = d.uniform(3.0, 5.0) / np.linalg.norm(x), d.uniform(2.5, 4.0), 0.1 * d.normal(2, dim)
        direction = np.outer(np.eye(2)[1 - y] - np.eye(2)[y], x / np.linalg.norm(x))
        step = 1e-3
    if d.regime == "confident, wide":
        # margin 35-45 and sigma ||x|| in [20, 30]: l~ grows like e^{sqrt 2 sigma ||x||}, so the
        # exponential tail of Lemma B.5 (with tau = sqrt 2) is needed
        W = np.outer(np.eye(2)[y] - np.eye(2)[1 - y], x) * d.uniform(17.5, 22.5) / np.dot(x, x)
        sigma, B = d.uniform(20.0, 30.0) / np.linalg.norm(x), 1e9
    X, Y = d.normal(5, dim), np.array([d.integer(0, 1) for _ in range(5)])
    if d.regime == "binding truncation":
        X, Y = np.tile(x, (5, 1)), np.full(5, y)  # repeated points make Claim B.3's chain as tight as B.1
    return {"W": W, "W2": W + step * direction, "x": x, "y": y, "sigma": sigma, "B": B, "X": X, "Y": Y}


binary_models = Space(_binary_model, regimes=("typical", "no truncation", "tight truncation", "tiny step",
                                              "binding truncation", "confident, wide"),
                      description="c = 2, d <= 4, sigma in [0.05, 3], B in [0.2, 10] or no truncation")


def lt(i, W, x, y):
    return perturbed_loss_binary(W @ x, int(y), float(np.linalg.norm(x)), i.sigma, i.B)


# --- claim-B.7 ---------------------------------------------------------------------------------------

def _ramp_space(d) -> dict:
    sigma = d.log_uniform(0.1, 10.0)
    if d.regime == "a->0, b small":
        return {"sigma": sigma, "a": sigma * d.uniform(0.0, 1e-4), "b": sigma * d.log_uniform(1e-4, 1e-2)}
    return {"sigma": sigma, "a": sigma * d.uniform(0.0, 2.0), "b": sigma * d.uniform(0.0, 2.0)}


ramp_instances = Space(_ramp_space, regimes=("typical", "a->0, b small"), description="a, b in (0, 2 sigma)")


def ramp_change(i):
    return (ramp(i.a + i.b, i.sigma) - ramp(i.a, i.sigma)) ** 2


def project_positive(inst):
    inst["a"].clamp_(min=0.0)
    inst["b"].clamp_(min=1e-4 * float(inst["sigma"]))


# s(a + b) - s(a) cancels: its relative rounding error is about u sigma / b, at most 1e4 u for b >= 1e-4 sigma
RAMP_TOL = float_tolerance(20 * 1e4, what="20 ops, cancellation in s(a + b) - s(a) amplifies by sigma/b <= 1e4")


claim_b7 = declare(
    "explicit-implicit/claim-B.7",
    title="(s_sigma(a + b) - s_sigma(a))^2 <= 4/sigma^2 s_sigma(a) b^2 (constant 4 tight at a = 0)",
    source=Source(SEED, "Claim B.7", "", "941-962"),
    statement=r"(s_\sigma(a+b)-s_\sigma(a))^2\le\tfrac{4}{\sigma^2}s_\sigma(a)b^2,\quad s_\sigma(t)=(1-t/\sigma)^2\mathbb 1[t<\sigma]",
    hypotheses=[NO_Q, "sigma > 0, a, b > 0"],
    claimed=lambda i: 4 / i.sigma**2 * ramp(i.a, i.sigma) * i.b**2,
    checks=[
        Relation(observed=ramp_change, space=ramp_instances, relation="<=", instances=200,
                 tolerance=RAMP_TOL,
                 label="random and near-tight instances"),
        BoundSearch(observed=ramp_change, space=ramp_instances, variables=("a", "b"), project=project_positive,
                    tolerance=RAMP_TOL, instances=6, steps=40,
                    label="Adam ascent on the violation over (a, b)"),
    ],
    mutants=[mutant("constant 3", "not tight", claimed=lambda i: 3 / i.sigma**2 * ramp(i.a, i.sigma) * i.b**2),
             mutant("s(a)^2", "s_sigma(a)^2 on the right",
                    claimed=lambda i: 4 / i.sigma**2 * ramp(i.a, i.sigma) ** 2 * i.b**2)],
    tags=["generalization"],
)


# --- lemma-B.1: CE satisfies (B.1) with tau = sqrt 2 ---------------------------------------------------

def trace_gradient_formula(p):
    """D tr D^2 l_ce [h] = sum_i (1 - 2 p_i) p_i (e_i - p) (proof of Lemma B.1)."""
    c = len(p)
    return sum((1 - 2 * p[k]) * p[k] * (np.eye(c, dtype=int)[k] - p) for k in range(c))


def trace_gradient_sympy(i):
    p = _sym_softmax(i.v)
    tr = sum(pk - pk**2 for pk in p)
    return np.array([sp.diff(tr, a) for a in i.v], dtype=object)


def _sym_softmax(v):
    e = np.array([sp.exp(a) for a in v], dtype=object)
    return e / e.sum()


def trace_gradient_norm(i):
    p = torch.softmax(torch.as_tensor(i.v), -1)
    g = ((1 - 2 * p) * p)[:, None] * (torch.eye(len(p), dtype=p.dtype) - p[None, :])
    return torch.linalg.norm(g.sum(0))


def hessian_trace(i):
    p = torch.softmax(torch.as_tensor(i.v), -1)
    return (p - p * p).sum()


lemma_b1 = declare(
    "explicit-implicit/lemma-B.1",
    title="cross-entropy satisfies (B.1): ||D tr D^2 l|| <= sqrt 2 tr D^2 l (sqrt 2 is the supremum)",
    source=Source(SEED, "Lemma B.1", "(B.1), (B.66)-(B.70)", "520, 913-937"),
    statement=r"\Big\|\sum_i(1-2p_i)p_i(e_i-p)\Big\|_2=\|D(\operatorname{tr}D^2\ell^{\rm ce}_y)[h]\|_2\le\sqrt2\,"
              r"\operatorname{tr}D^2\ell^{\rm ce}_y[h]=\sqrt2\sum_i(p_i-p_i^2)",
    hypotheses=[NO_Q, "any c >= 2, h in R^c, y; p = softmax(h)"],
    claimed=lambda i: TAU_CE * hessian_trace(i),
    parts={"gradient": lambda i: trace_gradient_formula(_sym_softmax(i.v))},
    checks=[
        Symbolic(observed=trace_gradient_sympy, claimed="gradient", label="the gradient formula, c = 3",
                 symbols=lambda: {"v": np.array(sp.symbols("v0:3", real=True), dtype=object)}),
        BoundSearch(observed=trace_gradient_norm, space=logits, variables=("v",), instances=16, steps=60, lr=0.2,
                    tolerance=float_tolerance(100, atol=100 * 2.2e-16, what="softmax, c <= 10; p_i - p_i^2 "
                                              "carries absolute error ~u per class when p_i ~ 1"),
                    label="adversarial logits"),
    ],
    mutants=[
        mutant("tau = 1", "fails for c = 2 when min p < 0.146", claimed=lambda i: hessian_trace(i)),
        mutant("(1 - p_i)", "gradient with (1 - p_i) in place of (1 - 2 p_i)",
               gradient=lambda i: sum((1 - p) * p * (np.eye(len(i.v), dtype=int)[k] - _sym_softmax(i.v))
                                      for k, p in enumerate(_sym_softmax(i.v)))),
    ],
    depends_on=["explicit-implicit/aux-ce-derivatives"],
    tags=["generalization"],
)


# --- claim-B.5 and lemma-B.5: the exponential-tail upper bound -----------------------------------------

def tail(r, tau):
    """(e^{tau r} - tau r - 1) / tau^2."""
    return (torch.exp(tau * r) - tau * r - 1) / tau**2 if isinstance(r, torch.Tensor) else math.expm1(tau * r) / tau**2 - r / tau


def _bach_space(d) -> dict:
    c = d.choice((2, 3, 10))
    return {"h": d.log_uniform(0.1, 10.0) * d.normal(c), "u": d.normal(c), "r": d.log_uniform(1e-3, 20.0),
            "y": d.integer(0, c - 1)}


bach_instances = Space(_bach_space, description="c in {2, 3, 10}, r in [1e-3, 20]")


def moved_loss(i):
    return ce_loss(i.h + i.r * i.u / torch.linalg.norm(i.u), i.y)


def bach_bound(i, first_order=1.0):
    p = torch.softmax(i.h, -1)
    g = p - torch.nn.functional.one_hot(torch.tensor(i.y), len(p)).to(p.dtype)
    return ce_loss(i.h, i.y) + first_order * torch.linalg.norm(g) * i.r + (p - p * p).sum() * tail(i.r, TAU_CE)


claim_b5 = declare(
    "explicit-implicit/claim-B.5",
    title="l(h') <= l(h) + ||D l|| r + tr D^2 l (e^{tau r} - tau r - 1)/tau^2 under (B.1)",
    source=Source(SEED, "Claim B.5 (cites Bach 2010, Prop. 1)", "", "818-823"),
    statement=r"\ell(h')\le\ell(h)+\|D\ell(h)\|_2r+\operatorname{tr}(D^2\ell[h])\frac{e^{\tau r}-\tau r-1}{\tau^2},\ r=\|h'-h\|_2",
    hypotheses=[NO_Q, "l convex satisfying (B.1); checked for cross-entropy with tau = sqrt 2 (Lemma B.1)"],
    claimed=bach_bound,
    checks=[BoundSearch(observed=moved_loss, space=bach_instances, variables=("h", "u"), instances=12, steps=50,
                        lr=0.1, tolerance=float_tolerance(200, atol=1e-13, what="logsumexp and exp, c <= 10; "
                                                          "absolute error ~ 10 u max|h| with |h| <= 50"),
                        label="adversarial (h, direction)")],
    mutants=[mutant("no first-order term", "drops ||D l|| r", claimed=lambda i: bach_bound(i, 0.0))],
    depends_on=["explicit-implicit/lemma-B.1"],
    tags=["generalization"],
)


def lemma_b5_bound(i, tail_tau=TAU_CE, tail_weight=1.0):
    v = i.W @ i.x
    nx = float(np.linalg.norm(i.x))
    g = ce_gradient(v, int(i.y))
    return float(ce_loss(v, int(i.y)) + np.linalg.norm(g) * nx * i.sigma
                 + tail_weight * np.trace(ce_hessian(v)) * tail(i.sigma * nx, tail_tau))


lemma_b5 = declare(
    "explicit-implicit/lemma-B.5",
    title="l~_sigma <= l + ||D l|| ||x|| sigma + tr D^2 l (e^{sigma tau ||x||} - sigma tau ||x|| - 1)/tau^2",
    source=Source(SEED, "Lemma B.5", "(B.13)", "579-582, 814-831"),
    statement=r"\tilde\ell_\sigma(W,x,y)\le\ell(Wx,y)+\|D\ell[Wx]\|_2\|x\|_2\sigma+\operatorname{tr}(D^2\ell[Wx])"
              r"\frac{e^{\sigma\tau\|x\|_2}-\sigma\tau\|x\|_2-1}{\tau^2}",
    hypotheses=[NO_Q, "cross-entropy, tau = sqrt 2, c = 2 (the inner max of l~ is then a 1-D search)",
                "truncation B in [0.2, 10] or none"],
    claimed=lemma_b5_bound,
    checks=[Relation(observed=lambda i: lt(i, i.W, i.x, i.y), space=binary_models, relation="<=", instances=40,
                     tolerance=INNER_MAX_TOL, label="l~ by grid + scalar search")],
    mutants=[mutant("no tail term", "first-order bound only", claimed=lambda i: lemma_b5_bound(i, tail_weight=0.0)),
             mutant("tau = 1 in the tail", "exponent sigma ||x|| instead of sqrt 2 sigma ||x||",
                    claimed=lambda i: lemma_b5_bound(i, tail_tau=1.0))],
    depends_on=["explicit-implicit/claim-B.5", "explicit-implicit/lemma-B.1"],
    tags=["generalization"],
)


# --- claim-B.1 and claim-B.3: stability of l~_sigma in W --------------------------------------------

def b1_sides(i):
    a, b = lt(i, i.W, i.x, i.y), lt(i, i.W2, i.x, i.y)
    shift = float(np.sum(((i.W - i.W2) @ i.x) ** 2) / (np.sum(i.x**2) * i.sigma**2))
    return a, b, shift


claim_b1 = declare(
    "explicit-implicit/claim-B.1",
    untested={
        'claimed': 'loose bound: largest observed/claimed ratio 0.39; not tested below 0.39 of its value',
        'constant': 'constant 4 not tested below 4 x 0.39 = 1.55 (observed tightness 0.39)'},
    title="(l~(W) - l~(W'))^2 <= (l~(W) + l~(W')) 4B ||Wx - W'x||^2 / (||x||^2 sigma^2)",
    source=Source(SEED, "Claim B.1", "(B.32)-(B.36)", "626, 704-742"),
    statement=r"(\tilde\ell_\sigma(W)-\tilde\ell_\sigma(W'))^2\le(\tilde\ell_\sigma(W)+\tilde\ell_\sigma(W'))"
              r"\frac{4B\|Wx-W'x\|_2^2}{\|x\|_2^2\sigma^2}",
    hypotheses=[NO_Q, "cross-entropy truncated at B, c = 2, x != 0"],
    claimed=lambda i, parts: (lambda a, b, s: (a + b) * parts["constant"] * min(i.B, 1e9) * s)(*b1_sides(i)),
    parts={"constant": 4.0},
    scope="the constant is not tested below 4 x 0.39 = 1.55 (largest observed/claimed ratio 0.39, at the "
          "'binding truncation' regime); the band is relative to (l~(W) + l~(W'))^2, so no violation hides in an "
          "absolute band when both sides are ~1e-8",
    checks=[Relation(observed=lambda i: (lambda a, b, s: (a - b) ** 2)(*b1_sides(i)), space=binary_models,
                     relation="<=", instances=40, tolerance=RELATIVE_INNER_TOL,
                     scale=lambda i: (lambda a, b, s: (a + b) ** 2)(*b1_sides(i)),
                     label="l~ by grid + scalar search")],
    mutants=[mutant("constant 1", "4 -> 1 (the proof's 4 comes from the tight Claim B.7)", constant=1.0),
             mutant("B dropped", "no truncation level on the right",
                    claimed=lambda i: (lambda a, b, s: (a + b) * 4 * min(i.B, 1.0) * s)(*b1_sides(i)))],
    depends_on=["explicit-implicit/claim-B.7"],
    tags=["generalization"],
)


def b3_sides(i):
    """(||l~(W) - l~(W_bar)||_{L2(P_n)}, r, eps) on the n = 5 points of the instance."""
    a = np.array([lt(i, i.W, x, y) for x, y in zip(i.X, i.Y)])
    b = np.array([lt(i, i.W2, x, y) for x, y in zip(i.X, i.Y)])
    eps = max(np.linalg.norm((i.W - i.W2) @ x) / np.linalg.norm(x) for x in i.X)
    return float(np.sqrt(np.mean((a - b) ** 2))), float(max(a.mean(), b.mean())), float(eps)


claim_b3 = declare(
    "explicit-implicit/claim-B.3",
    untested={
        'claimed': 'loose bound (the proof chains Claim B.1 with a max): not tested below its observed tightness',
        'constant': 'constant 8 not tested below its observed tightness (the chain through Claim B.1 loses a factor >= 2.5)'},
    title="an eps-cover of {W x_i / ||x_i||} is a sqrt(8Br) eps / sigma cover of the loss class",
    source=Source(SEED, "Claim B.3", "(B.20)-(B.23)", "641-657"),
    statement=r"\|\tilde\ell_\sigma(W)-\tilde\ell_\sigma(\bar W)\|_{L_2(P_n)}\le\frac{\sqrt{8Br}}{\sigma}\epsilon,\ "
              r"\epsilon=\max_i\frac{\|Wx_i-\bar Wx_i\|}{\|x_i\|},\ r\ge\mathbb E_{P_n}\tilde\ell_\sigma(W),\mathbb E_{P_n}\tilde\ell_\sigma(\bar W)",
    hypotheses=[NO_Q, "cross-entropy truncated at B, c = 2, n = 5 points",
                "the log-covering number itself follows from Claim B.2 (not checkable: existence of a cover)"],
    scope="the key step (B.21)-(B.23) of the proof, with the maximum inside the square root as (B.22) needs",
    claimed=lambda i, parts: (lambda dist, r, eps: math.sqrt(parts["constant"] * min(i.B, 1e9) * r) * eps / i.sigma)(
        *b3_sides(i)),
    parts={"constant": 8.0},
    checks=[Relation(observed=lambda i: b3_sides(i)[0], space=binary_models, relation="<=", instances=24,
                     tolerance=Tolerance(rtol=1e-8, atol=0.0, principle="inner max over t to relative 1e-9 of l~ "
                                         "(x10), relative to the size of the perturbed losses (no absolute floor)"),
                     scale=lambda i: b3_sides(i)[1], label="l~ by grid + scalar search")],
    mutants=[mutant("sqrt(2Br)", "constant 8 -> 2", constant=2.0)],
    depends_on=["explicit-implicit/claim-B.1"],
    tags=["generalization"],
)


# --- claim-B.6 and lemma-B.3: minimising G -------------------------------------------------------------

def minimise_over_log(f, lo=-40.0, hi=40.0) -> float:
    """min over beta = e^s, s in [lo, hi], of f(s): a grid, then a bounded scalar search."""
    grid = np.linspace(lo, hi, 1601)
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.array([f(s) for s in grid])
    k = int(np.nanargmin(values))
    res = minimize_scalar(f, bounds=(grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]), method="bounded",
                          options={"xatol": 1e-10})
    return float(min(res.fun, values[k]))


def g_b6(a1, a2):
    return lambda s: a1 * safe_tail(math.exp(s)) + a2 * math.exp(-2 * s)


# The "<~" constant that the proof of Claim B.6 yields: case 1 (a1 > a2) gives 2 sqrt(a1 a2); case 3 gives
# a2/L^2 + 4 a2/(L+2)^2 <= 6 a2/(L^2+1) (L = log(a2/a1) >= 1); case 2 leaves a2/a1 <= K0 = e^12 (where the
# case-3 conditions first hold, with log in place of log^2) and beta = 1 gives (e - 2 + K0)/sqrt(K0) sqrt(a1 a2).
K0 = math.exp(12.0)
C_B6 = max(2.0, 6.0, (math.e - 2 + K0) / math.sqrt(K0))


def b6_rhs(a1, a2, power=2):
    return math.sqrt(a1 * a2) + a2 / (abs(math.log(a2 / a1)) ** power + 1)


def _b6_space(d) -> dict:
    if d.regime == "a2 >> a1":
        a1 = d.log_uniform(1e-12, 1e-6)
        return {"a1": a1, "a2": a1 * d.log_uniform(1e14, 1e20)}
    return {"a1": d.log_uniform(1e-12, 1e12), "a2": d.log_uniform(1e-12, 1e12)}


b6_instances = Space(_b6_space, regimes=("typical", "a2 >> a1"), description="a1, a2 log-uniform in [1e-12, 1e12]")
MIN_TOL = solver_tolerance(1e-9, what="grid + bounded scalar search on log beta")


def _case_space(lo: float, hi: float, edge: float, name: str):
    """Instances of one case of the proof: log(a2/a1) in [lo, hi] (a1 log-uniform), plus the region's edge."""
    def draw(d) -> dict:
        a1 = d.log_uniform(1e-6, 1e6)
        L = edge if d.regime == "edge" else d.uniform(lo, hi)
        return {"a1": a1, "a2": a1 * math.exp(L)}
    return Space(draw, regimes=("typical", "edge"), description=f"{name}: log(a2/a1) in [{lo:g}, {hi:g}]")


case1_instances = _case_space(-30.0, 0.0, 0.0, "case 1, a1 >= a2")
case2_instances = _case_space(0.0, 12.0, 12.0, "case 2, 1 <= a2/a1 <= e^12")
case3_instances = _case_space(12.0, 40.0, 12.0, "case 3, a2/a1 >= e^12")


def normalised_min(L: float, sampler=None) -> float:
    """min_beta G / a2 with a1/a2 = e^-L, in a form that stays in float range for L up to 1e6:
    e^{beta - L} - (beta + 1) e^{-L} + beta^-2."""
    return minimise_over_log(lambda s: math.exp(math.exp(s) - L) - (math.exp(s) + 1) * math.exp(-L)
                             + math.exp(-2 * s) if math.exp(s) - L < 700 else 1e300, -10.0, 20.0)


def _case(name):
    return lambda i, parts: parts[name] * {"case1": math.sqrt(i.a1 * i.a2), "case2": math.sqrt(i.a1 * i.a2),
                                           "case3": i.a2 / (math.log(i.a2 / i.a1) ** parts["log_power"] + 1)}[name]


claim_b6 = declare(
    "explicit-implicit/claim-B.6",
    untested={
        'claimed': "C = 403 from the proof's loosest case: observed tightness 0.007, not tested below 0.007 C",
        'case1': 'case-1 constant 2 not tested below 2 x 0.86 (the sharp limit is sqrt 2 as a2/a1 -> 0)',
        'case2': 'case-2 constant 403 not tested below 403 x 0.03 (observed sup of min/sqrt(a1 a2) on the region ~10.9)',
        'case3': 'case-3 constant 6 not tested below 6 x 0.65 (tightest at a2/a1 = e^12; the sharp limit is 1 as a2/a1 -> inf)',
        'case1_side': 'see case1',
        'case2_side': 'see case2',
        'case3_side': 'see case3'},
    title="min_beta a1 (e^beta - beta - 1) + a2/beta^2 <~ sqrt(a1 a2) + a2/(log^2(a2/a1) + 1)",
    source=Source(SEED, "Claim B.6", "(B.51)-(B.52), (B.63)-(B.65)", "837-845, 895-907"),
    statement=r"\min_{\beta>0}a_1(e^\beta-\beta-1)+\frac{a_2}{\beta^2}\le C\Big(\sqrt{a_1a_2}+\frac{a_2}{\log^2\frac{a_2}{a_1}+1}\Big)",
    hypotheses=[NO_Q, "a1, a2 > 0 (positivity implicit in the seed)"],
    scope=f"'<~' made explicit with the constant the seed's proof yields, C = {C_B6:.1f} (case 2 is the loose one). "
          "Each case of the proof is checked on its own region with its own constant: case 1 (a1 >= a2) 2 sqrt(a1 a2), "
          "case 2 (1 <= a2/a1 <= e^12) (e - 2 + e^12)/e^6 sqrt(a1 a2), case 3 (a2/a1 >= e^12) 6 a2/(log^2 + 1); and the "
          "rate separately: log(min G / a2) against log log(a2/a1) has slope -2 for a2/a1 = e^L, L in [1e4, 1e6]. "
          "Constants not tested below: C 0.007 C (observed tightness 0.007), case 1 0.86 x 2, case 2 0.03 x 403, "
          "case 3 0.65 x 6; the exponent 2 of the log is tested to +-0.05.",
    claimed=lambda i, parts: C_B6 * b6_rhs(i.a1, i.a2, parts["log_power"]),
    parts={"log_power": 2.0, "rate_exponent": -2.0, "case1": 2.0, "case2": (math.e - 2 + K0) / math.sqrt(K0), "case3": 6.0,
           "case1_side": _case("case1"), "case2_side": _case("case2"), "case3_side": _case("case3")},
    checks=[Relation(observed=lambda i: minimise_over_log(g_b6(i.a1, i.a2)), space=b6_instances, relation="<=",
                     instances=60, tolerance=MIN_TOL, label="numerical minimum over beta"),
            *[Relation(observed=lambda i: minimise_over_log(g_b6(i.a1, i.a2)), space=space, claimed=f"case{k}_side",
                       relation="<=", instances=20, tolerance=MIN_TOL, label=f"case {k} of the proof on its region")
              for k, space in ((1, case1_instances), (2, case2_instances), (3, case3_instances))],
            Rate(points=tuple(np.geomspace(1e4, 1e6, 7)), measure=normalised_min, claimed="rate_exponent",
                 slope_tolerance=0.02, slope_principle="lower-order log log terms: min G/a2 = (1 + O(log L / L)) / L^2, "
                 "bending the slope by < 0.005 over L in [1e4, 1e6]", resolution=0.05,
                 label="the rate: min G / a2 against L = log(a2/a1), log-log slope")],
    mutants=[
        mutant("log^4", "a2/(log^4(a2/a1) + 1)", log_power=4.0),
        mutant("log^3", "a2/(log^3(a2/a1) + 1) (issue 12: passed the single loose-constant check)", log_power=3.0),
        mutant("rate log^-3", "min G decaying like a2/log^3(a2/a1)", rate_exponent=-3.0),
        mutant("sqrt(a1 a2) only", "the second term dropped", claimed=lambda i: C_B6 * math.sqrt(i.a1 * i.a2)),
    ],
    tags=["generalization"],
)


def _g_space(d) -> dict:
    lu = lambda: d.log_uniform(1e-4, 1e4)  # noqa: E731
    if d.regime == "mu dominates":  # G1 + G3 decides the minimum: the first term of Lemma B.3 is needed
        return {"mu": d.log_uniform(1e9, 1e11), "nu": 1e-30, "A": 1e-4, "B": 1.0, "kappa": 1.0,
                "n": int(d.log_uniform(1e4, 1e7)), "c": 10, "alpha": d.choice((0.1, 1.0, 100.0)),
                "tau": d.choice((0.5, TAU_CE, 3.0)), "beta_star": d.uniform(0.0, 1.0)}
    return {"mu": lu(), "nu": lu(), "A": lu(), "B": lu(), "kappa": lu(), "n": int(d.log_uniform(10, 1e7)),
            "c": int(d.log_uniform(2, 1e4)), "alpha": d.choice((0.1, 1.0, 100.0)),
            "tau": d.choice((0.5, TAU_CE, 3.0)), "beta_star": d.uniform(0.0, 1.0)}


g_instances = Space(_g_space, regimes=("typical", "mu dominates"), description="mu, nu, A, B, kappa log-uniform in [1e-4, 1e4], n <= 1e7, c <= 1e4")


def safe_tail(z: float) -> float:
    """e^z - z - 1, +inf beyond float range (G is then minimised elsewhere)."""
    return math.expm1(z) - z if z < 700 else math.inf


def g_terms(i):
    """(G1, G2, G3) of (B.7) as functions of beta (with tau beta kappa in the tail, as in (B.13))."""
    k1, k2 = 1 + 1 / i.alpha, 1 + i.alpha
    L3 = math.log(i.n * i.c) ** 3
    return (lambda b: b * k1 * i.mu * i.kappa,
            lambda b: k1 * i.nu * safe_tail(i.tau * b * i.kappa) / i.tau**2,
            lambda b: k2 * i.B * i.A**2 * L3 / (b**2 * i.n))


def g_total(i):
    g1, g2, g3 = g_terms(i)
    return lambda s: g1(math.exp(s)) + g2(math.exp(s)) + g3(math.exp(s))


def b3_rhs(i, first_weight=1.0, log_power=2.0):
    k1, k2 = 1 + 1 / i.alpha, 1 + i.alpha
    theta = math.log(i.n * i.c) ** 3 * i.kappa**2
    t1 = k1 ** (2 / 3) * k2 ** (1 / 3) * (theta * i.B) ** (1 / 3) * (i.A * i.mu) ** (2 / 3) / i.n ** (1 / 3) * first_weight
    t2 = i.A * math.sqrt(i.nu * k1 * k2 * theta * i.B / i.n)
    big = k2 * i.B * i.A**2 * theta * i.tau**2 / i.n
    t3 = big / (math.log(big * i.tau**2 / (k1 * i.nu)) ** log_power + 1)
    return t1 + t2 + t3


def b3_third_term(i, log_power=2.0) -> float:
    k1, k2 = 1 + 1 / i.alpha, 1 + i.alpha
    big = k2 * i.B * i.A**2 * math.log(i.n * i.c) ** 3 * i.kappa**2 * i.tau**2 / i.n
    return big / (math.log(big * i.tau**2 / (k1 * i.nu)) ** log_power + 1)


def _tail_dominated(d) -> dict:
    """mu ~ 0 and nu small: min G is Claim B.6's case 3 with a1 = (1+1/alpha) nu / tau^2, a2 = the third term's
    numerator, log(a2/a1) = L in [12, 40] (edge 12, where case 3's constant is tightest)."""
    inst = {"mu": 1e-30, "A": d.log_uniform(0.1, 10.0), "B": d.log_uniform(0.1, 10.0), "kappa": d.log_uniform(0.1, 10.0),
            "n": int(d.log_uniform(10, 1e6)), "c": int(d.log_uniform(2, 1e3)), "alpha": d.choice((0.1, 1.0, 100.0)),
            "tau": d.choice((0.5, TAU_CE, 3.0)), "beta_star": 0.5}
    k1, k2 = 1 + 1 / inst["alpha"], 1 + inst["alpha"]
    big = k2 * inst["B"] * inst["A"] ** 2 * math.log(inst["n"] * inst["c"]) ** 3 * inst["kappa"] ** 2 * inst["tau"] ** 2 / inst["n"]
    L = 12.0 if d.regime == "edge" else d.uniform(12.0, 40.0)
    inst["nu"] = big * inst["tau"] ** 2 * math.exp(-L) / k1
    return inst


tail_dominated = Space(_tail_dominated, regimes=("typical", "edge"),
                       description="mu ~ 0, log(third term's log argument) in [12, 40]: the third term decides")


C_B3 = max(3 / 2 ** (2 / 3), C_B6)  # (B.56) + exact min of a beta + b/beta^2 + Claim B.6

lemma_b3 = declare(
    "explicit-implicit/lemma-B.3",
    untested={
        'claimed': "C = 403 from the proof's steps: observed tightness ~0.007, not tested below 0.007 C",
        'case3': 'third-term constant 6 not tested below 6 x 0.65 (the log power is: log^2.2 and log^3 are refuted)',
        'third_term_side': 'see case3'},
    title="min_beta G_{W,alpha}(beta) <~ the three terms of Theorem B.1",
    source=Source(SEED, "Lemma B.3", "(B.8)-(B.9), (B.55)-(B.61)", "542-550, 847-893"),
    statement=r"\min_\beta G_{W,\alpha}(\beta)\le C\Big(\tfrac{(1+\frac1\alpha)^{2/3}(1+\alpha)^{1/3}(\theta B)^{1/3}(A\mu)^{2/3}}{n^{1/3}}"
              r"+\tfrac{A\sqrt{\nu(1+\alpha)(1+\frac1\alpha)\theta B}}{\sqrt n}+\tfrac{(1+\alpha)BA^2\theta\tau^2}"
              r"{n(\log^2\frac{(1+\alpha)BA^2\theta\tau^4}{n(1+1/\alpha)\nu}+1)}\Big)",
    hypotheses=[NO_Q, "theta = kappa^2 log^3(nc); G as in (B.7) with the tail e^{tau beta kappa} - tau beta kappa - 1"],
    scope=f"'<~' made explicit: C = max(3/2^(2/3), C_B6) = {C_B3:.1f}, the constant of the proof's steps (observed "
          "tightness ~0.007: C is not tested below 0.007 C). The third term is checked alone where it decides the "
          "minimum (mu ~ 0, log argument e^12..e^40) with Claim B.6's case-3 constant 6 (tightness 0.65 at e^12), "
          "so its log^2 is tested: log^2.2 is refuted there.",
    claimed=lambda i, parts: C_B3 * b3_rhs(i, log_power=parts["log_power"]),
    parts={"log_power": 2.0, "case3": 6.0,
           "third_term_side": lambda i, parts: parts["case3"] * b3_third_term(i, parts["log_power"])},
    checks=[Relation(observed=lambda i: minimise_over_log(g_total(i), -60.0, 60.0), space=g_instances,
                     relation="<=", instances=60, tolerance=MIN_TOL, label="numerical minimum over beta"),
            Relation(observed=lambda i: minimise_over_log(g_total(i), -60.0, 60.0), space=tail_dominated,
                     claimed="third_term_side", relation="<=", instances=20, tolerance=MIN_TOL,
                     label="third term alone, with Claim B.6's case-3 constant 6, where it decides the minimum")],
    mutants=[mutant("first term dropped", "only the nu-terms (fails when mu dominates)",
                    claimed=lambda i, parts: C_B3 * b3_rhs(i, first_weight=0.0)),
             mutant("log^3", "log^3 in the third term (issue 12: passed the loose-constant check)", log_power=3.0)],
    depends_on=["explicit-implicit/claim-B.6"],
    tags=["generalization"],
)


def grid_ratio(i):
    """G(beta_bar)/G(beta*), beta_bar the largest grid point beta_j <= beta* (proof of Lemma B.2, rho = 1)."""
    beta0 = i.A * math.log(i.n * i.c) ** 1.5 / math.sqrt(i.n)
    J = math.ceil(math.log(math.sqrt(i.n)))
    s_star = math.log(beta0) + i.beta_star * J
    s_bar = math.log(beta0) + math.floor(i.beta_star * J)
    G = g_total(i)
    return G(s_bar) / G(s_star)


def _grid_top(i) -> float:
    beta0 = i.A * math.log(i.n * i.c) ** 1.5 / math.sqrt(i.n)
    return beta0 * math.exp(math.ceil(math.log(math.sqrt(i.n))))


# G must be finite on the whole grid (e^{tau beta kappa} within float range)
grid_instances = Space(_g_space, require=lambda i: i.tau * _grid_top(i) * i.kappa < 700,
                       description=g_instances.description + ", tau beta_J kappa < 700")

def _g3_dominated(d) -> dict:
    """mu, nu ~ 0 so G = G3 proportional to beta^-2, and beta* just below the next grid point
    (frac(beta* J) in [0.97, 0.999]): G(beta_bar)/G(beta*) = e^{2 frac} is within 6 % of e^2."""
    inst = {"mu": 1e-30, "nu": 1e-30, "A": d.log_uniform(1e-2, 1e2), "B": d.log_uniform(0.1, 10.0),
            "kappa": d.log_uniform(0.1, 10.0), "n": int(d.log_uniform(100, 1e7)), "c": int(d.log_uniform(2, 1e3)),
            "alpha": d.choice((0.1, 1.0, 100.0)), "tau": d.choice((0.5, TAU_CE, 3.0))}
    J = math.ceil(math.log(math.sqrt(inst["n"])))
    j = d.integer(0, J - 1) if d.regime != "last cell" else J - 1
    inst["beta_star"] = (j + d.uniform(0.97, 0.999)) / J
    return inst


g3_dominated = Space(_g3_dominated, regimes=("typical", "last cell"), require=lambda i: i.tau * _grid_top(i) * i.kappa < 700,
                     description="G = G3 (mu, nu ~ 0), beta* just below a grid point: the grid factor e^2 is attained")

lemma_b2 = declare(
    "explicit-implicit/lemma-B.2",
    title="generalization of the truncated loss through min_beta G_{W,alpha}(beta)",
    source=Source(SEED, "Lemma B.2", "(B.6)-(B.7), (B.14)-(B.19)", "528-538, 586-611"),
    statement=r"\mathbb E_P\bar\ell\le(1+\tfrac1\alpha)\mathbb E_{P_n}\bar\ell+\rho'\Big(\min_{\beta>0}G_{W,\alpha}(\beta)"
              r"+(1+\alpha)\tfrac{B(\log1/\delta+\log\log n)}n\Big);\ \text{key step: }G(\bar\beta)\le e^2G(\beta^\star)",
    hypotheses=[NO_Q, "G1, G2 increasing, G3 proportional to beta^-2; grid beta_j = beta_0 e^j, j <= ceil(log sqrt n)"],
    scope="the grid step of the proof: for beta* in [beta_0, beta_J] the grid point beta_bar in [beta*/e, beta*] "
          "has G(beta_bar) <= e^2 G(beta*); the high-probability statement (universal rho') is not checkable",
    claimed=lambda i: math.e**2,
    checks=[Relation(observed=grid_ratio, space=grid_instances, relation="<=", instances=60,
                     tolerance=float_tolerance(100, what="a few exp/log"), label="random coefficients and beta*"),
            Relation(observed=grid_ratio, space=g3_dominated, relation="<=", instances=20,
                     tolerance=float_tolerance(100, what="a few exp/log"),
                     label="G = G3 and beta* just below a grid point: ratio within 6 % of e^2")],
    mutants=[mutant("ratio e", "the grid factor e (forgets the square of G3)", claimed=lambda i: math.e)],
    depends_on=["explicit-implicit/lemma-B.4", "explicit-implicit/lemma-B.5"],
    tags=["generalization"],
)


# --- lemma-B.4, claims B.2 and B.4: constants of the covering / Dudley argument -------------------------

def sym_positive(names):
    return {n: sp.Symbol(n, positive=True) for n in names}


def fixed_point(i):
    """The nonzero root r* of psi(r) = r, psi(r) = 3500 A sqrt(B r log^3(35 n c)) / (sigma sqrt n)."""
    r = sp.Symbol("r", positive=True)
    psi = 3500 * i.A * sp.sqrt(i.B * r * sp.log(35 * i.n * i.c) ** 3) / (i.sigma * sp.sqrt(i.n))
    return sp.solve(sp.Eq(psi, r), r)[0]


lemma_b4 = declare(
    "explicit-implicit/lemma-B.4",
    title="local-Rademacher generalization of the perturbed loss l~_sigma",
    source=Source(SEED, "Lemma B.4", "(B.12), (B.24), (B.31)", "570-575, 691-704"),
    statement=r"\mathbb E_P\tilde\ell_\sigma\le(1+\tfrac1\alpha)\mathbb E_{P_n}\tilde\ell_\sigma+\rho(1+\alpha)B\Big("
              r"\tfrac{A^2\log^3(nc)}{\sigma^2n}+\tfrac{\log1/\delta+\log\log n}n\Big);\ "
              r"r^\star=\tfrac{3500^2A^2B\log^3(35nc)}{\sigma^2n}",
    hypotheses=[NO_Q, "Claim B.4's Rademacher bound psi(r); Bousquet's local Rademacher theorem (cited)"],
    scope="the checkable steps: the fixed point r* of psi (the seed's 'r* <= BA^2 log^3(nc)/(sigma^2 n)' drops "
          "3500^2 and uses log(nc) for log(35nc), harmless inside rho for nc >= 2) and the AM-GM step (B.31)",
    claimed=lambda i: 3500**2 * i.A**2 * i.B * sp.log(35 * i.n * i.c) ** 3 / (i.sigma**2 * i.n),
    parts={"amgm": lambda i: sp.Rational(1, 2) * (sp.sqrt(i.E / i.alpha) - sp.sqrt(i.alpha * i.X)) ** 2},
    checks=[
        Symbolic(observed=fixed_point, symbols=lambda: sym_positive(("A", "B", "n", "c", "sigma")),
                 label="nonzero root of psi(r) = r"),
        Symbolic(observed=lambda i: i.E / (2 * i.alpha) + i.alpha * i.X / 2 - sp.sqrt(i.E * i.X), claimed="amgm",
                 symbols=lambda: sym_positive(("E", "X", "alpha")), label="(B.31): the AM-GM gap is a square"),
    ],
    mutants=[mutant("printed r* constant", "B A^2 log^3(35nc)/(sigma^2 n): the seed's r* without 3500^2",
                    claimed=lambda i: i.A**2 * i.B * sp.log(35 * i.n * i.c) ** 3 / (i.sigma**2 * i.n))],
    depends_on=["explicit-implicit/claim-B.4"],
    tags=["generalization"],
)

claim_b2 = declare(
    "explicit-implicit/claim-B.2",
    title="data-dependent cover of {W x_i} under ||W'||_{2,1} <= A: the (B.38)-(B.43) arithmetic",
    source=Source(SEED, "Claim B.2", "(B.37)-(B.48)", "630-637, 744-812"),
    statement=r"\log|\bar{\mathcal W}_\epsilon|\le1152\lceil4A^2/\epsilon^2\rceil(\log_2(2\lceil16A/\epsilon+2\rceil n+1)+\log c);"
              r"\ \epsilon'=\epsilon\sqrt{|v_j|/(4\|v\|_1)}:\ \frac{144a^2}{\epsilon'^2}=\frac{576|v_j|\|v\|_1}{\epsilon^2},"
              r"\ \frac{4a}{\epsilon'}=\frac{8\sqrt{|v_j|\|v\|_1}}{\epsilon}",
    hypotheses=[NO_Q, "Zhang (2002, Thm 4) for the per-row covers; Maurey's lemma for the l1 ball (cited)"],
    scope="the existence of the cover is cited; the substitution (B.38)-(B.41) that produces the constants "
          "is checked (a = |v_j|, L = ||v||_1)",
    claimed=lambda i: [576 * i.a * i.L / i.eps**2, 8 * sp.sqrt(i.a * i.L) / i.eps],
    checks=[Symbolic(observed=lambda i: [144 * i.a**2 / (i.eps * sp.sqrt(i.a / (4 * i.L))) ** 2,
                                         4 * i.a / (i.eps * sp.sqrt(i.a / (4 * i.L)))],
                     symbols=lambda: sym_positive(("a", "L", "eps")), label="sympy substitution")],
    mutants=[mutant("288", "constant 576 halved", claimed=lambda i: [288 * i.a * i.L / i.eps**2,
                                                                     8 * sp.sqrt(i.a * i.L) / i.eps])],
    tags=["generalization"],
)


def _nc(d) -> dict:
    if d.regime == "n = 1, c = 2":
        return {"n": 1, "c": 2}
    return {"n": int(d.log_uniform(1, 1e9)), "c": int(d.log_uniform(2, 1e6))}


nc_instances = Space(_nc, regimes=("typical", "n = 1, c = 2"), description="n in [1, 1e9], c in [2, 1e6]")
# Dudley's constant with the ceiling ceil(4A^2/eps^2) <= 8A^2/eps^2 kept (the seed drops it: 680 for 960)
DUDLEY = 10 * math.sqrt(1152 * 8)


def dudley_sum(i):
    L = math.log(35 * i.n * i.c)
    return math.sqrt(128) + DUDLEY * math.sqrt(24 * L) * math.log(2 * math.sqrt(i.n))


claim_b4 = declare(
    "explicit-implicit/claim-B.4",
    untested={
        'claimed': "the constant chain is loose: Dudley's sum is at most 0.23 of 3500 log^{3/2}(35nc); not tested below that"},
    title="Rademacher complexity of the loss class: 3500 A sqrt(B r log^3(35nc)) / (sigma sqrt n)",
    source=Source(SEED, "Claim B.4", "(B.24)-(B.30)", "663-689"),
    statement=r"\hat{\mathfrak R}(\hat{\mathcal L}_\sigma(r))\le\frac{3500A\sqrt{Br\log^3(35nc)}}{\sigma\sqrt n};\ "
              r"\sqrt{128}+960\sqrt{24\log(35nc)}\log(2\sqrt n)\le3500\log^{3/2}(35nc)",
    hypotheses=[NO_Q, "Claim B.3's covering numbers; Dudley's integral (Srebro et al. 2010, Lemma A.1)"],
    scope="the final constant chain in units of A sqrt(Br)/(sigma sqrt n), with Dudley's constant 960 "
          "(the seed's 680 = 10 sqrt(1152 x 4) drops the ceiling; 3500 still holds)",
    claimed=lambda i: 3500 * math.log(35 * i.n * i.c) ** 1.5,
    checks=[Relation(observed=dudley_sum, space=nc_instances, relation="<=", instances=60,
                     tolerance=float_tolerance(20, what="a few logs"), label="log-grid of (n, c)")],
    mutants=[mutant("350", "constant 3500 -> 350", claimed=lambda i: 350 * math.log(35 * i.n * i.c) ** 1.5),
             mutant("log(nc)", "log^3(nc) for log^3(35nc)", claimed=lambda i: 3500 * math.log(i.n * i.c) ** 1.5)],
    depends_on=["explicit-implicit/claim-B.3"],
    tags=["generalization"],
)


# --- theorem-B.1, theorem-4.1: assembling the bound ------------------------------------------------

def log_ratio_sup(factor: float) -> float:
    """sup_X (log^2(factor X) + 1)/(log^2 X + 1) = largest eigenvalue of [[1, a], [a, a^2 + 1]], a = log factor."""
    a = math.log(factor)
    return ((a * a + 2) + a * math.sqrt(a * a + 4)) / 2


def _x_space(factor):
    def draw(d) -> dict:
        a = math.log(factor)
        if d.regime == "near the maximiser":
            vals, vecs = np.linalg.eigh(np.array([[1.0, a], [a, a * a + 1]]))
            u = vecs[0, 1] / vecs[1, 1]
            return {"X": math.exp(u + d.uniform(-1e-3, 1e-3)), "factor": factor}
        return {"X": math.exp(d.uniform(-30.0, 30.0)), "factor": factor}
    return Space(draw, regimes=("typical", "near the maximiser"), description="X = e^u, u in [-30, 30]")


def log_ratio(i):
    return (math.log(i.factor * i.X) ** 2 + 1) / (math.log(i.X) ** 2 + 1)


theorem_b1 = declare(
    "explicit-implicit/theorem-B.1",
    title="generalization bound for convex losses with the exponential-tail condition (B.1)",
    source=Source(SEED, "Theorem B.1", "(B.1)-(B.5)", "497-516, 554"),
    statement=r"\mathbb E_P\bar\ell-1.01\,\mathbb E_{P_n}\bar\ell\lesssim\frac{(A\mu)^{2/3}(\theta B)^{1/3}}{n^{1/3}}"
              r"+\frac{A\sqrt{\theta\nu B}}{\sqrt n}+\frac{BA^2\theta\tau^2}{n(\log^2\frac{BA^2\theta\tau^4}{n\nu}+1)}"
              r"+\frac{B(\log1/\delta+\log\log n)}n",
    hypotheses=[NO_Q, "l(., y) convex with (B.1); ||W'||_{2,1} <= A; universal constant in <~"],
    scope="the assembly 'Lemma B.2 + Lemma B.3 with alpha = 100': 1 + 1/alpha = 1.01, (1+alpha)/(1+1/alpha) = 100, "
          "and the log argument 100 X absorbed into a constant: (log^2(100X)+1)/(log^2 X+1) <= sup(log 100)",
    claimed=lambda i: log_ratio_sup(100.0),
    parts={"alpha_factors": lambda i: [sp.Rational(101, 100), 100]},
    checks=[
        Symbolic(observed=lambda i: [1 + 1 / i.alpha, (1 + i.alpha) / (1 + 1 / i.alpha)], claimed="alpha_factors",
                 symbols=lambda: {"alpha": sp.Integer(100)}, label="alpha = 100"),
        Relation(observed=log_ratio, space=_x_space(100.0), relation="<=", instances=40,
                 tolerance=float_tolerance(20, what="two logs"), label="the log-argument change"),
    ],
    mutants=[mutant("1.1", "alpha = 10 (factor 1.1)", alpha_factors=lambda i: [sp.Rational(11, 10), 100]),
             mutant("sup(log 10)", "the absorbed constant for a factor 10", claimed=lambda i: log_ratio_sup(10.0))],
    depends_on=["explicit-implicit/lemma-B.2", "explicit-implicit/lemma-B.3"],
    tags=["generalization"],
)

theorem_41 = declare(
    "explicit-implicit/theorem-4.1",
    title="generalization bound for cross-entropy on linear models in terms of loss derivatives",
    source=Source(SEED, "Theorem 4.1", "(4.7)", "226-246", also="proof l. 524 (Theorem B.1 with tau = sqrt 2)"),
    statement=r"\mathbb E_P\overline{\ell^{\rm ce}_y}(Wx)-1.01\,\mathbb E_{P_n}\overline{\ell^{\rm ce}_y}(Wx)\lesssim"
              r"\frac{(A\mu(W))^{2/3}(\theta B)^{1/3}}{n^{1/3}}+\frac{A\sqrt{B\nu(W)\theta}}{\sqrt n}"
              r"+\frac{BA^2\theta}{n(\log^2(\frac{BA^2\theta}{\nu(W)n})+1)}+\zeta",
    hypotheses=[NO_Q, "||W'||_{2,1} <= A, theta = log^3(nc) max_i ||x_i||^2, universal constant in <~"],
    scope="Theorem B.1 with tau = sqrt 2 (Lemma B.1): the third term's tau^2 = 2 and the log argument 4X "
          "(tau^4 = 4) are absorbed: (log^2(4X)+1)/(log^2 X+1) <= sup(log 4); the uniform high-probability "
          "bound itself has an unspecified constant",
    claimed=lambda i: log_ratio_sup(4.0),
    checks=[Relation(observed=log_ratio, space=_x_space(4.0), relation="<=", instances=40,
                     tolerance=float_tolerance(20, what="two logs"), label="tau = sqrt 2 substituted")],
    mutants=[mutant("tau^2 in the log", "log argument 2X (tau^2 for tau^4)", claimed=lambda i: log_ratio_sup(2.0))],
    depends_on=["explicit-implicit/theorem-B.1", "explicit-implicit/lemma-B.1"],
    tags=["generalization"],
)


def _aligned(d) -> dict:
    c, dim, c_prime = 20, d.integer(2, 6), d.integer(1, 10)
    W = np.zeros((c, dim))
    rows = d.normal(c_prime, dim)
    W[:c_prime] = d.log_uniform(0.1, 30.0) * rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return {"W": W, "c_prime": c_prime}


aux_b4_discussion = declare(
    "explicit-implicit/aux-B4-discussion",
    title="well-aligned case: ||W'||_{2,1} = sqrt(c') ||W||_F (App. B.4)",
    source=Source(SEED, "App. B.4 (unnumbered)", "", "964-968", also="§4.3 l. 246"),
    statement=r"W\text{ with }c'\text{ nonzero rows of equal norm}\Rightarrow\|W^\top\|_{2,1}=\sqrt{c'}\|W\|_F;"
              r"\ \text{third term }O(Bc'^2\log^3(nc)/n)",
    hypotheses=[NO_Q, "||x_i|| = 1, 1 - p_y ~ exp(-||W||_F / sqrt c') (heuristic)"],
    scope="the norm identity; the O(B c'^2 log^3(nc)/n) size of the third term is heuristic (log of a mean vs "
          "mean of logs) and the main text's O(B log^3(nc)/n) drops the c'^2",
    claimed=lambda i: math.sqrt(i.c_prime) * np.linalg.norm(i.W),
    checks=[Relation(observed=lambda i: np.linalg.norm(i.W, axis=1).sum(), space=Space(_aligned), instances=30,
                     tolerance=float_tolerance(40, what="sum of <= 10 norms"), label="random aligned W")],
    mutants=[mutant("c' ||W||_F", "the square root forgotten", claimed=lambda i: i.c_prime * np.linalg.norm(i.W))],
    depends_on=["explicit-implicit/theorem-4.1"],
    tags=["generalization"],
)

CLAIMS = [claim_b7, lemma_b1, claim_b5, lemma_b5, claim_b1, claim_b3, claim_b6, lemma_b3, lemma_b2, lemma_b4,
          claim_b2, claim_b4, theorem_b1, theorem_41, aux_b4_discussion]
