"""Ops that route rows by index: ``tf.unsorted_segment_sum``, ``tf.dynamic_partition``,
``tf.dynamic_stitch`` and ``tf.unique``.

They carry sparse gradients (an IndexedSlices becomes dense through
``unsorted_segment_sum``) and partitioned embedding lookups (ids are split over the
shards with ``dynamic_partition`` and the rows put back in order with ``dynamic_stitch``).
Semantics are TF1's: negative segment ids are dropped, a later stitch index overwrites an
earlier one, ``unique`` keeps the order of first occurrence.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import constant_value


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name)


def _int_input(value, what, name):
    t = convert_to_tensor(value, name=name)
    if t.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{what} must be int32 or int64, got {t.dtype.name} ({t.name})")
    return t


def _suffix(data_shape, prefix_rank):
    dims = data_shape.as_tuple()
    if dims is None or prefix_rank is None:
        return None
    return dims[prefix_rank:]


def _segment_sum_shape(op):
    data, ids, num = op.inputs
    if data.shape.ndims is not None and ids.shape.ndims is not None:
        if not TensorShape(data.shape.as_tuple()[:ids.shape.ndims]).is_compatible_with(ids.shape):
            raise ValueError(f"segment_ids shape {ids.shape} must be a prefix of data shape "
                             f"{data.shape}")
    rest = _suffix(data.shape, ids.shape.ndims)
    n = constant_value(num)
    if rest is None:
        return [TensorShape(None)]
    return [TensorShape((int(n) if n is not None else None,) + rest)]


defop("UnsortedSegmentSum", ("data", "segment_ids", "num_segments"),
      shape_fn=_segment_sum_shape,
      doc="out[i] = sum of data[j] over j with segment_ids[j] == i; negative ids dropped.")


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of the rows of ``data`` that share a segment id: ``num_segments`` rows out."""
    with name_scope(name, "UnsortedSegmentSum", [data, segment_ids]) as scope:
        data = convert_to_tensor(data)
        ids = _int_input(segment_ids, "segment_ids", "segment_ids")
        num = _int_input(num_segments, "num_segments", "num_segments")
        return _op("UnsortedSegmentSum", [data, ids, num], name=scope).outputs[0]


@gradient("UnsortedSegmentSum")
def _unsorted_segment_sum_grad(op, grad):
    # Rows with a negative id got no gradient: gather them from a zero row appended last.
    ids = op.inputs[1]
    padded = array_ops.concat([grad, array_ops.zeros_like(grad[:1])], 0)
    safe = array_ops.where(ids >= 0, ids, array_ops.fill(array_ops.shape(ids), math_ops.cast(
        array_ops.shape(grad)[0], ids.dtype)))
    return [array_ops.gather(padded, safe), None, None]


def _partition_shapes(op):
    data, parts = op.inputs
    rest = _suffix(data.shape, parts.shape.ndims)
    shape = TensorShape(None) if rest is None else TensorShape((None,) + rest)
    return [shape] * op.attrs["num_partitions"]


defop("DynamicPartition", ("data", "partitions"), attrs={"num_partitions": None},
      num_outputs=lambda attrs: attrs["num_partitions"],
      dtype_fn=lambda op: [op.inputs[0].dtype] * op.attrs["num_partitions"],
      shape_fn=_partition_shapes,
      doc="outputs[p] = the rows of data (in order) whose partition is p.")


def dynamic_partition(data, partitions, num_partitions, name=None):
    """Split ``data`` into ``num_partitions`` tensors by the int32 ``partitions`` index
    of each row (the order within each output is the input order)."""
    if not isinstance(num_partitions, int) or num_partitions < 1:
        raise ValueError(f"num_partitions must be a positive int, got {num_partitions!r}")
    with name_scope(name, "DynamicPartition", [data, partitions]) as scope:
        data = convert_to_tensor(data)
        parts = convert_to_tensor(partitions, name="partitions")
        if parts.dtype != dtypes.int32:
            raise TypeError(f"partitions must be int32, got {parts.dtype.name} ({parts.name})")
        return _op("DynamicPartition", [data, parts], {"num_partitions": num_partitions},
                   name=scope).outputs


@gradient("DynamicPartition")
def _dynamic_partition_grad(op, *grads):
    data, parts = op.inputs
    prefix = array_ops.shape(parts)
    positions = array_ops.reshape(array_ops.range(math_ops.reduce_prod(prefix)), prefix)
    where_from = dynamic_partition(positions, parts, op.attrs["num_partitions"])
    stitched = dynamic_stitch(where_from, list(grads))
    return [array_ops.reshape(stitched, array_ops.shape(data)), None]


def _stitch_shape(op):
    n = op.attrs["N"]
    indices, data = op.inputs[:n], op.inputs[n:]
    rest = None
    for i, d in zip(indices, data):
        r = _suffix(d.shape, i.shape.ndims)
        if r is not None:
            if rest is not None and not TensorShape(rest).is_compatible_with(TensorShape(r)):
                raise ValueError(f"dynamic_stitch: data shapes {[x.shape for x in data]} do "
                                 f"not agree after the index dimensions")
            rest = r
    return [TensorShape(None) if rest is None else TensorShape((None,) + rest)]


defop("DynamicStitch", ("*indices_and_data",), attrs={"N": None},
      dtype_fn=lambda op: [op.inputs[op.attrs["N"]].dtype], shape_fn=_stitch_shape,
      doc="merged[indices[m][i]] = data[m][i]; a later (m, i) wins on a repeated index.")


def dynamic_stitch(indices, data, name=None):
    """Interleave the rows of the ``data`` tensors into one by their int32 ``indices``."""
    if len(indices) != len(data) or not indices:
        raise ValueError(f"dynamic_stitch needs as many indices as data tensors (at least "
                         f"one), got {len(indices)} and {len(data)}")
    with name_scope(name, "DynamicStitch", list(indices) + list(data)) as scope:
        idx = [convert_to_tensor(i) for i in indices]
        for t in idx:
            if t.dtype != dtypes.int32:
                raise TypeError(f"dynamic_stitch indices must be int32, got {t.dtype.name} ({t.name})")
        values = [convert_to_tensor(d) for d in data]
        if len({v.dtype for v in values}) != 1:
            raise TypeError(f"dynamic_stitch data must share one dtype, got "
                            f"{[v.dtype.name for v in values]}")
        return _op("DynamicStitch", idx + values, {"N": len(idx)}, name=scope).outputs[0]


parallel_dynamic_stitch = dynamic_stitch


@gradient("DynamicStitch")
def _dynamic_stitch_grad(op, grad):
    n = op.attrs["N"]
    indices = op.inputs[:n]
    # Number every data row globally and stitch the numbers: each output row then names
    # the row that won it. A row overwritten by a later one gets zero gradient, as the
    # forward pass dropped it.
    sizes = [array_ops.size(i) for i in indices]
    offsets = [convert_to_tensor(0)]
    for s in sizes[:-1]:
        offsets.append(offsets[-1] + s)
    numbers = [array_ops.reshape(array_ops.range(o, o + s), array_ops.shape(i))
               for o, s, i in zip(offsets, sizes, indices)]
    winner = _op("DynamicStitch", [*indices, *numbers], {"N": n}).outputs[0]
    grads = []
    for idx, number, data in zip(indices, numbers, op.inputs[n:]):
        rows = array_ops.gather(grad, idx)
        won = math_ops.cast(math_ops.equal(array_ops.gather(winner, idx), number), rows.dtype)
        if rows.shape.ndims is None or idx.shape.ndims is None:
            raise LookupError(f"DynamicStitch gradient needs inputs of known rank (op {op.name})")
        ones = [1] * (rows.shape.ndims - idx.shape.ndims)
        won = array_ops.reshape(won, array_ops.concat([array_ops.shape(idx), ones], 0))
        grads.append(rows * won)
    return [None] * n + grads


defop("Unique", ("x",), attrs={"out_idx": dtypes.int32}, num_outputs=2,
      dtype_fn=lambda op: [op.inputs[0].dtype, op.attrs["out_idx"]],
      shape_fn=lambda op: [TensorShape([None]), op.inputs[0].shape],
      doc="y = the distinct values of the 1-D x in order of first occurrence; x = y[idx].")
not_differentiable("Unique")


def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct values of the vector ``x`` in first-occurrence order, and
    for each element of ``x`` its position in ``y``."""
    x = convert_to_tensor(x)
    if x.shape.ndims not in (None, 1):
        raise ValueError(f"unique expects a 1-D vector, got shape {x.shape} ({x.name})")
    return tuple(_op("Unique", [x], {"out_idx": dtypes.as_dtype(out_idx)},
                     name=name or "Unique").outputs)
