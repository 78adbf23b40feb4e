"""`bias` §6, Figure 2 (thesis Figure 2-2), scaled down: dropout SGD reaches an equalized optimum.

Seed 003_d0c1b2e846001ede.txt, Figure 2 (l. 662-665) and §6 (l. 718-729). Setting of the figure:
tied autoencoder U = V in R^{1 x 2} (the figure is two-dimensional), x ~ N(0, 1), y = 2x (M = 2),
lam in {0.1, 0.5, 1}, two initialisations. The paper reports no step size or iteration count; we use
eta_t = 0.002 / (1 + t / 20000) and 2e4 single-sample steps, 64 independent chains per setting, all
settings batched as one tensor. The step is bounded by stability, not tuned: a single-sample step
has curvature about 12 x^2 u^2 / theta^2, ~1.2e3 for a 5-sigma draw at theta = 1/2, so eta <= 2e-3
keeps every step contracting (eta_0 = 0.01 let one chain in 384 diverge at seed 8). The claimed end point is Theorem 2.4's equalized optimum,
|u_i| = sqrt(trace S_alpha(M) / r) = sqrt(2 / (2 + lam)).
"""
from __future__ import annotations

import numpy as np
import torch

from theorycheck import Dynamics, Sampler, Source, Space, Tolerance, declare, mutant

from .model import shrinkage, shrunk_spectrum

SEED = "003_d0c1b2e846001ede.txt"
LAMS = (0.1, 0.5, 1.0)
INITS = ((1.5, 0.1), (-0.2, 1.2))
figure_2 = Space(lambda d: {"M": np.array([[2.0]]), "r": 2, "lams": np.array(LAMS), "inits": np.array(INITS)},
                 description="the setting of Figure 2 (no randomness in the instance)")


def equalized_magnitudes(i):
    """Theorem 2.4 for each lam: both columns have |u| = sqrt(trace S_alpha(M) / r)."""
    return np.array([[np.sqrt(shrunk_spectrum(shrinkage(i.M, i.r, lam)).sum() / i.r)] * 2
                     for lam in i.lams for _ in INITS])


def dropout_sgd(i, sampler: Sampler) -> dict:
    """Algorithm 1 on the tied scalar autoencoder, settings x chains batched; retain prob 1/(1+lam)."""
    chains = 256 if i.full else 64
    steps = 60_000 if i.full else 20_000
    lam = sampler.tensor(np.repeat(i.lams, len(INITS)))[:, None]
    theta = 1.0 / (1.0 + lam)
    u = sampler.tensor(np.tile(i.inits, (len(i.lams), 1)))[:, None, :].repeat(1, chains, 1)
    running = torch.zeros_like(u)
    path = []
    for t in range(steps):
        x = sampler.normal(u.shape[0], chains)
        b = (sampler.uniform(u.shape[0], chains, 2) < theta[..., None]).to(u.dtype)
        residual = 2.0 * x - (b * u * u).sum(-1) * x / theta
        grad = -4.0 * (residual * x / theta)[..., None] * b * u
        u = u - 0.002 / (1.0 + t / 20000.0) * grad
        if t >= steps // 2:
            running += u.abs()
        if t % 200 == 0:
            path.append(u[:, 0].cpu().numpy().copy())
    average = running / (steps - steps // 2)
    return {"mean_abs": average.mean(1).cpu().numpy(),
            "chain_se": (average.std(1) / chains**0.5).cpu().numpy(), "path": np.array(path)}


def plot_figure_2(i, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(i.lams), figsize=(4 * len(i.lams), 4))
    for k, (ax, lam) in enumerate(zip(axes, i.lams)):
        s = np.sqrt(2.0 / (2.0 + lam))
        for j in range(len(INITS)):
            traj = state["path"][:, k * len(INITS) + j]
            ax.plot(traj[:, 0], traj[:, 1], color="tab:red", lw=0.8)
        ax.plot([s, s, -s, -s], [s, -s, s, -s], "o", color="tab:green", label="equalized optima")
        ax.set_title(f"lam = {lam:g}")
        ax.set_xlabel("u1")
        ax.set_ylabel("u2")
        ax.set_aspect("equal")
    axes[0].legend(loc="lower left")
    fig.suptitle("dropout SGD on the tied scalar autoencoder (003 Figure 2, scaled down)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


experiment_fig2 = declare(
    "bias/experiment-fig2",
    title="dropout SGD from two initialisations converges to an equalized global optimum (Figure 2)",
    source=Source(SEED, "Figure 2", lines="662-665, 718-729", also="thesis Figure 2-2"),
    statement=r"\text{Algorithm 1 on }\min_{U\in\mathbb R^{1\times2}}\mathbb E(y-\tfrac1\theta\sum_jb_ju_j^2x)^2,"
              r"\ y=2x:\ |u_1|,|u_2|\to\sqrt{2/(2+\lambda)}",
    hypotheses=["x ~ N(0, 1), y = 2x", "theta = 1 / (1 + lam)", "inits (1.5, 0.1) and (-0.2, 1.2)"],
    claimed=equalized_magnitudes,
    checks=[Dynamics(train=dropout_sgd, observed=lambda state, i: state["mean_abs"], space=figure_2,
                     instances=1, full_instances=1, plot=plot_figure_2,
                     tolerance=Tolerance(1.5e-2, 0.0, "time-and-chain average of SGD: chain standard error "
                                         "<= 0.4 % at 64 chains, plus the O(eta) stationary bias of the last "
                                         "steps (eta_T = 1e-3); measured at most 0.7 % over 12 seeds at T = 2e4"),
                     label="Algorithm 1, 6 settings x 64 chains, batched")],
    mutants=[
        mutant("not equalized", "the dropout-free optimum (sqrt(M), 0) is reached",
               claimed=lambda i: np.array([[np.sqrt(2.0), 0.0]] * (len(i.lams) * len(INITS)))),
        mutant("r = 1 normalisation", "|u_i| = sqrt(2 / (1 + lam)) (1 + lam in the denominator)",
               claimed=lambda i: np.array([[np.sqrt(2.0 / (1.0 + lam))] * 2 for lam in i.lams for _ in INITS])),
    ],
    depends_on=["bias/lemma-A.1"],
    tags=["exemplar", "experiment", "dynamics"],
)

CLAIMS = [experiment_fig2]
