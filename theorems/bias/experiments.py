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
    """Theorem 2.4 for each lam: both columns have |u| = sqrt(trace S_alpha(M) / r) (6 settings x 2), and 1 for
    "every chain is there" (the per-chain indicator of ``fig2_report``)."""
    return np.r_[np.array([[np.sqrt(shrunk_spectrum(shrinkage(i.M, i.r, lam)).sum() / i.r)] * 2
                           for lam in i.lams for _ in INITS]).ravel(), 1.0]


# per-chain time averages (second half of the run) deviate from the chain mean with a measured SD of <= 1.9 %
# (lam = 0.1; 0.7-1 % for lam = 0.5, 1), max 6.5 % over 4 seeds x 768 coordinates; 6 SD = 12 %. A chain
# stuck at the strict saddle (sqrt(2/(1+lam)), 0) is >= 85 % off in one coordinate.
PER_CHAIN_BAND = 0.12


def fig2_report(state, i, parts) -> np.ndarray:
    """[chain-mean |u_1|, |u_2| per setting (12), 1 if EVERY chain's time average is within PER_CHAIN_BAND of
    the claimed magnitude]: a 64-chain mean alone would hide a chain stuck at a saddle."""
    target = np.asarray(parts["claimed"](i))[:-1].reshape(-1, 2)
    deviation = np.abs(state["chains_abs"] - target[:, None, :]) / np.maximum(target[:, None, :], 1e-12)
    return np.r_[state["mean_abs"].ravel(), float(deviation.max() <= PER_CHAIN_BAND)]


def dropout_sgd(i, sampler: Sampler, parts) -> dict:
    """Algorithm 1 on the tied scalar autoencoder, settings x chains batched; retain probability from the part
    ``keep_prob`` (eq. 2: lam = (1 - theta)/theta, so theta = 1/(1 + lam)), target y = M x."""
    chains = 256 if i.full else 64
    steps = 60_000 if i.full else 20_000
    lam = sampler.tensor(np.repeat(i.lams, len(INITS)))[:, None]
    theta = parts["keep_prob"](lam)
    m = float(i.M[0, 0])
    u = sampler.tensor(np.tile(i.inits, (len(i.lams), 1)))[:, None, :].repeat(1, chains, 1)
    running = torch.zeros_like(u)
    path = []
    for t in range(steps):
        x = sampler.normal(u.shape[0], chains)
        b = (sampler.uniform(u.shape[0], chains, 2) < theta[..., None]).to(u.dtype)
        residual = m * x - (b * u * u).sum(-1) * x / theta
        grad = -4.0 * (residual * x / theta)[..., None] * b * u
        u = u - 0.002 / (1.0 + t / 20000.0) * grad
        if t >= steps // 2:
            running += u.abs()
        if t % 200 == 0:
            path.append(u[:, 0].cpu().numpy().copy())
    average = running / (steps - steps // 2)
    return {"mean_abs": average.mean(1).cpu().numpy(), "chains_abs": average.cpu().numpy(),
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
        ax.set_title(rf"$\lambda = {lam:g}$")
        ax.set_xlabel(r"$u_1$")
        ax.set_ylabel(r"$u_2$")
        ax.set_aspect("equal")
    axes[0].legend(loc="lower left")
    fig.suptitle(r"bias/experiment-fig2: dropout SGD reaches $|u_1| = |u_2| = \sqrt{2/(2+\lambda)}$ in every chain "
                 "(003 Figure 2, scaled down)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


experiment_fig2 = declare(
    "bias/experiment-fig2",
    title="dropout SGD from two initialisations converges to an equalized global optimum (Figure 2)",
    source=Source(SEED, "Figure 2", lines="662-665, 718-729", also="thesis Figure 2-2"),
    statement=r"\text{Algorithm 1 on }\min_{U\in\mathbb R^{1\times2}}\mathbb E(y-\tfrac1\theta\sum_jb_ju_j^2x)^2,"
              r"\ y=2x:\ |u_1|,|u_2|\to\sqrt{2/(2+\lambda)}",
    hypotheses=["x ~ N(0, 1), y = 2x", "theta = 1 / (1 + lam)", "inits (1.5, 0.1) and (-0.2, 1.2)"],
    claimed=equalized_magnitudes,
    parts={"keep_prob": lambda lam: 1.0 / (1.0 + lam)},
    checks=[Dynamics(train=dropout_sgd, observed=fig2_report, space=figure_2,
                     instances=1, full_instances=1, plot=plot_figure_2,
                     tolerance=Tolerance(1.5e-2, 0.0, "chain means: chain standard error <= 0.2 % (measured per-chain "
                                         "SD <= 1.9 % over 128 values), plus the O(eta) stationary bias of the last "
                                         "steps (measured -0.1 to -0.33 %); measured |error| <= 0.5 % over 4 seeds; the "
                                         "per-chain indicator is exact (band 12 % = 6 measured per-chain SD)"),
                     label="Algorithm 1, 6 settings x 64 chains, batched: chain means and every chain")],
    mutants=[
        mutant("not equalized", "the dropout-free optimum (sqrt(M), 0) is reached",
               claimed=lambda i: np.r_[np.array([[np.sqrt(2.0), 0.0]] * (len(i.lams) * len(INITS))).ravel(), 1.0]),
        mutant("r = 1 normalisation", "|u_i| = sqrt(2 / (1 + lam)) (1 + lam in the denominator)",
               claimed=lambda i: np.r_[np.array([[np.sqrt(2.0 / (1.0 + lam))] * 2 for lam in i.lams
                                                 for _ in INITS]).ravel(), 1.0]),
        mutant("no dropout", "Algorithm 1 with theta = 1 (the regulariser removed): no equalization",
               keep_prob=lambda lam: 1.0 + 0.0 * lam),
    ],
    depends_on=["bias/lemma-A.1"],
    tags=["exemplar", "experiment", "dynamics"],
)

CLAIMS = [experiment_fig2]
