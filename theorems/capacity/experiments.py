"""`capacity` Sec. 4.6: Table 4-I, Figures 4-1 and 4-2, scaled down to synthetic data.

Seed 000_f4de404d0cfe4539.txt, Table 4-I (l. 9301-9311, text l. 9367-9380), Figure 4-1 (l. 9312, text l. 9316-9366),
Figure 4-2 (l. 9343, text l. 9381-9445). The seed's data sets (MovieLens 10M; MNIST / Fashion-MNIST 4 vs 7) are not
available offline; substituted:

* matrix completion (Table 4-I, Figure 4-1): a rank-3 matrix with unit-variance entries plus N(0, 0.5^2)
  noise (a 30 x 30 matrix); 400 training and 3000 test entries drawn from the product distribution p(i) q(k),
  p = q ~ i^-0.7 (non-uniform, as for users and movies); He initialisation (sd sqrt(2/d1)); full-batch gradient
  descent, lr 1.5, on the dropout objective in closed form L_hat + lam R_hat (Proposition 3: dropout SGD is SGD on
  it), 500 steps; widths
  d1 in {4, 32} (the seed: 30..190 at rank unknown); 4 seeds (the seed: 50 runs).
* classification (Figure 4-2): two classes in R^10_+ (|z| plus class means mu and reversed mu), symmetrised by random
  signs (the seed's reported variant); n = 200 training points; two-layer ReLU nets of widths {8, 24, 72} trained by
  Adam (lr 0.03, 350 steps, float32) on L_hat + lam R_hat of Proposition 5; flows psi_i = |u_i| a_i with a_i on 600
  held-out (symmetrised) points; 6 seeds.

All runs of an experiment (dropout rates x seeds) are one batched tensor program. Bands are standard errors over
the seeds: an ordering is asserted when the paired difference exceeds 2 SE.
"""
from __future__ import annotations

import numpy as np

from theorycheck import Dynamics, Source, Space, Tolerance, declare, mutant

from ..common.twolayer import hidden, output
from .model import reg_parameter

SEED = "000_f4de404d0cfe4539.txt"
SEEDS = 4
Z_BAND = 2.0
EXACT_INDICATORS = Tolerance(0.0, 0.0, principle="0/1 indicators, each an ordering of seed means and/or a paired difference > 2 SE over the seeds")
UNTESTED_MECHANISM = ("a 10 % change of the dropout strength moves every outcome by less than its seed SE: the "
                      "experiment tests the mechanism (regulariser removed, sign flipped), the coefficient is checked "
                      "exactly by capacity/proposition-3 and proposition-5")

one_run = Space(lambda d: {"setting": "synthetic"}, regimes=("synthetic",), description="one batched run of all seeds")


def _paired_positive(diff: np.ndarray) -> bool:
    """mean > Z_BAND standard errors (diff over seeds)."""
    diff = np.asarray(diff, dtype=float)
    se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    return bool(np.all(np.isfinite(diff)) and diff.mean() > Z_BAND * se and diff.mean() > 0)


# --- matrix completion --------------------------------------------------------------------------------

def completion_regulariser(U, V, N):
    """R_hat = sum_i E_hat_j (u_i' A_j v_i)^2 = tr((U o U)' N (V o V)), N the empirical entry frequencies."""
    return ((U * U) * (N @ (V * V))).sum((-2, -1))


def train_completion(widths, drops, steps, parts, generator, d=30, rank=3, n_train=400, n_test=3000, noise=0.5,
                     exponent=0.7, lr=1.5, every=20):
    """Batched GD on L_hat + lam R_hat for every (drop rate, seed); returns RMSE histories per width."""
    import torch

    w = torch.arange(1, d + 1, dtype=torch.float64) ** -exponent
    marg = w / w.sum()
    out = {}
    for d1 in widths:
        W = torch.randn(SEEDS, d, rank, generator=generator, dtype=torch.float64)
        Y = torch.randn(SEEDS, d, rank, generator=generator, dtype=torch.float64)
        Mstar = W @ Y.transpose(1, 2) / np.sqrt(rank)

        def sample(n):
            rows = torch.multinomial(marg.expand(SEEDS, d), n, replacement=True, generator=generator)
            cols = torch.multinomial(marg.expand(SEEDS, d), n, replacement=True, generator=generator)
            idx = rows * d + cols
            vals = torch.gather(Mstar.reshape(SEEDS, -1), 1, idx) + noise * torch.randn(SEEDS, n, generator=generator,
                                                                                         dtype=torch.float64)
            N = torch.zeros(SEEDS, d * d, dtype=torch.float64).scatter_add_(1, idx, torch.ones_like(vals))
            S = torch.zeros(SEEDS, d * d, dtype=torch.float64).scatter_add_(1, idx, vals)
            return N.reshape(SEEDS, d, d) / n, S.reshape(SEEDS, d, d) / n, (vals**2).sum(1) / n

        seed_of_run = torch.arange(SEEDS).repeat(len(drops))
        train = [t[seed_of_run] for t in sample(n_train)]
        test = [t[seed_of_run] for t in sample(n_test)]
        lam = torch.tensor([float(parts["lam"](p)) for p in drops], dtype=torch.float64).repeat_interleave(SEEDS)
        runs = len(drops) * SEEDS
        U = (torch.randn(runs, d, d1, generator=generator, dtype=torch.float64) * np.sqrt(2 / d1)).requires_grad_()
        V = (torch.randn(runs, d, d1, generator=generator, dtype=torch.float64) * np.sqrt(2 / d1)).requires_grad_()

        def risk(M, N, S, Q):
            return (N * M * M - 2 * S * M).sum((1, 2)) + Q

        opt = torch.optim.SGD([U, V], lr=lr)
        hist = {"step": [], "train": [], "test": []}
        for t in range(steps):
            M = U @ V.transpose(1, 2)
            L = risk(M, *train)
            if t % every == 0 or t == steps - 1:
                with torch.no_grad():
                    hist["step"].append(t)
                    hist["train"].append(L.clamp_min(0).sqrt().reshape(len(drops), SEEDS).numpy().copy())
                    hist["test"].append(risk(M, *test).clamp_min(0).sqrt().reshape(len(drops), SEEDS).numpy().copy())
            opt.zero_grad()
            (L + lam * parts["regularizer"](U, V, train[0])).sum().backward()
            opt.step()
        out[d1] = {k: np.nan_to_num(np.array(v), nan=1e6, posinf=1e6) for k, v in hist.items()}
    return out


TABLE_WIDTHS, TABLE_DROPS = (4, 32), (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
STEPS = 500
PAPER_MIN_RELATIVE_GAIN = 0.0124 / 0.7844  # Table 4-I: the smallest gain of dropout over SGD's best iterate (d1 = 190)


def train_table(inst, sampler, parts):
    return train_completion(TABLE_WIDTHS, TABLE_DROPS, STEPS, parts, sampler.generator)


def table_outcome(state, inst) -> list:
    """[SGD overfits (last > best iterate, paired over the 2 widths x 4 seeds), dropout beats SGD's best iterate by more than the
    paper's smallest relative gain at every width, the best dropout rate does not decrease with width]."""
    overfit = _paired_positive(np.concatenate([state[d1]["test"][-1, 0] - state[d1]["test"][:, 0].min(0)
                                               for d1 in TABLE_WIDTHS]))
    gains, best = [], []
    for d1 in TABLE_WIDTHS:
        test = state[d1]["test"]
        plain_best = test[:, 0].min(0)                       # per seed, with access to the test set
        dropout_last = test[-1, 1:]                          # (rates, seeds)
        k = int(np.argmin(dropout_last.mean(1)))
        gains.append(_paired_positive(plain_best - dropout_last[k] - PAPER_MIN_RELATIVE_GAIN * plain_best))
        best.append(TABLE_DROPS[1 + k])
    return [float(overfit), float(all(gains)), float(all(a <= b for a, b in zip(best, best[1:])))]


def plot_table(inst, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for d1, colour in zip(TABLE_WIDTHS, ("C0", "C3")):
        test = state[d1]["test"]
        ax.errorbar(TABLE_DROPS[1:], test[-1, 1:].mean(1), yerr=test[-1, 1:].std(1, ddof=1) / np.sqrt(SEEDS),
                    color=colour, marker="o", label=rf"dropout, $d_1={d1}$")
        ax.axhline(test[:, 0].min(0).mean(), color=colour, ls="--", label=rf"plain GD best iterate, $d_1={d1}$")
        ax.axhline(test[-1, 0].mean(), color=colour, ls=":", label=rf"plain GD last iterate, $d_1={d1}$")
    ax.set_xlabel(r"dropout rate $p$")
    ax.set_ylabel("test RMSE")
    ax.set_title("capacity/experiment-table-4-I: dropout beats GD's best iterate;\n"
                 r"best $p$ grows with width (synthetic rank-3 completion)", fontsize=9)
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


COMPLETION_PARTS = {"lam": reg_parameter, "regularizer": completion_regulariser}
COMPLETION_MUTANTS = [
    mutant("regulariser removed", "plain GD for every rate (lam = 0)", lam=lambda p: 0.0),
    mutant("sign flipped", "GD on L_hat - lam R_hat", lam=lambda p: -reg_parameter(p)),
]

experiment_table = declare(
    "capacity/experiment-table-4-I",
    title="matrix completion: dropout beats plain GD even with test-set early stopping; best rate grows with width",
    source=Source(SEED, "Table 4-I, Sec. 4.6", "", "9301-9311, 9367-9380"),
    statement=r"\min_t\mathrm{RMSE}_{test}(\text{GD}_t)-\min_p\mathrm{RMSE}_{test}(\text{dropout}_p)>0.0124/0.7844"
              r"\cdot\min_t\mathrm{RMSE}_{test}(\text{GD}_t);\ \mathrm{RMSE}(\text{GD}_{last})>\min_t\mathrm{RMSE}(\text{GD}_t);"
              r"\ p^*(d_1)\uparrow",
    hypotheses=["scaled down: synthetic rank-3 30 x 30 completion, non-uniform sampling (module docstring)",
                "dropout by its closed-form objective (Proposition 3)"],
    claimed=lambda i: [1.0, 1.0, 1.0],
    parts=COMPLETION_PARTS,
    checks=[Dynamics(train=train_table, observed=table_outcome, space=one_run, instances=1, full_instances=3,
                     tolerance=EXACT_INDICATORS, plot=plot_table,
                     label="7 rates x 4 seeds x 2 widths, batched full-batch GD")],
    mutants=COMPLETION_MUTANTS,
    untested={"lam": UNTESTED_MECHANISM, "regularizer": UNTESTED_MECHANISM},
    scope="Asserted: plain GD's last iterate is worse than its best (test-set) iterate (paired over both widths and "
          "4 seeds, > 2 SE); at both widths the "
          "best dropout rate's last iterate beats GD's best iterate by more than the paper's smallest relative gain "
          "(1.58 %, 0.0124 at RMSE 0.784); the best rate does not decrease with width (measured: 0.3 at d1 = 4, 0.6 at "
          "d1 = 32). NOT reproduced: the size of the gain (here ~17 % of RMSE, against 1.6-1.7 % on MovieLens: the "
          "synthetic noise 0.5 is large against the signal); SGD's overfitting growing with width (here reversed: last - "
          "best = 0.04-0.08 at d1 = 4, 0.001-0.02 at d1 = 32, run seed 14; the paper 0.010 at d1 = 30 to 0.063 at 190); "
          "an interior optimum below 0.4 at the large width (here "
          "the best rate is the largest tried, 0.6), widths 30-190 and 50 runs.",
    tags=["experiment"],
)


FIG41_WIDTH, FIG41_DROPS = 32, (0.0, 0.1, 0.2, 0.3, 0.4)


def train_figure_41(inst, sampler, parts):
    return train_completion((FIG41_WIDTH,), FIG41_DROPS, STEPS, parts, sampler.generator)[FIG41_WIDTH]


def figure_41_outcome(state, inst) -> list:
    """[final training RMSE increasing in p, final generalisation gap decreasing in p, plain GD's test error rises
    after its minimum (overfitting)] (consecutive rates, paired over seeds)."""
    train, test = state["train"][-1], state["test"][-1]
    gap = test - train
    train_up = all(_paired_positive(train[k + 1] - train[k]) for k in range(len(FIG41_DROPS) - 1))
    gap_means = gap.mean(1)
    gap_down = bool(np.all(np.diff(gap_means) < 0)) and _paired_positive(gap[0] - gap[-1])
    overfit = _paired_positive(state["test"][-1, 0] - state["test"][:, 0].min(0))
    return [float(train_up), float(gap_down), float(overfit)]


def plot_figure_41(inst, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    steps = np.array(state["step"])
    series = {"training RMSE": state["train"], "test RMSE": state["test"], "generalisation gap": state["test"] - state["train"]}
    for ax, (name, values) in zip(axes, series.items()):
        for k, p in enumerate(FIG41_DROPS):
            ax.plot(steps, values[:, k].mean(1), label="plain GD" if p == 0 else rf"$p={p}$")
        ax.set_xlabel("iteration")
        ax.set_ylabel(name)
    axes[0].legend(fontsize=7)
    fig.suptitle(rf"capacity/experiment-figure-4-1: larger $p$: larger training error, smaller gap ($d_1={FIG41_WIDTH}$,"
                 " synthetic completion)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


experiment_figure_41 = declare(
    "capacity/experiment-figure-4-1",
    title="matrix completion: the dropout rate trades training error for a smaller generalisation gap",
    source=Source(SEED, "Figure 4-1, Sec. 4.6", "", "9312-9366"),
    statement=r"p\uparrow\Rightarrow\mathrm{RMSE}_{train}\uparrow,\ \mathrm{RMSE}_{test}-\mathrm{RMSE}_{train}\downarrow;"
              r"\ \text{plain GD overfits}",
    hypotheses=["scaled down: as Table 4-I, d1 = 32 (the seed: 70)"],
    claimed=lambda i: [1.0, 1.0, 1.0],
    parts=COMPLETION_PARTS,
    checks=[Dynamics(train=train_figure_41, observed=figure_41_outcome, space=one_run, instances=1, full_instances=3,
                     tolerance=EXACT_INDICATORS, plot=plot_figure_41, label="5 rates x 4 seeds, batched full-batch GD")],
    mutants=COMPLETION_MUTANTS,
    untested={"lam": UNTESTED_MECHANISM, "regularizer": UNTESTED_MECHANISM},
    scope="Asserted (4 seeds): final training RMSE strictly increasing in p (each step of p = 0, 0.1, ..., 0.4 by "
          "> 2 SE), the final gap decreasing in p (means strictly, p = 0 vs 0.4 by > 2 SE), and plain GD's test RMSE "
          "at the end above its minimum. NOT reproduced: 'the best trade-off at p = 0.3' (on the proxy the test RMSE still falls at p = 0.4, "
          "0.905 at p = 0 to 0.759 at p = 0.4 in the scratch run) and the time course of the MovieLens curves.",
    tags=["experiment"],
)


# --- two-layer networks: co-adaptation, gap and alpha / sqrt(n) ----------------------------------------

FIG42_WIDTHS, FIG42_DROPS = (8, 24, 72), (0.0, 0.25, 0.5, 0.75)
FIG42_SEEDS = 6


def network_regulariser(u, H):
    """R_hat / lam = sum_j u_j^2 E_hat a_j(x)^2 (Proposition 5, one output)."""
    return (u**2 * (H**2).mean(-2)).sum(-1)


def train_figure_42(inst, sampler, parts, d0=10, n=200, n_test=600, steps=350, lr=0.03, separation=1.0):
    import torch

    g = sampler.generator
    mu = torch.rand(d0, generator=g, dtype=torch.float64)

    def data(m):
        y = torch.where(torch.rand(FIG42_SEEDS, m, generator=g) < 0.5, -1.0, 1.0).double()
        x = torch.randn(FIG42_SEEDS, m, d0, generator=g, dtype=torch.float64).abs() \
            + separation * torch.where(y[..., None] > 0, mu, mu.flip(0))
        zeta = torch.where(torch.rand(FIG42_SEEDS, m, 1, generator=g) < 0.5, -1.0, 1.0).double()
        return x * zeta, y

    (Xtr, ytr), (Xte, yte), (Xho, _) = data(n), data(n_test), data(n_test)
    out = {}
    for d1 in FIG42_WIDTHS:
        runs = len(FIG42_DROPS) * FIG42_SEEDS
        seed_of_run = torch.arange(FIG42_SEEDS).repeat(len(FIG42_DROPS))
        lam = torch.tensor([float(parts["lam"](p)) for p in FIG42_DROPS], dtype=torch.float64).repeat_interleave(FIG42_SEEDS)
        V = (torch.randn(runs, d0, d1, generator=g, dtype=torch.float64) * np.sqrt(2 / d0)).float().requires_grad_()
        u = (torch.randn(runs, d1, generator=g, dtype=torch.float64) / np.sqrt(d1)).float().requires_grad_()
        X, y, lam = Xtr[seed_of_run].float(), ytr[seed_of_run].float(), lam.float()
        moments = [(torch.zeros_like(t), torch.zeros_like(t)) for t in (V, u)]
        for step in range(1, steps + 1):
            H = hidden(V.transpose(1, 2), X)
            f = (H @ u[:, :, None]).squeeze(-1)
            loss = ((y - f) ** 2).mean(1) + lam * parts["regularizer"](u, H)
            grads = torch.autograd.grad(loss.sum(), (V, u))
            with torch.no_grad():  # Adam (beta 0.9, 0.999), written out: torch.optim would import torch._dynamo (3 s)
                for t, grad, (m, v) in zip((V, u), grads, moments):
                    m.mul_(0.9).add_(0.1 * grad)
                    v.mul_(0.999).add_(0.001 * grad * grad)
                    t.sub_(lr * (m / (1 - 0.9**step)) / ((v / (1 - 0.999**step)).sqrt() + 1e-8))
        V, u = V.detach().double(), u.detach().double()
        X, y = Xtr[seed_of_run], ytr[seed_of_run]
        with torch.no_grad():
            def risk(Xs, ys):
                f = output(V.transpose(1, 2), u, Xs).clamp(-1, 1)
                return ((ys - f) ** 2).mean(1)

            gap = risk(Xte[seed_of_run], yte[seed_of_run]) - risk(X, y)
            a = hidden(V.transpose(1, 2), Xho[seed_of_run]).pow(2).mean(1).sqrt()
            psi = u.abs() * a
            phi = psi.sum(1) / (np.sqrt(d1) * psi.norm(dim=1))
            shape = (len(FIG42_DROPS), FIG42_SEEDS)
            out[d1] = {k: np.nan_to_num(v.reshape(shape).numpy(), nan=1e6) for k, v in
                       {"gap": gap, "phi": phi, "alpha_over_sqrt_n": psi.sum(1) / np.sqrt(n)}.items()}
    return out


def figure_42_outcome(state, inst) -> list:
    """[gap decreasing in p (p = 0 vs 0.75 paired > 2 SE at every width; means gap(0) > gap(0.25) > gap(0.75) at the
    widths that overfit, 24 and 72: at width 8 the gap saturates near 0.03 for p >= 0.25), gap
    increasing with width at p = 0 (8 vs 72 paired; means increasing), Spearman(alpha/sqrt n, gap) > 0.8 over the 12
    cells, phi with dropout (mean over p > 0 and seeds) above phi without at every width (less co-adaptation)]."""
    from scipy.stats import spearmanr

    gap_down = all(_paired_positive(state[w]["gap"][0] - state[w]["gap"][-1]) for w in FIG42_WIDTHS) and all(
        state[w]["gap"][0].mean() > state[w]["gap"][1].mean() > state[w]["gap"][-1].mean() for w in FIG42_WIDTHS[1:])
    gap_width = _paired_positive(state[FIG42_WIDTHS[-1]]["gap"][0] - state[FIG42_WIDTHS[0]]["gap"][0]) and bool(
        np.all(np.diff([state[w]["gap"][0].mean() for w in FIG42_WIDTHS]) > 0))
    cells_alpha = [state[w]["alpha_over_sqrt_n"][k].mean() for w in FIG42_WIDTHS for k in range(len(FIG42_DROPS))]
    cells_gap = [state[w]["gap"][k].mean() for w in FIG42_WIDTHS for k in range(len(FIG42_DROPS))]
    predictive = spearmanr(cells_alpha, cells_gap).correlation > 0.8
    less_coadaptation = all(state[w]["phi"][1:].mean() > state[w]["phi"][0].mean() for w in FIG42_WIDTHS)
    return [float(gap_down), float(gap_width), float(predictive), float(less_coadaptation)]


def plot_figure_42(inst, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    for k, p in enumerate(FIG42_DROPS):
        for ax, key in zip(axes, ("phi", "gap", "alpha_over_sqrt_n")):
            ax.plot(FIG42_WIDTHS, [state[w][key][k].mean() for w in FIG42_WIDTHS], marker="o", label=rf"$p={p}$")
    for ax, name in zip(axes, (r"co-adaptation $\phi(w)=\|\psi\|_1/(\sqrt{d_1}\|\psi\|_2)$", "generalisation gap",
                               r"$\alpha/\sqrt{n}$")):
        ax.set_xscale("log")
        ax.set_xticks(FIG42_WIDTHS, [str(w) for w in FIG42_WIDTHS])
        ax.minorticks_off()
        ax.set_xlabel(r"width $d_1$")
        ax.set_ylabel(name)
    axes[0].legend(fontsize=7)
    fig.suptitle(r"capacity/experiment-figure-4-2: dropout lowers the gap and co-adaptation; $\alpha/\sqrt{n}$ orders"
                 " the gap (synthetic, symmetrised)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


experiment_figure_42 = declare(
    "capacity/experiment-figure-4-2",
    title="two-layer ReLU nets: dropout breaks co-adaptation and shrinks the gap; alpha / sqrt(n) predicts the gap",
    source=Source(SEED, "Figure 4-2, Sec. 4.6", "", "9343-9445"),
    statement=r"p\uparrow\Rightarrow\text{gap}\downarrow,\ \phi\uparrow;\ d_1\uparrow\Rightarrow\text{gap}\uparrow;"
              r"\ \alpha/\sqrt n\text{ orders the curves like the gap}",
    hypotheses=["scaled down: synthetic symmetrised classification (module docstring)",
                "dropout by its closed-form objective (Proposition 5)"],
    claimed=lambda i: [1.0, 1.0, 1.0, 1.0],
    parts={"lam": reg_parameter, "regularizer": network_regulariser},
    checks=[Dynamics(train=train_figure_42, observed=figure_42_outcome, space=one_run, instances=1, full_instances=3,
                     tolerance=EXACT_INDICATORS, plot=plot_figure_42, label="4 rates x 6 seeds x 3 widths, batched Adam")],
    mutants=[mutant("regulariser removed", "plain training for every rate", lam=lambda p: 0.0),
             mutant("sign flipped", "L_hat - lam R_hat", lam=lambda p: -reg_parameter(p))],
    untested={"lam": UNTESTED_MECHANISM, "regularizer": UNTESTED_MECHANISM},
    scope="Asserted (6 seeds): the gap falls with p (p = 0 vs 0.75 by > 2 SE at every width; means "
          "gap(0) > gap(0.25) > gap(0.75) at widths 24 and 72) and rises with width at p = 0 (8 vs 72 by > 2 SE, means increasing), "
          "alpha/sqrt(n) orders the 12 (width, p) cells like the gap (Spearman > 0.8), and the co-adaptation measure "
          "phi averaged over p > 0 exceeds its average at p = 0 at every width (means: per-rate or paired 2-SE versions "
          "failed at 1-3 of 28 seeds in the design study, e.g. width 8, seed 24: phi = 0.912, 0.955, 0.927, 0.908 for "
          "p = 0, 0.25, 0.5, 0.75). NOT reproduced: phi increasing in p at every rate (it saturates, and at width 8 can "
          "fall at p = 0.75); the gap decreasing for p >= 0.25 at width 8, where it saturates (0.031, 0.040, 0.032 "
          "at p = 0.25, 0.5, 0.75, run seed 2); phi decreasing in width (p = 0, width 72 below width 8 by 2 SE failed at 6 of 28 seeds); 100 % "
          "training accuracy (0.95-1.0 at width 72, 0.87-0.95 at width 8); MNIST itself; the unsymmetrised variant.",
    tags=["experiment"],
)

CLAIMS = [experiment_table, experiment_figure_41, experiment_figure_42]
