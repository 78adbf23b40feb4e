"""Training dynamics: a small seeded training run whose end state the claim describes.

``train(inst, sampler)`` runs on the sampler's device with the sampler's generator, so a run is
deterministic under its seed; ``observed(state, inst)`` reads the end state and is compared with
the claimed side like a numeric relation. ``plot(inst, state, path)``, when given, writes a PNG of
the run into the report's artefact folder (the scaled-down figure of an experiment).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from ..context import Context, Settings
from ..instances import Instance, Space
from ..sampling import Sampler
from ..tolerance import Tolerance
from .base import Check, CheckResult, Outcome, as_float_array, conclude_by_margin
from .calling import call
from .relation import relation_margin, resolve_relation

if TYPE_CHECKING:
    from ..claim import Claim


@dataclass
class Dynamics(Check):
    """``observed(train(inst)) REL claimed(inst)`` for ``instances`` seeded runs."""

    train: Callable[[Instance, Sampler], Any]
    observed: Callable[[Any, Instance], Any]
    space: Space
    tolerance: Tolerance
    claimed: str = "claimed"
    relation: str = "=="
    plot: Callable[[Instance, Any, Any], None] | None = None
    instances: int = 2
    full_instances: int | None = None
    label: str = ""

    kind: ClassVar[str] = "dynamics"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        inst = self.instance(ctx, index)
        inst["full"] = ctx.full
        state = call(self.train, inst, Sampler(ctx.torch_generator(index), ctx.device), ctx=ctx, parts=claim.parts)
        observed = as_float_array(call(self.observed, state, inst, ctx=ctx, parts=claim.parts), "observed")
        claimed = as_float_array(call(claim.parts[self.claimed], inst, ctx=ctx, parts=claim.parts), "claimed")
        margin, details = relation_margin(observed, claimed, resolve_relation(claim, self.relation),
                                          self.tolerance)
        if self.plot is not None and not claim.variant:
            path = ctx.artefact_path(f"{claim.id.replace('/', '__')}-run{index}.png")
            self.plot(inst, state, path)
            details["plot"] = str(path)
        return Outcome(index=index, ok=margin <= 0, margin=margin,
                       observed=observed.tolist() if observed.size <= 16 else None,
                       claimed=claimed.tolist() if claimed.size <= 16 else None,
                       details=details, instance=inst.describe())

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        return conclude_by_margin(self, outcomes, tolerance=self.tolerance.principle,
                                  evidence={"relation": resolve_relation(claim, self.relation)})
