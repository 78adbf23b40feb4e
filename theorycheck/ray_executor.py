"""Run tasks on a Ray cluster: the same ``(task, outcomes | TaskFailure)`` stream as the process pool.

Ray workers inherit no forked state, so each claim variant is cloudpickled once into the object
store (module-level functions travel by reference, ad-hoc lambdas of ``claim.replace`` by value)
and every task receives its variant and the run settings. At most ``slots`` tasks are in flight, so
a task is running from about when it was submitted; one that outlives ``--timeout`` is cancelled
(its worker killed), and one whose worker dies or raises comes back as a :class:`TaskFailure`.
Verdicts match the process pool because every instance is seeded by its index alone and workers
use one torch thread, as the pool's do.
"""
from __future__ import annotations

import time
from typing import Any, Iterator, Sequence

from .claim import Claim
from .context import Settings
from .pool import TaskFailure, single_threaded


def _execute_remote(variant: Claim, settings: Settings, task: Any) -> list:
    """The body of a Ray task: evaluate one chunk of one check."""
    from . import runner

    single_threaded()  # identical reductions whatever the executor
    runner._VARIANTS[(variant.id, variant.variant)] = variant
    runner._SETTINGS[:] = [settings]
    return runner.execute_task(task)


def _cluster_slots(ray, jobs: int, started_here: bool) -> int:
    if started_here:
        return max(1, jobs)
    return max(1, int(ray.cluster_resources().get("CPU", jobs)))


def run_tasks_ray(tasks: Sequence[Any], variants: Sequence[Claim], settings: Settings, jobs: int,
                  address: str | None) -> Iterator[tuple[Any, Any]]:
    """Yield ``(task, result)`` as Ray tasks finish; ``result`` is a :class:`TaskFailure` on failure."""
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=max(1, jobs), include_dashboard=False, log_to_driver=False)
    try:
        gpus = 1 if settings.device == "cuda" else 0
        remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(_execute_remote)
        settings_ref = ray.put(settings)
        variant_refs = {(v.id, v.variant): ray.put(v) for v in variants}
        slots = _cluster_slots(ray, jobs, started_here and not address)
        pending = list(tasks)[::-1]
        running: dict[Any, tuple[Any, float]] = {}
        while pending or running:
            while pending and len(running) < slots:
                task = pending.pop()
                ref = remote.remote(variant_refs[(task.claim_id, task.variant)], settings_ref, task)
                running[ref] = (task, time.monotonic())
            done, _ = ray.wait(list(running), num_returns=1, timeout=0.2)
            for ref in done:
                task, _ = running.pop(ref)
                yield task, _result(ray, ref)
            yield from _expire(ray, running, settings.timeout)
    finally:
        if started_here:
            ray.shutdown()


def _result(ray, ref) -> Any:
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        return TaskFailure(f"{type(exc.cause).__name__ if exc.cause else 'RayTaskError'}: {exc}")
    except ray.exceptions.RayError as exc:
        return TaskFailure(f"Ray worker failed ({type(exc).__name__}): out of memory, killed or lost: {exc}")


def _expire(ray, running: dict[Any, tuple[Any, float]], timeout: float | None) -> Iterator[tuple[Any, Any]]:
    if timeout is None:
        return
    now = time.monotonic()
    for ref, (task, submitted) in list(running.items()):
        if now - submitted > timeout:
            ray.cancel(ref, force=True)
            del running[ref]
            yield task, TaskFailure(f"timed out after {timeout:g} s (--timeout); Ray worker killed")
