"""Seeded random streams for batched Monte Carlo, and exact Bernoulli-mask enumeration.

:class:`Sampler` hands claim code torch tensors drawn on the run's device from one seeded
generator, so an integrand is written once as a batched tensor expression (no loop over samples).
:func:`bernoulli_masks` enumerates all ``2**r`` masks with their probabilities, for exact
expectations at small widths.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np


@dataclass
class Sampler:
    """Random tensors of float64 (or as asked) from one ``torch.Generator`` on ``device``."""

    generator: object
    device: str

    def uniform(self, *shape: int, dtype=None):
        import torch

        return torch.rand(shape, generator=self.generator, device=self.device, dtype=dtype or torch.float64)

    def normal(self, *shape: int, dtype=None):
        import torch

        return torch.randn(shape, generator=self.generator, device=self.device, dtype=dtype or torch.float64)

    def bernoulli(self, keep_prob: float, *shape: int, dtype=None):
        """0/1 entries equal to 1 with probability ``keep_prob``."""
        return (self.uniform(*shape, dtype=dtype) < keep_prob).to(dtype or self.uniform(1).dtype)

    def rademacher(self, *shape: int, dtype=None):
        return 2.0 * self.bernoulli(0.5, *shape, dtype=dtype) - 1.0

    def tensor(self, array, dtype=None):
        """Move instance data (numpy) to the device."""
        import torch

        return torch.as_tensor(np.asarray(array, dtype=float), device=self.device, dtype=dtype or torch.float64)


def bernoulli_masks(width: int, keep_prob) -> tuple[np.ndarray, list]:
    """All masks in ``{0,1}^width`` and their probabilities ``p^|b| (1-p)^(width-|b|)``.

    ``keep_prob`` may be a float or a sympy symbol; the weights are then symbolic.
    """
    masks = np.array(list(product((0, 1), repeat=width)), dtype=int).reshape(-1, width)
    weights = [keep_prob ** int(m.sum()) * (1 - keep_prob) ** int(width - m.sum()) for m in masks]
    return masks, weights
