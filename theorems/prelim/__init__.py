"""Claims of source `prelim`: thesis (000_f4de404d0cfe4539.txt) Chapter 1, Preliminaries
(l. 322-1654). Conventions: see ``notation``. Every submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
