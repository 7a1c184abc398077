"""Matching: from a person's situation to ranked, explained mentors."""

import os

# One BLAS thread per process. A ranking multiplies one query vector by a few thousand
# passage vectors, a fraction of a millisecond on one core; spread over threads in a web
# process that already runs a request per thread, the threads' hand-offs cost a hundred
# times that on a busy machine. OpenBLAS reads this when numpy first loads, which is after
# Django imports this app; an operator's own setting is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
