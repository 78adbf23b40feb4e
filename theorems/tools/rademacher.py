"""`tools` Theorems 18-20: Rademacher uniform-deviation bounds and weighted trace-norm balls.

Seed 000_f4de404d0cfe4539.txt, appendix §.2, Theorem 18 (l. 14269-14297, [MRT18] Thm 3.1),
Theorem 19 (l. 14299-14317, [MRT18] Thm 10.3), Theorem 20 (l. 14319-14340, [FSSS11] Thm 1).

Theorems 18-19 are tested on finite domains Z = [m] with the uniform law, where the supremum of
the deviation over the class and both Rademacher complexities are exact: for the class of all
functions Z -> [0, 1] (or [-M, M]) the supremum splits over the points of Z and
R_S = (1/n) sum_z E(S_{k_z})_+ (resp. (M/n) sum_z E|S_{k_z}|), S_k a sum of k Rademacher signs and
k_z the number of sample points equal to z; R_n is its mean over k_z ~ Bin(n, 1/m).
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from theorycheck import ConvexProgram, Program, Rate, Relation, Source, Space, declare, mutant, solver_tolerance

from .frequencies import (FAMILY_ALPHA, clopper_pearson_lower, family_size, frequency_tolerance, generator,
                          mean_abs_rademacher_sum)

SEED = "000_f4de404d0cfe4539.txt"
DEVIATION_SAMPLES = 4000
DEVIATION_INSTANCES = 8


def deviation_samples(ctx) -> int:
    return 4 * DEVIATION_SAMPLES if ctx.full else DEVIATION_SAMPLES


def sample_counts(i, ctx, samples: int):
    """Cell counts k_z of `samples` i.i.d. samples of size n from the uniform law on [m], shape (samples, m)."""
    import torch

    gen = generator(i.seed, ctx.device)
    idx = torch.randint(i.m, (samples, i.n), generator=gen, device=ctx.device)
    counts = torch.zeros(samples, i.m, dtype=torch.float64, device=ctx.device)
    return counts.scatter_add_(1, idx, torch.ones_like(idx, dtype=torch.float64)).cpu().numpy()


def expected_abs_sum(i) -> tuple[np.ndarray, float]:
    """The table E|S_k| (k <= n) and E_k E|S_k| for k ~ Bin(n, 1/m)."""
    table = mean_abs_rademacher_sum(i.n)
    return table, float(np.sum(stats.binom.pmf(np.arange(i.n + 1), i.n, 1 / i.m) * table))


def _deviation_problem(d) -> dict:
    regime = d.regime
    if regime == "m=n=400":
        m, n = 400, 400
    elif regime == "m=10, n=20":
        m, n = 10, 20
    else:
        n = d.integer(10, 400)
        m = d.integer(2, 2 * n)
    return {"m": m, "n": n, "delta": d.choice((0.01, 0.05, 0.2)), "seed": d.integer(0, 2**31 - 1)}


deviation_problems = Space(_deviation_problem, regimes=("typical", "m=n=400", "m=10, n=20"),
                           description="uniform law on [m], samples of size n, delta in {0.01, 0.05, 0.2}")


# --- Theorem 18 ------------------------------------------------------------------------------------

def mrt_bounds(i, rademacher, empirical_rademacher):
    """Theorem 18 as printed: [2 R_n + sqrt(log(1/delta)/2n), 2 R_S + 3 sqrt(log(1/delta)/2n)] per sample."""
    conf = np.sqrt(np.log(1 / i.delta) / (2 * i.n))
    return np.stack(np.broadcast_arrays(2 * rademacher + conf, 2 * empirical_rademacher + 3 * conf), axis=-1)


def indicator_violations(i, ctx, parts):
    """Lower CP bounds of P(sup_g (E g - E_S g) > bound) for both bounds, class = all indicators 1_A."""
    samples = deviation_samples(ctx)
    counts = sample_counts(i, ctx, samples)
    deviation = np.maximum(1 / i.m - counts / i.n, 0.0).sum(1)
    table, mean_abs = expected_abs_sum(i)
    empirical = table[counts.astype(int)].sum(1) / (2 * i.n)  # E(S_k)_+ = E|S_k| / 2
    expected = i.m * mean_abs / (2 * i.n)
    bounds = parts["claimed"](i, expected, empirical)
    violations = (deviation[:, None] > bounds).sum(0)
    level = FAMILY_ALPHA / (2 * family_size(ctx, DEVIATION_INSTANCES))
    return np.array([clopper_pearson_lower(int(k), samples, level) for k in violations])


theorem_18 = declare(
    "tools/theorem-18",
    untested={
        'claimed': 'uniform-deviation bounds are loose (violation frequencies far below delta on the instances): not tested at 10 %',
        'delta': 'see claimed'},
    title="uniform deviation of [0,1]-valued classes via Rademacher complexity",
    source=Source(SEED, "Theorem 18 (Theorem 3.1 of [MRT18])", lines="14269-14297"),
    statement=r"\text{w.p.}\ge1-\delta\ \forall g:\ \mathbb Eg\le\hat{\mathbb E}_Sg+2\mathfrak R_n(\mathcal G)"
              r"+\sqrt{\tfrac{\log(1/\delta)}{2n}},\ \ \mathbb Eg\le\hat{\mathbb E}_Sg+2\hat{\mathfrak R}_S(\mathcal G)"
              r"+3\sqrt{\tfrac{\log(1/\delta)}{2n}}",
    hypotheses=["g: Z -> [0, 1]", "S i.i.d. of size n", "delta > 0"],
    scope="checked on G = {1_A : A subset of [m]}, Z uniform on [m], where the supremum and both "
          "complexities are exact. As printed the second bound has log(1/delta); [MRT18] has log(2/delta) "
          "(a union bound over two events). The printed form is stronger than the cited theorem but "
          "the class is too loose for any test here to refute it, so it is encoded as printed.",
    claimed=mrt_bounds,
    parts={"delta": lambda i: i.delta},
    checks=[
        Relation(observed=indicator_violations, space=deviation_problems, claimed="delta", relation="<=",
                 instances=DEVIATION_INSTANCES, full_instances=DEVIATION_INSTANCES, shrink=False,
                 tolerance=frequency_tolerance(2 * DEVIATION_INSTANCES),
                 label=f"{DEVIATION_SAMPLES} samples per instance (x4 in full), both bounds"),
    ],
    mutants=[
        mutant("no Rademacher term", "the 2 R terms dropped",
               claimed=lambda i, rademacher, empirical_rademacher: mrt_bounds(i, 0, 0 * empirical_rademacher)),
    ],
    depends_on=["prelim/definition-rademacher"],
    tags=["tools", "rademacher"],
)


# --- Theorem 19 ------------------------------------------------------------------------------------

def _regression_problem(d) -> dict:
    regime = d.regime
    inst = _deviation_problem(d) if regime != "singleton, M = 10" else {
        "m": d.integer(2, 50), "n": d.integer(20, 200), "delta": d.choice((0.01, 0.05)), "seed": d.integer(0, 2**31 - 1)}
    if regime == "all functions, m = n":
        inst["m"] = inst["n"]
    inst["M"] = 10.0 if regime == "singleton, M = 10" else d.log_uniform(0.1, 10.0)
    inst["cls"] = {"singleton, M = 10": "singleton", "all functions, m = n": "all"}.get(
        regime, d.choice(("singleton", "all")))
    inst["support"] = max(1, inst["m"] // 2)  # the singleton h = M 1_{z < support}
    return inst


regression_problems = Space(_regression_problem, regimes=("typical", "all functions, m = n", "singleton, M = 10"),
                            description="f = 0 on [m]; H = all maps [m] -> [-M, M], or H = {M 1_{z < m/2}}")


def regression_bounds(i, rademacher, empirical_rademacher, concentration_scale):
    """[4M R_n + c sqrt(log(2/delta)/2n), 4M R_S + 3c sqrt(log(2/delta)/2n)] per sample; Theorem 19: c = M^2."""
    conf = concentration_scale * np.sqrt(np.log(2 / i.delta) / (2 * i.n))
    return np.stack(np.broadcast_arrays(4 * i.M * rademacher + conf, 4 * i.M * empirical_rademacher + 3 * conf), axis=-1)


def squared_loss_violations(i, ctx, parts):
    """Lower CP bounds of P(sup_h (E h^2 - E_S h^2) > bound), f = 0, exact suprema and complexities."""
    samples = deviation_samples(ctx)
    counts = sample_counts(i, ctx, samples)
    gap = 1 / i.m - counts / i.n  # p_z - hat p_z
    if i.cls == "all":  # h(z)^2 in [0, M^2] chosen per point; R_S = (M/n) sum_z E|S_{k_z}|
        deviation = i.M**2 * np.maximum(gap, 0.0).sum(1)
        table, mean_abs = expected_abs_sum(i)
        empirical = i.M * table[counts.astype(int)].sum(1) / i.n
        expected = i.M * i.m * mean_abs / i.n
    else:  # a single function: both complexities vanish
        deviation = i.M**2 * gap[:, : i.support].sum(1)
        empirical, expected = np.zeros(samples), 0.0
    bounds = parts["claimed"](i, expected, empirical)
    violations = (deviation[:, None] > bounds).sum(0)
    level = FAMILY_ALPHA / (2 * family_size(ctx, DEVIATION_INSTANCES))
    return np.array([clopper_pearson_lower(int(k), samples, level) for k in violations])


theorem_19 = declare(
    "tools/theorem-19",
    untested={
        'claimed': 'uniform-deviation bounds are loose (violation frequencies far below delta on the instances): not tested at 10 %',
        'delta': 'see claimed'},
    title="uniform deviation of the squared loss for regressors with ||h - f||_inf <= M",
    source=Source(SEED, "Theorem 19 (Theorem 10.3 of [MRT18])", lines="14299-14317"),
    statement=r"\text{w.p.}\ge1-\delta\ \forall h:\ \mathbb E|h-f|^2\le\hat{\mathbb E}_i|h-f|^2+4M\mathfrak R_n(\mathcal H)"
              r"+M^2\sqrt{\tfrac{\log(2/\delta)}{2n}}\ \ (\text{and with }4M\hat{\mathfrak R}_S+3M^2\sqrt{\cdot})",
    hypotheses=["||h - f||_inf <= M for all h in H", "S i.i.d. of size n", "delta > 0"],
    scope="checked with f = 0 on Z uniform on [m], for H = all maps [m] -> [-M, M] (rich: the Rademacher "
          "term matters) and H = {M 1_{z < m/2}} (R = 0: the M^2 concentration term alone); the first bound "
          "with log(2/delta) is weaker than the usual log(1/delta) form (edition-dependent), so harmless",
    claimed=lambda i, rademacher, empirical_rademacher: regression_bounds(
        i, rademacher, empirical_rademacher, i.M**2),
    parts={"delta": lambda i: i.delta},
    checks=[
        Relation(observed=squared_loss_violations, space=regression_problems, claimed="delta", relation="<=",
                 instances=DEVIATION_INSTANCES, full_instances=DEVIATION_INSTANCES, shrink=False,
                 tolerance=frequency_tolerance(2 * DEVIATION_INSTANCES),
                 label=f"{DEVIATION_SAMPLES} samples per instance (x4 in full), both bounds"),
    ],
    mutants=[
        mutant("no 4 M R term", "Rademacher terms dropped",
               claimed=lambda i, rademacher, empirical_rademacher: regression_bounds(i, 0, 0, i.M**2)),
        mutant("M for M^2", "concentration term linear in M",
               claimed=lambda i, rademacher, empirical_rademacher: regression_bounds(
                   i, rademacher, empirical_rademacher, i.M)),
    ],
    depends_on=["prelim/definition-rademacher"],
    tags=["tools", "rademacher"],
)


# --- Theorem 20 ------------------------------------------------------------------------------------

def spectral_dual(signs: np.ndarray, p: np.ndarray, q: np.ndarray, alpha: float) -> float:
    """sup{<X, M> : ||diag(sqrt p) M diag(sqrt q)||_*^2 <= alpha} = sqrt(alpha) ||P^{-1/2} X Q^{-1/2}||_2."""
    return float(np.sqrt(alpha) * np.linalg.norm(signs / np.sqrt(np.outer(p, q)), 2))


class TraceNormSweep:
    """E_S R_S(M_alpha) at sample size n by batched Monte Carlo over (i_t, j_t, sigma_t), for one law p x q.

    R_S = (sqrt(alpha)/n) E_sigma ||P^{-1/2} (sum_t sigma_t e_{i_t} e_{j_t}') Q^{-1/2}||_2 (``spectral_dual``);
    the cell sums are a scatter_add of the signs, the spectral norms one batched call.
    """

    def __init__(self, p: np.ndarray, q: np.ndarray, alpha: float = 1.0, draws: int = 64, chunk: int = 16):
        self.p, self.q, self.alpha, self.draws, self.chunk = p, q, alpha, draws, chunk

    def __call__(self, n: float, sampler) -> float:
        import torch

        n, d2, d0 = int(n), self.p.size, self.q.size
        if not self.satisfies_hypothesis(n):
            raise ValueError(f"n = {n}: p(i) q(j) >= log(d2) / (n sqrt(d2 d0)) fails; outside Theorem 20")
        cell_law = sampler.tensor(np.outer(self.p, self.q).ravel())
        weights = sampler.tensor(1 / np.sqrt(np.outer(self.p, self.q)))
        norms = []
        for _ in range(self.draws // self.chunk):
            cells = torch.multinomial(cell_law.expand(self.chunk, -1), n, replacement=True, generator=sampler.generator)
            signs = sampler.rademacher(self.chunk, n)
            sums = torch.zeros(self.chunk, d2 * d0, dtype=torch.float64, device=sampler.device).scatter_add_(1, cells, signs)
            norms.append(torch.linalg.matrix_norm(sums.view(self.chunk, d2, d0) * weights, ord=2))
        return float(np.sqrt(self.alpha) * torch.cat(norms).mean() / n)

    def slope_tolerance(self, points) -> float:
        """First-order finite-n term: a cell's sum of k ~ n p_i q_j signs is Gaussian up to relative O(1/k), so
        log E||.||_2 deviates from its sqrt(n) asymptote by at most ~1/(n_min min p_i q_j); spread over the
        sweep's log-range that bounds the slope's bias."""
        return 1 / (min(points) * self.p.min() * self.q.min()) / np.log(max(points) / min(points))

    def satisfies_hypothesis(self, n: int) -> bool:
        """p(i) q(j) >= log(d2) / (n sqrt(d2 d0)) for all i, j."""
        d2, d0 = self.p.size, self.q.size
        return bool(self.p.min() * self.q.min() >= np.log(d2) / (n * np.sqrt(d2 * d0)))


SWEEP = [2000 * 2**k for k in range(7)]  # n from 2e3 to 1.28e5
uniform_sweep = TraceNormSweep(np.full(20, 1 / 20), np.full(20, 1 / 20))
_geometric = lambda d, ratio: ratio ** np.arange(d) / np.sum(ratio ** np.arange(d))  # noqa: E731
weighted_sweep = TraceNormSweep(_geometric(12, 0.9), _geometric(8, 0.85))
# exponents a check must tell apart sit 1/4 apart (-1/4, -1/2, -3/4, -1): a resolution of a fifth of that
RESOLUTION = 0.05
SLOPE_PRINCIPLE = "finite-n bias <= 1/(n_min min_ij p_i q_j) / log(n_max/n_min), see TraceNormSweep.slope_tolerance"


def _sign_pattern(d) -> dict:
    d2 = d.integer(1, 6)
    d0 = 1 if d.regime == "d0=1" else d.integer(1, 6)
    p, q = d.exponential(d2) + 0.05, d.exponential(d0) + 0.05
    if d.regime == "uniform p, q":
        p, q = np.ones(d2), np.ones(d0)
    n = d.integer(1, 30)
    cells = np.array([d.integer(0, d2 * d0 - 1) for _ in range(n)])
    signs = np.array([d.choice((-1.0, 1.0)) for _ in range(n)])
    X = np.bincount(cells, weights=signs, minlength=d2 * d0).reshape(d2, d0)
    return {"X": X, "p": p / p.sum(), "q": q / q.sum(), "alpha": d.log_uniform(0.1, 10.0), "d2": d2, "d0": d0}


sign_patterns = Space(_sign_pattern, regimes=("typical", "uniform p, q", "d0=1"),
                      description="cell sums X of n <= 30 signs on a d2 x d0 grid (<= 6), weights p, q")


def weighted_trace_ball(inst) -> Program:
    """max <X, M> s.t. ||diag(sqrt p) M diag(sqrt q)||_* <= sqrt(alpha), for one (p, q, alpha)."""
    import cvxpy as cp

    X = cp.Parameter((inst.d2, inst.d0))
    M = cp.Variable((inst.d2, inst.d0))
    weighted = np.diag(np.sqrt(inst.p)) @ M @ np.diag(np.sqrt(inst.q))
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(X, M))), [cp.normNuc(weighted) <= np.sqrt(inst.alpha)])
    return Program(problem, {"X": X})


theorem_20 = declare(
    "tools/theorem-20",
    title="Rademacher complexity of weighted trace-norm balls decays as n^{-1/2}",
    source=Source(SEED, "Theorem 20 (Theorem 1 in [FSSS11])", lines="14319-14340"),
    statement=r"p(i)q(j)\ge\tfrac{\log d_2}{n\sqrt{d_2d_0}}\Rightarrow\mathfrak R_n(\mathcal M_\alpha)\le "
              r"O\big(\sqrt{\alpha d_2\log(d_2)/n}\big),\ \mathcal M_\alpha=\{M:\|\mathrm{diag}(\sqrt p)M"
              r"\mathrm{diag}(\sqrt q)\|_*^2\le\alpha\}",
    hypotheses=["entries (i_t, j_t) i.i.d. from p x q", "p(i) q(j) >= log(d2) / (n sqrt(d2 d0))",
                "M_alpha in R^{d2 x d0} (the seed writes d2 x d1); d2 >= d0 implicitly (the log d2 factor)"],
    scope="the O(.) has an unspecified constant: the rate in n is checked (log-log slope of E R_S over "
          "n in [2e3, 1.28e5] must be -1/2), with E R_S computed exactly up to Monte Carlo through trace/"
          "spectral duality, itself checked against a convex program; uniform 20 x 20 and geometric 12 x 8 laws",
    claimed=-0.5,
    parts={"dual": lambda i: spectral_dual(i.X, i.p, i.q, i.alpha)},
    checks=[
        Rate(points=SWEEP, measure=uniform_sweep, slope_tolerance=uniform_sweep.slope_tolerance(SWEEP),
             slope_principle=SLOPE_PRINCIPLE, resolution=RESOLUTION,
             label="uniform p, q, d2 = d0 = 20"),
        Rate(points=SWEEP, measure=weighted_sweep, slope_tolerance=weighted_sweep.slope_tolerance(SWEEP),
             slope_principle=SLOPE_PRINCIPLE, resolution=RESOLUTION,
             label="geometric p (12), q (8)"),
        ConvexProgram(program=weighted_trace_ball, values=lambda i: {"X": i.X}, space=sign_patterns,
                      key=lambda i: (i.d2, i.d0, tuple(i.p), tuple(i.q), i.alpha), claimed="dual",
                      tolerance=solver_tolerance(1e-8, what="Clarabel gap/feasibility 1e-10, SDP of size <= 12"),
                      instances=12, label="duality: sup over the ball = sqrt(alpha) ||P^-1/2 X Q^-1/2||_2"),
    ],
    mutants=[
        mutant("n^{-1}", "fast rate", claimed=-1.0),
        mutant("n^{-1/4}", "slow rate", claimed=-0.25),
        mutant("unweighted dual", "spectral norm of X without the P^{-1/2}, Q^{-1/2} weights",
               dual=lambda i: float(np.sqrt(i.alpha) * np.linalg.norm(i.X, 2))),
    ],
    tags=["tools", "rademacher", "rate", "exemplar"],
)

CLAIMS = [theorem_18, theorem_19, theorem_20]
