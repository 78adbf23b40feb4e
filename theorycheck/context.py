"""Run settings and the per-check context: seeds, device, artefact folder.

Every random stream is derived from ``(seed, claim id, check index, instance index, stream)`` so an
instance reproduces on its own, whatever the number of jobs or the order of execution.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .instances import stable_hash

PROFILES = ("quick", "full")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Settings:
    """What the user asked for; validated by the CLI before a run starts."""

    seed: int = 0
    profile: str = "quick"
    instances: int | None = None
    device: str = "cpu"
    timeout: float | None = 300.0
    report_dir: Path = Path("reports")
    only_instance: int | None = None  # reproduce exactly one instance
    memory_limit: int | None = None  # address-space cap per worker in bytes (None: a default)
    stop_at_kill: bool = False  # for mutants: skip a variant's remaining work once a check failed
    track_reads: bool = False  # record which parts each check reads (the liveness audit)

    @property
    def full(self) -> bool:
        return self.profile == "full"


def resolve_device(requested: str) -> str:
    """``auto`` -> ``cuda`` when available else ``cpu``; ``cuda`` without CUDA is an error."""
    if requested not in DEVICES:
        raise ValueError(f"unknown device {requested!r}; choose one of {', '.join(DEVICES)}")
    if requested == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise ValueError("--device cuda was asked for but CUDA is not available")
    return "cpu"


def _content(value: Any) -> str:
    return value.tobytes().hex() if isinstance(value, np.ndarray) and value.dtype != object else repr(value)


@dataclass
class Context:
    """What a check sees while evaluating instances."""

    settings: Settings
    claim_id: str
    check_index: int
    space_slot: int | None = None  # the first check of the claim drawing from the same space
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def seed_words(self) -> list[int]:
        """Seeds of this check's own random streams."""
        return [self.settings.seed, stable_hash(self.claim_id), self.check_index]

    @property
    def instance_seed_words(self) -> list[int]:
        """Seeds of the instances: shared by every check of the claim that uses the same space, so
        instance k is the same object for all of them (and expensive work on it can be reused)."""
        slot = self.check_index if self.space_slot is None else self.space_slot
        return [self.settings.seed, stable_hash(self.claim_id), slot]

    @property
    def device(self) -> str:
        return self.settings.device

    @property
    def full(self) -> bool:
        return self.settings.full

    def numpy_rng(self, index: int, stream: int = 1) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([*self.seed_words, index, stream]))

    def instance_rng(self, inst, stream: int = 0) -> np.random.Generator:
        """A generator determined by the run seed and the instance's content, not by the check.

        Two checks of a claim that share an expensive computation on the same instance (e.g. a
        multi-start optimisation, memoised) then draw the same starts whichever check runs first.
        """
        return np.random.default_rng(np.random.SeedSequence(
            [self.settings.seed, stream, stable_hash(*(_content(inst[k]) for k in sorted(inst)))]))

    def torch_generator(self, index: int, stream: int = 2):
        import torch

        gen = torch.Generator(device=self.device)
        gen.manual_seed(stable_hash(*self.seed_words, index, stream))
        return gen

    def artefact_path(self, name: str) -> Path:
        folder = Path(self.settings.report_dir) / "artefacts"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
