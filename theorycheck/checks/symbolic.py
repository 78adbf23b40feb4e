"""Symbolic identity: sympy decides ``observed == claimed`` exactly.

The same observed and claimed functions that run on floats run on a *symbolic instance* (sympy
symbols, or numpy object arrays of them). Each entry of ``observed - claimed`` is simplified; zero
means ``proved``. When sympy cannot decide (``equals`` returns None), the difference is evaluated
at random points with ``digits`` significant digits: all below ``10**-(digits-10)`` gives
``passed`` (never ``proved``); a nonzero value gives ``failed`` with that point.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np

from ..context import Context, Settings
from ..instances import Instance
from ..verdict import Verdict
from .base import Check, CheckResult, Outcome, conclude_by_margin
from .calling import call

if TYPE_CHECKING:
    from ..claim import Claim


def entries(value: Any) -> list:
    """The sympy expressions in a scalar, list, sympy Matrix or numpy object array."""
    import sympy as sp

    if isinstance(value, sp.MatrixBase):
        return [sp.sympify(v) for v in value]
    return [sp.sympify(v) for v in np.asarray(value, dtype=object).ravel()]


@dataclass
class Symbolic(Check):
    """Prove ``observed(sym) == claimed(sym)`` for the symbolic instance ``symbols()``."""

    observed: Callable[..., Any]
    symbols: Callable[[], dict[str, Any]]
    claimed: str = "claimed"
    domain: dict[str, tuple[float, float]] = field(default_factory=dict)
    points: int = 12
    digits: int = 50
    label: str = ""

    kind: ClassVar[str] = "symbolic"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def count(self, settings: Settings) -> int:
        return 1

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        import sympy as sp

        inst = Instance(self.symbols())
        lhs = entries(call(self.observed, inst, ctx=ctx, parts=claim.parts))
        rhs = entries(call(claim.parts[self.claimed], inst, ctx=ctx, parts=claim.parts))
        if len(lhs) != len(rhs) and len(rhs) != 1:
            raise ValueError(f"observed has {len(lhs)} entries, claimed {len(rhs)}")
        rhs = rhs * len(lhs) if len(rhs) == 1 else rhs
        methods = []
        for k, (a, b) in enumerate(zip(lhs, rhs)):
            diff = sp.simplify(sp.expand(a - b))
            if diff == 0:
                methods.append("simplify")
                continue
            decided = diff.equals(0)
            if decided is True:
                methods.append("equals")
                continue
            point, value = self._evaluate_at_points(diff, ctx, index)
            if point is not None:
                return Outcome(index=index, ok=False, margin=float(abs(value)),
                               details={"entry": k, "difference": str(diff)[:400], "at": point,
                                        "value": float(value), "method": "numeric"})
            if decided is False:
                # equals() said nonzero but no sampled point shows it: do not claim either way
                methods.append("numeric-fallback(equals=False)")
            else:
                methods.append("numeric-fallback")
        proved = all(m in ("simplify", "equals") for m in methods)
        return Outcome(index=index, ok=True, margin=0.0,
                       details={"proved": proved, "methods": sorted(set(methods)), "entries": len(lhs)})

    def _evaluate_at_points(self, diff, ctx: Context, index: int):
        import sympy as sp

        rng = ctx.numpy_rng(index, stream=7)
        threshold = sp.Float(10) ** (-(self.digits - 10))
        free = sorted(diff.free_symbols, key=lambda s: s.name)
        for _ in range(self.points):
            point = {}
            for s in free:
                lo, hi = self.domain.get(s.name, (0.05, 0.95) if s.is_positive else (-2.0, 2.0))
                point[s] = sp.Rational(int(rng.integers(1, 10**6)), 10**6) * (hi - lo) + lo
            value = sp.N(diff.subs(point), self.digits)
            if not value.is_number or abs(value) > threshold:
                return {s.name: float(v) for s, v in point.items()}, complex(value).real
        return None, 0.0

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        result = conclude_by_margin(self, outcomes, tolerance="exact (sympy); fallback: "
                                    f"|difference| < 1e-{self.digits - 10} at {self.points} random points "
                                    f"with {self.digits} digits")
        if result.verdict is Verdict.PASSED and all(o.details.get("proved") for o in outcomes):
            result.verdict = Verdict.PROVED
            result.message = "identity proved by sympy"
        elif result.verdict is Verdict.PASSED:
            result.message = "sympy could not decide; identity holds at every high-precision random point"
        exact = result.verdict is Verdict.PROVED
        result.power = {"smallest_refuted_relative_change": 0.0 if exact else 10.0 ** -(self.digits - 10),
                        "figure": "exact: any change of the claimed side is refuted" if exact else
                        f"numeric fallback: refutes a difference above 1e-{self.digits - 10} at "
                        f"{self.points} points"}
        if outcomes and outcomes[0].ok is False:
            d = outcomes[0].details
            result.message = f"identity fails: difference {d['difference'][:120]} = {d['value']:.3g} at {d['at']}"
        return result
