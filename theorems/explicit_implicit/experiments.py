"""`explicit-implicit` §3 experiments (Figures 1-2), scaled down to the mechanism on a two-layer net.

Seed 004_e45fe814f3a8977e.txt: Figure 1 (l. 61, 105-112), Figure 2 (l. 89, 116-128), Figure 4 (l. 272, 278),
Figure 5 (l. 274, 282), Algorithms 1, 2 and 4 (l. 63, 256-258, 1007).
The paper's runs are LSTM language models (PTB, WikiText-2): not reproducible on a CPU in seconds. What
is reproduced is the mechanism the figures rest on, along real training trajectories: DROPOUT_k keeps
the expected update (the same objective) and divides the update noise by k (Figure 1), and adding
sqrt(1/2 (1 - 1/k)) xi~_drop restores DROPOUT_1's noise level (Figure 2), and so does the analytic
sqrt(q/(1-q)) sqrt(1 - 1/k) xi_approx of Algorithm 4 (Figure 4; the seed prints sqrt(q/(q-1))). q = 0.4 is the DROP
probability (retain 0.6), as in the paper's LSTM runs. Exact expected gradients come from enumerating
all 2^6 masks of the width-6 hidden layer, so the measured noise is the true dropout noise.
A quick proxy of the validation-perplexity outcome (tiny MLP, 40 examples) showed dropout hurting at
all k, so the perplexity ordering is not asserted here.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from theorycheck import Dynamics, Source, Space, Tolerance, declare, mutant

from .model import dropout_noise_by_masks

SEED = "004_e45fe814f3a8977e.txt"
DROP_PROB = 0.4
WIDTH, DIM, CLASSES, EXAMPLES = 6, 5, 3, 20


def _data(seed: int):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(EXAMPLES, DIM, generator=g, dtype=torch.float64)
    y = torch.randint(0, CLASSES, (EXAMPLES,), generator=g)
    W1 = torch.randn(WIDTH, DIM, generator=g, dtype=torch.float64) / np.sqrt(DIM)
    W2 = torch.randn(CLASSES, WIDTH, generator=g, dtype=torch.float64) / np.sqrt(WIDTH)
    return X, y, W1, W2, g


def _loss(W1, W2, X, y, eta) -> torch.Tensor:
    """Mean CE over examples of F(x, eta) for per-example noise rows eta (n, m)."""
    return torch.nn.functional.cross_entropy(((1 + eta) * torch.tanh(X @ W1.T)) @ W2.T, y)


def _grad(W1, W2, X, y, eta):
    return torch.cat([t.flatten() for t in torch.autograd.grad(_loss(W1, W2, X, y, eta), [W1, W2])])


def _noise(g, shape):
    return (torch.rand(shape, generator=g, dtype=torch.float64) > DROP_PROB) / (1 - DROP_PROB) - 1


def _r_approx(W1, W2, X) -> torch.Tensor:
    """Mean over examples of R_approx = <W2' H_out W2, diag(h^2)> (F_1 affine: no M term)."""
    h = torch.tanh(X @ W1.T)
    p = torch.softmax(h @ W2.T, -1)
    hout = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
    return torch.einsum("nij,ik,jk,nk->n", hout, W2, W2, h * h).mean()


def _xi_approx(W1, W2, X, y, signs, step: float = 1e-4):
    """xi_approx(signs) = A signs = d/dt grad l(F(x, t signs)) at t = 0 (central difference, error O(step^2))."""
    return (_grad(W1, W2, X, y, step * signs) - _grad(W1, W2, X, y, -step * signs)) / (2 * step)


def per_example_gradients(W1, W2, X, y, eta) -> torch.Tensor:
    """Per-example gradients nabla_W l(F(x_n, eta_n)) in closed form, batched: eta (R, n, m) -> (R, n, P)."""
    h = torch.tanh(X @ W1.T)
    u = (1 + eta) * h
    residual = torch.softmax(u @ W2.T, -1) - torch.nn.functional.one_hot(y, W2.shape[0]).to(torch.float64)
    grad_w1 = ((residual @ W2) * (1 + eta) * (1 - h * h))[..., :, None] * X[:, None, :]
    grad_w2 = residual[..., :, None] * u[..., None, :]
    return torch.cat([grad_w1.flatten(-2), grad_w2.flatten(-2)], -1)


def batch_gradients(W1, W2, X, y, eta) -> torch.Tensor:
    """Full-batch (mean over examples) gradients for R noise draws: (R, n, m) -> (R, P)."""
    return per_example_gradients(W1, W2, X, y, eta).mean(-2)


@lru_cache(maxsize=1)
def _masks():
    eta, w = dropout_noise_by_masks(WIDTH, DROP_PROB)
    return torch.as_tensor(eta), torch.as_tensor(w)


def exact_noise(W1, W2, X, y):
    """E g and tr Cov g of DROPOUT_1's full-batch gradient (independent masks per example), exactly."""
    eta, w = _masks()
    g = per_example_gradients(W1, W2, X, y, eta[:, None, :].expand(-1, len(y), -1))  # (2^m, n, P)
    mean_n = torch.einsum("j,jnp->np", w, g)
    var_n = torch.einsum("j,jnp->n", w, g * g) - (mean_n * mean_n).sum(-1)
    return mean_n.mean(0), float(var_n.sum() / len(y) ** 2)


def expected_dropout_loss(W1, W2, X, y) -> float:
    eta, w = _masks()
    logits = ((1 + eta[:, None, :]) * torch.tanh(X @ W1.T)[None]) @ W2.T
    per_mask = torch.nn.functional.cross_entropy(logits.reshape(-1, CLASSES), y.repeat(len(w)),
                                                 reduction="none").reshape(len(w), -1).mean(1)
    return float(w @ per_mask)


def _noise(g, shape):
    return (torch.rand(shape, generator=g, dtype=torch.float64) > DROP_PROB) / (1 - DROP_PROB) - 1


def _r_approx_grad(W1, W2, X):
    """Gradient of the mean over examples of R_approx = <W2' H_out W2, diag(h^2)> (F_1 affine: no M term)."""
    W1, W2 = W1.detach().requires_grad_(True), W2.detach().requires_grad_(True)
    h = torch.tanh(X @ W1.T)
    p = torch.softmax(h @ W2.T, -1)
    r = ((p @ (W2 * W2) - (p @ W2) ** 2) * h * h).sum(1).mean()
    return torch.cat([t.flatten() for t in torch.autograd.grad(r, [W1, W2])])


def arm_updates(W1, W2, X, y, arm: dict, g, replicates: int) -> torch.Tensor:
    """``replicates`` independent draws of the arm's update at (W1, W2): (R, P).

    arm: k (DROPOUT_k masks per example), correction (c of c (g(eta') - g(eta''))), approx (scale of
    xi_approx(Rademacher) = A eps, a central difference of the gradient in the noise), explicit (lambda_1: no
    dropout, the gradient of l + lambda_1 R_approx; Algorithm 2).
    """
    R, n = replicates, len(y)
    if arm.get("explicit") is None:
        eta = _noise(g, (R, arm["k"], n, WIDTH))
        update = batch_gradients(W1, W2, X, y, eta).mean(1)
    else:
        clean = batch_gradients(W1, W2, X, y, torch.zeros(1, n, WIDTH))
        update = (clean + arm["explicit"] * _r_approx_grad(W1, W2, X)).expand(R, -1)
    if arm.get("correction"):
        pair = batch_gradients(W1, W2, X, y, _noise(g, (2 * R, n, WIDTH))).reshape(2, R, -1)
        update = update + arm["correction"] * (pair[0] - pair[1])
    if arm.get("approx"):
        step = 1e-4
        signs = 2.0 * (torch.rand((R, n, WIDTH), generator=g, dtype=torch.float64) < 0.5) - 1
        xi = (batch_gradients(W1, W2, X, y, step * signs) - batch_gradients(W1, W2, X, y, -step * signs)) / (2 * step)
        update = update + arm["approx"] * xi
    return update


@lru_cache(maxsize=64)
def run_arm(seed: int, steps: int, replicates: int, lr: float = 0.5, measure: bool = True, **arm):
    """Full-batch training with the arm's update (its first replicate); at every step, at the weights reached,
    ``replicates`` fresh draws of the arm's update noise ||u - E g||^2 and DROPOUT_1's exact tr Cov g.

    Returns (noise draws (steps, R), DROPOUT_1's exact noise (steps,), expected dropout loss per step).
    """
    X, y, W1, W2, g = _data(seed)
    arm_noise, reference, losses = [], [], []
    for _ in range(steps):
        updates = arm_updates(W1, W2, X, y, arm, g, replicates)
        if measure:
            mean, trace = exact_noise(W1, W2, X, y)
            arm_noise.append(((updates - mean) ** 2).sum(-1).numpy())
            reference.append(trace)
            losses.append(expected_dropout_loss(W1, W2, X, y))
        W1 = W1 - lr * updates[0, :W1.numel()].reshape(W1.shape)
        W2 = W2 - lr * updates[0, W1.numel():].reshape(W2.shape)
    if not measure:  # only the end state (experiment-fig5)
        losses.append(expected_dropout_loss(W1, W2, X, y))
    return np.array(arm_noise), np.array(reference), np.array(losses)


def noise_ratio_and_se(state) -> tuple[float, float]:
    """sum_s mean_r a_sr / sum_s tr Cov_s and its standard error from the within-step variances over r."""
    draws, reference, _ = state
    ratio = draws.mean(1).sum() / reference.sum()
    se = np.sqrt((draws.var(1, ddof=1) / draws.shape[1]).sum()) / reference.sum()
    return float(ratio), float(se)


def _runs(d) -> dict:
    return {"seed": d.integer(0, 10**6)}


runs = Space(_runs, description="data, initialisation and masks seeded by one integer")
STEPS, REPLICATES = 150, 16


def _steps(inst) -> int:
    return 4 * STEPS if inst.full else STEPS


def ratio_observer(design_se: float, band: Tolerance):
    """The paired noise ratio moved 4 SE (of this run, measured) towards the claimed value: it equals the claim exactly
    when the ratio is within 4 measured SE of it. ``design_se`` (the largest SE measured over seeds) is reported in the
    band's principle; the run's own SE is what is used."""
    def observed(state, inst, parts):
        ratio, se = noise_ratio_and_se(state)
        claimed = float(parts["claimed"](inst))
        return claimed + np.sign(ratio - claimed) * max(abs(ratio - claimed) - 4 * se, 0.0)
    return observed


def train_noise(**fixed):
    """A training run of the arm; arm settings named in ``fixed`` map to claim parts (callables of k read at k)."""
    def train(inst, sampler, parts):
        arm = {}
        for key, value in fixed.items():
            part = parts[value] if isinstance(value, str) else value
            arm[key] = float(part(fixed["k"])) if callable(part) else part
        return run_arm(inst.seed, _steps(inst), REPLICATES, **arm)
    return train


def plot_noise(claim_id: str, label: str, asserted: str):
    def plot(inst, state, path):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        draws, reference, losses = state
        fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
        steps = np.arange(len(reference))
        a.semilogy(steps, draws.mean(1), label=label + r" (mean of %d draws)" % draws.shape[1], lw=0.8)
        a.semilogy(steps, reference, label=r"DROPOUT$_1$ exact $\mathrm{tr\,Cov}\,g$", lw=0.8)
        a.set_xlabel("training step")
        a.set_ylabel(r"update noise $\|u-\mathbb{E}g\|^2$")
        a.legend(fontsize=7)
        b.plot(steps, losses, lw=0.8)
        b.set_xlabel("training step")
        b.set_ylabel(r"expected dropout loss $\ell_{\rm drop}$")
        ratio, se = noise_ratio_and_se(state)
        fig.suptitle(rf"{claim_id}: {asserted}; measured {ratio:.4f} $\pm$ {se:.4f} (SE)", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=150)
        plt.close(fig)
    return plot


# Paired design: at every step of the arm's own trajectory, REPLICATES fresh draws of its update noise are compared
# with DROPOUT_1's exact noise tr Cov g at the same weights (all 2^6 masks per example), so the expected ratio is
# the claimed constant exactly (no trajectory-to-trajectory noise). SE from the within-step variances; the design
# SE is the largest measured over 6 seeds, rounded up by ~20 %; the band 4 design SE. A run whose own SE exceeds
# the design SE is an error (the band would be invalid), never a pass.
FIG1_SE, FIG2_SE = 0.0015, 0.009
FIG1_BAND = Tolerance(rtol=1e-9, atol=0.0, principle="paired Monte Carlo over 150 steps x 16 draws: 4 SE of the run "
                      f"(observed = ratio moved 4 SE towards the claim); measured SE 0.0009-0.0011 (design {FIG1_SE}), "
                      "relative band ~3.5 %")
FIG2_BAND = Tolerance(rtol=1e-9, atol=0.0, principle="paired Monte Carlo over 150 steps x 16 draws: 4 SE of the run "
                      f"(observed = ratio moved 4 SE towards the claim); measured SE 0.0065-0.0076 (design {FIG2_SE}), "
                      "band ~3 %")
K1, K2, K4 = 8, 4, 8

experiment_fig1 = declare(
    "explicit-implicit/experiment-fig1",
    title="DROPOUT_k divides the update noise by k at the same expected objective (Figure 1's mechanism)",
    source=Source(SEED, "Figure 1", "(3.2), Algorithm 1", "61-63, 105-112"),
    statement=r"\frac{\mathbb E\|\nabla\hat\ell_{{\rm drop},k}-\nabla\ell_{\rm drop}\|^2}{\operatorname{tr}\operatorname{Cov}"
              r"\nabla\hat\ell_{{\rm drop},1}}=\frac1k\ \text{at the weights training visits (Figure 1: larger }k"
              r"\text{ validates worse)}",
    hypotheses=["q = 0.4 is the DROP probability (retain 0.6)", "width 6, 20 examples, full batch, lr 0.5, 150 steps",
                "k = 8; DROPOUT_1's noise exact (mask enumeration) at the arm's weights, the arm's from 16 draws"],
    scope="the noise mechanism, not the perplexity curves (LSTM on PTB/WT2 cannot run here; a tiny proxy of "
          "the validation outcome did not show the implicit effect)",
    claimed=lambda i: 1 / 8,
    parts={"k": K1},
    checks=[Dynamics(train=train_noise(k="k"), observed=ratio_observer(FIG1_SE, FIG1_BAND),
                     space=runs, tolerance=FIG1_BAND, instances=1, label="DROPOUT_8 vs DROPOUT_1, paired",
                     plot=plot_noise("explicit-implicit/experiment-fig1", r"DROPOUT$_8$",
                                     r"asserted noise ratio $=1/8$"))],
    mutants=[mutant("1/sqrt(k)", "noise shrinking like the standard deviation", claimed=lambda i: 1 / np.sqrt(8)),
             mutant("k = 4 run", "the arm run with k = 4 masks (ratio 1/4, not the claimed 1/8)", k=4)],
    depends_on=["explicit-implicit/aux-dropoutk-cov"],
    tags=["experiment", "implicit"],
)

experiment_fig2 = declare(
    "explicit-implicit/experiment-fig2",
    title="DROPOUT_4 + sqrt(1/2 (1 - 1/4)) xi~_drop restores DROPOUT_1's update noise (Figure 2's mechanism)",
    source=Source(SEED, "Figure 2", "§3.1", "89, 116-128"),
    statement=r"\frac{\mathbb E\|\nabla\hat\ell_{{\rm drop},4}+c\,\tilde\xi_{\rm drop}-\nabla\ell_{\rm drop}\|^2}"
              r"{\operatorname{tr}\operatorname{Cov}\nabla\hat\ell_{{\rm drop},1}}=1,\ c=\sqrt{\tfrac12(1-\tfrac14)}"
              r"\ \text{at the weights training visits}",
    hypotheses=["q = 0.4 is the DROP probability (retain 0.6)", "width 6, 20 examples, full batch, lr 0.5, 150 steps",
                "xi~ = g(eta') - g(eta'') with fresh masks; the ratio is 1/k + 2 c^2, so c x 1.1 gives 1.16"],
    scope="the noise mechanism, not the perplexity curves (see experiment-fig1). Band 4 % (4 design SE): "
          "coefficient errors above ~2.5 % (ratio error above 4 %) are refuted",
    claimed=lambda i: 1.0,
    parts={"coefficient": lambda k: np.sqrt(0.5 * (1 - 1 / k))},
    checks=[Dynamics(train=train_noise(k=K2, correction="coefficient"),
                     observed=ratio_observer(FIG2_SE, FIG2_BAND), space=runs, tolerance=FIG2_BAND,
                     instances=1, label="corrected DROPOUT_4 vs DROPOUT_1, paired",
                     plot=plot_noise("explicit-implicit/experiment-fig2", r"DROPOUT$_4+c\,\tilde\xi$",
                                     r"asserted noise ratio $=1$"))],
    mutants=[mutant("no restoration", "the noise stays at DROPOUT_4's level 1/4", claimed=lambda i: 1 / 4),
             mutant("sqrt(1 - 1/k) level", "noise 1/k + 2(1 - 1/k) of the uncorrected coefficient",
                    claimed=lambda i: 1 / 4 + 2 * (1 - 1 / 4)),
             mutant("coefficient x 0.85", "15 % too small", coefficient=lambda k: 0.85 * np.sqrt(0.5 * (1 - 1 / k))),
             mutant("coefficient x 1.1", "10 % too large", coefficient=lambda k: 1.1 * np.sqrt(0.5 * (1 - 1 / k))),
             mutant("coefficient x 1.15", "15 % too large", coefficient=lambda k: 1.15 * np.sqrt(0.5 * (1 - 1 / k))),
             mutant("ratio 1.25", "claims the corrected noise is 25 % above DROPOUT_1's", claimed=lambda i: 1.25)],
    depends_on=["explicit-implicit/aux-dropoutk-cov", "explicit-implicit/experiment-fig1"],
    tags=["experiment", "implicit"],
)

# xi_approx is first order in the perturbation: at the weights training visits (output scale O(1)) it carries
# 66-97 % of the noise DROPOUT_8 removes (paired, SE 0.3-0.7 %; ratio 0.71-0.97 over 10 seeds, 0.707 at --seed 3):
# "ratio = 1" is not reproduced. Asserted: the ratio lies between "half of the removed noise restored"
# (1/8 + 7/8 x 1/2) and DROPOUT_1's level + 4 design SE.
FIG4_SE = 0.010
FIG4_UPPER = Tolerance(rtol=0.0, atol=0.0, principle="paired Monte Carlo: the observed side is ratio - 4 SE of the "
                       "run itself (measured SE 0.006-0.011), so the band is 4 measured SE")
FIG4_LOWER = Tolerance(rtol=0.0, atol=0.0, principle="a threshold (half the removed noise restored); the observed "
                       "side is ratio + 4 SE of the run; measured ratios 0.71-0.97 are >= 0.15 above it")
ALG4_SCALE = float(np.sqrt(DROP_PROB / (1 - DROP_PROB)) * np.sqrt(1 - 1 / 8))


def _fig4_upper(state, inst):
    """ratio - 4 SE of this run (compared with <= 1): the band is the run's own measured standard error."""
    ratio, se = noise_ratio_and_se(state)
    return ratio - 4 * se


def _fig4_lower(state, inst):
    """ratio + 4 SE of this run (compared with >= the threshold)."""
    ratio, se = noise_ratio_and_se(state)
    return ratio + 4 * se


experiment_fig4 = declare(
    "explicit-implicit/experiment-fig4",
    untested={
        "claimed": "upper end = DROPOUT_1's level; measured ratios 0.71-0.97 stay below it by more than 10 % at most "
                   "seeds, so a 10 % lower ceiling is not refuted reliably",
        "restored_fraction": "a threshold ('at least half'); the measured fraction 0.66-0.97 is far from it",
        "lower": "see restored_fraction",
        "scale": "a 10 % scale error moves the ratio ~18 %, inside [0.56, 1.04]: not tested below +-12 %"},
    title="DROPOUT_8 + sqrt(q/(1-q)) sqrt(1 - 1/8) xi_approx restores at least half, and not more than all, of the "
          "update noise DROPOUT_8 removes (Figure 4's mechanism; exact restoration not reproduced)",
    source=Source(SEED, "Figure 4", "(4.5)-(4.6), Algorithm 4", "272, 278, 1007"),
    statement=r"\frac18+\frac78\cdot\frac12\le\frac{\mathbb E\|\nabla\hat\ell_{{\rm drop},8}+\sqrt{\frac q{1-q}}\sqrt{1-\frac18}\,"
              r"\xi_{\rm approx}(\epsilon_{\pm1})-\nabla\ell_{\rm drop}\|^2}{\operatorname{tr}\operatorname{Cov}\nabla\hat"
              r"\ell_{{\rm drop},1}}\le1\ (\text{paper: }\approx1)",
    hypotheses=["q = 0.4 is the DROP probability (retain 0.6); Algorithm 4's printed sqrt(q/(q-1)) read as "
                "sqrt(q/(1-q))", "xi_approx by a central difference of the gradient in the noise (step 1e-4)",
                "width 6, 20 examples, full batch, lr 0.5, 150 steps"],
    scope="the noise mechanism, not perplexity. NOT reproduced: 'the ratio is 1' (Algorithm 4 restores DROPOUT_1's "
          "noise): measured (paired, SE 0.3-0.7 %) ratios 0.71-0.97 over 10 seeds, i.e. xi_approx misses 3-34 % of "
          "the removed noise at output scale O(1) (aux-eq4.5: its covariance error is first order in the output "
          "scale). Asserted instead: between half restored and DROPOUT_1's level + 4 SE.",
    claimed=lambda i: 1.0,
    parts={"scale": ALG4_SCALE, "restored_fraction": 0.5,
           "lower": lambda i, parts: 1 / 8 + (1 - 1 / 8) * parts["restored_fraction"]},
    checks=[Dynamics(train=train_noise(k=K4, approx="scale"), observed=_fig4_upper, space=runs, relation="<=",
                     tolerance=FIG4_UPPER, instances=1, label="Algorithm 4 vs DROPOUT_1, paired: at most DROPOUT_1's",
                     plot=plot_noise("explicit-implicit/experiment-fig4", r"DROPOUT$_8+\lambda\,\xi_{\rm approx}$",
                                     r"asserted $0.5625\leq$ noise ratio $\leq1$")),
            Dynamics(train=train_noise(k=K4, approx="scale"), observed=_fig4_lower, space=runs, relation=">=",
                     claimed="lower", tolerance=FIG4_LOWER, instances=1,
                     label="Algorithm 4 vs DROPOUT_1, paired: at least half the removed noise restored")],
    mutants=[mutant("no restoration", "xi_approx left out: the noise stays at DROPOUT_8's level", scale=0.0),
             mutant("sqrt 2 xi_approx", "the 1/sqrt 2 of the xi~ derivation forgotten", scale=ALG4_SCALE * np.sqrt(2)),
             mutant("scale x 2", "a square root forgotten the other way (noise x 4)", scale=2 * ALG4_SCALE),
             mutant("exact restoration", "the paper's 'ratio 1' read as at least 99 % restored", restored_fraction=0.99)],
    depends_on=["explicit-implicit/aux-eq4.5", "explicit-implicit/experiment-fig1"],
    tags=["experiment", "implicit"],
)

EXPLICIT_COEFFICIENT = 0.5 * DROP_PROB / (1 - DROP_PROB)  # second-order matched (App. D uses twice this)
FIG5_SEEDS = 16
# final l_drop(Algorithm 2) / l_drop(DROPOUT_1) over FIG5_SEEDS paired seeds (same data and initialisation):
# sd over seeds measured 0.058 (10 seeds) -> SE 0.0145 at 16 seeds; band 3 SE.
FIG5_BAND = Tolerance(rtol=1e-12, atol=0.0, principle=f"3 SE of the mean over {FIG5_SEEDS} seeds, the SE measured in "
                      "the run from the spread over its seeds (observed = mean moved 3 SE towards the claim; sd over "
                      "seeds 0.058-0.092 measured)")


def train_fig5(inst, sampler, parts):
    steps = _steps(inst)
    arm = dict(k=1, approx=float(parts["noise_scale"]), explicit=float(parts["strength"]))
    seeds = [inst.seed + j for j in range(FIG5_SEEDS)]
    return {"reference": [run_arm(s, steps, 1, measure=False, k=1) for s in seeds],
            "arm": [run_arm(s, steps, 1, measure=False, **arm) for s in seeds]}


def fig5_loss_ratio(state, inst, parts) -> float:
    """Mean final loss ratio over the seeds, moved towards the claimed value by 3 SE of this run (its own spread over
    seeds): equal to the claimed value exactly when the mean is within 3 measured SE of it."""
    ratios = np.array([a[2][-1] / r[2][-1] for a, r in zip(state["arm"], state["reference"])])
    mean, se = ratios.mean(), ratios.std(ddof=1) / np.sqrt(len(ratios))
    if not np.isfinite(mean):
        return 1e300
    claimed = float(parts["claimed"](inst))
    return float(claimed + np.sign(mean - claimed) * max(abs(mean - claimed) - 3 * se, 0.0))


def plot_fig5(inst, state, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    for k, (name, runs_) in enumerate((("DROPOUT$_1$", state["reference"]), ("Algorithm 2", state["arm"]))):
        finals = np.array([r[2][-1] for r in runs_])
        a.errorbar([k], [finals.mean()], yerr=[2 * finals.std(ddof=1) / np.sqrt(len(finals))], fmt="o", label=name)
    a.set_xticks([0, 1], ["DROPOUT$_1$", "Algorithm 2"])
    a.set_ylabel(r"final expected dropout loss $\ell_{\rm drop}$ ($\pm2$ SE)")
    a.legend(fontsize=7)
    ratios = [x[2][-1] / r[2][-1] for x, r in zip(state["arm"], state["reference"])]
    b.hist(ratios, bins=8)
    b.set_xlabel(r"final $\ell_{\rm drop}$(Alg. 2) / $\ell_{\rm drop}$(DROPOUT$_1$)")
    b.set_ylabel("seeds")
    fig.suptitle(rf"explicit-implicit/experiment-fig5: asserted loss ratio $=1\pm3$ SE; measured "
                 rf"{np.mean(ratios):.3f} $\pm$ {np.std(ratios, ddof=1) / np.sqrt(len(ratios)):.3f}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


experiment_fig5 = declare(
    "explicit-implicit/experiment-fig5",
    untested={
        'strength': 'band 3 SE = 4.4 % of the loss ratio; lambda_1 x 2 (App. D) is refuted, lambda_1 within about +-40 % is not',
        'noise_scale': "the final dropout loss is insensitive to the noise scale at this size (checked by experiment-fig4's mechanism instead)"},
    title="Algorithm 2 (R_approx + xi_approx, no dropout) reaches DROPOUT_1's dropout loss (Figure 5)",
    source=Source(SEED, "Figure 5", "(4.4), (4.6), Algorithm 2", "256-258, 274, 282", also="App. D.1 l. 1028-1063"),
    statement=r"g=\nabla_W(\ell+\lambda_1R_{\rm approx})+\lambda_2\xi_{\rm approx},\ \lambda_1=\tfrac12\tfrac q{1-q},"
              r"\ \lambda_2=\sqrt{\tfrac q{1-q}}:\ \ell_{\rm drop}\text{ reached}=\ell_{\rm drop}(\text{DROPOUT}_1)"
              r"\ (\text{update noise: see experiment-fig4})",
    hypotheses=["q = 0.4 is the DROP probability (retain 0.6)",
                "lambda_1 = 1/2 q/(1-q), the second-order coefficient (App. D uses q/(1-q) = 2/3, twice it: "
                "measured final dropout loss 8 % above DROPOUT_1's, 3 SE; refuted here)",
                "width 6, 20 examples, full batch, lr 0.5, 150 steps, 16 paired seeds per instance"],
    scope="the mechanism (expected dropout loss reached), not perplexity. Measured ratio 1.001 +- 0.018 (SE, 10 "
          "seeds) at lambda_1 = 1/3, 1.082 +- 0.026 at App. D's 2/3, 1.48 +- 0.06 without R_approx. The band "
          "(3 SE = 4.4 %) does not resolve lambda_1 within about +-40 % (constant not tested below that); the "
          "noise scale lambda_2 is checked by experiment-fig4's mechanism, not here.",
    claimed=lambda i: 1.0,
    parts={"strength": EXPLICIT_COEFFICIENT, "noise_scale": float(np.sqrt(DROP_PROB / (1 - DROP_PROB)))},
    checks=[Dynamics(train=train_fig5, observed=fig5_loss_ratio, space=runs, tolerance=FIG5_BAND, plot=plot_fig5,
                     instances=1, label="final dropout loss, Algorithm 2 / DROPOUT_1, mean over 16 seeds")],
    mutants=[mutant("App. D lambda_1 = q/(1-q)", "twice the second-order coefficient",
                    strength=DROP_PROB / (1 - DROP_PROB)),
             mutant("no R_approx", "xi_approx only (strength 0)", strength=0.0),
             mutant("sign flipped", "strength -lambda_1", strength=-EXPLICIT_COEFFICIENT),
             mutant("loss halved", "claims Algorithm 2 reaches half DROPOUT_1's dropout loss", claimed=lambda i: 0.5)],
    depends_on=["explicit-implicit/aux-eq4.2-corrected", "explicit-implicit/aux-eq4.5",
                "explicit-implicit/experiment-fig4"],
    tags=["experiment", "explicit", "implicit"],
)

CLAIMS = [experiment_fig1, experiment_fig2, experiment_fig4, experiment_fig5]
