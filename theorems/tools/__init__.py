"""Claims of source `tools`: thesis (000_f4de404d0cfe4539.txt) appendix §.2, Auxiliary Results
(l. 13990-14367). Conventions: see ``frequencies``. Every submodule's ``CLAIMS`` is collected."""
from theorycheck import collect_claims

CLAIMS = collect_claims(__name__)
