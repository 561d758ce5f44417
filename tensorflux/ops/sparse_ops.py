"""Sparse ops (``tf.sparse``): to dense, reductions, sparse x dense matmul, reorder,
add (their gradients use ``tf.gather_nd`` / ``tf.scatter_nd`` of ``manip_ops``).

Ops take a SparseTensor as its three tensors (indices, values, dense_shape); gradients
flow to ``values`` and to dense operands, as in TF1. Shapes given as tensors are read
on the host (see ``HOST_MEMORY`` in the backends).
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.manip_ops import gather_nd, scatter_nd
from tensorflux.ops.shape_fns import reduced_shape, shape_from_tensor
from tensorflux.ops.sparse_tensor import (SparseTensor, SparseTensorValue,  # noqa: F401
                                          convert_to_tensor_or_sparse_tensor, sparse_placeholder)


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name)


def _sparse(sp_input, what="sp_input") -> SparseTensor:
    if isinstance(sp_input, SparseTensorValue):
        return SparseTensor.from_value(sp_input)
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"{what} must be a SparseTensor, got {type(sp_input).__name__}")
    return sp_input


# --- to dense ----------------------------------------------------------------------------------
def _sparse_to_dense_shape(op):
    return [shape_from_tensor(op.inputs[1])]


defop("SparseToDense", ("sparse_indices", "output_shape", "sparse_values", "default_value"),
      attrs={"validate_indices": True}, dtype_fn=lambda op: [op.inputs[2].dtype],
      shape_fn=_sparse_to_dense_shape,
      doc="A dense tensor holding sparse_values at sparse_indices and default_value elsewhere.")


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices=True, name=None):
    """Dense tensor from indices and values (``validate_indices`` also requires the
    indices in lexicographic order without repeats, as TF1)."""
    sparse_values = convert_to_tensor(sparse_values, name="sparse_values")
    sparse_indices = convert_to_tensor(sparse_indices, name="sparse_indices")
    output_shape = convert_to_tensor(output_shape, dtype=sparse_indices.dtype, name="output_shape")
    default_value = convert_to_tensor(default_value, dtype=sparse_values.dtype, name="default_value")
    return _op("SparseToDense", [sparse_indices, output_shape, sparse_values, default_value],
               {"validate_indices": bool(validate_indices)}, name=name or "SparseToDense")._outputs[0]


def sparse_tensor_to_dense(sp_input, default_value=0, validate_indices=True, name=None):
    """The dense tensor a SparseTensor stands for."""
    sp = _sparse(sp_input)
    out = sparse_to_dense(sp.indices, sp.dense_shape, sp.values, default_value,
                          validate_indices, name=name or "SparseToDense")
    out.set_shape(out.shape.merge_with(sp.shape) if sp.shape.ndims is not None else out.shape)
    return out


@gradient("SparseToDense")
def _sparse_to_dense_grad(op, grad):
    indices, _, values, _ = op.inputs
    if indices.shape.ndims == 1 and op.outputs[0].shape.ndims == 1:
        indices = array_ops.reshape(indices, [-1, 1])
    elif indices.shape.ndims == 0:
        indices = array_ops.reshape(indices, [1, 1])
    values_grad = gather_nd(grad, indices)
    if values.shape.ndims == 0:
        values_grad = math_ops.reduce_sum(values_grad)
    default_grad = math_ops.reduce_sum(grad) - math_ops.reduce_sum(values_grad)
    return [None, None, values_grad, default_grad]


# --- sparse x dense matmul ---------------------------------------------------------------------
def _sparse_matmul_shape(op):
    a_shape = shape_from_tensor(op.inputs[2]).as_tuple()
    b = op.inputs[3].shape.as_tuple()
    if b is not None and len(b) != 2:
        raise ValueError(f"sparse_tensor_dense_matmul: the dense operand must be a matrix, got shape {op.inputs[3].shape}")
    rows = None if a_shape is None or len(a_shape) != 2 else a_shape[1 if op.attrs["adjoint_a"] else 0]
    cols = None if b is None else b[0 if op.attrs["adjoint_b"] else 1]
    return [TensorShape([rows, cols])]


def _sparse_matmul_dtype(op):
    if op.inputs[1].dtype != op.inputs[3].dtype:
        raise TypeError(f"sparse_tensor_dense_matmul: the sparse values are {op.inputs[1].dtype.name} "
                        f"but the dense matrix is {op.inputs[3].dtype.name}")
    return [op.inputs[1].dtype]


defop("SparseTensorDenseMatMul", ("a_indices", "a_values", "a_shape", "b"),
      attrs={"adjoint_a": False, "adjoint_b": False}, dtype_fn=_sparse_matmul_dtype,
      shape_fn=_sparse_matmul_shape, doc="A (sparse, rank 2) times B (dense).")


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """``sp_a @ b`` for a rank-2 SparseTensor ``sp_a`` and a dense matrix ``b``
    (``adjoint_*`` transposes the operand first)."""
    sp = _sparse(sp_a, "sp_a")
    b = convert_to_tensor(b, dtype=sp.dtype, name="b")
    return _op("SparseTensorDenseMatMul", [sp.indices, sp.values, sp.dense_shape, b],
               {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)},
               name=name or "SparseTensorDenseMatMul")._outputs[0]


@gradient("SparseTensorDenseMatMul")
def _sparse_matmul_grad(op, grad):
    indices, values, shape, b = op.inputs
    adj_a, adj_b = op.attrs["adjoint_a"], op.attrs["adjoint_b"]
    # d/db: A^T @ grad (A's adjoint flips), transposed back when b was.
    b_grad = _op("SparseTensorDenseMatMul", [indices, values, shape, grad],
                 {"adjoint_a": not adj_a, "adjoint_b": False})._outputs[0]
    if adj_b:
        b_grad = array_ops.transpose(b_grad)
    # d/dvalues[k] for the entry (i, j) of A: grad[i, :] . B[j, :] (with B = op(b)).
    rows, cols = indices[:, 0], indices[:, 1]
    if adj_a:
        rows, cols = cols, rows
    dense_b = array_ops.transpose(b) if adj_b else b
    values_grad = math_ops.reduce_sum(array_ops.gather(grad, rows) * array_ops.gather(dense_b, cols), axis=1)
    return [None, values_grad, None, b_grad]


# --- reductions ----------------------------------------------------------------------------------
def _sparse_reduce_shape(op):
    dense = shape_from_tensor(op.inputs[2])
    return [reduced_shape(dense, op.attrs["axes"], op.attrs["keep_dims"])]


defop("SparseReduceSum", ("input_indices", "input_values", "input_shape"),
      attrs={"axes": None, "keep_dims": False}, dtype_fn=lambda op: [op.inputs[1].dtype],
      shape_fn=_sparse_reduce_shape,
      doc="The sum of a SparseTensor over axes (all with axes None), as a dense tensor.")


def _axes(axis, reduction_axes):
    axis = axis if axis is not None else reduction_axes
    if axis is None:
        return None
    return tuple(int(a) for a in np.atleast_1d(axis))


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """Sum of a SparseTensor's values over ``axis`` (every axis when None): dense."""
    sp = _sparse(sp_input)
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = _axes(axis, reduction_axes)
    rank = sp.shape.ndims
    if axes is not None and rank is not None:
        bad = [a for a in axes if not -rank <= a < rank]
        if bad:
            raise ValueError(f"sparse_reduce_sum: axis {bad[0]} is out of range for rank {rank}")
        axes = tuple(sorted({a % rank for a in axes}))
    return _op("SparseReduceSum", [sp.indices, sp.values, sp.dense_shape],
               {"axes": axes, "keep_dims": keep}, name="SparseReduceSum")._outputs[0]


@gradient("SparseReduceSum")
def _sparse_reduce_sum_grad(op, grad):
    indices, _, shape = op.inputs
    axes = op.attrs["axes"]
    if axes is None:
        return [None, array_ops.fill(array_ops.shape(indices)[:1], grad), None]
    # Each value's gradient is the output gradient at its index with the reduced axes at 0.
    rank = array_ops.size(shape)
    reduced = math_ops.reduce_any(math_ops.equal(
        array_ops.expand_dims(array_ops.range(rank), 1),
        constant(np.array(axes, np.int32))), axis=1)
    kept_shape = array_ops.where(reduced, array_ops.ones_like(shape), shape)
    kept_grad = array_ops.reshape(grad, kept_shape)
    kept_indices = indices * math_ops.cast(math_ops.logical_not(reduced), dtypes.int64)
    return [None, gather_nd(kept_grad, kept_indices), None]


# --- reorder, add, and compositions ----------------------------------------------------------------
defop("SparseReorder", ("input_indices", "input_values", "input_shape"), num_outputs=2,
      dtype_fn=lambda op: [dtypes.int64, op.inputs[1].dtype],
      shape_fn=lambda op: [op.inputs[0].shape, op.inputs[1].shape],
      doc="The same SparseTensor with its entries in row-major (lexicographic) order.")


def sparse_reorder(sp_input, name=None):
    sp = _sparse(sp_input)
    op = _op("SparseReorder", [sp.indices, sp.values, sp.dense_shape], name=name or "SparseReorder")
    return SparseTensor(op._outputs[0], op._outputs[1], sp.dense_shape)


@gradient("SparseReorder")
def _sparse_reorder_grad(op, _, values_grad):
    indices, values, shape = op.inputs
    n = array_ops.shape(values, out_type=dtypes.int64)[:1]
    positions = array_ops.range(0, n[0], dtype=dtypes.int64)
    order = _op("SparseReorder", [indices, positions, shape])._outputs[1]
    return [None, scatter_nd(array_ops.expand_dims(order, 1), values_grad, n), None]


defop("SparseTensorDenseAdd", ("a_indices", "a_values", "a_shape", "b"),
      dtype_fn=lambda op: [op.inputs[3].dtype], shape_fn=lambda op: [op.inputs[3].shape],
      doc="A sparse tensor added to a dense one of the same shape: dense.")


@gradient("SparseTensorDenseAdd")
def _sparse_dense_add_grad(op, grad):
    return [None, gather_nd(grad, op.inputs[0]), None, grad]


def sparse_add(a, b, thresh=0, threshold=None):
    """A SparseTensor plus a dense tensor (dense result), or two SparseTensors (sparse
    result; entries whose magnitude is below ``thresh`` are dropped)."""
    if not isinstance(a, (SparseTensor, SparseTensorValue)):
        a, b = b, a
    a = _sparse(a, "a")
    if not isinstance(b, (SparseTensor, SparseTensorValue)):
        b = convert_to_tensor(b, dtype=a.dtype, name="b")
        return _op("SparseTensorDenseAdd", [a.indices, a.values, a.dense_shape, b],
                   name="SparseTensorDenseAdd")._outputs[0]
    b = _sparse(b, "b")
    thresh = threshold if threshold is not None else thresh
    # Both operands' entries summed into a dense tensor (ScatterNd adds duplicates), then
    # read back at the union of their index sets, in row-major order.
    with name_scope("SparseAdd"):
        indices = array_ops.concat([a.indices, b.indices], 0)
        dense = scatter_nd(indices, array_ops.concat([a.values, b.values], 0), a.dense_shape)
        ones = array_ops.ones_like(indices[:, 0], dtype=dtypes.int32)
        mask = math_ops.greater(scatter_nd(indices, ones, a.dense_shape), 0)
        if thresh:
            mask = math_ops.logical_and(mask, math_ops.greater_equal(math_ops.abs(dense), thresh))
        kept = array_ops.where(mask)
        return SparseTensor(kept, gather_nd(dense, kept), a.dense_shape)


def from_dense(tensor, name=None):
    """The SparseTensor of a dense tensor's non-zero entries."""
    with name_scope(name or "dense_to_sparse"):
        tensor = convert_to_tensor(tensor)
        zero = constant(np.zeros((), tensor.dtype.np_dtype) if tensor.dtype != dtypes.string else b"")
        indices = array_ops.where(math_ops.not_equal(tensor, zero))
        return SparseTensor(indices, gather_nd(tensor, indices),
                            array_ops.shape(tensor, out_type=dtypes.int64))


def sparse_transpose(sp_input, perm=None, name=None):
    """Transpose a SparseTensor (``perm`` defaults to reversing the axes)."""
    sp = _sparse(sp_input)
    with name_scope(name or "SparseTranspose"):
        if perm is None:
            rank = sp.shape.ndims
            if rank is None:
                raise ValueError("sparse_transpose needs perm when the rank is unknown")
            perm = list(range(rank))[::-1]
        perm = np.asarray(perm, dtype=np.int32)
        indices = array_ops.gather(sp.indices, perm, axis=1)
        shape = array_ops.gather(sp.dense_shape, perm)
        return sparse_reorder(SparseTensor(indices, sp.values, shape))


def sparse_retain(sp_input, to_retain):
    """The entries of ``sp_input`` where the boolean vector ``to_retain`` is True."""
    sp = _sparse(sp_input)
    where = array_ops.reshape(array_ops.where(convert_to_tensor(to_retain, dtype=dtypes.bool_)), [-1])
    return SparseTensor(array_ops.gather(sp.indices, where), array_ops.gather(sp.values, where),
                        sp.dense_shape)


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None):
    """Concatenate SparseTensors along ``axis`` (the other dims must agree)."""
    axis = concat_dim if concat_dim is not None else axis
    sps = [_sparse(s, "sp_inputs") for s in sp_inputs]
    with name_scope(name or "SparseConcat"):
        rank = sps[0].shape.ndims
        if rank is None:
            raise ValueError("sparse_concat needs inputs of known rank")
        axis = axis % rank
        unit = constant(np.eye(rank, dtype=np.int64)[axis])
        offset = constant(np.zeros(rank, np.int64))
        indices, values = [], []
        for s in sps:
            indices.append(s.indices + offset * unit)
            values.append(s.values)
            offset = offset + s.dense_shape
        total = offset * unit + sps[0].dense_shape * (1 - unit)
        return sparse_reorder(SparseTensor(array_ops.concat(indices, 0), array_ops.concat(values, 0), total))


def sparse_expand_dims(sp_input, axis=None, name=None):
    """Insert a dimension of size 1 at ``axis``."""
    sp = _sparse(sp_input)
    with name_scope(name or "ExpandDims"):
        rank = sp.shape.ndims
        if rank is None:
            raise ValueError("sparse.expand_dims needs an input of known rank")
        axis = 0 if axis is None else axis % (rank + 1)
        zeros = array_ops.zeros_like(sp.indices[:, :1])
        indices = array_ops.concat([sp.indices[:, :axis], zeros, sp.indices[:, axis:]], 1)
        shape = array_ops.concat([sp.dense_shape[:axis], constant(np.ones(1, np.int64)), sp.dense_shape[axis:]], 0)
        return SparseTensor(indices, sp.values, shape)


def sparse_eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """A sparse identity matrix of shape [num_rows, num_columns]."""
    num_columns = num_rows if num_columns is None else num_columns
    n = min(num_rows, num_columns)
    diag = np.arange(n, dtype=np.int64)
    return SparseTensor(np.stack([diag, diag], 1), np.ones(n, dtypes.as_dtype(dtype).np_dtype),
                        np.array([num_rows, num_columns], np.int64))


def sparse_matmul(a, b, transpose_a=False, transpose_b=False, a_is_sparse=False,
                  b_is_sparse=False, name=None):
    """TF1's ``tf.sparse_matmul``: a dense matmul with sparsity hints (ignored)."""
    return math_ops.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b, name=name)



def _union(a, b, combine, name):
    """Elementwise ``combine`` of two SparseTensors of one shape, on the union of their
    entries (an absent entry counts as zero), in row-major order."""
    a, b = _sparse(a, "sp_a"), _sparse(b, "sp_b")
    with name_scope(name):
        indices = array_ops.concat([a.indices, b.indices], 0)
        dense = combine(scatter_nd(a.indices, a.values, a.dense_shape),
                        scatter_nd(b.indices, b.values, a.dense_shape))
        ones = array_ops.ones_like(indices[:, 0], dtype=dtypes.int32)
        kept = array_ops.where(math_ops.greater(scatter_nd(indices, ones, a.dense_shape), 0))
        return SparseTensor(kept, gather_nd(dense, kept), a.dense_shape)


def sparse_maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one shape."""
    return _union(sp_a, sp_b, math_ops.maximum, name or "SparseSparseMaximum")


def sparse_minimum(sp_a, sp_b, name=None):
    """The elementwise minimum of two SparseTensors of one shape."""
    return _union(sp_a, sp_b, math_ops.minimum, name or "SparseSparseMinimum")


def sparse_reset_shape(sp_input, new_shape=None):
    """The same entries with dense shape ``new_shape``, or the tightest shape that holds
    them (one more than the largest index in each dimension)."""
    sp = _sparse(sp_input)
    if new_shape is None:
        shape = math_ops.reduce_max(sp.indices, axis=0) + 1
    else:
        shape = convert_to_tensor(new_shape, dtype=dtypes.int64, name="new_shape")
    return SparseTensor(sp.indices, sp.values, shape)


def sparse_slice(sp_input, start, size, name=None):
    """The entries inside the box ``start`` .. ``start + size`` (clipped to the dense
    shape), with indices relative to ``start``."""
    sp = _sparse(sp_input)
    with name_scope(name or "SparseSlice"):
        start = convert_to_tensor(start, dtype=dtypes.int64, name="start")
        end = math_ops.minimum(start + convert_to_tensor(size, dtype=dtypes.int64), sp.dense_shape)
        inside = math_ops.reduce_all(math_ops.logical_and(
            math_ops.greater_equal(sp.indices, start), math_ops.less(sp.indices, end)), axis=1)
        kept = array_ops.reshape(array_ops.where(inside), [-1])
        return SparseTensor(array_ops.gather(sp.indices, kept) - start,
                            array_ops.gather(sp.values, kept), math_ops.maximum(end - start, 0))


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """(the SparseTensor with ``default_value`` at [row, 0, ...] of each empty row, a
    bool vector telling which rows were empty)."""
    sp = _sparse(sp_input)
    with name_scope(name or "SparseFillEmptyRows"):
        rows = sp.dense_shape[:1]
        counts = scatter_nd(sp.indices[:, :1], array_ops.ones_like(sp.indices[:, 0], dtype=dtypes.int32), rows)
        empty = math_ops.equal(counts, 0)
        new_rows = array_ops.where(empty)  # [k, 1]: the empty rows' numbers
        zeros_shape = array_ops.concat([array_ops.shape(new_rows)[:1], array_ops.shape(sp.indices)[1:] - 1], 0)
        new_indices = array_ops.concat(
            [new_rows, array_ops.fill(zeros_shape, constant(np.zeros((), np.int64)))], 1)
        default = convert_to_tensor(default_value, dtype=sp.dtype)
        new_values = array_ops.fill(array_ops.shape(new_rows)[:1], default)
        filled = sparse_reorder(SparseTensor(array_ops.concat([sp.indices, new_indices], 0),
                                             array_ops.concat([sp.values, new_values], 0),
                                             sp.dense_shape))
        return filled, empty


def sparse_to_indicator(sp_input, vocab_size, name=None):
    """A dense bool tensor [..., vocab_size]: True at each value of each row of the
    integer SparseTensor ``sp_input``."""
    sp = _sparse(sp_input)
    with name_scope(name or "SparseToIndicator"):
        ids = math_ops.cast(array_ops.expand_dims(sp.values, 1), dtypes.int64)
        indices = array_ops.concat([sp.indices[:, :-1], ids], 1)
        shape = array_ops.concat([sp.dense_shape[:-1], constant(np.array([vocab_size], np.int64))], 0)
        hits = scatter_nd(indices, array_ops.ones_like(sp.values, dtype=dtypes.int32), shape)
        return math_ops.greater(hits, 0)


def sparse_merge(sp_ids, sp_values, vocab_size, name=None, already_sorted=False):
    """The SparseTensor with ``sp_values``' values at [row..., id] for the ids in
    ``sp_ids``: a sparse [..., vocab_size] feature matrix."""
    ids, values = _sparse(sp_ids, "sp_ids"), _sparse(sp_values, "sp_values")
    with name_scope(name or "SparseMerge"):
        column = math_ops.cast(array_ops.expand_dims(ids.values, 1), dtypes.int64)
        indices = array_ops.concat([ids.indices[:, :-1], column], 1)
        shape = array_ops.concat([ids.dense_shape[:-1], constant(np.array([vocab_size], np.int64))], 0)
        merged = SparseTensor(indices, values.values, shape)
        return merged if already_sorted else sparse_reorder(merged)


def _segment(data, indices, segment_ids, num_segments, scale, name):
    with name_scope(name):
        data = convert_to_tensor(data, name="data")
        segment_ids = math_ops.cast(convert_to_tensor(segment_ids, name="segment_ids"), dtypes.int64)
        rows = array_ops.gather(data, indices)
        if num_segments is None:
            n = math_ops.reduce_max(segment_ids) + 1
        else:
            n = math_ops.cast(convert_to_tensor(num_segments), dtypes.int64)
        out_shape = array_ops.concat([array_ops.reshape(n, [1]),
                                      array_ops.shape(rows, out_type=dtypes.int64)[1:]], 0)
        ids = array_ops.expand_dims(segment_ids, 1)
        total = scatter_nd(ids, rows, out_shape)
        if scale is None:
            return total
        counts = scatter_nd(ids, array_ops.ones_like(segment_ids, dtype=data.dtype), array_ops.reshape(n, [1]))
        divisor = scale(math_ops.maximum(counts, array_ops.ones_like(counts)))
        return total / array_ops.reshape(divisor, array_ops.concat(
            [array_ops.reshape(n, [1]), array_ops.ones_like(out_shape[1:])], 0))


def sparse_segment_sum(data, indices, segment_ids, name=None, num_segments=None):
    """output[s] = the sum of data[indices[i]] over the i with segment_ids[i] == s."""
    return _segment(data, indices, segment_ids, num_segments, None, name or "SparseSegmentSum")


def sparse_segment_mean(data, indices, segment_ids, name=None, num_segments=None):
    """Like sparse_segment_sum, divided by each segment's size (empty segments are 0)."""
    return _segment(data, indices, segment_ids, num_segments, lambda c: c, name or "SparseSegmentMean")


def sparse_segment_sqrt_n(data, indices, segment_ids, name=None, num_segments=None):
    """Like sparse_segment_sum, divided by the square root of each segment's size."""
    return _segment(data, indices, segment_ids, num_segments, math_ops.sqrt, name or "SparseSegmentSqrtN")
