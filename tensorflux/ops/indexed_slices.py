"""``tf.IndexedSlices``: a gradient that touches only some rows of a tensor.

The gradient of ``tf.gather(params, ids)`` (so of ``tf.nn.embedding_lookup``) with
respect to ``params`` is, as in TF1, an IndexedSlices: ``values`` (one row per id),
``indices`` (the ids) and ``dense_shape`` (params' shape), never a dense tensor of the
whole embedding matrix. It passes through ``Identity`` (a variable's ``read``) to the
variable, and the optimizers apply it as sparse row updates. Any other op that receives
one, and ``tf.convert_to_tensor``, makes it dense by summing rows with
``unsorted_segment_sum`` (with TF1's warning when that tensor may be huge).
``Session.run`` returns an ``IndexedSlicesValue`` for it.
"""
from __future__ import annotations

import collections
import warnings

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops.shape_fns import constant_value

_LARGE_SPARSE_NUM_ELEMENTS = 100000000  # TF1's threshold for the conversion warning

IndexedSlicesValue = collections.namedtuple("IndexedSlicesValue",
                                            ["values", "indices", "dense_shape"])


class IndexedSlices:
    """Rows ``values[i]`` of a tensor of shape ``dense_shape`` at row ``indices[i]``
    (repeated indices add up); every other row is zero."""

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    values = property(lambda self: self._values)
    indices = property(lambda self: self._indices)
    dense_shape = property(lambda self: self._dense_shape)
    dtype = property(lambda self: self._values.dtype)
    graph = property(lambda self: self._values.graph)
    name = property(lambda self: self._values.name)
    device = property(lambda self: self._values.device)
    op = property(lambda self: self._values.op)

    def __neg__(self):
        from tensorflux.ops.math_ops import negative
        return IndexedSlices(negative(self._values), self._indices, self._dense_shape)

    def _as_tensor(self):
        return to_dense(self)

    def _composite_tensors(self):
        """The tensors ``Session.run`` fetches for it (see ``_composite_value``)."""
        if self._dense_shape is None:
            return [self._values, self._indices]
        return [self._values, self._indices, self._dense_shape]

    @staticmethod
    def _composite_value(values, indices, dense_shape=None):
        return IndexedSlicesValue(values, indices, dense_shape)

    def __repr__(self):
        shape = "" if self._dense_shape is None else f", dense_shape={self._dense_shape.name}"
        return (f"IndexedSlices(indices={self._indices.name}, values={self._values.name}"
                f"{shape})")


def to_dense(slices: IndexedSlices, name=None):
    """The dense tensor ``slices`` stands for: ``unsorted_segment_sum`` of its rows."""
    from tensorflux.ops import array_ops
    from tensorflux.ops.segment_ops import unsorted_segment_sum
    if slices.dense_shape is None:
        raise ValueError(f"Tensor conversion requested for IndexedSlices without "
                         f"dense_shape: {slices!r}")
    shape = constant_value(slices.dense_shape)
    if shape is None:
        warnings.warn("Converting sparse IndexedSlices to a dense Tensor of unknown shape. "
                      "This may consume a large amount of memory.", stacklevel=3)
    elif int(np.prod(shape)) >= _LARGE_SPARSE_NUM_ELEMENTS:
        warnings.warn(f"Converting sparse IndexedSlices to a dense Tensor with "
                      f"{int(np.prod(shape))} elements. This may consume a large amount of "
                      f"memory.", stacklevel=3)
    with name_scope(name, "IndexedSlicesToDense", [slices.values]):
        return unsorted_segment_sum(slices.values, slices.indices,
                                    array_ops.gather(slices.dense_shape, 0))


def rows_shape(params):
    """``params``' shape as the dense_shape of its gradient: a constant when static."""
    from tensorflux.ops import array_ops
    from tensorflux.ops.constant_op import constant
    if params.shape.is_fully_defined():
        return constant(np.array(params.shape.as_list(), np.int32), name="dense_shape")
    return array_ops.shape(params)


# Op types whose gradient functions take an IndexedSlices as it is; every other op gets
# it densified first (as TF1's gradient functions do when they call an op on it).
_ACCEPTS_INDEXED_SLICES = {"Identity"}


def accepts_indexed_slices(*op_types):
    """Declare that the gradient functions of ``op_types`` handle IndexedSlices."""
    _ACCEPTS_INDEXED_SLICES.update(op_types)


def for_gradient_of(op, grad):
    """``grad`` as ``op``'s gradient function may receive it."""
    if isinstance(grad, IndexedSlices) and op.type not in _ACCEPTS_INDEXED_SLICES:
        return to_dense(grad)
    return grad


def aggregate(grads, name):
    """The sum of several gradients of one tensor, some of them IndexedSlices: their rows
    concatenated while all are sparse; densified and added when dense ones are mixed in."""
    from tensorflux.ops import array_ops
    from tensorflux.ops.math_ops import add_n, cast
    sparse = [g for g in grads if isinstance(g, IndexedSlices)]
    if len(sparse) < len(grads):
        return add_n([to_dense(g) if isinstance(g, IndexedSlices) else g for g in grads],
                     name=name)
    with name_scope(name):
        index_dtype = (dtypes.int64 if any(g.indices.dtype == dtypes.int64 for g in sparse)
                       else dtypes.int32)
        values = array_ops.concat([g.values for g in sparse], 0)
        indices = array_ops.concat([cast(g.indices, index_dtype) for g in sparse], 0)
        return IndexedSlices(values, indices, sparse[0].dense_shape)
