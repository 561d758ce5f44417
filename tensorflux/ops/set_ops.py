"""``tf.sets`` (set_size, set_intersection, set_union, set_difference on the last
dimension of dense or sparse tensors) and ``tf.edit_distance`` (Levenshtein distances
of sparse sequences), with TF1's conventions; host kernels in
``backends/set_kernels.py``, as TF's are CPU-only."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.sparse_ops import _sparse
from tensorflux.ops.sparse_tensor import SparseTensor, SparseTensorValue

_SET_TYPES = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
              dtypes.uint16, dtypes.string)


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _values_dtype(op):
    return op.inputs[1].dtype if op.attrs["kinds"][0] == "sparse" else op.inputs[0].dtype


defop("SetOperation", ("*inputs",), attrs={"kinds": (), "set_operation": "intersection",
                                           "validate_indices": True},
      num_outputs=3, dtype_fn=lambda op: [dtypes.int64, _values_dtype(op), dtypes.int64],
      shape_fn=lambda op: [TensorShape([None, None]), TensorShape([None]), TensorShape([None])],
      doc="The set operation of the last dimension's sets of a and b, as a SparseTensor.")
defop("SetSize", ("set_indices", "set_values", "set_shape"), attrs={"validate_indices": True},
      dtype_fn=lambda op: [dtypes.int32], shape_fn=lambda op: [TensorShape(None)],
      doc="The number of distinct values of each set of a SparseTensor.")
defop("EditDistance", ("hypothesis_indices", "hypothesis_values", "hypothesis_shape",
                       "truth_indices", "truth_values", "truth_shape"),
      attrs={"normalize": True}, dtype_fn=lambda op: [dtypes.float32],
      shape_fn=lambda op: [TensorShape(None)],
      doc="Levenshtein distance of each hypothesis sequence to its truth.")
not_differentiable("SetOperation", "SetSize", "EditDistance")


def _set_input(x, what):
    if isinstance(x, SparseTensorValue):
        x = SparseTensor.from_value(x)
    if isinstance(x, SparseTensor):
        t, parts, kind = x.values, [x.indices, x.values, x.dense_shape], "sparse"
    else:
        t = convert_to_tensor(x, name=what)
        if t.shape.ndims is not None and t.shape.ndims < 2:
            raise ValueError(f"tf.sets: {what} must have rank >= 2 (sets along the last "
                             f"dimension), got shape {t.shape}")
        parts, kind = [t], "dense"
    if t.dtype not in _SET_TYPES:
        raise TypeError(f"tf.sets: {what} has dtype {t.dtype.name}, not an integer or string type")
    return t.dtype, parts, kind


def _set_operation(a, b, operation, validate_indices):
    a_dtype, a_parts, a_kind = _set_input(a, "a")
    b_dtype, b_parts, b_kind = _set_input(b, "b")
    if a_dtype != b_dtype:
        raise TypeError(f"tf.sets: a and b have different dtypes ({a_dtype.name}, {b_dtype.name})")
    if a_kind == "sparse" and b_kind == "dense":
        if operation not in ("intersection", "union"):
            raise ValueError("tf.sets: a sparse a with a dense b is supported for intersection "
                             "and union only; pass a dense or both sparse")
        a_parts, b_parts, a_kind, b_kind = b_parts, a_parts, b_kind, a_kind
    indices, values, shape = _op("SetOperation", a_parts + b_parts,
                                 {"kinds": (a_kind, b_kind), "set_operation": operation,
                                  "validate_indices": bool(validate_indices)}).outputs
    return SparseTensor(indices, values, shape)


def set_size(a, validate_indices=True):
    """The number of distinct values in each set (the last dimension) of the
    SparseTensor ``a``: an int32 tensor of ``a``'s other dimensions."""
    a = _sparse(a, "a")
    _set_input(a, "a")
    return _op("SetSize", [a.indices, a.values, a.dense_shape],
               {"validate_indices": bool(validate_indices)}).outputs[0]


def set_intersection(a, b, validate_indices=True):
    """The values in both the set of ``a`` and of ``b`` (per row of the last dimension),
    sorted, as a SparseTensor."""
    return _set_operation(a, b, "intersection", validate_indices)


def set_union(a, b, validate_indices=True):
    """The values in the set of ``a`` or of ``b``, sorted, as a SparseTensor."""
    return _set_operation(a, b, "union", validate_indices)


def set_difference(a, b, aminusb=True, validate_indices=True):
    """The values of ``a``'s set not in ``b``'s (``b`` minus ``a`` with ``aminusb``
    False), sorted, as a SparseTensor."""
    return _set_operation(a, b, "a-b" if aminusb else "b-a", validate_indices)


def edit_distance(hypothesis, truth, normalize=True, name="edit_distance"):
    """The Levenshtein distance of each sequence (the last dimension) of the SparseTensor
    ``hypothesis`` to the one at the same place in ``truth``; with ``normalize``, divided
    by the truth's length (inf for an empty truth, unless the hypothesis is empty too)."""
    h, t = _sparse(hypothesis, "hypothesis"), _sparse(truth, "truth")
    if h.dtype != t.dtype:
        raise TypeError(f"edit_distance: hypothesis and truth have different dtypes "
                        f"({h.dtype.name}, {t.dtype.name})")
    return _op("EditDistance", [h.indices, h.values, h.dense_shape, t.indices, t.values,
                                t.dense_shape], {"normalize": bool(normalize)}, name=name).outputs[0]
