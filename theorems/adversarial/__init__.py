"""Claims of source `adversarial`: thesis Chapter 6 (seed 000_f4de404d0cfe4539.txt), adversarial
training of two-layer leaky-ReLU networks with PGD, with the robust-risk definitions of Chapter 1.
Every submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
