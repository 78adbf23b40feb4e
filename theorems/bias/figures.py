"""`bias` §2 Figure 1 and §6 Figure 3, scaled down.

Seed 003_d0c1b2e846001ede.txt Figure 1 (l. 348-358) and §6, Figure 3 (l. 730-759); thesis Figures 2-1 and
2-3 (l. 1992-2000, 4396-4463). Figure 1 reports no number and no M; M = 2 as in §6's toy example. Figure 3
reports no step size, iteration count, spectrum decay or initialisation; the scaled-down design is stated
in ``dropout_sgd_fig3``.
"""
from __future__ import annotations

import numpy as np

from theorycheck import Draw, Dynamics, Sampler, Source, Space, Tolerance, declare, mutant, optimize

from .landscape_math import tied_critical_points, tied_torch
from .model import optimal_value, shrinkage, untied_objective

SEED = "003_d0c1b2e846001ede.txt"
THESIS = "000_f4de404d0cfe4539.txt"


# --- Figure 1: the width-2 scalar autoencoder ---------------------------------------------------------

figure_1 = Space(lambda d: {"M": np.array([[2.0]]), "r": 2,
                            "lam": {"lam = 0.6": 0.6, "lam = 2": 2.0, "lam = 1e-4": 1e-4}[d.regime]},
                 regimes=("lam = 0.6", "lam = 2", "lam = 1e-4"),
                 description="f(u1, u2) = (M - u1^2 - u2^2)^2 + lam (u1^4 + u2^4), M = 2")


def landscape_fig1(i, sampler: Sampler) -> dict:
    """All critical points from a 7 x 7 grid of starts on [-2, 2]^2, classified by their Hessian."""
    grid = np.linspace(-2, 2, 7)
    x0s = [np.array([[a, b]]) for a in grid for b in grid]
    points = tied_critical_points(i.M, i.lam, x0s)
    kinds = {"max": [], "saddle": [], "min": []}
    for U, _, _ in points:
        eigs = np.linalg.eigvalsh(optimize.hessian(tied_torch(i.M, i.lam), U))
        tol = 1e-9 * np.abs(eigs).max()
        kinds["max" if eigs[-1] < -tol else "min" if eigs[0] > tol else "saddle"].append(U.ravel())
    return {k: np.array(v).reshape(-1, 2) for k, v in kinds.items()}


def fig1_report(state, i) -> np.ndarray:
    """[#maxima, #saddles, #minima, max |coordinate| spread of the minima, nonzero coordinate of the saddles]."""
    mins, saddles = np.abs(state["min"]), np.abs(state["saddle"])
    return np.array([len(state["max"]), len(saddles), len(mins), mins.mean() if mins.size else 0.0,
                     saddles.max(axis=1).mean() if saddles.size else 0.0])


def fig1_claimed(i, parts):
    """1 maximum (0), 4 strict saddles (+-sqrt(M/(1+lam)), 0), 4 equalized global minima (+-s, +-s)."""
    M = float(i.M[0, 0])
    return np.array([1.0, 4.0, 4.0, parts["minimum"](M, i.lam), np.sqrt(M / (1 + i.lam))])


def plot_fig1(i, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    u = np.linspace(-2, 2, 401)
    A, B = np.meshgrid(u, u)
    F = (2.0 - A**2 - B**2) ** 2 + i.lam * (A**4 + B**4)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.contour(A, B, F, levels=30, linewidths=0.6)
    for kind, style in (("min", "go"), ("saddle", "r^"), ("max", "ks")):
        if state[kind].size:
            ax.plot(state[kind][:, 0], state[kind][:, 1], style, label=kind)
    ax.set_title(f"tied scalar autoencoder, r = 2, lam = {i.lam:g}")
    ax.set_aspect("equal")
    ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


experiment_fig1 = declare(
    "bias/experiment-fig1",
    title="Figure 1: for lam > 0 the width-2 scalar autoencoder has 4 equalized global minima, 4 strict saddles "
          "and a maximum; the minima shrink as lam grows",
    source=Source(SEED, "Figure 1", lines="348-358, 423-427", also="thesis Figure 2-1 (l. 1992-2000)"),
    statement=r"f(u)=(M-u_1^2-u_2^2)^2+\lambda(u_1^4+u_2^4):\ \text{minima }(\pm s,\pm s),\ s=\sqrt{M/(2+\lambda)};\ "
              r"\text{saddles }(\pm\sqrt{M/(1+\lambda)},0),(0,\pm\sqrt{M/(1+\lambda)});\ \text{max at }0",
    hypotheses=["M = 2 (not stated for Figure 1; §6's toy example)", "lam > 0",
                "outside Theorem 4.3: r = 2 > d = 1, so its threshold is 0"],
    claimed=fig1_claimed,
    parts={"minimum": lambda M, lam: np.sqrt(M / (2 + lam))},
    checks=[Dynamics(train=landscape_fig1, observed=fig1_report, space=figure_1, instances=3, plot=plot_fig1,
                     tolerance=Tolerance(1e-8, 1e-8, "critical points to |grad| <= 1e-9 on curvature >= 4 lam M "
                                                     "(lam >= 1e-4): coordinates to ~1e-8; counts are integers"),
                     label="critical points from 49 starts, Hessian classification")],
    mutants=[
        mutant("minima at sqrt(M/(1+lam))", "minima on the axes (not equalized)",
               minimum=lambda M, lam: np.sqrt(M / (1 + lam))),
        mutant("minima at sqrt(M/2)", "no shrinkage with lam", minimum=lambda M, lam: np.sqrt(M / 2)),
    ],
    depends_on=["bias/theorem-2.4-corrected", "bias/lemma-4.1", "bias/definition-4.2"],
    tags=["experiment", "landscape"],
)


# --- Figure 3: dropout SGD on a linear network reaches the Theorem 3.6 optimum, importance scores equalize ----

SETTINGS = {"r = 3, lam = 0.5": (3, 0.5), "r = 8, lam = 1": (8, 1.0), "r = 3, lam = 0.1": (3, 0.1),
            "r = 3, lam = 1": (3, 1.0), "r = 8, lam = 0.1": (8, 0.1), "r = 8, lam = 0.5": (8, 0.5)}


def _figure_3(d: Draw) -> dict:
    """d0 = 8, d2 = 12 (the paper: 80, 120), M = W diag(3 2^-i) Y' with Haar W, Y (decay rate not given)."""
    r, lam = SETTINGS[d.regime]
    d0, d2 = 8, 12
    W = d.orthogonal(d2)[:, :d0]
    M = (W * (3.0 * 2.0 ** -np.arange(d0))) @ d.orthogonal(d0).T
    return {"M": M, "r": r, "lam": lam, "d0": d0, "d2": d2}


figure_3 = Space(_figure_3, regimes=tuple(SETTINGS), description="scaled-down Figure 3: 12 x 8 M, r in {3, 8}")


def importance_relvar(U, V) -> np.ndarray:
    """var_i / mean_i^2 of the importance scores ||u_i|| ||v_i||, per seed."""
    a = np.linalg.norm(U, axis=1) * np.linalg.norm(V, axis=1)
    return a.var(1) / a.mean(1) ** 2


def dropout_sgd_fig3(i, sampler: Sampler) -> dict:
    """Algorithm 1 with minibatches of 16, eta_t = 0.02 / (1 + t / (2000 s)), 3 seeds batched (quick: 2e4 s
    steps, full: 4e4 s; s = max(1, 0.5 / lam)). Column j of U, V starts as N(0, 1/d) x 0.6 2^-j: deliberately far from equalized."""
    rng = np.random.default_rng(int(sampler.uniform(1).item() * 2**31))
    # the equalizing drift of the regulariser is proportional to lam: small lam needs proportionally longer runs
    stretch = max(1.0, 0.5 / i.lam)
    seeds, batch, steps = 3, 16, int((40_000 if i.full else 20_000) * stretch)
    theta = 1.0 / (1.0 + i.lam)
    scales = 0.6 * 2.0 ** -np.arange(i.r)
    U = rng.standard_normal((seeds, i.d2, i.r)) / np.sqrt(i.d2) * scales
    V = rng.standard_normal((seeds, i.d0, i.r)) / np.sqrt(i.d0) * scales
    initial = importance_relvar(U, V)
    history, tail = [], []
    for t in range(steps):
        x = rng.standard_normal((seeds, batch, i.d0))
        b = rng.random((seeds, batch, i.r)) < theta
        hidden = (x @ V) * b
        residual = hidden @ U.transpose(0, 2, 1) / theta - x @ i.M.T  # (1/theta) U diag(b) V'x - y
        GU = residual.transpose(0, 2, 1) @ hidden / batch
        GV = x.transpose(0, 2, 1) @ ((residual @ U) * b) / batch
        eta = 0.02 / (1.0 + t / (2000.0 * stretch))
        U, V = U - eta * GU, V - eta * GV
        if t % 100 == 0:
            values = [untied_objective(i.M, U[s], V[s], i.lam) for s in range(seeds)]
            history.append((t, np.mean(values), importance_relvar(U, V).mean()))
            if t >= 0.9 * steps:
                tail.append(values)
    return {"objective": float(np.mean(tail)), "relvar": importance_relvar(U, V), "initial": initial,
            "history": np.array(history)}


def fig3_report(state, i) -> np.ndarray:
    """[mean objective over the last 10 % (Lemma A.1's closed form), final importance relvar (worst seed),
    worst final / initial relvar]."""
    return np.array([state["objective"], state["relvar"].max(), (state["relvar"] / state["initial"]).max()])


def fig3_claimed(i, parts):
    """The objective reaches f* of Theorem 3.6 and the importance scores equalize (variance -> 0)."""
    return np.array([parts["optimum"](i.M, i.r, i.lam), 0.0, 0.0])


def plot_fig3(i, state, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = state["history"]
    f_star = optimal_value(shrinkage(i.M, i.r, i.lam), i.r, i.lam)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    axes[0].plot(h[:, 0], h[:, 1], color="tab:blue", label="dropout (mean of 3 seeds)")
    axes[0].axhline(f_star, color="tab:red", label="f* (Theorem 3.6)")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("iteration")
    axes[0].set_title(f"objective, r = {i.r}, lam = {i.lam:g}")
    axes[0].legend(fontsize=7)
    axes[1].semilogy(h[:, 0], h[:, 2], color="tab:blue")
    axes[1].set_xlabel("iteration")
    axes[1].set_title("var / mean^2 of ||u_i|| ||v_i||")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


experiment_fig3 = declare(
    "bias/experiment-fig3",
    title="Figure 3: dropout SGD on a linear network converges to the Theorem 3.6 optimum and equalizes the "
          "importance scores ||u_i|| ||v_i||",
    source=Source(SEED, "Figure 3 and §6", lines="730-759", also="thesis Figure 2-3 (l. 4396-4463)"),
    statement=r"f(U_t,V_t)\to f^*=\tfrac{\lambda(\rho\kappa_\rho)^2}{r+\lambda\rho}+\sum_{i>\rho}\sigma_i^2,\ "
              r"\mathrm{var}_i(\|u_{t,i}\|\|v_{t,i}\|)\to0",
    hypotheses=["x ~ N(0, I), y = Mx", "scaled down: 12 x 8 M (paper 120 x 80), r in {3, 8} (paper {20, 80})",
                "quick: 2 settings x 3 seeds, 2e4 steps; full: 6 settings, 4e4 steps (x 0.5/lam for lam < 0.5)"],
    claimed=fig3_claimed,
    parts={"optimum": lambda M, r, lam: optimal_value(shrinkage(M, r, lam), r, lam)},
    checks=[Dynamics(train=dropout_sgd_fig3, observed=fig3_report, space=figure_3, instances=2, full_instances=6,
                     plot=plot_fig3,
                     tolerance=Tolerance(0.01, 5e-3, "SGD noise floor at the final step size (measured 0.03-0.2 % "
                                                     "of f*, relvar <= 2.5e-3): 1 % of f* + 5e-3 for the objective, "
                                                     "5e-3 for the final relvar and for its reduction factor"),
                     label="Algorithm 1, minibatch 16, decaying step, 3 seeds")],
    mutants=[
        mutant("thesis normalisation", "f* with 1 + lam rho in place of r + lam rho",
               optimum=lambda M, r, lam: optimal_value(shrinkage(M, r, lam, _one_plus_rule), r, lam)),
        mutant("no implicit bias", "f* = best rank-r error sum_{i>r} sigma_i^2 (dropout ignored)",
               optimum=lambda M, r, lam: float(np.sum(np.linalg.svd(M, compute_uv=False)[r:] ** 2))),
    ],
    depends_on=["bias/theorem-3.6", "bias/theorem-3.4", "bias/algorithm-1"],
    tags=["experiment", "dynamics"],
)


def _one_plus_rule(sigma, r, lam):
    j = np.arange(1, r + 1)
    thresholds = lam * np.cumsum(sigma) / (1 + lam * j)
    above = np.nonzero(sigma > thresholds)[0]
    rho = int(above[-1]) + 1 if above.size else 0
    return rho, float(thresholds[rho - 1]) if rho else 0.0


CLAIMS = [experiment_fig1, experiment_fig3]
