"""Segment reductions (``tf.segment_sum``, ``tf.unsorted_segment_max``, ...), bincount
and confusion_matrix.

``segment_*`` reduce the rows of ``data`` that share a (sorted) segment id, giving
``max(id) + 1`` rows; ``unsorted_segment_*`` take ids in any order and of any shape
(a prefix of data's), and ``num_segments``; negative ids are dropped. Empty segments
hold 0 (sum, mean and the sorted max/min), 1 (prod), or the dtype's lowest (unsorted
max) and highest (unsorted min) value, as in TF1.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.math_ops import _graph_of, _op
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import constant_value

REDUCTIONS = ("Sum", "Mean", "Max", "Min", "Prod")


def _check_ids(op, sorted_ids):
    data, ids = op.inputs[0], op.inputs[1]
    if not ids.dtype.is_integer:
        raise TypeError(f"{op.type}: segment_ids must be integers, got {ids.dtype.name}")
    d, i = data.shape.as_tuple(), ids.shape.as_tuple()
    if sorted_ids and i is not None and len(i) != 1:
        raise ValueError(f"{op.type}: segment_ids should be a vector, got shape {ids.shape}")
    if d is not None and i is not None:
        if len(i) > len(d) or not TensorShape(d[:len(i)]).is_compatible_with(TensorShape(i)):
            raise ValueError(f"{op.type}: segment_ids of shape {ids.shape} must be a prefix "
                             f"of data's shape {data.shape}")
    return d, i


def _segment_shape(op):
    d, i = _check_ids(op, sorted_ids=True)
    ids = constant_value(op.inputs[1])
    rows = int(ids[-1]) + 1 if ids is not None and ids.size else None
    return [TensorShape(None) if d is None else TensorShape((rows,) + d[1:])]


def _unsorted_segment_shape(op):
    d, i = _check_ids(op, sorted_ids=False)
    n = constant_value(op.inputs[2])
    rows = None if n is None else int(n)
    if d is None or i is None:
        return [TensorShape(None)]
    return [TensorShape((rows,) + d[len(i):])]


for _r in REDUCTIONS:
    defop(f"Segment{_r}", ("data", "segment_ids"), shape_fn=_segment_shape,
          doc=f"{_r} of the rows of data with the same sorted segment id.")
for _r in ("Sum", "Max", "Min", "Prod"):
    defop(f"UnsortedSegment{_r}", ("data", "segment_ids", "num_segments"),
          shape_fn=_unsorted_segment_shape,
          doc=f"{_r} of the entries of data with the same segment id, for num_segments ids.")


def _segment_gather_shape(op):
    params, ids = op.inputs[0].shape.as_tuple(), op.inputs[1].shape.as_tuple()
    if params is None or ids is None:
        return [TensorShape(None)]
    return [TensorShape(ids + params[1:])]


defop("SegmentGather", ("params", "segment_ids"), shape_fn=_segment_gather_shape,
      doc="params[segment_ids], zero where an id is negative or out of range: the "
          "adjoint of UnsortedSegmentSum.")
defop("InvertPermutation", ("x",), shape_fn=lambda op: [op.inputs[0].shape],
      doc="y such that y[x[i]] = i.")
not_differentiable("InvertPermutation")


def _segment(op_type, data, segment_ids, name, *extra):
    with _graph_of(data, segment_ids).as_default():
        data = convert_to_tensor(data)
        ids = convert_to_tensor(segment_ids)
        return _op(op_type, [data, ids, *extra], name=name or op_type)


def _num_segments(num_segments, ids):
    n = convert_to_tensor(num_segments)
    if not n.dtype.is_integer or n.shape.ndims not in (None, 0):
        raise TypeError(f"num_segments must be an integer scalar, got {n.dtype.name} of "
                        f"shape {n.shape}")
    return n


def _segment_fn(kind):
    def fn(data, segment_ids, name=None):
        return _segment(f"Segment{kind}", data, segment_ids, name)
    fn.__name__ = fn.__qualname__ = f"segment_{kind.lower()}"
    fn.__doc__ = f"The {kind.lower()} of the rows of ``data`` with the same (sorted) segment id."
    return fn


segment_sum, segment_mean, segment_max, segment_min, segment_prod = (_segment_fn(k) for k in REDUCTIONS)


def _unsorted(op_type, data, segment_ids, num_segments, name):
    with _graph_of(data, segment_ids).as_default():
        return _segment(op_type, data, segment_ids, name,
                        _num_segments(num_segments, convert_to_tensor(segment_ids)))


def _unsorted_fn(kind):
    def fn(data, segment_ids, num_segments, name=None):
        return _unsorted(f"UnsortedSegment{kind}", data, segment_ids, num_segments, name)
    fn.__name__ = fn.__qualname__ = f"unsorted_segment_{kind.lower()}"
    fn.__doc__ = (f"The {kind.lower()} of the entries of ``data`` with each segment id in "
                  f"[0, num_segments); negative ids are dropped.")
    return fn


unsorted_segment_sum, unsorted_segment_max, unsorted_segment_min, unsorted_segment_prod = (
    _unsorted_fn(k) for k in ("Sum", "Max", "Min", "Prod"))


def _per_row(counts, data, ids):
    """Reshape per-segment ``counts`` ([n]) to broadcast against a segment result."""
    rank, id_rank = data.shape.ndims, ids.shape.ndims
    if rank is None or id_rank is None:
        raise ValueError("unsorted_segment_mean/sqrt_n need data and segment_ids of known rank")
    return array_ops.reshape(counts, [-1] + [1] * (rank - id_rank))


def _unsorted_normalized(data, segment_ids, num_segments, name, default_name, norm):
    with name_scope(name, default_name, [data, segment_ids]) as scope:
        data, ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        ones = array_ops.ones_like(ids, dtype=data.dtype)
        counts = math_ops.maximum(unsorted_segment_sum(ones, ids, num_segments), 1)
        total = unsorted_segment_sum(data, ids, num_segments)
        return math_ops.truediv(total, norm(_per_row(counts, data, ids)), name=scope)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of each segment (0 for an empty one)."""
    return _unsorted_normalized(data, segment_ids, num_segments, name, "UnsortedSegmentMean",
                                lambda n: n)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of each segment divided by the square root of its size."""
    return _unsorted_normalized(data, segment_ids, num_segments, name, "UnsortedSegmentSqrtN",
                                math_ops.sqrt)


def invert_permutation(x, name=None):
    """The inverse permutation of the 1-D integer tensor ``x``."""
    x = convert_to_tensor(x)
    if x.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"invert_permutation needs int32 or int64, got {x.dtype.name}")
    if x.shape.ndims not in (None, 1):
        raise ValueError(f"invert_permutation needs a vector, got shape {x.shape}")
    return _op("InvertPermutation", [x], name=name or "InvertPermutation")


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None):
    """How often each value 0, 1, ... occurs in the int32 ``arr`` (summing ``weights``
    instead of counting when given); length max(arr) + 1, at least ``minlength`` and at
    most ``maxlength`` (larger values are dropped)."""
    with name_scope(name, "bincount", [arr, weights]) as scope:
        arr = convert_to_tensor(arr)
        if arr.dtype != dtypes.int32:
            raise TypeError(f"bincount: arr must be int32, got {arr.dtype.name}")
        size = (convert_to_tensor(0) if arr.shape.num_elements() == 0
                else math_ops.maximum(math_ops.reduce_max(arr) + 1, 0))
        if minlength is not None:
            size = math_ops.maximum(size, minlength)
        if maxlength is not None:
            size = math_ops.minimum(size, maxlength)
        if weights is None:
            weights = array_ops.ones_like(arr, dtype=dtype)
        else:
            weights = convert_to_tensor(weights)
        ids = array_ops.where(math_ops.less(arr, size), arr, array_ops.zeros_like(arr) - 1)
        return unsorted_segment_sum(weights, ids, size, name=scope)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """The [num_classes, num_classes] matrix counting (label, prediction) pairs: rows are
    labels, columns predictions (weighted by ``weights`` when given)."""
    with name_scope(name, "confusion_matrix", [labels, predictions, weights]) as scope:
        labels = math_ops.cast(convert_to_tensor(labels), dtypes.int64)
        predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.int64)
        if num_classes is None:
            num_classes = math_ops.maximum(math_ops.reduce_max(labels),
                                           math_ops.reduce_max(predictions)) + 1
        else:
            num_classes = math_ops.cast(convert_to_tensor(num_classes), dtypes.int64)
        values = (array_ops.ones_like(labels, dtype=dtype) if weights is None
                  else math_ops.cast(convert_to_tensor(weights), dtype))
        flat = unsorted_segment_sum(values, labels * num_classes + predictions,
                                    num_classes * num_classes)
        return array_ops.reshape(flat, array_ops.stack([num_classes, num_classes]), name=scope)


# --- gradients ------------------------------------------------------------------------------
def _gather(params, ids):
    return _op("SegmentGather", [params, ids])


def _num_rows(op):
    return array_ops.shape(op.outputs[0], out_type=op.inputs[1].dtype)[0]


@gradient("SegmentSum", "UnsortedSegmentSum")
def _segment_sum_grad(op, grad):
    return [_gather(grad, op.inputs[1])] + [None] * (len(op.inputs) - 1)


@gradient("SegmentGather")
def _segment_gather_grad(op, grad):
    params, ids = op.inputs
    n = array_ops.shape(params, out_type=ids.dtype)[0]
    dropped = array_ops.zeros_like(ids) - 1  # out-of-range ids gathered zeros
    return [unsorted_segment_sum(grad, array_ops.where(math_ops.less(ids, n), ids, dropped), n), None]


@gradient("SegmentMean")
def _segment_mean_grad(op, grad):
    data, ids = op.inputs
    ones = array_ops.ones_like(ids, dtype=data.dtype)
    counts = math_ops.maximum(unsorted_segment_sum(ones, ids, _num_rows(op)), 1)
    return [_gather(grad / _per_row(counts, data, ids), ids), None]


def _min_or_max_grad(op, grad):
    data, ids = op.inputs[0], op.inputs[1]
    n = _num_rows(op)
    selected = math_ops.equal(data, _gather(op.outputs[0], ids))
    count = unsorted_segment_sum(math_ops.cast(selected, grad.dtype), ids, n)
    share = _gather(grad / math_ops.maximum(count, 1), ids)
    return [array_ops.where(selected, share, array_ops.zeros_like(share))] + [None] * (len(op.inputs) - 1)


gradient("SegmentMax", "SegmentMin", "UnsortedSegmentMax", "UnsortedSegmentMin")(_min_or_max_grad)


def _prod_grad(op, grad):
    # TF1's formula: where a segment has one zero, that entry's gradient is the product
    # of the others; with two or more zeros every gradient in it is 0.
    data, ids = op.inputs[0], op.inputs[1]
    n = _num_rows(op)
    is_zero = math_ops.equal(data, 0)
    zeros_per_segment = unsorted_segment_sum(math_ops.cast(is_zero, dtypes.int32), ids, n)
    grad = grad * (1 - math_ops.cast(math_ops.greater(zeros_per_segment, 1), grad.dtype))
    non_zero = array_ops.where(is_zero, array_ops.ones_like(data), data)
    non_zero_prod = unsorted_segment_prod(non_zero, ids, n)
    others = array_ops.where(is_zero, _gather(non_zero_prod, ids),
                             _gather(op.outputs[0], ids) / non_zero)
    return [_gather(grad, ids) * others] + [None] * (len(op.inputs) - 1)


gradient("SegmentProd", "UnsortedSegmentProd")(_prod_grad)
