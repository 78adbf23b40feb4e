"""Claims of source `bias`: Mianjy, Arora, Vidal, On the Implicit Bias of Dropout (ICML 2018),
seed 003_d0c1b2e846001ede.txt, and thesis Chapter 2 (seed 000). Conventions: see ``model``.
Every submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
