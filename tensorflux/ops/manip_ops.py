"""Array manipulation beyond reshape and slicing: gather_nd/scatter_nd and the
tensor_scatter family, reverse, roll, unique, dynamic partition/stitch, broadcasting,
masks and sorting, space/batch/depth rearrangements, and the scatter updates of
variables. Each differentiable op carries TF1's gradient."""
from __future__ import annotations

import builtins

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape, as_shape, unknown_shape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.math_ops import _graph_of, _op, binary_operands
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import (broadcast_dims, constant_value, normalize_axis,
                                      same_shape, shape_from_tensor)


def _int_indices(op, i):
    t = op.inputs[i]
    if not t.dtype.is_integer:
        raise TypeError(f"{op.type}: {op.op_def.inputs[i]} must be integers, got {t.dtype.name}")
    return t.shape.as_tuple()


# --- gather_nd / scatter_nd ------------------------------------------------------------
def _gather_nd_shape(op):
    params, idx = op.inputs[0].shape.as_tuple(), _int_indices(op, 1)
    if params is None or idx is None or idx[-1] is None:
        return [TensorShape(None)]
    if idx[-1] > len(params):
        raise ValueError(f"GatherNd: index depth {idx[-1]} exceeds the rank of params "
                         f"{op.inputs[0].shape}")
    return [TensorShape(idx[:-1] + params[idx[-1]:])]


def _check_updates(op, target, idx, updates):
    if target is None or idx is None or updates is None or idx[-1] is None:
        return
    want = TensorShape(idx[:-1] + target[idx[-1]:])
    if not want.is_compatible_with(TensorShape(updates)):
        raise ValueError(f"{op.type}: updates of shape {TensorShape(updates)} do not match "
                         f"indices {TensorShape(idx)} into shape {TensorShape(target)} "
                         f"(expected {want})")


def _scatter_nd_shape(op):
    idx, updates = _int_indices(op, 0), op.inputs[1].shape.as_tuple()
    shape = shape_from_tensor(op.inputs[2])
    _check_updates(op, shape.as_tuple(), idx, updates)
    return [shape]


def _tensor_scatter_shape(op):
    target, idx, updates = op.inputs[0].shape.as_tuple(), _int_indices(op, 1), op.inputs[2].shape.as_tuple()
    _check_updates(op, target, idx, updates)
    if op.inputs[0].dtype != op.inputs[2].dtype:
        raise TypeError(f"{op.type}: updates of dtype {op.inputs[2].dtype.name} do not match "
                        f"the tensor's {op.inputs[0].dtype.name}")
    return [op.inputs[0].shape]


defop("GatherNd", ("params", "indices"), shape_fn=_gather_nd_shape,
      doc="Slices of params at the index tuples in the last dimension of indices.")
defop("ScatterNd", ("indices", "updates", "shape"), shape_fn=_scatter_nd_shape,
      dtype_fn=lambda op: [op.inputs[1].dtype],
      doc="Zeros of `shape` with updates added at the index tuples (duplicates sum).")
TENSOR_SCATTER = ("Update", "Add", "Sub", "Max", "Min")
for _kind in TENSOR_SCATTER:
    defop(f"TensorScatter{_kind}", ("tensor", "indices", "updates"), shape_fn=_tensor_scatter_shape,
          doc=f"A copy of tensor with updates {_kind.lower()}-combined at the index tuples.")


def gather_nd(params, indices, name=None, batch_dims=0):
    if batch_dims:
        raise NotImplementedError("gather_nd with batch_dims != 0")
    with _graph_of(params, indices).as_default():
        return _op("GatherNd", [convert_to_tensor(params), convert_to_tensor(indices)],
                   name=name or "GatherNd")


def _shape_tensor(shape):
    if isinstance(shape, Tensor):
        return shape
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"A shape tensor needs a fully defined TensorShape, got {shape}")
        shape = shape.as_list()
    return convert_to_tensor(shape, dtype=dtypes.int32 if not isinstance(shape, np.ndarray) else None)


def scatter_nd(indices, updates, shape, name=None):
    with _graph_of(indices, updates).as_default():
        return _op("ScatterNd", [convert_to_tensor(indices), convert_to_tensor(updates),
                                 _shape_tensor(shape)], name=name or "ScatterNd")


def _tensor_scatter(kind, tensor, indices, updates, name):
    with _graph_of(tensor, indices, updates).as_default():
        t = convert_to_tensor(tensor)
        u = convert_to_tensor(updates, dtype=None if isinstance(updates, Tensor) else t.dtype)
        return _op(f"TensorScatter{kind}", [t, convert_to_tensor(indices), u],
                   name=name or f"TensorScatter{kind}")


def _tensor_scatter_fn(kind):
    def fn(tensor, indices, updates, name=None):
        return _tensor_scatter(kind, tensor, indices, updates, name)
    fn.__name__ = fn.__qualname__ = f"tensor_scatter_nd_{kind.lower()}"
    fn.__doc__ = f"A copy of ``tensor`` with ``updates`` {kind.lower()}-combined at the index tuples."
    return fn


(tensor_scatter_nd_update, tensor_scatter_nd_add, tensor_scatter_nd_sub, tensor_scatter_nd_max,
 tensor_scatter_nd_min) = (_tensor_scatter_fn(k) for k in TENSOR_SCATTER)


def batch_gather(params, indices, name=None):
    """params[b..., indices[b..., j]] for each batch position b (TF1's batch_gather)."""
    with name_scope(name, "BatchGather", [params, indices]) as scope:
        params = convert_to_tensor(params)
        return gather_nd(params, _batch_coordinates(indices, "batch_gather"), name=scope)


def _batch_coordinates(indices, what):
    """Index tuples (b..., indices[b..., j]) addressing one entry per batch position."""
    indices = convert_to_tensor(indices)
    rank = indices.shape.ndims
    if rank is None:
        raise ValueError(f"{what} needs indices of known rank")
    idx = array_ops.expand_dims(indices, -1)
    batch = [array_ops.reshape(math_ops.cast(array_ops.range(array_ops.shape(indices)[d]), indices.dtype),
                               [-1 if i == d else 1 for i in builtins.range(rank)] + [1])
             for d in builtins.range(rank - 1)]
    return array_ops.concat([array_ops.zeros_like(idx) + b for b in batch] + [idx], -1)


@gradient("GatherNd")
def _gather_nd_grad(op, grad):
    params, indices = op.inputs
    return [scatter_nd(indices, grad, array_ops.shape(params, out_type=indices.dtype)), None]


@gradient("ScatterNd")
def _scatter_nd_grad(op, grad):
    return [None, gather_nd(grad, op.inputs[0]), None]


@gradient("TensorScatterUpdate")
def _tensor_scatter_update_grad(op, grad):
    _, indices, updates = op.inputs
    return [tensor_scatter_nd_update(grad, indices, array_ops.zeros_like(updates)), None,
            gather_nd(grad, indices)]


@gradient("TensorScatterAdd")
def _tensor_scatter_add_grad(op, grad):
    return [grad, None, gather_nd(grad, op.inputs[1])]


@gradient("TensorScatterSub")
def _tensor_scatter_sub_grad(op, grad):
    return [grad, None, -gather_nd(grad, op.inputs[1])]


def _tensor_scatter_extremum_grad(op, grad):
    # TF1's rule: the gradient is shared equally by the tensor entry and the updates
    # that equal the result.
    x, indices, updates = op.inputs
    out = op.outputs[0]
    x_hit = math_ops.cast(math_ops.equal(x, out), grad.dtype)
    u_hit = math_ops.cast(math_ops.equal(updates, gather_nd(out, indices)), grad.dtype)
    hits = x_hit + scatter_nd(indices, u_hit, array_ops.shape(x, out_type=indices.dtype))
    share = grad / hits
    return [share * x_hit, None, gather_nd(share, indices) * u_hit]


gradient("TensorScatterMax", "TensorScatterMin")(_tensor_scatter_extremum_grad)


# --- reverse, roll, reverse_sequence -----------------------------------------------------
def _axes_shape(op):
    ndims = op.inputs[0].shape.ndims
    for a in op.attrs["axis"]:
        normalize_axis(a, ndims)
    return same_shape(op)


defop("ReverseV2", ("tensor",), attrs={"axis": ()}, shape_fn=_axes_shape,
      doc="Reverse the order along each of `axis`.")
defop("Roll", ("input",), attrs={"shift": (), "axis": ()}, shape_fn=_axes_shape,
      doc="Rotate elements by `shift` along each of `axis` (wrapping around).")
defop("ReverseSequence", ("input", "seq_lengths"), attrs={"seq_axis": 1, "batch_axis": 0},
      shape_fn=same_shape, doc="Reverse the first seq_lengths[b] entries along seq_axis of "
                               "each batch entry b.")


def _static_ints(value, what):
    if isinstance(value, Tensor):
        v = constant_value(value)
        if v is None:
            raise ValueError(f"{what} must be known when the graph is built")
        value = v
    return tuple(int(v) for v in np.ravel(value))


def reverse(tensor, axis, name=None):
    """Reverse ``tensor`` along the dimensions in ``axis``."""
    with _graph_of(tensor).as_default():
        x = convert_to_tensor(tensor)
        axes = _static_ints(axis, "reverse: axis")
        if len(set(a % x.shape.ndims if x.shape.ndims else a for a in axes)) != len(axes):
            raise ValueError(f"reverse: axis {list(axes)} has duplicates")
        return _op("ReverseV2", [x], {"axis": axes}, name=name or "ReverseV2")


def roll(input, shift, axis, name=None):  # noqa: A002
    """Shift elements along ``axis`` (ints or lists), wrapping around."""
    with _graph_of(input).as_default():
        x = convert_to_tensor(input)
        shifts, axes = _static_ints(shift, "roll: shift"), _static_ints(axis, "roll: axis")
        if len(shifts) != len(axes):
            raise ValueError(f"roll: shift {list(shifts)} and axis {list(axes)} must have the same length")
        return _op("Roll", [x], {"shift": shifts, "axis": axes}, name=name or "Roll")


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,  # noqa: A002
                     seq_dim=None, batch_dim=None):
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = batch_dim if batch_axis is None else batch_axis
    with _graph_of(input, seq_lengths).as_default():
        x, lengths = convert_to_tensor(input), convert_to_tensor(seq_lengths)
        if not lengths.dtype.is_integer or lengths.shape.ndims not in (None, 1):
            raise ValueError(f"reverse_sequence: seq_lengths must be a vector of integers, got "
                             f"{lengths.dtype.name} of shape {lengths.shape}")
        return _op("ReverseSequence", [x, lengths], {"seq_axis": int(seq_axis),
                                                     "batch_axis": int(batch_axis or 0)},
                   name=name or "ReverseSequence")


@gradient("ReverseV2")
def _reverse_grad(op, grad):
    return [_op("ReverseV2", [grad], {"axis": op.attrs["axis"]})]


@gradient("Roll")
def _roll_grad(op, grad):
    return [_op("Roll", [grad], {"shift": tuple(-s for s in op.attrs["shift"]), "axis": op.attrs["axis"]})]


@gradient("ReverseSequence")
def _reverse_sequence_grad(op, grad):
    return [_op("ReverseSequence", [grad, op.inputs[1]], dict(op.attrs)), None]


# --- unique, setdiff1d, searchsorted, unravel_index -----------------------------------------
def _vector(op, what="x"):
    if op.inputs[0].shape.ndims not in (None, 1):
        raise ValueError(f"{op.type}: {what} must be a vector, got shape {op.inputs[0].shape}")


def _unique_shape(op):
    _vector(op)
    return [unknown_shape(1), op.inputs[0].shape] + ([unknown_shape(1)] if op.num_outputs == 3 else [])


defop("Unique", ("x",), attrs={"out_idx": dtypes.int32}, num_outputs=2, shape_fn=_unique_shape,
      dtype_fn=lambda op: [op.inputs[0].dtype, op.attrs["out_idx"]],
      doc="(y, idx): the distinct values in order of first appearance, and x's positions in y.")
defop("UniqueWithCounts", ("x",), attrs={"out_idx": dtypes.int32}, num_outputs=3,
      shape_fn=_unique_shape,
      dtype_fn=lambda op: [op.inputs[0].dtype, op.attrs["out_idx"], op.attrs["out_idx"]])
defop("ListDiff", ("x", "y"), attrs={"out_idx": dtypes.int32}, num_outputs=2,
      shape_fn=lambda op: (_vector(op), [unknown_shape(1)] * 2)[1],
      dtype_fn=lambda op: [op.inputs[0].dtype, op.attrs["out_idx"]],
      doc="(out, idx): the values of x not in y, in x's order, and their positions in x.")


def _searchsorted_shape(op):
    seq, vals = op.inputs[0].shape, op.inputs[1].shape
    if seq.ndims is not None and vals.ndims is not None:
        if seq.ndims != vals.ndims or not TensorShape(seq.as_tuple()[:-1]).is_compatible_with(
                TensorShape(vals.as_tuple()[:-1])):
            raise ValueError(f"searchsorted: sorted_sequence {seq} and values {vals} must have "
                             f"the same leading dimensions")
    return [vals]


defop("SearchSorted", ("sorted_sequence", "values"), attrs={"side": "left", "out_type": dtypes.int32},
      shape_fn=_searchsorted_shape, dtype_fn=lambda op: [op.attrs["out_type"]],
      doc="Insertion points of values in each row of sorted_sequence.")
defop("UnravelIndex", ("indices", "dims"), shape_fn=lambda op: [TensorShape(
    (op.inputs[1].shape.as_tuple() or (None,))[:1] + (op.inputs[0].shape.as_tuple() or ()))]
    if op.inputs[0].shape.ndims is not None else [TensorShape(None)],
    doc="Coordinates of flat indices in an array of shape dims (shape [len(dims)] + indices' shape).")
not_differentiable("Unique", "UniqueWithCounts", "ListDiff", "SearchSorted", "UnravelIndex")


def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct values of the vector x in order of first appearance, and
    for each entry of x its position in y."""
    op = get_default_graph().create_op("Unique", [convert_to_tensor(x)],
                                       {"out_idx": dtypes.as_dtype(out_idx)}, name=name or "Unique")
    return op.outputs[0], op.outputs[1]


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """(y, idx, count): unique's results and how often each value occurs."""
    op = get_default_graph().create_op("UniqueWithCounts", [convert_to_tensor(x)],
                                       {"out_idx": dtypes.as_dtype(out_idx)},
                                       name=name or "UniqueWithCounts")
    return tuple(op.outputs)


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None):
    """(out, idx): the values of x that are not in y, and their positions in x."""
    with _graph_of(x, y).as_default():
        x, y = binary_operands(x, y, "ListDiff")
        op = get_default_graph().create_op("ListDiff", [x, y], {"out_idx": dtypes.as_dtype(index_dtype)},
                                           name=name or "ListDiff")
        return op.outputs[0], op.outputs[1]


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """For each value, where it would go in the (innermost, sorted) sequence."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    with _graph_of(sorted_sequence, values).as_default():
        seq, vals = binary_operands(sorted_sequence, values, "SearchSorted")
        return _op("SearchSorted", [seq, vals], {"side": side, "out_type": dtypes.as_dtype(out_type)},
                   name=name or "SearchSorted")


def unravel_index(indices, dims, name=None):
    with _graph_of(indices, dims).as_default():
        i = convert_to_tensor(indices)
        d = convert_to_tensor(dims, dtype=i.dtype if not isinstance(dims, Tensor) else None)
        if not i.dtype.is_integer or d.dtype != i.dtype:
            raise TypeError(f"unravel_index: indices and dims must be integers of one dtype, "
                            f"got {i.dtype.name} and {d.dtype.name}")
        return _op("UnravelIndex", [i, d], name=name or "UnravelIndex")


# --- dynamic_partition / dynamic_stitch --------------------------------------------------
def _partition_shape(op):
    data, parts = op.inputs[0].shape.as_tuple(), _int_indices(op, 1)
    if data is None or parts is None:
        return [TensorShape(None)] * op.num_outputs
    if not TensorShape(data[:len(parts)]).is_compatible_with(TensorShape(parts)):
        raise ValueError(f"DynamicPartition: partitions of shape {TensorShape(parts)} must be a "
                         f"prefix of data's shape {TensorShape(data)}")
    return [TensorShape((None,) + data[len(parts):])] * op.num_outputs


defop("DynamicPartition", ("data", "partitions"), attrs={"num_partitions": 1},
      num_outputs=lambda attrs: attrs["num_partitions"], shape_fn=_partition_shape,
      dtype_fn=lambda op: [op.inputs[0].dtype] * op.num_outputs,
      doc="Split data into num_partitions tensors by the partition of each entry.")


def _stitch_shape(op):
    n = len(op.inputs) // 2
    idx, data = op.inputs[:n], op.inputs[n:]
    i0, d0 = idx[0].shape.as_tuple(), data[0].shape.as_tuple()
    if i0 is None or d0 is None:
        return [TensorShape(None)]
    return [TensorShape((None,) + d0[len(i0):])]


defop("DynamicStitch", ("*indices_and_data",), shape_fn=_stitch_shape,
      dtype_fn=lambda op: [op.inputs[len(op.inputs) // 2].dtype],
      doc="Interleave the data tensors into one, row data[m][i] going to indices[m][i].")


def dynamic_partition(data, partitions, num_partitions, name=None):
    with _graph_of(data, partitions).as_default():
        op = get_default_graph().create_op(
            "DynamicPartition", [convert_to_tensor(data), convert_to_tensor(partitions, dtype=dtypes.int32)],
            {"num_partitions": int(num_partitions)}, name=name or "DynamicPartition")
        return list(op.outputs)


def dynamic_stitch(indices, data, name=None):
    if len(indices) != len(data) or not indices:
        raise ValueError(f"dynamic_stitch needs as many index tensors as data tensors, got "
                         f"{len(indices)} and {len(data)}")
    with _graph_of(*indices, *data).as_default():
        idx = [convert_to_tensor(i) for i in indices]
        if not all(i.dtype in (dtypes.int32, dtypes.int64) for i in idx):
            raise TypeError(f"dynamic_stitch: indices must be int32 or int64, got {[i.dtype.name for i in idx]}")
        values = [convert_to_tensor(d) for d in data]
        array_ops._check_same_dtype("dynamic_stitch", values)
        return _op("DynamicStitch", idx + values, name=name or "DynamicStitch")


@gradient("DynamicPartition")
def _dynamic_partition_grad(op, *grads):
    data, partitions = op.inputs
    positions = array_ops.reshape(array_ops.range(array_ops.size(partitions)), array_ops.shape(partitions))
    parts = dynamic_partition(positions, partitions, op.attrs["num_partitions"])
    stitched = dynamic_stitch(parts, list(grads))
    return [array_ops.reshape(stitched, array_ops.shape(data)), None]


@gradient("DynamicStitch")
def _dynamic_stitch_grad(op, grad):
    n = len(op.inputs) // 2
    return [None] * n + [array_ops.gather(grad, i) for i in op.inputs[:n]]


# --- broadcasting and selection ----------------------------------------------------------
def _broadcast_to_shape(op):
    target = shape_from_tensor(op.inputs[1])
    x, t = op.inputs[0].shape.as_tuple(), target.as_tuple()
    if x is not None and t is not None:
        if len(x) > len(t) or broadcast_dims(x, t) is None:
            raise ValueError(f"BroadcastTo: shape {op.inputs[0].shape} cannot be broadcast to {target}")
        out = broadcast_dims(x, t)
        if any(a is not None and b is not None and a != b for a, b in zip(out, t)):
            raise ValueError(f"BroadcastTo: shape {op.inputs[0].shape} cannot be broadcast to {target}")
    return [target]


defop("BroadcastTo", ("input", "shape"), shape_fn=_broadcast_to_shape,
      doc="input broadcast to `shape` (NumPy's rules).")


def _select_v2_shape(op):
    c, x, y = (t.shape.as_tuple() for t in op.inputs)
    return [TensorShape(broadcast_dims(broadcast_dims(c, x), y))]


defop("SelectV2", ("condition", "t", "e"), dtype_fn=lambda op: [op.inputs[1].dtype],
      shape_fn=_select_v2_shape, doc="Elementwise condition ? t : e, all three broadcast.")
def _ensure_shape_shape(op):
    shape, wanted = op.inputs[0].shape, op.attrs["shape"]
    if not shape.is_compatible_with(wanted):
        raise ValueError(f"EnsureShape: shape {shape} is not compatible with {wanted}")
    return [shape.merge_with(wanted)]


defop("EnsureShape", ("input",), attrs={"shape": TensorShape(None)}, shape_fn=_ensure_shape_shape,
      doc="input, checked at run time to have a shape compatible with `shape`.")


def broadcast_to(input, shape, name=None):  # noqa: A002
    with _graph_of(input).as_default():
        return _op("BroadcastTo", [convert_to_tensor(input), _shape_tensor(shape)],
                   name=name or "BroadcastTo")


def where_v2(condition, x=None, y=None, name=None):
    """``where`` with NumPy broadcasting of condition, x and y (TF2's where); with only
    condition, the coordinates of its true entries."""
    if x is None and y is None:
        return array_ops.where(condition, name=name)
    if x is None or y is None:
        raise ValueError("where_v2: x and y must both be given or both be None")
    with _graph_of(condition, x, y).as_default():
        c = convert_to_tensor(condition)
        if c.dtype != dtypes.bool_:
            raise TypeError(f"where_v2: condition must be bool, got {c.dtype.name}")
        x, y = binary_operands(x, y, "SelectV2")
        return _op("SelectV2", [c, x, y], name=name or "SelectV2")


def ensure_shape(x, shape, name=None):
    return _op("EnsureShape", [convert_to_tensor(x)], {"shape": as_shape(shape)},
               name=name or "EnsureShape")


def broadcast_static_shape(shape_x, shape_y):
    """The broadcast of two TensorShapes; ValueError if they cannot broadcast."""
    dims = broadcast_dims(as_shape(shape_x).as_tuple(), as_shape(shape_y).as_tuple())
    return TensorShape(dims)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast of two 1-D shape tensors, as a tensor."""
    with name_scope(None, "broadcast_dynamic_shape", [shape_x, shape_y]):
        sx, sy = _shape_tensor(shape_x), _shape_tensor(shape_y)
        return array_ops.shape(array_ops.zeros(sx, dtypes.int8) + array_ops.zeros(sy, dtypes.int8),
                               out_type=sx.dtype)


@gradient("BroadcastTo")
def _broadcast_to_grad(op, grad):
    return [array_ops.sum_to(grad, op.inputs[0]), None]


@gradient("SelectV2")
def _select_v2_grad(op, grad):
    c, x, y = op.inputs
    zeros = array_ops.zeros_like(grad)
    return [None, array_ops.sum_to(where_v2(c, grad, zeros), x),
            array_ops.sum_to(where_v2(c, zeros, grad), y)]


@gradient("EnsureShape")
def _ensure_shape_grad(op, grad):
    return [grad]


# --- composites ----------------------------------------------------------------------------
def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of ``tensor`` where ``mask`` (shaped like dimensions axis.. of it) is
    true, the masked dimensions flattened into one."""
    with name_scope(name, "boolean_mask", [tensor, mask]) as scope:
        tensor, mask = convert_to_tensor(tensor), convert_to_tensor(mask)
        if mask.dtype != dtypes.bool_:
            raise TypeError(f"boolean_mask: mask must be bool, got {mask.dtype.name}")
        k = mask.shape.ndims
        if k is None:
            raise ValueError("boolean_mask: the mask's rank must be known")
        if k == 0:
            raise ValueError("mask cannot be scalar.")
        axis = 0 if axis is None else int(axis)
        dims = tensor.shape.as_tuple()
        if dims is not None:
            if not TensorShape(dims[axis:axis + k]).is_compatible_with(mask.shape):
                raise ValueError(f"Shapes {TensorShape(dims[axis:axis + k])} and {mask.shape} "
                                 f"are incompatible")
        shape = array_ops.shape(tensor)
        flat_shape = array_ops.concat([shape[:axis], [-1], shape[axis + k:]], 0)
        flat = array_ops.reshape(tensor, flat_shape)
        if dims is not None:
            known = dims[axis:axis + k]
            size = None if None in known else int(np.prod(known))
            flat.set_shape(dims[:axis] + (size,) + dims[axis + k:])
        indices = array_ops.squeeze(array_ops.where(array_ops.reshape(mask, [-1])), axis=1)
        return array_ops.gather(flat, indices, axis=axis, name=scope)


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name=None):
    """mask[i, j] = j < lengths[i] (with j < maxlen, default max(lengths))."""
    with name_scope(name, "SequenceMask", [lengths, maxlen]) as scope:
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = math_ops.reduce_max(lengths) if lengths.shape.num_elements() != 0 else 0
        maxlen = math_ops.cast(convert_to_tensor(maxlen), lengths.dtype)
        row = math_ops.cast(array_ops.range(maxlen), lengths.dtype)
        mask = math_ops.less(row, array_ops.expand_dims(lengths, -1))
        return math_ops.cast(mask, dtype, name=scope) if dtypes.as_dtype(dtype) != dtypes.bool_ \
            else array_ops.identity(mask, name=scope)


def meshgrid(*args, **kwargs):
    """Coordinate grids of the 1-D inputs ('xy' indexing by default, like NumPy)."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"meshgrid got unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    with name_scope(name, "meshgrid", args):
        xs = [array_ops.reshape(convert_to_tensor(a), [-1]) for a in args]
        n = len(xs)
        sizes = [array_ops.size(x) for x in xs]
        order = list(builtins.range(n))
        if indexing == "xy" and n > 1:
            order[0], order[1] = 1, 0  # x varies along columns, y along rows
        shape = array_ops.stack([sizes[i] for i in order])
        outs = []
        for i, x in enumerate(xs):
            dims = [1] * n
            dims[order.index(i)] = -1
            outs.append(broadcast_to(array_ops.reshape(x, dims), shape))
        return outs


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis`` (through top_k, as TF1)."""
    return _sorted(values, axis, direction, name, "sort", 0)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices (int32) that sort ``values`` along ``axis``; ties keep their order."""
    return _sorted(values, axis, direction, name, "argsort", 1)


def _sorted(values, axis, direction, name, default_name, which):
    from tensorflux.ops.nn_ops import top_k
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{default_name}: direction must be ASCENDING or DESCENDING, got {direction!r}")
    with name_scope(name, default_name, [values]) as scope:
        x = convert_to_tensor(values)
        rank = x.shape.ndims
        if rank is None or x.shape.as_tuple()[axis] is None:
            raise ValueError(f"{default_name} needs a known rank and a known size along axis")
        axis = normalize_axis(axis, rank)
        perm = list(builtins.range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        moved = x if axis == rank - 1 else array_ops.transpose(x, perm)
        ascending = direction == "ASCENDING"
        key = moved
        if ascending:  # the largest of -x are the smallest of x
            key = -(math_ops.cast(moved, dtypes.int64) if x.dtype.is_unsigned else moved)
        top_values, top_indices = top_k(key, x.shape.as_tuple()[axis])
        out = top_indices if which else (math_ops.cast(-top_values, x.dtype) if ascending else top_values)
        if axis != rank - 1:
            out = array_ops.transpose(out, perm)
        return array_ops.identity(out, name=scope)


# --- bitcast, timestamp ----------------------------------------------------------------------
def _bitcast_shape(op):
    src, dst = op.inputs[0].dtype, op.attrs["type"]
    dims = op.inputs[0].shape.as_tuple()
    if src == dtypes.string or dst == dtypes.string or src.is_bool or dst.is_bool:
        raise TypeError(f"bitcast between {src.name} and {dst.name} is not supported")
    if dims is None:
        return [TensorShape(None)]
    if src.size == dst.size:
        return [TensorShape(dims)]
    if src.size > dst.size:
        return [TensorShape(dims + (src.size // dst.size,))]
    if not dims or dims[-1] not in (None, dst.size // src.size):
        raise ValueError(f"bitcast from {src.name} to {dst.name} needs a last dimension of "
                         f"{dst.size // src.size}, got shape {TensorShape(dims)}")
    return [TensorShape(dims[:-1])]


defop("Bitcast", ("input",), attrs={"type": None}, shape_fn=_bitcast_shape,
      dtype_fn=lambda op: [op.attrs["type"]], doc="The same bytes read as another dtype.")
defop("Timestamp", (), dtype_fn=lambda op: [dtypes.float64], shape_fn=lambda op: [TensorShape(())],
      stateful=True, doc="Seconds since the epoch when the op runs.")
not_differentiable("Bitcast", "Timestamp")


def bitcast(input, type, name=None):  # noqa: A002 - TF1 signature
    return _op("Bitcast", [convert_to_tensor(input)], {"type": dtypes.as_dtype(type)},
               name=name or "Bitcast")


def timestamp(name=None):
    """The time (float64 seconds since the epoch) when the op runs."""
    return _op("Timestamp", [], name=name or "Timestamp")


# --- scatter updates of variables ------------------------------------------------------------
def _variable_scatter_shape(op):
    ref, indices, updates = op.inputs
    if not indices.dtype.is_integer:
        raise TypeError(f"{op.type}: indices must be integers, got {indices.dtype.name}")
    if ref.dtype != updates.dtype:
        raise TypeError(f"{op.type}: updates of dtype {updates.dtype.name} do not match the "
                        f"variable's {ref.dtype.name}")
    r, i, u = ref.shape.as_tuple(), indices.shape.as_tuple(), updates.shape.as_tuple()
    if op.type.startswith("ScatterNd"):
        _check_updates(op, r, i, u)
    elif r is not None and i is not None and u is not None and u != ():
        want = TensorShape(i + r[1:])
        if not want.is_compatible_with(TensorShape(u)):
            raise ValueError(f"{op.type}: updates of shape {TensorShape(u)} do not match indices "
                             f"of shape {TensorShape(i)} and variable {ref.op.name} of shape "
                             f"{ref.shape} (expected {want})")
    return [ref.shape]


VARIABLE_SCATTER = ("Update", "Add", "Sub", "Mul", "Div", "Max", "Min")
for _kind in VARIABLE_SCATTER:
    defop(f"Scatter{_kind}", ("ref", "indices", "updates"), attrs={"use_locking": False},
          shape_fn=_variable_scatter_shape, stateful=True, ref_inputs=(0,),
          doc=f"Combine ({_kind.lower()}) updates into rows of a variable; outputs its new value.")
for _kind in ("Update", "Add", "Sub"):
    defop(f"ScatterNd{_kind}", ("ref", "indices", "updates"), attrs={"use_locking": False},
          shape_fn=_variable_scatter_shape, stateful=True, ref_inputs=(0,),
          doc=f"Combine ({_kind.lower()}) updates into a variable at index tuples.")
not_differentiable(*(f"Scatter{k}" for k in VARIABLE_SCATTER),
                   *(f"ScatterNd{k}" for k in ("Update", "Add", "Sub")))


def _variable_scatter(op_type, ref, indices, updates, name):
    from tensorflux.ops.variables import ref_tensor
    ref = ref_tensor(ref, op_type)  # a tf.Variable or its own output tensor, as TF1's refs
    with ref.graph.as_default():
        indices = convert_to_tensor(indices)
        if not indices.dtype.is_integer:
            raise TypeError(f"{op_type}: indices must be int32 or int64, got "
                            f"{indices.dtype.name} ({indices.name})")
        updates = convert_to_tensor(updates, dtype=ref.dtype)
        return ref.graph.create_op(op_type, [ref, indices, updates],
                                   name=name or op_type).outputs[0]


def _variable_scatter_fn(op_type, public):
    def fn(ref, indices, updates, use_locking=None, name=None):
        return _variable_scatter(op_type, ref, indices, updates, name)
    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = f"{op_type}: combine ``updates`` into the variable ``ref`` at ``indices``; returns its new value."
    return fn


scatter_update, scatter_add, scatter_sub, scatter_mul, scatter_div, scatter_max, scatter_min = (
    _variable_scatter_fn(f"Scatter{k}", f"scatter_{k.lower()}") for k in VARIABLE_SCATTER)
scatter_nd_update, scatter_nd_add, scatter_nd_sub = (
    _variable_scatter_fn(f"ScatterNd{k}", f"scatter_nd_{k.lower()}") for k in ("Update", "Add", "Sub"))


def batch_scatter_update(ref, indices, updates, use_locking=True, name=None):
    """ref[b..., indices[b..., j]] = updates[b..., j] for a variable ``ref``."""
    with name_scope(name, "BatchScatterUpdate", [ref, indices, updates]) as scope:
        coords = _batch_coordinates(indices, "batch_scatter_update")
        return scatter_nd_update(ref, coords, updates, name=scope)


# --- space / batch / depth rearrangements ----------------------------------------------------
def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """Zero-pad the spatial dimensions and move blocks of them into the batch."""
    with name_scope(name, "SpaceToBatchND", [input]) as scope:
        x = convert_to_tensor(input)
        block = _static_ints(block_shape, "space_to_batch_nd: block_shape")
        pads = np.reshape(_static_ints(paddings, "space_to_batch_nd: paddings"), (-1, 2))
        m = len(block)
        dims = x.shape.as_tuple()
        if dims is None or None in dims[1:m + 1]:
            raise ValueError("space_to_batch_nd needs known spatial dimensions")
        padded = array_ops.pad(x, [[0, 0]] + pads.tolist() + [[0, 0]] * (len(dims) - m - 1))
        spatial = [dims[i + 1] + int(pads[i].sum()) for i in builtins.range(m)]
        if any(s % b for s, b in zip(spatial, block)):
            raise ValueError(f"space_to_batch_nd: padded spatial shape {spatial} is not divisible "
                             f"by block_shape {list(block)}")
        rest = list(dims[m + 1:])
        shape = [-1]
        for s, b in zip(spatial, block):
            shape += [s // b, b]
        y = array_ops.reshape(padded, shape + rest)
        perm = [2 * i + 2 for i in builtins.range(m)] + [0] + [2 * i + 1 for i in builtins.range(m)] + \
            list(builtins.range(2 * m + 1, 2 * m + 1 + len(rest)))
        y = array_ops.transpose(y, perm)
        return array_ops.reshape(y, [-1] + [s // b for s, b in zip(spatial, block)] + rest, name=scope)


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of space_to_batch_nd: blocks of the batch back into space, then crop."""
    with name_scope(name, "BatchToSpaceND", [input]) as scope:
        x = convert_to_tensor(input)
        block = _static_ints(block_shape, "batch_to_space_nd: block_shape")
        crop = np.reshape(_static_ints(crops, "batch_to_space_nd: crops"), (-1, 2))
        m = len(block)
        dims = x.shape.as_tuple()
        if dims is None or None in dims[1:]:
            raise ValueError("batch_to_space_nd needs known non-batch dimensions")
        rest = list(dims[m + 1:])
        y = array_ops.reshape(x, list(block) + [-1] + list(dims[1:]))
        perm = [m]
        for i in builtins.range(m):
            perm += [m + 1 + i, i]
        perm += list(builtins.range(2 * m + 1, 2 * m + 1 + len(rest)))
        y = array_ops.transpose(y, perm)
        spatial = [dims[i + 1] * block[i] for i in builtins.range(m)]
        y = array_ops.reshape(y, [-1] + spatial + rest)
        begin = [0] + [int(c[0]) for c in crop] + [0] * len(rest)
        size = [-1] + [s - int(c[0]) - int(c[1]) for s, c in zip(spatial, crop)] + [-1] * len(rest)
        return array_ops.slice(y, begin, size, name=scope)


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    block = block_size if block_size is not None else block_shape
    return space_to_batch_nd(input, [block, block], paddings, name=name)


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    block = block_size if block_size is not None else block_shape
    return batch_to_space_nd(input, [block, block], crops, name=name)


def _nhwc(input, data_format, what):  # noqa: A002
    """The input as a tensor and its known H, W, C (NHWC only, as the kernels here)."""
    if data_format != "NHWC":
        raise ValueError(f"{what} supports data_format='NHWC' only")
    x = convert_to_tensor(input)
    dims = x.shape.as_tuple()
    if dims is None or len(dims) != 4 or None in dims[1:]:
        raise ValueError(f"{what} needs a 4-D input of known H, W, C, got {x.shape}")
    return (x,) + dims[1:]


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Move block_size x block_size blocks of an NHWC image into the channels."""
    with name_scope(name, "SpaceToDepth", [input]) as scope:
        x, h, w, c = _nhwc(input, data_format, "space_to_depth")
        b = int(block_size)
        if h % b or w % b:
            raise ValueError(f"space_to_depth: height {h} and width {w} must be divisible by {b}")
        y = array_ops.transpose(array_ops.reshape(x, [-1, h // b, b, w // b, b, c]), [0, 1, 3, 2, 4, 5])
        return array_ops.reshape(y, [-1, h // b, w // b, b * b * c], name=scope)


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Move channels into block_size x block_size spatial blocks (space_to_depth's inverse)."""
    with name_scope(name, "DepthToSpace", [input]) as scope:
        x, h, w, c = _nhwc(input, data_format, "depth_to_space")
        b = int(block_size)
        if c % (b * b):
            raise ValueError(f"depth_to_space: depth {c} must be divisible by {b * b}")
        y = array_ops.transpose(array_ops.reshape(x, [-1, h, w, b, b, c // (b * b)]), [0, 1, 3, 2, 4, 5])
        return array_ops.reshape(y, [-1, h * b, w * b, c // (b * b)], name=scope)


# --- small conveniences ----------------------------------------------------------------------
def identity_n(input, name=None):  # noqa: A002
    """Each of the tensors in ``input`` passed through."""
    with name_scope(name, "IdentityN", input):
        return [array_ops.identity(t) for t in input]


def parallel_stack(values, name="parallel_stack"):
    """``stack(values)`` (TF1 builds it in parallel; the values are the same)."""
    return array_ops.stack(values, name=name)


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shapes of a list of tensors."""
    with name_scope(name, "ShapeN", input):
        return [array_ops.shape(t, out_type=out_type) for t in input]


def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """Repeat each element ``repeats`` times along ``axis`` (flattened when None)."""
    with name_scope(name, "Repeat", [input, repeats]) as scope:
        x = convert_to_tensor(input)
        if axis is None:
            x, axis = array_ops.reshape(x, [-1]), 0
        dims = x.shape.as_tuple()
        axis = normalize_axis(int(axis), len(dims))
        if dims[axis] is None:
            raise ValueError("repeat needs a known size along axis")
        counts = np.broadcast_to(np.asarray(_static_ints(repeats, "repeat: repeats")), (dims[axis],))
        index = np.repeat(np.arange(dims[axis]), counts).astype(np.int32)
        return array_ops.gather(x, constant(index), axis=axis, name=scope)


def saturate_cast(value, dtype, name=None):
    """Cast, clamping values to the range of ``dtype`` first (no wrap-around)."""
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "saturate_cast", [value]) as scope:
        x = convert_to_tensor(value)
        if x.dtype.is_numeric and not x.dtype.is_complex and x.dtype != dtype:
            lo, hi = dtype.min, dtype.max
            if x.dtype.min < lo:
                x = math_ops.maximum(x, math_ops.cast(np.array(lo).astype(x.dtype.np_dtype), x.dtype))
            if x.dtype.max > hi:
                x = math_ops.minimum(x, math_ops.cast(np.array(hi).astype(x.dtype.np_dtype), x.dtype))
        return math_ops.cast(x, dtype, name=scope)


def to_complex64(x, name="ToComplex64"):
    return math_ops.cast(x, dtypes.complex64, name=name)


def to_complex128(x, name="ToComplex128"):
    return math_ops.cast(x, dtypes.complex128, name=name)


def clip_by_average_norm(t, clip_norm, name=None):
    """t * clip_norm / max(l2norm(t) / size(t), clip_norm)."""
    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t)
        n = math_ops.cast(array_ops.size(t), t.dtype)
        l2_avg = math_ops.sqrt(math_ops.reduce_sum(t * t)) / n
        clip = math_ops.cast(clip_norm, t.dtype)
        return math_ops.truediv(t * clip, math_ops.maximum(l2_avg, clip), name=scope)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """TF1's strided_slice with its masks, for begin/end/strides known when the graph
    is built (the same op ``tensor[...]`` builds)."""
    b = _static_ints(begin, "strided_slice: begin")
    e = _static_ints(end, "strided_slice: end")
    s = _static_ints(strides, "strided_slice: strides") if strides is not None else (1,) * len(b)
    if not len(b) == len(e) == len(s):
        raise ValueError("strided_slice: begin, end and strides must have the same length")
    key = []
    for i, (bi, ei, si) in enumerate(zip(b, e, s)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(bi)
        else:
            key.append(builtins.slice(None if begin_mask & bit else bi, None if end_mask & bit else ei, si))
    return array_ops.strided_slice_index(input_, tuple(key), name=name or "strided_slice")


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin index (in [0, nbins)) of each value for nbins equal bins over value_range;
    values outside fall in the first or last bin."""
    with name_scope(name, "histogram_fixed_width_bins", [values, value_range]) as scope:
        v = convert_to_tensor(values)
        rng = convert_to_tensor(value_range, dtype=v.dtype)
        lo, hi = rng[0], rng[1]
        scaled = math_ops.truediv(v - lo, hi - lo)
        idx = math_ops.floor(scaled * math_ops.cast(nbins, scaled.dtype))
        idx = math_ops.cast(math_ops.clip_by_value(idx, 0, nbins - 1), dtype)
        return array_ops.identity(idx, name=scope)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """Counts of values in nbins equal bins over value_range (outliers in the end bins)."""
    from tensorflux.ops.segment_ops import unsorted_segment_sum
    with name_scope(name, "histogram_fixed_width", [values, value_range]) as scope:
        bins = array_ops.reshape(histogram_fixed_width_bins(values, value_range, nbins, dtypes.int32), [-1])
        return unsorted_segment_sum(array_ops.ones_like(bins, dtype=dtype), bins, nbins, name=scope)


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None, name=None):
    """(paddings, crops) that make the spatial ``input_shape`` (plus base_paddings)
    divisible by ``block_shape``, for space_to_batch_nd and batch_to_space_nd."""
    with name_scope(name, "required_space_to_batch_paddings", [input_shape, block_shape]):
        shape = convert_to_tensor(input_shape, dtype=dtypes.int32)
        block = convert_to_tensor(block_shape, dtype=dtypes.int32)
        m = block.shape.as_tuple()[0] if block.shape.ndims == 1 else None
        if m is None:
            raise ValueError("required_space_to_batch_paddings needs a block_shape of known length")
        base = (array_ops.zeros([m, 2], dtypes.int32) if base_paddings is None
                else convert_to_tensor(base_paddings, dtype=dtypes.int32))
        start, end = base[:, 0], base[:, 1]
        full = shape + start + end
        extra = math_ops.floormod(block - math_ops.floormod(full, block), block)
        paddings = array_ops.stack([start, end + extra], axis=1, name="paddings")
        crops = array_ops.stack([array_ops.zeros_like(extra), extra], axis=1, name="crops")
        return paddings, crops


def guarantee_const(input, name=None):  # noqa: A002
    """``input`` itself (TF1 promises the runtime it is constant; nothing to do here)."""
    return array_ops.identity(input, name=name or "GuaranteeConst")


def grad_pass_through(f):
    """``f`` whose gradient is taken to be the identity: y = x + stop_gradient(f(x) - x)."""
    def wrapped(*args, **kwargs):
        x = convert_to_tensor(args[0])
        y = convert_to_tensor(f(*args, **kwargs))
        return x + array_ops.stop_gradient(y - x)
    return wrapped
