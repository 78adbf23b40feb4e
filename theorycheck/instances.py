"""Instance spaces: declared once, sampled reproducibly, searchable with Hypothesis.

A space is a *draw function* written against a small :class:`Draw` vocabulary (integers, floats,
choices, Gaussian and orthogonal matrices). The same function runs on two back ends:

* :class:`SeededDraw` (numpy ``Generator``) for reproducible sampling: instance ``k`` of a check is
  a pure function of ``(seed, claim id, check index, k)``;
* :class:`HypothesisDraw` (``st.data()``), so the space *is* a Hypothesis strategy and a
  counterexample shrinks to its smallest form for free.

Edge regimes are named strings; instance ``k`` is drawn in regime ``regimes[k % len(regimes)]`` so
every regime is covered by the first ``len(regimes)`` instances of every run.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


class Instance(dict):
    """A drawn instance: a dict of named values with attribute access (``inst.M``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def describe(self, limit: int = 6) -> dict[str, Any]:
        """A JSON-friendly summary (shapes and small values)."""
        return {k: _summarise(v, limit) for k, v in self.items()}


def _summarise(value: Any, limit: int) -> Any:
    arr = value
    if hasattr(value, "detach"):
        arr = value.detach().cpu().numpy()
    if isinstance(arr, np.ndarray):
        if arr.size <= limit * limit:
            return np.round(arr.astype(float), 6).tolist() if arr.dtype != object else str(arr)
        return {"shape": list(arr.shape), "fro": float(np.linalg.norm(arr.astype(float)))}
    if isinstance(arr, (np.floating, np.integer)):
        return arr.item()
    if isinstance(arr, (int, float, str, bool)) or arr is None:
        return arr
    if isinstance(arr, (list, tuple)) and len(arr) <= 3 * limit:
        return [_summarise(v, limit) for v in arr]
    return str(arr)[:200]


class Draw:
    """The vocabulary a draw function uses. ``regime`` names the edge regime being drawn."""

    regime: str

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def uniform(self, lo: float, hi: float) -> float:
        raise NotImplementedError

    def log_uniform(self, lo: float, hi: float) -> float:
        return float(np.exp(self.uniform(np.log(lo), np.log(hi))))

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.integer(0, len(options) - 1)]

    def normal(self, *shape: int) -> np.ndarray:
        raise NotImplementedError

    def orthogonal(self, n: int) -> np.ndarray:
        """A Haar-distributed orthogonal matrix (QR of a Gaussian, signs fixed)."""
        if n == 0:
            return np.zeros((0, 0))
        q, r = np.linalg.qr(self.normal(n, n) + 1e-12 * np.eye(n))
        signs = np.sign(np.diag(r))
        signs[signs == 0] = 1.0
        return q * signs

    def exponential(self, *shape: int) -> np.ndarray:
        """Exp(1) entries (column scales that make norms unequal)."""
        u = np.array([self.uniform(1e-12, 1.0) for _ in range(int(np.prod(shape)))])
        return -np.log(u).reshape(shape)


class _RegimeProbe:
    """Mixin recording whether a draw function looked at ``d.regime``."""

    regime_read = False

    @property
    def regime(self) -> str:
        self.regime_read = True
        return self._regime

    @regime.setter
    def regime(self, value: str) -> None:
        self._regime = value


class SeededDraw(Draw):
    """Draws from a seeded numpy generator."""

    def __init__(self, rng: np.random.Generator, regime: str) -> None:
        self.rng = rng
        self.regime = regime

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def normal(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape)

    def exponential(self, *shape: int) -> np.ndarray:
        return self.rng.standard_exponential(shape)


class _ProbedDraw(_RegimeProbe, SeededDraw):
    """A seeded draw that records whether ``regime`` was read (for :meth:`Space.validate`)."""


class HypothesisDraw(Draw):
    """Draws through Hypothesis' ``data.draw`` so that failures shrink."""

    def __init__(self, draw: Callable[[Any], Any], regime: str) -> None:
        self._draw = draw
        self.regime = regime

    def integer(self, lo: int, hi: int) -> int:
        from hypothesis import strategies as st

        return self._draw(st.integers(lo, hi))

    def uniform(self, lo: float, hi: float) -> float:
        from hypothesis import strategies as st

        return self._draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))

    def normal(self, *shape: int) -> np.ndarray:
        from hypothesis import strategies as st
        from hypothesis.extra.numpy import arrays

        elements = st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False, width=64)
        return self._draw(arrays(np.float64, shape, elements=elements))


def stable_hash(*parts: object) -> int:
    """A 63-bit hash of the parts that is stable across processes and Python versions."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


class NoValidInstance(RuntimeError):
    """Raised when rejection sampling cannot satisfy a space's hypotheses."""


@dataclass(frozen=True)
class Space:
    """An instance space.

    ``draw`` builds an instance dict from a :class:`Draw`; ``require`` states the hypotheses an
    instance must satisfy (rejection sampling, at most ``max_tries``); ``regimes`` names the edge
    regimes the draw function distinguishes through ``draw.regime``.
    """

    draw: Callable[[Draw], dict[str, Any]]
    regimes: tuple[str, ...] = ("typical",)
    require: Callable[[Instance], bool] | None = None
    description: str = ""
    max_tries: int = 200
    _strategy_cache: dict = field(default_factory=dict, compare=False, repr=False)

    def regime_of(self, index: int) -> str:
        return self.regimes[index % len(self.regimes)]

    def validate(self) -> None:
        """A space naming several regimes must draw them: its draw function reads ``d.regime``
        (checked on one draw per regime; otherwise the regime label on an instance would be false)."""
        if len(self.regimes) < 2 or self._strategy_cache.get("regimes-validated"):
            return
        if len(set(self.regimes)) != len(self.regimes):
            raise ValueError(f"space regimes {self.regimes} repeat a name")
        read = False
        for k, regime in enumerate(self.regimes):
            probe = _ProbedDraw(np.random.default_rng(np.random.SeedSequence([0, k])), regime)
            try:
                self.draw(probe)
            except Exception:  # noqa: BLE001 - a draw may reject this point; only the read matters
                pass
            read = read or probe.regime_read
        if not read:
            name = getattr(self.draw, "__qualname__", repr(self.draw))
            raise ValueError(f"space {self.description or name!r} declares regimes {self.regimes} but its draw "
                             "function never reads d.regime, so no instance would be drawn in them "
                             "(branch on d.regime, or declare a single regime)")
        self._strategy_cache["regimes-validated"] = True

    def sample(self, seed_words: Sequence[int], index: int) -> Instance:
        """Instance ``index`` from the generator seeded by ``seed_words``; reproducible."""
        regime = self.regime_of(index)
        rng = np.random.default_rng(np.random.SeedSequence([*seed_words, index]))
        for _ in range(self.max_tries):
            inst = Instance(self.draw(SeededDraw(rng, regime)))
            if self.require is None or self.require(inst):
                inst["regime"] = regime
                return inst
        raise NoValidInstance(
            f"no instance satisfying the hypotheses in {self.max_tries} draws (regime {regime!r})"
        )

    def strategy(self, regime: str | None = None):
        """A Hypothesis strategy over this space (one regime, or all of them)."""
        from hypothesis import assume
        from hypothesis import strategies as st

        regimes = (regime,) if regime else self.regimes

        @st.composite
        def instances(draw):
            chosen = draw(st.sampled_from(regimes))
            inst = Instance(self.draw(HypothesisDraw(draw, chosen)))
            if self.require is not None:
                assume(self.require(inst))
            inst["regime"] = chosen
            return inst

        return instances()
