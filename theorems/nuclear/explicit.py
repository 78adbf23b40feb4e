"""`nuclear` §3 intro and §3.1: the dropout objective and its explicit regularizer.

Seed 000_f4de404d0cfe4539.txt: the decomposition L_theta = L + R (l. 4600-4670), Proposition 8
(l. 4760, proof l. 4850-5115, with eq. (3.4) at l. 4854), Remarks 6-7 (l. 5219-5258), Definitions 4-5
(l. 5261-5317). Conventions in `model.py`.
"""
from __future__ import annotations

from itertools import combinations, combinations_with_replacement, product
from math import prod

import numpy as np
import sympy as sp

from theorycheck import (Instance, MonteCarlo, Relation, Source, Symbolic, bernoulli_masks, declare, float_tolerance,
                         mutant, ops)

from .model import (batched_dropped_maps, chain, dropped_map, equalization_defect, equalization_gaps,
                    explicit_regularizer, hidden_widths, network_map, nu_by_definition, nu_closed_form,
                    rank_one_network, regularizer_by_masks, regularizer_by_recursion, rescaled, row_sq_norms,
                    split_masks, sub_regularizer)
from .spaces import (networks, networks_with_data, one_layer, rank_one_maps, shallow, square_shallow, wide_networks,
                     widths_and_rates)

SEED = "000_f4de404d0cfe4539.txt"
MASK_SUM = float_tolerance(2**10 * 64, what="sum over <= 1024 masks of products of <= 4 matrices <= 3x3")


# --- the decomposition L_theta = L + R --------------------------------------------------------------

def dropout_risk_by_masks(i, parts):
    """L_theta = (1/n) sum_n E_b ||y_n - bar W x_n||^2, bar W scaled by theta^-(scaling exponent)."""
    widths = hidden_widths(i.Ws)
    masks, weights = bernoulli_masks(sum(widths), i.theta)
    total = 0.0
    for flat, w in zip(masks, weights):
        bars = split_masks(flat, widths)
        W_bar = dropped_map(i.Ws, bars, 1.0) / i.theta ** parts["scaling_exponent"](i.k)
        total += w * np.mean(np.sum((i.Y - i.X @ W_bar.T) ** 2, axis=1))
    return total


def mean_dropped_map(i, parts):
    widths = hidden_widths(i.Ws)
    masks, weights = bernoulli_masks(sum(widths), i.theta)
    return sum(w * dropped_map(i.Ws, split_masks(f, widths), 1.0) for f, w in zip(masks, weights)) \
        / i.theta ** parts["scaling_exponent"](i.k)


def risk_plus_regularizer(i):
    """L(M) + E_b ||(M - bar W) C^{1/2}||_F^2 with the empirical C."""
    M = network_map(i.Ws)
    return np.mean(np.sum((i.Y - i.X @ M.T) ** 2, axis=1)) + regularizer_by_masks(i.Ws, i.S, i.theta)


aux_decomp = declare(
    "nuclear/aux-decomp",
    title="bar W is unbiased and the dropout objective is the risk plus the explicit regularizer",
    source=Source(SEED, "unnumbered displays, chapter intro", "(3.1)", "4610-4670"),
    statement=r"\mathbb E_b\bar W_{k+1\to1}=W_{k+1\to1},\quad L_\theta(\{W_i\})=L(W_{k+1\to1})+R(\{W_i\}),"
              r"\quad R=\mathbb E_b\|(W_{k+1\to1}-\bar W_{k+1\to1})C^{1/2}\|_F^2",
    hypotheses=["b_l(i) iid Ber(theta), independent of (x, y)", "bar W = theta^{-k} W_{k+1}B_k...B_1W_1",
                "any law of (x, y) with finite second moments (here: 7 empirical points)"],
    claimed=risk_plus_regularizer,
    parts={"scaling_exponent": lambda k: k, "mean_map": lambda i: network_map(i.Ws)},
    checks=[
        Relation(observed=dropout_risk_by_masks, space=networks_with_data, instances=16,
                 tolerance=MASK_SUM, label="L_theta by exact enumeration of masks"),
        Relation(observed=mean_dropped_map, claimed="mean_map", space=networks_with_data, instances=16,
                 tolerance=float_tolerance(2**10 * 64, atol=1e-13, what="mean of <= 1024 mask maps"),
                 label="unbiasedness E_b bar W = W"),
    ],
    mutants=[
        mutant("theta^-(k+1)", "one scaling factor too many: biased, and a cross term appears",
               scaling_exponent=lambda k: k + 1),
        mutant("no C in R", "R = E_b ||M - bar W||_F^2 (C replaced by I)",
               claimed=lambda i: np.mean(np.sum((i.Y - i.X @ network_map(i.Ws).T) ** 2, axis=1))
               + regularizer_by_masks(i.Ws, np.eye(i.dims[0]), i.theta)),
    ],
    scope="The seed also calls every partial product bar W_{i->j} (scaled by theta^-k) unbiased; that holds "
          "only for (i, j) = (k+1, 1), which is what is checked. The proof of Proposition 8 uses the "
          "unscaled product.",
    tags=["dropout-objective"],
)


# --- Proposition 8 ----------------------------------------------------------------------------------

def proposition8_sum(Ws, S, lam, pivots=combinations, power=lambda l: l, orders=lambda k: range(1, k + 1)):
    """The printed closed form, summed literally over pivots J and node tuples (i_l, ..., i_1)."""
    k, widths = len(Ws) - 1, hidden_widths(Ws)
    total = 0
    for l in orders(k):
        for J in pivots(range(1, k + 1), l):
            alpha2 = row_sq_norms(chain(Ws, J[0], 1) @ S)
            betas = [chain(Ws, J[p + 1], J[p] + 1) for p in range(l - 1)]
            gamma2 = ops.column_sq_norms(chain(Ws, k + 1, J[-1] + 1))
            R_J = 0
            for idx in product(*(range(widths[j - 1]) for j in J)):
                term = alpha2[idx[0]] * gamma2[idx[-1]]
                for p, B in enumerate(betas):
                    term = term * B[idx[p + 1], idx[p]] ** 2
                R_J = R_J + term
            total = total + lam ** power(l) * R_J
    return total


def symbolic_deep_network():
    """k = 2, dims [2, 1, 2, 1] (8 masks), generic symbolic weights, S and theta."""
    theta = sp.Symbol("theta", positive=True)
    return {"Ws": [ops.symbol_matrix("a", 1, 2), ops.symbol_matrix("b", 2, 1), ops.symbol_matrix("c", 1, 2)],
            "S": ops.symbol_matrix("s", 2, 2), "theta": theta, "lam": (1 - theta) / theta}


def mask_regularizer_samples(i, n, sampler):
    """||(M - bar W) C^{1/2}||_F^2 for n independent mask draws (batched; E over x is exact)."""
    Ws = [sampler.tensor(W) for W in i.Ws]
    masks = [sampler.bernoulli(i.theta, n, d) for d in hidden_widths(i.Ws)]
    diff = (network_map(Ws)[None] - batched_dropped_maps(Ws, masks, i.theta)) @ sampler.tensor(i.S)
    return (diff**2).sum((1, 2))


def factorised_unsquared_betas(Ws, S, lam):
    """Mutant of the pivot factorisation: beta entries not squared in the chain product."""
    from .model import path_factors, pivot_sets

    k = len(Ws) - 1
    total = 0
    for l in range(1, k + 1):
        for J in pivot_sets(k, l):
            alpha2, betas, gamma2 = path_factors(Ws, S, J)
            v = alpha2
            for B in betas:
                v = B @ v
            total = total + lam**l * (gamma2 * v).sum()
    return total


proposition_8 = declare(
    "nuclear/proposition-8",
    title="closed form of the explicit regularizer of a deep linear network",
    source=Source(SEED, "Proposition 8", "(3.4)-(3.12)", "4760-5115",
                  also="k = 1: thesis Lemma 2 / eq. (2.8); 003 eq. (2)"),
    statement=r"R=\sum_{l\in[k]}\lambda^lR_l,\ R_l=\sum_{(j_l,\dots,j_1)\in\binom{[k]}{l}}\sum_{(i_l,\dots,i_1)}"
              r"\alpha_{j_1,i_1}^2\prod_{p=1}^{l-1}\beta_p^2\gamma_{j_l,i_l}^2,\ "
              r"\alpha=\|W_{j_1\to1}(i_1,:)\|_C,\ \beta_p=W_{j_{p+1}\to j_p+1}(i_{p+1},i_p),\ "
              r"\gamma=\|W_{k+1\to j_l+1}(:,i_l)\|",
    hypotheses=["any weights, C = E[xx'] positive definite", "theta in (0, 1], lam = (1-theta)/theta",
                "pivots strictly increasing (the printed ([k] choose l))"],
    claimed=lambda i: proposition8_sum(i.Ws, i.S, i.lam),
    # the pivot-factorised form (model.explicit_regularizer) is the observed side of six other claims:
    # it is a part here, compared with mask enumeration directly
    parts={"factorised": lambda i: explicit_regularizer(i.Ws, i.S, i.lam)},
    checks=[
        Relation(observed=lambda i: regularizer_by_masks(i.Ws, i.S, i.theta), claimed="factorised", space=networks,
                 instances=48, tolerance=MASK_SUM,
                 label="pivot-factorised gamma' B..B alpha (used by other claims) vs exact enumeration of masks"),
        Symbolic(observed=lambda i: regularizer_by_masks(i.Ws, i.S, i.theta), symbols=symbolic_deep_network,
                 label="k = 2, dims [2,1,2,1], symbolic weights, S and theta, all 8 masks"),
        Relation(observed=lambda i: regularizer_by_masks(i.Ws, i.S, i.theta), space=networks, instances=48,
                 tolerance=MASK_SUM, label="exact enumeration of masks, k = 1, 2, 3"),
        Relation(observed=lambda i: regularizer_by_recursion(i.Ws, i.C, i.lam), space=networks, instances=48,
                 tolerance=float_tolerance(4096, what="<= 1300 summands, products of <= 4 matrices"),
                 label="second-moment recursion G_{i+1} = W(G + lam Diag G)W'"),
        MonteCarlo(sample=mask_regularizer_samples, space=wide_networks, samples=100_000, instances=3,
                   label="batched Bernoulli masks, widths 4-7 (too many masks to enumerate)"),
    ],
    mutants=[
        mutant("theta/(1-theta)", "retain and drop probability swapped in lam",
               claimed=lambda i: proposition8_sum(i.Ws, i.S, 1 / i.lam if i.lam else 0.0)),
        mutant("lam^1 for every l", "lam instead of lam^l",
               claimed=lambda i: proposition8_sum(i.Ws, i.S, i.lam, power=lambda l: 1)),
        mutant("first order only", "only the l = 1 (l2-product) sub-regularizer",
               claimed=lambda i: proposition8_sum(i.Ws, i.S, i.lam, orders=lambda k: [1])),
        mutant("C dropped", "alpha = ||W_{j_1->1}(i_1,:)|| without C^{1/2}",
               claimed=lambda i: proposition8_sum(i.Ws, np.eye(i.S.shape[0], dtype=i.S.dtype), i.lam)),
        mutant("multisets of pivots", "j_p = j_{p+1} allowed",
               claimed=lambda i: proposition8_sum(i.Ws, i.S, i.lam, pivots=combinations_with_replacement)),
        mutant("factorised, betas not squared", "the chain product with B in place of B * B",
               factorised=lambda i: factorised_unsquared_betas(i.Ws, i.S, i.lam)),
    ],
    depends_on=["nuclear/aux-decomp"],
    tags=["explicit-regularizer", "central"],
)


# --- eq. (3.4): one dropout layer -------------------------------------------------------------------

def masked_second_moment(i):
    """E_{b,x} ||U diag(b) V x||^2 = sum_b p(b) ||U diag(b) V C^{1/2}||_F^2 over all 2^r masks."""
    masks, weights = bernoulli_masks(i.U.shape[1], i.theta)
    return sum(w * ops.sum_squares((i.U * b[None, :]) @ i.V @ i.S) for b, w in zip(masks, weights))


def eq34_claimed(i, first=lambda t: t**2, second=lambda t: t - t**2, half=lambda i: i.S):
    return first(i.theta) * ops.sum_squares(i.U @ i.V @ i.S) + second(i.theta) * (
        ops.column_sq_norms(i.U) * row_sq_norms(i.V @ half(i))).sum()


aux_eq34 = declare(
    "nuclear/aux-eq3.4",
    title="second moment of one Bernoulli-masked layer",
    source=Source(SEED, "eq. (3.4) (proof of Proposition 8)", "(3.4)", "4850-4860",
                  also="thesis Ch. 2 Lemma 2 / eq. (2.8)"),
    statement=r"\mathbb E\|U\mathrm{diag}(b)Vx\|^2=\theta^2\mathbb E\|UVx\|^2+(\theta-\theta^2)"
              r"\sum_j\|U(:,j)\|^2\|V(j,:)^\top\|_C^2",
    hypotheses=["b iid Ber(theta) independent of x", "E[xx'] = C", "no 1/theta scaling (unscaled product)"],
    claimed=eq34_claimed,
    checks=[
        Symbolic(observed=masked_second_moment, label="r = 3, generic 1x3 U, 3x1 V, 1x1 S, symbolic theta",
                 symbols=lambda: {"U": ops.symbol_matrix("u", 1, 3), "V": ops.symbol_matrix("v", 3, 1),
                                  "S": ops.symbol_matrix("s", 1, 1), "theta": sp.Symbol("theta", positive=True)}),
        Relation(observed=masked_second_moment, space=one_layer, instances=30,
                 tolerance=float_tolerance(2**5 * 128, what="sum over <= 32 masks of 5x5x5 products"),
                 label="exact enumeration of masks"),
    ],
    mutants=[
        mutant("1-theta", "(theta - theta^2) replaced by (1 - theta)",
               claimed=lambda i: eq34_claimed(i, second=lambda t: 1 - t)),
        mutant("theta not squared", "theta^2 E||UVx||^2 replaced by theta E||UVx||^2",
               claimed=lambda i: eq34_claimed(i, first=lambda t: t)),
        mutant("no C", "||V(j,:)|| without C^{1/2}",
               claimed=lambda i: eq34_claimed(i, half=lambda i: np.eye(i.S.shape[0], dtype=i.S.dtype))),
    ],
    tags=["explicit-regularizer"],
)


# --- Remark 6: k = 1 --------------------------------------------------------------------------------

def remark6_printed(i):
    """As printed: lam sum_i ||W_1(:, i)||^2 ||W_2(i, :)||^2 (defined when d_0 >= d_1 <= d_2)."""
    W1, W2 = i.Ws
    return i.lam * sum(np.sum(W1[:, j] ** 2) * np.sum(W2[j, :] ** 2) for j in range(W1.shape[0]))


def remark6_corrected(i):
    """lam sum_i ||W_2(:, i)||^2 ||C^{1/2} W_1(i, :)'||^2."""
    W1, W2 = i.Ws
    return i.lam * (ops.column_sq_norms(W2) * row_sq_norms(W1 @ i.S)).sum()


def chapter2_regularizer(i):
    """Ch. 2 / `bias` Lemma A.1 objective with U = W_2, V = (W_1 C^{1/2})', target T, by masks, minus its risk.

    E_b ||T - (1/theta) U diag(b) V'||_F^2 - ||T - UV'||_F^2, computed independently of Proposition 8.
    """
    U, V = i.Ws[1], (i.Ws[0] @ i.S).T
    masks, weights = bernoulli_masks(U.shape[1], i.theta)
    total = sum(w * ops.sum_squares(i.T - (U * b[None, :]) @ V.T / i.theta) for b, w in zip(masks, weights))
    return total - ops.sum_squares(i.T - U @ V.T)


remark_6 = declare(
    "nuclear/remark-6",
    title="k = 1 reduction of the explicit regularizer (as printed: indices transposed, C missing)",
    source=Source(SEED, "Remark 6", "", "5219-5224"),
    statement=r"k=1:\ R(W_2,W_1)=\lambda\sum_{i=1}^{d_1}\|W_1(:,i)\|^2\|W_2(i,:)\|^2",
    hypotheses=["k = 1", "evaluated where the printed shapes make sense: d_0 = d_1 = d_2, C = I"],
    claimed=remark6_printed,
    checks=[Relation(observed=lambda i: regularizer_by_masks(i.Ws, i.S, i.theta), space=square_shallow,
                     instances=8, tolerance=float_tolerance(2**4 * 64, what="sum over <= 16 masks"),
                     label="exact enumeration of masks, square shapes")],
    mutants=[mutant("theta/(1-theta)", "retain/drop swapped as well",
                    claimed=lambda i: remark6_printed(i) / i.lam**2)],
    status="erratum",
    erratum_note="Rows and columns are transposed: W_1(:, i) is a column of the d_1 x d_0 input layer (i in [d_1] "
                 "only makes sense if d_0 >= d_1) and W_2(i, :) a row of the output layer; Proposition 8 with k = 1 "
                 "gives lam sum_i ||W_2(:, i)||^2 ||C^{1/2} W_1(i, :)'||^2 (C is also missing; the remark does not "
                 "assume C = I). Counterexample: d_0 = d_1 = d_2 = 2, C = I, theta = 1/2 (lam = 1), "
                 "W_1 = [[1, 0], [1, 0]], W_2 = [[1, 0], [0, 0]]: exact enumeration of the 4 masks gives R = 1, the "
                 "printed formula gives 2. Cross-reference: the shallow result "
                 "is Chapter 2's Lemma 2, not Proposition 8.",
    tags=["explicit-regularizer", "erratum"],
)

remark_6_corrected = declare(
    "nuclear/remark-6-corrected",
    title="k = 1: R = lam sum_i ||W_2(:, i)||^2 ||W_1(i, :)'||_C^2, the Chapter-2 regularizer",
    source=Source(SEED, "Remark 6 (corrected)", "", "5219-5224", also="thesis Lemma 2; `bias` Lemma A.1"),
    statement=r"k=1:\ R(W_2,W_1)=\lambda\sum_{i=1}^{d_1}\|W_2(:,i)\|^2\|C^{1/2}W_1(i,:)^\top\|^2",
    hypotheses=["k = 1", "C positive definite"],
    claimed=remark6_corrected,
    checks=[
        Relation(observed=lambda i: regularizer_by_masks(i.Ws, i.S, i.theta), space=shallow, instances=24,
                 tolerance=float_tolerance(2**3 * 64, what="sum over <= 8 masks"), label="exact enumeration"),
        Relation(observed=chapter2_regularizer, space=shallow, instances=24,
                 tolerance=float_tolerance(2**3 * 256, what="difference of two sums over <= 8 masks"),
                 scale=lambda i: ops.sum_squares(i.T) + remark6_corrected(i) + 1,
                 label="cross-check: Ch. 2 / bias Lemma A.1 objective with U = W_2, V = (W_1 C^{1/2})'"),
    ],
    mutants=[
        mutant("printed transposition", "the printed index order (square part of the weights)",
               claimed=lambda i: i.lam * sum(np.sum(i.Ws[0][:, j] ** 2) * np.sum(i.Ws[1][j, :] ** 2)
                                             for j in range(min(i.Ws[0].shape[1], i.Ws[1].shape[0])))),
        mutant("no C", "C^{1/2} dropped", claimed=lambda i: i.lam * (ops.column_sq_norms(i.Ws[1])
                                                                     * row_sq_norms(i.Ws[0])).sum()),
    ],
    corrects="nuclear/remark-6",
    depends_on=["nuclear/proposition-8"],
    tags=["explicit-regularizer"],
)


# --- Remark 7: rescaling invariance, R_k = psi_2^2 --------------------------------------------------

def path_norm_squared(Ws, power=2):
    """psi_2^2 = sum over every input-to-output path of prod_t W_t(i_t, i_{t-1})^2 (enumerated)."""
    dims = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    total = 0.0
    for path in product(*(range(d) for d in dims)):
        total += prod(abs(W[path[t + 1], path[t]]) ** power for t, W in enumerate(Ws))
    return total


remark_7 = declare(
    "nuclear/remark-7",
    title="sub-regularizers are rescaling invariant; R_k is the squared l2 path norm",
    source=Source(SEED, "Remark 7", "", "5227-5258"),
    statement=r"\prod_i\alpha_i=1\Rightarrow R_l(\{\alpha_iW_i\})=R_l(\{W_i\})\ \forall l;\quad C=I:\ "
              r"R_k=\sum_{i_k,\dots,i_1}\|W_1(i_1,:)\|^2W_2(i_2,i_1)^2\cdots\|W_{k+1}(:,i_k)\|^2=\psi_2^2",
    hypotheses=["any weights and scalars alpha_i (any signs) with prod alpha_i = 1", "C = I for the path form"],
    claimed=lambda i: [sub_regularizer(rescaled(i), i.S, l) for l in range(1, i.k + 1)],
    parts={"path_norm": lambda i: path_norm_squared(i.Ws)},
    checks=[
        Relation(observed=lambda i: [sub_regularizer(i.Ws, i.S, l) for l in range(1, i.k + 1)], space=networks,
                 instances=40, tolerance=float_tolerance(512, what="pivot sums of products of <= 4 matrices"),
                 label="R_l before and after rescaling"),
        Relation(observed=lambda i: sub_regularizer(i.Ws, np.eye(i.dims[0]), i.k), claimed="path_norm",
                 space=networks, instances=40, tolerance=float_tolerance(2048, what="<= 729 path products"),
                 label="R_k (C = I) vs brute-force path enumeration"),
    ],
    mutants=[
        mutant("prod alpha = 2", "scalars whose product is 2 (R_l scales by 4)",
               claimed=lambda i: [sub_regularizer(rescaled(i, 2.0), i.S, l) for l in range(1, i.k + 1)]),
        mutant("psi_2 with |.|", "path norm with absolute values instead of squares",
               path_norm=lambda i: path_norm_squared(i.Ws, power=1)),
        mutant("lam^k included", "R_k compared with lam^k psi_2^2",
               path_norm=lambda i: i.lam**i.k * path_norm_squared(i.Ws)),
    ],
    depends_on=["nuclear/proposition-8"],
    tags=["explicit-regularizer"],
)


# --- Definition 4: the effective regularization parameter -------------------------------------------

def symbolic_widths():
    lam = sp.Symbol("lam", positive=True)
    return {"lam": lam, "widths": [[sp.Symbol(f"d{j}", positive=True) for j in range(1, k + 1)] for k in range(1, 5)]}


def widths_of(i) -> list:
    return i.widths if "widths" in i else [i.dims[1:-1]]


def monotonicity(i, parts):
    """[nu grows with the dropout rate, grows with depth, falls with width], from the part ``claimed``."""
    nu = lambda widths, lam: parts["claimed"](Instance(widths=[widths], lam=lam))[0]  # noqa: E731
    w = widths_of(i)[0]
    deeper = w[:i.insert] + [i.new_width] + w[i.insert:]
    wider = [d + (j == i.insert % len(w)) for j, d in enumerate(w)]
    base = nu(w, i.lam)
    return [float(nu(w, 1.5 * i.lam) > base), float(nu(deeper, i.lam) > base), float(nu(wider, i.lam) < base)]


def nu_of_rank_one_network(i):
    """R / (||u||^2 ||C^{1/2} v||^2) for Proposition 1's network: the coefficient Proposition 8 produces."""
    Ws = rank_one_network(i.u, i.v, i.dims[1:-1])
    return [explicit_regularizer(Ws, i.S, i.lam) / (np.sum(i.u**2) * np.sum((i.S @ i.v) ** 2))]


def products_sum(widths, l: int):
    """sum_{J in ([k] choose l)} prod_p d_{j_p} (for the mutant that divides by a sum of products)."""
    return sum(prod(widths[j - 1] for j in J) for J in combinations(range(1, len(widths) + 1), l))


definition_4 = declare(
    "nuclear/definition-4",
    title="the effective regularization parameter nu = prod(1 + lam/d_i) - 1, monotone in rate, depth, width",
    source=Source(SEED, "Definition 4", "", "5261-5287"),
    statement=r"\nu_{\{d_i\}}:=\sum_{l\in[k]}\sum_{(j_l,\dots,j_1)\in\binom{[k]}{l}}\frac{\lambda^l}{\prod_{i\in[l]}d_{j_i}}"
              r"=\prod_{i=1}^k\Big(1+\frac{\lambda}{d_i}\Big)-1;\ \text{increasing in }1-\theta\text{ and depth, "
              r"decreasing in width}",
    hypotheses=["lam > 0, widths d_i >= 1"],
    claimed=lambda i: [nu_by_definition(w, i.lam) for w in widths_of(i)],
    checks=[
        Symbolic(observed=lambda i: [nu_closed_form(w, i.lam) for w in i.widths], symbols=symbolic_widths,
                 label="k = 1..4, symbolic lam and widths: the sum is the expanded product"),
        Relation(observed=lambda i: [1.0, 1.0, 1.0], claimed="monotone", space=widths_and_rates, instances=60,
                 tolerance=float_tolerance(0, what="exact 0/1 indicators"),
                 label="nu up with rate and depth, down with width"),
        Relation(observed=nu_of_rank_one_network, space=rank_one_maps, instances=30,
                 tolerance=float_tolerance(4096, what="Proposition-8 sums over <= 5^4 node tuples"),
                 label="nu = R / ||u v' C^{1/2}||_*^2 on Proposition 1's equalized network"),
    ],
    parts={"monotone": monotonicity},
    mutants=[
        mutant("first order only", "nu = lam sum_i 1/d_i", claimed=lambda i: [i.lam * sum(1 / d for d in w)
                                                                             for w in widths_of(i)]),
        mutant("missing -1", "nu = prod(1 + lam/d_i)", claimed=lambda i: [nu_closed_form(w, i.lam) + 1
                                                                         for w in widths_of(i)]),
        mutant("sum over products", "sum_l lam^l / sum_J prod d",
               claimed=lambda i: [sum(i.lam**l / products_sum(w, l)
                                      for l in range(1, len(w) + 1)) for w in widths_of(i)]),
        mutant("grows with width", "nu = lam prod d_i / k (monotonicity reversed in width)",
               claimed=lambda i: [i.lam * prod(w) / len(w) for w in widths_of(i)]),
    ],
    depends_on=["nuclear/proposition-8"],
    tags=["nu", "central"],
)


# --- Definition 5: equalized networks ---------------------------------------------------------------

def is_equalized(Ws, S, denominator=prod) -> float:
    """Definition 5 as a 0/1 predicate: every summand |alpha beta...gamma| equals ||MS||_* / prod d_{j_p}."""
    return float(equalization_defect(Ws, S, denominator) <= EQUALIZED_TOL)


EQUALIZED_TOL = 1e-9  # relative defect; rounding of the summands is ~1e-14, genuine defects are O(1)


def attains_lower_bound(i) -> float:
    """1 if R_l = LB_l for every l (Lemma 7's equality case, lam-free) to the same relative tolerance."""
    return float(np.max(np.abs(equalization_gaps(i.Ws, i.S))) <= EQUALIZED_TOL)


definition_5 = declare(
    "nuclear/definition-5",
    title="equalized network: the nuclear norm is spread evenly over every summand of Proposition 8",
    source=Source(SEED, "Definition 5 (equalized network)", "", "5288-5317"),
    statement=r"\forall l,\ J,\ (i_l..i_1):\ |\alpha_{j_1,i_1}\beta_1\cdots\beta_{l-1}\gamma_{j_l,i_l}|"
              r"=\frac{\|W_{k+1}\cdots W_1C^{1/2}\|_*}{\prod_{p=1}^ld_{j_p}}",
    hypotheses=["the printed denominator 'Pi^l d_{j_l}' read as prod_p d_{j_p} (as in the proof of Lemma 7)"],
    claimed=lambda i: is_equalized(i.Ws, i.S),
    parts={"equalized_rank_one": lambda i: is_equalized(rank_one_network(i.u, i.v, i.dims[1:-1]), i.S)},
    checks=[
        Relation(observed=lambda i: 1.0, claimed="equalized_rank_one", space=rank_one_maps, instances=30,
                 tolerance=float_tolerance(0, what="exact 0/1 predicate; defect threshold 1e-9"),
                 label="Proposition 1's networks satisfy the definition"),
        Relation(observed=attains_lower_bound, space=networks, instances=48,
                 tolerance=float_tolerance(0, what="exact 0/1 predicate; defect threshold 1e-9"),
                 label="equalized <=> R_l = LB_l for all l (random nets, width-1 layers)"),
    ],
    mutants=[
        mutant("prod d^2", "denominator prod_p d_{j_p}^2",
               equalized_rank_one=lambda i: is_equalized(rank_one_network(i.u, i.v, i.dims[1:-1]), i.S,
                                                         lambda ds: prod(ds) ** 2)),
        mutant("d_{j_l} only", "denominator d_{j_l} (the last pivot only)",
               equalized_rank_one=lambda i: is_equalized(rank_one_network(i.u, i.v, i.dims[1:-1]), i.S,
                                                         lambda ds: ds[-1])),
        mutant("always equalized", "every network called equalized", claimed=lambda i: 1.0),
    ],
    depends_on=["nuclear/proposition-8"],
    tags=["equalization"],
)

CLAIMS = [aux_decomp, proposition_8, aux_eq34, remark_6, remark_6_corrected, remark_7, definition_4, definition_5]
