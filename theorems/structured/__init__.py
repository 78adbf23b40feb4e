"""Claims of source `structured`: Pal, Lane, Vidal, Haeffele, On the Regularization Properties of
Structured Dropout (CVPR 2020), seed 002_ed3fd3cd48b2c3c3.txt. Every submodule's ``CLAIMS`` is
collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
