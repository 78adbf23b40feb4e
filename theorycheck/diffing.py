"""Compare two ``report.json`` files: regressions, weakened checks, improvements and edits.

A *regression* makes ``theorycheck diff`` exit 1: a verdict that was fine and is not (pass ->
fail), a claim or check removed, or a check *weakened*: fewer instances, a wider band (rtol or
atol grown) or less power (the smallest change of the claimed side it refutes grown by more than
``POWER_SLACK``). Everything else that differs (new claims, fixed claims, edited code whose checks
are as strong, stronger checks) is listed and exits 0. Runs under another seed, profile or library
versions are compared with a warning, since their numbers need not match.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POWER_SLACK = 0.01  # power figures of the same code and seed are identical; 1 % absorbs rounding
POWER_KEYS = ("smallest_refuted_relative_change", "smallest_refuted_exponent_change")
OK_VERDICTS = ("proved", "passed", "xfail", "skipped")


@dataclass(frozen=True)
class Difference:
    name: str
    message: str
    regression: bool


def _name(key: tuple[str, str]) -> str:
    return key[0] + (f" [{key[1]}]" if key[1] else "")


def _check_name(index: int, check: dict[str, Any]) -> str:
    return f"check [{index}] {check.get('kind', '?')}" + (f" ({check['label']})" if check.get("label") else "")


def _power(check: dict[str, Any]) -> float | None:
    power = check.get("power") or {}
    for key in POWER_KEYS:
        value = power.get(key)
        if isinstance(value, (int, float)):
            return float(value)
    return None


def compare_checks(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, bool]]:
    """``(message, weakened)`` for each way check ``new`` differs in strength from ``old``."""
    notes: list[tuple[str, bool]] = []
    n_old, n_new = old.get("instances", 0), new.get("instances", 0)
    if n_new < n_old:
        notes.append((f"fewer instances {n_old} -> {n_new}", True))
    elif n_new > n_old:
        notes.append((f"more instances {n_old} -> {n_new}", False))
    d_old, d_new = old.get("declared") or {}, new.get("declared") or {}
    for key in ("rtol", "atol"):
        a, b = d_old.get(key), d_new.get(key)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != b:
            notes.append((f"band {key} {a:.3g} -> {b:.3g}", b > a))
    p_old, p_new = _power(old), _power(new)
    if p_old is not None and p_new is not None and p_old != p_new:
        weaker = p_new > p_old * (1 + POWER_SLACK) + 1e-300
        stronger = p_new < p_old * (1 - POWER_SLACK)
        if weaker or stronger:
            notes.append((f"power: smallest refuted change {p_old:.3g} -> {p_new:.3g}", weaker))
    elif p_old is not None and p_new is None:
        notes.append(("power figure lost", True))
    return notes


def compare(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[Difference], list[str]]:
    """Differences between two reports and warnings about what makes them incomparable."""
    warnings = []
    for key in ("seed", "profile", "instances_override"):
        if before.get(key) != after.get(key):
            warnings.append(f"{key} differs: {before.get(key)!r} -> {after.get(key)!r}")
    libs_a, libs_b = before.get("libraries") or {}, after.get("libraries") or {}
    for lib in sorted(set(libs_a) | set(libs_b)):
        if libs_a.get(lib) != libs_b.get(lib):
            warnings.append(f"{lib} version differs: {libs_a.get(lib)} -> {libs_b.get(lib)}")
    old = {(c["id"], c.get("variant", "")): c for c in before["claims"]}
    new = {(c["id"], c.get("variant", "")): c for c in after["claims"]}
    diffs: list[Difference] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        name = _name(key)
        if a is None:
            diffs.append(Difference(name, f"added ({b['verdict']})", b["verdict"] not in OK_VERDICTS))
            continue
        if b is None:
            diffs.append(Difference(name, "removed", True))
            continue
        notes: list[tuple[str, bool]] = []
        if a["verdict"] != b["verdict"]:
            notes.append((f"verdict {a['verdict']} -> {b['verdict']}",
                          a["verdict"] in OK_VERDICTS and b["verdict"] not in OK_VERDICTS))
        checks_a, checks_b = a.get("checks", []), b.get("checks", [])
        if len(checks_b) < len(checks_a):
            notes.append((f"checks {len(checks_a)} -> {len(checks_b)} (a check removed)", True))
        elif len(checks_b) > len(checks_a):
            notes.append((f"checks {len(checks_a)} -> {len(checks_b)} (a check added)", False))
        for i, (ca, cb) in enumerate(zip(checks_a, checks_b)):
            if ca.get("kind") != cb.get("kind"):
                notes.append((f"{_check_name(i, ca)} replaced by {cb.get('kind')}", False))
                continue
            notes += [(f"{_check_name(i, cb)}: {m}", w) for m, w in compare_checks(ca, cb)]
        if a.get("fingerprint") != b.get("fingerprint"):
            notes.append(("edited (statement, parts' code or a check's declaration)", False))
        if notes:
            regression = any(w for _, w in notes)
            diffs.append(Difference(name, "; ".join(m for m, _ in notes), regression))
    return diffs, warnings
