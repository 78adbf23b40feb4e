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
Only the orderings that hold are asserted.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from theorycheck import Dynamics, Source, Space, Tolerance, declare, mutant

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


# --- experiment-fig3: R_approx alone vs DROPOUT_1 and DROPOUT_16 ------------------------------

FIG3_ARMS = {"no regularizer": ("none", 1, 0.0), "DROPOUT_1": ("dropout", 1, 0.0),
             "DROPOUT_16": ("dropout", 16, 0.0), "R_approx, lambda_1 = q/(1-q)": ("R_approx", 1, PAPER_STRENGTH)}


def train_fig3(inst, sampler) -> dict:
    seeds = range(inst.seed, inst.seed + SEEDS)
    return {"curves": {name: np.stack([run_arm(s, *arm) for s in seeds]) for name, arm in FIG3_ARMS.items()}}


def explicit_vs_dropout16(state, inst) -> float:
    """Paired t-statistic of final validation CE, R_approx minus DROPOUT_16."""
    c = state["curves"]
    return paired_t(c["R_approx, lambda_1 = q/(1-q)"][:, -1], c["DROPOUT_16"][:, -1])


experiment_fig3 = declare(
    "explicit-implicit/experiment-fig3",
    title="The explicit regularizer R_approx alone is no worse than DROPOUT_16 (Figure 3, proxy)",
    source=Source(SEED, "Figure 3", "(4.4), Algorithm 2", "262, 266-270", also="App. D.1 l. 1028-1063"),
    statement=r"\mathrm{val}(\ell+\lambda_1R_{\rm approx})\le\mathrm{val}(\text{DROPOUT}_{16})+2\,\mathrm{SE},"
              r"\ \lambda_1=\tfrac q{1-q}\ \text{(Figure 3: }R_{\rm approx}\text{ beats DROPOUT}_{32}\text{, not DROPOUT}_1)",
    hypotheses=["q = 0.4 is the DROP probability (retain 0.6); lambda_1 = q/(1-q) = 2/3 as in App. D.1",
                "proxy: width-32 tanh net, CE, 40 teacher-labelled examples with sampled labels, 1000 validation "
                "examples, full batch, lr 0.5, 300 steps, 5 paired seeds per instance (DROPOUT_16 stands for k >= 16)"],
    scope="asserted: the first half of the catalogue's outcome, val(R_approx) <= val(DROPOUT_16) + 2 SE (paired "
          "t <= 2 over 5 seeds; measured t = -1.72, 0.56, 1.62, -0.80, -0.48 at --seed 0-4), i.e. the explicit "
          "regularizer captures dropout's effect at large k. Not asserted: val(R_approx) > val(DROPOUT_1) (the "
          "implicit part). Measured in 4 other 5-seed blocks: R_approx is worse than DROPOUT_1 in each (paired t "
          "0.23-1.79) but never by 2 SE, and DROPOUT_1 vs DROPOUT_16 differ by "
          "|t| <= 2.5 either way, so this proxy shows no implicit effect; R_approx vs no regularizer is also not "
          "significant (t -1.3..0.3). Perplexities of the LSTM runs are not reproducible here.",
    parts={"relation": "<="},
    claimed=lambda i: 2.0,
    checks=[Dynamics(train=train_fig3, observed=explicit_vs_dropout16, space=runs, tolerance=TWO_SE,
                     relation="relation", plot=plot_runs, instances=1,
                     label="paired t of val(R_approx) - val(DROPOUT_16) <= 2")],
    mutants=[mutant("opposite ordering", "R_approx worse than DROPOUT_16 by at least 2 SE", relation=">="),
             mutant("significantly outperforms", "R_approx better than DROPOUT_16 by 2 SE (the literal 'outperforms')",
                    claimed=lambda i: -2.0)],
    depends_on=["explicit-implicit/aux-eq4.2-corrected", "explicit-implicit/experiment-fig1"],
    tags=["experiment", "explicit"],
)

CLAIMS = [experiment_fig3]
