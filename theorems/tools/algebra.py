"""`tools` Lemmas 20-21: the Sherman-Morrison inverse and the monotone optimal value.

Seed 000_f4de404d0cfe4539.txt, appendix §.2, Lemma 20 (l. 14005-14053), Lemma 21 (l. 14055-14210).
Both are used by the proof of Theorem 3.6 / thesis Theorem 3 (the value of the dropout problem).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck import Relation, Source, Space, Symbolic, declare, float_tolerance, mutant

SEED = "000_f4de404d0cfe4539.txt"


def _ones_problem(d) -> dict:
    regime = d.regime
    rho = 1 if regime == "rho=1" else d.integer(2, 8)
    r = d.integer(1, 10)
    lam = {"lam=0": 0.0, "lam large": d.log_uniform(1e2, 1e4)}.get(regime, d.log_uniform(1e-3, 10.0))
    return {"rho": rho, "r": r, "lam": lam}


ones_problems = Space(_ones_problem, regimes=("typical", "rho=1", "lam=0", "lam large"),
                      description="rho in [1, 8], r in [1, 10], lam in {0} u [1e-3, 1e4]")


def _is_symbolic(x) -> bool:
    return isinstance(x, sp.Basic)


def sherman_morrison_claimed(i):
    """Lemma 20: (I + lam/r 11')^{-1} = I - lam/(r + lam rho) 11'."""
    return _identity_minus(i, i.lam / (i.r + i.lam * i.rho))


def _identity_minus(i, coefficient):
    if _is_symbolic(i.lam):
        return sp.eye(i.rho) - coefficient * sp.ones(i.rho, i.rho)
    return np.eye(i.rho) - coefficient * np.ones((i.rho, i.rho))


def inverse(i):
    if _is_symbolic(i.lam):
        return (sp.eye(i.rho) + i.lam / i.r * sp.ones(i.rho, i.rho)).inv()
    return np.linalg.inv(np.eye(i.rho) + i.lam / i.r * np.ones((i.rho, i.rho)))


lemma_20 = declare(
    "tools/lemma-20",
    title="Sherman-Morrison inverse of I + (lam/r) 11'",
    source=Source(SEED, "Lemma 20", lines="14005-14053"),
    statement=r"(I_\rho+\tfrac{\lambda}{r}\mathbf 1\mathbf 1^\top)^{-1}=I_\rho-\tfrac{\lambda}{r+\lambda\rho}"
              r"\mathbf 1\mathbf 1^\top",
    hypotheses=["rho, r positive integers (the seed says 'any pair of integers': r = 0 or "
                "r + lam rho = 0 make it undefined)", "lam >= 0"],
    claimed=sherman_morrison_claimed,
    checks=[
        Symbolic(observed=inverse, symbols=lambda: {"rho": 4, "r": sp.Symbol("r", positive=True),
                                                     "lam": sp.Symbol("lambda", nonnegative=True)},
                 label="rho = 4, symbolic lam and r"),
        Relation(observed=inverse, space=ones_problems, instances=40,
                 tolerance=float_tolerance(64 * 8, atol=1e-15, what="LU inverse of a rho <= 8 matrix "
                                           "with condition number 1 + lam rho / r <= 1e5"),
                 scale=lambda i: 1 + i.lam * i.rho / i.r, label="numeric inverse"),
    ],
    mutants=[
        mutant("lam/(r+lam)", "rho dropped from the denominator",
               claimed=lambda i: _identity_minus(i, i.lam / (i.r + i.lam))),
        mutant("lam/r", "first-order (Neumann) inverse",
               claimed=lambda i: _identity_minus(i, i.lam / i.r)),
    ],
    tags=["tools", "linear-algebra"],
)


def _vector_problem(d) -> dict:
    regime = d.regime
    dim = d.integer(2, 9)
    r = dim if regime == "r=d" else d.integer(2, dim)
    a = np.sort(d.exponential(dim))[::-1] * d.log_uniform(0.1, 10.0)
    if regime == "ties":
        a[:] = a[0]
    if regime == "zeros in a":
        a[dim // 2:] = 0.0
    lam = d.log_uniform(1e-2, 1e2)
    return {"a": a, "r": r, "lam": lam}


sorted_vectors = Space(_vector_problem, regimes=("typical", "r=d", "ties", "zeros in a"),
                       description="a >= 0 non-increasing in R^d, d <= 9, 2 <= r <= d, lam in [1e-2, 1e2]")


def _equality_problem(d) -> dict:
    """a_2 = lam a_1 / (r + lam): the first increment g(2) - g(1) is exactly 0 (the supremum 0 is attained)."""
    inst = _vector_problem(d)
    a = inst["a"]
    a[1] = inst["lam"] * a[0] / (inst["r"] + inst["lam"])
    a[2:] = np.minimum(a[2:], a[1])
    return inst


equality_vectors = Space(_equality_problem, regimes=("typical", "r=d"),
                         description="a_2 = lam a_1/(r + lam): equality in the first increment")


def g_definition(a, r, lam, rho):
    """g(rho) exactly as defined in Lemma 21 (three sums)."""
    h = sum(a[:rho])
    shrink = lam * h / (r + lam * rho)
    return rho * shrink**2 + sum(x**2 for x in a[rho:]) + lam / r * sum(x - shrink for x in a[:rho]) ** 2


def increments_by_definition(i):
    """[g(rho + 1) - g(rho)] for rho = 1..r-1."""
    return _as_array([g_definition(i.a, i.r, i.lam, rho + 1) - g_definition(i.a, i.r, i.lam, rho)
                      for rho in range(1, i.r)])


def increment_claimed(i):
    """Proof of Lemma 21: g(rho+1) - g(rho) = -(lam h_rho - (r + lam rho) a_{rho+1})^2 / ((r+lam rho)(r+lam rho+lam))."""
    return _as_array([-(i.lam * sum(i.a[:rho]) - (i.r + i.lam * rho) * i.a[rho]) ** 2
                      / ((i.r + i.lam * rho) * (i.r + i.lam * rho + i.lam)) for rho in range(1, i.r)])


def closed_form_claimed(i):
    """g(rho) = lam h_rho^2 / (r + lam rho) + t_rho, t_rho = sum_{i > rho} a_i^2 (bottom d - rho entries)."""
    return _as_array([i.lam * sum(i.a[:rho]) ** 2 / (i.r + i.lam * rho) + sum(x**2 for x in i.a[rho:])
                      for rho in range(1, i.r + 1)])


def _as_array(values):
    return np.array(values, dtype=object if any(isinstance(v, sp.Basic) for v in values) else float)


def symbolic_vector():
    return {"a": np.array(sp.symbols("a1:5", nonnegative=True), dtype=object), "r": 3,
            "lam": sp.Symbol("lambda", positive=True)}


lemma_21 = declare(
    "tools/lemma-21",
    title="the optimal value g(rho) is non-increasing in the support size rho",
    source=Source(SEED, "Lemma 21", lines="14055-14210"),
    statement=r"g(\rho)=\tfrac{\lambda h_\rho^2}{r+\lambda\rho}+t_\rho,\quad g(\rho+1)-g(\rho)="
              r"-\tfrac{(\lambda h_\rho-(r+\lambda\rho)a_{\rho+1})^2}{(r+\lambda\rho)(r+\lambda\rho+\lambda)}\le0",
    hypotheses=["lam > 0", "a in R^d_+ non-increasing", "r <= d"],
    claimed=increment_claimed,
    parts={"closed_form": closed_form_claimed, "nonincreasing": lambda i: 0.0},
    checks=[
        Symbolic(observed=increments_by_definition, symbols=symbolic_vector,
                 label="increment identity, d = 4, r = 3, symbolic a and lam"),
        Symbolic(observed=lambda i: _as_array([g_definition(i.a, i.r, i.lam, rho) for rho in range(1, i.r + 1)]),
                 symbols=symbolic_vector, claimed="closed_form", label="closed form of g"),
        Relation(observed=increments_by_definition, space=sorted_vectors, instances=40,
                 tolerance=float_tolerance(64, what="sums of <= 9 terms, squared"),
                 scale=lambda i: (1 + i.lam) * np.sum(i.a) ** 2, label="increments, numeric"),
        Relation(observed=increments_by_definition, space=sorted_vectors, instances=40,
                 claimed="nonincreasing", relation="<=",
                 tolerance=float_tolerance(64, what="sums of <= 9 terms, squared"),
                 scale=lambda i: (1 + i.lam) * np.sum(i.a) ** 2, label="monotonicity"),
        Relation(observed=lambda i: increments_by_definition(i)[:1] / ((1 + i.lam) * np.sum(i.a) ** 2),
                 space=equality_vectors, instances=20, claimed="nonincreasing",
                 tolerance=float_tolerance(64, atol=64 * 2.3e-16,
                                           what="sums of <= 9 terms, squared, relative to (1+lam)(sum a)^2"),
                 label="the bound 0 is attained (a_2 = lam a_1/(r + lam)), relative to (1 + lam)(sum a)^2"),
    ],
    mutants=[
        mutant("a_{rho+1}^2 (as printed)", "the final display of the proof has lambda^2_{rho+1}(M) for a_{rho+1}",
               claimed=lambda i: _as_array([-(i.lam * sum(i.a[:rho]) - (i.r + i.lam * rho) * i.a[rho] ** 2) ** 2
                                            / ((i.r + i.lam * rho) * (i.r + i.lam * rho + i.lam))
                                            for rho in range(1, i.r)])),
        mutant("r + lam", "closed form with r + lam in place of r + lam rho",
               closed_form=lambda i: _as_array([i.lam * sum(i.a[:rho]) ** 2 / (i.r + i.lam) + sum(x**2 for x in i.a[rho:])
                                                for rho in range(1, i.r + 1)])),
        mutant("strictly decreasing", "g(rho+1) <= g(rho) - 1e-3 (sum a)^2: false at ties a_{rho+1} = h_rho lam/(r+lam rho)",
               nonincreasing=lambda i: -1e-3 * np.sum(i.a) ** 2),
    ],
    tags=["tools", "dropout-value"],
)

CLAIMS = [lemma_20, lemma_21]
