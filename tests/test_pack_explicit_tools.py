"""Regression tests of the explicit-implicit, tools and prelim packs for issues 12 and 17.

Every wrong variant a sceptical review built through the public API (``claim.replace`` + ``run_claims``) and
found passing must now fail, and the checks that used to build the claimed formula in must read it from the
claim's parts: a variant that runs ONLY that check is refuted too.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from theorycheck import Settings, Verdict, load_registry, run_claims

REGISTRY = load_registry()


def claim(cid):
    return REGISTRY.claims[cid]


def verdicts(variants, tmp_path):
    results = run_claims(list(variants), Settings(report_dir=tmp_path, device="cpu", stop_at_kill=True))
    return [r.verdict for r in results]


def only_check(c, index):
    """The claim with a single one of its checks (to show that this check reads the part)."""
    return replace(c, checks=(c.checks[index],))


def sqrt_coefficient(factor):
    return lambda k: factor * np.sqrt(0.5 * (1 - 1 / k))


WRONG_VARIANTS = [
    # issue 12 section 1: the dead parts
    ("explicit-implicit/aux-eq4.5", None, dict(claimed=lambda i: 2 * claim("explicit-implicit/aux-eq4.5").claimed(i))),
    ("explicit-implicit/aux-dropoutk-cov", 1, dict(coefficient=sqrt_coefficient(1.05))),  # the Monte-Carlo check alone
    ("explicit-implicit/aux-eq4.2-corrected", 3, dict(coefficient=lambda q: 1.1 * q / (2 * (1 - q)))),  # CE rate alone
    ("explicit-implicit/aux-eq4.4", 1, dict(coefficient=lambda q: 1.1 * q / (2 * (1 - q)))),  # rate alone
    ("explicit-implicit/aux-eq4.5", 1, dict(claimed=lambda i: 2 * claim("explicit-implicit/aux-eq4.5").claimed(i))),
    # issue 12 section 2: the powerless checks
    ("tools/theorem-17", None, dict(exponent=2.2)),
    ("tools/theorem-17", None, dict(c=0.757)),
    ("tools/theorem-22", None, dict(claimed=lambda i, V: i.R * np.log(1 / i.delta) / 2 + (np.e - 2) * V / i.R)),
    ("explicit-implicit/claim-B.6", None, dict(log_power=3.0)),
    ("explicit-implicit/lemma-B.3", None, dict(log_power=3.0)),
    # issue 17: experiments
    ("explicit-implicit/experiment-fig2", None, dict(coefficient=sqrt_coefficient(0.85))),
    ("explicit-implicit/experiment-fig2", None, dict(coefficient=sqrt_coefficient(1.1))),
    ("explicit-implicit/experiment-fig2", None, dict(coefficient=sqrt_coefficient(1.15))),
    ("explicit-implicit/experiment-fig2", None, dict(claimed=lambda i: 1.25)),
    ("explicit-implicit/experiment-fig5", None, dict(strength=0.4 / 0.6)),
    ("explicit-implicit/experiment-fig3", None, dict(strength=0.0)),
    ("explicit-implicit/experiment-fig3", None, dict(strength=-0.4 / 0.6)),
    # beyond the paper: the independent-mask formula for locked dropout
    ("explicit-implicit/ours-shared-mask", None,
     dict(claimed=claim("explicit-implicit/ours-shared-mask").mutant_named("independent masks").replacements["claimed"])),
    ("explicit-implicit/ours-shared-vs-independent", None, dict(factor=lambda T: 1.0)),
]


@pytest.mark.parametrize("cid, check, parts", WRONG_VARIANTS,
                         ids=[f"{c}:{','.join(p)}" + (f"@check{k}" if k is not None else "")
                              for c, k, p in WRONG_VARIANTS])
def test_listed_wrong_variant_fails(cid, check, parts, tmp_path):
    base = claim(cid) if check is None else only_check(claim(cid), check)
    [verdict] = verdicts([base.replace(variant="wrong", **parts)], tmp_path)
    assert verdict is Verdict.FAILED, (cid, check, sorted(parts), verdict)


@pytest.mark.parametrize("cid, check", [("explicit-implicit/aux-dropoutk-cov", 1),
                                         ("explicit-implicit/aux-eq4.2-corrected", 3),
                                         ("explicit-implicit/aux-eq4.4", 1)])
def test_the_isolated_check_passes_on_the_claim(cid, check, tmp_path):
    """The single-check claims used above pass as declared (so their failures come from the wrong part)."""
    [verdict] = verdicts([only_check(claim(cid), check)], tmp_path)
    assert verdict.ok


def test_shared_mask_claims_are_labelled_ours():
    for cid in ("explicit-implicit/ours-shared-mask", "explicit-implicit/ours-shared-vs-independent"):
        c = claim(cid)
        assert c.title.startswith("[ours]") and "ours" in c.tags and "claim of ours" in c.scope


def test_shared_and_independent_masks_coincide_without_mixing_positions():
    """T = 1 (or a downstream that does not mix positions): the two formulas agree exactly."""
    from theorems.explicit_implicit import shared_mask as S

    for k in range(10):
        inst = S.recurrent_sequences.sample([0, 1, 2], 5 * k + 4)  # regime index 4 is "T=1"
        assert inst.T == 1
        D = S.hidden_hessian(inst)
        assert np.isclose(S.shared_form(D, inst.h), S.independent_form(D, inst.h), rtol=1e-12, atol=1e-300)


def test_experiment_bands_state_measured_standard_errors():
    for cid in ("explicit-implicit/experiment-fig1", "explicit-implicit/experiment-fig2",
                "explicit-implicit/experiment-fig5", "explicit-implicit/experiment-fig3"):
        principle = claim(cid).checks[0].tolerance.principle
        assert "SE" in principle or "standard error" in principle, (cid, principle)
