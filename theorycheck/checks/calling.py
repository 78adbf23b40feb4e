"""Calling declared functions with the arguments they ask for.

Claim functions take their positional arguments (the instance; for Monte Carlo also ``n`` and the
sampler, for a rate the sweep point and the sampler, ...) and then any of ``ctx`` (the check
context: seeded streams, device) and ``parts`` (the claim's named parts, so that every check kind
can run a replaceable formula or algorithm) by parameter name.
"""
from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any, Callable, Mapping

INJECTABLE = ("ctx", "parts")


@lru_cache(maxsize=None)
def _wanted(fn: Callable, positional: int) -> tuple[str, ...]:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return ()
    return tuple(p for p in params[positional:] if p in INJECTABLE)


def call(fn: Callable, *args: Any, ctx: Any = None, parts: Mapping[str, Any] | None = None) -> Any:
    """``fn(*args, ...)`` passing ``ctx``/``parts`` when its signature names them."""
    available = {"ctx": ctx, "parts": parts}
    return fn(*args, **{name: available[name] for name in _wanted(fn, len(args))})
