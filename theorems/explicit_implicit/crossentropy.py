"""`explicit-implicit` App. E, App. C and §5.2: cross-entropy derivatives and the estimators of R_approx.

Seed 004_e45fe814f3a8977e.txt: App. E (E.1)-(E.4) and Claim E.1 (l. 1083-1113); App. C.1 Claim C.1 and
Algorithm 3 (l. 974-1003); App. C.3 eq. (C.4) (l. 1013-1020); §5.2 (5.1) (l. 288-295). q (the DROP
probability) enters none of these statements: they concern the loss Hessian H_out and the estimators
of R_approx (4.4), which omits the constant 1/2 q/(1-q) by design.
"""
from __future__ import annotations

from itertools import product

import numpy as np
import sympy as sp
import torch

from theorycheck import MonteCarlo, Rate, Relation, Source, Space, Symbolic, declare, float_tolerance, mutant

from .model import ce_gradient, ce_hessian, ce_loss, hessian, jacobian, softmax, t64
from .spaces import confident_logits, logits, three_layer_nets

SEED = "004_e45fe814f3a8977e.txt"
Q_FREE = "q (the DROP probability of this source) plays no role here"


def _is_symbolic(v) -> bool:
    return isinstance(v, np.ndarray) and v.dtype == object


def probabilities(v):
    """softmax(v) on floats or on a numpy object array of sympy symbols."""
    if _is_symbolic(v):
        e = np.array([sp.exp(a) for a in v], dtype=object)
        return e / e.sum()
    return softmax(v)


def loss_hessian(i):
    """D^2_v l_ce_y[v], by sympy (symbolic instance) or autograd."""
    if _is_symbolic(i.v):
        loss = sp.log(sum(sp.exp(a) for a in i.v)) - i.v[i.y]
        return np.array([[sp.diff(loss, a, b) for b in i.v] for a in i.v], dtype=object)
    return hessian(lambda v: ce_loss(v, i.y), i.v)


def loss_gradient(i):
    if _is_symbolic(i.v):
        loss = sp.log(sum(sp.exp(a) for a in i.v)) - i.v[i.y]
        return np.array([sp.diff(loss, a) for a in i.v], dtype=object)
    return jacobian(lambda v: ce_loss(v, i.y), i.v)


def unit(c, k):
    e = np.zeros(c, dtype=int)
    e[k] = 1
    return e


def fisher_by_labels(i, weights):
    """sum_yhat w_yhat (p - e_yhat)(p - e_yhat)' (Claim E.1 with w = p)."""
    p = probabilities(i.v)
    c = len(p)
    return sum(weights(p)[k] * np.outer(p - unit(c, k), p - unit(c, k)) for k in range(c))


def symbolic_logits():
    return {"v": np.array(sp.symbols("v0:3", real=True), dtype=object), "y": 0}


CE_TOL = float_tolerance(200, atol=1e-15, what="softmax and autograd on c <= 10 logits")

aux_ce_derivatives = declare(
    "explicit-implicit/aux-ce-derivatives",
    title="cross-entropy: D l = p - e_y (E.2), D^2 l = diag(p) - p p' (E.4), PSD and label-free",
    source=Source(SEED, "App. E (unnumbered)", "(E.1)-(E.4)", "1083-1102", also="§4.1 l. 181; proof of Lemma B.1"),
    statement=r"D_v\ell^{\rm ce}_y[v]=p(v)-e_y,\qquad D^2_v\ell^{\rm ce}_y[v]=\operatorname{diag}(p)-pp^\top\succeq0"
              r"\quad(\text{printed }D^2_vp[v]\text{ for }D_vp[v])",
    hypotheses=[Q_FREE, "p = softmax(v), any v in R^c, y in [c]"],
    claimed=lambda i: np.diag(probabilities(i.v)) - np.outer(probabilities(i.v), probabilities(i.v)),
    parts={"gradient": lambda i: probabilities(i.v) - unit(len(i.v), i.y), "psd_floor": lambda i: 0.0},
    checks=[
        Symbolic(observed=loss_hessian, symbols=symbolic_logits, label="(E.4), c = 3"),
        Symbolic(observed=loss_gradient, symbols=symbolic_logits, claimed="gradient", label="(E.2), c = 3"),
        Relation(observed=loss_hessian, space=logits, instances=40, tolerance=CE_TOL, scale=lambda i: 1.0,
                 label="(E.4) by autograd, c <= 10"),
        Relation(observed=lambda i: np.linalg.eigvalsh(loss_hessian(i)).min(), space=logits, instances=40,
                 claimed="psd_floor", relation=">=", tolerance=CE_TOL, scale=lambda i: 1.0,
                 label="H_out is PSD"),
    ],
    mutants=[
        mutant("diag p(1-p)", "the off-diagonal -p p' forgotten",
               claimed=lambda i: np.diag(probabilities(i.v) * (1 - probabilities(i.v)))),
        mutant("p + e_y", "sign of the label term", gradient=lambda i: probabilities(i.v) + unit(len(i.v), i.y)),
    ],
    tags=["cross-entropy"],
)


claim_e1 = declare(
    "explicit-implicit/claim-E.1",
    title="the CE Hessian is the expected outer product of the sampled-label gradients",
    source=Source(SEED, "Claim E.1", "(C.1)", "1104-1113", also="used in App. C.1, l. 978"),
    statement=r"D^2\ell^{\rm ce}_y[v]=\mathbb E_{\hat y\sim p(v)}\big[D\ell^{\rm ce}_{\hat y}[v]^\top D\ell^{\rm ce}_{\hat y}[v]\big]",
    hypotheses=[Q_FREE, "any v in R^c, y in [c]"],
    claimed=lambda i: fisher_by_labels(i, lambda p: p),
    checks=[
        Symbolic(observed=loss_hessian, label="c = 2",
                 symbols=lambda: {"v": np.array(sp.symbols("v0:2", real=True), dtype=object), "y": 0}),
        Relation(observed=loss_hessian, space=logits, instances=40, tolerance=CE_TOL, scale=lambda i: 1.0,
                 label="enumerate yhat, autograd Hessian, c <= 10"),
    ],
    mutants=[
        mutant("uniform yhat", "labels sampled uniformly", claimed=lambda i: fisher_by_labels(
            i, lambda p: np.full(len(p), 1 / len(p)))),
        mutant("true label only", "the empirical Fisher D l_y' D l_y",
               claimed=lambda i: np.outer(probabilities(i.v) - unit(len(i.v), i.y),
                                          probabilities(i.v) - unit(len(i.v), i.y))),
    ],
    depends_on=["explicit-implicit/aux-ce-derivatives"],
    tags=["cross-entropy"],
)


# --- aux-Hout-jacobian: "H_out ~ D l' D l when the model is confident" (§5.2) -------------------

def fisher_relative_error(eps: float, sampler=None) -> float:
    """||H_out - D l_y' D l_y||_F / ||H_out||_F at p_y = 1 - eps (fixed c = 5 logits)."""
    rest = np.array([0.4, 0.3, 0.2, 0.1])
    v = np.log(np.insert(eps * rest, 0, 1 - eps))
    g = ce_gradient(v, 0)
    H = ce_hessian(v)
    return float(np.linalg.norm(H - np.outer(g, g)) / np.linalg.norm(H))


def _hout_claim(claim_id, **fields):
    return declare(claim_id, source=Source(SEED, "§5.2 'Using the Loss Jacobian Instead of Hessian' (unnumbered)",
                                           "(5.1)", "288-295", also="App. C.1"),
                   hypotheses=[Q_FREE, "p_y = 1 - eps (confident and correct), c >= 2"], tags=["cross-entropy"],
                   depends_on=["explicit-implicit/claim-E.1"], **fields)


aux_hout_jacobian = _hout_claim(
    "explicit-implicit/aux-Hout-jacobian",
    title="H_out ~ D l' D l when the model predicts the true label confidently",
    statement=r"p_y=1-\epsilon,\ \epsilon\to0:\ \frac{\|H_{\rm out}-D\ell_y^\top D\ell_y\|_F}{\|H_{\rm out}\|_F}=O(\epsilon)"
              r"\ (\text{the reading of 'approximately' under which (5.1) approximates (4.4)})",
    claimed=1.0,
    checks=[Rate(points=tuple(np.geomspace(1e-6, 1e-2, 7)), measure=fisher_relative_error, slope_tolerance=0.05,
                 slope_principle="exact formulas, no sampling; 0.05 covers the O(eps) bend of the sweep",
                 label="relative error of the empirical Fisher as eps -> 0")],
    mutants=[mutant("O(eps^2)", "an even faster claimed approach", claimed=2.0)],
    status="erratum",
    erratum_note="§5.2 says that for a confident model H_out ~ D_F l' D_F l. With p_y = 1 - eps, "
                 "D l_y' D l_y = O(eps^2) while H_out = Theta(eps): the relative error tends to 1, not 0. "
                 "Counterexample: c = 2, p = (1 - eps, eps): H_out = eps(1-eps)[[1,-1],[-1,1]], "
                 "D l' D l = eps^2 [[1,-1],[-1,1]], ratio eps/(1-eps) -> 0. What holds is Claim E.1 "
                 "(the expectation over yhat ~ p) and the corrected bound tr(D l_y' D l_y) <= eps/(1-eps) tr H_out.",
)


def fisher_trace(i):
    g = ce_gradient(i.v, i.y)
    return float(g @ g)


aux_hout_jacobian_corrected = _hout_claim(
    "explicit-implicit/aux-Hout-jacobian-corrected",
    title="the empirical Fisher is smaller than H_out by a factor eps/(1-eps) (tight for c = 2)",
    statement=r"p_y=1-\epsilon\Rightarrow\operatorname{tr}(D\ell_y^\top D\ell_y)\le\tfrac{\epsilon}{1-\epsilon}"
              r"\operatorname{tr}H_{\rm out},\ \text{equality for }c=2",
    claimed=lambda i: i.eps / (1 - i.eps) * float(np.trace(ce_hessian(i.v))),
    corrects="explicit-implicit/aux-Hout-jacobian",
    checks=[Relation(observed=fisher_trace, space=confident_logits, relation="<=", instances=60,
                     tolerance=float_tolerance(100, what="softmax of logs, c <= 10; 1 - p_y cancels, "
                                               "so the relative error is u/eps: band scaled by 1/eps"),
                     scale=lambda i: i.eps / (1 - i.eps) * float(np.trace(ce_hessian(i.v))) / i.eps,
                     label="|p - e_y|^2 = eps^2 + sum_{k != y} p_k^2 <= 2 eps^2, tr H >= 2 eps (1 - eps)")],
    mutants=[
        mutant("eps^2/(1-eps)", "a factor eps too strong", claimed=lambda i: i.eps**2 / (1 - i.eps) * float(
            np.trace(ce_hessian(i.v)))),
        mutant("eps", "the (1 - eps) dropped (fails at c = 2)", claimed=lambda i: i.eps * float(
            np.trace(ce_hessian(i.v)))),
    ],
)


# --- claim-C.1: Algorithm 3 is unbiased for R_approx --------------------------------------------

def layer_jacobians(i):
    """[(J_{F,i}, h_i)] for both hidden layers of the 3-layer net, and the logits F(x)."""
    W2, W3 = t64(i.W2), t64(i.W3)
    h1 = np.tanh(i.W1 @ i.x)
    h2 = np.tanh(i.W2 @ h1)
    J1 = jacobian(lambda h: W3 @ torch.tanh(W2 @ h), h1)
    return [(J1, h1), (i.W3, h2)], i.W3 @ h2


def r_approx(i, hout):
    """(4.4): sum_i <J_i' H J_i, diag(h_i^2)> with H = hout(logits, y)."""
    layers, out = layer_jacobians(i)
    H = hout(out, i.y)
    return float(sum(np.diag(J.T @ H @ J) @ h**2 for J, h in layers))


def per_label_estimates(i):
    """Algorithm 3's value for each sampled label yhat: sum_i J_hat_i diag(h_i^2) J_hat_i'."""
    layers, out = layer_jacobians(i)
    return out, np.array([sum(((ce_gradient(out, k) @ J) ** 2) @ h**2 for J, h in layers) for k in range(len(out))])


def algorithm3_samples(i, n, sampler):
    out, values = per_label_estimates(i)
    cdf = torch.cumsum(sampler.tensor(softmax(out)), 0)
    labels = torch.searchsorted(cdf, sampler.uniform(n) * cdf[-1]).clamp(max=len(values) - 1)
    return sampler.tensor(values)[labels]


claim_c1 = declare(
    "explicit-implicit/claim-C.1",
    title="Algorithm 3 (sample yhat ~ softmax(F(x))) is an unbiased estimate of R_approx",
    source=Source(SEED, "Claim C.1", "(C.1)-(C.3), Algorithm 3", "974-1003"),
    statement=r"\mathbb E_{\hat y\sim p}\Big[\sum_i\hat J_i\operatorname{diag}(h_i^{\odot2})\hat J_i^\top\Big]=R_{\rm approx}(F,x)"
              r"=\sum_i\langle J_{F,i}^\top H_{\rm out}J_{F,i},\operatorname{diag}(h_i^{\odot2})\rangle",
    hypotheses=[Q_FREE + " (R_approx omits 1/2 q/(1-q))", "CE loss, 3-layer tanh net, both hidden layers"],
    claimed=lambda i: r_approx(i, lambda v, y: ce_hessian(v)),
    checks=[
        Relation(observed=lambda i: float(softmax(per_label_estimates(i)[0]) @ per_label_estimates(i)[1]),
                 space=three_layer_nets, instances=30, tolerance=float_tolerance(400, atol=1e-15,
                                                                                 what="c <= 4 labels x widths <= 5"),
                 label="enumerate yhat with weights p"),
        MonteCarlo(sample=algorithm3_samples, space=three_layer_nets, samples=100_000, instances=4,
                   label="Algorithm 3's sampled estimator"),
    ],
    mutants=[
        mutant("uniform yhat", "labels drawn uniformly", claimed=lambda i: float(per_label_estimates(i)[1].mean())),
        mutant("true label (5.1)", "R~_approx with the true label",
               claimed=lambda i: float(per_label_estimates(i)[1][i.y])),
        mutant("identity H_out", "the §5.2/C.3 ablation", claimed=lambda i: r_approx(i, lambda v, y: np.eye(len(v)))),
    ],
    depends_on=["explicit-implicit/claim-E.1"],
    tags=["cross-entropy", "explicit"],
)


# --- aux-eqC.4: Rademacher estimator of the identity-Hessian variant -----------------------------

def sign_expectation(i):
    """E_eps[(eps * h)' J' J (eps * h)] by enumerating all 2^d sign vectors."""
    signs = np.array(list(product((-1.0, 1.0), repeat=len(i.h))))
    u = signs * i.h
    return float(np.mean(((u @ i.J.T) ** 2).sum(1)))


def _jh(d) -> dict:
    dim = d.integer(1, 10)
    return {"J": d.normal(d.integer(1, 5), dim), "h": d.normal(dim)}


jh_instances = Space(_jh, description="J (c x d), h, d <= 10")

aux_eqc4 = declare(
    "explicit-implicit/aux-eqC.4",
    title="Rademacher signs give an unbiased estimate of <J'J, diag(h^2)> (C.4)",
    source=Source(SEED, "App. C.3 (unnumbered)", "(C.4)", "1013-1020"),
    statement=r"\eta\sim\mathrm{Unif}\{\pm1\}^d\Rightarrow\mathbb E[(\eta\odot h)^\top J^\top J(\eta\odot h)]"
              r"=\langle J^\top J,\operatorname{diag}(h^{\odot2})\rangle",
    hypotheses=[Q_FREE + " (Rademacher signs, not dropout masks)", "any J, h"],
    claimed=lambda i: float(np.diag(i.J.T @ i.J) @ i.h**2),
    checks=[Relation(observed=sign_expectation, space=jh_instances, instances=30,
                     tolerance=float_tolerance(4 * 1024, what="mean over 2^d <= 1024 sign vectors"),
                     label="exact enumeration of signs")],
    mutants=[
        mutant("||Jh||^2", "signs forgotten", claimed=lambda i: float(np.sum((i.J @ i.h) ** 2))),
        mutant("dropout law q = 0.4", "unrescaled dropout noise: factor q/(1-q)",
               claimed=lambda i: 0.4 / 0.6 * float(np.diag(i.J.T @ i.J) @ i.h**2)),
    ],
    tags=["explicit"],
)

CLAIMS = [aux_ce_derivatives, claim_e1, aux_hout_jacobian, aux_hout_jacobian_corrected, claim_c1, aux_eqc4]
