"""Fingerprints of what decides a verdict, for ``theorycheck diff``.

A claim's fingerprint covers its statement, the code of its parts and every check's declaration
(kind, instance counts, tolerance, relation, space, the code of its functions). Code is normalised
before hashing: comments, blank lines and whitespace are dropped, so a comment-only edit leaves the
fingerprint unchanged while any edit of what runs changes it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import io
import subprocess
import tokenize
import types
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checks.base import Check
    from .claim import Claim

_SKIP_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                tokenize.ENCODING, tokenize.ENDMARKER}


def normalised_code(text: str) -> str:
    """The token stream of ``text`` without comments and layout (falls back to stripped lines)."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(inspect.cleandoc(text) + "\n").readline)
        return " ".join(t.string for t in tokens if t.type not in _SKIP_TOKENS)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return " ".join(line.split("#", 1)[0].strip() for line in text.splitlines() if line.strip())


def describe_value(value: Any) -> str:
    """A stable text of a declared value: normalised source for functions, repr otherwise."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__ + "(" + ", ".join(
            f"{f.name}={describe_value(getattr(value, f.name))}" for f in dataclasses.fields(value)
            if not f.name.startswith("_")) + ")"
    if isinstance(value, types.FunctionType):
        return _function_text(value)
    if callable(value) and not isinstance(value, type):
        return _source_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(describe_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe_value(v)}" for k, v in sorted(value.items(), key=str)) + "}"
    return repr(value)


def _source_text(value: Any) -> str:
    try:
        return normalised_code(inspect.getsource(value))
    except (OSError, TypeError):
        return getattr(value, "__qualname__", type(value).__name__)


@lru_cache(maxsize=None)
def _function_text(function: types.FunctionType) -> str:
    """Normalised source of a function, read and tokenised once per function object: a claim's
    variants and many checks share functions, and that is what a report's fingerprints spend their
    time on. Keyed on the function, not its code object: equal code objects (same name, line and
    bytecode in two files, or differing only in default values) can have different sources."""
    return _source_text(function)


def _digest(*texts: str) -> str:
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode())
        h.update(b"\x1f")
    return h.hexdigest()[:16]


def check_fingerprint(check: "Check") -> str:
    """Hash of a check's declaration: every field, functions by their normalised code."""
    return _digest(check.kind, describe_value(check))


def claim_fingerprint(claim: "Claim") -> str:
    """Hash of the statement, the parts' normalised code and every check's declaration."""
    return _digest(claim.statement, *(f"{name}={describe_value(claim.parts[name])}" for name in sorted(claim.parts)),
                   *(check_fingerprint(c) for c in claim.checks))


def declared(check: "Check") -> dict[str, Any]:
    """What a report records of a check's declaration, to tell a weakened check from another."""
    tolerance = getattr(check, "tolerance", None)
    out: dict[str, Any] = {"fingerprint": check_fingerprint(check)}
    if tolerance is not None:
        out.update(rtol=tolerance.rtol, atol=tolerance.atol, tolerance_scale=tolerance.scale)
    for name in ("alpha", "samples", "steps", "confidence", "slope_tolerance"):
        if hasattr(check, name):
            out[name] = getattr(check, name)
    return out


@lru_cache(maxsize=None)
def git_commit_of(folder: str) -> str | None:
    """HEAD of the git repository holding ``folder`` (None outside one)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, cwd=folder)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def claims_commit(claims: "list[Claim]") -> dict[str, str | None]:
    """Per source key, the commit of the repository its claim module lives in."""
    commits: dict[str, str | None] = {}
    for claim in claims:
        if claim.source_key in commits:
            continue
        fn = claim.parts.get("claimed")
        try:
            path = inspect.getsourcefile(fn if callable(fn) else type(claim.checks[0]))
        except TypeError:
            path = None
        if path is None:  # a numeric claimed part: the module of the first check's function
            observed = getattr(claim.checks[0], "observed", None)
            try:
                path = inspect.getsourcefile(observed) if observed is not None else None
            except TypeError:
                path = None
        commits[claim.source_key] = git_commit_of(str(Path(path).resolve().parent)) if path else None
    return commits
