"""Terminal output of ``run`` and ``mutants``: a line stream, a progress bar, failures, a count line.

Every line that names a claim is written whole: ids and reproduce commands are never truncated or
wrapped, whatever ``COLUMNS`` says, so that CI logs can be grepped and a reproduce line pasted.

* One line per claim as it concludes (``toy/numeric-1 PASSED 0.12s [ 14%]``), pytest style, in a
  pipe, in CI (``CI=true``) and in a terminal alike.
* In a terminal (stderr a TTY and not CI) a transient progress bar on stderr counts claims, names
  the claim that the oldest unfinished work belongs to, and estimates the time left.
* After the run: each failure with its counterexample (observed, claimed, margin, the instance,
  the Hypothesis-shrunk example and how to replay it) and its reproduce command, then a count line
  ``== 1 failed, 99 passed, 12 xfail, 3 proved in 41.2s ==``.
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from typing import Any, Iterable, Sequence, TextIO

from .verdict import Verdict

CI_VARIABLES = ("GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD", "TEAMCITY_VERSION")
COUNT_ORDER = ("failed", "unexpected-pass", "error", "passed", "proved", "xfail", "skipped")
MUTANT_ORDER = ("survived", "error", "killed")
COLOURS = {"passed": "green", "proved": "green", "killed": "green", "xfail": "yellow", "skipped": "white",
           "failed": "red", "unexpected-pass": "red", "survived": "red", "error": "magenta"}


def in_ci() -> bool:
    """Whether we run under CI: ``CI`` set to a true value, or a known CI's own variable."""
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    return any(os.environ.get(name) for name in CI_VARIABLES)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def mutant_word(result) -> str:
    """``killed`` when some check refuted the mutant; ``survived`` when all passed; else ``error``."""
    if result.verdict is Verdict.FAILED:
        return "killed"
    if result.verdict is Verdict.ERROR:
        return "error"
    return "survived"


def outcome_word(result, mutant_mode: bool) -> str:
    if mutant_mode and result.variant:
        return mutant_word(result)
    return result.verdict.value


def is_bad(result, mutant_mode: bool) -> bool:
    """Whether a result makes the run fail (a survivor, in mutant mode)."""
    if mutant_mode and result.variant:
        return result.verdict is not Verdict.FAILED
    return not result.verdict.ok


def display_name(result) -> str:
    return result.claim.id + (f" [mutant: {result.variant}]" if result.variant else "")


def count_line(words: Iterable[str], seconds: float, mutant_mode: bool = False, prefix: str = "") -> str:
    """``== 1 failed, 99 passed, 12 xfail, 3 proved in 41.2s ==`` (pytest's closing line)."""
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    order = MUTANT_ORDER + tuple(w for w in COUNT_ORDER if w not in MUTANT_ORDER) if mutant_mode else COUNT_ORDER
    parts = [f"{counts[w]} {w}" for w in order if counts.get(w)]
    parts += [f"{n} {w}" for w, n in counts.items() if w not in order]
    body = ", ".join(parts) or "no claims ran"
    return f"== {prefix}{body} in {seconds:.1f}s =="


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def printable(text: Any) -> str:
    """Text safe for a terminal or CI log: control characters (escape sequences) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def compact(value: Any, limit: int = 400) -> str:
    """A one-line JSON rendering of an instance or value, cut (with its length) past ``limit``."""
    text = json.dumps(value, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


def failure_lines(result, mutant_mode: bool) -> list[str]:
    """What a failing claim (or surviving mutant) prints: per check the counterexample, then how to
    reproduce it. The reproduce line is one physical line, never wrapped."""
    word = outcome_word(result, mutant_mode)
    lines = [f"__ {display_name(result)}: {word} __"]
    if result.failed_dependencies:
        lines.append(f"  depends on claims that did not pass: {', '.join(result.failed_dependencies)}")
    for index, check in enumerate(result.checks):
        if check.verdict in (Verdict.PASSED, Verdict.PROVED) and not (mutant_mode and word == "survived"):
            continue
        lines.append(f"  [{index}] {check.kind}{' (' + check.label + ')' if check.label else ''}: "
                     f"{check.verdict.value}: {printable(check.message)}")
        worst = check.worst if isinstance(check.worst, dict) else None
        if worst and check.verdict in (Verdict.FAILED, Verdict.ERROR):
            if worst.get("observed") is not None or worst.get("claimed") is not None:
                lines.append(f"      observed: {compact(worst.get('observed'), 200)}")
                lines.append(f"      claimed:  {compact(worst.get('claimed'), 200)}")
            margin = worst.get("margin")
            if isinstance(margin, (int, float)) and math.isfinite(margin):
                lines.append(f"      margin:   {worst.get('margin')} (> 0 violates; tolerance: "
                             f"{check.tolerance or 'see check'})")
            if worst.get("instance"):
                lines.append(f"      instance #{worst.get('index')}: {compact(worst['instance'])}")
            shrunk = (worst.get("details") or {}).get("shrunk_counterexample")
            if shrunk:
                lines.append(f"      shrunk (Hypothesis): {compact(shrunk, 2000)}")
                literal = json.dumps({k: v for k, v in shrunk.items() if k != "regime"}, default=str)
                from .claimdirs import replay_env

                lines.append(f"      replay: {replay_env()}python -c 'import theorycheck as tc; print(tc.replay("
                             f"{json.dumps(result.claim.id)}, {index}, {literal}))'")
    if result.reproduce:
        lines.append(f"  reproduce: {result.reproduce}")
    return lines


class LiveOutput:
    """Streams one line per concluded claim to stdout and, in a terminal, draws a progress bar on
    stderr. Use as a context manager; pass :meth:`claim_done` and :meth:`tick` to the runner."""

    def __init__(self, claims: Sequence, mutant_mode: bool, out: TextIO | None = None,
                 err: TextIO | None = None, bar: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.mutant_mode = mutant_mode
        self.order = [(c.id, c.variant) for c in claims]
        self.total = len(self.order)
        self.done: set[tuple[str, str]] = set()
        self.results: list = []
        self.started = time.monotonic()
        self.task_fraction = 0.0
        self.colour = _isatty(self.out) and not in_ci() and "NO_COLOR" not in os.environ
        self.bar_wanted = (_isatty(self.err) and not in_ci()) if bar is None else bar
        self.progress = None
        self.bar_task = None

    # -- context management ------------------------------------------------------------------
    def __enter__(self) -> "LiveOutput":
        if self.bar_wanted and self.total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("ETA {task.fields[eta]}"), TextColumn("{task.fields[running]}"),
                console=Console(file=self.err), transient=True, auto_refresh=False,
                redirect_stdout=False, redirect_stderr=False)
            self.progress.__enter__()
            self.bar_task = self.progress.add_task("claims", total=self.total, eta="?", running=self._running())
            self.progress.refresh()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)
            self.progress = None

    # -- runner callbacks --------------------------------------------------------------------
    def claim_done(self, result) -> None:
        self.done.add((result.claim.id, result.variant))
        self.results.append(result)
        word = outcome_word(result, self.mutant_mode)
        pct = 100 * len(self.done) // max(1, self.total)
        shown = word.upper()
        if self.colour:
            import click

            shown = click.style(shown, fg=COLOURS.get(word), bold=is_bad(result, self.mutant_mode))
        line = f"{display_name(result)} {shown} {result.seconds:.2f}s [{pct:3d}%]"
        if self.progress is not None and _isatty(self.out):
            # the bar and the lines share the terminal: print above the bar, without rich's wrapping
            self.progress.console.file.write("\r\x1b[2K")
        self.out.write(line + "\n")
        self.out.flush()
        self._refresh()

    def tick(self, done_tasks: int, total_tasks: int) -> None:
        self.task_fraction = done_tasks / max(1, total_tasks)
        self._refresh()

    def _running(self) -> str:
        """The claim the oldest unfinished work belongs to (cut to fit beside the bar)."""
        for key in self.order:
            if key not in self.done:
                name = key[0] + (f" [{key[1]}]" if key[1] else "")
                return name if len(name) <= 36 else name[:35] + "…"
        return ""

    def _eta(self) -> str:
        fraction = max(self.task_fraction, len(self.done) / max(1, self.total))
        if fraction <= 0:
            return "?"
        left = (time.monotonic() - self.started) * (1 - fraction) / fraction
        return f"{int(left // 60)}:{int(left % 60):02d}"

    def _refresh(self) -> None:
        if self.progress is not None:
            self.progress.update(self.bar_task, completed=len(self.done), eta=self._eta(), running=self._running())
            self.progress.refresh()


def print_summary(results: Sequence, mutant_mode: bool, seconds: float, load_failures: Sequence = (),
                  out: TextIO | None = None, prefix: str = "", baseline: Sequence = ()) -> None:
    """Failures with their counterexamples, then the count line."""
    out = out or sys.stdout
    bad = [r for r in results if is_bad(r, mutant_mode)]
    bad_baseline = [r for r in baseline if not r.verdict.ok]
    if bad or load_failures or bad_baseline:
        out.write("\n=== failures ===\n")
    for r in bad_baseline:
        out.write(f"__ {r.claim.id}: the claim itself is not green ({r.verdict.value}); its mutants prove nothing __\n")
        out.write("\n".join(failure_lines(r, False)[1:]) + "\n")
    for r in bad:
        out.write("\n".join(failure_lines(r, mutant_mode)) + "\n")
    for r in results if not mutant_mode else ():
        if r.failed_dependencies and not is_bad(r, mutant_mode):
            out.write(f"note: {display_name(r)} is {outcome_word(r, mutant_mode)} but depends on claims that did "
                      f"not pass: {', '.join(r.failed_dependencies)}\n")
    for f in load_failures:
        what = f.describe() if hasattr(f, "describe") else f"{f.module}: {f.message.strip()}"
        out.write(f"__ {f.id}: error __\n  claim module {what}\n")
    words = [outcome_word(r, mutant_mode) for r in results] + ["error"] * len(load_failures)
    if baseline:
        words += ["claim not green"] * len(bad_baseline)
    out.write(count_line(words, seconds, mutant_mode, prefix) + "\n")
    out.flush()
