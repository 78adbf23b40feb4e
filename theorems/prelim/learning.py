"""`prelim` §1.1.1: uniform deviation (l. 493-504), empirical Rademacher complexity (l. 547-570) and
the l_p path norm (l. 579-591) of seed 000_f4de404d0cfe4539.txt.
"""
from __future__ import annotations

from itertools import product

import numpy as np
import sympy as sp

from theorycheck import MonteCarlo, Relation, Source, Space, Symbolic, declare, float_tolerance, mutant, ops

SEED = "000_f4de404d0cfe4539.txt"


# --- uniform deviation controls the gap and the excess error ------------------------------------------

THRESHOLDS = np.linspace(0.0, 1.0, 50)  # the finite class {x -> 1[x >= theta_j]}
SAMPLES_PER_INSTANCE = 2000


def _threshold_problem(d) -> dict:
    n = {"n=10": 10, "n=100": 100}.get(d.regime, d.integer(5, 60))
    noise = 0.0 if d.regime == "noiseless" else d.uniform(0.0, 0.4)
    return {"n": n, "noise": noise, "target": d.uniform(0.0, 1.0), "seed": d.integer(0, 2**31 - 1)}


threshold_problems = Space(_threshold_problem, regimes=("typical", "n=10", "n=100", "noiseless"),
                           description="x ~ U[0,1], y = 1[x >= theta*] flipped w.p. eta <= 0.4, 50 thresholds, 0-1 loss")


def deviation_ratios(i, ctx):
    """Per sample: sup_w |L - L_hat|, and the worst ratios excess(ERM)/sup, gap(ERM)/sup, gap(random w)/sup."""
    import torch

    gen = torch.Generator(device=ctx.device).manual_seed(int(i.seed))
    x = torch.rand(SAMPLES_PER_INSTANCE, i.n, 1, generator=gen, dtype=torch.float64, device=ctx.device)
    flip = torch.rand(SAMPLES_PER_INSTANCE, i.n, 1, generator=gen, dtype=torch.float64, device=ctx.device) < i.noise
    y = (x >= i.target) ^ flip
    theta = torch.as_tensor(THRESHOLDS, device=ctx.device)
    empirical = ((x >= theta) != y).to(torch.float64).mean(1)  # (samples, 50)
    risk = i.noise + (1 - 2 * i.noise) * (theta - i.target).abs()  # L(theta) exactly
    sup = (risk - empirical).abs().max(1).values
    erm = empirical.argmin(1)
    anyone = torch.randint(len(THRESHOLDS), (SAMPLES_PER_INSTANCE,), generator=gen, device=ctx.device)
    rows = torch.arange(SAMPLES_PER_INSTANCE, device=ctx.device)
    excess = risk[erm] - risk.min()
    gap_erm = risk[erm] - empirical[rows, erm]
    gap_any = risk[anyone] - empirical[rows, anyone]
    return torch.stack([(r / sup).max() for r in (excess, gap_erm, gap_any)]).cpu().numpy()


claim_uniform_deviation = declare(
    "prelim/claim-uniform-deviation",
    title="the uniform deviation bounds the generalization gap, and twice it bounds the ERM excess error",
    source=Source(SEED, "§1.1.1, uniform deviation bound", lines="493-504"),
    statement=r"L(\hat w)-\hat L(\hat w)\le\sup_{w}|L(w)-\hat L(w)|,\quad L(\hat w_{\rm ERM})-\min_wL(w)\le2\sup_w|L(w)-\hat L(w)|",
    hypotheses=["any w_hat in W for the gap", "w_hat an empirical risk minimiser for the excess error"],
    scope="'a small generalization gap implies a small excess error' made precise with the factor 2; checked on a "
          "finite class of 50 thresholds with known risk, 2000 samples per instance",
    claimed=lambda i: np.array([2.0, 1.0, 1.0]),
    checks=[
        Relation(observed=deviation_ratios, space=threshold_problems, relation="<=", instances=12, shrink=False,
                 tolerance=float_tolerance(4 * 100, what="means of <= 100 indicators and a ratio"),
                 label="worst excess/sup, gap/sup over 2000 samples"),
    ],
    mutants=[
        mutant("excess <= sup", "factor 2 dropped", claimed=lambda i: np.array([1.0, 1.0, 1.0])),
        mutant("gap <= sup / 2", "gap at half the deviation", claimed=lambda i: np.array([2.0, 0.5, 0.5])),
    ],
    tags=["prelim", "generalization"],
)


# --- empirical Rademacher complexity ---------------------------------------------------------------

def _finite_class_sample(d) -> dict:
    regime = d.regime
    m = 1 if regime == "m=1" else d.integer(2, 4)
    n = 1 if regime == "n=1" else d.integer(2, 12)
    z = np.full(n, d.integer(0, m - 1)) if regime == "all points equal" else np.array([d.integer(0, m - 1) for _ in range(n)])
    return {"m": m, "n": n, "z": z}


finite_class_samples = Space(_finite_class_sample, regimes=("typical", "n=1", "m=1", "all points equal"),
                             description="samples z_1..z_n (n <= 12) in [m] (m <= 4); F = all indicators 1_A, A in [m]")


def class_values(i) -> np.ndarray:
    """Rows f(z_1..z_n) for every f = 1_A, A subset of [m]: shape (2^m, n)."""
    subsets = np.array(list(product((0.0, 1.0), repeat=i.m)))
    return subsets[:, i.z]


def rademacher_by_enumeration(i, parts):
    """E_sigma sup_f (1/n) sum_i sigma_i f(z_i) over all 2^n sign vectors (the definition; ``sup`` is a part)."""
    signs = np.array(list(product((-1.0, 1.0), repeat=i.n)))
    return parts["sup"](signs @ class_values(i).T / i.n).mean()


def rademacher_samples(i, n, sampler):
    """sup_f (1/n) sum_i sigma_i f(z_i) for n sign draws (MonteCarlo samples see no parts: the plain sup)."""
    values = sampler.tensor(class_values(i))
    return (sampler.rademacher(n, i.n) @ values.T / i.n).max(-1).values


def subsets_closed_form(i):
    """(1/n) sum_z E(S_{k_z})_+ with k_z = #{i: z_i = z}: the sup splits over the points of [m]."""
    total = 0.0
    for k in np.bincount(i.z, minlength=i.m):
        j = np.arange(k + 1)
        total += np.sum(np.array([float(sp.binomial(int(k), int(a))) for a in j]) / 2.0**k * np.maximum(2 * j - k, 0))
    return total / i.n


definition_rademacher = declare(
    "prelim/definition-rademacher",
    title="empirical Rademacher complexity; closed form for all subsets of a finite domain",
    source=Source(SEED, "§1.1.1, definition of the empirical Rademacher complexity", lines="547-570"),
    statement=r"\hat{\mathfrak R}_S(\mathcal F)=\mathbb E_\sigma\Big[\sup_{f\in\mathcal F}\tfrac1n\sum_i\sigma_if(x_i)\Big];"
              r"\ \ \mathcal F=\{\mathbb 1_A\}:\ \hat{\mathfrak R}_S=\tfrac1n\sum_z\mathbb E\big(\textstyle\sum_{i:z_i=z}\sigma_i\big)_+",
    hypotheses=["sigma_i iid Rademacher", "F = all indicators of subsets of [m] for the closed form"],
    scope="a definition: the enumeration and Monte-Carlo helpers used by tools/theorem-18, 19 are checked "
          "against the closed form for the class of all subsets (not closed under negation, so sup vs sup|.| differ)",
    claimed=subsets_closed_form,
    parts={"sup": lambda values: values.max(-1)},
    checks=[
        Relation(observed=rademacher_by_enumeration, space=finite_class_samples, instances=40,
                 tolerance=float_tolerance(4 * 4096, what="mean over 2^n <= 4096 sign vectors"), label="2^n enumeration"),
        MonteCarlo(sample=rademacher_samples, space=finite_class_samples, samples=100_000, instances=8,
                   label="batched sign draws"),
    ],
    mutants=[
        mutant("sup |.|", "supremum of the absolute correlation", sup=lambda values: abs(values).max(-1)),
        mutant("E|S_k|", "positive part dropped in the closed form",
               claimed=lambda i: sum(np.abs(2 * np.arange(k + 1) - k) @ np.array(
                   [float(sp.binomial(int(k), int(a))) for a in range(k + 1)]) / 2.0**k
                   for k in np.bincount(i.z, minlength=i.m)) / i.n),
    ],
    tags=["prelim", "definition", "rademacher"],
)


# --- l_p path norm ----------------------------------------------------------------------------------

def _layered_net(d) -> dict:
    depth = 3 if d.regime == "depth 3, width 4" else d.integer(1, 3)
    widths = [4] * (depth + 1) if d.regime == "depth 3, width 4" else [d.integer(1, 4) for _ in range(depth + 1)]
    widths[-1] = 1 if d.regime == "scalar output" else widths[-1]
    weights = [d.normal(rows, cols) * d.exponential(rows, 1) for rows, cols in zip(widths[1:], widths[:-1])]
    return {"weights": weights, "p": d.choice((1.0, 1.5, 2.0, 3.0))}


layered_nets = Space(_layered_net, regimes=("typical", "depth 3, width 4", "scalar output"),
                     description="W_1..W_L (L <= 3), widths <= 4, Exp(1) row scales, p in {1, 1.5, 2, 3}")


def path_norm_by_paths(i):
    """psi_p^p = sum over input -> output paths of |product of the weights along the path|^p."""
    widths = [i.weights[0].shape[1]] + [W.shape[0] for W in i.weights]
    total = 0
    for path in product(*[range(w) for w in widths]):
        weight = 1
        for layer, W in enumerate(i.weights):
            weight = weight * W[path[layer + 1], path[layer]]
        total = total + abs(weight) ** i.p
    return total


def path_norm_by_products(i, power=lambda W, p: abs(W) ** p):
    """psi_p^p = 1' |W_L|^{op} ... |W_1|^{op} 1 (entrywise powers)."""
    vector = np.ones(i.weights[0].shape[1])
    for W in i.weights:
        vector = power(W, i.p) @ vector
    return vector.sum()


definition_path_norm = declare(
    "prelim/definition-path-norm",
    title="the l_p path norm as a product of entrywise powers of the weight matrices",
    source=Source(SEED, "§1.1.1, l_p path norm [NTS15]", lines="579-591"),
    statement=r"\psi_p(w)=\|\pi(w)\|_p,\quad\psi_p^p(w)=\mathbf 1^\top|W_{L}|^{\circ p}\cdots|W_1|^{\circ p}\mathbf 1",
    hypotheses=["layered network x -> W_L s(... s(W_1 x))", "p >= 1"],
    scope="a definition: the matrix-product formula used by the helpers is checked against path enumeration",
    claimed=path_norm_by_products,
    checks=[
        Symbolic(observed=path_norm_by_paths, symbols=lambda: {
            "weights": [ops.symbol_matrix("v", 2, 2, positive=True), ops.symbol_matrix("u", 3, 2, positive=True)],
            "p": 2}, label="two layers, p = 2: sum_i ||u_i||^2 ||v_i||^2 (bias/identity-eq3)"),
        Relation(observed=path_norm_by_paths, space=layered_nets, instances=40,
                 tolerance=float_tolerance(4 * 256, what="sum over <= 256 paths of 3-fold products"), label="path enumeration"),
    ],
    mutants=[
        mutant("no absolute values", "signed powers sgn(W)|W|^p: paths cancel",
               claimed=lambda i: path_norm_by_products(i, power=lambda W, p: np.sign(W) * abs(W) ** p)),
        mutant("psi_p for psi_p^p", "the p-th root taken", claimed=lambda i: path_norm_by_products(i) ** (1 / i.p)),
    ],
    depends_on=["bias/identity-eq3"],
    tags=["prelim", "definition", "path-norm"],
)

CLAIMS = [claim_uniform_deviation, definition_rademacher, definition_path_norm]
