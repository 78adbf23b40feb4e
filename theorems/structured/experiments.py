"""`structured` §5 and App. E: Figures 1-6, scaled down.

Seed 002_ed3fd3cd48b2c3c3.txt: §5.1 setup l. 279-286 (X 100 x 1000 Gaussian, Y = M X, M = U_true V_true^T,
d = 50, theta = 0.5), Figure 1 l. 190 / text l. 288-296, Figure 2 l. 206 / §5.2 l. 298-302, Figure 3
l. 242 / text l. 288-292, Figure 4 l. 304 / §5.3 l. 306-310, Figures 5-6 (App. E, l. 596-605: more
values of theta). The paper reports curves, no numbers; what each claim asserts is in its statement.

Scaled down (each < 10 s on one CPU core): X 10 x 100 Gaussian, M (8 x 10) of rank 4 with spectrum
about (3, 1.2, 0.6, 0.3) (the seed's inner dimension is not stated; a decaying spectrum makes the
r-support optimum differ from the nuclear one, so the comparison has power), d = 12, block sizes 2 and
3, three data seeds batched as runs. Algorithm 1 runs full batch (one mask per step and run) with a
decaying step and a Polyak average over the last quarter. Fixed theta at width d is read through (7):
(3) at theta equals f of (8) with bar theta given by (1-bar theta)/bar theta = (r/d)(1-theta)/theta, so
"the Theorem 2.7 minimum" is the one with beta = (1-theta)/(theta k). X (10 x 100) does not have full
column rank, as in the seed; the minimum still applies because Y = M X puts A* in the row space of X.
"""
from __future__ import annotations

import numpy as np

from theorycheck import Dynamics, Relation, Source, Space, Tolerance, declare, mutant

from .model import beta_of, single_thread, theorem27_minimizer
from .training import block_masks, dropblock_deterministic, dropblock_sgd, dropblock_stochastic_mc

SEED = "002_ed3fd3cd48b2c3c3.txt"
DPI = 150
_TRAINED: dict = {}


def _memo(key, compute):
    """Training shared by the checks of one claim (same instance, same training parts), per worker."""
    if key not in _TRAINED:
        if len(_TRAINED) > 16:
            _TRAINED.clear()
        _TRAINED[key] = compute()
    return _TRAINED[key]


def _content(inst) -> tuple:
    return tuple((k, v.tobytes() if isinstance(v, np.ndarray) else repr(v)) for k, v in sorted(inst.items())
                 if k != "full")


def synthetic(d) -> dict:
    """§5.1 scaled down: X (10 x 100) Gaussian, Y = M X, M 8 x 10 of rank 4 with a decaying spectrum."""
    a, b, N = 8, 10, 100
    spectrum = np.array([3.0, 1.2, 0.6, 0.3]) * np.array([d.uniform(0.9, 1.1) for _ in range(4)])
    M = (d.orthogonal(a)[:, :4] * spectrum) @ d.orthogonal(b)[:, :4].T
    X = d.normal(b, N)
    return {"X": X, "Y": M @ X, "d": 12}


synthetic_data = Space(synthetic, description="X 10 x 100 N(0,1), Y = M X, M rank 4, spectrum ~(3, 1.2, 0.6, 0.3)")


def figure_axes(rows: int = 1, cols: int = 1, size=(7.0, 5.0)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False)
    return plt, fig, axes


# --- Figures 1 and 5: DropBlock ---------------------------------------------------------------------------

def train_dropblock(inst, sampler, parts, keeps, blocks_sizes, seeds: int):
    """Algorithm 1 for every (block size, keep probability, seed); MC of (3) at 8 checkpoints (10^5 draws)."""
    import torch

    def compute():
        X, Y = sampler.tensor(inst.X), sampler.tensor(inst.Y)
        out = {}
        with single_thread():
            for r in blocks_sizes:
                keep = torch.tensor(np.repeat(keeps, seeds), dtype=torch.float64)
                saved = dropblock_sgd(X, Y, inst.d, r, keep, 6000, 0.15, sampler, 0.3, 8, mask=parts["mask"],
                                      tau=600)
                mc = [dropblock_stochastic_mc(U, V, X, Y, keep, r, sampler, 100_000) for _, U, V in saved]
                out[r] = {"keep": keep.numpy(), "steps": [t for t, _, _ in saved], "iterates": saved,
                          "mc": np.array([m.numpy() for m, _ in mc]), "se": np.array([s.numpy() for _, s in mc]),
                          "det": np.array([dropblock_deterministic(U, V, X, Y, keep, r).numpy()
                                           for _, U, V in saved])}
        return {"X": X, "Y": Y, "runs": out}

    return _memo(("dropblock", _content(inst), parts["mask"], tuple(keeps), tuple(blocks_sizes)), compute)


def stochastic_over_deterministic(state, inst, parts):
    """MC mean of (3) / the part ``deterministic`` (4)-(5), every run and checkpoint."""
    import torch

    ratios = []
    for r, run in state["runs"].items():
        keep = torch.tensor(run["keep"])
        for c, (_, U, V) in enumerate(run["iterates"]):
            det = parts["deterministic"](U, V, state["X"], state["Y"], keep, r).numpy()
            ratios.append(run["mc"][c] / det)
    return np.concatenate(ratios)


def final_deterministic(state, inst, parts):
    """The part ``deterministic`` at the final (averaged) iterate of every run."""
    import torch

    values = []
    for r, run in state["runs"].items():
        _, U, V = run["iterates"][-1]
        values.append(parts["deterministic"](U, V, state["X"], state["Y"], torch.tensor(run["keep"]), r).numpy())
    return np.concatenate(values)


def theorem27_minimum(inst, keeps, blocks_sizes, seeds, beta=lambda theta, k: beta_of(theta) / k, r_of=lambda r: r):
    """F* of Theorem 2.7 (corrected) for every run: beta = (1-theta)/(theta k) (eq. (7) at width d)."""
    return np.concatenate([[theorem27_minimizer(inst.Y, beta(t, inst.d // r), r_of(r))[0] for t in np.repeat(keeps, seeds)]
                           for r in blocks_sizes])


def plot_dropblock(claim_id: str, what: str):
    def plot(inst, state, path) -> None:
        plt, fig, axes = figure_axes(2, 1, size=(7.0, 6.0))
        top, bottom = axes[0, 0], axes[1, 0]
        for r, run in state["runs"].items():
            for j, theta in enumerate(run["keep"]):
                if j % max(1, len(run["keep"]) // 4):
                    continue
                label = rf"$r={r},\ \theta={theta:.1f}$"
                line, = top.plot(run["steps"], run["det"][:, j], "-", label=label + " deterministic (4)")
                top.errorbar(run["steps"], run["mc"][:, j], yerr=5 * run["se"][:, j], fmt="o", ms=3,
                             color=line.get_color(), label=label + r" stochastic (3), $\pm5$ SE")
                F = theorem27_minimizer(inst.Y, beta_of(theta) / (inst.d // r), r)[0]
                bottom.plot(run["steps"], np.maximum(run["det"][:, j] / F - 1, 1e-6), "-o", ms=3, color=line.get_color(),
                            label=label)
        top.set_yscale("log")
        top.set_ylabel("objective")
        top.legend(fontsize=5, ncol=2)
        bottom.axhline(0.02, color="k", ls="--", lw=0.8, label="asserted band 2 %")
        bottom.set_yscale("log")
        bottom.set_xlabel("SGD step (last point: Polyak average)")
        bottom.set_ylabel(r"$f(\mathbf{U}_t,\mathbf{V}_t)/F^* - 1$")
        bottom.legend(fontsize=6)
        fig.suptitle(f"{claim_id}\nasserted: {what}", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
        plt.close(fig)

    return plot


BOTH_PANELS = Tolerance(0.02, 0.0, principle="relative 2 %: top = 5 x the largest measured relative SE of the "
                                            "10^5-draw Monte Carlo (0.35-0.4 %); bottom = 2 x the max measured gap of "
                                            "the averaged SGD iterate to F* (0.9 % over 3 data seeds x r in {2, 3} x "
                                            "theta in {0.3, 0.5, 0.7, 0.9}; f >= F* always)")


def dropblock_experiment(claim_id: str, title: str, source: Source, keeps, seeds: int, extra_scope: str = ""):
    blocks_sizes = (2, 3)
    train = lambda inst, sampler, parts: train_dropblock(inst, sampler, parts, keeps, blocks_sizes, seeds)  # noqa: E731
    what = (r"top: MC of (3) / (4) = 1 $\pm$ 2 %; bottom: $f$ at the averaged SGD iterate within 2 % of "
            r"Theorem 2.7's $F^*$")
    return declare(
        claim_id,
        title=title,
        source=source,
        statement=r"\mathbb E_{\mathbf w}(3)=(4)\text{ along Algorithm 1};\ f(\mathbf U_T,\mathbf V_T,d)\to F(\mathbf A^*)"
                  r"=\min F\ \text{(Theorem 2.7)}",
        hypotheses=["scaled down: a = 8, b = 10, N = 100, d = 12, r in {2, 3}, 6000 full-batch steps, Polyak average "
                    "of the last 1500", f"theta in {list(keeps)}, {seeds} runs each (batched)",
                    "fixed theta at width d read through (7): beta = (1-theta)/(theta k)"],
        claimed=lambda i, parts: np.r_[np.ones(8 * len(blocks_sizes) * len(keeps) * seeds), parts["minimum"](i)],
        parts={"mask": block_masks, "deterministic": dropblock_deterministic,
               "minimum": lambda i: theorem27_minimum(i, keeps, blocks_sizes, seeds)},
        checks=[
            Dynamics(train=train, observed=lambda state, inst, parts: np.r_[
                stochastic_over_deterministic(state, inst, parts), final_deterministic(state, inst, parts)],
                space=synthetic_data, tolerance=BOTH_PANELS, instances=1, full_instances=3,
                plot=plot_dropblock(claim_id, what),
                label="top: MC of (3) / (4)-(5) at 8 checkpoints (= 1); bottom: final (4) vs Theorem 2.7's F*"),
        ],
        mutants=[
            mutant("no dropout", "Algorithm 1 without masks (z = 1): plain least squares, the regularizer is not "
                                 "minimised", mask=lambda sampler, keep, R, k, r: block_masks(sampler, keep, R, k, r) * 0 + 1),
            mutant("fixed-width constant", "Theorem 2.7 applied with beta = (1-theta)/theta (no 1/k of (7))",
                   minimum=lambda i: theorem27_minimum(i, keeps, blocks_sizes, seeds, beta=lambda t, k: beta_of(t))),
            mutant("Dropout's minimum", "the nuclear-norm (r = 1) minimum with the same strength, beta/r",
                   minimum=lambda i: theorem27_minimum(i, keeps, blocks_sizes, seeds,
                                                       beta=lambda t, k: beta_of(t) / i.d, r_of=lambda r: 1)),
            mutant("per-unit deterministic", "Dropout's (2) as the deterministic objective (no cross terms in blocks)",
                   deterministic=lambda U, V, X, Y, keep, r: dropblock_deterministic(U, V, X, Y, keep, 1)),
        ],
        depends_on=["structured/lemma-2.1", "structured/theorem-2.7-corrected"],
        scope="Not reproduced at the seed's size (d = 50, 1000 samples, one sample per step, theta = 0.5 fixed): "
              "the proxy is 100 samples, full batch, 6000 steps. Asserted: the MC mean of (3) equals (4) at every "
              "checkpoint within 2 % (5 SE) and the averaged final iterate is within 2 % of F* (measured gaps "
              "0.04-0.9 %)." + extra_scope,
        tags=["experiment", "dropblock"],
    )


experiment_fig1 = dropblock_experiment(
    "structured/experiment-fig1",
    "DropBlock SGD: the stochastic objective equals (4) in expectation and reaches Theorem 2.7's global minimum",
    Source(SEED, "Figure 1", "(3)-(5), (8)", "190-194, 288-296"), keeps=(0.5,), seeds=3)

experiment_fig5 = dropblock_experiment(
    "structured/experiment-fig5",
    "Figure 1 for theta in {0.3, 0.5, 0.7, 0.9}: the same two panels for every dropout rate",
    Source(SEED, "Figure 5 (App. E)", "(3)-(5)", "596-605"), keeps=(0.3, 0.5, 0.7, 0.9), seeds=1,
    extra_scope=" One run per (r, theta).")

CLAIMS = [experiment_fig1, experiment_fig5]


# --- Figure 2: DropBlock on the last layer, free features standing in for ResNet-50 --------------------------

def one_hot_classes(d) -> dict:
    """N one-hot labels of 6 classes, one dominant (so the r-support optimum is not the nuclear one)."""
    counts = [d.integer(24, 30)] + sorted((d.integer(3, 10) for _ in range(5)), reverse=True)
    Y = np.eye(6)[np.repeat(np.arange(6), counts)].T
    return {"Y": Y, "counts": np.array(counts, dtype=float), "d": 20, "r": 5, "theta": 0.5}


one_hot_data = Space(one_hot_classes, description="6 classes, N = 39..80 samples, one class 24-30 strong")


def train_free_features(inst, sampler, parts):
    """DropBlock SGD (Algorithm 1, block 5) on U (6 x 20) and free features G = V^T (20 x N), 3 runs."""
    import torch

    def compute():
        Y = sampler.tensor(inst.Y)
        X = torch.eye(Y.shape[1], dtype=torch.float64)
        keep = torch.full((3,), inst.theta, dtype=torch.float64)
        with single_thread():
            saved = dropblock_sgd(X, Y, inst.d, inst.r, keep, 8000, 0.1, sampler, 0.3, 8, mask=parts["mask"], tau=800,
                                  lr_norm=1.0)
        return {"X": X, "Y": Y, "keep": keep, "iterates": saved}

    return _memo(("free", _content(inst), parts["mask"]), compute)


def free_final_objective(state, inst, parts):
    _, U, V = state["iterates"][-1]
    return parts["deterministic"](U, V, state["X"], state["Y"], state["keep"], inst.r).numpy()


def free_spectrum(state, inst):
    """Top 6 singular values of the final predictions U G, in units of ||Y||_2."""
    _, U, V = state["iterates"][-1]
    sv = np.linalg.svd((U @ V.transpose(1, 2)).numpy(), compute_uv=False)[:, :6]
    return sv / np.linalg.norm(inst.Y, 2)


def predicted_spectrum(inst, r_of=lambda r: r, beta=lambda theta, k: beta_of(theta) / k):
    k = inst.d // inst.r
    a = theorem27_minimizer(inst.Y, beta(inst.theta, k), r_of(inst.r))[2]
    return np.tile(np.sort(np.abs(a))[::-1][:6] / np.linalg.norm(inst.Y, 2), (3, 1))


def plot_fig2(inst, state, path) -> None:
    import torch

    plt, fig, axes = figure_axes(1, 2, size=(9.0, 3.8))
    left, right = axes[0]
    k = inst.d // inst.r
    F = theorem27_minimizer(inst.Y, beta_of(inst.theta) / k, inst.r)[0]
    steps = [t for t, _, _ in state["iterates"]]
    for j in range(3):
        det = [dropblock_deterministic(U, V, state["X"], state["Y"], state["keep"], inst.r)[j].item()
               for _, U, V in state["iterates"]]
        left.plot(steps, det, "-o", ms=3, label=f"run {j}")
    left.axhline(F, color="k", ls="--", label=r"Theorem 2.7 $F^*$")
    left.set_yscale("log")
    left.set_xlabel("SGD step (last: Polyak average)")
    left.set_ylabel("deterministic DropBlock objective")
    left.legend(fontsize=7)
    sv = free_spectrum(state, inst)
    idx = np.arange(1, 7)
    right.plot(idx, predicted_spectrum(inst)[0], "k--o", label="Theorem 2.7 (r = 5)")
    right.plot(idx, predicted_spectrum(inst, r_of=lambda r: 1, beta=lambda t, k: beta_of(t) / inst.d)[0], ":s",
               color="grey", label="nuclear-norm (Dropout) prediction")
    for j in range(3):
        right.plot(idx, sv[j], "o", ms=4, alpha=0.7, label=f"final U G, run {j}")
    right.set_xlabel("index i")
    right.set_ylabel(r"$\sigma_i(\mathbf{U}\mathbf{G})/\|\mathbf{Y}\|_2$")
    right.legend(fontsize=7)
    fig.suptitle("structured/experiment-fig2\nasserted: objective within 1 % of F*, singular values within 0.03 "
                 r"$\|\mathbf{Y}\|_2$ of Theorem 2.7", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


experiment_fig2 = declare(
    "structured/experiment-fig2",
    title="last-layer DropBlock with free features: the loss reaches Theorem 2.7's bound and the spectrum matches",
    source=Source(SEED, "Figure 2, §5.2", "", "206-210, 298-302"),
    statement=r"f(\mathbf U_T,\mathbf G_T)\approx F^*\ \text{(Theorem 2.7)},\ \sigma_i(\mathbf U_T\mathbf G_T)\approx"
              r"(\mathbf a_{\rho,\lambda})_i",
    hypotheses=["ResNet-50 replaced by free features G (20 x N): the infinite-capacity limit of Proposition 3.3",
                "one-hot labels of 6 classes (one dominant), d = 20, block 5, theta = 0.5, 8000 SGD steps, 3 runs"],
    claimed=lambda i, parts: np.r_[[theorem27_minimizer(i.Y, beta_of(i.theta) / (i.d // i.r), i.r)[0]] * 3,
                                   parts["spectrum"](i).ravel()],
    parts={"mask": block_masks, "deterministic": dropblock_deterministic, "spectrum": predicted_spectrum},
    checks=[
        Dynamics(train=train_free_features, space=one_hot_data, instances=1, full_instances=3, plot=plot_fig2,
                 observed=lambda state, inst, parts: np.r_[free_final_objective(state, inst, parts),
                                                          free_spectrum(state, inst).ravel()],
                 tolerance=Tolerance(0.01, 0.03, principle="left: final loss within 1 % of F* (measured gap 0.05-0.24 "
                                                           "% over 3 datasets x 3 runs; the 0.03 is < 0.25 % of F* ~ 13); "
                                                           "right: singular values / ||Y||_2 within 0.03 (+1 %), measured "
                                                           "max deviation 0.019"),
                 label="left: final loss vs Theorem 2.7's bound; right: top 6 singular values of U G vs a_{rho, lambda}"),
    ],
    mutants=[
        mutant("Dropout's prediction", "nuclear-norm (r = 1) closed form with strength beta/d",
               spectrum=lambda i: predicted_spectrum(i, r_of=lambda r: 1, beta=lambda t, k: beta_of(t) / i.d),
               claimed=lambda i, parts: np.r_[[theorem27_minimizer(i.Y, beta_of(i.theta) / i.d, 1)[0]] * 3,
                                              parts["spectrum"](i).ravel()]),
        mutant("fixed-width constant", "Theorem 2.7 with beta = (1-theta)/theta (no 1/k)",
               spectrum=lambda i: predicted_spectrum(i, beta=lambda t, k: beta_of(t)),
               claimed=lambda i, parts: np.r_[[theorem27_minimizer(i.Y, beta_of(i.theta), i.r)[0]] * 3,
                                              parts["spectrum"](i).ravel()]),
        mutant("no dropout", "training without masks", mask=lambda sampler, keep, R, k, r: block_masks(
            sampler, keep, R, k, r) * 0 + 1),
    ],
    depends_on=["structured/theorem-2.7-corrected", "structured/proposition-3.3-corrected"],
    scope="Not reproduced: ResNet-50 on MNIST/CIFAR10 subsets (no network is trained; a free feature matrix is the "
          "seed's own infinite-capacity reduction). The seed's exception (the smallest singular value off) does not "
          "occur on the proxy: all six values match within 0.019 ||Y||_2.",
    tags=["experiment", "dropblock"],
)

CLAIMS.append(experiment_fig2)


# --- Figures 3 and 6: DropConnect vs its deterministic objective and vs Dropout --------------------------------

from .training import (column_masks, connect_masks, dropconnect_deterministic, dropconnect_mc,  # noqa: E402
                       dropconnect_sgd, dropout_mc, printed_dropconnect_deterministic)


def two_datasets(d) -> dict:
    """Whitened X (X X^T = N I: the population limit of the seed's iid data, N >> b) and correlated X
    (x = L g, Cov = 0.4 I + 0.6 11^T) with a target that loads on the common factor (first right singular
    vector of M along 1): there X X^T is far from diagonal and the printed (20) is far off."""
    a, b, N = 8, 10, 100
    spectrum = np.array([3.0, 1.2, 0.6, 0.3]) * np.array([d.uniform(0.9, 1.1) for _ in range(4)])
    G = d.normal(b, N)
    white = np.linalg.qr(G.T)[0].T * np.sqrt(N)
    M_white = (d.orthogonal(a)[:, :4] * spectrum) @ d.orthogonal(b)[:, :4].T
    B = d.normal(b, 4)
    B[:, 0] = 1.0
    M_corr = (d.orthogonal(a)[:, :4] * spectrum) @ np.linalg.qr(B)[0].T
    L = np.linalg.cholesky(0.4 * np.eye(b) + 0.6 * np.ones((b, b)))
    X_corr = L @ G
    return {"X_white": white, "Y_white": M_white @ white, "X_corr": X_corr, "Y_corr": M_corr @ X_corr, "d": 12}


dropconnect_data = Space(two_datasets, description="X 10 x 100 whitened, and correlated (common factor); Y = M X, "
                                                    "M rank 4")


def train_dropconnect(inst, sampler, parts, keeps, seeds: int, checkpoints: int, draws: int):
    """DropConnect SGD (one mask per step and run, 3000 steps) on both datasets; at each checkpoint the MC of
    (19) (masks from the part ``mask``) and, on whitened X, the MC of Dropout's (1)."""
    import torch

    def compute():
        out = {}
        keep = torch.tensor(np.repeat(keeps, seeds), dtype=torch.float64)
        with single_thread():
            for name, (X, Y, lr) in {"correlated": (inst.X_corr, inst.Y_corr, 0.05 / 6.4),
                                     "whitened": (inst.X_white, inst.Y_white, 0.05)}.items():
                X, Y = sampler.tensor(X), sampler.tensor(Y)
                # step / top eigenvalue of Cov(x) (6.4 for the correlated features): the same effective step
                saved = dropconnect_sgd(X, Y, inst.d, keep, 3000, lr, sampler, 0.3, checkpoints, mask=parts["mask"])
                mc = [dropconnect_mc(U, V, X, Y, keep, sampler, draws, mask=parts["mask"]) for _, U, V in saved]
                entry = {"X": X, "Y": Y, "keep": keep, "iterates": saved, "steps": [t for t, _, _ in saved],
                         "mc": np.array([m.numpy() for m, _ in mc]), "se": np.array([s.numpy() for _, s in mc])}
                if name == "whitened":
                    do = [dropout_mc(U, V, X, Y, keep, sampler, draws) for _, U, V in saved]
                    entry["dropout"] = np.array([m.numpy() for m, _ in do])
                    entry["dropout_se"] = np.array([s.numpy() for _, s in do])
                out[name] = entry
        return out

    return _memo(("dropconnect", _content(inst), parts["mask"], tuple(keeps), draws), compute)


def deterministic_at(run, parts):
    return np.array([parts["deterministic"](U, V, run["X"], run["Y"], run["keep"]).numpy() for _, U, V in run["iterates"]])


def connect_over_deterministic(state, inst, parts):
    """MC of (19) / the part ``deterministic`` (corrected Theorem 4.1), both datasets, every checkpoint."""
    return np.concatenate([(run["mc"] / deterministic_at(run, parts)).ravel() for run in state.values()])


def dropout_over_connect(state, inst, parts):
    """Whitened X: MC of Dropout's (1) / DropConnect's deterministic objective (the bottom panel)."""
    run = state["whitened"]
    return (run["dropout"] / deterministic_at(run, parts)).ravel()


def plot_dropconnect(claim_id: str):
    def plot(inst, state, path) -> None:
        plt, fig, axes = figure_axes(2, 2, size=(9.0, 6.0))
        for col, (name, run) in enumerate(state.items()):
            top, bottom = axes[0, col], axes[1, col]
            det = np.array([dropconnect_deterministic(U, V, run["X"], run["Y"], run["keep"]).numpy()
                            for _, U, V in run["iterates"]])
            printed = np.array([printed_dropconnect_deterministic(U, V, run["X"], run["Y"], run["keep"]).numpy()
                                for _, U, V in run["iterates"]])
            for j, theta in enumerate(run["keep"].numpy()):
                line, = top.plot(run["steps"], det[:, j], "-", label=rf"$\theta={theta:.1f}$ corrected Thm 4.1")
                top.errorbar(run["steps"], run["mc"][:, j], yerr=5 * run["se"][:, j], fmt="o", ms=3,
                             color=line.get_color(), label=r"MC of (19) $\pm 5$ SE")
                top.plot(run["steps"], printed[:, j], ":", color=line.get_color(), label="printed (20)")
                ref = run["mc"][:, j]
                if "dropout" in run:
                    bottom.plot(run["steps"], run["dropout"][:, j] / ref, "-o", ms=3, color=line.get_color(),
                                label=rf"$\theta={theta:.1f}$: MC Dropout / MC DropConnect")
                else:
                    bottom.plot(run["steps"], printed[:, j] / ref, "-o", ms=3, color=line.get_color(),
                                label=rf"$\theta={theta:.1f}$: Dropout (2) / MC DropConnect")
            top.set_yscale("log")
            top.set_title(f"{name} X", fontsize=8)
            top.legend(fontsize=5)
            bottom.axhline(1.0, color="k", lw=0.8)
            bottom.set_xlabel("SGD step")
            bottom.set_ylabel("ratio")
            bottom.legend(fontsize=5)
        axes[0, 0].set_ylabel("objective")
        fig.suptitle(f"{claim_id}\nasserted: MC of (19) = corrected Theorem 4.1 (both X); Dropout = DropConnect for "
                     "whitened X only (correlated X: printed (20) = Dropout (2) shown, 3-5x off)", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
        plt.close(fig)

    return plot


def dropconnect_experiment(claim_id: str, title: str, source: Source, keeps, seeds: int, checkpoints: int,
                           draws: int, band: float, measured: str):
    train = lambda inst, sampler, parts: train_dropconnect(inst, sampler, parts, keeps, seeds, checkpoints,  # noqa: E731
                                                           draws)
    tolerance = Tolerance(band, 0.0, principle=f"5 x the largest measured relative SE of the {draws}-draw Monte "
                                               f"Carlo ({measured})")
    return declare(
        claim_id,
        title=title,
        source=source,
        statement=r"\mathbb E_{\mathbf Z}(19)=\text{deterministic objective along DropConnect SGD};\ \mathbb E_{\mathbf z}(1)"
                  r"=\mathbb E_{\mathbf Z}(19)\text{ at every iterate when }\mathbf X\mathbf X^\top\text{ is diagonal}",
        hypotheses=["scaled down: a = 8, b = 10, N = 100 (the seed's N/b = 10), d = 12, 3000 full-batch steps",
                    f"theta in {list(keeps)}", "deterministic objective = corrected Theorem 4.1 (the printed (20) "
                    "is exact only for X X^T diagonal)"],
        claimed=lambda i: 1.0,
        parts={"mask": connect_masks, "deterministic": dropconnect_deterministic},
        checks=[
            Dynamics(train=train, space=dropconnect_data, tolerance=tolerance, instances=1, full_instances=3,
                     observed=lambda state, inst, parts: np.r_[connect_over_deterministic(state, inst, parts),
                                                              dropout_over_connect(state, inst, parts)],
                     plot=plot_dropconnect(claim_id),
                     label="top: MC of (19) / deterministic (correlated and whitened X); bottom (whitened X): MC of "
                           "Dropout's (1) / DropConnect's deterministic objective"),
        ],
        mutants=[
            mutant("printed (20)", "the printed deterministic objective (sum ||u_k||^2 ||X^T v_k||^2)",
                   deterministic=printed_dropconnect_deterministic),
            mutant("Dropout masks", "masks shared by each column of V (Dropout written as DropConnect)",
                   mask=column_masks),
            mutant("theta^2", "factor (1-theta)/theta^2 in the deterministic objective",
                   deterministic=lambda U, V, X, Y, keep: dropconnect_deterministic(U, V, X, Y, keep)
                   + (1 - keep) / keep * (1 / keep - 1) * ((U**2).sum(1) * ((V**2).transpose(1, 2)
                                                                             @ (X**2).sum(1))).sum(1)),
        ],
        depends_on=["structured/theorem-4.1-corrected", "structured/corollary-4.2-corrected"],
        scope="NOT reproduced as printed: 'DropConnect = Dropout / (20)' holds for whitened data (X X^T = N I) only, "
              "where it is asserted. On the seed's iid Gaussian X at N/b = 10 (b = 10, N = 100, 4 data seeds, theta "
              "0.3-0.9) the printed (20) = Dropout's (2) is off the true DropConnect objective by a factor 0.85-1.07 "
              "after 3000 steps (instance dependent, so not asserted); on correlated features with a common-factor "
              "target it is 3-5x too large (asserted through the mutant 'printed (20)').",
        tags=["experiment", "dropconnect"],
    )


experiment_fig3 = dropconnect_experiment(
    "structured/experiment-fig3",
    "DropConnect SGD: MC of (19) equals the (corrected) deterministic objective; equals Dropout for whitened X",
    Source(SEED, "Figure 3", "(19), (20)", "242-246, 288-292"), keeps=(0.5,), seeds=2, checkpoints=3, draws=8000,
    band=0.05, measured="0.8-0.9 %")

experiment_fig6 = dropconnect_experiment(
    "structured/experiment-fig6",
    "Figure 3 for theta in {0.3, 0.5, 0.7, 0.9}",
    Source(SEED, "Figure 6 (App. E)", "(19), (20)", "596-605"), keeps=(0.3, 0.5, 0.7, 0.9), seeds=1, checkpoints=3,
    draws=8000, band=0.07, measured="up to 1.4 % at theta = 0.9")

CLAIMS += [experiment_fig3, experiment_fig6]


# --- Figure 4: DropBlockOriginal (blocks anywhere) vs the grid approximation -----------------------------------

from itertools import product as _product  # noqa: E402

from .model import moments  # noqa: E402
from .training import deterministic_gd  # noqa: E402


def original_law(d: int, window: int, seed_keep: float):
    """§5.3's DropBlockOriginal on d units in a ring: w_j ~ Ber(theta') iid, z_i = max_{|i-j| <= h-1} w_j
    (z_i = 0 iff no covering window is kept; window = 2h - 1), all 2^d patterns with their probabilities."""
    h = (window + 1) // 2
    w = np.array(list(_product((0, 1), repeat=d)), dtype=float)
    probs = seed_keep ** w.sum(1) * (1 - seed_keep) ** (d - w.sum(1))
    z = np.stack([w[:, [(i + o) % d for o in range(-(h - 1), h)]].max(1) for i in range(d)], 1)
    return z, probs


def original_characteristic(inst, parts):
    """Mean and bar C of DropBlockOriginal at theta' = parts['rescale'](theta, window), by enumeration."""
    z, probs = original_law(inst.d, inst.window, parts["rescale"](inst.theta, inst.window))
    mean, cov = moments(z, probs)
    return mean, cov / np.outer(mean, mean)


def grid_characteristic(inst):
    """Lemma 2.1 / 3.1: bar C = (1-theta)/theta BlkDiag(1_r 1_r^T), r = window."""
    return beta_of(inst.theta) * np.kron(np.eye(inst.d // inst.window), np.ones((inst.window, inst.window)))


def fig4_data(d) -> dict:
    return {**synthetic(d), "window": 3, "theta": 0.5, "U0": 0.3 * d.normal(2, 8, 12), "V0": 0.3 * d.normal(2, 10, 12)}


fig4_space = Space(fig4_data, description="§5.1 data scaled down; d = 12 units in a ring, block / window 3, theta 0.5")


def train_three_schemes(inst, sampler, parts):
    """Gradient descent on Lemma 3.1's deterministic objective for bar C of grid DropBlock, DropBlockOriginal
    at theta' = rescale(theta) and at theta' = theta, from the same two starts (runs batched)."""
    import torch

    def compute():
        _, original = original_characteristic(inst, parts)
        _, unscaled = original_characteristic(inst, {"rescale": lambda theta, window: theta})
        bar_Cs = torch.tensor(np.stack([grid_characteristic(inst), original, unscaled]))
        with single_thread():
            values = deterministic_gd(sampler.tensor(inst.X), sampler.tensor(inst.Y), sampler.tensor(inst.U0),
                                      sampler.tensor(inst.V0), bar_Cs, 2000, 0.03, 6).numpy()
        return {"values": values, "steps": np.linspace(0, 2000, 6).astype(int)}

    return _memo(("fig4", _content(inst), parts["rescale"]), compute)


def original_over_grid(state, inst):
    """Objective of DropBlockOriginal (rescaled) / grid DropBlock at checkpoints 1..5, both starts."""
    v = state["values"]
    return (v[1:, 1] / v[1:, 0]).ravel()


def plot_fig4(inst, state, path) -> None:
    plt, fig, axes = figure_axes(1, 1, size=(6.5, 4.0))
    ax = axes[0, 0]
    names = ["grid DropBlock (Lemma 2.1)", r"DropBlockOriginal, $\theta'=1-(1-\theta)^{1/w}$",
             r"DropBlockOriginal, $\theta'=\theta$ (no rescaling)"]
    for s, name in enumerate(names):
        for j in range(state["values"].shape[2]):
            ax.plot(state["steps"], state["values"][:, s, j], ["-o", "-s", ":^"][s], ms=3, color=f"C{s}",
                    label=name if j == 0 else None)
    ax.set_yscale("log")
    ax.set_xlabel("gradient step on the deterministic objective (Lemma 3.1)")
    ax.set_ylabel("expected objective")
    ax.legend(fontsize=7)
    fig.suptitle("structured/experiment-fig4\nasserted: rescaled Original within 5 % of grid DropBlock along training; "
                 "mean retain probability exactly theta", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


experiment_fig4 = declare(
    "structured/experiment-fig4",
    title="DropBlockOriginal with theta rescaled behaves like the grid approximation (expected objectives within 5 %)",
    source=Source(SEED, "Figure 4, §5.3", "", "304, 306-310"),
    statement=r"\theta'=1-(1-\theta)^{1/w}\Rightarrow\Pr(z_i=1)=\theta;\ \text{training curves of DropBlockOriginal}"
              r"(\theta')\approx\text{DropBlock}(\theta)",
    hypotheses=["§5.3's model read literally: z_i = 0 iff none of the w_j covering unit i is 1, windows of w = 2h - 1 "
                "= 3 units on a ring of d = 12 (the seed's '|i - j| <= k' with exponent 2k - 1 is inconsistent; the "
                "exponent is the window size)", "expected objectives by Lemma 3.1 (exact bar C by enumerating all "
                "2^12 seed patterns), trained by full-batch gradient descent, 2000 steps, 2 starts"],
    claimed=lambda i: np.full(i.d, i.theta),
    parts={"rescale": lambda theta, window: 1 - (1 - theta) ** (1 / window), "same": lambda i: 1.0},
    checks=[
        Relation(observed=lambda i, parts: original_characteristic(i, parts)[0], space=fig4_space, instances=1,
                 tolerance=Tolerance(1e-12, 0.0, principle="exact enumeration of 4096 patterns (rounding ~1e-15)"),
                 label="the rescaling makes every unit's retain probability theta"),
        Dynamics(train=train_three_schemes, observed=original_over_grid, claimed="same", space=fig4_space,
                 instances=1, full_instances=3, plot=plot_fig4,
                 tolerance=Tolerance(0.05, 0.0, principle="measured |ratio - 1| <= 2.9 % over 3 data seeds x 2 starts "
                                                          "(the off-diagonal bar C differs: banded vs block); band 5 %"),
                 label="expected objective of DropBlockOriginal / grid DropBlock at 5 checkpoints"),
    ],
    mutants=[
        mutant("no rescaling", "theta' = theta: retain probability 0.875 instead of 0.5 (objective 83 % lower)",
               rescale=lambda theta, window: theta),
        mutant("window miscounted", "exponent 1/(w + 2) (the seed's '2k - 1' with k = w)",
               rescale=lambda theta, window: 1 - (1 - theta) ** (1 / (window + 2))),
    ],
    depends_on=["structured/lemma-3.1", "structured/lemma-2.1"],
    scope="Not reproduced: the seed's SGD curves over 10^5 iterations (EMA-smoothed); here the expected objectives "
          "are trained directly (deterministic GD on Lemma 3.1's form), which removes the sampling noise the seed "
          "smooths away. 'Largely identical' is quantified: within 2.0-2.9 % measured, 5 % asserted.",
    tags=["experiment", "dropblock", "general-dropout"],
)

CLAIMS.append(experiment_fig4)
