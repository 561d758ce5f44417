"""More of ``tf.sparse``: reshape, split, softmax, max and sum reductions with sparse or
dense results, bincount, feature crosses and ``tf.sparse.mask`` of IndexedSlices.

The ops are TF's (``SparseReshape``, ``SparseReduceMax``, ``SparseSoftmax``,
``DenseCountSparseOutput``...) with TF1's semantics: a reduction sees only the entries
present (an output position with none gets 0 in a dense result and no entry in a sparse
one). Their kernels (``backends/sparse_extra_kernels.py``) work on index lists and run on
the host, as TF's do.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.indexed_slices import IndexedSlices
from tensorflux.ops.manip_ops import gather_nd, setdiff1d
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import reduced_shape, shape_from_tensor
from tensorflux.ops.sparse_ops import _axes, _sparse, sparse_slice
from tensorflux.ops.sparse_tensor import SparseTensor


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _rank_of(op, i):
    n = op.inputs[i].shape.as_tuple()
    return n[0] if n is not None else None


# --- reshape ----------------------------------------------------------------------------
defop("SparseReshape", ("input_indices", "input_shape", "new_shape"), num_outputs=2,
      dtype_fn=lambda op: [dtypes.int64, dtypes.int64],
      shape_fn=lambda op: [TensorShape([op.inputs[0].shape.as_tuple()[0] if op.inputs[0].shape.ndims else None,
                                        _rank_of(op, 2)]), op.inputs[2].shape],
      doc="The indices and dense shape of a SparseTensor reshaped to new_shape (one -1 allowed).")
not_differentiable("SparseReshape")


def sparse_reshape(sp_input, shape, name=None):
    """The same entries in a tensor of ``shape`` (row-major order kept; one dimension may
    be -1 and is inferred)."""
    sp = _sparse(sp_input)
    with name_scope(name, "SparseReshape", [sp.indices, shape]) as scope:
        new_shape = convert_to_tensor(shape, dtype=dtypes.int64, name="shape")
        known = new_shape.shape.as_tuple()
        if known is not None and len(known) != 1:
            raise ValueError(f"sparse_reshape: shape must be a vector, got shape {new_shape.shape}")
        op = _op("SparseReshape", [sp.indices, sp.dense_shape, new_shape], name=scope)
        indices, dense_shape = op.outputs
        static = shape_from_tensor(new_shape).as_tuple()
        old = shape_from_tensor(sp.dense_shape).as_tuple()
        if static is not None and old is not None and None not in old:
            dims = [d for d in static if d is not None]
            if static.count(None) == 0 and int(np.prod(dims)) != int(np.prod(old)):
                raise ValueError(f"Cannot reshape a SparseTensor with {int(np.prod(old))} "
                                 f"elements to shape {list(static)} "
                                 f"({int(np.prod(dims))} elements)")
        return SparseTensor(indices, array_ops.identity(sp.values), dense_shape)


# --- reductions ---------------------------------------------------------------------------
def _reduce_attrs(sp, axis, keepdims, reduction_axes, keep_dims, what):
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = _axes(axis, reduction_axes)
    rank = sp.shape.ndims
    if axes is not None and rank is not None:
        bad = [a for a in axes if not -rank <= a < rank]
        if bad:
            raise ValueError(f"{what}: axis {bad[0]} is out of range for rank {rank}")
        axes = tuple(sorted({a % rank for a in axes}))
    return {"axes": axes, "keep_dims": keep}


def _dense_reduce_shape(op):
    return [reduced_shape(shape_from_tensor(op.inputs[2]), op.attrs["axes"], op.attrs["keep_dims"])]


def _sparse_reduce_shapes(op):
    out = reduced_shape(shape_from_tensor(op.inputs[2]), op.attrs["axes"], op.attrs["keep_dims"])
    rank = out.ndims
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


defop("SparseReduceMax", ("input_indices", "input_values", "input_shape"),
      attrs={"axes": None, "keep_dims": False}, dtype_fn=lambda op: [op.inputs[1].dtype],
      shape_fn=_dense_reduce_shape,
      doc="The maximum of the entries present over axes; 0 where none is present.")
for _name, _what in (("SparseReduceMaxSparse", "maximum"), ("SparseReduceSumSparse", "sum")):
    defop(_name, ("input_indices", "input_values", "input_shape"),
          attrs={"axes": None, "keep_dims": False}, num_outputs=3,
          dtype_fn=lambda op: [dtypes.int64, op.inputs[1].dtype, dtypes.int64],
          shape_fn=_sparse_reduce_shapes,
          doc=f"The {_what} of the entries present over axes, as a SparseTensor holding the "
              f"output positions some entry reached.")
not_differentiable("SparseReduceMax", "SparseReduceMaxSparse", "SparseReduceSumSparse")


def sparse_reduce_max(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """The maximum of a SparseTensor's entries over ``axis`` (all axes when None), as a
    dense tensor: only the entries present count (not the implicit zeros); an output
    position no entry reaches is 0."""
    sp = _sparse(sp_input)
    attrs = _reduce_attrs(sp, axis, keepdims, reduction_axes, keep_dims, "sparse_reduce_max")
    return _op("SparseReduceMax", [sp.indices, sp.values, sp.dense_shape], attrs).outputs[0]


def _reduce_sparse(op_type, sp_input, axis, keepdims, reduction_axes, keep_dims, what):
    sp = _sparse(sp_input)
    attrs = _reduce_attrs(sp, axis, keepdims, reduction_axes, keep_dims, what)
    indices, values, shape = _op(op_type, [sp.indices, sp.values, sp.dense_shape], attrs).outputs
    return SparseTensor(indices, values, shape)


def sparse_reduce_max_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None,
                             keep_dims=None):
    """sparse_reduce_max as a SparseTensor (entries only where some input entry falls)."""
    return _reduce_sparse("SparseReduceMaxSparse", sp_input, axis, keepdims, reduction_axes,
                          keep_dims, "sparse_reduce_max_sparse")


def sparse_reduce_sum_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None,
                             keep_dims=None):
    """sparse_reduce_sum as a SparseTensor (entries only where some input entry falls)."""
    return _reduce_sparse("SparseReduceSumSparse", sp_input, axis, keepdims, reduction_axes,
                          keep_dims, "sparse_reduce_sum_sparse")


# --- softmax --------------------------------------------------------------------------------
defop("SparseSoftmax", ("sp_indices", "sp_values", "sp_shape"),
      shape_fn=lambda op: [op.inputs[1].shape], dtype_fn=lambda op: [op.inputs[1].dtype],
      doc="Softmax over the last dimension among each row's entries present.")


def sparse_softmax(sp_input, name=None):
    """Softmax of each innermost row of a SparseTensor over its entries present (the
    implicit zeros take no part and stay absent); the result has the same indices."""
    sp = _sparse(sp_input)
    if not sp.dtype.is_floating:
        raise TypeError(f"sparse_softmax needs float values, got {sp.dtype.name}")
    with name_scope(name, "SparseSoftmax", [sp.indices, sp.values]) as scope:
        values = _op("SparseSoftmax", [sp.indices, sp.values, sp.dense_shape], name=scope).outputs[0]
        return SparseTensor(sp.indices, values, sp.dense_shape)


@gradient("SparseSoftmax")
def _sparse_softmax_grad(op, grad):
    """y * (grad - the sum of y * grad over the entry's innermost row), as TF1."""
    indices, _, shape = op.inputs
    y = op.outputs[0]
    rank = indices.shape.as_tuple()[1] if indices.shape.ndims == 2 else (shape.shape.as_tuple() or (None,))[0]
    if rank is None:
        raise ValueError("the gradient of sparse_softmax needs a SparseTensor of known rank")
    sums = _op("SparseReduceSum", [indices, y * grad, shape],
               {"axes": (rank - 1,), "keep_dims": True}).outputs[0]
    row = array_ops.concat([indices[:, :-1], array_ops.zeros_like(indices[:, -1:])], 1)
    return [None, (grad - gather_nd(sums, row)) * y, None]


# --- split ------------------------------------------------------------------------------------
def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None, name=None,
                 split_dim=None):
    """``num_split`` SparseTensors cut from ``sp_input`` along ``axis``: the first
    ``size % num_split`` pieces get one more slice, as TF1 does."""
    axis = split_dim if axis is None else axis
    if sp_input is None or num_split is None or axis is None:
        raise ValueError("sparse.split needs sp_input, num_split and axis (as keywords)")
    sp = _sparse(sp_input)
    num_split, axis = int(num_split), int(axis)
    if num_split < 1:
        raise ValueError(f"num_split must be positive, got {num_split}")
    rank = sp.shape.ndims
    if rank is None:
        raise ValueError("sparse.split needs an input of known rank")
    if not -rank <= axis < rank:
        raise ValueError(f"sparse.split: axis {axis} is out of range for rank {rank}")
    axis %= rank
    with name_scope(name, "SparseSplit", [sp.indices, sp.values]):
        size = sp.dense_shape[axis]
        base, extra = size // num_split, size % num_split
        unit = constant(np.eye(rank, dtype=np.int64)[axis])
        pieces = []
        for i in range(num_split):
            start = i * base + math_ops.minimum(constant(np.int64(i)), extra)
            length = base + math_ops.cast(math_ops.less(constant(np.int64(i)), extra), dtypes.int64)
            piece = sparse_slice(sp, start * unit, length * unit + sp.dense_shape * (1 - unit))
            pieces.append(piece)
        return pieces


# --- IndexedSlices mask ---------------------------------------------------------------------
def sparse_mask(a, mask_indices, name=None):
    """The IndexedSlices ``a`` without the slices whose indices are in ``mask_indices``."""
    if not isinstance(a, IndexedSlices):
        raise TypeError(f"sparse_mask needs an IndexedSlices, got {type(a).__name__}")
    with name_scope(name, "sparse_mask", [a.indices, mask_indices]):
        mask_indices = convert_to_tensor(mask_indices, dtype=a.indices.dtype, name="mask_indices")
        out_indices, to_gather = setdiff1d(a.indices, mask_indices)
        return IndexedSlices(array_ops.gather(a.values, to_gather), out_indices, a.dense_shape)


# --- bincount ---------------------------------------------------------------------------------
_COUNT_ATTRS = {"binary_output": False, "minlength": -1, "maxlength": -1, "axis_last": False,
                "weighted": False}


def _count_dtypes(op):
    values = op.inputs[-1] if op.attrs["weighted"] else op.inputs[1 if op.type.startswith("Sparse") else 0]
    return [dtypes.int64, values.dtype, dtypes.int64]


def _count_shapes(op):
    rank = 2 if op.attrs["axis_last"] else 1
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


defop("DenseCountSparseOutput", ("values", "weights"), attrs=dict(_COUNT_ATTRS), num_outputs=3,
      dtype_fn=_count_dtypes, shape_fn=_count_shapes,
      doc="Counts (or summed weights) of each value, per row with axis_last, as a "
          "SparseTensor's indices, values and dense shape.")
defop("SparseCountSparseOutput", ("indices", "values", "dense_shape", "weights"),
      attrs=dict(_COUNT_ATTRS), num_outputs=3, dtype_fn=_count_dtypes, shape_fn=_count_shapes,
      doc="DenseCountSparseOutput of a SparseTensor's values.")
not_differentiable("DenseCountSparseOutput", "SparseCountSparseOutput")


def sparse_bincount(values, weights=None, axis=0, minlength=None, maxlength=None,
                    binary_output=False, name=None):
    """How many times each integer occurs in ``values`` (a tensor or SparseTensor), as a
    SparseTensor: over all values with ``axis`` 0, per row of a 2-D input with ``axis``
    -1. With ``weights`` (of values' shape), the weights of each value are summed;
    ``binary_output`` gives 1 for each value present. The size is the largest value + 1,
    at least ``minlength``; values at or above ``maxlength`` are dropped."""
    if axis not in (0, -1):
        raise ValueError(f"sparse.bincount supports axis 0 and -1, got {axis}")
    if binary_output and weights is not None:
        raise ValueError("binary_output and weights are mutually exclusive")
    attrs = {"binary_output": bool(binary_output),
             "minlength": -1 if minlength is None else int(minlength),
             "maxlength": -1 if maxlength is None else int(maxlength),
             "axis_last": axis == -1, "weighted": weights is not None}
    with name_scope(name, "count", [values, weights]) as scope:
        if isinstance(values, SparseTensor):
            if values.values.dtype not in (dtypes.int32, dtypes.int64):
                raise TypeError(f"sparse.bincount needs int32 or int64 values, got {values.dtype.name}")
            rank = values.shape.ndims
            w = (convert_to_tensor(weights, name="weights") if weights is not None
                 else array_ops.zeros([0], values.dtype))
            inputs, op_type = [values.indices, values.values, values.dense_shape, w], "SparseCountSparseOutput"
        else:
            values = convert_to_tensor(values, name="values")
            if values.dtype not in (dtypes.int32, dtypes.int64):
                raise TypeError(f"sparse.bincount needs int32 or int64 values, got {values.dtype.name}")
            rank = values.shape.ndims
            w = (convert_to_tensor(weights, name="weights") if weights is not None
                 else array_ops.zeros([0], values.dtype))
            inputs, op_type = [values, w], "DenseCountSparseOutput"
        if axis == -1 and rank not in (None, 2):
            raise ValueError(f"sparse.bincount with axis=-1 needs a 2-D input, got rank {rank}")
        indices, counts, shape = _op(op_type, inputs, attrs, name=scope).outputs
        return SparseTensor(indices, counts, shape)


# --- crosses --------------------------------------------------------------------------------
_CROSS_ATTRS = {"kinds": (), "separator": "_X_", "hashed": False, "num_buckets": 0,
                "hash_key": 0xDECAFCAFFE}
defop("SparseFeatureCross", ("*inputs",), attrs=dict(_CROSS_ATTRS), num_outputs=3,
      dtype_fn=lambda op: [dtypes.int64, dtypes.int64 if op.attrs["hashed"] else dtypes.string,
                           dtypes.int64],
      shape_fn=lambda op: [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])],
      doc="The crosses of each row's features (every combination, one from each input): "
          "strings joined by separator, or their FingerprintCat64 hashes.")
not_differentiable("SparseFeatureCross")


def _cross(inputs, attrs, name):
    """The cross op of ``inputs``: the sparse ones come first in each cross, then the
    dense ones, each kind in the order given (as TF1 orders them)."""
    flat, kinds = [], []
    inputs = ([x for x in inputs if isinstance(x, SparseTensor)]
              + [x for x in inputs if not isinstance(x, SparseTensor)])
    for x in inputs:
        if isinstance(x, SparseTensor):
            flat += [x.indices, x.values, x.dense_shape]
            kinds.append("sparse")
            t = x.values
        else:
            t = convert_to_tensor(x)
            if t.shape.ndims not in (None, 2):
                raise ValueError(f"sparse.cross: dense inputs must be 2-D, got shape {t.shape}")
            flat.append(t)
            kinds.append("dense")
        if t.dtype not in (dtypes.string, dtypes.int64, dtypes.int32):
            raise TypeError(f"sparse.cross inputs must be string or integer, got {t.dtype.name}")
    if not inputs:
        raise ValueError("sparse.cross needs at least one input")
    indices, values, shape = _op("SparseFeatureCross", flat, {**attrs, "kinds": tuple(kinds)},
                                 name=name).outputs
    return SparseTensor(indices, values, shape)


def sparse_cross(inputs, name=None, separator=None):
    """The string crosses of 2-D sparse or dense features: for each row, every
    combination of one value from each input, joined by ``separator`` ("_X_")."""
    return _cross(list(inputs), {"separator": "_X_" if separator is None else str(separator)},
                  name or "SparseCross")


def sparse_cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """The crosses of sparse_cross as int64 hashes (FarmHash's FingerprintCat64 of the
    features' fingerprints, as TF1), modulo ``num_buckets`` when it is positive."""
    attrs = {"hashed": True, "num_buckets": int(num_buckets)}
    if hash_key is not None:
        attrs["hash_key"] = int(hash_key)
    return _cross(list(inputs), attrs, name or "SparseCrossHashed")
