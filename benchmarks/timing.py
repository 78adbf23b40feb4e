"""Timing side by side: the contenders alternate within each round, so drift hits all alike."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def side_by_side(contenders: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median seconds of each contender over ``rounds`` interleaved rounds (after one warm-up)."""
    for fn in contenders.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def ratio(slow: float, fast: float) -> float:
    return slow / fast if fast > 0 else float("inf")
