"""Lemma 1 (the expectation is kept) and Lemma 2 (the variance of one coordinate)."""
from __future__ import annotations

import itertools

import numpy as np

from theorycheck import MonteCarlo, Relation, Source, Space, declare, float_tolerance, mutant

SOURCE = "inverted-dropout"  # the entry-point name: the plugin loads only this package for "inverted-dropout/*"


def draw(d):
    n = d.integer(1, 4)
    return {"x": d.normal(n), "keep_prob": d.uniform(0.2, 0.95)}


inputs = Space(draw)


def exact_expectation(i):
    """E[m / keep_prob * x] by enumerating all 2^n keep masks m with their probabilities."""
    total = np.zeros_like(i.x)
    for bits in itertools.product((0.0, 1.0), repeat=i.x.size):
        mask = np.array(bits)
        prob = np.prod(np.where(mask == 1.0, i.keep_prob, 1.0 - i.keep_prob))
        total += prob * mask / i.keep_prob * i.x
    return total


lemma_1 = declare(
    f"{SOURCE}/lemma-1",
    title="inverted dropout keeps the expectation of its input",
    source=Source("dropout-notes.md", "Lemma 1", equations="(1)"),
    statement=r"\mathbb{E}_m\left[\tfrac{m}{p}\odot x\right]=x,\quad m_j\sim\mathrm{Bernoulli}(p)",
    hypotheses=("0 < keep_prob <= 1", "masks independent across units"),
    claimed=lambda i: i.x,
    checks=[Relation(observed=exact_expectation, space=inputs, instances=20,
                     tolerance=float_tolerance(64, what="a sum of 2^n <= 16 weighted terms"))],
    mutants=[mutant("no rescaling", "standard dropout: E[m x] = p x, the forgotten 1/p",
                    claimed=lambda i: i.keep_prob * i.x)],
)

scalars = Space(lambda d: {"x": d.uniform(-2.0, 2.0), "keep_prob": d.uniform(0.3, 0.9)})

lemma_2 = declare(
    f"{SOURCE}/lemma-2",
    title="the variance of an inverted-dropout coordinate is x^2 (1 - p) / p",
    source=Source("dropout-notes.md", "Lemma 2", equations="(2)"),
    statement=r"\mathrm{Var}\left[\tfrac{m}{p}x\right]=x^2\,\frac{1-p}{p}",
    hypotheses=("0 < keep_prob <= 1",),
    claimed=lambda i: i.x ** 2 * (1 - i.keep_prob) / i.keep_prob,
    checks=[MonteCarlo(sample=lambda i, n, s: ((s.bernoulli(i.keep_prob, n) / i.keep_prob - 1.0) * i.x) ** 2,
                       space=scalars, samples=40_000, instances=4)],
    mutants=[mutant("keep for drop", "the drop probability where the keep probability belongs",
                    claimed=lambda i: i.x ** 2 * i.keep_prob / (1 - i.keep_prob))],
)

CLAIMS = [lemma_1, lemma_2]
