"""Tolerances that carry the principle they come from.

Every comparison in theorycheck uses a :class:`Tolerance`; its ``principle`` is shown in reports so
that a reader can judge whether the band is justified (floating-point error model, solver
tolerance, optimiser tolerance, Monte-Carlo standard error).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOAT64_EPS = float(np.finfo(np.float64).eps)


SCALES = ("claimed", "terms")


@dataclass(frozen=True)
class Tolerance:
    """``|observed - claimed| <= atol + rtol * scale``.

    ``scale="claimed"``: the scale is ``|claimed|``. ``scale="terms"`` (the default of
    :func:`float_tolerance`): the magnitude of the terms that were summed, estimated as
    ``max(|claimed|, |observed|, |claimed(|x|)|)`` where ``claimed(|x|)`` is the claimed side
    evaluated on the instance with every float replaced by its absolute value. For a sum or
    product of array entries (``tr(AB)``, ``sum_i u_i v_i``) that is exactly ``sum |terms|``, the
    quantity that bounds floating-point error, so cancellation to a tiny result does not shrink
    the band below the rounding error. A check's own ``scale=`` function overrides both.
    """

    rtol: float
    atol: float
    principle: str
    scale: str = "claimed"

    def __post_init__(self) -> None:
        if self.rtol < 0 or self.atol < 0:
            raise ValueError("tolerances must be non-negative")
        if not self.principle.strip():
            raise ValueError("a tolerance must state the principle it comes from")
        if self.scale not in SCALES:
            raise ValueError(f"tolerance scale must be one of {SCALES}, not {self.scale!r}")

    def band(self, scale: np.ndarray | float) -> np.ndarray:
        return self.atol + self.rtol * np.abs(np.asarray(scale, dtype=float))


def float_tolerance(ops: float, atol: float = 0.0, what: str = "", scale: str = "terms") -> Tolerance:
    """Forward-error model of float64 arithmetic: ``ops`` roundings of relative size eps each.

    ``ops`` is the number of accumulated operations (e.g. the length of the longest sum times a
    small constant); the band is ``ops * eps * S + atol`` with ``S`` the magnitude of the terms
    (``scale="terms"``, see :class:`Tolerance`) or ``|claimed|`` (``scale="claimed"``).
    """
    detail = f" ({what})" if what else ""
    of = "the magnitude of the terms" if scale == "terms" else "|claimed|"
    return Tolerance(
        rtol=ops * FLOAT64_EPS,
        atol=atol,
        principle=f"float64 rounding: {ops:g} operations x eps={FLOAT64_EPS:.2e} x {of}{detail}",
        scale=scale,
    )


def solver_tolerance(tol: float, factor: float = 10.0, what: str = "") -> Tolerance:
    """Band for a value computed by an iterative solver run to tolerance ``tol``."""
    detail = f" ({what})" if what else ""
    return Tolerance(
        rtol=factor * tol,
        atol=factor * tol,
        principle=f"solver/optimiser tolerance {tol:.0e} x {factor:g}{detail}",
    )
