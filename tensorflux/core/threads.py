"""How many threads the kernels may use (TF1's ``intra_op_parallelism_threads``).

NumPy's matmuls and reductions run on the thread pools of the BLAS library it loaded
(OpenBLAS, MKL) and of OpenMP. Those pools are process-wide, so the limit is too: it is
set through threadpoolctl (imported only when a limit is set) and applies to every
session of the process from then on. Several processes sharing a machine (MPI ranks)
each take their share, or OpenBLAS threads fight for the cores and a matmul runs several
times slower.

- ``set_intra_op_threads(n)`` sets the limit, ``intra_op_threads()`` reads it back;
- ``limited(n)`` is a context that restores the previous limit on exit;
- ``apply_config(config)`` is what ``Session`` calls: a ConfigProto with
  ``intra_op_parallelism_threads > 0`` sets the limit, 0 keeps the current one.
"""
from __future__ import annotations

import contextlib
import os

_limit = None  # the limit this module set last, or None


def available_cores() -> int:
    """The number of cores this process may run on (its CPU affinity when the OS
    reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _check(n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of intra-op threads must be an int >= 1, got {n!r}")


def set_intra_op_threads(n: int):
    """Let the BLAS and OpenMP pools of this process use at most ``n`` threads.
    Returns the previous limit (None when none was set)."""
    _check(n)
    global _limit
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=n)
    previous, _limit = _limit, n
    return previous


def intra_op_threads():
    """The limit set by ``set_intra_op_threads`` (None: the libraries' own default)."""
    return _limit


@contextlib.contextmanager
def limited(n: int):
    """Run the block with at most ``n`` kernel threads, then restore the previous limit."""
    _check(n)
    from threadpoolctl import threadpool_limits
    global _limit
    previous = _limit
    with threadpool_limits(limits=n):
        _limit = n
        try:
            yield n
        finally:
            _limit = previous


def apply_config(config):
    """Apply a ConfigProto's ``intra_op_parallelism_threads`` (0 leaves things as they are)."""
    n = getattr(config, "intra_op_parallelism_threads", 0) or 0
    if n:
        if n < 0:
            raise ValueError(f"ConfigProto.intra_op_parallelism_threads must be >= 0, got {n}")
        set_intra_op_threads(int(n))
