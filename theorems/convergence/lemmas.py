"""`convergence` §5: thesis Lemma 11 (Jensen step), Lemma 5.1 (regret bound of the dropout iterates),
Lemma 5.2 (lazy regime; its constant bookkeeping and the measured displacement) and Lemma B.5
(worst case of the linearised loss), checked on real runs of Algorithm 1.

Seed 001 l. 150-172; thesis (000) Lemmas 11-13 and 17, l. 10169-10460, 10860-11460. Every run is
batched over realisations (mask paths enumerated exactly where 2^{mT} <= 4096, else sampled), and a
per-run inequality is judged on every realisation (the Relation takes the max over runs).
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from theorycheck import Rate, Relation, Source, Space, declare, float_tolerance, mutant

from .model import (LN2, dropout_sgd, ell, initialise, margin_data, masks, project_rows, seed_of,
                    torch_generator)
from .spaces import keep_prob, unit

PAPER = "001_f1b6a53302f974ec.txt"
THESIS = "000_f4de404d0cfe4539.txt"


_MEMO: dict = {}  # runs memoised per (tag, instance content): the checks of a claim share their instances


def _cached(ctx, inst, tag, fn):
    key = (tag, seed_of(ctx, inst))
    if key not in _MEMO:
        if len(_MEMO) > 64:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = fn()
    return _MEMO[key]


def _data(d, T: int, dim: int, regime: str):
    """Unit inputs: a single x with alternating labels (the adversarial family), or random points."""
    if regime.startswith("alternating"):
        x = unit(d.normal(dim))
        X = np.repeat(x[None, :], T, 0)
        y = np.array([(-1.0) ** t for t in range(T)]) * d.choice((-1.0, 1.0))
    else:
        X = unit(d.normal(T, dim))
        y = np.array([d.choice((-1.0, 1.0)) for _ in range(T)])
    return X, y


# --- thesis Lemma 11 ---------------------------------------------------------------------------

def _jensen_instance(d) -> dict:
    regime = d.regime
    if regime == "alternating, m = 1, T = 2":
        m, T, dim = 1, 2, 1
        q = d.uniform(0.1, 0.8)
        W1 = np.array([[d.uniform(0.05, 0.5)]])
        a = np.array([1.0])
        X, y = np.ones((2, 1)), np.array([1.0, -1.0])
    else:
        m = d.integer(1, 3)
        T = d.integer(1, 12 // m)
        dim = d.integer(1, 3)
        q = 1.0 if regime == "q = 1" else keep_prob(d)
        W1 = d.normal(m, dim)
        a = np.array([d.choice((-1.0, 1.0)) for _ in range(m)])
        X, y = _data(d, T, dim, regime)
    return {"m": m, "T": T, "d": dim, "q": q, "eta": LN2 * d.uniform(0.2, 1.0), "W1": W1, "a": a, "X": X, "y": y}


JENSEN_REGIMES = ("typical", "alternating labels", "alternating, m = 1, T = 2", "q = 1")
jensen_instances = Space(_jensen_instance, regimes=JENSEN_REGIMES,
                         description="m <= 3, T <= 12/m, every 2^{mT} mask path enumerated")
jensen_q1 = Space(_jensen_instance, regimes=("q = 1",), description="no dropout: both sides coincide")


def mask_paths(i):
    """All ``2^{mT}`` mask paths ``(N, T, m)`` and their probabilities."""
    import torch

    P = np.array(list(itertools.product((0.0, 1.0), repeat=i.m * i.T))).reshape(-1, i.T, i.m)
    k = P.sum((1, 2))
    prob = i.q**k * (1 - i.q) ** (i.m * i.T - k)
    return torch.as_tensor(P), torch.as_tensor(prob)


def jensen_run(i, ctx, parts):
    import torch

    def go():
        P, prob = mask_paths(i)
        N = P.shape[0]
        rep = lambda v: torch.as_tensor(v)[None].expand(N, *np.shape(v)).clone()  # noqa: E731
        rec = dropout_sgd(rep(i.W1), rep(i.a), rep(i.X), rep(i.y), P, i.eta, math.inf,
                          keep_prob=float(parts["test_scale"](i)))
        return rec, prob
    return _cached(ctx, i, ("jensen", float(parts["test_scale"](i))), go)


def full_loss_paths(i, ctx, parts):
    """``sum_t l(y_t f_t(q W_t))`` on every mask path."""
    rec, _ = jensen_run(i, ctx, parts)
    return rec["full_loss"].sum(1).numpy()


def full_loss_mean(i, ctx, parts):
    rec, prob = jensen_run(i, ctx, parts)
    return float((prob * rec["full_loss"].sum(1)).sum())


def dropout_loss_mean(i, ctx, parts):
    """``E_{B_T} sum_t L_t(W_t)``, exactly."""
    rec, prob = jensen_run(i, ctx, parts)
    return float((prob * rec["L"].sum(1)).sum())


JENSEN_TOL = float_tolerance(4096 * 50, atol=1e-13, what="exact mean over <= 4096 paths of <= 12-step runs")
JENSEN_STATEMENT = r"\textstyle\sum_{t=1}^T\ell(y_tf_t(qW_t))\le\mathbb E_{\mathcal B_T}\big[\sum_{t=1}^TL_t(W_t)\big]\ \text{a.s.}"

thesis_lemma_11 = declare(
    "convergence/thesis-lemma-11",
    title="as printed: the full network's loss at qW_t is below the expected dropout loss almost surely",
    source=Source(THESIS, "Lemma 11", equations="(5.1)", lines="10169-10240", also=f"{PAPER} §5 l. 150"),
    statement=JENSEN_STATEMENT,
    hypotheses=["W_t the iterates of Algorithm 1 (they depend on B_1..B_{t-1})", "a.s. over data and init"],
    status="erratum",
    erratum_note="The left side depends on the masks B_1..B_{T-1} through W_t, but the proof's last step drops "
                 "E_{B_{t-1}}: what Jensen gives is E_{B_T}[sum_t l(y_t f_t(qW_t))] <= E_{B_T}[sum_t L_t(W_t)], not the "
                 "inequality on every mask path. Counterexample (exact, all 4 paths): d = m = 1, x_1 = x_2 = 1, "
                 "y = (+1, -1), a = 1, w_1 = 0.1, q = 1/2, eta = ln 2: on the paths with b_1 = 1 the step moves w towards "
                 "y_1 and the left side is 1.4747 > E_{B_T} sum_t L_t(W_t) = 1.4341 (its mean over the paths, 1.4308, is "
                 "below it, as the corrected claim says). The regime 'alternating, m = 1, T = 2' of the check (w_1 in "
                 "[0.05, 0.5], q in [0.1, 0.8]) fails on every draw. "
                 "Theorem 4.1 needs only the expectation, so it is unaffected.",
    claimed=dropout_loss_mean,
    parts={"test_scale": lambda i: i.q},
    checks=[Relation(observed=full_loss_paths, space=jensen_instances, relation="<=", instances=24,
                     tolerance=JENSEN_TOL, shrink=False, label="every mask path vs the exact expectation")],
    mutants=[mutant("right side halved", "E[sum L_t] / 2", claimed=lambda i, ctx, parts: dropout_loss_mean(i, ctx, parts) / 2)],
    tags=["erratum", "jensen"],
)

thesis_lemma_11_corrected = declare(
    "convergence/thesis-lemma-11-corrected",
    title="in expectation over the masks: E sum_t l(y_t f_t(qW_t)) <= E sum_t L_t(W_t)",
    source=Source(THESIS, "Lemma 11 (its proof)", equations="(5.1)", lines="10169-10240"),
    statement=r"\mathbb E_{\mathcal B_T}\textstyle\sum_t\ell(y_tf_t(qW_t))\le\mathbb E_{\mathcal B_T}\sum_tL_t(W_t);"
              r"\ \text{equality at }q=1",
    hypotheses=["convexity of z -> l(az + b)", "E b_{r,t} = q", "ReLU homogeneity: sigma(q u) = q sigma(u)"],
    corrects="convergence/thesis-lemma-11",
    claimed=dropout_loss_mean,
    parts={"test_scale": lambda i: i.q},
    checks=[
        Relation(observed=full_loss_mean, space=jensen_instances, relation="<=", instances=24,
                 tolerance=JENSEN_TOL, label="exact means over all 2^{mT} paths"),
        Relation(observed=full_loss_mean, space=jensen_q1, instances=6, tolerance=JENSEN_TOL,
                 label="q = 1: no dropout, the two sides are equal (sharp)"),
    ],
    mutants=[
        mutant("right side halved", "E[sum L_t] / 2", claimed=lambda i, ctx, parts: dropout_loss_mean(i, ctx, parts) / 2),
        mutant("no test-time q", "full network at W_t instead of qW_t", test_scale=lambda i: 1.0 + 0 * i.q),
    ],
    depends_on=["convergence/aux-identities"],
    tags=["jensen"],
)


# --- Lemma 5.1 ---------------------------------------------------------------------------------

def _regret_instance(d) -> dict:
    regime = d.regime
    m = d.integer(1, 24)
    dim = d.integer(1, 5)
    T = 1 if regime == "T = 1, U = W_1" else d.integer(2, 40)
    q = keep_prob(d)
    c = 1.2 if regime == "projection active (c = 1.2)" else math.inf
    u = 1.0 if regime in ("eta = ln 2", "alternating labels", "margin data, wide") else d.uniform(0.05, 1.0)
    X, y = _data(d, T, dim, regime)
    if regime == "margin data, wide":
        m, dim, T = 96, 5, 150
        beta = unit(d.normal(dim))
        y = np.array([d.choice((-1.0, 1.0)) for _ in range(T)])
        u_perp = d.normal(T, dim)
        u_perp = unit(u_perp - (u_perp @ beta)[:, None] * beta)
        t = np.array([d.uniform(0.3, 1.0) for _ in range(T)])
        X = (y * t)[:, None] * beta + np.sqrt(1 - t * t)[:, None] * u_perp
    lams = np.array([0.0]) if regime == "T = 1, U = W_1" else np.array([0.0, 1.0, 10.0])
    return {"m": m, "d": dim, "T": T, "q": q, "c": c, "eta_frac": u, "X": X, "y": y, "lams": lams, "runs": 48}


REGRET_REGIMES = ("typical", "eta = ln 2", "alternating labels", "projection active (c = 1.2)", "q tiny", "q = 1",
                  "margin data, wide")
regret_instances = Space(_regret_instance, regimes=REGRET_REGIMES,
                         description="m <= 24, T <= 40 (and D_0.3 with m = 96, T = 150), 48 realisations of (W_1, a, masks) "
                                     "per instance, U = Pi_c(W_1 + lam V)")
regret_sharp = Space(_regret_instance, regimes=("T = 1, U = W_1",), description="T = 1, U = W_1: the right side is 2 L_1(W_1)")


def regret_run(i, ctx, parts):
    import torch

    eta = float(i.eta_frac * parts["eta_max"](i))

    def go():
        gen = torch_generator(seed_of(ctx, i))
        W1, a = initialise(gen, i.runs, i.m, i.d)
        B = masks(gen, i.runs, i.T, i.m, i.q)
        beta = torch.as_tensor(unit(np.ones(i.d)))
        V = a[..., None] * beta / math.sqrt(i.m)  # constant psi: ||V||_F = 1
        Us = [project_rows(W1 + lam * V, i.c) for lam in i.lams]
        X = torch.as_tensor(i.X)[None].expand(i.runs, i.T, i.d)
        y = torch.as_tensor(i.y)[None].expand(i.runs, i.T)
        return dropout_sgd(W1, a, X, y, B, eta, i.c, competitors=Us, keep_prob=i.q) | {"eta": eta}
    return _cached(ctx, i, ("regret", eta), go)


def average_loss(i, ctx, parts):
    rec = regret_run(i, ctx, parts)
    return np.tile(rec["L"].mean(1).numpy(), len(i.lams))


def regret_bound(i, ctx, parts):
    """Right side of (1): ``||W_1 - U||_F^2 / (eta T) + (2/T) sum_t L_t^{(t)}(U)``, per run and competitor."""
    rec = regret_run(i, ctx, parts)
    return np.concatenate([(rec["dist"][k][:, 0] / (rec["eta"] * i.T) + 2 * rec["lin"][k].mean(1)).numpy()
                           for k in range(len(i.lams))])


def step_distance(i, ctx, parts):
    rec = regret_run(i, ctx, parts)
    return np.concatenate([rec["dist"][k][:, 1:].numpy().ravel() for k in range(len(i.lams))])


def step_bound(i, ctx, parts):
    """(5.3): ``||W_t - U||^2 - eta L_t(W_t) + 2 eta L_t^{(t)}(U)`` for every step."""
    rec = regret_run(i, ctx, parts)
    eta = rec["eta"]
    return np.concatenate([(rec["dist"][k][:, :-1] - eta * rec["L"] + 2 * eta * rec["lin"][k]).numpy().ravel()
                           for k in range(len(i.lams))])


def twice_first_loss(i, ctx, parts):
    """At T = 1 and U = W_1 (lam = 0): 2 L_1(W_1), computed from the forward pass (homogeneity)."""
    rec = regret_run(i, ctx, parts)
    return 2 * rec["L"][:, 0].numpy()


REGRET_TOL = float_tolerance(150 * 96 * 40, atol=1e-12, what="T <= 150 steps of sums over <= 96 x 5 entries")

lemma_5_1 = declare(
    "convergence/lemma-5.1",
    title="the dropout iterates' average loss is at most ||W_1 - U||^2/(eta T) + 2 x the competitor's linearised loss",
    source=Source(PAPER, "Lemma 5.1", equations="(1)", lines="152-154", also=f"{THESIS} Lemma 12, (5.2)-(5.3), l. 10267-10400"),
    statement=r"\frac1T\sum_{t=1}^TL_t(W_t)\le\frac{\|W_1-U\|_F^2}{\eta T}+\frac2T\sum_{t=1}^TL_t^{(t)}(U)\quad"
              r"\forall U\in\mathcal W_c,\ \eta\le\ln2;\ \text{per step (5.3)}",
    hypotheses=["eta <= ln 2", "U in W_c", "||x_t|| = 1 (unstated; ||grad g_t||_F <= 1 needs it)", "every data/mask path"],
    scope="checked on every realisation (48 per instance: init, masks) and every step; the bound is loose by "
          "about 2 on generic runs, so it is made refutable by its equality case T = 1, U = W_1 (right side = 2 L_1); "
          "the step constant of (5.3) and eta <= ln 2 are not tested below their values (the per-step inequality "
          "eta^2 Q^2 ||grad g||^2 <= eta L holds up to eta = min_z l(z)/l'(z)^2 = 2.46, so a 10 % larger eta_max passes)",
    claimed=regret_bound,
    parts={"step": step_bound, "eta_max": lambda i: LN2},
    untested={"eta_max": "the hypothesis is not sharp: the step's eta^2 Q^2 ||grad g||^2 <= eta L holds up to "
                         "eta = min_z l/l'^2 = 2.46, so the lemma is still true for eta <= 1.1 ln 2"},
    checks=[
        Relation(observed=average_loss, space=regret_instances, relation="<=", instances=21, tolerance=REGRET_TOL,
                 shrink=False, label="(1) on every realisation and competitor"),
        Relation(observed=step_distance, space=regret_instances, claimed="step", relation="<=", instances=21,
                 tolerance=REGRET_TOL, shrink=False, label="(5.3) at every step"),
        Relation(observed=twice_first_loss, space=regret_sharp, claimed="claimed", instances=4,
                 tolerance=REGRET_TOL, shrink=False,
                 label="equality case T = 1, U = W_1"),
    ],
    mutants=[
        mutant("factor 1", "coefficient 1 for the linearised loss",
               claimed=lambda i, ctx, parts: regret_bound(i, ctx, parts) - np.concatenate(
                   [regret_run(i, ctx, parts)["lin"][k].mean(1).numpy() for k in range(len(i.lams))])),
        mutant("eta_max = 8", "learning rate far above ln 2", eta_max=lambda i: 8.0),
        mutant("(5.3) without the 2", "per step with eta L^{(t)}(U)",
               step=lambda i, ctx, parts: step_bound(i, ctx, parts) - np.concatenate(
                   [regret_run(i, ctx, parts)["eta"] * regret_run(i, ctx, parts)["lin"][k].numpy().ravel()
                    for k in range(len(i.lams))])),
    ],
    depends_on=["convergence/aux-identities"],
    tags=["regret", "dynamics"],
)



# --- Lemma 5.2: constant bookkeeping and the lazy regime ---------------------------------------

def _grid_instance(d) -> dict:
    regime = d.regime
    gamma = {"gamma = 1": 1.0, "gamma tiny": d.log_uniform(1e-3, 1e-2)}.get(regime, d.log_uniform(1e-2, 1.0))
    T = {"T large": d.log_uniform(1e6, 1e9)}.get(regime, d.log_uniform(10, 1e5))
    return {"gamma": gamma, "eta": LN2 * d.uniform(0.1, 1.0), "T": T, "delta": d.log_uniform(1e-6, 0.9)}


constant_grid = Space(_grid_instance, regimes=("typical", "gamma = 1", "gamma tiny", "T large"),
                      description="gamma in (1e-3, 1], eta in (0.07, ln 2], T in (10, 1e9), delta in (1e-6, 0.9)")


def lam_52(i):
    """Lemma 13's lambda: 5 ln(2 eta T)/gamma + sqrt(44 ln(6T/delta))/gamma (thesis l. 11060)."""
    return 5 / i.gamma * math.log(2 * i.eta * i.T) + math.sqrt(44 / i.gamma**2 * math.log(6 * i.T / i.delta))


def radius_of(i, parts, coefficient: float) -> float:
    """``coefficient * lam / (gamma sqrt m)`` at the lemma's lambda and width (printed: 7/2)."""
    lam = parts["lam"](i)
    return coefficient * lam / (i.gamma * math.sqrt(parts["width"](i, lam)))


def _sizes(i, parts):
    lam = parts["lam"](i)
    m = parts["width"](i, lam)
    return lam, m, parts["radius"](i, parts), math.log(3 * i.T / i.delta)


def lazy_term_57(i, parts):
    """(5.7): |R_t| D / sqrt(m) with Lemma B.1's |R_t| <= mD + sqrt(m ln(3T/delta)/2), D the radius."""
    lam, m, D, ln3 = _sizes(i, parts)
    return (m * D + math.sqrt(m * ln3 / 2)) * D / math.sqrt(m)


def margin_deficit_58(i, parts):
    """(5.8): sqrt(2 ln(3T/delta)/m) + |R_t|/m, to be <= 2 gamma^2 / 7."""
    lam, m, D, ln3 = _sizes(i, parts)
    return math.sqrt(2 * ln3 / m) + D + math.sqrt(ln3 / (2 * m))


def loss_at_59(i, parts):
    """(5.9): L_t^{(t)}(U) <= exp(-(-sqrt(2 ln(6T/delta)) + 3 lam gamma / 14))."""
    lam = parts["lam"](i)
    return math.exp(math.sqrt(2 * math.log(6 * i.T / i.delta)) - 3 * lam * i.gamma / 14)


def induction_step(i, parts):
    """(5.11)-(5.12): ||w_{r,t+1} - w_{r,1}|| <= (7 sqrt2 lam + 7 lam) / (5 gamma sqrt m)."""
    lam, m, D, _ = _sizes(i, parts)
    return (7 * math.sqrt(2) + 7) * lam / (5 * i.gamma * math.sqrt(m))


LAZY_WIDTHS = (32, 64, 128, 256, 512, 1024, 2048)


def rms_displacement(m, sampler, ctx):
    """sqrt(mean_r ||w_{r,T} - w_{r,1}||^2) after T = 300 dropout steps (D_0.3, d = 5, q = 1/2), 12 runs; the
    data stream is the same for every width (seeded by the run seed) so that only the width changes."""
    gen = torch_generator(ctx.settings.seed + 17)
    R, d, T, q = 12, 5, 300, 0.5
    X, y = margin_data(gen, T, d, 0.3, runs=R)
    W1, a = initialise(sampler.generator, R, int(m), d)
    B = masks(sampler.generator, R, T, int(m), q)
    rec = dropout_sgd(W1, a, X, y, B, LN2, math.inf, keep_prob=q)
    return float(((rec["W_final"] - W1) ** 2).sum(-1).mean().sqrt())


lemma_5_2 = declare(
    "convergence/lemma-5.2",
    title="lazy regime: rows move <= 7 lam/(2 gamma sqrt m) and L_t^{(t)}(U) <= lam^2/(2 eta T), w.p. 1 - delta",
    source=Source(PAPER, "Lemma 5.2", lines="156-158, 169-173",
                  also=f"{THESIS} Lemma 13, (5.4)-(5.12), l. 10451, 10866-11320"),
    statement=r"\Pr\Big\{\forall t:\ \|w_{r,t}-w_{r,1}\|\le\tfrac{7\lambda}{2\gamma\sqrt m}\ \forall r,\ "
              r"L_t^{(t)}(U)\le\tfrac{\lambda^2}{2\eta T}\Big\}\ge1-\delta,\ \lambda=\tfrac5\gamma\ln(2\eta T)+"
              r"\sqrt{44\gamma^{-2}\ln\tfrac{6T}\delta},\ m\ge2401\gamma^{-6}\lambda^2",
    hypotheses=["the setting of Theorem 4.1 (its lambda uses ln(6T/delta))", "eta <= ln 2", "max_r ||w_{r,1}|| <= c - 1",
                "||x_t|| = 1", "U = W_1 + lam V"],
    scope="not checkable as a run: the width condition needs m >= 2401 gamma^-6 lam^2 (gamma = 0.075, T = 3200, "
          "delta = 0.1: lam = 870, m ~ 1e16). Checked instead: the proof's constant bookkeeping (5.7), (5.8), (5.9) and the induction step at "
          "m = 2401 gamma^-6 lam^2 on a grid of (gamma, eta, T, delta), and the lazy-regime scaling of the rows' "
          "displacement on real runs (RMS over rows ~ m^{-1/2}, slope fitted over m = 32..2048). The bookkeeping is loose "
          "(observed/claimed ~ 1/2 in (5.7), 1/4 in (5.8)) except the induction step (0.966) and (5.9)'s sqrt term "
          "(3 sqrt44/14 = 1.421 vs sqrt 2): constants not tested below those ratios. Seed slips (sign and dropped eta in "
          "the induction sum, eta/(ln2 sqrt m) for eta/sqrt m, the delta/2 of Lemma B.3) do not change the statement. "
          "Liveness: a larger lambda, width constant, radius or target only loosens a step, so none of them (nor the "
          "loss bound lam^2/(2 eta T), observed/claimed <= 8e-4) is tested above its value; the exponent -1/2 is tested (a 10 % change is refuted)",
    claimed=lambda i, parts: parts["lam"](i) ** 2 / (2 * i.eta * i.T),
    parts={"lam": lam_52, "width": lambda i, lam: 2401 * i.gamma**-6 * lam**2,
           "radius": lambda i, parts: radius_of(i, parts, 7 / 2),
           "lazy_target": lambda i, parts: parts["lam"](i) * i.gamma / 2,
           "margin_loss": lambda i: 2 * i.gamma**2 / 7, "radius_exponent": -0.5},
    untested={"claimed": "(5.9) leaves a factor lam^2 of slack (observed/claimed <= 8e-4)",
              "lam": "every step scales with lam on both sides or gains from a larger lam; (5.7)-(5.9) observed/claimed "
                     "<= 0.51, 0.27, 8e-4 at the printed lam",
              "width": "a larger width only shrinks the lazy terms; at m = 2401 gamma^-6 lam^2 (5.7) is at 0.51 of its target",
              "lazy_target": "(5.7) observed/claimed <= 0.51: lam gamma/2 is not tested below 0.51 of itself",
              "margin_loss": "(5.8) observed/claimed <= 0.27: 2 gamma^2/7 is not tested below 0.27 of itself"},
    checks=[
        Relation(observed=lazy_term_57, space=constant_grid, claimed="lazy_target", relation="<=", instances=60,
                 tolerance=float_tolerance(100), label="(5.7) at m = 2401 gamma^-6 lam^2"),
        Relation(observed=margin_deficit_58, space=constant_grid, claimed="margin_loss", relation="<=", instances=60,
                 tolerance=float_tolerance(100), label="(5.8): deficit <= 2 gamma^2/7"),
        Relation(observed=loss_at_59, space=constant_grid, relation="<=", instances=60,
                 tolerance=float_tolerance(100), label="(5.9): L_t^{(t)}(U) <= lam^2/(2 eta T)"),
        Relation(observed=induction_step, space=constant_grid, claimed="radius", relation="<=", instances=60,
                 tolerance=float_tolerance(100), label="induction (5.11)-(5.12): (7 sqrt2 + 7)/5 <= 7/2"),
        Rate(points=LAZY_WIDTHS, measure=rms_displacement, claimed="radius_exponent", slope_tolerance=0.02,
             slope_principle="finite-width drift of the NTK limit between m = 32 and 2048: fitted slopes -0.478 to "
                             "-0.504 over 8 seeds", resolution=0.05,
             label="lazy regime: RMS row displacement ~ m^{-1/2}"),
    ],
    mutants=[
        mutant("lam without 5 ln(2 eta T)/gamma", "only the sqrt(44 ln(6T/delta))/gamma term: (5.9) fails for large T",
               lam=lambda i: math.sqrt(44 / i.gamma**2 * math.log(6 * i.T / i.delta))),
        mutant("width 2401 -> 24", "a hundred times narrower", width=lambda i, lam: 24 * i.gamma**-6 * lam**2),
        mutant("radius 7/2 -> 3", "below (7 sqrt2 + 7)/5 = 3.38", radius=lambda i, parts: radius_of(i, parts, 3.0)),
        mutant("rows move O(1/m)", "displacement exponent -1", radius_exponent=-1.0),
        mutant("(5.8) target gamma^2/35", "margin deficit ten times smaller", margin_loss=lambda i: i.gamma**2 / 35),
        mutant("(5.7) target lam gamma/20", "lazy term ten times smaller", lazy_target=lambda i, parts: parts["lam"](i) * i.gamma / 20),
    ],
    depends_on=["convergence/lemma-5.1"],
    tags=["lazy", "bookkeeping", "rate"],
)


# --- Lemma B.5 (thesis Lemma 17) ---------------------------------------------------------------

def _worst_case_instance(d) -> dict:
    regime = d.regime
    m, dim = d.integer(1, 32), d.integer(1, 5)
    gamma = d.uniform(0.05, 1.0)
    c = math.sqrt(dim) + max(1 / (14 * gamma**2), 2 * math.sqrt(math.log(max(m, 2)))) + 1
    x = unit(d.normal(dim))
    if regime == "aligned (sharp)":
        W1 = (c - 1) * np.repeat(x[None, :], m, 0)
        return {"m": m, "d": dim, "c": c, "W1": W1, "Wt": W1.copy(), "a": np.ones(m), "b": np.ones(m), "x": x,
                "y": -1.0, "lam": math.sqrt(m), "psi": np.repeat(x[None, :], m, 0)}
    W1 = unit(d.normal(m, dim)) * np.array([d.uniform(0, c - 1) for _ in range(m)])[:, None]
    Wt = unit(d.normal(m, dim)) * np.array([d.uniform(0, c) for _ in range(m)])[:, None]
    psi = unit(d.normal(m, dim)) * np.array([d.uniform(0, 1) for _ in range(m)])[:, None]
    a = np.array([d.choice((-1.0, 1.0)) for _ in range(m)])
    b = np.array([d.choice((0.0, 1.0)) for _ in range(m)])
    return {"m": m, "d": dim, "c": c, "W1": W1, "Wt": Wt, "a": a, "b": b, "x": x, "y": d.choice((-1.0, 1.0)),
            "lam": d.uniform(0, math.sqrt(m)), "psi": psi}


worst_case = Space(_worst_case_instance, regimes=("typical", "aligned (sharp)"),
                   description="||w_{r,1}|| <= c - 1, W_t in W_c, lam <= sqrt m, ||psi|| <= 1, unit x, any mask")
aligned_case = Space(_worst_case_instance, regimes=("aligned (sharp)",),
                     description="w_r = (c-1) x, psi = x, lam = sqrt m, all kept, a = 1, y = -1: |y<grad g, U>| = c sqrt m")


def competitor_argument(i):
    """``y <grad g_t(W_t), U>`` with ``U = W_1 + lam V``, ``v_r = a_r psi_r / sqrt m``."""
    U = i.W1 + i.lam * i.a[:, None] * i.psi / math.sqrt(i.m)
    coef = i.a * i.b * (i.Wt @ i.x >= 0) / math.sqrt(i.m)
    return float(i.y * np.sum(coef * (U @ i.x)))


def _z_negative(d) -> dict:
    lo = -1e-6 if d.regime == "z -> 0-" else -60.0
    return {"z": np.array(sorted(d.uniform(lo, -1e-9) for _ in range(40)))}


z_negative = Space(_z_negative, regimes=("typical", "z -> 0-"), description="40 values of z < 0")

lemma_b_5 = declare(
    "convergence/lemma-b.5",
    title="with probability one every linearised loss at U is <= c sqrt(m)/ln 2 + 1",
    source=Source(PAPER, "Lemma B.5 (sketch in §5)", lines="167", also=f"{THESIS} Lemma 17, (5.13), l. 11355-11460"),
    statement=r"L_t^{(t)}(U)\le\frac{c\sqrt m}{\ln2}+1;\quad|y_t\langle\nabla g_t(W_t),U\rangle|\le c\sqrt m;\quad"
              r"\ln(1+e^{-z})\le1-\frac z{\ln2}\ (z<0)",
    hypotheses=["max_r ||w_{r,1}|| <= c - 1 (the event of aux-init-norm; 'probability one' is conditional on it)",
                "lam <= sqrt m (implied by the width condition)", "W_t in W_c", "||x|| <= 1"],
    scope="the final bound is loose (the argument bound is attained, then l(-c sqrt m) ~ c sqrt m <= c sqrt m / ln 2 + 1: "
          "ratio -> ln 2) and (5.13) is loose at 0- (ln 2 vs 1): those two constants are not tested below ln 2; the "
          "intermediate |y<grad g_t(W_t), U>| <= c sqrt m is attained on the aligned configuration and checked as an equality",
    claimed=lambda i: i.c * math.sqrt(i.m) / LN2 + 1,
    parts={"argument_bound": lambda i: i.c * math.sqrt(i.m), "linear_bound": lambda i: 1 - i.z / LN2},
    untested={"claimed": "l(-c sqrt m) ~ c sqrt m against c sqrt m / ln 2 + 1: observed/claimed <= 0.69 (-> ln 2)",
              "linear_bound": "(5.13) is loose by ln 2 at both ends (z -> 0-: ln 2 vs 1; z -> -inf: ratio -> ln 2)"},
    checks=[
        Relation(observed=lambda i: float(ell(competitor_argument(i))), space=worst_case, relation="<=", instances=60,
                 tolerance=float_tolerance(200), label="L_t^{(t)}(U) <= c sqrt m / ln 2 + 1"),
        Relation(observed=lambda i: abs(competitor_argument(i)), space=worst_case, claimed="argument_bound",
                 relation="<=", instances=60, tolerance=float_tolerance(200), label="|y<grad g_t(W_t), U>| <= c sqrt m"),
        Relation(observed=lambda i: abs(competitor_argument(i)), space=aligned_case, claimed="argument_bound",
                 instances=6, tolerance=float_tolerance(200), label="attained on the aligned configuration"),
        Relation(observed=lambda i: ell(i.z), space=z_negative, claimed="linear_bound", relation="<=", instances=20,
                 tolerance=float_tolerance(20), label="(5.13) on z < 0"),
    ],
    mutants=[
        mutant("c sqrt m -> c", "the width factor dropped", claimed=lambda i: i.c / LN2 + 1),
        mutant("argument <= c", "without sqrt m", argument_bound=lambda i: i.c),
        mutant("(5.13) as -z", "slope 1, intercept 0", linear_bound=lambda i: -i.z),
    ],
    depends_on=["convergence/aux-init-norm", "convergence/aux-identities"],
    tags=["worst case"],
)

CLAIMS = [thesis_lemma_11, thesis_lemma_11_corrected, lemma_5_1, lemma_5_2, lemma_b_5]
