"""Bound with adversarial search: random instances, then projected gradient ascent on the violation.

``observed`` (the bounded side) and the claimed bound are written as torch expressions of the
instance. For each instance (a restart), the relative violation
``(observed - bound) / (|bound| + atol)`` (sign flipped for >=) is maximised over the instance
fields named in ``variables`` with Adam for ``steps`` steps, projecting back onto the hypotheses
with ``project`` after each step. The worst point of every trajectory is judged with the
tolerance, and the report shows how tight the bound came (extreme observed/claimed ratio).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

import numpy as np

from ..context import Context, Settings
from ..instances import Instance, Space
from ..tolerance import Tolerance
from .base import Check, CheckError, CheckResult, Outcome, conclude_by_margin
from .calling import call
from .relation import resolution, resolve_relation

if TYPE_CHECKING:
    from ..claim import Claim


def to_torch(inst: Instance, device: str) -> Instance:
    import torch

    out = Instance()
    for k, v in inst.items():
        if isinstance(v, np.ndarray) and v.dtype != object:
            out[k] = torch.as_tensor(v, dtype=torch.float64, device=device)
        elif isinstance(v, (float, np.floating)):
            out[k] = torch.tensor(float(v), dtype=torch.float64, device=device)
        else:
            out[k] = v
    return out


class Adam:
    """Adam (Kingma & Ba, 2015, Algorithm 1; torch.optim.Adam's defaults and update) on a few
    tensors. Written out because ``torch.optim`` imports ``torch._dynamo`` on first use, about a
    second per worker process, more than most bound searches take."""

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        import torch

        self.params, self.lr, self.betas, self.eps, self.t = list(params), lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        self.t += 1
        b1, b2 = self.betas
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                if p.grad is None:
                    continue
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                denom = (v / (1 - b2**self.t)).sqrt().add_(self.eps)
                p.addcdiv_(m, denom, value=-self.lr / (1 - b1**self.t))


@dataclass
class BoundSearch(Check):
    """``observed(inst) REL claimed(inst)``, attacked by gradient ascent over ``variables``."""

    observed: Callable[[Instance], Any]
    space: Space
    tolerance: Tolerance
    variables: Sequence[str]
    claimed: str = "claimed"
    relation: str = "<="
    project: Callable[[Instance], None] | None = None
    steps: int = 60
    full_steps: int | None = None
    lr: float = 0.05
    instances: int = 24
    full_instances: int | None = None
    label: str = ""

    kind: ClassVar[str] = "bound"
    part_names: ClassVar[tuple[str, ...]] = ("claimed",)

    def validate(self, claim: "Claim") -> None:
        super().validate(claim)
        if resolve_relation(claim, self.relation) == "==":
            raise ValueError(f"claim {claim.id!r}: a bound check needs <= or >=")

    def _violation(self, claim: "Claim", t_inst: Instance, rel: str, ctx: Context):
        import torch

        obs = torch.as_tensor(call(self.observed, t_inst, ctx=ctx, parts=claim.parts), dtype=torch.float64)
        bound = torch.as_tensor(call(claim.parts[self.claimed], t_inst, ctx=ctx, parts=claim.parts),
                                dtype=torch.float64)
        signed = obs - bound if rel == "<=" else bound - obs
        scale = bound.abs() + self.tolerance.atol + 1e-300
        return signed, signed / scale, obs, bound

    def evaluate(self, claim: "Claim", index: int, ctx: Context) -> Outcome:
        import torch

        rel = resolve_relation(claim, self.relation)
        inst = self.instance(ctx, index)
        t_inst = to_torch(inst, ctx.device)
        for name in self.variables:
            t_inst[name] = t_inst[name].clone().requires_grad_(True)
        optimiser = Adam([t_inst[n] for n in self.variables], lr=self.lr)
        steps = (self.full_steps or 4 * self.steps) if ctx.full else self.steps
        best = None
        for step in range(steps + 1):
            signed, relative, obs, bound = self._violation(claim, t_inst, rel, ctx)
            if not (torch.isfinite(obs) and torch.isfinite(bound)):
                if step == 0:
                    raise CheckError(f"observed/claimed not finite at the random start: {obs}, {bound}")
                break
            obs_v, bound_v = float(obs.detach()), float(bound.detach())
            band = float(self.tolerance.band(bound_v))
            margin = float(signed.detach()) - band
            if best is None or margin > best[0]:
                ratio = obs_v / bound_v if bound_v != 0 else float("nan")
                best = (margin, obs_v, bound_v, ratio, step,
                        {n: t_inst[n].detach().cpu().numpy().copy() for n in self.variables})
            if step == steps:
                break
            optimiser.zero_grad()
            (-relative).backward()
            optimiser.step()
            if self.project is not None:
                with torch.no_grad():
                    self.project(t_inst)
        margin, obs, bound, ratio, step, point = best
        found = Instance({**inst, **point})
        details = {"ratio": ratio, "found_at_step": step}
        details.update(resolution(np.asarray(obs), np.asarray(bound), rel, self.tolerance.band(bound)))
        return Outcome(index=index, ok=margin <= 0, margin=margin, observed=obs, claimed=bound,
                       details=details, instance=found.describe())

    def conclude(self, claim: "Claim", outcomes: list[Outcome], settings: Settings) -> CheckResult:
        rel = resolve_relation(claim, self.relation)
        ratios = [o.details["ratio"] for o in outcomes if o.ok is not None and np.isfinite(o.details["ratio"])]
        pick = max if rel == "<=" else min
        evidence = {"relation": rel, "variables": list(self.variables),
                    "tightness_observed_over_claimed": pick(ratios) if ratios else None}
        return conclude_by_margin(self, outcomes, tolerance=self.tolerance.principle, evidence=evidence)
