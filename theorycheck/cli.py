"""The ``theorycheck`` command line: list, show, run and mutants.

Exit status: 0 when every claim passes (errata failing as documented count as passing) or, for
``mutants``, every mutant is killed; 1 otherwise; 2 for usage errors, with a one-line message.
"""
from __future__ import annotations

import os
import shlex
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import click

from . import registry as registry_mod
from .claim import Claim, ClaimDeclarationError
from .context import DEVICES, PROFILES, Settings, resolve_device
from .verdict import Verdict

VERDICT_STYLE = {
    "proved": "bold green", "passed": "green", "xfail": "yellow", "skipped": "dim",
    "unexpected-pass": "bold red", "failed": "bold red", "error": "bold magenta",
}


class UsageProblem(click.ClickException):
    exit_code = 2


def _load() -> registry_mod.Registry:
    try:
        return registry_mod.load()
    except ClaimDeclarationError as exc:
        raise UsageProblem(f"invalid claim declaration: {exc}") from exc


def _select(reg: registry_mod.Registry, patterns: Sequence[str], tags: Sequence[str] = ()) -> tuple[list[Claim], list]:
    patterns = list(patterns) or ["all"]
    claims = reg.select(patterns, tags)
    failures = reg.failures_matching(patterns)
    for p in patterns:
        if p == "all":
            continue
        if not reg.select([p], tags) and not reg.failures_matching([p]):
            near = reg.closest(p)
            hint = f"; did you mean {', '.join(near)}?" if near else "; see 'theorycheck list'"
            raise UsageProblem(f"no claim matches {p!r}{hint}")
    return claims, failures


def _check_report_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        raise UsageProblem(f"--report-dir {str(path)!r} is not writable: {exc.strerror or exc}") from exc
    return path


def _settings(seed, profile, instances, device, timeout, report_dir, instance, memory_limit=None) -> Settings:
    try:
        resolved = resolve_device(device)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from exc
    return Settings(seed=seed, profile=profile, instances=instances, device=resolved, timeout=timeout,
                    report_dir=_check_report_dir(Path(report_dir)), only_instance=instance,
                    memory_limit=int(memory_limit * 2**30) if memory_limit else None)


def run_options(fn):
    options = [
        click.option("--profile", type=click.Choice(PROFILES), default="quick", show_default=True),
        click.option("--instances", type=click.IntRange(1, 1_000_000), default=None,
                     help="Instances per randomised check (overrides the profile)."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True),
        click.option("--jobs", type=click.IntRange(1, 512), default=1, show_default=True),
        click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True),
        click.option("--timeout", type=click.FloatRange(0.1, 7 * 86400), default=600.0, show_default=True,
                     help="Seconds per task (a chunk of one check's instances)."),
        click.option("--report-dir", type=click.Path(file_okay=False), default="reports", show_default=True),
        click.option("--instance", type=click.IntRange(0, 10**9), default=None,
                     help="Reproduce exactly this instance index of each check."),
        click.option("--profile-time", is_flag=True, help="Print the ten slowest checks."),
        click.option("--executor", type=click.Choice(("process", "ray")), default="process", show_default=True,
                     help="Where tasks run: a local process pool, or a Ray cluster (pip install -e '.[ray]')."),
        click.option("--address", default=None, help="Ray cluster address (default: start Ray locally)."),
        click.option("--memory-limit", type=click.FloatRange(0.5, 1e6), default=None,
                     help="GiB of address space per worker on CPU (default: 80% of RAM / jobs)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="theorycheck")
def main() -> None:
    """Executable, regression-tested claims of ML-theory papers."""


@main.command("list")
@click.argument("patterns", nargs=-1)
@click.option("--tag", "tags", multiple=True, help="Only claims carrying this tag (repeatable).")
def list_claims(patterns: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """List claims (optionally matching glob PATTERNS)."""
    from rich.console import Console
    from rich.table import Table

    reg = _load()
    claims, failures = _select(reg, patterns, tags)
    table = Table(box=None, pad_edge=False)
    for col in ("id", "status", "checks", "mutants", "title"):
        table.add_column(col)
    for c in claims:
        table.add_row(c.id, c.status, ",".join(k.kind for k in c.checks), str(len(c.mutants)), c.title)
    for f in failures:
        table.add_row(f.id, "[magenta]import error[/]", "", "", f.module)
    Console().print(table)
    click.echo(f"{len(claims)} claim(s)")


@main.command()
@click.argument("claim_id")
def show(claim_id: str) -> None:
    """Show a claim: statement, source, hypotheses, checks, mutants, dependencies."""
    reg = _load()
    if claim_id not in reg.claims:
        _select(reg, [claim_id])
        raise UsageProblem(f"{claim_id!r} is a pattern; 'show' takes one claim id (try 'theorycheck list {claim_id}')")
    c = reg.claims[claim_id]
    out = [f"{c.id} — {c.title}", f"status: {c.status}", f"source: {c.source.cite()}", "statement:",
           f"  {c.statement.strip()}"]
    if c.hypotheses:
        out += ["hypotheses:"] + [f"  - {h}" for h in c.hypotheses]
    if c.scope:
        out += [f"scope: {c.scope}"]
    if c.erratum_note:
        out += [f"erratum: {c.erratum_note}"]
    if c.corrects:
        out += [f"corrects: {c.corrects}"]
    out += ["checks:"]
    for i, k in enumerate(c.checks):
        tol = getattr(getattr(k, "tolerance", None), "principle", "")
        out.append(f"  [{i}] {k.describe()}" + (f" — tolerance: {tol}" if tol else ""))
    out += ["mutants:"] + [f"  - {m.name}: {m.description}" for m in c.mutants]
    out += [f"depends on: {', '.join(c.depends_on) or '—'}", f"tags: {', '.join(c.tags) or '—'}",
            f"parts: {', '.join(c.parts)}", f"fingerprint: {c.fingerprint()}"]
    click.echo("\n".join(out))


def _execute(variants: list[Claim], settings: Settings, jobs: int, executor: str, address: str | None):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .runner import run

    with Progress(TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True, auto_refresh=False, disable=not sys.stderr.isatty()) as progress:
        bar = progress.add_task("run", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)
            progress.refresh()

        return run(variants, settings, jobs=jobs, on_progress=tick, executor=executor, address=address)


def _summary(results, title: str, mutant_mode: bool, failures=()) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=title, box=None)
    for col in ("claim", "mutant" if mutant_mode else "status", "verdict", "seconds", "evidence"):
        table.add_column(col)
    for r in results:
        verdict = r.verdict.value
        if mutant_mode:
            verdict = "killed" if r.verdict is Verdict.FAILED else f"SURVIVED ({verdict})"
        style = "green" if (mutant_mode and r.verdict is Verdict.FAILED) else VERDICT_STYLE.get(r.verdict.value, "")
        if mutant_mode and r.verdict is not Verdict.FAILED:
            style = "bold red"
        evidence = "; ".join(f"{c.kind}:{c.verdict.value}" for c in r.checks)
        table.add_row(r.claim.id, r.variant if mutant_mode else r.claim.status, f"[{style}]{verdict}[/]",
                      f"{r.seconds:.2f}", evidence)
    for f in failures:
        table.add_row(f.id, "module", "[bold magenta]error[/]", "", f"import failed: {f.module}")
    console.print(table)
    bad = [r for r in results if (r.verdict is not Verdict.FAILED if mutant_mode else not r.verdict.ok)]
    for r in bad:
        console.print(f"[bold]{r.claim.id}[/]" + (f" [mutant {r.variant}]" if r.variant else "")
                      + f": {r.verdict.value}", highlight=False)
        for c in r.checks:
            if c.verdict not in (Verdict.PASSED, Verdict.PROVED):
                console.print(f"  {c.kind}: {c.message}", highlight=False, markup=False)
        console.print(f"  reproduce: {r.reproduce}", highlight=False, markup=False)
    for f in failures:
        console.print(f"[bold]{f.module}[/] failed to load: {f.message.strip().splitlines()[-1]}", markup=False)


def _timings(results) -> None:
    from .report import slowest_checks

    click.echo("ten slowest checks:")
    for row in slowest_checks(results, 10):
        click.echo(f"  {row['seconds']:8.2f} s  {row['claim']}{' [' + row['variant'] + ']' if row['variant'] else ''}  {row['check']}")


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _check_executor(executor: str) -> None:
    if executor == "ray":
        try:
            import ray  # noqa: F401
        except ImportError as exc:
            raise UsageProblem("--executor ray needs Ray: pip install -e '.[ray]'") from exc


def _run_and_report(variants, failures, settings, jobs, stem, mutant_mode, profile_time,
                    executor="process", address=None) -> int:
    from .report import build_report, write_reports

    from .runner import Interrupted

    started = time.time()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    # a process started in the background of a non-interactive shell inherits SIGINT ignored, and
    # Python keeps it so: handle it explicitly so that Ctrl-C always ends a run cleanly
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        results = _execute(variants, settings, jobs, executor, address)
    except Interrupted as stop:
        _summary(stop.results, f"partial summary: {len(stop.results)} of {len(variants)} finished", mutant_mode)
        click.echo("interrupted: no report written; the previous report in "
                   f"{settings.report_dir} was left as it was", err=True)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    title = "mutants" if mutant_mode else "claims"
    _summary(results, title, mutant_mode, failures)
    if profile_time:
        _timings(results)
    report = build_report(results, settings, "theorycheck " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
                          started, jobs, [{"module": f.module, "id": f.id, "source_key": f.source_key,
                                           "message": f.message} for f in failures])
    if mutant_mode:
        report["ok"] = all(r.verdict is Verdict.FAILED for r in results) and not failures
    paths = write_reports(report, settings.report_dir, stem)
    click.echo(f"reports: {', '.join(str(p) for p in paths)}")
    return 0 if report["ok"] else 1


@main.command("run")
@click.argument("patterns", nargs=-1, required=True)
@click.option("--tag", "tags", multiple=True)
@run_options
def run_cmd(patterns, tags, profile, instances, seed, jobs, device, timeout, report_dir, instance, profile_time,
            executor, address, memory_limit):
    """Run claims: 'all', an id, or glob patterns such as 'bias/*'."""
    _check_executor(executor)
    reg = _load()
    claims, failures = _select(reg, patterns, tags)
    settings = _settings(seed, profile, instances, device, timeout, report_dir, instance, memory_limit)
    sys.exit(_run_and_report(claims, failures, settings, jobs, "report", False, profile_time, executor, address))


@main.command("mutants")
@click.argument("patterns", nargs=-1)
@click.option("--mutant", "mutant_name", default=None, help="Only the mutant with this name.")
@click.option("--full-evidence", is_flag=True,
              help="Run every check of every mutant (default: stop a mutant at its first failing check).")
@click.option("--tag", "tags", multiple=True)
@run_options
def mutants_cmd(patterns, mutant_name, full_evidence, tags, profile, instances, seed, jobs, device, timeout, report_dir,
                instance, profile_time, executor, address, memory_limit):
    """Run every mutant through its claim's checks; each must be killed (fail)."""
    _check_executor(executor)
    reg = _load()
    claims, failures = _select(reg, patterns, tags)
    variants = [c.mutated(m) for c in claims for m in c.mutants if mutant_name in (None, m.name)]
    if not variants:
        raise UsageProblem(f"no mutant named {mutant_name!r} among the selected claims")
    settings = replace(_settings(seed, profile, instances, device, timeout, report_dir, instance, memory_limit),
                       stop_at_kill=not full_evidence)
    sys.exit(_run_and_report(variants, failures, settings, jobs, "mutants", True, profile_time, executor, address))


@main.command("audit")
@click.argument("patterns", nargs=-1)
@click.option("--tag", "tags", multiple=True)
@click.option("--verbose", "-v", is_flag=True, help="Print every part and sentinel, not only problems.")
@run_options
def audit_cmd(patterns, tags, verbose, profile, instances, seed, jobs, device, timeout, report_dir, instance,
              profile_time, executor, address, memory_limit):
    """Liveness audit: every part is read by a check and its sentinels are killed.

    \b
    For each claim and part, sentinels replace the part and run through the same checks:
      numbers x1.1 and x0 (zero: +0.1), ints +1, bools flipped, relations flipped,
      callables returning their result x1.1 (zeros +0.1).
    A part read by an equality check (==, Monte Carlo, symbolic, convex, rate) must have
    every sentinel killed. A part read only by inequality checks is also tried x1/1.1
    (ints -1): at least one of the two 10 % changes must be killed (x0 is reported only).
    A part no check reads is a declaration error. A loose bound may declare
    declare(..., untested={"part": "why a 10 % change cannot be refuted"}): its survivors
    are then reported with that reason. Errata: only reads are audited.
    Exit 0 when every selected claim is live; writes REPORT_DIR/audit.json.
    """
    import json

    from .liveness import audit
    from .report import write_atomic

    reg = _load()
    claims, failures = _select(reg, patterns, tags)
    settings = _settings(seed, profile, instances, device, timeout, report_dir, instance, memory_limit)
    started = time.time()
    audits = audit(claims, settings, jobs=jobs)
    bad = 0
    for a in audits:
        if a.ok and not verbose:
            continue
        bad += not a.ok
        click.echo(f"{'ok  ' if a.ok else 'FAIL'} {a.claim_id} ({a.status}, {a.verdict})" + (f": {a.problem}" if a.problem else ""))
        for p in a.parts:
            if p.ok and not verbose:
                continue
            click.echo(f"     part {p.name!r}: read by {', '.join(p.read_by) or 'no check'}" + (f" -- {p.problem}" if p.problem else ""))
            for s in p.sentinels:
                if s.killed and not verbose:
                    continue
                what = f"killed by {', '.join(s.killed_by)}" if s.killed else f"SURVIVED ({s.verdict})"
                click.echo(f"       sentinel {s.label}: {what}")
    sentinel_count = sum(len(p.sentinels) for a in audits for p in a.parts)
    killed = sum(s.killed for a in audits for p in a.parts for s in p.sentinels)
    path = Path(settings.report_dir) / "audit.json"
    write_atomic(path, json.dumps({"seed": seed, "profile": profile, "claims": [a.to_json() for a in audits],
                                        "load_failures": [f.id for f in failures]}, indent=1))
    click.echo(f"== {len(audits) - bad} of {len(audits)} claims live, {killed} of {sentinel_count} sentinels killed "
               f"in {time.time() - started:.1f}s == (report: {path})")
    sys.exit(0 if bad == 0 and not failures else 1)


def entry() -> None:
    """Console entry point: click errors become one-line messages with exit status 2."""
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        message = exc.format_message().replace("\n", " ")
        click.echo(f"theorycheck: error: {message}", err=True)
        sys.exit(2 if isinstance(exc, (click.UsageError, UsageProblem)) or exc.exit_code == 2 else exc.exit_code)


def _read_report(path: str) -> dict:
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        claims = {(c["id"], c.get("variant", "")): c for c in data["claims"]}
    except FileNotFoundError as exc:
        raise UsageProblem(f"no report at {path!r}") from exc
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageProblem(f"{path!r} is not a theorycheck report.json ({type(exc).__name__})") from exc
    return claims


@main.command()
@click.argument("old")
@click.argument("new")
def diff(old: str, new: str) -> None:
    """Compare two report.json files: changed verdicts and edited claims (fingerprints)."""
    before, after = _read_report(old), _read_report(new)
    changed = 0
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        name = key[0] + (f" [{key[1]}]" if key[1] else "")
        if a is None or b is None:
            click.echo(f"{'added' if a is None else 'removed'}: {name}")
            changed += 1
            continue
        notes = []
        if a["verdict"] != b["verdict"]:
            notes.append(f"verdict {a['verdict']} -> {b['verdict']}")
        if a.get("fingerprint") != b.get("fingerprint"):
            notes.append("statement or claimed side edited")
        if notes:
            changed += 1
            click.echo(f"changed: {name}: {'; '.join(notes)}")
    click.echo(f"{changed} difference(s)")
    sys.exit(1 if changed else 0)
