"""A process pool that survives its tasks: timeouts kill the worker, dead workers are replaced.

Workers are forked (the claims, including ad-hoc variants, are inherited rather than pickled) and
each runs one task at a time over its own pipe, so the pool always knows which task a worker was
running when it hung, ran out of memory or died. Such a task comes back as a :class:`TaskFailure`
and the run goes on.
"""
from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import resource
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator


@dataclass(frozen=True)
class TaskFailure:
    """Why a task produced no result."""

    message: str


@dataclass(frozen=True)
class TaskSkipped:
    """A task that was not run because ``skip`` said it was no longer needed."""

    reason: str


def _limit_memory(limit_bytes: int | None) -> None:
    if limit_bytes:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        new = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (new, hard))


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the main process dies (even by kill -9), so none is orphaned."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:  # pragma: no cover - no libc: the main process still kills workers on exit
            pass


def _worker(conn: Connection, fn: Callable[[Any], Any], memory_limit: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles interrupts
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _limit_memory(memory_limit)
    single_threaded()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result: Any = fn(task)
        except MemoryError:
            result = TaskFailure("MemoryError: the check exhausted the worker's memory limit")
        except BaseException as exc:  # noqa: BLE001 - the worker must keep serving
            result = TaskFailure(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
        try:
            conn.send(result)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(TaskFailure(f"result could not be returned: {type(exc).__name__}: {exc}"))


def single_threaded() -> None:
    """One thread per worker for torch, OpenBLAS and OpenMP: --jobs workers then share the cores
    instead of oversubscribing them (BLAS threads busy-wait), and reductions do not depend on --jobs."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass


class _Slot:
    def __init__(self, ctx, fn, memory_limit):
        self.parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, fn, memory_limit), daemon=True)
        self.process.start()
        child.close()
        self.task: Any = None
        self.started = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.parent.close()


def run_tasks(fn: Callable[[Any], Any], tasks: Iterable[Any], jobs: int, timeout: float | None,
              memory_limit: int | None = None,
              skip: Callable[[Any], str | None] | None = None) -> Iterator[tuple[Any, Any]]:
    """Yield ``(task, result)`` as tasks finish; ``result`` is a :class:`TaskFailure` on failure and
    a :class:`TaskSkipped` for a task that ``skip(task)`` (checked just before it would start)
    gives a reason not to run."""
    ctx = mp.get_context("fork")
    pending = list(tasks)[::-1]
    slots = [_Slot(ctx, fn, memory_limit) for _ in range(max(1, min(jobs, len(pending))))]
    try:
        while pending or any(s.task is not None for s in slots):
            for i, slot in enumerate(slots):
                while slot.task is None and pending and skip is not None and (reason := skip(pending[-1])):
                    yield pending.pop(), TaskSkipped(reason)
                if slot.task is None and pending:
                    slot.task, slot.started = pending.pop(), time.monotonic()
                    try:
                        slot.parent.send(slot.task)
                    except (BrokenPipeError, OSError):
                        task = slot.task
                        slot.kill()
                        slots[i] = _Slot(ctx, fn, memory_limit)
                        pending.append(task)
            busy = [s for s in slots if s.task is not None]
            ready = wait([s.parent for s in busy] + [s.process.sentinel for s in busy], timeout=0.2)
            now = time.monotonic()
            for i, slot in enumerate(slots):
                if slot.task is None:
                    continue
                if slot.parent in ready:
                    try:
                        result = slot.parent.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        task, slot.task = slot.task, None
                        yield task, result
                        continue
                if not slot.process.is_alive() or slot.process.sentinel in ready:
                    code = slot.process.exitcode
                    task = slot.task
                    slot.kill()
                    slots[i] = _Slot(ctx, fn, memory_limit)
                    yield task, TaskFailure(f"worker process died (exit code {code}); "
                                            "out of memory or killed by a signal")
                elif timeout is not None and now - slot.started > timeout:
                    task = slot.task
                    slot.kill()
                    slots[i] = _Slot(ctx, fn, memory_limit)
                    yield task, TaskFailure(f"timed out after {timeout:g} s (--timeout); worker killed")
    finally:
        for slot in slots:
            try:
                if slot.task is None and slot.process.is_alive():
                    slot.parent.send(None)
            except (BrokenPipeError, OSError):
                pass
            slot.kill()


def default_memory_limit(jobs: int) -> int:
    """Address-space cap per worker: 80 % of physical memory shared by the workers, >= 4 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):  # pragma: no cover
        return 0
    return max(int(0.8 * total / max(jobs, 1)), 4 << 30)
