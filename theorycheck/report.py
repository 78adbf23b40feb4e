"""Reports: ``report.json`` is the source of truth; ``junit.xml`` and ``report.md`` are views of it.

Every file is written to a temporary file in the same folder and renamed into place, so an
interrupted run leaves the previous report intact and never a half-written file.
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from .context import Settings
from .fingerprint import claims_commit
from .runner import ClaimResult
from .verdict import Verdict

SCHEMA_VERSION = 2  # 2: schema_version, figures, html, baseline (mutants)
LIBRARIES = ("theorycheck", "numpy", "scipy", "sympy", "torch", "cvxpy", "clarabel", "scs", "hypothesis")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; a report is an ordinary file
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


def _claims_git_commit(results: Sequence[ClaimResult]) -> str | None:
    """The commit of the repository the claims come from (the first one, when there are several)."""
    commits = [c for c in claims_commit([r.claim for r in results]).values() if c]
    return commits[0] if commits else None


def build_report(results: Sequence[ClaimResult], settings: Settings, command: str, started: float,
                 jobs: int, load_failures: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        counts[r.verdict.value] += 1
    for _ in load_failures:
        counts[Verdict.ERROR.value] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "theorycheck": _version("theorycheck"),
        "git_commit": _claims_git_commit(results),
        "claims_git_commits": claims_commit([r.claim for r in results]),
        "theorycheck_git_commit": _git_commit(),
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
        "claims": [_claim_json(r) for r in results],
        "timings": slowest_checks(results, 10),
    }


def _claim_json(result: ClaimResult) -> dict[str, Any]:
    data = result.to_json()
    data.setdefault("statement", result.claim.statement)
    data.setdefault("hypotheses", [str(h) for h in result.claim.hypotheses])
    return data


def slowest_checks(results: Sequence[ClaimResult], n: int) -> list[dict[str, Any]]:
    rows = [{"claim": r.claim.id, "variant": r.variant, "check": c.kind + (f" ({c.label})" if c.label else ""),
             "seconds": c.seconds} for r in results for c in r.checks]
    return sorted(rows, key=lambda row: -row["seconds"])[:n]


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Text XML 1.0 can hold: control characters (invalid even escaped) become ``\\xNN``."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _is_mutants(report: dict[str, Any]) -> bool:
    return "baseline" in report or any(c.get("variant") for c in report["claims"])


def _case_outcome(c: dict[str, Any], mutants: bool) -> str:
    """``passed``/``failure``/``error``/``skipped``/``xfail`` for one JUnit testcase."""
    if mutants and c.get("variant"):
        return {"failed": "passed", "error": "error"}.get(c["verdict"], "failure")  # killed = pass
    return {"proved": "passed", "passed": "passed", "xfail": "xfail", "skipped": "skipped",
            "failed": "failure", "unexpected-pass": "failure", "error": "error"}[c["verdict"]]


def to_junit(report: dict[str, Any]) -> str:
    """JUnit XML (the pytest flavour CI servers read). For ``mutants``: a killed mutant passes and a
    survivor is a failure; an erratum failing as documented is ``<skipped type="pytest.xfail">``."""
    import xml.etree.ElementTree as ET

    mutants = _is_mutants(report)
    suite = ET.Element("testsuite", name="theorycheck-mutants" if mutants else "theorycheck")
    props = ET.SubElement(suite, "properties")
    for key in ("seed", "profile", "device", "git_commit", "command"):
        ET.SubElement(props, "property", name=key, value=xml_text(report.get(key)))
    counts = {"failure": 0, "error": 0, "skipped": 0}

    def case(classname: str, name: str, seconds: float, outcome: str, message: str, text: str) -> None:
        el = ET.SubElement(suite, "testcase", classname=xml_text(classname), name=xml_text(name),
                           time=f"{seconds:.3f}")
        if outcome == "passed":
            return
        if outcome in ("xfail", "skipped"):
            counts["skipped"] += 1
            child = ET.SubElement(el, "skipped", message=xml_text(message))
            if outcome == "xfail":
                child.set("type", "pytest.xfail")
        else:
            counts[outcome] += 1
            child = ET.SubElement(el, outcome, message=xml_text(message))
        child.text = xml_text(text)

    for b in report.get("baseline", []):
        if b["verdict"] not in ("proved", "passed", "xfail", "skipped"):
            case(b["id"].split("/")[0], f"{b['id']} [the claim itself]", 0.0, "error",
                 f"the claim itself is not green ({b['verdict']}): its mutants prove nothing", b.get("reproduce", ""))
    for c in report["claims"]:
        name = c["id"] + (f" [mutant: {c['variant']}]" if c["variant"] else "")
        outcome = _case_outcome(c, mutants)
        detail = "\n".join(f"[{i}] {k['kind']}: {k['verdict']}: {k['message']}" for i, k in enumerate(c["checks"]))
        if mutants and c["variant"]:
            message = {"passed": "killed", "failure": "survived: every check passed",
                       "error": "error"}.get(outcome, outcome)
        else:
            message = {"xfail": "erratum: " + (c.get("erratum_note") or "fails as documented")}.get(outcome, c["verdict"])
        case(c["id"].split("/")[0], name, float(c["seconds"]), outcome, message, f"{detail}\nreproduce: {c['reproduce']}")
    for f in report["load_failures"]:
        case(f["source_key"], f["id"], 0.0, "error", "import failed", f["message"])
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", f"{report['wall_seconds']:.3f}")
    suite.set("timestamp", report.get("started", ""))
    root = ET.Element("testsuites", {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")})
    root.set("name", suite.get("name"))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def md_cell(value: Any) -> str:
    """A Markdown table cell: pipes escaped, line breaks flattened."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def to_markdown(report: dict[str, Any]) -> str:
    mutants = _is_mutants(report)
    words = {}
    for c in report["claims"]:
        word = ("killed" if c["verdict"] == "failed" else "error" if c["verdict"] == "error" else "survived") \
            if (mutants and c["variant"]) else c["verdict"]
        words[(c["id"], c["variant"])] = word
    counts: dict[str, int] = defaultdict(int)
    for w in words.values():
        counts[w] += 1
    if report["load_failures"]:
        counts["error"] += len(report["load_failures"])
    lines = ["# theorycheck " + ("mutants report" if mutants else "report"), "",
             f"`{report['command']}` — seed {report['seed']}, profile {report['profile']}, device "
             f"{report['device']}, {report['wall_seconds']:.1f} s, commit {report['git_commit'] or 'n/a'}", "",
             "Summary: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), ""]
    if report.get("html"):
        lines += [f"Full report with statements, figures and the dependency graph: [{report['html']}]({report['html']})", ""]
    bad_base = [b for b in report.get("baseline", []) if b["verdict"] not in ("proved", "passed", "xfail", "skipped")]
    if bad_base:
        lines += ["## Claims that are not green (their mutants prove nothing)", ""]
        lines += [f"- `{b['id']}`: {b['verdict']}; reproduce: `{b['reproduce']}`" for b in bad_base] + [""]
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in report["claims"]:
        by_source[c["id"].split("/")[0]].append(c)
    for source, claims in by_source.items():
        head = "| claim | mutant | outcome | checks | seconds |" if mutants else "| claim | verdict | checks | seconds |"
        lines += [f"## {source}", "", head, "|---|---|---|---|---|" if mutants else "|---|---|---|---|"]
        for c in claims:
            checks = md_cell("; ".join(f"{k['kind']}: {k['verdict']}" for k in c["checks"]))
            word = words[(c["id"], c["variant"])]
            cells = [f"`{md_cell(c['id'])}`"] + ([md_cell(c["variant"] or "—")] if mutants else [])
            cells += [f"**{word}**", checks, f"{c['seconds']:.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        for c in claims:
            word = words[(c["id"], c["variant"])]
            if word in ("failed", "unexpected-pass", "error", "survived"):
                name = c["id"] + (f" [mutant: {c['variant']}]" if c["variant"] else "")
                lines.append(f"- `{name}` {word}: " + "; ".join(
                    k["message"] for k in c["checks"] if word == "survived" or k["verdict"] not in ("passed", "proved")))
                lines.append(f"  reproduce: `{c['reproduce']}`")
        figures = [(c["id"], f) for c in claims for f in c.get("figures", [])]
        if figures:
            lines += ["", "Figures:", ""] + [f"- `{cid}`: [{Path(f).name}]({f})" for cid, f in figures]
        lines.append("")
    if report["load_failures"]:
        lines += ["## Modules that failed to load", ""]
        lines += [f"- `{f['module']}`: {f['message'].strip().splitlines()[-1]}" for f in report["load_failures"]]
    return "\n".join(lines) + "\n"


def clean_stale_artefacts(folder: Path, keep: set[str], older_than: float) -> list[Path]:
    """Remove files under ``folder/artefacts`` that this run did not write or reference."""
    removed = []
    art = folder / "artefacts"
    if not art.is_dir():
        return removed
    for path in art.iterdir():
        rel = f"artefacts/{path.name}"
        try:
            if path.is_file() and rel not in keep and path.stat().st_mtime < older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed


def write_reports(report: dict[str, Any], folder: Path, stem: str = "report", results=None,
                  settings: Settings | None = None) -> list[Path]:
    """Write ``STEM.json``, the JUnit XML and ``STEM.md`` (and, for a run, the figures and
    ``report.html``), each atomically; stale artefacts of earlier runs are removed."""
    folder = Path(folder)
    junit = "junit.xml" if stem == "report" else f"{stem}-junit.xml"
    paths = [folder / f"{stem}.json", folder / junit, folder / f"{stem}.md"]
    html_text = None
    if results is not None and stem == "report":
        from .html_report import to_html
        from .plotting import report_figures

        figures = report_figures(results, folder, settings, int(report.get("jobs") or 1))
        for c in report["claims"]:
            c["figures"] = figures.get((c["id"], c["variant"]), [])
        report["html"] = "report.html"
        html_text = to_html(report, folder)
        clean_stale_artefacts(folder, {f for fs in figures.values() for f in fs},
                              time.time() - report["wall_seconds"] - 5)
    texts = [json.dumps(report, indent=1, sort_keys=False, allow_nan=False), to_junit(report), to_markdown(report)]
    if html_text is not None:
        paths.append(folder / "report.html")
        texts.append(html_text)
    for path, text in zip(paths, texts):
        write_atomic(path, text)
    return paths


TIMING_KEYS = {"seconds", "started", "timings", "solve_time", "command", "jobs"}  # and every "*_seconds"


def without_timings(value: Any) -> Any:
    """A report (or part of one) with every timing and invocation field removed, for comparisons."""
    if isinstance(value, dict):
        return {k: _without_report_dir(v) if k == "reproduce" else without_timings(v)
                for k, v in value.items() if k not in TIMING_KEYS and not str(k).endswith("_seconds")}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def _without_report_dir(command: Any) -> Any:
    """A reproduce command less its ``--report-dir`` (where the run wrote, an invocation detail)."""
    return re.sub(r" --report-dir \S+$", "", command) if isinstance(command, str) else command
