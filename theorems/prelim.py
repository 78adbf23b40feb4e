"""Claims of source `prelim`: thesis (000_f4de404d0cfe4539.txt) Chapter 1, Preliminaries."""

CLAIMS: list = []
