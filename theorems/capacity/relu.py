"""`capacity` Sec. 4.3 and 4.5.2: the explicit regulariser of two-layer (ReLU) networks, the path norm,
Proposition 2, retentiveness (Assumption 1) and the function classes of Definition 6.

Seed 000_f4de404d0cfe4539.txt: eq. (4.3)-(4.5) (l. 7745-7815), Proposition 2 (l. 7860-7900), Assumption 1
(l. 7918-7925), Proposition 5 (l. 8600-8700), Proposition 6 (l. 8703-8778, eq. 4.8), Definition 6 (l. 8781-8800).
Conventions in `model.py`: p is the DROP probability, lam = p/(1-p); the regulariser of (4.4)/Proposition 5
includes lam, R(u, V) of Definition 6 does not.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import Draw, MonteCarlo, Relation, Source, Space, Symbolic, Tolerance, declare, float_tolerance, mutant, ops

from ..common.twolayer import hidden, output
from .model import activations, circle_grid, inverted_masks, reg_parameter, two_layer_dropout_risk_by_masks, two_layer_risk
from .spaces import gaussian_nets, nets, single_output_nets, symmetric_isotropic, symmetric_isotropic_off_half, wide_nets, \
    wide_single_output_nets

SEED = "000_f4de404d0cfe4539.txt"
MASKS = float_tolerance(2**7 * 64, what="sum over <= 64 masks of n <= 10 squared residuals")


# --- Proposition 5 -------------------------------------------------------------------------------------

def node_second_moments(H):
    """a_hat_j^2 = E_hat_i a_j(x_i)^2."""
    return (H * H).sum(0) / len(H)


def row_norm_regularizer(i):
    k = min(i.U.shape)
    return ((i.U * i.U).sum(1)[:k] * node_second_moments(i.H)[:k]).sum()


def prop5_claimed(i, parts):
    return two_layer_risk(i.U, i.H, i.Y) + parts["lam"](i.drop) * parts["regularizer"](i)


def symbolic_net():
    """d1 = 2, d2 = 1, n = 2; activations are free symbols (any activation), symbolic drop rate."""
    return {"U": ops.symbol_matrix("u", 1, 2), "H": ops.symbol_matrix("h", 2, 2), "Y": ops.symbol_matrix("y", 2, 1),
            "drop": sp.Symbol("p", positive=True)}


def two_layer_masked_samples(i, n, sampler):
    """E_hat_i ||y_i - U B a(x_i)||^2 for n masks (batched)."""
    H, U, Y = sampler.tensor(i.H), sampler.tensor(i.U), sampler.tensor(i.Y)
    B = sampler.bernoulli(1 - i.drop, n, H.shape[1]) / (1 - i.drop)
    r = Y[None] - (B[:, None, :] * H[None]) @ U.T
    return (r * r).sum((1, 2)) / H.shape[0]


proposition_5 = declare(
    "capacity/proposition-5",
    title="dropout regulariser of a two-layer net: lam sum_j ||u_j||^2 a_hat_j^2",
    source=Source(SEED, "Proposition 5", "(4.3), (4.4)", "7745-7775, 8600-8700"),
    statement=r"\hat L_{drop}(w)=\hat{\mathbb E}_i\mathbb E_B\|y_i-UBa(x_i)\|^2=\hat L(w)+\lambda\sum_{j=1}^{d_1}\|u_j\|^2\hat a_j^2,"
              r"\ \hat a_j^2=\hat{\mathbb E}_ia_j(x_i)^2",
    hypotheses=["any p in [0, 1)", "u_j the j-th column of U (outgoing weights of node j)",
                "any activation (the proof never uses ReLU)"],
    claimed=prop5_claimed,
    parts={"lam": reg_parameter, "regularizer": lambda i: (ops.column_sq_norms(i.U) * node_second_moments(i.H)).sum()},
    checks=[
        Symbolic(observed=lambda i: two_layer_dropout_risk_by_masks(i.U, i.H, i.Y, i.drop), symbols=symbolic_net,
                 domain={"p": (0.01, 0.99)}, label="d1 = 2, d2 = 1, n = 2, symbolic activations and p, all 4 masks"),
        Relation(observed=lambda i: two_layer_dropout_risk_by_masks(i.U, i.H, i.Y, i.drop), space=nets, instances=42,
                 tolerance=MASKS, label="exact enumeration of the 2^d1 masks (ReLU and tanh)"),
        MonteCarlo(sample=two_layer_masked_samples, space=wide_nets, samples=200_000, instances=3,
                   label="d1 = 10..12, batched masks"),
    ],
    mutants=[
        mutant("row norms", "||u_j|| taken over the rows of U (paired with the first min(d1, d2) nodes)",
               regularizer=row_norm_regularizer),
        mutant("lam = p", "p instead of p/(1-p)", lam=lambda p: p),
        mutant("(E a)^2", "a_hat_j = E_hat a_j instead of its root mean square",
               regularizer=lambda i: (ops.column_sq_norms(i.U) * (i.H.sum(0) / len(i.H)) ** 2).sum()),
    ],
    tags=["explicit-regularizer", "central"],
)


# --- eq. (4.4) through the dropout network itself ------------------------------------------------------

def relu_regularizer_claimed(i, parts):
    """R_hat = lam sum_j u_j^2 a_hat_j^2 for a single output."""
    H = activations(i.V, i.X)
    return parts["lam"](i.drop) * (i.u**2 * node_second_moments(H)).sum()


def dropout_risks_by_masks(i) -> tuple[float, float]:
    """(E_hat_i E_B (y_i - f_bar(x_i))^2, E_hat_i (y_i - f(x_i))^2) through `common.twolayer.output` (all masks)."""
    import torch

    W, a, X, y = (torch.as_tensor(np.asarray(t, dtype=float)) for t in (i.V.T, i.u, i.X, i.y))
    masks, weights = inverted_masks(len(i.u), i.drop)
    keep = 1 - i.drop
    binary = torch.as_tensor(masks * keep)[:, None, :]                      # (K, 1, d1) 0/1 masks
    dropped = output(W, a, X, mask=binary, keep_prob=keep)                   # (K, n)
    risk = ((y[None] - dropped) ** 2).mean(1)
    return float((torch.as_tensor(np.asarray(weights, dtype=float)) * risk).sum()), float(((y - output(W, a, X)) ** 2).mean())


def dropout_gap_by_masks(i):
    """E_hat_i E_B (y_i - f_bar(x_i))^2 - E_hat_i (y_i - f(x_i))^2."""
    dropped, plain = dropout_risks_by_masks(i)
    return dropped - plain


def dropout_gap_samples(i, n, sampler):
    """The same gap with an independent mask per example, n draws (batched through `common.twolayer.output`)."""
    W, a, X, y = (sampler.tensor(t) for t in (i.V.T, i.u, i.X, i.y))
    keep = 1 - i.drop
    mask = sampler.bernoulli(keep, n, X.shape[0], len(i.u))
    return ((y[None] - output(W, a, X, mask=mask, keep_prob=keep)) ** 2).mean(1) - ((y - output(W, a, X)) ** 2).mean()


aux_relu_regularizer = declare(
    "capacity/aux-relu-regularizer",
    title="eq. (4.4): the dropout regulariser of a two-layer ReLU net, through the dropped-out network",
    source=Source(SEED, "unnumbered display after (4.4)", "(4.3), (4.4)", "7745-7775"),
    statement=r"\hat R(w):=\hat L_{drop}(w)-\hat L(f_w)=\tfrac p{1-p}\sum_{j=1}^{d_1}\|u_j\|^2\hat a_j^2,"
              r"\ \hat a_j=\sqrt{\hat{\mathbb E}_i\sigma(v_j^\top x_i)^2}",
    hypotheses=["ReLU hidden layer, one output (u_j scalars)", "an independent mask per example (as in SGD)"],
    claimed=relu_regularizer_claimed,
    parts={"lam": reg_parameter},
    checks=[
        Relation(observed=dropout_gap_by_masks, space=single_output_nets, instances=30, tolerance=MASKS,
                 scale=lambda i: dropout_risks_by_masks(i)[0],
                 label="exact: all 2^d1 masks through common.twolayer.output (band scaled to the risks differenced)"),
        MonteCarlo(sample=dropout_gap_samples, space=wide_single_output_nets, samples=100_000, instances=2,
                   label="d1 = 9..12, one Bernoulli mask per example"),
    ],
    mutants=[
        mutant("no lam", "R_hat without lam (the convention of (4.2) and Definition 6)", lam=lambda p: 1.0),
        mutant("lam = p", "p instead of p/(1-p)", lam=lambda p: p),
        mutant("(E a)^2", "a_hat_j^2 replaced by (E_hat a_j)^2",
               claimed=lambda i, parts: parts["lam"](i.drop) * (i.u**2 * activations(i.V, i.X).mean(0) ** 2).sum()),
    ],
    depends_on=["capacity/proposition-5"],
    scope="Seed issue (recorded): R_hat here includes lam, while (4.2)/(4.6) and Definition 6 / Theorem 13 define "
          "R without it; each claim of this pack states which.",
    tags=["explicit-regularizer"],
)


# --- Proposition 6 and the path norm -------------------------------------------------------------------

def population_regularizer(i):
    """R(w) = E R_hat = lam sum_j ||u_j||^2 E sigma(v_j'x)^2, exactly over the finite law (uniform atoms Z)."""
    import torch

    H = hidden(torch.as_tensor(i.V.T), torch.as_tensor(i.Z)).numpy()
    return reg_parameter(i.drop) * (ops.column_sq_norms(i.U) * (H * H).mean(0)).sum()


def prop6_claimed(i, parts):
    return parts["half"] * parts["lam"](i.drop) * (ops.column_sq_norms(i.U) * ops.column_sq_norms(i.V)).sum()


def gaussian_regularizer_samples(i, n, sampler):
    """lam sum_j ||u_j||^2 sigma(v_j'x)^2 for n draws of x (N(0, I) or Rademacher coordinates)."""
    V = sampler.tensor(i.V)
    X = sampler.normal(n, V.shape[0]) if i.law == "gaussian" else sampler.rademacher(n, V.shape[0])
    H = hidden(V.T, X)
    return reg_parameter(i.drop) * (H * H) @ sampler.tensor(ops.column_sq_norms(i.U))


def printed_index_order(i, parts):
    """(4.8) as printed, U(i1, i2)^2 V(i1, i0)^2: rows of U and V, summed over the rows both have."""
    k = min(i.U.shape[0], i.V.shape[0])
    return parts["half"] * parts["lam"](i.drop) * ((i.U[:k] ** 2).sum(1) * (i.V[:k] ** 2).sum(1)).sum()


EXACT_LAW = float_tolerance(2**14, what="mean over <= 32 atoms of <= 5 squared activations, whitening by an "
                                         "eigendecomposition (error ~ eps x cond(G'G), <= 1e3 for >= 2 d0 Gaussian rows)")

proposition_6 = declare(
    "capacity/proposition-6",
    title="symmetric isotropic inputs: the expected regulariser is lam/2 times the squared l2 path norm",
    source=Source(SEED, "Proposition 6", "(4.8)", "8703-8778"),
    statement=r"x\overset d=-x,\ \mathbb E xx^\top=I:\ R(w)=\mathbb E\hat R(w)=\tfrac\lambda2\sum_{i_0,i_1,i_2}U(i_2,i_1)^2V(i_0,i_1)^2"
              r"=\tfrac\lambda2\sum_j\|u_j\|^2\|v_j\|^2",
    hypotheses=["ReLU hidden layer", "P_X symmetric and isotropic", "any p in [0, 1)"],
    claimed=prop6_claimed,
    parts={"half": 0.5, "lam": reg_parameter},
    checks=[
        Relation(observed=population_regularizer, space=symmetric_isotropic, instances=30, tolerance=EXACT_LAW,
                 label="exact expectation over finite symmetric isotropic laws"),
        MonteCarlo(sample=gaussian_regularizer_samples, space=gaussian_nets, samples=100_000, instances=4,
                   label="x ~ N(0, I) and Rademacher x"),
    ],
    mutants=[
        mutant("factor 1", "lam sum ||u_j||^2 ||v_j||^2 (no 1/2)", half=1.0),
        mutant("printed index order", "U(i1,i2)^2 V(i1,i0)^2 as printed in (4.8): rows of U and V", claimed=printed_index_order),
        mutant("no lam", "the body text's form (l. 7790) without lam", lam=lambda p: 1.0),
    ],
    depends_on=["capacity/proposition-5"],
    scope="Seed issues (recorded): (4.8) prints U(i1,i2)^2 V(i1,i0)^2, inconsistent with U in R^{d2 x d1}, V in "
          "R^{d0 x d1} (a mutant here); the proof writes V(j,:) and W_1(j,:) for the j-th unit's weights (rows) and "
          "integrates 'from infinity to infinity' (should be -inf..inf).",
    tags=["explicit-regularizer", "path-norm"],
)


def path_sum(U, V):
    """sum_{i0, i1, i2} U(i2, i1)^2 V(i0, i1)^2, literally."""
    return np.einsum("ci,ai->", U**2, V**2)


aux_path_norm = declare(
    "capacity/aux-path-norm",
    title="symmetric isotropic inputs: R equals half the squared l2 path norm (as printed: lam missing)",
    source=Source(SEED, "unnumbered, Sec. 4.3", "", "7785-7800"),
    statement=r"R(w):=\mathbb E[\hat R(w)]=\tfrac12\sum_{i_0,i_1,i_2=1}^{d_0,d_1,d_2}U(i_2,i_1)^2V(i_0,i_1)^2",
    hypotheses=["ReLU, symmetric isotropic inputs", "R_hat of (4.4), which includes lam"],
    claimed=lambda i, parts: parts["half"] * path_sum(i.U, i.V),
    parts={"half": 0.5},
    checks=[Relation(observed=population_regularizer, space=symmetric_isotropic_off_half, instances=10, shrink=False,
                     tolerance=EXACT_LAW, label="exact expectation over finite symmetric isotropic laws, p != 1/2")],
    mutants=[mutant("factor 1", "no 1/2 either", half=1.0)],
    status="erratum",
    erratum_note="R(w) := E[R_hat(w)] with R_hat of (4.4), which carries lam = p/(1-p); the display drops lam (it is "
                 "present in (4.8)), so it holds only at p = 1/2. Counterexample: d0 = d1 = d2 = 1, x = +-1 with "
                 "probability 1/2, U = V = 1, p = 0.2: E R_hat = lam E sigma(x)^2 = (1/4)(1/2) = 1/8, the display gives 1/2.",
    tags=["path-norm", "erratum"],
)


def path_norm_samples(i, n, sampler):
    return gaussian_regularizer_samples(i, n, sampler)


aux_path_norm_corrected = declare(
    "capacity/aux-path-norm-corrected",
    title="symmetric isotropic inputs: R = (lam/2) x the squared l2 path norm (triple sum over paths)",
    source=Source(SEED, "unnumbered, Sec. 4.3, with lam of (4.8)", "(4.8)", "7785-7800"),
    statement=r"R(w)=\tfrac\lambda2\sum_{i_0,i_1,i_2}U(i_2,i_1)^2V(i_0,i_1)^2",
    hypotheses=["ReLU, symmetric isotropic inputs"],
    claimed=lambda i, parts: parts["half"] * parts["lam"](i.drop) * path_sum(i.U, i.V),
    parts={"half": 0.5, "lam": reg_parameter},
    checks=[
        Relation(observed=population_regularizer, space=symmetric_isotropic_off_half, instances=20, tolerance=EXACT_LAW,
                 label="exact expectation over finite symmetric isotropic laws"),
        MonteCarlo(sample=path_norm_samples, space=gaussian_nets, samples=100_000, instances=2,
                   label="x ~ N(0, I) and Rademacher x"),
    ],
    mutants=[mutant("no lam", "the printed display", lam=lambda p: 1.0),
             mutant("factor 1", "lam times the path norm", half=1.0)],
    corrects="capacity/aux-path-norm",
    depends_on=["capacity/proposition-6"],
    tags=["path-norm"],
)


# --- Cauchy-Schwarz: the regulariser controls alpha ----------------------------------------------------

def flows(i):
    """psi_i = |u_i| a_i, a_i^2 = E sigma(v_i'x)^2 = v_i' Sigma v_i / 2 for x ~ N(0, Sigma) (symmetric)."""
    a = np.sqrt(0.5 * np.einsum("ai,ab,bi->i", i.V, i.Sigma, i.V))
    return np.abs(i.u) * a


def _flow_instance(d: Draw) -> dict:
    regime = d.regime
    d0, d1 = d.integer(1, 5), (1 if regime == "d1=1" else d.integer(2, 12))
    A = d.normal(d0, d0)
    Sigma = A @ A.T / d0 + 0.1 * np.eye(d0)
    V = d.normal(d0, d1)
    a = np.sqrt(0.5 * np.einsum("ai,ab,bi->i", V, Sigma, V))
    signs = np.array([d.choice((-1.0, 1.0)) for _ in range(d1)])
    if regime == "equal flows":
        u = signs * d.log_uniform(0.1, 10.0) / a
    elif regime == "one flow":
        u = np.zeros(d1)
        u[d.integer(0, d1 - 1)] = d.normal(1)[0]
    elif regime == "one dominant flow":
        u = d.normal(d1) * 1e-3
        u[0] = 10.0
    else:
        u = d.normal(d1) * np.array([d.log_uniform(0.1, 10.0) for _ in range(d1)])
    return {"u": u, "V": V, "Sigma": Sigma, "d1": d1}


flow_instances = Space(_flow_instance, regimes=("typical", "d1=1", "one dominant flow", "equal flows", "one flow"),
                       description="x ~ N(0, Sigma), Sigma SPD; u generic, with equal flows, or with a single flow")
equal_flows = Space(_flow_instance, regimes=("equal flows", "d1=1"), description="|u_i| a_i all equal")
single_flows = Space(_flow_instance, regimes=("one flow", "d1=1"), description="one nonzero flow")


def population_R(i):
    return float((flows(i) ** 2).sum())


FLOW_TOL = float_tolerance(256, what="sums of <= 12 flows and a square root")

aux_cs_fa = declare(
    "capacity/aux-cs-fa",
    title="sum_i |u_i| a_i <= sqrt(d1 R(w)) (Cauchy-Schwarz; equality iff equal flows), so H_r is inside F_sqrt(d1 r)",
    source=Source(SEED, "unnumbered, Sec. 4.3", "", "7815-7835, 7975-7980"),
    statement=r"\sum_{i=1}^{d_1}|u_i|a_i\le\sqrt{d_1R(w)},\ R=\sum_iu_i^2a_i^2;\ \text{also }\sum|u_i|a_i\ge\sqrt{R},"
              r"\ \text{so }\phi(w)=\tfrac{\|\psi\|_1}{\sqrt{d_1}\|\psi\|_2}\in[d_1^{-1/2},1]",
    hypotheses=["a_i^2 = E sigma(v_i'x)^2 (population)", "R without lam"],
    claimed=lambda i: np.sqrt(i.d1 * population_R(i)),
    parts={"lower": lambda i: np.sqrt(population_R(i))},
    checks=[
        Relation(observed=lambda i: flows(i).sum(), relation="<=", space=flow_instances, instances=30,
                 tolerance=FLOW_TOL, label="upper bound on generic, dominant-flow and equal-flow networks"),
        Relation(observed=lambda i: flows(i).sum(), space=equal_flows, instances=10, tolerance=FLOW_TOL,
                 label="equality for equal flows (no co-adaptation, phi = 1)"),
        Relation(observed=lambda i: flows(i).sum(), claimed="lower", relation=">=", space=flow_instances,
                 instances=30, tolerance=FLOW_TOL, label="the other end: sum |u_i| a_i >= sqrt(R)"),
        Relation(observed=lambda i: flows(i).sum(), claimed="lower", space=single_flows, instances=10,
                 tolerance=FLOW_TOL, label="equality for a single flow (full co-adaptation, phi = d1^-1/2)"),
    ],
    mutants=[
        mutant("no d1", "sum |u_i| a_i <= sqrt(R)", claimed=lambda i: np.sqrt(population_R(i))),
        mutant("d1 sqrt(R)", "a weaker bound d1 sqrt(R) (not sharp)", claimed=lambda i: i.d1 * np.sqrt(population_R(i))),
        mutant("lower sqrt(R/d1)", "the other end understated", lower=lambda i: np.sqrt(population_R(i) / i.d1)),
    ],
    tags=["capacity"],
)


# --- Proposition 2 ------------------------------------------------------------------------------------

def _root(x):
    return sp.sqrt(x) if isinstance(x, sp.Basic) else np.sqrt(max(float(x), 0.0))


def prop2_atoms(delta):
    """The three atoms of the proof and their probabilities."""
    s = _root(1 - 2 * delta) / (1 - delta)
    points = [(1, 0), (-delta / (1 - delta), s), (-delta / (1 - delta), -s)]
    return points, [delta, (1 - delta) / 2, (1 - delta) / 2]


def _relu(z):
    return sp.Max(z, 0) if isinstance(z, sp.Basic) else max(float(z), 0.0)


def prop2_properties(i, parts):
    """[total mass, E x_1, E x_2, E sigma(w'x)^2, ||x||^2 for the 3 atoms]."""
    delta = i.delta if "delta" in i else parts["delta_of_C"](i.C)
    points, probs = parts["atoms"](delta)
    w = parts["weight"](delta)
    mass = sum(probs)
    mean = [sum(p * x[k] for p, x in zip(probs, points)) for k in range(2)]
    second = sum(p * _relu(w[0] * x[0] + w[1] * x[1]) ** 2 for p, x in zip(probs, points))
    return [mass, *mean, second, *[x[0] ** 2 + x[1] ** 2 for x in points]]


def prop2_norm(i, parts):
    w = parts["weight"](parts["delta_of_C"](i.C))
    return float(np.hypot(float(w[0]), float(w[1])))


def _prop2_instance(d: Draw) -> dict:
    C = {"C near 1": d.uniform(1.0, 1.5), "C large": d.log_uniform(100.0, 1e3)}.get(d.regime, d.log_uniform(1.5, 100.0))
    return {"C": C}


prop2_instances = Space(_prop2_instance, regimes=("typical", "C near 1", "C large"), description="C in [1, 1000]")
_t = sp.Symbol("t", positive=True)

proposition_2 = declare(
    "capacity/proposition-2",
    title="a bounded dropout regulariser does not bound the weight norm (explicit 3-atom law on the circle)",
    source=Source(SEED, "Proposition 2", "", "7860-7900"),
    statement=r"\forall C>0\ \exists\,P_x\text{ on }S^1,\ w:\ \sqrt{\mathbb E\sigma(w^\top x)^2}\le1,\ \|w\|>C;\ "
              r"x=[1;0]\ (\delta),\ [-\tfrac\delta{1-\delta};\pm\tfrac{\sqrt{1-2\delta}}{1-\delta}]\ (\tfrac{1-\delta}2),\ "
              r"w=[\delta^{-1/2};0]",
    hypotheses=["delta in (0, 1/2)", "delta = 0.99 / C^2 (capped at 0.49) so that ||w|| > C strictly"],
    claimed=lambda i: [1, 0, 0, 1, 1, 1, 1],
    parts={"atoms": prop2_atoms, "weight": lambda delta: (1 / _root(delta), 0), "delta_of_C": lambda C: min(0.99 / C**2, 0.49),
           "norm_floor": lambda i: i.C},
    checks=[
        Symbolic(observed=prop2_properties, symbols=lambda: {"delta": 1 / (2 + _t)},
                 label="delta = 1/(2+t), t > 0: mass 1, mean 0, E sigma(w'x)^2 = 1, atoms on the unit circle"),
        Relation(observed=prop2_properties, space=prop2_instances, instances=12,
                 tolerance=float_tolerance(64, atol=1e-15, what="three atoms"), label="the construction at delta(C)"),
        Relation(observed=prop2_norm, claimed="norm_floor", relation=">=", space=prop2_instances, instances=12,
                 tolerance=Tolerance(0.0, 0.0, principle="strict: ||w|| = C / sqrt(0.99) > C"),
                 label="||w|| > C"),
    ],
    mutants=[
        mutant("delta = C^2 (printed)", "the proof's 'let delta = C^2'", delta_of_C=lambda C: C**2),
        mutant("unnormalised second coordinate", "sqrt((1-2delta)/(1-delta))",
               atoms=lambda delta: ([(1, 0), (-delta / (1 - delta), _root((1 - 2 * delta) / (1 - delta))),
                                     (-delta / (1 - delta), -_root((1 - 2 * delta) / (1 - delta)))],
                                    [delta, (1 - delta) / 2, (1 - delta) / 2])),
        mutant("mass 1-delta per side", "probabilities (1 - delta) for each of the two lower atoms",
               atoms=lambda delta: (prop2_atoms(delta)[0], [delta, 1 - delta, 1 - delta])),
    ],
    scope="Seed issues (recorded): the proof says 'let delta = C^2', which must be delta = 1/C^2 (then ||w|| = C; the "
          "strict '> C' needs delta < 1/C^2, and delta < 1/2 needs C > sqrt 2, hence the cap); the statement writes "
          "R(w) = sqrt(E sigma^2), a root absent elsewhere (harmless: the value is 1); the law's retentiveness is "
          "<= delta (direction -e_1), the link to Theorem 12's beta.",
    tags=["capacity"],
)


# --- Assumption 1: retentiveness ----------------------------------------------------------------------

def relu_second_moment(i):
    z = i.Z @ i.v
    relu = np.vectorize(lambda t: sp.Max(t, 0), otypes=[object])(z) if z.dtype == object else np.maximum(z, 0.0)
    return (i.w * relu**2).sum()


def linear_second_moment(i):
    z = i.Z @ i.v
    return (i.w * z**2).sum()


def symbolic_symmetric_law():
    s1, s2, pi = sp.symbols("s1 s2 pi", positive=True)
    Z = np.array([[s1], [-s1], [s2], [-s2]], dtype=object)
    return {"Z": Z, "w": np.array([pi / 2, pi / 2, (1 - pi) / 2, (1 - pi) / 2], dtype=object), "v": np.array([1], dtype=object)}


def _finite_law(d: Draw) -> dict:
    regime = d.regime
    d0 = 2 if regime in ("symmetric, d0 = 2", "skewed, d0 = 2", "Proposition 2 law") else d.integer(1, 5)
    if regime == "Proposition 2 law":
        delta = d.log_uniform(0.01, 0.45)
        pts, probs = prop2_atoms(delta)
        return {"Z": np.array(pts, dtype=float), "w": np.array(probs), "v": d.normal(2), "symmetric": False}
    m = d.integer(1, 8)
    G = d.normal(m, d0) * d.log_uniform(0.1, 10.0)
    w = d.exponential(m)
    if regime.startswith("skewed"):
        G = np.abs(G) + np.array([d.uniform(-0.5, 0.5) for _ in range(d0)])
        return {"Z": G, "w": w / w.sum(), "v": d.normal(d0), "symmetric": False}
    return {"Z": np.vstack([G, -G]), "w": np.concatenate([w, w]) / (2 * w.sum()), "v": d.normal(d0), "symmetric": True}


finite_laws = Space(_finite_law, regimes=("symmetric", "symmetric, d0 = 2", "skewed, d0 = 2", "Proposition 2 law"),
                    description="finite laws: symmetrised Gaussian atoms, skewed nonnegative-ish atoms, Proposition 2's law")
symmetric_laws = Space(_finite_law, regimes=("symmetric", "symmetric, d0 = 2"), description="x = -x in law")
planar_laws = Space(_finite_law, regimes=("symmetric, d0 = 2", "skewed, d0 = 2", "Proposition 2 law"),
                    description="finite laws in R^2 (retentiveness on a 7200-direction grid)")
planar_symmetric_laws = Space(_finite_law, regimes=("symmetric, d0 = 2",), description="symmetric laws in R^2")


def retentiveness_on_grid(i):
    """beta = min_v E sigma(v'x)^2 / E (v'x)^2 over 7200 directions (an upper estimate of the infimum)."""
    dirs = circle_grid(7200)
    z = i.Z @ dirs
    return float(((i.w[:, None] * np.maximum(z, 0) ** 2).sum(0) / (i.w[:, None] * z**2).sum(0)).min())


assumption_1 = declare(
    "capacity/assumption-1",
    title="beta-retentive laws: symmetric laws are exactly 1/2-retentive, and beta <= 1/2 always",
    source=Source(SEED, "Assumption 1", "", "7918-7925, 8725-8745, 9285-9300"),
    statement=r"\mathbb E\sigma(v^\top x)^2\ge\beta\,\mathbb E(v^\top x)^2\ \forall v;\ x\overset d=-x\Rightarrow"
              r"\mathbb E\sigma(v^\top x)^2=\tfrac12\mathbb E(v^\top x)^2;\ \beta\le\tfrac12\text{ always}",
    hypotheses=["E (v'x)^2 > 0 for the directions considered", "beta in (0, 1/2] as printed"],
    claimed=lambda i, parts: parts["symmetric_beta"] * linear_second_moment(i),
    parts={"symmetric_beta": 0.5, "beta_max": lambda i: 0.5},
    checks=[
        Symbolic(observed=relu_second_moment, symbols=symbolic_symmetric_law,
                 label="z in {+-s1, +-s2} with masses pi/2, (1-pi)/2: E sigma(z)^2 = E z^2 / 2"),
        Relation(observed=relu_second_moment, space=symmetric_laws, instances=20,
                 tolerance=float_tolerance(64, what="sums over <= 16 atoms"), label="finite symmetric laws, random v"),
        Relation(observed=retentiveness_on_grid, claimed="beta_max", relation="<=", space=planar_laws, instances=12,
                 tolerance=float_tolerance(64, what="ratio of sums"), label="beta <= 1/2 for skewed and symmetric laws"),
        Relation(observed=retentiveness_on_grid, claimed="beta_max", space=planar_symmetric_laws, instances=6,
                 tolerance=float_tolerance(64, what="ratio of sums"), label="the maximum 1/2 is attained by symmetric laws"),
    ],
    mutants=[
        mutant("symmetric gives 1/4", "E sigma^2 = E z^2 / 4", symmetric_beta=0.25),
        mutant("beta in (0, 1]", "the range (0, 1] instead of (0, 1/2]", beta_max=lambda i: 1.0),
    ],
    scope="Proposition 2's law (a regime of the beta <= 1/2 check) has beta <= delta (direction -e_1: ratio exactly "
          "delta): the bad example for norm control is a poorly retentive law.",
    tags=["capacity", "retentiveness"],
)


# --- Definition 6 -------------------------------------------------------------------------------------

def _clip_instance(d: Draw) -> dict:
    return {"t": d.normal(12) * (0.5 if d.regime == "inside [-1,1]" else 2.0), "g": np.tanh(d.normal(12)),
            "y": np.array([d.choice((-1.0, 1.0)) for _ in range(12)])}


clip_points = Space(_clip_instance, regimes=("typical", "inside [-1,1]"), description="12 reals, g in (-1, 1), y = +-1")

definition_6 = declare(
    "capacity/definition-6",
    title="Definition 6: clipping onto [-1, 1], the loss l2(f, z) = (1 - y f)^2 and the classes W, F, G, L",
    source=Source(SEED, "Definition 6", "", "8781-8800"),
    statement=r"\Pi_{[a,b]}(y)=\max\{a,\min\{b,y\}\},\ \ell_2(f,z)=(1-yf(x))^2,\ \mathcal G_\alpha=\Pi_{[-1,1]}\circ\mathcal F_\alpha;"
              r"\ (y-g)^2=(1-yg)^2+(y^2-1)(1-g^2)",
    hypotheses=["the loss identity (y - g)^2 = (1 - yg)^2 needs y = +-1 (or g = +-1)"],
    claimed=lambda i: (1 - i.y * i.g) ** 2,
    parts={"defect": lambda i: (i.y**2 - 1) * (1 - i.g**2),
           "loss_with_defect": lambda i, parts: parts["claimed"](i) + parts["defect"](i),
           "clip_range": (-1.0, 1.0), "clip": lambda i, parts: np.maximum(parts["clip_range"][0], np.minimum(parts["clip_range"][1], i.t))},
    checks=[
        Symbolic(observed=lambda i: (i.y - i.g) ** 2, claimed="loss_with_defect",
                 symbols=lambda: {"y": sp.Symbol("y", real=True), "g": sp.Symbol("g", real=True)},
                 label="(y - g)^2 = (1 - yg)^2 + (y^2 - 1)(1 - g^2) for all real y, g"),
        Relation(observed=lambda i: (i.y - i.g) ** 2, space=clip_points, instances=6,
                 tolerance=float_tolerance(16, what="one square"), label="y = +-1: the squared loss is l2(f, z)"),
        Relation(observed=lambda i: np.median(np.stack([np.full_like(i.t, -1.0), i.t, np.full_like(i.t, 1.0)]), axis=0),
                 claimed="clip", space=clip_points, instances=6, tolerance=float_tolerance(4, what="exact comparisons"),
                 label="Pi_[-1,1] is the nearest point of [-1, 1] (median of -1, t, 1)"),
    ],
    mutants=[
        mutant("(1 + yf)^2", "sign flipped in the loss", claimed=lambda i: (1 + i.y * i.g) ** 2),
        mutant("Pi_[-1,-1] (printed)", "G_alpha printed with Pi_[-1,-1]", clip_range=(-1.0, -1.0)),
        mutant("defect sign", "(1 - y^2)(1 - g^2)", defect=lambda i: (1 - i.y**2) * (1 - i.g**2)),
    ],
    scope="A definition: checked are the loss identity used by Lemma 10 and the clipping map. Seed issues (recorded): "
          "G_alpha printed with Pi_[-1,-1] (also in Lemma 10's proof); l2(f, z) = (1 - yf)^2 equals the squared loss only "
          "for y = +-1, while Sec. 4.3 allows Y in [-1, 1].",
    tags=["capacity"],
)

CLAIMS = [proposition_5, aux_relu_regularizer, proposition_6, aux_path_norm, aux_path_norm_corrected, aux_cs_fa,
          proposition_2, assumption_1, definition_6]
