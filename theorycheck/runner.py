"""Plan claims x checks x instance chunks, execute them, and conclude each check.

The plan is split into tasks of instance chunks; every instance is reproducible from
``(seed, claim id, check index, instance index)`` and every check is concluded in the main process
from all its outcomes, sorted by index, so verdicts do not depend on ``--jobs`` or the executor.
A variant (mutant) uses the same instances as its claim.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .checks.base import CheckResult, Outcome, jsonable
from .claim import Claim
from .context import Context, Settings
from .fingerprint import declared
from .pool import TaskFailure, TaskSkipped, default_memory_limit, run_tasks
from .schedule import chunks_per_check, order_tasks, warm_up
from .verdict import Verdict, claim_verdict

_VARIANTS: dict[tuple[str, str], Claim] = {}
_SETTINGS: list[Settings] = []


class Interrupted(KeyboardInterrupt):
    """The run was interrupted; ``results`` holds the claims whose checks had all finished."""

    def __init__(self, results: list["ClaimResult"]) -> None:
        super().__init__("interrupted")
        self.results = results


@dataclass(frozen=True)
class Task:
    claim_id: str
    variant: str
    check_index: int
    indices: tuple[int, ...]


@dataclass
class ClaimResult:
    claim: Claim
    verdict: Verdict
    checks: list[CheckResult]
    seconds: float
    failed_dependencies: list[str] = field(default_factory=list)
    reproduce: str = ""
    parts_read: dict[int, set[str]] = field(default_factory=dict)  # check index -> parts (tracked runs)

    @property
    def variant(self) -> str:
        return self.claim.variant

    def to_json(self) -> dict[str, Any]:
        c = self.claim
        return jsonable({
            "id": c.id, "variant": c.variant, "title": c.title, "status": c.status,
            "verdict": self.verdict.value, "source": c.source.cite(), "tags": list(c.tags),
            "depends_on": list(c.depends_on), "failed_dependencies": self.failed_dependencies,
            "fingerprint": c.fingerprint(), "seconds": self.seconds, "reproduce": self.reproduce,
            "scope": c.scope, "erratum_note": c.erratum_note, "corrects": c.corrects,
            "checks": [{**r.to_json(), "declared": declared(check)} for r, check in zip(self.checks, c.checks)],
        })


def execute_task(task: Task) -> list[Outcome]:
    """Run one chunk (in a worker); the claim variant and settings were set before forking."""
    claim = _VARIANTS[(task.claim_id, task.variant)]
    check = claim.checks[task.check_index]
    ctx = Context(_SETTINGS[0], claim.id, task.check_index, space_slot(claim, task.check_index))
    start = time.perf_counter()
    if not _SETTINGS[0].track_reads:
        return _count_shrinking(check.evaluate_many(claim, task.indices, ctx), start)
    tracked, reads = tracking(claim)
    outcomes = check.evaluate_many(tracked, task.indices, ctx)
    for out in outcomes:
        out.reads = tuple(sorted(reads))
    return _count_shrinking(outcomes, start)


def _count_shrinking(outcomes: list[Outcome], start: float) -> list[Outcome]:
    """Charge the chunk's time outside its instances (Hypothesis shrinking a counterexample) to the
    outcome that carries the shrunk example, so that it counts in the check's time."""
    extra = time.perf_counter() - start - sum(o.seconds for o in outcomes)
    shrunk = next((o for o in outcomes if "shrunk_counterexample" in (o.details or {})), None)
    if shrunk is not None and extra > 0:
        shrunk.seconds += extra
        shrunk.details["shrink_seconds"] = extra
    return outcomes


def tracking(claim: Claim) -> tuple[Claim, set[str]]:
    """The claim with parts that record each name looked up, and the set they record into."""
    from dataclasses import replace

    from .liveness import TrackedParts

    reads: set[str] = set()
    return replace(claim, parts=TrackedParts(claim.parts, reads)), reads


def space_slot(claim: Claim, check_index: int) -> int | None:
    """Index of the first check of ``claim`` that draws from the same space as check ``check_index``."""
    space = getattr(claim.checks[check_index], "space", None)
    if space is None:
        return None
    return next(j for j, c in enumerate(claim.checks) if getattr(c, "space", None) is space)


def plan(claims: Sequence[Claim], settings: Settings, jobs: int) -> list[Task]:
    tasks = []
    for claim in claims:
        for ci, check in enumerate(claim.checks):
            n = check.count(settings)
            indices = list(range(n))
            if settings.only_instance is not None:
                indices = [settings.only_instance] if settings.only_instance < n else []
            chunk = max(1, math.ceil(len(indices) / chunks_per_check(claim, check, jobs)))
            for start in range(0, len(indices), chunk):
                tasks.append(Task(claim.id, claim.variant, ci, tuple(indices[start:start + chunk])))
    return order_tasks(tasks, claims, settings)  # longest first: no long check left alone at the end


def reproduce_command(claim: Claim, settings: Settings, index: int | None) -> str:
    """A shell command that re-runs exactly this claim (and instance), pasteable as one line.

    It names the claim modules of one's own it needs (``THEORYCHECK_MODULES``, ``--claims``) and
    writes to its own report folder, ``<report dir>/reproduce``, so it never overwrites this run's.
    """
    import shlex

    from .claimdirs import CLAIM_DIRS, ONLY_USER, user_modules

    q = shlex.quote
    modules = user_modules()
    prefix = f"THEORYCHECK_MODULES={q(','.join(modules))} " if modules else ""
    verb = f"mutants {q(claim.id)} --mutant {q(claim.variant)}" if claim.variant else f"run {q(claim.id)}"
    cmd = f"{prefix}theorycheck {verb} --seed {settings.seed} --profile {settings.profile}"
    if settings.instances is not None:
        cmd += f" --instances {settings.instances}"
    if index is not None:
        cmd += f" --instance {index}"
    for folder in CLAIM_DIRS:
        cmd += f" --claims {q(folder)}"
    if ONLY_USER[0]:
        cmd += " --only-user"
    report_dir = Path(settings.report_dir)
    own = report_dir if report_dir.name == "reproduce" else report_dir / "reproduce"
    return cmd + f" --report-dir {q(str(own))}"


def conclude(claim: Claim, outcomes: dict[int, list[Outcome]], failures: dict[int, str],
             settings: Settings, skipped: dict[int, str] | None = None) -> ClaimResult:
    results = []
    parts_read: dict[int, set[str]] = {}
    for ci, check in enumerate(claim.checks):
        start = time.perf_counter()
        partial = outcomes.get(ci, [])
        parts_read[ci] = {name for o in partial for name in o.reads}
        if skipped and ci in skipped and ci not in failures and not any(o.ok is False for o in partial):
            results.append(CheckResult(kind=check.kind, label=check.label, verdict=Verdict.SKIPPED,
                                       message=skipped[ci]))
            continue
        if settings.only_instance is not None and settings.only_instance >= check.count(settings):
            results.append(CheckResult(kind=check.kind, label=check.label, verdict=Verdict.SKIPPED,
                                       message=f"--instance {settings.only_instance}: this check has "
                                               f"{check.count(settings)} instance(s)"))
            continue
        if ci in failures:
            results.append(CheckResult(kind=check.kind, label=check.label, verdict=Verdict.ERROR,
                                       message=failures[ci].strip().splitlines()[0][:500],
                                       evidence={"detail": failures[ci][-2000:]}))
            continue
        outs = sorted(outcomes.get(ci, []), key=lambda o: o.index)
        concluding, reads = tracking(claim) if settings.track_reads else (claim, set())
        try:
            result = check.conclude(concluding, outs, settings)
        except Exception as exc:  # noqa: BLE001 - a conclusion that raises is an error verdict
            result = CheckResult(kind=check.kind, label=check.label, verdict=Verdict.ERROR,
                                 message=f"concluding raised {type(exc).__name__}: {exc}")
        result.seconds = sum(o.seconds for o in outs) + time.perf_counter() - start
        result.outcomes = outs  # per-instance values for the report's figures; not serialised
        parts_read[ci] |= reads
        results.append(result)
    verdict = claim_verdict([r.verdict for r in results], claim.is_erratum)
    first_bad = next((r.worst for r in results if r.verdict in (Verdict.FAILED, Verdict.ERROR) and r.worst), None)
    index = first_bad.get("index") if isinstance(first_bad, dict) else None
    return ClaimResult(claim=claim, verdict=verdict, checks=results,
                       seconds=sum(r.seconds for r in results),
                       reproduce=reproduce_command(claim, settings, index), parts_read=parts_read)


def instance_out_of_range(claims: Sequence[Claim], settings: Settings) -> str | None:
    """Why ``--instance K`` cannot reproduce anything for some claim (K beyond all its checks)."""
    k = settings.only_instance
    if k is None:
        return None
    for claim in claims:
        largest = max((check.count(settings) for check in claim.checks), default=0)
        if k >= largest:
            return (f"--instance {k} is beyond every check of {claim.id}"
                    + (f" [{claim.variant}]" if claim.variant else "") + f" (instances 0..{largest - 1})")
    return None


EXECUTORS = ("process", "ray")


def dispatch(tasks: list[Task], settings: Settings, jobs: int, executor: str, address: str | None,
             skip: Callable[[Task], str | None] | None = None):
    """Yield ``(task, outcomes | TaskFailure | TaskSkipped)`` from the chosen executor."""
    if executor == "process":
        memory = None
        if settings.device == "cpu":
            memory = settings.memory_limit or default_memory_limit(jobs)
        return run_tasks(execute_task, tasks, jobs, settings.timeout, memory, skip)
    if executor == "ray":
        from .ray_executor import run_tasks_ray

        return run_tasks_ray(tasks, list(_VARIANTS.values()), settings, jobs, address)
    raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")


def run(claims: Sequence[Claim], settings: Settings, jobs: int = 1,
        on_progress: Callable[[int, int], None] | None = None, executor: str = "process",
        address: str | None = None, on_claim: Callable[[ClaimResult], None] | None = None) -> list[ClaimResult]:
    """Run every check of every claim (variants included) and return one result per claim.

    ``on_claim(result)`` is called as each claim's last task comes back (the CLI's line stream);
    an exception it raises ends the run like an interrupt (``-x`` raises one).
    """
    _VARIANTS.clear()
    _VARIANTS.update({(c.id, c.variant): c for c in claims})
    _SETTINGS[:] = [settings]
    tasks = plan(claims, settings, jobs)
    warm_up(claims, jobs)  # once here, before the workers fork, rather than once in every worker
    outcomes: dict[tuple[str, str], dict[int, list[Outcome]]] = {}
    failures: dict[tuple[str, str], dict[int, str]] = {}
    skipped: dict[tuple[str, str], dict[int, str]] = {}
    remaining: dict[tuple[str, str], int] = {}
    for task in tasks:
        remaining[(task.claim_id, task.variant)] = remaining.get((task.claim_id, task.variant), 0) + 1
    done = 0
    concluded: dict[tuple[str, str], ClaimResult] = {}
    killed: set[tuple[str, str]] = set()

    def skip(task: Task) -> str | None:
        if (task.claim_id, task.variant) in killed:
            return "not run: another check already refuted this variant (mutants stop at the first kill)"
        return None

    stream = dispatch(tasks, settings, jobs, executor, address, skip if settings.stop_at_kill else None)
    try:
        for task, result in stream:
            key = (task.claim_id, task.variant)
            if isinstance(result, TaskFailure):
                failures.setdefault(key, {})[task.check_index] = result.message
            elif isinstance(result, TaskSkipped):
                skipped.setdefault(key, {})[task.check_index] = result.reason
            else:
                outcomes.setdefault(key, {}).setdefault(task.check_index, []).extend(result)
                if any(o.ok is False for o in result):
                    killed.add(key)
            remaining[key] -= 1
            done += 1
            if on_claim is not None and remaining[key] == 0:
                concluded[key] = conclude(_VARIANTS[key], outcomes.get(key, {}), failures.get(key, {}), settings,
                                          skipped.get(key, {}))
                on_claim(concluded[key])
            if on_progress:
                on_progress(done, len(tasks))
    except KeyboardInterrupt:
        # close the executor now (its workers are killed and release the output pipes), not when
        # the exception's traceback is finally released
        getattr(stream, "close", lambda: None)()
        finished = [c for c in claims if remaining.get((c.id, c.variant), 0) == 0]
        raise Interrupted(_conclude_all(finished, outcomes, failures, skipped, settings, concluded)) from None
    return _conclude_all(claims, outcomes, failures, skipped, settings, concluded)


def _conclude_all(claims, outcomes, failures, skipped, settings, concluded=None) -> list[ClaimResult]:
    concluded = concluded or {}
    results = [concluded.get((c.id, c.variant)) or
               conclude(c, outcomes.get((c.id, c.variant), {}), failures.get((c.id, c.variant), {}), settings,
                        skipped.get((c.id, c.variant), {}))
               for c in claims]
    mark_dependencies(results)
    return results


def mark_dependencies(results: Iterable[ClaimResult]) -> None:
    """Record, for each claim, which of its dependencies did not pass in this run."""
    results = list(results)
    verdicts = {r.claim.id: r.verdict for r in results if not r.variant}
    for r in results:
        r.failed_dependencies = [d for d in r.claim.depends_on if d in verdicts and not verdicts[d].ok]
