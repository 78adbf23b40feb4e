"""Calling declared functions with the arguments they ask for.

Claim functions take the instance first, then any of ``ctx`` (the check context: seeded streams,
device), ``parts`` (the claim's named parts, so an observed side can run a replaceable algorithm)
by parameter name: ``f(inst)``, ``f(inst, ctx)``, ``f(inst, parts)``, ``f(inst, ctx, parts)``.
"""
from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any, Callable, Mapping

INJECTABLE = ("ctx", "parts")


@lru_cache(maxsize=None)
def _wanted(fn: Callable) -> tuple[str, ...]:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return ()
    return tuple(p for p in params[1:] if p in INJECTABLE)


def call(fn: Callable, inst: Any, ctx: Any = None, parts: Mapping[str, Any] | None = None) -> Any:
    """Call ``fn(inst, ...)`` passing ``ctx``/``parts`` when its signature names them."""
    available = {"ctx": ctx, "parts": parts}
    return fn(inst, **{name: available[name] for name in _wanted(fn)})
