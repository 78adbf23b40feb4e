"""`structured` §4: DropConnect on the second-last layer, and its (claimed) equivalence with Dropout.

Seed 002_ed3fd3cd48b2c3c3.txt: eq. (19) l. 252, Theorem 4.1 l. 256-262 (proof App. D eqs. (51)-(56)
l. 566-592), Corollary 4.2 eq. (20) l. 264-270. Z (b x d, iid Ber(theta)) multiplies V entrywise,
M = g_Gamma(X) (b x N). In (20) the seed writes ||.||_2^2 for a matrix: read ||.||_F^2.

Finding: the printed regularizer (1-theta)/theta sum_k ||u_k||^2 ||M^T v_k||^2 is wrong. Entry Z_jk
multiplies V_jk alone, so Var[M^T (z_k o v_k)] summed is theta(1-theta) sum_j V_jk^2 ||M_{j,:}||^2 (the
proof's step (54)->(55) treats z_k as one scalar). The two agree iff M M^T is diagonal (orthogonal rows
of M; e.g. whitened data, or b = 1), which Gaussian data with N >> b nearly satisfies.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import MonteCarlo, Relation, Source, Space, Symbolic, declare, float_tolerance, mutant, ops

from .general import bernoulli_expectation
from .model import beta_of, dropconnect_expectation, dropconnect_sum, swapped_factor, unit_sum
from .spaces import dropconnect_nets, wide_dropconnect_nets

SEED = "002_ed3fd3cd48b2c3c3.txt"
MASKS = float_tolerance(512 * 64, what="sum over <= 512 masks of products of 3 matrices <= 6 wide")


def mask_scale(i):
    return (np.linalg.norm(i.Y) + np.linalg.norm(i.U) * np.linalg.norm(i.V) * np.linalg.norm(i.M) / i.theta) ** 2


def printed_sum(U, V, M):
    """sum_k ||u_k||^2 ||M^T v_k||^2 (as printed in Theorem 4.1 / (56))."""
    return (ops.column_sq_norms(U) * ops.column_sq_norms(M.T @ V)).sum()


def theorem41_rhs(i, factor=beta_of, penalty=dropconnect_sum):
    return ops.sum_squares(i.Y - i.U @ i.V.T @ i.M) + factor(i.theta) * penalty(i.U, i.V, i.M)


def dropconnect_samples(i, n, sampler):
    """||Y - (1/theta) U (Z o V)^T M||_F^2 for n independent Bernoulli masks Z (b x d)."""
    import torch

    U, V, M, Y = (sampler.tensor(m) for m in (i.U, i.V, i.M, i.Y))
    Z = sampler.bernoulli(i.theta, n, *V.shape)
    out = torch.einsum("ad,nbd,bm->nam", U, Z * V[None], M) / i.theta
    return ((Y[None] - out) ** 2).sum((1, 2))


def symbolic_dropconnect():
    """a = 1, b = 2, d = 1, N = 2 (4 masks): generic symbolic U, V, M, Y, theta."""
    return {"U": ops.symbol_matrix("u", 1, 1), "V": ops.symbol_matrix("v", 2, 1), "M": ops.symbol_matrix("m", 2, 2),
            "Y": ops.symbol_matrix("y", 1, 2), "theta": sp.Symbol("theta", positive=True)}


STATEMENT_41 = (r"\mathbb E_{\mathbf Z}\|\mathbf Y-\tfrac1\theta\mathbf U(\mathbf Z\odot\mathbf V)^\top\mathbf M\|_F^2="
                r"\|\mathbf Y-\mathbf U\mathbf V^\top\mathbf M\|_F^2+\frac{1-\theta}\theta\sum_{i=1}^d\|\mathbf u_i\|_2^2"
                r"\|\mathbf M^\top\mathbf v_i\|_2^2,\ \mathbf M=g_\Gamma(\mathbf X)")

theorem_4_1 = declare(
    "structured/theorem-4.1",
    title="DropConnect on the second-last layer (as printed: regularizer sum ||u_i||^2 ||M^T v_i||^2)",
    source=Source(SEED, "Theorem 4.1", "(19), (51)-(56)", "252-262, 566-592"),
    statement=STATEMENT_41,
    hypotheses=["Z_jl iid Ber(theta), Z in {0,1}^{b x d}", "M = g_Gamma(X) any b x N matrix"],
    claimed=lambda i: theorem41_rhs(i, penalty=printed_sum),
    checks=[Relation(observed=lambda i: dropconnect_expectation(i.Y, i.U, i.V, i.M, i.theta), space=dropconnect_nets,
                     instances=8, shrink=False, tolerance=MASKS, scale=mask_scale, label="exact enumeration of all 2^(bd) masks")],
    mutants=[mutant("theta^2", "factor (1-theta)/theta^2",
                    claimed=lambda i: theorem41_rhs(i, factor=lambda t: (1 - t) / t**2, penalty=printed_sum))],
    status="erratum",
    erratum_note="Each Z_jk multiplies V_jk alone, so the variance term is theta(1-theta) sum_k ||u_k||^2 "
                 "sum_j V_jk^2 ||M_{j,:}||^2, not theta(1-theta) ||u_k||^2 ||M^T v_k||^2 (step (54)->(55) treats the "
                 "column z_k as one Bernoulli scalar). They agree iff M M^T is diagonal. Counterexample: a = d = N = 1, "
                 "b = 2, U = 1, V = M = (1, 1)^T, Y = 0, theta = 1/2: E ||2 (z_1 + z_2)||^2 = 6, printed 4 + 4 = 8, "
                 "corrected 4 + 2 = 6.",
    tags=["dropconnect", "erratum"],
)

theorem_4_1_corrected = declare(
    "structured/theorem-4.1-corrected",
    title="DropConnect on the second-last layer: regularizer (1-theta)/theta sum_k ||u_k||^2 ||diag(v_k) M||_F^2",
    source=Source(SEED, "Theorem 4.1 (corrected)", "(19), (51)-(56)", "252-262, 566-592"),
    statement=r"\mathbb E_{\mathbf Z}\|\mathbf Y-\tfrac1\theta\mathbf U(\mathbf Z\odot\mathbf V)^\top\mathbf M\|_F^2="
              r"\|\mathbf Y-\mathbf U\mathbf V^\top\mathbf M\|_F^2+\frac{1-\theta}\theta\sum_{k=1}^d\|\mathbf u_k\|_2^2"
              r"\sum_{j=1}^bV_{jk}^2\|\mathbf M_{j,:}\|_2^2",
    hypotheses=["Z_jl iid Ber(theta)", "any M; equals the printed form iff M M^T is diagonal"],
    claimed=theorem41_rhs,
    parts={"printed_when_orthogonal": lambda i: theorem41_rhs(i, penalty=printed_sum)},
    checks=[
        Symbolic(observed=lambda i: dropconnect_expectation(i.Y, i.U, i.V, i.M, i.theta), symbols=symbolic_dropconnect,
                 label="a = d = 1, b = N = 2, generic symbolic entries and theta, all 4 masks"),
        Relation(observed=lambda i: dropconnect_expectation(i.Y, i.U, i.V, i.M, i.theta), space=dropconnect_nets,
                 instances=24, tolerance=MASKS, scale=mask_scale, label="exact enumeration of all 2^(bd) masks"),
        Relation(observed=theorem41_rhs, claimed="printed_when_orthogonal",
                 space=Space(dropconnect_nets.draw, regimes=("orthogonal rows of M", "b=1")), instances=8,
                 tolerance=float_tolerance(256, what="sums of <= 9 products"), scale=mask_scale,
                 label="coincides with the printed form when M M^T is diagonal"),
        MonteCarlo(sample=dropconnect_samples, space=wide_dropconnect_nets, samples=200_000, instances=3,
                   label="batched masks, b, d in 4..8 (up to 2^64 masks)"),
    ],
    mutants=[
        mutant("printed ||M^T v_k||^2", "the printed Theorem 4.1", claimed=lambda i: theorem41_rhs(i, penalty=printed_sum)),
        mutant("theta^2", "(1-theta)/theta^2", claimed=lambda i: theorem41_rhs(i, factor=lambda t: (1 - t) / t**2)),
        mutant("theta/(1-theta)", "retain/drop swapped", claimed=lambda i: theorem41_rhs(i, factor=swapped_factor)),
    ],
    corrects="structured/theorem-4.1",
    tags=["dropconnect"],
)


# --- Corollary 4.2 --------------------------------------------------------------------------------------

def dropout_objective(i):
    """(2) by exact enumeration of Dropout's 2^d masks: E_z ||Y - (1/theta) U diag(z) V^T X||_F^2."""
    from theorycheck import Instance

    return bernoulli_expectation(Instance(U=i.U, G=i.V.T @ i.M, Y=i.Y, theta=i.theta))


def whitened(d) -> dict:
    """X with X X^T = c I (orthogonal rows: the population limit of Gaussian data, N >> b)."""
    inst = dropconnect_nets.draw(d)
    b, N = inst["M"].shape
    inst["M"] = d.orthogonal(N)[:b] * d.log_uniform(0.3, 3.0)
    return inst


corollary_4_2 = declare(
    "structured/corollary-4.2",
    title="linear net: DropConnect objective = Dropout objective (2) (as printed: for any X)",
    source=Source(SEED, "Corollary 4.2", "(20)", "264-270"),
    statement=r"\mathbb E_{\mathbf Z}\|\mathbf Y-\tfrac1\theta\mathbf U(\mathbf Z\odot\mathbf V)^\top\mathbf X\|_F^2="
              r"\|\mathbf Y-\mathbf U\mathbf V^\top\mathbf X\|_F^2+\frac{1-\theta}\theta\sum_i\|\mathbf u_i\|_2^2"
              r"\|\mathbf X^\top\mathbf v_i\|_2^2",
    hypotheses=["M = X (single hidden layer)", "||.||_2 on matrices read as ||.||_F"],
    claimed=dropout_objective,
    checks=[Relation(observed=lambda i: dropconnect_expectation(i.Y, i.U, i.V, i.M, i.theta), space=dropconnect_nets,
                     instances=8, shrink=False, tolerance=MASKS, scale=mask_scale, label="DropConnect vs Dropout, both enumerated")],
    mutants=[mutant("1-theta", "Dropout objective with factor 1 - theta",
                    claimed=lambda i: ops.sum_squares(i.Y - i.U @ i.V.T @ i.M) + (1 - i.theta) * unit_sum(i.U, i.V, i.M))],
    status="erratum",
    erratum_note="Follows Theorem 4.1's error: DropConnect's regularizer is (1-theta)/theta sum_k ||u_k||^2 v_k^T "
                 "Diag(X X^T) v_k, Dropout's (2) is (1-theta)/theta sum_k ||u_k||^2 v_k^T X X^T v_k; equal iff X X^T is "
                 "diagonal. Counterexample: X = (1, 1)^T (b = 2, N = 1), U = 1, V = (1, 1)^T, Y = 0, theta = 1/2: "
                 "DropConnect 6, Dropout 8. For Gaussian X (b x N) the relative gap of the regularizers is "
                 "O(sqrt(b/N)) (experiment-fig3 measures it).",
    depends_on=["structured/theorem-4.1"],
    tags=["dropconnect", "erratum"],
)

corollary_4_2_corrected = declare(
    "structured/corollary-4.2-corrected",
    title="linear net: DropConnect = Dropout with X X^T replaced by its diagonal; equal to (2) iff X X^T is diagonal",
    source=Source(SEED, "Corollary 4.2 (corrected)", "(20)", "264-270"),
    statement=r"\mathbb E_{\mathbf Z}\|\mathbf Y-\tfrac1\theta\mathbf U(\mathbf Z\odot\mathbf V)^\top\mathbf X\|_F^2="
              r"\|\mathbf Y-\mathbf U\mathbf V^\top\mathbf X\|_F^2+\frac{1-\theta}\theta\sum_i\|\mathbf u_i\|_2^2"
              r"\mathbf v_i^\top\mathrm{Diag}(\mathbf X\mathbf X^\top)\mathbf v_i;\ \mathbf X\mathbf X^\top\text{ diagonal}"
              r"\Rightarrow=\text{(2)}",
    hypotheses=["M = X", "Z iid Ber(theta)"],
    claimed=lambda i: ops.sum_squares(i.Y - i.U @ i.V.T @ i.M) + beta_of(i.theta) * unit_sum(
        i.U, i.V * np.sqrt((i.M * i.M).sum(1))[:, None], np.eye(i.M.shape[0])),
    parts={"equals_dropout": dropout_objective},
    checks=[
        Relation(observed=lambda i: dropconnect_expectation(i.Y, i.U, i.V, i.M, i.theta), space=dropconnect_nets,
                 instances=16, tolerance=MASKS, scale=mask_scale, label="exact DropConnect enumeration, any X"),
        Relation(observed=lambda i: dropconnect_expectation(i.Y, i.U, i.V, i.M, i.theta), claimed="equals_dropout",
                 space=Space(whitened, regimes=("whitened X",)), instances=10, tolerance=MASKS, scale=mask_scale,
                 label="X X^T = c I: DropConnect equals the Dropout objective (2), both enumerated"),
    ],
    mutants=[
        mutant("printed (2) for any X", "the printed corollary: X X^T instead of its diagonal",
               claimed=dropout_objective),
        mutant("theta^2", "(1-theta)/theta^2", claimed=lambda i: ops.sum_squares(i.Y - i.U @ i.V.T @ i.M)
               + (1 - i.theta) / i.theta**2 * dropconnect_sum(i.U, i.V, i.M)),
    ],
    corrects="structured/corollary-4.2",
    depends_on=["structured/theorem-4.1-corrected"],
    tags=["dropconnect"],
)

CLAIMS = [theorem_4_1, theorem_4_1_corrected, corollary_4_2, corollary_4_2_corrected]
