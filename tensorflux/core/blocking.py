"""Kernels that wait (queues, readers): the deadline of the run they belong to.

``Session.run`` with ``RunOptions(timeout_in_ms=...)`` (or a ConfigProto's
``operation_timeout_in_ms``) sets a deadline for the calling thread; ``wait`` blocks on a
condition until its predicate holds and raises ``DeadlineExceededError`` once the
deadline has passed. Nothing holds a session-wide lock while it waits, so other threads
can run the ops that wake it.
"""
from __future__ import annotations

import contextlib
import threading
import time

from tensorflux.core import errors

_state = threading.local()


@contextlib.contextmanager
def deadline(timeout_ms):
    """Runs in this thread inside the block give up after ``timeout_ms`` milliseconds."""
    previous = getattr(_state, "deadline", None)
    _state.deadline = time.monotonic() + timeout_ms / 1000.0
    try:
        yield
    finally:
        _state.deadline = previous


def has_deadline() -> bool:
    """Whether a run of this thread is already under a deadline."""
    return getattr(_state, "deadline", None) is not None


def wait(condition: threading.Condition, ready, op=None):
    """With ``condition`` held: wait until ``ready()`` is true, or raise
    DeadlineExceededError (naming ``op``) when the run's deadline passes first."""
    end = getattr(_state, "deadline", None)
    while not ready():
        if end is None:
            condition.wait()
            continue
        left = end - time.monotonic()
        if left <= 0:
            raise errors.DeadlineExceededError(None, op, "Timed out waiting for notification"
                                               + (f" in {op.name} ({op.type})" if op is not None else ""))
        condition.wait(left)
