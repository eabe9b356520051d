"""BLAS threads of a process that serves requests.

A request's matrix products are small (one query vector against a 512 x 512 moment matrix, a few hundred candidate
rows): a second OpenBLAS thread makes them no faster, and the threads it wakes spin on the other core, which a
busy two-core server pays for in CPU (docs/PERFORMANCE.md, "Suggestion CPU"). A process caps every BLAS library it
has loaded (OpenBLAS through NumPy, FAISS's OpenMP build for the thread that sets it) at KB_SERVING_BLAS_THREADS:
a gunicorn worker right after its fork (kb.serving.after_fork), another server on its first request
(kb.serving.limit_blas_threads); bulk work in the command line (`kb import`, `kb index rebuild`) and in the job
workers keeps the libraries' default, where more threads do help.
"""
from __future__ import annotations

_serving_threads: int | None = None  # the cap this process serves with (None: not serving, or not capped)


def serving_threads() -> int | None:
    return _serving_threads


def limit_for_serving(threads: int) -> None:
    """Cap the BLAS libraries of this process at `threads` (inherited by processes forked afterwards)."""
    global _serving_threads
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
    _serving_threads = threads


def threads_for(wanted: int) -> int:
    """The BLAS threads a batch asking for `wanted` may use in this process (capped while serving)."""
    return min(wanted, _serving_threads) if _serving_threads else wanted
