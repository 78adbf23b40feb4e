"""Shared statistics of `tools`: high-probability claims tested by violation frequencies.

Conventions of this source (thesis appendix §.2): ``n`` is the sample size, ``delta`` the failure
probability, ``R_n`` the expected and ``R_S`` the empirical Rademacher complexity with the ``1/n``
inside (``R_S(G) = E_sigma sup_g (1/n) sum_i sigma_i g(z_i)``), ``log`` is natural.

A claim "with probability >= 1 - delta the event E holds" is refuted when the one-sided
Clopper-Pearson LOWER confidence bound of the violation frequency exceeds ``delta``. When the claim
holds, that happens with probability at most ``FAMILY_ALPHA`` over a whole check (Bonferroni over
its instances): this is the stated false-fail rate. An upper bound would make a check that fails
on true claims whose violation probability sits just below delta; the lower bound cannot.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from theorycheck import Tolerance

FAMILY_ALPHA = 1e-4


def clopper_pearson_lower(violations: int, trials: int, alpha: float) -> float:
    """The one-sided (1 - alpha) Clopper-Pearson lower bound of a binomial proportion."""
    if violations == 0:
        return 0.0
    return float(stats.beta.ppf(alpha, violations, trials - violations + 1))


def family_size(ctx, declared: int) -> int:
    """Instances in this run (``--instances`` overrides the declared count; Bonferroni follows it)."""
    return ctx.settings.instances or declared


def frequency_tolerance(comparisons: int) -> Tolerance:
    """No band on top of the confidence bound: the test level is the principle."""
    return Tolerance(0.0, 0.0, principle=(
        f"one-sided Clopper-Pearson lower bound of each violation frequency at level {FAMILY_ALPHA:g}/{comparisons} "
        f"(Bonferroni over the declared instances x compared quantities; --instances rescales it): "
        f"family false-fail rate <= {FAMILY_ALPHA:g}"))


def generator(seed: int, device: str):
    """A torch generator for the instance's own Monte-Carlo stream (seed drawn with the instance)."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen


def mean_abs_rademacher_sum(kmax: int) -> np.ndarray:
    """``E|eps_1 + ... + eps_k|`` for k = 0..kmax, exactly from the binomial law."""
    out = np.zeros(kmax + 1)
    for k in range(1, kmax + 1):
        j = np.arange(k + 1)
        out[k] = float(np.sum(stats.binom.pmf(j, k, 0.5) * np.abs(2 * j - k)))
    return out
