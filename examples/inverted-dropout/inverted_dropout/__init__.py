"""Inverted dropout (Srivastava et al. 2014, as implemented in every framework): keep each unit
with probability ``keep_prob`` and divide the kept ones by ``keep_prob``.

Convention: ``keep_prob`` is the probability of KEEPING a unit (PyTorch's ``p`` is the drop
probability, ``1 - keep_prob``).
"""
from __future__ import annotations

from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
