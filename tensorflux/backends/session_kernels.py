"""Host kernels of ``tensorflux.ops.session_ops``: values kept in the session's
resources under their handles."""
from __future__ import annotations

import itertools

import numpy as np

from tensorflux.core import errors

_COUNTER = itertools.count()


class _Kept:
    """A value kept in a session (a resource, so the session drops it when it closes)."""

    def __init__(self, value):
        self.value = value

    def cancel(self):
        """Nothing waits on a kept value."""


def _name(handle):
    value = handle[()] if isinstance(handle, np.ndarray) else handle
    return value.decode() if isinstance(value, bytes) else str(value)


def _get_handle(op, ctx):
    resources = ctx.resources

    def run(value):
        name = f"session_tensor;{next(_COUNTER)};{op.name}"
        resources[name] = _Kept(np.array(value, copy=True))
        out = np.empty((), dtype=object)
        out[()] = name.encode()
        return out
    return run


def _kept(op, resources, handle):
    name = _name(handle)
    kept = resources.get(name)
    if not isinstance(kept, _Kept):
        raise errors.NotFoundError(None, op, f"Session tensor {name!r} does not exist in this "
                                             f"session (deleted, or kept by another session)")
    return name, kept


def _get_tensor(op, ctx):
    resources, dtype = ctx.resources, op.attrs["dtype"]

    def run(handle):
        name, kept = _kept(op, resources, handle)
        if kept.value.dtype != dtype.np_dtype:
            raise errors.InvalidArgumentError(None, op, f"Session tensor {name!r} holds "
                                                        f"{kept.value.dtype}, not {dtype.name}")
        return kept.value
    return run


def _delete(op, ctx):
    resources = ctx.resources

    def run(handle):
        name, _ = _kept(op, resources, handle)
        del resources[name]
    return run


KERNELS = {"GetSessionHandle": _get_handle, "GetSessionTensor": _get_tensor,
           "DeleteSessionTensor": _delete}
