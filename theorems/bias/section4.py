"""`bias` §4: the landscape of the tied dropout problem (Theorem 4.3).

Seed 003_d0c1b2e846001ede.txt, Theorem 4.3 (l. 580-585); thesis Theorem 7 (l. 2465-2469), proved by
thesis Lemmas 4-5. Implicit hypotheses made explicit: M symmetric PSD, r <= d (the proof takes an
eigendecomposition of M; for r > d the threshold is 0). The replaceable part is the classification
the theorem asserts of every critical point: "a global minimum, or a strict saddle".
"""
from __future__ import annotations

import numpy as np
import torch

from theorycheck import Draw, Relation, Source, Space, Tolerance, declare, mutant, optimize

from .model import optimal_value, shrinkage

SEED = "003_d0c1b2e846001ede.txt"


def lambda_threshold(eigs: np.ndarray, r: int) -> float:
    """r lambda_r / (sum_{i<=r} lambda_i - r lambda_r) (+inf when the denominator is 0)."""
    gap = eigs[:r].sum() - r * eigs[r - 1]
    return float(r * eigs[r - 1] / gap) if gap > 0 else float("inf")


def _landscape(d: Draw) -> dict:
    r = 1 if d.regime == "r = 1" else d.integer(2, 3)
    dim = r if d.regime == "r = d" else d.integer(max(r, 2), 5)
    eigs = np.sort(np.array([d.uniform(0.2, 3.0) for _ in range(dim)]))[::-1]
    if d.regime == "tied trailing eigenvalues" and dim > r:
        eigs[r:] = eigs[r]
    if d.regime == "tied top eigenvalues":
        eigs[:r] = eigs[0]  # the threshold's denominator is 0: every lam > 0 is admissible
    Q = d.orthogonal(dim)
    fraction = d.uniform(0.9, 0.99) if d.regime == "lam near the bound" else d.uniform(0.1, 0.9)
    return {"d": dim, "r": r, "eigs": eigs, "M": (Q * eigs) @ Q.T,
            "lam": fraction * min(lambda_threshold(eigs, r), 50.0)}


landscapes = Space(_landscape, regimes=("typical", "r = d", "lam near the bound", "tied trailing eigenvalues", "r = 1",
                                        "tied top eigenvalues"),
                   description="PSD M = Q diag(eigs) Q', eigs ~ U(0.2, 3), r in {1, 2, 3}, r <= d <= 5, "
                               "0 < lam < threshold (capped at 50 where the threshold is infinite: r = 1, tied top)")


def tied_objective(i):
    M = torch.as_tensor(i.M)
    return lambda U: ((M - U @ U.T) ** 2).sum() + i.lam * ((U**2).sum(0) ** 2).sum()


def starts(i, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """Random starts; a third with columns zeroed, to reach the degenerate critical points."""
    out = []
    for k in range(count):
        U = rng.standard_normal((i.d, i.r)) * np.sqrt(i.eigs[0] / i.r)
        if k % 3 == 2:  # zero some columns (r = 1: the origin, a strict saddle)
            U[:, rng.integers(0, i.r, size=rng.integers(1, i.r) if i.r > 1 else 1).tolist()] = 0.0
        out.append(U)
    return out


# Hessians are exact up to rounding: eigenvalue error <= n eps ||H|| (Weyl); tau is 1e6 times that
def strict_saddle_tau(hessian_norm: float, n: int) -> float:
    return 1e6 * n * np.finfo(float).eps * max(hessian_norm, 1.0)


def global_or_strict_saddle(point: optimize.CriticalPoint, fstar: float, n: int) -> bool:
    """Theorem 4.3: (a) a local minimum is global, (b) any other critical point is a strict saddle."""
    is_global = abs(point.value - fstar) <= 1e-8 * max(1.0, fstar)
    return is_global or point.min_eig < -strict_saddle_tau(point.hessian_norm, n)


def classified_fraction(i, ctx, parts) -> float:
    """Fraction of the critical points found that satisfy the claimed classification."""
    rng = ctx.instance_rng(i)
    points = optimize.critical_points(tied_objective(i), starts(i, rng, 60 if ctx.full else 18))
    if not points:
        raise RuntimeError("the critical-point search found no critical point")
    fstar = optimal_value(shrinkage(i.M, i.r, i.lam), i.r, i.lam)
    return float(np.mean([parts["classification"](p, fstar, i.d * i.r) for p in points]))


def every_critical_point_is_a_minimum(point, fstar, n) -> bool:
    """Mutant: no saddles at all."""
    return point.min_eig >= -strict_saddle_tau(point.hessian_norm, n)


def saddles_are_degenerate(point, fstar, n) -> bool:
    """Mutant: non-global critical points have a PSD Hessian."""
    return abs(point.value - fstar) <= 1e-8 * max(1.0, fstar) or every_critical_point_is_a_minimum(point, fstar, n)


theorem_4_3 = declare(
    "bias/theorem-4.3",
    title="for small lam the tied dropout problem has no spurious local minima and only strict saddles",
    source=Source(SEED, "Theorem 4.3", "(4)", "580-585", also="thesis Theorem 7, Lemmas 4-5"),
    statement=r"0<\lambda<\frac{r\lambda_r(M)}{\sum_{i\le r}\lambda_i(M)-r\lambda_r(M)}\Rightarrow\text{every "
              r"critical point of }\|M-UU^\top\|_F^2+\lambda\sum_i\|u_i\|^4\text{ is a global minimum or has "
              r"}\lambda_{\min}(\nabla^2f)<0",
    hypotheses=["M symmetric PSD (implicit in the proof)", "r <= d", "0 < lam < r lambda_r / (sum_{i<=r} "
                "lambda_i - r lambda_r)"],
    claimed=lambda i: 1.0,
    parts={"classification": global_or_strict_saddle},
    checks=[Relation(observed=classified_fraction, space=landscapes, instances=6, full_instances=24, shrink=False,
                     tolerance=Tolerance(0.0, 0.0, "exact: a fraction of classified points, each judged with "
                                                   "tau = 1e6 n eps ||H|| (Weyl) and |f - f*| <= 1e-8 max(1, f*)"),
                     label="critical points by Levenberg-Marquardt on grad f, autograd Hessians")],
    mutants=[
        mutant("no saddles", "every critical point is a local minimum", classification=every_critical_point_is_a_minimum),
        mutant("degenerate saddles", "non-global critical points have PSD Hessians", classification=saddles_are_degenerate),
    ],
    depends_on=["bias/theorem-3.6-corrected"],
    tags=["exemplar", "landscape"],
)

CLAIMS = [theorem_4_3]
