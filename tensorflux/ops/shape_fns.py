"""Static shape and dtype inference helpers shared by op definitions."""
from __future__ import annotations

import builtins

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape, unknown_shape


def same_shape(op):
    """A shape function: one output of the first input's static shape."""
    return [op.inputs[0].shape]


def scalar_shape(op):
    return [TensorShape(())]


def bool_dtype(op):
    return [dtypes.bool_]


def attr_dtype(attr="dtype"):
    def fn(op):
        return [op.attrs[attr]] * op.num_outputs
    return fn


def broadcast_dims(a, b):
    """The broadcast of two shape tuples (None entries unknown); ValueError if they
    cannot broadcast."""
    if a is None or b is None:
        return None
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        elif x == y:
            out.append(x)
        else:
            raise ValueError(f"Dimensions must be equal or 1, but are {x} and {y}: shapes "
                             f"{TensorShape(a)} and {TensorShape(b)} cannot be broadcast")
    return tuple(reversed(out))


def broadcast_shape(op):
    """A shape function: one output of the shape all inputs broadcast to (NumPy's
    rules; unknown dims stay unknown). ValueError if they cannot broadcast."""
    dims = op.inputs[0].shape.as_tuple()
    for t in op.inputs[1:]:
        dims = broadcast_dims(dims, t.shape.as_tuple())
    return [TensorShape(dims)]


def constant_value(tensor):
    """The value of ``tensor`` if it can be known while building the graph, else None."""
    op = tensor.op
    if op.type == "Const":
        return op.attrs["value"]
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=tensor.dtype.np_dtype)
    if op.type == "Size" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.num_elements(), dtype=tensor.dtype.np_dtype)
    if op.type == "Rank" and op.inputs[0].shape.ndims is not None:
        return np.array(op.inputs[0].shape.ndims, dtype=np.int32)
    if op.type == "Pack":
        vals = [constant_value(t) for t in op.inputs]
        if all(v is not None for v in vals):
            return np.stack(vals, axis=op.attrs["axis"])
    if op.type == "Identity":
        return constant_value(op.inputs[0])
    if op.type == "Cast":
        v = constant_value(op.inputs[0])
        return None if v is None else v.astype(op.attrs["DstT"].np_dtype)
    if op.type == "Fill" and tensor.shape.is_fully_defined():
        v = constant_value(op.inputs[1])
        return None if v is None else np.full(tensor.shape.as_list(), v, dtype=v.dtype)
    return None


def shape_from_tensor(tensor):
    """A TensorShape from a 1-D shape tensor: fully known if it is a constant, else
    partially known from a Pack of scalars, else of known rank if its length is."""
    value = constant_value(tensor)
    if value is not None:
        return TensorShape([int(d) if d >= 0 else None for d in np.ravel(value)])
    op = tensor.op
    if op.type == "Shape":
        return op.inputs[0].shape
    if op.type == "ConcatV2":
        parts = [shape_from_tensor(t) for t in op.inputs]
        if all(p.ndims is not None for p in parts):
            return TensorShape([d for p in parts for d in p.as_tuple()])
    if (op.type == "StridedSlice" and op.inputs[0].op.type == "Shape"
            and len(op.attrs["spec"]) == 1 and op.attrs["spec"][0][0] == "slice"):
        dims = op.inputs[0].op.inputs[0].shape.as_tuple()
        if dims is not None:
            return TensorShape(dims[builtins.slice(*op.attrs["spec"][0][1:])])
    if tensor.op.type == "Pack":
        dims = []
        for t in tensor.op.inputs:
            v = constant_value(t)
            dims.append(int(v) if v is not None and v >= 0 else None)
        return TensorShape(dims)
    n = tensor.shape.as_tuple()
    if n is not None and len(n) == 1 and n[0] is not None:
        return unknown_shape(n[0])
    return TensorShape(None)


def normalize_axis(axis, ndims, what="axis"):
    if ndims is None:
        return axis
    if not -ndims <= axis < max(ndims, 1):
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {ndims}")
    return axis % ndims if ndims else 0


def reduced_shape(shape: TensorShape, axis, keepdims: bool) -> TensorShape:
    dims = shape.as_tuple()
    if axis is None and not keepdims:
        return TensorShape(())
    if dims is None:
        return TensorShape(None)
    if axis is None:
        return TensorShape([1] * len(dims) if keepdims else [])
    axes = {normalize_axis(a, len(dims)) for a in axis}
    if keepdims:
        return TensorShape([1 if i in axes else d for i, d in enumerate(dims)])
    return TensorShape([d for i, d in enumerate(dims) if i not in axes])
