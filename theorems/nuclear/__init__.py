"""Claims of source `nuclear`: thesis (000_f4de404d0cfe4539.txt) Chapter 3, dropout in deep linear
networks. Every submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
