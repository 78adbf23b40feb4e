"""Claim objects: what a paper states, in executable form.

A claim's *parts* are the named, replaceable pieces of what the paper asserts (the claimed formula,
an exponent, the relation). Checks read parts by name, so :meth:`Claim.replace` yields a variant
(e.g. a mutant) that runs through exactly the same checks::

    wrong = claim.replace(claimed=lambda i: ...)      # same checks, different claimed side
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace as dc_replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from .checks.base import Check

ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*/[a-z][a-z0-9-]*-[A-Za-z0-9][A-Za-z0-9.\-]*$")
STATUSES = ("claim", "erratum")


class ClaimDeclarationError(ValueError):
    """A claim declaration is malformed (raised at load time, naming the claim)."""


@dataclass(frozen=True)
class Source:
    """Where a claim is printed: seed file, label and equations (and line numbers)."""

    seed: str
    label: str
    equations: str = ""
    lines: str = ""
    also: str = ""  # e.g. the thesis label of a paper result

    def cite(self) -> str:
        bits = [self.seed, self.label]
        if self.equations:
            bits.append(f"eqs. {self.equations}")
        if self.lines:
            bits.append(f"l. {self.lines}")
        if self.also:
            bits.append(f"also {self.also}")
        return ", ".join(bits)


@dataclass(frozen=True)
class Mutant:
    """A wrong variant of a claim: the parts it replaces and why it is wrong."""

    name: str
    description: str
    replacements: Mapping[str, Any]


def mutant(name: str, description: str, **replacements: Any) -> Mutant:
    """Declare a mutant: ``mutant("p vs 1-p", "retain/drop swap", claimed=fn)``."""
    if not replacements:
        raise ClaimDeclarationError(f"mutant {name!r} replaces no part")
    return Mutant(name=name, description=description, replacements=dict(replacements))


@dataclass(frozen=True)
class Claim:
    """A claim of a source, with its checks and mutants."""

    id: str
    title: str
    source: Source
    statement: str
    checks: Sequence["Check"]
    parts: Mapping[str, Any]
    mutants: Sequence[Mutant] = ()
    hypotheses: Sequence[str] = ()
    tags: Sequence[str] = ()
    depends_on: Sequence[str] = ()
    status: str = "claim"
    corrects: str = ""  # for a corrected claim: the erratum id it corrects
    erratum_note: str = ""  # for an erratum: what is wrong as printed, and the counterexample
    scope: str = ""  # when the claim cannot be checked as stated: what is checked instead
    variant: str = ""  # "" for the claim itself, else the mutant/variant name
    # parts whose 10 % change the checks cannot refute (a loose bound), with the reason; the
    # liveness audit reports their surviving sentinels with it instead of failing
    untested: Mapping[str, str] = field(default_factory=dict)

    @property
    def claimed(self) -> Any:
        return self.parts["claimed"]

    @property
    def source_key(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def is_erratum(self) -> bool:
        return self.status == "erratum"

    def replace(self, variant: str = "custom", **parts: Any) -> "Claim":
        """A variant with the named parts replaced; it runs through the same checks."""
        unknown = sorted(set(parts) - set(self.parts))
        if unknown:
            raise KeyError(
                f"{self.id}: no part named {', '.join(unknown)} (parts: {', '.join(self.parts)})"
            )
        return dc_replace(self, parts={**self.parts, **parts}, variant=variant)

    def mutated(self, m: Mutant) -> "Claim":
        """The mutant as a plain claim (status ``claim``): it is killed when its checks fail."""
        return dc_replace(self.replace(variant=m.name, **m.replacements), status="claim")

    def mutant_named(self, name: str) -> Mutant:
        for m in self.mutants:
            if m.name == name:
                return m
        raise KeyError(f"{self.id} has no mutant {name!r} (mutants: {[m.name for m in self.mutants]})")

    def fingerprint(self) -> str:
        """Hash of what decides the verdict: statement, parts' code and every check's declaration
        (code normalised, so comment-only edits do not change it); see :mod:`theorycheck.fingerprint`."""
        from .fingerprint import claim_fingerprint

        return claim_fingerprint(self)


def validate(claim: Claim) -> None:
    """Raise :class:`ClaimDeclarationError` naming the claim if its declaration is malformed."""
    where = f"claim {claim.id!r}"
    if not ID_PATTERN.match(claim.id):
        raise ClaimDeclarationError(
            f"{where}: malformed id; expected '<source>/<kind>-<number>' such as 'bias/theorem-2.4'"
        )
    if claim.status not in STATUSES:
        raise ClaimDeclarationError(f"{where}: status must be one of {STATUSES}, not {claim.status!r}")
    if not claim.checks:
        raise ClaimDeclarationError(f"{where}: declares no check")
    if not claim.mutants:
        raise ClaimDeclarationError(f"{where}: declares no mutant (every claim must be able to fail)")
    if "claimed" not in claim.parts:
        raise ClaimDeclarationError(f"{where}: has no part named 'claimed'")
    if claim.is_erratum and not claim.erratum_note:
        raise ClaimDeclarationError(f"{where}: an erratum must say what is wrong (erratum_note)")
    names = [m.name for m in claim.mutants]
    if len(set(names)) != len(names):
        raise ClaimDeclarationError(f"{where}: duplicate mutant names {names}")
    for m in claim.mutants:
        unknown = set(m.replacements) - set(claim.parts)
        if unknown:
            raise ClaimDeclarationError(f"{where}: mutant {m.name!r} replaces unknown part(s) {sorted(unknown)}")
    unknown = set(claim.untested) - set(claim.parts)
    if unknown:
        raise ClaimDeclarationError(f"{where}: untested names unknown part(s) {sorted(unknown)}")
    for name, reason in claim.untested.items():
        if not str(reason).strip():
            raise ClaimDeclarationError(f"{where}: untested part {name!r} needs a reason")
    for check in claim.checks:
        check.validate(claim)


def declare(
    id: str,
    *,
    title: str,
    source: Source,
    statement: str,
    claimed: Any,
    checks: Sequence["Check"],
    mutants: Sequence[Mutant],
    parts: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Claim:
    """Build a :class:`Claim`; ``claimed`` is the main replaceable part, ``parts`` any others."""
    all_parts = {"claimed": claimed, **(parts or {})}
    return Claim(
        id=id, title=title, source=source, statement=statement, checks=tuple(checks),
        parts=all_parts, mutants=tuple(mutants), **fields,
    )
