"""Verdicts and their aggregation.

A check yields one verdict; a claim's verdict is the worst of its checks, then mapped through the
claim's status: an erratum (false as printed) that fails is ``xfail``; one that passes is
``unexpected-pass``, which counts as a failure.
"""
from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    PROVED = "proved"
    PASSED = "passed"
    XFAIL = "xfail"
    SKIPPED = "skipped"
    UNEXPECTED_PASS = "unexpected-pass"
    FAILED = "failed"
    ERROR = "error"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def ok(self) -> bool:
        """Whether this verdict lets a run exit 0."""
        return self in (Verdict.PROVED, Verdict.PASSED, Verdict.XFAIL, Verdict.SKIPPED)


_SEVERITY = {
    Verdict.PROVED: 0,
    Verdict.PASSED: 1,
    Verdict.XFAIL: 2,
    Verdict.SKIPPED: 3,
    Verdict.UNEXPECTED_PASS: 4,
    Verdict.FAILED: 5,
    Verdict.ERROR: 6,
}


def worst(verdicts: list[Verdict]) -> Verdict:
    """The most severe verdict; an empty list is an error (a claim must have checks)."""
    if not verdicts:
        return Verdict.ERROR
    return max(verdicts, key=lambda v: v.severity)


def claim_verdict(check_verdicts: list[Verdict], erratum: bool) -> Verdict:
    """Aggregate check verdicts into a claim verdict, honouring the claim's status."""
    raw = worst(check_verdicts)
    if not erratum:
        return raw
    if raw is Verdict.FAILED:
        return Verdict.XFAIL
    if raw in (Verdict.PROVED, Verdict.PASSED):
        return Verdict.UNEXPECTED_PASS
    return raw
