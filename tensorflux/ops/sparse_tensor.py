"""``tf.SparseTensor``: a sparse value as three dense tensors, and its fetched value.

A SparseTensor is no op of its own: it bundles ``indices`` (int64 [N, rank]), ``values``
([N]) and ``dense_shape`` (int64 [rank]). ``Session.run`` fetches one as a
``SparseTensorValue`` and accepts a ``SparseTensorValue`` (or a 3-tuple) fed for one,
through the two methods ``_composite_tensors`` and ``_composite_value``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.shape_fns import shape_from_tensor


class SparseTensorValue(NamedTuple):
    """The value of a SparseTensor: NumPy ``indices``, ``values`` and ``dense_shape``."""

    indices: object
    values: object
    dense_shape: object


class SparseTensor:
    """``SparseTensor(indices, values, dense_shape)``: ``values[i]`` sits at
    ``indices[i]`` of a dense tensor of shape ``dense_shape``; the rest is zero."""

    def __init__(self, indices, values, dense_shape):
        self._indices = convert_to_tensor(indices, dtype=dtypes.int64, name="indices")
        self._values = convert_to_tensor(values, name="values")
        self._dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64, name="dense_shape")
        for what, t, rank in (("indices", self._indices, 2), ("values", self._values, 1),
                              ("dense_shape", self._dense_shape, 1)):
            if t.shape.ndims not in (None, rank):
                raise ValueError(f"SparseTensor {what} must have rank {rank}, got shape {t.shape}")

    @classmethod
    def from_value(cls, value):
        if isinstance(value, SparseTensor):
            return value
        return cls(value.indices, value.values, value.dense_shape)

    indices = property(lambda self: self._indices)
    values = property(lambda self: self._values)
    dense_shape = property(lambda self: self._dense_shape)
    dtype = property(lambda self: self._values.dtype)
    op = property(lambda self: self._values.op)
    graph = property(lambda self: self._values.graph)

    @property
    def shape(self) -> TensorShape:
        """The static dense shape (as much of it as is known while building)."""
        return shape_from_tensor(self._dense_shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    def eval(self, feed_dict=None, session=None):
        from tensorflux.core.graph import _run_with_default_session
        return _run_with_default_session(self, feed_dict, session, "SparseTensor.eval()")

    name = property(lambda self: self._values.name)

    # --- what Session.run uses to fetch and feed it ---------------------------------------
    def _composite_tensors(self):
        return [self._indices, self._values, self._dense_shape]

    @staticmethod
    def _composite_value(indices, values, dense_shape):
        return SparseTensorValue(indices, values, dense_shape)

    @staticmethod
    def _composite_parts(value):
        """The three values fed for a SparseTensor key: a SparseTensorValue or a tuple."""
        if isinstance(value, SparseTensorValue):
            return value
        if isinstance(value, (tuple, list)) and len(value) == 3:
            return tuple(value)
        raise TypeError(f"A SparseTensor must be fed a SparseTensorValue or an "
                        f"(indices, values, dense_shape) tuple, got {type(value).__name__}")

    def __repr__(self):
        return (f"SparseTensor(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={self._dense_shape!r})")


def is_sparse(x) -> bool:
    return isinstance(x, (SparseTensor, SparseTensorValue))


def convert_to_tensor_or_sparse_tensor(value, dtype=None, name=None):
    """A SparseTensor for a SparseTensor(Value), else ``convert_to_tensor(value)``."""
    if isinstance(value, SparseTensorValue):
        value = SparseTensor.from_value(value)
    if isinstance(value, SparseTensor):
        if dtype is not None and dtypes.as_dtype(dtype) != value.dtype:
            raise TypeError(f"Sparse dtype: requested = {dtypes.as_dtype(dtype).name}, "
                            f"actual = {value.dtype.name}")
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of three placeholders, to be fed a SparseTensorValue. A fully
    known ``shape`` becomes a constant dense_shape (it may still be fed)."""
    from tensorflux.ops.array_ops import placeholder
    from tensorflux.ops.constant_op import constant
    rank = None
    dense_shape = None
    if shape is not None:
        if isinstance(shape, Tensor):
            rank = shape.shape.as_tuple()[0] if shape.shape.ndims else None
            dense_shape = shape
        else:
            dims = as_shape(shape).as_tuple()
            rank = None if dims is None else len(dims)
            if dims is not None and None not in dims:
                dense_shape = constant(np.array(dims, dtype=np.int64),
                                       name=f"{name}/shape" if name else "Const")
    if dense_shape is None:
        dense_shape = placeholder(dtypes.int64, shape=[rank], name=f"{name}/shape" if name else None)
    values = placeholder(dtype, shape=[None], name=f"{name}/values" if name else None)
    indices = placeholder(dtypes.int64, shape=[None, rank], name=f"{name}/indices" if name else None)
    return SparseTensor(indices, values, dense_shape)
