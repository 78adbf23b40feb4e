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


def _load(indexed: bool = False) -> registry_mod.Registry:
    """The registry; every claim module that failed to load is printed (stderr), whatever is selected.

    ``indexed`` (list, show): from the cached registry index when it is current (no claim module
    imported; see :mod:`theorycheck.index`), else by importing the modules and storing the index."""
    try:
        from .claimdirs import module_selection

        if indexed:
            from .index import load_indexed

            reg = load_indexed(module_selection())
        else:
            reg = registry_mod.load(module_selection())  # None: every module; --only-user: one's own
    except ClaimDeclarationError as exc:
        raise UsageProblem(f"invalid claim declaration: {exc}") from exc
    for f in reg.failures:
        click.echo(f"theorycheck: error: claim module {f.describe()}", err=True)
    return reg


LOAD_ERROR_EXIT = 2  # a claim module that does not load is a usage error of the whole run


def _select(reg: registry_mod.Registry, patterns: Sequence[str], tags: Sequence[str] = ()) -> tuple[list[Claim], list]:
    """The selected claims and every load failure (a broken module fails any run, not only its own)."""
    patterns = list(patterns) or ["all"]
    claims = reg.select(patterns, tags)
    for p in patterns:
        if p == "all":
            continue
        if not reg.select([p], tags) and not reg.failures_matching([p]):
            near = reg.closest(p)
            hint = f"; did you mean {', '.join(near)}?" if near else "; see 'theorycheck list'"
            if reg.failures:
                hint += f" ({len(reg.failures)} claim module(s) failed to load, see above)"
            raise UsageProblem(f"no claim matches {p!r}{hint}")
    return claims, list(reg.failures)


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


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask), not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class JobsType(click.ParamType):
    """``--jobs N`` or ``--jobs auto`` (the usable cores)."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            return usable_cores()
        try:
            jobs = int(str(value))
        except ValueError:
            self.fail(f"{value!r} is neither a whole number nor 'auto'", param, ctx)
        if not 1 <= jobs <= 512:
            self.fail(f"{jobs} is not in the range 1<=x<=512 (or 'auto')", param, ctx)
        return jobs


def _add_claim_dirs(ctx, param, values):
    from .claimdirs import add_claim_dir

    for value in values or ():
        try:
            add_claim_dir(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return values


def _only_user(ctx, param, value):
    from .claimdirs import ONLY_USER

    ONLY_USER[0] = bool(value)
    return value


ONLY_USER_OPTION = click.option(
    "--only-user", is_flag=True, callback=_only_user, expose_value=False, is_eager=True,
    help="Load only one's own claim modules (THEORYCHECK_MODULES, --claims), none of the bundled ones.")

CLAIMS_OPTION = click.option(
    "--claims", "claim_dirs", multiple=True, callback=_add_claim_dirs, expose_value=False, is_eager=True,
    metavar="DIR", help="Also load the claim modules in DIR (no PYTHONPATH needed; repeatable).")


def selection_options(fn):
    options = [
        CLAIMS_OPTION,
        ONLY_USER_OPTION,
        click.option("--exclude", "exclude", multiple=True, metavar="PATTERN",
                     help="Leave out claims matching this glob, e.g. 'bias/*' (repeatable)."),
        click.option("-k", "keyword", default=None, metavar="EXPR",
                     help="Only claims whose id or title matches EXPR: substrings with and/or/not and "
                          "parentheses, case-insensitive (as pytest -k)."),
        click.option("--lf", "--last-failed", "last_failed", is_flag=True,
                     help="Only what did not pass in the previous report in --report-dir (all if none)."),
        click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failing claim (or surviving mutant)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def run_options(fn):
    options = [
        click.option("--profile", type=click.Choice(PROFILES), default="quick", show_default=True),
        click.option("--instances", type=click.IntRange(1, 1_000_000), default=None,
                     help="Instances per randomised check (overrides the profile)."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True),
        click.option("--jobs", type=JobsType(), default="auto", show_default=True,
                     help="Worker processes; 'auto' is the number of usable cores."),
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
@CLAIMS_OPTION
@ONLY_USER_OPTION
@click.option("--tag", "tags", multiple=True, help="Only claims carrying this tag (repeatable).")
def list_claims(patterns: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """List claims (optionally matching glob PATTERNS)."""
    from rich.console import Console
    from rich.table import Table

    reg = _load(indexed=True)
    claims, failures = _select(reg, patterns, tags)
    rows = [(c.id, c.status, ",".join(k.kind for k in c.checks), str(len(c.mutants)), c.title) for c in claims]
    rows += [(f.id, "import-error", "", "", f.module) for f in failures]
    if not sys.stdout.isatty():  # a pipe or CI: whole ids, one claim a line, never wrapped
        width = max((len(r[0]) for r in rows), default=2)
        for r in rows:
            click.echo(f"{r[0]:<{width}}  {r[1]:<12} {r[2]:<24} {r[3]:>3}  {r[4]}")
    else:
        table = Table(box=None, pad_edge=False)
        table.add_column("id", no_wrap=True)
        for col in ("status", "checks", "mutants", "title"):
            table.add_column(col)
        for r in rows:
            table.add_row(*r)
        Console().print(table)
    click.echo(f"{len(claims)} claim(s)")
    if failures:
        sys.exit(LOAD_ERROR_EXIT)


def _last_checks(report_dir: str, claim_id: str) -> tuple[list[dict], str]:
    """The checks of ``claim_id`` in the last report of ``report_dir`` (and its seed/profile)."""
    import json

    try:
        data = json.loads((Path(report_dir) / "report.json").read_text(encoding="utf-8"))
        for c in data.get("claims", []):
            if c.get("id") == claim_id and not c.get("variant"):
                return c.get("checks", []), f"seed {data.get('seed')}, {data.get('profile')} profile"
    except (OSError, ValueError, AttributeError):
        pass
    return [], ""


@main.command()
@click.argument("claim_id")
@CLAIMS_OPTION
@ONLY_USER_OPTION
@click.option("--report-dir", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Where to read the last run's power figures from.")
def show(claim_id: str, report_dir: str) -> None:
    """Show a claim: statement, source, hypotheses, checks (with their power), mutants, dependencies."""
    reg = _load(indexed=True)
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
    if c.untested:
        out += ["untested (a 10 % change of these parts is not refuted):"]
        out += [f"  - {name}: {why}" for name, why in c.untested.items()]
    last, run = _last_checks(report_dir, c.id)
    out += ["checks:" + (f" (power from {Path(report_dir) / 'report.json'}, {run})" if last else
                         " (power: run the claim to measure it)")]
    for i, k in enumerate(c.checks):
        tol = getattr(getattr(k, "tolerance", None), "principle", "")
        out.append(f"  [{i}] {k.describe()}" + (f" — tolerance: {tol}" if tol else ""))
        if i < len(last) and last[i].get("kind") == k.kind:
            figure = (last[i].get("power") or {}).get("figure", "none recorded")
            out.append(f"      {last[i].get('verdict')}, {last[i].get('instances')} instance(s); power: {figure}")
    out += ["mutants:"] + [f"  - {m.name}: {m.description}" for m in c.mutants]
    out += [f"depends on: {', '.join(c.depends_on) or '—'}", f"tags: {', '.join(c.tags) or '—'}",
            f"parts: {', '.join(c.parts)}", f"fingerprint: {c.fingerprint()}"]
    click.echo("\n".join(out))


class ExitFirst(KeyboardInterrupt):
    """``-x``: the first failing claim (or surviving mutant) ends the run."""


def _execute(variants: list[Claim], settings: Settings, jobs: int, executor: str, address: str | None,
             mutant_mode: bool = False, exitfirst: bool = False):
    """Run with a line per concluded claim (and a progress bar on stderr in a terminal)."""
    from .output import LiveOutput, is_bad
    from .runner import run

    with LiveOutput(variants, mutant_mode) as live:
        def on_claim(result) -> None:
            live.claim_done(result)
            if exitfirst and is_bad(result, mutant_mode):
                raise ExitFirst()

        return run(variants, settings, jobs=jobs, on_progress=live.tick, executor=executor, address=address,
                   on_claim=on_claim)


def _keyword_matcher(expr: str):
    """pytest's ``-k``: substrings of id or title joined by and/or/not and parentheses."""
    import re

    tokens = re.findall(r"\(|\)|[^\s()]+", expr)
    if not tokens:
        raise UsageProblem("-k needs an expression, e.g. -k 'lemma and not bias'")
    words: list[str] = []
    code = []
    for tok in tokens:
        if tok in ("and", "or", "not", "(", ")"):
            code.append(tok)
        else:
            code.append(f"w[{len(words)}]")
            words.append(tok.lower())
    try:
        compiled = compile(" ".join(code), "<-k>", "eval")
        eval(compiled, {"__builtins__": {}}, {"w": [False] * len(words)})  # noqa: S307 - only and/or/not over w
    except SyntaxError as exc:
        raise UsageProblem(f"-k {expr!r} is not an expression of words with and/or/not/()") from exc

    def matches(claim: Claim) -> bool:
        text = f"{claim.id} {claim.title}".lower()
        return bool(eval(compiled, {"__builtins__": {}}, {"w": [w in text for w in words]}))  # noqa: S307

    return matches


def _last_failed(report_dir: Path, stem: str) -> set[tuple[str, str]] | None:
    """``(id, variant)`` of what did not pass in the previous report; None without a report."""
    import json

    try:
        data = json.loads((report_dir / f"{stem}.json").read_text(encoding="utf-8"))
        rows = data["claims"] + data.get("baseline", [])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    bad = set()
    for row in rows:
        variant = row.get("variant", "")
        ok = row["verdict"] == "failed" if variant else row["verdict"] in ("proved", "passed", "xfail", "skipped")
        if not ok:
            bad.add((row["id"], variant))
    bad |= {(f["id"], "") for f in data.get("load_failures", [])}
    return bad


def _narrow(claims: list[Claim], failures: list, exclude: Sequence[str], keyword: str | None,
            last: set[tuple[str, str]] | None = None, variants: bool = False):
    """Apply --exclude, -k and --lf to the selection (claims, or variants when ``variants``)."""
    import fnmatch

    if exclude:
        claims = [c for c in claims if not any(fnmatch.fnmatchcase(c.id, p) or c.id == p for p in exclude)]
        failures = [f for f in failures if not any(fnmatch.fnmatchcase(f.id, p) for p in exclude)]
    if keyword:
        matches = _keyword_matcher(keyword)
        claims = [c for c in claims if matches(c)]
    if last:
        if variants:
            claims = [c for c in claims if (c.id, c.variant) in last or (c.id, "") in last]
        else:
            claims = [c for c in claims if (c.id, "") in last]
        failures = [f for f in failures if (f.id, "") in last]
    return claims, failures


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
                    executor="process", address=None, exitfirst=False) -> int:
    from .output import is_bad, print_summary
    from .report import build_report, write_reports
    from .runner import Interrupted, instance_out_of_range

    problem = instance_out_of_range(variants, settings)
    if problem:
        raise UsageProblem(problem)
    started = time.time()
    clock = time.monotonic()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    # a process started in the background of a non-interactive shell inherits SIGINT ignored, and
    # Python keeps it so: handle it explicitly so that Ctrl-C always ends a run cleanly
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    stopped_first = False
    try:
        results = _execute(variants, settings, jobs, executor, address, mutant_mode, exitfirst)
    except Interrupted as stop:
        if not (exitfirst and any(is_bad(r, mutant_mode) for r in stop.results)):
            print_summary(stop.results, mutant_mode, time.monotonic() - clock,
                          prefix=f"partial summary: {len(stop.results)} of {len(variants)} finished: ")
            click.echo("interrupted: no report written; the previous report in "
                       f"{settings.report_dir} was left as it was", err=True)
            return 130
        results, stopped_first = stop.results, True
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    baseline = [r for r in results if not r.variant] if mutant_mode else []
    judged = [r for r in results if r.variant] if mutant_mode else results
    if profile_time:
        _timings(results)
    report = build_report(judged, settings, "theorycheck " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
                          started, jobs, [{"module": f.module, "id": f.id, "source_key": f.source_key,
                                           "message": f.message} for f in failures])
    if mutant_mode:
        report["baseline"] = [{"id": r.claim.id, "verdict": r.verdict.value, "reproduce": r.reproduce}
                              for r in baseline]
        report["ok"] = (all(r.verdict is Verdict.FAILED for r in judged) and all(r.verdict.ok for r in baseline)
                        and not failures)
    if stopped_first:
        report["ok"] = False
        report["stopped_at_first_failure"] = True
    paths = write_reports(report, settings.report_dir, stem, results=None if mutant_mode else results,
                          settings=settings)
    print_summary(judged, mutant_mode, time.monotonic() - clock, failures, baseline=baseline,
                  prefix="stopped at the first failure (-x): " if stopped_first else "")
    click.echo(f"reports: {', '.join(str(p) for p in paths)}")
    if failures:
        return LOAD_ERROR_EXIT
    return 0 if report["ok"] else 1


@main.command("run")
@click.argument("patterns", nargs=-1, required=True)
@click.option("--tag", "tags", multiple=True)
@selection_options
@run_options
def run_cmd(patterns, tags, exclude, keyword, last_failed, exitfirst, profile, instances, seed, jobs, device,
            timeout, report_dir, instance, profile_time, executor, address, memory_limit):
    """Run claims: 'all', an id, or glob patterns such as 'bias/*'."""
    _check_executor(executor)
    reg = _load()
    claims, failures = _select(reg, patterns, tags)
    last = _last_failed(Path(report_dir), "report") if last_failed else None
    if last_failed and not last:
        click.echo("--lf: no failures in the previous report (or no report): running the whole selection", err=True)
    claims, failures = _narrow(claims, failures, exclude, keyword, last)
    if not claims and not failures:
        raise UsageProblem("no claim left after --exclude/-k/--lf")
    settings = _settings(seed, profile, instances, device, timeout, report_dir, instance, memory_limit)
    sys.exit(_run_and_report(claims, failures, settings, jobs, "report", False, profile_time, executor, address,
                             exitfirst))


@main.command("mutants")
@click.argument("patterns", nargs=-1)
@click.option("--mutant", "mutant_name", default=None, help="Only the mutant with this name.")
@click.option("--full-evidence", is_flag=True,
              help="Run every check of every mutant (default: stop a mutant at its first failing check).")
@click.option("--tag", "tags", multiple=True)
@selection_options
@run_options
def mutants_cmd(patterns, mutant_name, full_evidence, tags, exclude, keyword, last_failed, exitfirst, profile,
                instances, seed, jobs, device, timeout, report_dir, instance, profile_time, executor, address,
                memory_limit):
    """Run every mutant through its claim's checks; each must be killed (fail).

    The claims themselves run first, in the same run: a mutant of a claim that is not green proves
    nothing, so such a claim makes the run fail too.
    """
    _check_executor(executor)
    reg = _load()
    claims, failures = _select(reg, patterns, tags)
    claims, failures = _narrow(claims, failures, exclude, keyword)
    variants = [c.mutated(m) for c in claims for m in c.mutants if mutant_name in (None, m.name)]
    if last_failed:
        last = _last_failed(Path(report_dir), "mutants")
        if last:
            variants, failures = _narrow(variants, failures, (), None, last, variants=True)
        else:
            click.echo("--lf: no survivors in the previous mutants report (or none): running all", err=True)
    if not variants:
        raise UsageProblem(f"no mutant named {mutant_name!r} among the selected claims" if mutant_name
                           else "no mutant left to run among the selected claims")
    bases = {v.id for v in variants}
    baseline = [c for c in claims if c.id in bases]
    settings = replace(_settings(seed, profile, instances, device, timeout, report_dir, instance, memory_limit),
                       stop_at_kill=not full_evidence)
    sys.exit(_run_and_report(baseline + variants, failures, settings, jobs, "mutants", True, profile_time,
                             executor, address, exitfirst))


@main.command("new")
@click.argument("claim_id")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where the claim module goes (one module per source: DIR/<source>.py).")
def new_cmd(claim_id: str, folder: str) -> None:
    """Write the skeleton of claim SOURCE/KIND-NUMBER (e.g. mypaper/lemma-1) to fill in.

    It loads and fails until filled in; then run it with: theorycheck run --claims DIR --only-user all
    """
    from .scaffold import write_skeleton

    try:
        path = write_skeleton(claim_id, folder)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from exc
    except OSError as exc:
        raise UsageProblem(f"cannot write into {folder!r}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {path}: fill in claimed_*, wrong_* and the TODOs, then run\n"
               f"  theorycheck run --claims {shlex.quote(str(path.parent))} --only-user {shlex.quote(claim_id)}")


@main.command("audit")
@click.argument("patterns", nargs=-1)
@CLAIMS_OPTION
@ONLY_USER_OPTION
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
    sys.exit(LOAD_ERROR_EXIT if failures else 0 if bad == 0 else 1)


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
        for c in data["claims"]:
            c["id"], c["verdict"]
    except FileNotFoundError as exc:
        raise UsageProblem(f"no report at {path!r}") from exc
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageProblem(f"{path!r} is not a theorycheck report.json ({type(exc).__name__})") from exc
    return data


@main.command()
@click.argument("old")
@click.argument("new")
def diff(old: str, new: str) -> None:
    """Compare two report.json files; exit 1 only on regressions.

    \b
    Regressions: a verdict that was fine and is not, a claim or check removed, a check
    weakened (fewer instances, a wider band, less power). Added or fixed claims, stronger
    checks and edits of code (comments and layout ignored) are listed with exit 0.
    """
    from .diffing import compare

    diffs, warnings = compare(_read_report(old), _read_report(new))
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    for d in diffs:
        click.echo(f"{'REGRESSION' if d.regression else 'changed'}: {d.name}: {d.message}")
    regressions = sum(d.regression for d in diffs)
    click.echo(f"{len(diffs)} difference(s), {regressions} regression(s)")
    sys.exit(1 if regressions else 0)
