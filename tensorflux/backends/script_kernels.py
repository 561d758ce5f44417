"""The host kernel of ``PyFunc``: call the user's Python function on NumPy arrays.

Like TF1, a Python exception in the function becomes a ``tf.errors`` class:
ValueError -> InvalidArgumentError, NotImplementedError -> UnimplementedError,
StopIteration -> OutOfRangeError, anything else -> UnknownError; the message names the
op and the original exception."""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes, errors

_ERRORS = ((ValueError, errors.InvalidArgumentError),
           (NotImplementedError, errors.UnimplementedError),
           (StopIteration, errors.OutOfRangeError))


def _py_func(op, ctx):
    fn, tout = op.attrs["func"], op.attrs["Tout"]

    def run(*inputs):
        try:
            result = fn(*inputs)
        except Exception as exc:
            cls = next((c for kind, c in _ERRORS if isinstance(exc, kind)), errors.UnknownError)
            raise cls(None, op, f"{type(exc).__name__}: {exc} (in the Python function of "
                                f"tf.py_func op {op.name!r})") from exc
        values = list(result) if isinstance(result, (list, tuple)) else [result]
        if len(values) != len(tout):
            raise errors.InvalidArgumentError(
                None, op, f"The Python function of tf.py_func op {op.name!r} returned "
                          f"{len(values)} values, but Tout has {len(tout)}")
        out = []
        for value, dtype in zip(values, tout):
            if dtype is dtypes.string:
                out.append(dtypes.as_bytes_array(value))
                continue
            arr = np.asarray(value)
            if arr.dtype != dtype.np_dtype and not np.can_cast(arr.dtype, dtype.np_dtype, "same_kind"):
                raise errors.InvalidArgumentError(
                    None, op, f"The Python function of tf.py_func op {op.name!r} returned a "
                              f"{arr.dtype} value where Tout says {dtype.name}")
            out.append(arr.astype(dtype.np_dtype, copy=False))
        return tuple(out)
    return run


KERNELS = {"PyFunc": _py_func}
