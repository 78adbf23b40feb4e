"""Claims of source `tools`: thesis (000_f4de404d0cfe4539.txt) appendix, Auxiliary Results."""

CLAIMS: list = []
