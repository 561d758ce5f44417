"""``tf.make_tensor_proto``, ``tf.make_ndarray`` and
``tf.convert_to_tensor_or_indexed_slices``: values to and from TensorFlow's
``TensorProto`` (the protobuf module is imported when first used)."""
from __future__ import annotations

import numpy as np

from tensorflux.ops.constant_op import _python_array, convert_to_tensor


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False,
                      allow_broadcast=False):
    """A TensorProto holding ``values`` (TF1's default dtypes: Python floats are
    float32, ints int32). With ``shape``, fewer values are padded with the last one
    (a scalar fills it); ``verify_shape`` requires the shape to match, and
    ``allow_broadcast`` allows only a single value to fill it."""
    from tensorflux.interop import protos
    arr = _python_array(values, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if arr.shape != shape:
            if verify_shape or (allow_broadcast and arr.size != 1):
                raise TypeError(f"Expected Tensor's shape: {shape}, but got {arr.shape}.")
            count = int(np.prod(shape, dtype=np.int64))
            if arr.size > count:
                raise ValueError(f"Too many elements provided. Takes at most {count}, but got "
                                 f"{arr.size}.")
            if arr.size == 0 and count:
                raise ValueError(f"No values to fill a tensor of shape {list(shape)}")
            flat = arr.reshape(-1)
            arr = np.concatenate([flat, np.repeat(flat[-1:], count - flat.size)]).reshape(shape)
    return protos.tensor_proto(arr)


def make_ndarray(tensor):
    """The NumPy array a TensorProto holds."""
    from tensorflux.interop import protos
    if not hasattr(tensor, "tensor_shape"):
        raise TypeError(f"make_ndarray needs a TensorProto, got {type(tensor).__name__}")
    value = protos.tensor_from_proto(tensor, "make_ndarray")
    return value.copy() if isinstance(value, np.ndarray) else np.asarray(value)


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """``value`` unchanged if it is an IndexedSlices (or SparseTensor), else
    ``convert_to_tensor(value)``."""
    from tensorflux.core import dtypes
    from tensorflux.ops.indexed_slices import IndexedSlices
    from tensorflux.ops.sparse_tensor import SparseTensor
    if isinstance(value, (IndexedSlices, SparseTensor)):
        if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for {type(value).__name__} with dtype {value.dtype.name}")
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)
