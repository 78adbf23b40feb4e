"""Claims of source `capacity`: thesis Chapter 4 (seed 000_f4de404d0cfe4539.txt; the thesis version
of Arora, Bartlett, Mianjy, Srebro, ICML 2021), explicit forms of dropout and capacity control.
Every submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
