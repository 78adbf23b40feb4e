"""Claims of source `convergence`: Mianjy & Arora, On Convergence and Generalization of Dropout
Training (NeurIPS 2020), seed 001_f1b6a53302f974ec.txt, and thesis Chapter 5 (seed 000). Every
submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
