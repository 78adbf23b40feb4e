"""Part liveness: every part of a claim is read by a check, and a sentinel replacement of it kills.

A green verdict is earned only if what the claim asserts is what the checks test. For every claim
and every named part, :func:`audit` records which checks read the part (the runner tracks reads of
``claim.parts`` in the workers and in the conclusion) and runs each *sentinel* replacement of the
part through the very same checks:

* a number: ``x (1 + 1e-1)`` and ``x * 0`` (a part equal to 0: ``+ 0.1``); an ``int``: ``+ 1``;
  a ``bool``: flipped; arrays and tensors likewise, entrywise;
* a relation (``"<="``, ``">="``): flipped;
* a callable (a formula, an algorithm): one returning its result perturbed, every number in it
  (floats, ints, numpy/torch arrays, sympy expressions, the leaves of tuples, lists and dicts)
  multiplied by 1.1 (zero results: ``+ 0.1``).

A sentinel is *killed* when at least one check does not pass. A part read by an equality check
(``==``: relations, Monte Carlo, symbolic identities, convex programs, rates) must have every
sentinel killed. A part read only by inequality checks (``<=``/``>=``) is perturbed both ways,
``x 1.1`` and ``x 1/1.1`` (ints ``+1`` and ``-1``): one way weakens the claim, which a true bound
survives, the other strengthens it by 10 %, which the run must refute; so at least one of the two
must be killed (``x 0`` is run and reported too, but a bound scaled to 0 or to triviality proves
nothing about its constant). A part no check reads is a declaration error. A claim may declare
``untested={part: reason}`` for a constant its checks cannot refute at 10 % (a loose bound): its
survivors are then reported with that reason instead of failing. Errata fail as printed, so only
their reads are audited.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .claim import Claim
from .context import Settings
from .verdict import Verdict

FACTOR = 1.1  # the sentinel perturbation: a 10 % change of every number
OFFSET = 0.1  # for numbers equal to zero, which no factor changes
FLIPPED = {"<=": ">=", ">=": "<="}


class TrackedParts(Mapping):
    """A claim's parts that record every name looked up (by any check function or conclusion)."""

    def __init__(self, parts: Mapping[str, Any], reads: set[str]) -> None:
        self._parts = dict(parts)
        self.reads = reads

    def __getitem__(self, name: str) -> Any:
        value = self._parts[name]
        self.reads.add(name)
        return value

    def __iter__(self):
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __reduce__(self):  # picklable (Ray) as a plain dict of parts
        return (dict, (self._parts,))


def perturb(value: Any, factor: float = FACTOR) -> tuple[Any, bool]:
    """``value`` with every number in it scaled by ``factor`` (zeros moved by ``OFFSET``), and
    whether anything was changed."""
    step = 1 if factor >= 1 else -1
    if isinstance(value, (bool, np.bool_)):
        return (not value), True
    if isinstance(value, (int, np.integer)):
        return value + step, True
    if isinstance(value, (float, np.floating)):
        return (value * factor if value != 0 else OFFSET), True
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            import sympy as sp

            return _scale_nonzero(value, sp.nsimplify(factor), sp.Rational(1, 10)), True
        if value.dtype.kind in "iu":
            return value + step, True
        if value.dtype.kind == "b":
            return ~value, True
        return _scale_nonzero(value, factor, OFFSET), True
    if hasattr(value, "detach") and hasattr(value, "dtype"):  # a torch tensor
        if value.dtype.is_floating_point or value.dtype.is_complex:
            return _scale_nonzero(value, factor, OFFSET), True
        return value + step, True
    if _is_sympy(value):
        import sympy as sp

        return (value * sp.nsimplify(factor) if value != 0 else sp.Rational(1, 10)), True
    if isinstance(value, (list, tuple)):
        items = [perturb(v, factor) for v in value]
        rebuilt = [v for v, _ in items]
        changed = any(c for _, c in items)
        if hasattr(value, "_fields"):  # a namedtuple
            return type(value)(*rebuilt), changed
        return type(value)(rebuilt), changed
    if isinstance(value, dict):
        items = {k: perturb(v, factor) for k, v in value.items()}
        return type(value)({k: v for k, (v, _) in items.items()}), any(c for _, c in items.values())
    return value, False


def _scale_nonzero(x: Any, factor: Any, offset: Any) -> Any:
    """``x * factor``, or ``x + offset`` when every entry is zero (a factor would change nothing)."""
    nonzero = bool((x != 0).any()) if hasattr(x, "any") else bool(np.any(x != 0))
    return x * factor if nonzero else x + offset


def _is_sympy(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith("sympy")


def perturbed_callable(fn: Callable, factor: float = FACTOR) -> Callable:
    """``fn`` whose every result is :func:`perturb`-ed; its signature is kept, so the engine still
    hands it ``ctx``/``parts`` by name."""

    @functools.wraps(fn)
    def sentinel(*args: Any, **kwargs: Any) -> Any:
        result, changed = perturb(fn(*args, **kwargs), factor)
        if not changed:
            raise TypeError(f"sentinel: the result of {getattr(fn, '__qualname__', fn)!r} holds no number "
                            f"to perturb ({type(result).__name__})")
        return result

    return sentinel


def sentinels(value: Any, two_sided: bool = False) -> list[tuple[str, Any]]:
    """The sentinel replacements of one part value, each with a short label. ``two_sided`` (a part
    read only by inequalities) adds the opposite 10 % change, ``x 1/1.1`` (ints: ``-1``)."""
    basic = _basic_sentinels(value)
    if not two_sided:
        return basic
    if isinstance(value, str) or isinstance(value, (bool, np.bool_)):
        return basic
    if callable(value) and not _is_sympy(value):
        return basic + [("result x1/1.1", perturbed_callable(value, 1 / FACTOR))]
    if isinstance(value, (int, np.integer)):
        return basic + [("-1", value - 1)]
    shrunk, changed = perturb(value, 1 / FACTOR)
    return basic + ([("x1/1.1", shrunk)] if changed and not _is_zero(value) else [])


def _basic_sentinels(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, str):
        return [(f"{value} flipped to {FLIPPED[value]}", FLIPPED[value])] if value in FLIPPED else []
    if callable(value) and not _is_sympy(value):
        return [("result x1.1", perturbed_callable(value))]
    if isinstance(value, (bool, np.bool_)):
        return [("flipped", not value)]
    if isinstance(value, (int, np.integer)):
        return [("+1", value + 1)]
    scaled, changed = perturb(value)
    if not changed:
        return []
    zero = _is_zero(value)
    if zero:
        return [("+0.1", scaled)]
    zeroed, _ = perturb(value, 0.0)
    return [("x1.1", scaled), ("x0", zeroed)]


def _is_zero(value: Any) -> bool:
    try:
        return not bool(np.any(np.asarray(value, dtype=float) != 0))
    except (TypeError, ValueError):
        return False


@dataclass
class SentinelOutcome:
    label: str
    verdict: str
    killed: bool
    killed_by: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class PartAudit:
    name: str
    read_by: list[str]
    sentinels: list[SentinelOutcome] = field(default_factory=list)
    problem: str = ""
    two_sided: bool = False  # read only by inequalities: one of the +-10 % changes must be killed
    untested: str = ""  # the claim's stated reason why a 10 % change cannot be refuted

    @property
    def live(self) -> bool:
        """The sentinels say the checks can tell this part from a 10 % wrong one (vacuous when
        none were run: an erratum's parts, or a part whose ``problem`` says why none could be)."""
        if not self.sentinels:
            return True
        if not self.two_sided:
            return all(s.killed for s in self.sentinels)
        return any(s.killed for s in self.sentinels if s.label != "x0")  # x0 only trivialises a bound

    @property
    def ok(self) -> bool:
        return not self.problem and (self.live or bool(self.untested))


@dataclass
class ClaimAudit:
    claim_id: str
    status: str
    verdict: str
    parts: list[PartAudit] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and all(p.ok for p in self.parts)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.claim_id, "status": self.status, "verdict": self.verdict, "ok": self.ok,
                "problem": self.problem,
                "parts": [{"name": p.name, "read_by": p.read_by, "ok": p.ok, "live": p.live, "problem": p.problem,
                           "two_sided": p.two_sided, "untested": p.untested,
                           "sentinels": [vars(s) for s in p.sentinels]} for p in self.parts]}


def check_relation(claim: Claim, check: Any) -> str:
    """The relation a check asserts between observed and claimed (``==`` for estimates, identities)."""
    from .checks.relation import resolve_relation

    relation = getattr(check, "relation", "==")
    try:
        return resolve_relation(claim, relation)
    except (KeyError, ValueError):
        return "=="


def _sentinel_variant(claim: Claim, part: str, label: str, value: Any) -> Claim:
    return replace(claim.replace(variant=f"sentinel {part}: {label}", **{part: value}), status="claim")


def audit(claims: Sequence[Claim], settings: Settings, jobs: int = 1,
          on_progress: Callable[[int, int], None] | None = None) -> list[ClaimAudit]:
    """Audit the liveness of every part of ``claims`` (see the module docstring)."""
    from .runner import run

    base = run(list(claims), replace(settings, track_reads=True, stop_at_kill=False), jobs=jobs)
    audits: list[ClaimAudit] = []
    variants: list[tuple[ClaimAudit, PartAudit, str, Claim]] = []
    for claim, result in zip(claims, base):
        entry = ClaimAudit(claim.id, claim.status, result.verdict.value)
        audits.append(entry)
        if not result.verdict.ok:
            bad = "; ".join(f"{c.kind}: {c.message}" for c in result.checks if not c.verdict.ok)
            entry.problem = f"the claim itself is not green ({result.verdict.value}): {bad}"
            continue
        for name in claim.parts:
            readers = [i for i in sorted(result.parts_read) if name in result.parts_read[i]]
            read_by = [f"[{i}] {claim.checks[i].describe()}" for i in readers]
            two_sided = bool(readers) and all(check_relation(claim, claim.checks[i]) != "==" for i in readers)
            part = PartAudit(name, read_by, two_sided=two_sided, untested=dict(claim.untested).get(name, ""))
            entry.parts.append(part)
            if not read_by:
                part.problem = "dead part: no check reads it (declaration error)"
                continue
            if claim.is_erratum:
                continue  # an erratum fails as printed: a sentinel failing proves nothing
            options = sentinels(claim.parts[name], two_sided)
            if not options:
                part.problem = (f"no sentinel can be built for a part of type {type(claim.parts[name]).__name__}; "
                                "make it a number, a relation or a callable")
            for label, value in options:
                variants.append((entry, part, label, _sentinel_variant(claim, name, label, value)))
    results = run([v for *_, v in variants], replace(settings, stop_at_kill=True), jobs=jobs,
                  on_progress=on_progress) if variants else []
    for (entry, part, label, _), result in zip(variants, results):
        killers = [f"{c.kind}" + (f" ({c.label})" if c.label else "") for c in result.checks
                   if c.verdict in (Verdict.FAILED, Verdict.ERROR)]
        killed = result.verdict in (Verdict.FAILED, Verdict.ERROR)
        message = next((c.message for c in result.checks if c.verdict in (Verdict.FAILED, Verdict.ERROR)), "")
        if killed and all(c.verdict is not Verdict.FAILED for c in result.checks):
            message = "killed by an error only: " + message
        part.sentinels.append(SentinelOutcome(label, result.verdict.value, killed, killers, message[:300]))
    return audits
