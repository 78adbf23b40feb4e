"""Claims of source `explicit-implicit`: Wei, Kakade, Ma, The Implicit and Explicit Regularization
Effects of Dropout (ICML 2020), seed 004_e45fe814f3a8977e.txt. Every submodule's ``CLAIMS`` is
collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
