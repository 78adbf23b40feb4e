"""Reports: ``report.json`` is the source of truth; ``junit.xml`` and ``report.md`` are views of it.

Every file is written to a temporary file in the same folder and renamed into place, so an
interrupted run leaves the previous report intact and never a half-written file.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape, quoteattr

from .context import Settings
from .runner import ClaimResult
from .verdict import Verdict

LIBRARIES = ("theorycheck", "numpy", "scipy", "sympy", "torch", "cvxpy", "clarabel", "scs", "hypothesis")


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def build_report(results: Sequence[ClaimResult], settings: Settings, command: str, started: float,
                 jobs: int, load_failures: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        counts[r.verdict.value] += 1
    for _ in load_failures:
        counts[Verdict.ERROR.value] += 1
    return {
        "theorycheck": _version("theorycheck"),
        "git_commit": _git_commit(),
        "command": command,
        "seed": settings.seed,
        "profile": settings.profile,
        "device": settings.device,
        "jobs": jobs,
        "instances_override": settings.instances,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "wall_seconds": time.time() - started,
        "summary": dict(counts),
        "ok": all(r.verdict.ok for r in results) and not load_failures,
        "load_failures": list(load_failures),
        "claims": [r.to_json() for r in results],
        "timings": slowest_checks(results, 10),
    }


def slowest_checks(results: Sequence[ClaimResult], n: int) -> list[dict[str, Any]]:
    rows = [{"claim": r.claim.id, "variant": r.variant, "check": c.kind + (f" ({c.label})" if c.label else ""),
             "seconds": c.seconds} for r in results for c in r.checks]
    return sorted(rows, key=lambda row: -row["seconds"])[:n]


def to_junit(report: dict[str, Any]) -> str:
    cases = []
    for c in report["claims"]:
        name = c["id"] + (f" [mutant: {c['variant']}]" if c["variant"] else "")
        body = ""
        detail = "\n".join(f"{k['kind']}: {k['verdict']}: {k['message']}" for k in c["checks"])
        if c["verdict"] in ("failed", "unexpected-pass"):
            body = f"<failure message={quoteattr(c['verdict'])}>{escape(detail)}\n{escape(c['reproduce'])}</failure>"
        elif c["verdict"] == "error":
            body = f"<error message={quoteattr('error')}>{escape(detail)}</error>"
        elif c["verdict"] == "skipped":
            body = "<skipped/>"
        cases.append(f'  <testcase classname={quoteattr(c["id"].split("/")[0])} name={quoteattr(name)} '
                     f'time="{c["seconds"]:.3f}">{body}</testcase>')
    for f in report["load_failures"]:
        cases.append(f'  <testcase classname={quoteattr(f["source_key"])} name={quoteattr(f["id"])}>'
                     f'<error message="import failed">{escape(f["message"])}</error></testcase>')
    fails = sum(c["verdict"] in ("failed", "unexpected-pass") for c in report["claims"])
    errors = sum(c["verdict"] == "error" for c in report["claims"]) + len(report["load_failures"])
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<testsuite name="theorycheck" tests="{len(cases)}" failures="{fails}" errors="{errors}" '
            f'time="{report["wall_seconds"]:.3f}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def to_markdown(report: dict[str, Any]) -> str:
    lines = [f"# theorycheck report", "",
             f"`{report['command']}` — seed {report['seed']}, profile {report['profile']}, device "
             f"{report['device']}, {report['wall_seconds']:.1f} s, commit {report['git_commit'] or 'n/a'}", "",
             "Summary: " + ", ".join(f"{v} {k}" for k, v in sorted(report["summary"].items())), ""]
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in report["claims"]:
        by_source[c["id"].split("/")[0]].append(c)
    for source, claims in by_source.items():
        lines += [f"## {source}", "", "| claim | variant | verdict | checks | seconds |", "|---|---|---|---|---|"]
        for c in claims:
            checks = "; ".join(f"{k['kind']}: {k['verdict']}" for k in c["checks"])
            lines.append(f"| `{c['id']}` | {c['variant'] or '—'} | **{c['verdict']}** | {checks} | {c['seconds']:.2f} |")
        lines.append("")
        for c in claims:
            if c["verdict"] not in ("proved", "passed", "skipped") and not c["variant"]:
                lines.append(f"- `{c['id']}` {c['verdict']}: " + "; ".join(k["message"] for k in c["checks"]
                                                                           if k["verdict"] not in ("passed", "proved")))
                lines.append(f"  reproduce: `{c['reproduce']}`")
        lines.append("")
    if report["load_failures"]:
        lines += ["## Modules that failed to load", ""]
        lines += [f"- `{f['module']}`: {f['message'].strip().splitlines()[-1]}" for f in report["load_failures"]]
    return "\n".join(lines) + "\n"


def write_reports(report: dict[str, Any], folder: Path, stem: str = "report") -> list[Path]:
    junit = "junit.xml" if stem == "report" else f"{stem}-junit.xml"
    paths = [folder / f"{stem}.json", folder / junit, folder / f"{stem}.md"]
    texts = [json.dumps(report, indent=1, sort_keys=False, allow_nan=False), to_junit(report), to_markdown(report)]
    for path, text in zip(paths, texts):
        write_atomic(path, text)
    return paths


TIMING_KEYS = {"seconds", "wall_seconds", "started", "timings", "solve_time", "solver_seconds", "command", "jobs"}


def without_timings(value: Any) -> Any:
    """A report (or part of one) with every timing and invocation field removed, for comparisons."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value
