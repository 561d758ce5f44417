"""Constants and ``convert_to_tensor`` with TF1's dtype rules.

Python floats become float32 and ints int32 (int64 if they do not fit) unless a dtype
is given; NumPy arrays keep their dtype; lists holding Tensors are packed with ``stack``.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.op_def import defop, not_differentiable

defop("Const", inputs=(), attrs={"value": None, "dtype": None},
      dtype_fn=lambda op: [op.attrs["dtype"]],
      shape_fn=lambda op: [TensorShape(np.shape(op.attrs["value"]))],
      doc="A constant array stored in the graph.")
not_differentiable("Const")


def _contains_tensor(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _python_array(value, dtype):
    """An ndarray for a Python/NumPy value, applying TF1's default dtypes."""
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if dtype is None:
            if arr.dtype.kind in "SUO":
                return dtypes.as_bytes_array(arr)
            dtypes.as_dtype(arr.dtype)  # raises on unsupported dtypes
            return arr
    else:
        try:
            arr = np.asarray(value)
            if arr.dtype.kind in "SU":  # fixed-width strings would drop trailing NUL bytes
                arr = np.array(value, dtype=object)
        except ValueError as exc:
            raise ValueError(f"Cannot convert {value!r} to a tensor: {exc}") from None
        if arr.dtype == object and not all(isinstance(v, (str, bytes)) for v in arr.ravel()):
            raise TypeError(f"Cannot convert {value!r} to a tensor: the elements have mixed "
                            f"or unsupported types")
        if dtype is None:
            if arr.dtype.kind == "f":
                return arr.astype(np.float32)
            if arr.dtype.kind in "iu":
                if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < np.iinfo(np.int32).min):
                    return arr.astype(np.int64)
                return arr.astype(np.int32)
            if arr.dtype.kind in "SUO":
                return dtypes.as_bytes_array(arr)
            return arr
    target = dtypes.as_dtype(dtype)
    if target is dtypes.string:
        return dtypes.as_bytes_array(arr)
    if arr.dtype.kind in "SUO":
        raise TypeError(f"Expected {target.name}, got {value!r} of type {type(value).__name__} instead.")
    if target.is_integer or target.is_bool:
        if arr.dtype.kind in "fc" and not np.all(np.mod(arr, 1) == 0):
            raise TypeError(f"Expected {target.name}, got {value!r} of type "
                            f"{type(value).__name__} instead (it has a fractional part).")
    if target.is_integer and arr.size and arr.dtype.kind in "iuf":
        info = np.iinfo(target.np_dtype)
        if arr.max() > info.max or arr.min() < info.min:
            raise ValueError(f"Value {value!r} is out of range for dtype {target.name}")
    return arr.astype(target.np_dtype)


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """``tf.constant``: a Const op holding ``value`` (optionally filled/reshaped to
    ``shape``)."""
    arr = _python_array(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else [shape]))
        if arr.shape != shape:
            if verify_shape:
                raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
            if arr.size == 1:
                arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
            elif arr.size == int(np.prod(shape)):
                arr = arr.reshape(shape)
            else:
                raise TypeError(f"Cannot make a constant of shape {shape} from "
                                f"{arr.size} values")
    arr.setflags(write=False)
    graph = get_default_graph()
    op = graph.create_op("Const", [], {"value": arr, "dtype": dtypes.as_dtype(arr.dtype)}, name=name)
    return op._outputs[0]


# (priority, base types, function) registered by tf.register_tensor_conversion_function.
_CONVERSIONS: list = []


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """Make ``convert_to_tensor`` (so every op) accept instances of ``base_type``:
    ``conversion_func(value, dtype=None, name=None, as_ref=False)`` returns a Tensor, or
    NotImplemented to let a later function (higher ``priority`` number) try."""
    types_ = base_type if isinstance(base_type, tuple) else (base_type,)
    if not all(isinstance(t, type) for t in types_):
        raise TypeError("base_type must be a type or a tuple of types.")
    if any(issubclass(t, (int, float, complex, np.generic, np.ndarray, str, bytes)) for t in types_):
        raise TypeError("Cannot register conversions for Python numeric types and NumPy "
                        "scalars and arrays.")
    if not callable(conversion_func):
        raise TypeError("conversion_func must be callable.")
    _CONVERSIONS.append((priority, types_, conversion_func))
    _CONVERSIONS.sort(key=lambda entry: entry[0])


def _registered_conversion(value, dtype, name):
    for _, types_, func in _CONVERSIONS:
        if isinstance(value, types_):
            result = func(value, dtype=dtype, name=name, as_ref=False)
            if result is NotImplemented:
                continue
            if not isinstance(result, Tensor):
                raise RuntimeError(f"{func!r} returned non-Tensor: {result!r}")
            if dtype is not None and result.dtype != dtypes.as_dtype(dtype):
                raise RuntimeError(f"{func!r}: Conversion function returned incompatible dtype: "
                                   f"requested = {dtypes.as_dtype(dtype).name}, actual = "
                                   f"{result.dtype.name}")
            return result
    return None


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, dtype_hint=None):
    """Return ``value`` as a Tensor (a Const for Python / NumPy values)."""
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    as_tensor = getattr(value, "_as_tensor", None)
    if as_tensor is not None:
        return convert_to_tensor(as_tensor(), dtype=dtype, name=name)
    if _CONVERSIONS:
        converted = _registered_conversion(value, dtype, name)
        if converted is not None:
            return converted
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        from tensorflux.ops.array_ops import stack
        return stack([convert_to_tensor(v, dtype=dtype) for v in value], name=name or "packed")
    hint = preferred_dtype or dtype_hint
    if dtype is None and hint is not None:
        try:
            return constant(value, dtype=hint, name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name or "Const")


def is_tensor_like(value) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")
