"""`explicit-implicit` §5.1 ablation (Figure 3: the explicit regularizer alone), scaled down to a proxy testbed.

Seed 004_e45fe814f3a8977e.txt: Figure 3 (l. 262, 266-270), §5.2 and (5.1) (l. 284-310), App. D.1 (l. 1028-1063).
The paper's runs are LSTM language models; the numbers (PTB 84.52 vs 89.12 vs 73.76, identity 108.76, ...)
cannot be reproduced on a CPU in seconds. The proxy: the pack's two-layer tanh net F = W2((1 + eta) * tanh(W1 x))
with CE loss (the R_approx of experiments.py), made wide enough (32 hidden units) for dropout to matter, trained
full batch (lr 0.5, 300 steps) on 40 examples labelled by a fixed random teacher with sampled (noisy) labels, and
validated on 1000 fresh examples. q = 0.4 is the DROP probability. Each instance runs SEEDS paired seeds (same
data and initialisation for every arm); an ordering is asserted only as a paired t-statistic against the
2-standard-error band across those seeds.
Measured on this proxy (an honest negative): DROPOUT_1 and DROPOUT_16 end at the same validation loss (paired
difference within 1 SE), so the implicit effect that Figure 3 attributes the DROPOUT_1 gap to is absent here, and
identity weighting beats H_out weighting (§5.2 claims the reverse): with strengths tuned on {0.1, 0.3, 1, 3},
paired t of val(R_approx) - val(identity) = 3.5 and 6.2 in two 5-seed blocks, R_approx vs R~_approx (5.1) t = 0.4
and 0.5. That ablation (experiment-tables1-5) is not encoded: it costs ~8 min per instance on this machine.
Figure 3's outcome (validation gain of R_approx alone over no regularizer) is not reproduced either (80 paired
seeds: validation CE t = -0.93, 0-1 error t = -2.1 at effect 0.23 sd); experiment-fig3 asserts only the
mechanism (the explicit regularizer shrinks the dropout gap at the solution), with its title saying so.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from theorycheck import CheckError, Dynamics, Source, Space, Tolerance, declare, mutant

from .experiments import DROP_PROB, SEED

WIDTH, DIM, CLASSES, TEACHER, EXAMPLES, VALIDATION = 32, 5, 3, 8, 40, 1000
STEPS, LR, SEEDS = 300, 0.5, 5
PAPER_STRENGTH = DROP_PROB / (1 - DROP_PROB)  # App. D.1's lambda_1 = q/(1-q) = 2/3


def _data(seed: int):
    """Teacher-labelled train/validation sets (labels sampled from the teacher's softmax) and the student init."""
    g = torch.Generator().manual_seed(seed)
    T1 = torch.randn(TEACHER, DIM, generator=g, dtype=torch.float64)
    T2 = 2 * torch.randn(CLASSES, TEACHER, generator=g, dtype=torch.float64)

    def labels(X):
        return torch.multinomial(torch.softmax(torch.tanh(X @ T1.T) @ T2.T, -1), 1, generator=g).squeeze(1)

    X = torch.randn(EXAMPLES, DIM, generator=g, dtype=torch.float64)
    Xv = torch.randn(VALIDATION, DIM, generator=g, dtype=torch.float64)
    W1 = torch.randn(WIDTH, DIM, generator=g, dtype=torch.float64) / np.sqrt(DIM)
    W2 = torch.randn(CLASSES, WIDTH, generator=g, dtype=torch.float64) / np.sqrt(WIDTH)
    return X, labels(X), Xv, labels(Xv), W1, W2, g


def _r_approx_fast(W1, W2, X) -> torch.Tensor:
    """experiments._r_approx in closed form: (W2' H_out W2)_kk = sum_i p_i W2_ik^2 - (sum_i p_i W2_ik)^2.

    Same value as <W2' (diag p - p p') W2, diag h^2> without the (n, c, c) Hessian tensor (5x faster).
    """
    h = torch.tanh(X @ W1.T)
    p = torch.softmax(h @ W2.T, -1)
    return ((p @ (W2 * W2) - (p @ W2) ** 2) * h * h).sum(1).mean()


@lru_cache(maxsize=512)
def run_arm(seed: int, arm: str, k: int = 1, strength: float = 0.0) -> np.ndarray:
    """Validation CE every 10 steps of full-batch training; arm is 'none', 'dropout' (DROPOUT_k) or 'R_approx'."""
    X, y, Xv, yv, W1, W2, g = _data(seed)
    W1.requires_grad_(True)
    W2.requires_grad_(True)
    curve = []
    for step in range(STEPS):
        h = torch.tanh(X @ W1.T)
        if arm == "dropout":  # k independent masks per example, averaged: Algorithm 1
            eta = (torch.rand((k, *h.shape), generator=g, dtype=torch.float64) > DROP_PROB) / (1 - DROP_PROB) - 1
            loss = torch.nn.functional.cross_entropy((((1 + eta) * h) @ W2.T).reshape(-1, CLASSES), y.repeat(k))
        else:  # Algorithm 2 without noise: l + lambda_1 R
            loss = torch.nn.functional.cross_entropy(h @ W2.T, y)
            if arm != "none":
                loss = loss + strength * _r_approx_fast(W1, W2, X)
        g1, g2 = torch.autograd.grad(loss, [W1, W2])
        with torch.no_grad():
            W1 -= LR * g1
            W2 -= LR * g2
            if step % 10 == 9:
                curve.append(float(torch.nn.functional.cross_entropy(torch.tanh(Xv @ W1.T) @ W2.T, yv)))
    return np.array(curve)


def paired_t(a: np.ndarray, b: np.ndarray) -> float:
    """Mean of the paired differences a - b over its standard error across seeds."""
    d = a - b
    return float(d.mean() / (d.std(ddof=1) / np.sqrt(len(d))))


def _runs(d) -> dict:
    return {"seed": d.integer(0, 10**6)}


runs = Space(_runs, description="SEEDS consecutive seeds for data, teacher, initialisation and masks")
TWO_SE = Tolerance(rtol=0.0, atol=0.0, principle="paired t-statistic over 5 seeds against 2 standard errors "
                                                 "(the claimed side is the 2-SE threshold itself)")


def _plot(curves: dict):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3))
    names = list(curves)
    for name in names:
        a.plot(10 * np.arange(1, curves[name].shape[1] + 1), curves[name].mean(0), label=name)
    finals = [curves[n][:, -1] for n in names]
    b.bar(range(len(names)), [f.mean() for f in finals], yerr=[2 * f.std(ddof=1) / np.sqrt(len(f)) for f in finals])
    b.set_xticks(range(len(names)), names, rotation=20, fontsize=7)
    b.set_ylim(min(f.mean() for f in finals) * 0.8, max(f.mean() for f in finals) * 1.1)
    a.set_title("validation CE (mean over seeds)")
    b.set_title("final validation CE +- 2 SE")
    a.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_runs(inst, state, path):
    fig = _plot(state["curves"])
    fig.savefig(path, dpi=80)
    import matplotlib.pyplot as plt

    plt.close(fig)


# --- experiment-fig3: what the explicit regularizer alone does on the proxy --------------------------------

FIG3_SEEDS, FIG3_MASKS = 6, 128


def train_fig3_batch(first_seed: int, strengths, steps: int = STEPS, masks: int = FIG3_MASKS,
                     generator=None) -> dict:
    """Full-batch training of l + s R_approx for every strength s and FIG3_SEEDS paired seeds, in one tensor.

    Returns per (seed, arm) the dropout gap l_drop - l at the weights reached (Monte Carlo over ``masks`` draws per
    example, with its SE), and the validation CE and 0-1 error (reported, not asserted).
    """
    data = [_data(s) for s in range(first_seed, first_seed + FIG3_SEEDS)]
    X, y, Xv, yv = (torch.stack([d[j] for d in data]) for j in range(4))
    N, S = FIG3_SEEDS, len(strengths)
    W1 = torch.stack([d[4] for d in data])[:, None].expand(N, S, WIDTH, DIM).clone().requires_grad_(True)
    W2 = torch.stack([d[5] for d in data])[:, None].expand(N, S, CLASSES, WIDTH).clone().requires_grad_(True)
    strength = torch.tensor([float(v) for v in strengths], dtype=torch.float64)
    Y = torch.nn.functional.one_hot(y, CLASSES).to(torch.float64)[:, None]
    for _ in range(steps):
        h = torch.tanh(torch.einsum("znd,zsmd->zsnm", X, W1))
        out = torch.einsum("zsnm,zscm->zsnc", h, W2)
        ce = -(torch.log_softmax(out, -1) * Y).sum(-1).mean(-1)
        p = torch.softmax(out, -1)
        r = ((torch.einsum("zsnc,zscm->zsnm", p, W2 * W2) - torch.einsum("zsnc,zscm->zsnm", p, W2) ** 2)
             * h * h).sum(-1).mean(-1)
        g1, g2 = torch.autograd.grad((ce + strength * r).sum(), [W1, W2])
        with torch.no_grad():
            W1 -= LR * g1
            W2 -= LR * g2
    with torch.no_grad():
        h = torch.tanh(torch.einsum("znd,zsmd->zsnm", X, W1))
        clean = -(torch.log_softmax(torch.einsum("zsnm,zscm->zsnc", h, W2), -1) * Y).sum(-1).mean(-1)
        eta = (torch.rand((masks, *h.shape), generator=generator, dtype=torch.float64) > DROP_PROB) / (1 - DROP_PROB) - 1
        dropped = -(torch.log_softmax(torch.einsum("bzsnm,zscm->bzsnc", (1 + eta) * h, W2), -1) * Y).sum(-1).mean(-1)
        out_v = torch.einsum("zsnm,zscm->zsnc", torch.tanh(torch.einsum("znd,zsmd->zsnm", Xv, W1)), W2)
        Yv = torch.nn.functional.one_hot(yv, CLASSES).to(torch.float64)[:, None]
        return {"gap": (dropped.mean(0) - clean).numpy(), "gap_se": (dropped.std(0) / np.sqrt(masks)).numpy(),
                "val_ce": (-(torch.log_softmax(out_v, -1) * Yv).sum(-1).mean(-1)).numpy(),
                "val_err": (out_v.argmax(-1) != yv[:, None]).to(torch.float64).mean(-1).numpy()}


def train_fig3(inst, sampler, parts) -> dict:
    state = train_fig3_batch(inst.seed, [0.0, parts["strength"]], steps=4 * STEPS if inst.full else STEPS,
                             generator=sampler.generator)
    return state


def gap_log_ratio_t(state, inst) -> float:
    """Paired t over seeds of log(gap(R_approx arm) / gap(no regularizer)); a non-finite run is an error."""
    gap = state["gap"]
    if not np.all(np.isfinite(gap[:, 0])) or np.any(gap[:, 0] <= 0):
        raise CheckError(f"baseline dropout gaps not positive finite: {gap[:, 0]}")
    if not np.all(np.isfinite(gap[:, 1])):
        return 1e300  # the regularized arm diverged: its gap is not smaller (a failure, not an error)
    d = np.log(gap[:, 1] / gap[:, 0])
    return float(d.mean() / (d.std(ddof=1) / np.sqrt(len(d)) + 1e-12))


def plot_fig3(inst, state, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    names = ["no regularizer", r"$\lambda_1 R_{\rm approx}$"]
    for ax, key, label in zip(axes, ("gap", "val_ce", "val_err"),
                              (r"dropout gap $\ell_{\rm drop}-\ell$ at the end", "validation CE",
                               "validation 0-1 error")):
        values = state[key]
        for seed_row in values:
            ax.plot([0, 1], seed_row, color="0.7", lw=0.6)
        ax.errorbar([0, 1], values.mean(0), yerr=2 * values.std(0, ddof=1) / np.sqrt(len(values)), fmt="o")
        ax.set_xticks([0, 1], names)
        ax.set_ylabel(label)
        if key == "gap":
            ax.set_yscale("log")
    t = gap_log_ratio_t(state, inst)
    fig.suptitle(r"explicit-implicit/experiment-fig3: asserted paired t of log gap ratio $\leq -2$ "
                 f"(measured {t:.2f}); validation panels not asserted", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


T_THRESHOLD = Tolerance(rtol=0.0, atol=0.0, principle=f"paired t-statistic over {FIG3_SEEDS} seeds against 2 standard "
                        "errors (the claimed side is the threshold itself); seeds by a power calculation: log gap ratio "
                        "-1.6 +- sd 0.8 over 10 seeds (a pilot), so 6 seeds give t ~ -4.9 and P(t > -2) < 1e-3; "
                        "measured t = -9 to -12.5 at 8 seed blocks")

experiment_fig3 = declare(
    "explicit-implicit/experiment-fig3",
    untested={
        'claimed': 'the 2-SE threshold is a significance level, not a constant of the paper; the measured t (-9 to -12.5) is far beyond it',
        'strength': 'the dropout-gap contrast holds for any strength in ~[0.3, 1.5]: not tested within +-50 % (0 and -lambda_1 are refuted mutants)'},
    title="[Figure 3, mechanism only] training with lambda_1 R_approx alone (no dropout) shrinks the dropout gap "
          "l_drop - l at the solution reached vs no regularizer (proxy); the validation gain is NOT reproduced",
    source=Source(SEED, "Figure 3", "(4.4), Algorithm 2", "262, 266-270", also="App. D.1 l. 1028-1063"),
    statement=r"t\Big(\log\frac{(\ell_{\rm drop}-\ell)(W_{\ell+\lambda_1R_{\rm approx}})}{(\ell_{\rm drop}-\ell)(W_\ell)}\Big)"
              r"\le-2,\ \lambda_1=\tfrac q{1-q}\ \text{(paired over seeds)}",
    hypotheses=["q = 0.4 is the DROP probability (retain 0.6); lambda_1 = q/(1-q) = 2/3 as in App. D.1",
                "proxy: width-32 tanh net, CE, 40 teacher-labelled examples with sampled labels, 1000 validation "
                "examples, full batch, lr 0.5, 300 steps, 6 paired seeds; l_drop by 128 sampled masks per example"],
    scope="NOT reproduced (the outcome Figure 3 reports): validation improvement of R_approx over no regularizer. "
          "Measured over 80 paired seeds: validation CE difference -0.028 (sd 0.27, t = -0.93); validation 0-1 "
          "error -0.0038 (sd 0.016, t = -2.1, effect 0.23 sd: 99 % power at 2 SE needs ~350 seeds, ~4 CPU-minutes); "
          "nor the ordering against DROPOUT_1 / DROPOUT_16 (|t| <= 2.5 either way in earlier 5-seed blocks). "
          "Asserted instead: the mechanism the figure's explanation rests on, that the explicit regularizer alone "
          "removes most of dropout's explicit effect at the solution (measured mean log gap ratio -1.6, i.e. the "
          "gap shrinks ~5x). The strength is not tested within +-50 % (constant not tested below that); strength 0 "
          "and -lambda_1 are refuted.",
    parts={"relation": "<=", "strength": PAPER_STRENGTH},
    claimed=lambda i: -2.0,
    checks=[Dynamics(train=train_fig3, observed=gap_log_ratio_t, space=runs, tolerance=T_THRESHOLD,
                     relation="relation", plot=plot_fig3, instances=1,
                     label="paired t of log dropout-gap ratio, R_approx vs none, <= -2")],
    mutants=[mutant("no regularizer", "strength 0: the arm is the baseline", strength=0.0),
             mutant("sign flipped", "strength -lambda_1", strength=-PAPER_STRENGTH),
             mutant("opposite ordering", "R_approx enlarges the dropout gap by 2 SE", relation=">=")],
    depends_on=["explicit-implicit/aux-eq4.2-corrected", "explicit-implicit/experiment-fig1"],
    tags=["experiment", "explicit"],
)

CLAIMS = [experiment_fig3]
