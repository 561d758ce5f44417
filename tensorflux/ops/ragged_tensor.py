"""``tf.RaggedTensor``: rows of different lengths as a flat ``values`` tensor and
``row_splits`` (row ``i`` is ``values[row_splits[i]:row_splits[i + 1]]``), nested for
more ragged dimensions, and ``tf.ragged``'s ``constant`` and ``RaggedTensorValue``.

A RaggedTensor is no op of its own, as a SparseTensor: it bundles tensors, and
``Session.run`` fetches one as a ``RaggedTensorValue`` (``to_list()`` gives the nested
lists) through ``_composite_tensors`` and ``_composite_value``. This covers building
ragged values (the ``tf.strings`` splits and decodings return them), their row
partitions and their conversion to dense and sparse tensors; TF's ragged dispatch of
every op is not here.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.reduction_ops import cumsum


class RaggedTensorValue:
    """The fetched value of a RaggedTensor: NumPy ``values`` and ``row_splits``."""

    def __init__(self, values, row_splits):
        self._values, self._row_splits = values, np.asarray(row_splits)

    values = property(lambda self: self._values)
    row_splits = property(lambda self: self._row_splits)

    @property
    def flat_values(self):
        v = self._values
        while isinstance(v, RaggedTensorValue):
            v = v.values
        return v

    @property
    def nested_row_splits(self):
        out, v = [self._row_splits], self._values
        while isinstance(v, RaggedTensorValue):
            out.append(v.row_splits)
            v = v.values
        return tuple(out)

    @property
    def ragged_rank(self):
        return len(self.nested_row_splits)

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def shape(self):
        inner = self.flat_values.shape[1:]
        return (len(self._row_splits) - 1,) + (None,) * self.ragged_rank + tuple(inner)

    def to_list(self):
        """The nested Python lists of the rows."""
        inner = self._values.to_list() if isinstance(self._values, RaggedTensorValue) \
            else self._values.tolist()
        splits = self._row_splits.tolist()
        return [inner[a:b] for a, b in zip(splits[:-1], splits[1:])]

    def __repr__(self):
        return f"tf.RaggedTensorValue({self.to_list()!r})"


def _splits(row_splits):
    t = convert_to_tensor(row_splits, name="row_splits")
    if not t.dtype.is_integer:
        raise TypeError(f"row_splits must be integers, got {t.dtype.name}")
    if t.shape.ndims not in (None, 1):
        raise ValueError(f"row_splits must be a vector, got shape {t.shape}")
    return math_ops.cast(t, dtypes.int64) if t.dtype != dtypes.int64 else t


class RaggedTensor:
    """Rows of different lengths: ``values`` (a Tensor or RaggedTensor) cut by
    ``row_splits``. Build one with the ``from_*`` class methods."""

    def __init__(self, values, row_splits, internal=False):
        if not internal:
            raise ValueError("RaggedTensor's constructor is private: use "
                             "RaggedTensor.from_row_splits (or another from_* method)")
        self._values, self._row_splits = values, row_splits

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        values = values if isinstance(values, RaggedTensor) else convert_to_tensor(values, name="values")
        return cls(values, _splits(row_splits), internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        lengths = _splits(row_lengths)
        splits = array_ops.concat([array_ops.zeros([1], dtypes.int64), cumsum(lengths)], 0)
        return cls.from_row_splits(values, splits)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """Rows given by each value's row id (sorted), ``nrows`` rows (default: the last
        id + 1)."""
        from tensorflux.ops.manip_ops import searchsorted
        ids = _splits(value_rowids)
        if nrows is None:
            nrows = math_ops.reduce_max(array_ops.concat([ids, np.int64([-1])], 0)) + 1
        boundaries = math_ops.cast(array_ops.range(math_ops.cast(nrows, dtypes.int64) + 1), dtypes.int64)
        splits = searchsorted(ids, boundaries, side="left")
        return cls.from_row_splits(values, math_ops.cast(splits, dtypes.int64))

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True,
                                name=None):
        """Rows of ``uniform_row_length`` values each."""
        length = int(uniform_row_length)
        n = values.nrows() if isinstance(values, RaggedTensor) else array_ops.shape(
            convert_to_tensor(values), out_type=dtypes.int64)[0]
        splits = array_ops.range(0, n + 1, length) if length else array_ops.zeros([1], dtypes.int64)
        return cls.from_row_splits(values, math_ops.cast(splits, dtypes.int64))

    @classmethod
    def from_sparse(cls, st_input, name=None):
        """The rows of a 2-D SparseTensor in row-major order (its entries moved to the
        front of each row)."""
        rows = st_input.indices[:, 0]
        return cls.from_value_rowids(st_input.values, rows, nrows=st_input.dense_shape[0])

    # --- properties --------------------------------------------------------------------------
    values = property(lambda self: self._values)
    row_splits = property(lambda self: self._row_splits)

    @property
    def flat_values(self):
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v.values
        return v

    @property
    def nested_row_splits(self):
        out, v = [self._row_splits], self._values
        while isinstance(v, RaggedTensor):
            out.append(v.row_splits)
            v = v.values
        return tuple(out)

    @property
    def ragged_rank(self):
        return len(self.nested_row_splits)

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def shape(self):
        n = self._row_splits.shape.as_tuple()
        rows = None if n is None or n[0] is None else n[0] - 1
        inner = self.flat_values.shape
        tail = inner.as_tuple()[1:] if inner.ndims is not None else None
        if tail is None:
            return TensorShape(None)
        return TensorShape((rows,) + (None,) * self.ragged_rank + tail)

    def get_shape(self):
        return self.shape

    # --- row partitions ------------------------------------------------------------------------
    def nrows(self, out_type=dtypes.int64, name=None):
        return math_ops.cast(array_ops.shape(self._row_splits, out_type=dtypes.int64)[0] - 1, out_type)

    def row_lengths(self, axis=1, name=None):
        return self._row_splits[1:] - self._row_splits[:-1]

    def row_starts(self, name=None):
        return self._row_splits[:-1]

    def row_limits(self, name=None):
        return self._row_splits[1:]

    def value_rowids(self, name=None):
        """The row of each value."""
        from tensorflux.ops.manip_ops import searchsorted
        n = array_ops.shape(self._values if not isinstance(self._values, RaggedTensor)
                            else self._values.row_splits, out_type=dtypes.int64)[0]
        if isinstance(self._values, RaggedTensor):
            n = n - 1
        positions = array_ops.range(math_ops.cast(0, dtypes.int64), n)
        return math_ops.cast(searchsorted(self._row_splits, positions, side="right"), dtypes.int64) - 1

    # --- conversions ---------------------------------------------------------------------------
    def to_tensor(self, default_value=None, name=None, shape=None):
        """A dense tensor: each row padded with ``default_value`` (0) to the longest."""
        from tensorflux.ops.manip_ops import scatter_nd
        inner = self._values.to_tensor(default_value) if isinstance(self._values, RaggedTensor) \
            else self._values
        rows = self.value_rowids()
        position = array_ops.range(math_ops.cast(0, dtypes.int64),
                                  array_ops.shape(inner, out_type=dtypes.int64)[0]) - \
            array_ops.gather(self._row_splits, rows)
        width = math_ops.reduce_max(array_ops.concat([self.row_lengths(), np.zeros(1, np.int64)], 0))
        out_shape = array_ops.concat([array_ops.stack([self.nrows(), width]),
                                      array_ops.shape(inner, out_type=dtypes.int64)[1:]], 0)
        index = array_ops.stack([rows, position], 1)
        dense = scatter_nd(index, inner, out_shape)
        if default_value is None:
            return dense
        filled = scatter_nd(index, array_ops.ones_like(inner, dtype=dtypes.bool_), out_shape) \
            if inner.dtype != dtypes.string else None
        default = convert_to_tensor(default_value, dtype=inner.dtype)
        return array_ops.where(filled, dense, array_ops.zeros_like(dense) + default)

    def to_sparse(self, name=None):
        """A SparseTensor [nrows, longest row] of a RaggedTensor of ragged rank 1 over a
        vector of values."""
        from tensorflux.ops.sparse_tensor import SparseTensor
        if isinstance(self._values, RaggedTensor) or self._values.shape.ndims not in (None, 1):
            raise ValueError("to_sparse supports a RaggedTensor of ragged rank 1 over a vector")
        rows = self.value_rowids()
        position = array_ops.range(math_ops.cast(0, dtypes.int64),
                                  array_ops.shape(self._values, out_type=dtypes.int64)[0]) - \
            array_ops.gather(self._row_splits, rows)
        width = math_ops.reduce_max(array_ops.concat([self.row_lengths(), np.zeros(1, np.int64)], 0))
        return SparseTensor(array_ops.stack([rows, position], 1), self._values,
                            array_ops.stack([self.nrows(), width]))

    # --- what Session.run uses to fetch it ------------------------------------------------------
    def _composite_tensors(self):
        return [self.flat_values, *self.nested_row_splits]

    @staticmethod
    def _composite_value(flat_values, *nested_row_splits):
        value = flat_values
        for splits in reversed(nested_row_splits):
            value = RaggedTensorValue(value, splits)
        return value

    def __repr__(self):
        return f"tf.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})"


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=dtypes.int64):
    """A RaggedTensor of the nested Python lists ``pylist`` (every list level ragged; a
    scalar or flat list gives a plain tensor)."""
    def depth(x):
        return 1 + max((depth(v) for v in x), default=0) if isinstance(x, (list, tuple)) else 0

    def build(x, level):
        if level == 1:
            return convert_to_tensor(np.asarray(list(x), dtype=None if dtype is None
                                                else dtypes.as_dtype(dtype).np_dtype)
                                     if dtype is not None or len(x) else
                                     np.zeros([0], np.float32))
        flat = [v for row in x for v in row]
        splits = np.cumsum([0] + [len(row) for row in x]).astype(np.int64)
        return RaggedTensor.from_row_splits(build(flat, level - 1), splits)
    levels = depth(pylist)
    if levels < 2:
        return convert_to_tensor(pylist, dtype=dtype)
    if ragged_rank is not None and ragged_rank != levels - 1:
        raise ValueError(f"tf.ragged.constant supports a ragged_rank of {levels - 1} (every "
                         f"level ragged) for this value, got {ragged_rank}")
    return build(pylist, levels)


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row of each value, from row_splits."""
    return RaggedTensor.from_row_splits(array_ops.zeros(
        array_ops.reshape(_splits(splits)[-1], [1])), splits).value_rowids()


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """row_splits from sorted row ids (one per value)."""
    ids = _splits(segment_ids)
    return RaggedTensor.from_value_rowids(array_ops.zeros_like(ids), ids, num_segments).row_splits
