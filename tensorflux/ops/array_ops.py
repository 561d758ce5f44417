"""Shape-manipulating ops: placeholders, reshape, concat, slicing, gather, pad, ..."""
from __future__ import annotations

import builtins

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape, as_shape, unknown_shape
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import (attr_dtype, broadcast_dims, constant_value,
                                      normalize_axis, same_shape, shape_from_tensor)

newaxis = None


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name)


# --- placeholders and identity -------------------------------------------------------------
defop("Placeholder", (), attrs={"dtype": None, "shape": TensorShape(None)},
      dtype_fn=attr_dtype(), shape_fn=lambda op: [op.attrs["shape"]],
      doc="A value that must be fed when the graph runs.")
defop("PlaceholderWithDefault", ("input",), attrs={"shape": TensorShape(None)},
      shape_fn=lambda op: [op.attrs["shape"]])
defop("Identity", ("input",), shape_fn=same_shape)
defop("StopGradient", ("input",), shape_fn=same_shape)
not_differentiable("Placeholder", "StopGradient")


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value is fed at run time; ``None`` dims mean any size."""
    return _op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype), "shape": as_shape(shape)},
               name=name or "Placeholder")._outputs[0]


def placeholder_with_default(input, shape, name=None):
    x = convert_to_tensor(input)
    shape = as_shape(shape)
    if not x.shape.is_compatible_with(shape):
        raise ValueError(f"placeholder_with_default: default of shape {x.shape} is not "
                         f"compatible with shape {shape}")
    return _op("PlaceholderWithDefault", [x], {"shape": shape},
               name=name or "PlaceholderWithDefault")._outputs[0]


def identity(input, name=None):
    x = convert_to_tensor(input)
    return _op("Identity", [x], name=name or "Identity")._outputs[0]


def stop_gradient(input, name=None):
    """Pass ``input`` through but block gradients flowing back into it."""
    return _op("StopGradient", [convert_to_tensor(input)], name=name or "StopGradient")._outputs[0]


# --- shape queries -------------------------------------------------------------------------
defop("Shape", ("input",), attrs={"out_type": dtypes.int32}, dtype_fn=attr_dtype("out_type"),
      shape_fn=lambda op: [TensorShape([op.inputs[0].shape.ndims])])
defop("Size", ("input",), attrs={"out_type": dtypes.int32}, dtype_fn=attr_dtype("out_type"),
      shape_fn=lambda op: [TensorShape(())])
defop("Rank", ("input",), dtype_fn=lambda op: [dtypes.int32], shape_fn=lambda op: [TensorShape(())])
not_differentiable("Shape", "Size", "Rank")


def shape(input, name=None, out_type=dtypes.int32):
    return _op("Shape", [convert_to_tensor(input)], {"out_type": dtypes.as_dtype(out_type)},
               name=name or "Shape")._outputs[0]


def size(input, name=None, out_type=dtypes.int32):
    return _op("Size", [convert_to_tensor(input)], {"out_type": dtypes.as_dtype(out_type)},
               name=name or "Size")._outputs[0]


def rank(input, name=None):
    return _op("Rank", [convert_to_tensor(input)], name=name or "Rank")._outputs[0]


# --- reshaping -----------------------------------------------------------------------------
def _reshape_shape(op):
    x, target = op.inputs[0].shape, shape_from_tensor(op.inputs[1])
    dims = target.as_tuple()
    if dims is None:
        return [target]
    value = constant_value(op.inputs[1])
    if value is not None and list(np.ravel(value)).count(-1) > 1:
        raise ValueError(f"Reshape: at most one dimension may be -1, got {list(np.ravel(value))}")
    unknown = [i for i, d in enumerate(dims) if d is None]
    n = x.num_elements()
    if value is not None and n is not None:
        known = int(np.prod([d for d in dims if d is not None]))
        if len(unknown) == 1 and value is not None:
            if known == 0 or n % known:
                raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {list(np.ravel(value))}")
            dims = tuple(n // known if d is None else d for d in dims)
        elif not unknown and known != n:
            raise ValueError(f"Cannot reshape a tensor with {n} elements to shape "
                             f"{list(dims)} ({known} elements)")
    return [TensorShape(dims)]


defop("Reshape", ("tensor", "shape"), shape_fn=_reshape_shape)


def reshape(tensor, shape, name=None):
    """Reshape to ``shape``; one dimension may be -1 (inferred)."""
    x = convert_to_tensor(tensor)
    s = convert_to_tensor(shape, dtype=dtypes.int32) if not isinstance(shape, Tensor) else shape
    return _op("Reshape", [x, s], name=name or "Reshape")._outputs[0]


def _squeeze_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    axes = op.attrs["squeeze_dims"]
    if dims is None:
        return [TensorShape(None)]
    if axes:
        axes = {normalize_axis(a, len(dims)) for a in axes}
        for a in axes:
            if dims[a] not in (1, None):
                raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {dims[a]}")
        return [TensorShape([d for i, d in enumerate(dims) if i not in axes])]
    if any(d is None for d in dims):
        return [TensorShape(None)]
    return [TensorShape([d for d in dims if d != 1])]


defop("Squeeze", ("input",), attrs={"squeeze_dims": ()}, shape_fn=_squeeze_shape)


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    axis = squeeze_dims if axis is None else axis
    axis = () if axis is None else tuple([axis] if isinstance(axis, int) else axis)
    return _op("Squeeze", [convert_to_tensor(input)], {"squeeze_dims": axis},
               name=name or "Squeeze")._outputs[0]


def _expand_dims_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is None:
        return [TensorShape(None)]
    axis = op.attrs["axis"]
    if not -len(dims) - 1 <= axis <= len(dims):
        raise ValueError(f"expand_dims axis {axis} out of range for rank {len(dims)}")
    axis = axis % (len(dims) + 1)
    return [TensorShape(dims[:axis] + (1,) + dims[axis:])]


defop("ExpandDims", ("input",), attrs={"axis": 0}, shape_fn=_expand_dims_shape)


def expand_dims(input, axis=None, name=None, dim=None):
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("expand_dims needs an axis")
    return _op("ExpandDims", [convert_to_tensor(input)], {"axis": int(axis)},
               name=name or "ExpandDims")._outputs[0]


def _transpose_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    perm = op.attrs["perm"]
    if dims is None:
        return [TensorShape(None) if perm is None else unknown_shape(len(perm))]
    if perm is None:
        return [TensorShape(dims[::-1])]
    if sorted(perm) != list(builtins.range(len(dims))):
        raise ValueError(f"transpose: perm {list(perm)} is not a permutation of the "
                         f"{len(dims)} dimensions of shape {TensorShape(dims)}")
    return [TensorShape([dims[p] for p in perm])]


defop("Transpose", ("x",), attrs={"perm": None}, shape_fn=_transpose_shape)


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permute dimensions (reverse them when ``perm`` is None)."""
    x = convert_to_tensor(a)
    if perm is not None:
        if isinstance(perm, Tensor):
            value = constant_value(perm)
            if value is None:
                raise ValueError("transpose: perm must be known when the graph is built")
            perm = value
        perm = tuple(int(p) for p in np.ravel(perm))
    elif x.shape.ndims is not None:
        perm = tuple(builtins.range(x.shape.ndims))[::-1]
    return _op("Transpose", [x], {"perm": perm}, name=name)._outputs[0]


# --- joining and splitting -----------------------------------------------------------------
def _concat_shape(op):
    axis = op.attrs["axis"]
    shapes = [t.shape.as_tuple() for t in op.inputs]
    known = [s for s in shapes if s is not None]
    if not known:
        return [TensorShape(None)]
    rank = len(known[0])
    if any(len(s) != rank for s in known):
        raise ValueError(f"ConcatV2: all inputs must have the same rank, got "
                         f"{[str(TensorShape(s)) for s in shapes]}")
    axis = normalize_axis(axis, rank)
    out = []
    for i in builtins.range(rank):
        col = [s[i] if s is not None else None for s in shapes]
        if i == axis:
            out.append(None if any(c is None for c in col) else sum(col))
        else:
            vals = {c for c in col if c is not None}
            if len(vals) > 1:
                raise ValueError(f"ConcatV2: dimension {i} of the inputs must match, got "
                                 f"{[str(TensorShape(s)) for s in shapes]}")
            out.append(vals.pop() if vals else None)
    return [TensorShape(out)]


defop("ConcatV2", ("*values",), attrs={"axis": 0}, shape_fn=_concat_shape)


def concat(values, axis, name="concat"):
    values = [convert_to_tensor(v) for v in values]
    if len(values) == 1:
        return identity(values[0], name=name)
    _check_same_dtype("concat", values)
    return _op("ConcatV2", values, {"axis": int(axis)}, name=name)._outputs[0]


def _check_same_dtype(what, values):
    if len({v.dtype for v in values}) > 1:
        raise TypeError(f"{what}: all tensors must have one dtype, got "
                        f"{[(v.name, v.dtype.name) for v in values]}")


def _pack_shape(op):
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        if not shape.is_compatible_with(t.shape):
            raise ValueError(f"Pack: shapes of all inputs must match, got "
                             f"{[str(t.shape) for t in op.inputs]}")
        shape = shape.merge_with(t.shape)
    dims = shape.as_tuple()
    if dims is None:
        return [TensorShape(None)]
    axis = op.attrs["axis"]
    if not -len(dims) - 1 <= axis <= len(dims):
        raise ValueError(f"stack axis {axis} out of range for rank {len(dims) + 1}")
    axis %= len(dims) + 1
    return [TensorShape(dims[:axis] + (len(op.inputs),) + dims[axis:])]


defop("Pack", ("*values",), attrs={"axis": 0}, shape_fn=_pack_shape)


def stack(values, axis=0, name="stack"):
    values = [convert_to_tensor(v) for v in values]
    _check_same_dtype("stack", values)
    return _op("Pack", values, {"axis": int(axis)}, name=name)._outputs[0]


pack = stack


def _unpack_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    n = op.attrs["num"]
    if dims is None:
        return [TensorShape(None)] * n
    axis = normalize_axis(op.attrs["axis"], len(dims))
    if dims[axis] is not None and dims[axis] != n:
        raise ValueError(f"Unpack: dimension {axis} is {dims[axis]}, not num={n}")
    return [TensorShape(dims[:axis] + dims[axis + 1:])] * n


defop("Unpack", ("value",), attrs={"num": None, "axis": 0},
      num_outputs=lambda attrs: attrs["num"],
      dtype_fn=lambda op: [op.inputs[0].dtype] * op.attrs["num"], shape_fn=_unpack_shape)


def unstack(value, num=None, axis=0, name="unstack"):
    x = convert_to_tensor(value)
    if num is None:
        dims = x.shape.as_tuple()
        if dims is None or dims[normalize_axis(axis, len(dims))] is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
        num = dims[normalize_axis(axis, len(dims))]
    return _op("Unpack", [x], {"num": int(num), "axis": int(axis)}, name=name).outputs


def _splitv_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    sizes = op.attrs["size_splits"]
    if dims is None:
        return [TensorShape(None)] * len(sizes)
    axis = normalize_axis(op.attrs["axis"], len(dims))
    if dims[axis] is not None and sum(sizes) != dims[axis]:
        raise ValueError(f"split: sizes {list(sizes)} do not add up to dimension {axis} "
                         f"of shape {TensorShape(dims)}")
    return [TensorShape(dims[:axis] + (s,) + dims[axis + 1:]) for s in sizes]


defop("SplitV", ("value",), attrs={"size_splits": None, "axis": 0},
      num_outputs=lambda attrs: len(attrs["size_splits"]),
      dtype_fn=lambda op: [op.inputs[0].dtype] * len(op.attrs["size_splits"]),
      shape_fn=_splitv_shape)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split along ``axis`` into a number of equal parts or parts of given sizes."""
    x = convert_to_tensor(value)
    dims = x.shape.as_tuple()
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if dims is None or dims[normalize_axis(axis, len(dims))] is None:
            raise ValueError("split into equal parts needs a known dimension along axis")
        total = dims[normalize_axis(axis, len(dims))]
        if total % n:
            raise ValueError(f"Dimension {axis} of size {total} is not divisible by {n}")
        sizes = (total // n,) * n
    else:
        sizes = tuple(int(s) for s in np.ravel(num_or_size_splits))
        if -1 in sizes and dims is not None:
            total = dims[normalize_axis(axis, len(dims))]
            sizes = tuple(total - (sum(sizes) + 1) if s == -1 else s for s in sizes)
    return _op("SplitV", [x], {"size_splits": sizes, "axis": int(axis)}, name=name).outputs


# --- slicing -------------------------------------------------------------------------------
def _slice_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    begin, size_ = constant_value(op.inputs[1]), constant_value(op.inputs[2])
    if size_ is None:
        return [unknown_shape(dims and len(dims))]
    out = []
    for i, s in enumerate(np.ravel(size_)):
        if s == -1:
            if dims is None or dims[i] is None or begin is None:
                out.append(None)
            else:
                out.append(dims[i] - int(np.ravel(begin)[i]))
        else:
            out.append(int(s))
    return [TensorShape(out)]


defop("Slice", ("input", "begin", "size"), shape_fn=_slice_shape)


def slice(input_, begin, size, name=None):  # noqa: A001 - TF1 name
    x = convert_to_tensor(input_)
    b = convert_to_tensor(begin, dtype=dtypes.int32) if not isinstance(begin, Tensor) else begin
    s = convert_to_tensor(size, dtype=dtypes.int32) if not isinstance(size, Tensor) else size
    return _op("Slice", [x, b, s], name=name or "Slice")._outputs[0]


def _index_items(spec):
    """The NumPy index tuple described by a StridedSlice ``spec`` attr."""
    items = []
    for entry in spec:
        kind = entry[0]
        if kind == "int":
            items.append(entry[1])
        elif kind == "slice":
            items.append(builtins.slice(*entry[1:]))
        elif kind == "ellipsis":
            items.append(Ellipsis)
        else:
            items.append(None)
    return tuple(items)


def _strided_slice_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    spec = op.attrs["spec"]
    if dims is None:
        return [TensorShape(None)]
    consumed = sum(1 for e in spec if e[0] in ("int", "slice"))
    if consumed > len(dims):
        raise ValueError(f"Index {index_repr(spec)} has too many indices for a tensor of "
                         f"shape {TensorShape(dims)}")
    out, d = [], 0
    for e in spec:
        if e[0] == "ellipsis":
            n = len(dims) - consumed
            out.extend(dims[d:d + n])
            d += n
        elif e[0] == "newaxis":
            out.append(1)
        elif e[0] == "int":
            if dims[d] is not None and not -dims[d] <= e[1] < dims[d]:
                raise ValueError(f"Index {e[1]} is out of bounds for dimension {d} of shape "
                                 f"{TensorShape(dims)}")
            d += 1
        else:
            n = dims[d]
            out.append(None if n is None else len(builtins.range(n)[builtins.slice(*e[1:])]))
            d += 1
    out.extend(dims[d:])
    return [TensorShape(out)]


def index_repr(spec) -> str:
    parts = []
    for e in spec:
        if e[0] == "int":
            parts.append(str(e[1]))
        elif e[0] == "slice":
            a, b, c = ("" if v is None else str(v) for v in e[1:])
            parts.append(f"{a}:{b}" + (f":{c}" if c else ""))
        elif e[0] == "ellipsis":
            parts.append("...")
        else:
            parts.append("tf.newaxis")
    return "[" + ", ".join(parts) + "]"


defop("StridedSlice", ("input",), attrs={"spec": ()}, shape_fn=_strided_slice_shape,
      doc="Python-style indexing with ints, slices, ... and tf.newaxis (static indices).")


def _index_spec(key):
    if not isinstance(key, tuple):
        key = (key,)
    spec = []
    for k in key:
        if k is Ellipsis:
            spec.append(("ellipsis",))
        elif k is None:
            spec.append(("newaxis",))
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            spec.append(("int", int(k)))
        elif isinstance(k, builtins.slice):
            for v in (k.start, k.stop, k.step):
                if v is not None and not isinstance(v, (int, np.integer)):
                    raise TypeError(f"Slice bounds must be Python ints or None, got {v!r}; "
                                    f"use tf.slice or tf.gather for tensor indices")
            if k.step == 0:
                raise ValueError("slice step cannot be zero")
            spec.append(("slice", k.start, k.stop, k.step))
        elif isinstance(k, Tensor) or hasattr(k, "_as_tensor"):
            value = constant_value(convert_to_tensor(k))
            if value is None or np.ndim(value) != 0:
                raise TypeError("Tensor indices must be scalar constants; use tf.gather for "
                                "indices computed at run time")
            spec.append(("int", int(value)))
        else:
            raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis "
                            f"(`None`) are valid indices, got {k!r}")
    if sum(1 for e in spec if e[0] == "ellipsis") > 1:
        raise ValueError("An index can only have a single ellipsis ('...')")
    return tuple(spec)


def strided_slice_index(tensor, key, name="strided_slice"):
    """``tensor[key]``: Python indexing with ints, slices, ``...`` and ``tf.newaxis``.
    Static keys become one StridedSlice; scalar integer tensors (and slices with tensor
    bounds), as in ``inputs[t]`` inside a loop, are gathered along their axis."""
    x = convert_to_tensor(tensor)
    parts = key if isinstance(key, tuple) else (key,)
    if any(_is_dynamic(k) for k in parts):
        with name_scope(name):
            return _dynamic_index(x, parts)
    return _op("StridedSlice", [x], {"spec": _index_spec(key)}, name=name)._outputs[0]


def _is_dynamic(k) -> bool:
    if isinstance(k, builtins.slice):
        return any(_is_dynamic(v) for v in (k.start, k.stop))
    if isinstance(k, Tensor) or hasattr(k, "_as_tensor"):
        return constant_value(convert_to_tensor(k)) is None
    return False


def _dynamic_index(x, parts):
    """Apply an index holding run-time tensors one dimension at a time."""
    from tensorflux.ops.math_ops import maximum, minimum
    if sum(1 for k in parts if k is Ellipsis) > 1:
        raise ValueError("An index can only have a single ellipsis ('...')")
    if Ellipsis in parts:
        if x.shape.ndims is None:
            raise ValueError(f"Indexing {x.name} with '...' and tensor indices needs a known rank")
        used = sum(1 for k in parts if k is not None and k is not Ellipsis)
        at = parts.index(Ellipsis)
        parts = parts[:at] + (builtins.slice(None),) * (x.shape.ndims - used) + parts[at + 1:]
    axis = 0
    for k in parts:
        if k is None:
            x = expand_dims(x, axis)
            axis += 1
        elif isinstance(k, builtins.slice):
            if not _is_dynamic(k):
                spec = (("slice", None, None, None),) * axis + _index_spec(k)
                x = _op("StridedSlice", [x], {"spec": spec}, name="strided_slice")._outputs[0]
            else:
                if k.step not in (None, 1):
                    raise TypeError("Slices with tensor bounds must have step 1 (or None)")
                n = shape(x)[axis]

                def bound(v, default):
                    if v is None:
                        return default
                    b = convert_to_tensor(v, dtype=dtypes.int32)
                    return minimum(maximum(where(b < 0, b + n, b), 0), n)

                start, stop = bound(k.start, 0), bound(k.stop, n)
                x = gather(x, range(start, maximum(start, stop)), axis=axis)
            axis += 1
        else:
            i = convert_to_tensor(k)
            if not i.dtype.is_integer or i.shape.ndims not in (None, 0):
                raise TypeError(f"Tensor indices must be integer scalars, got {i.name} of "
                                f"dtype {i.dtype.name} and shape {i.shape}")
            x = gather(x, where(i < 0, i + shape(x, out_type=i.dtype)[axis], i), axis=axis)
    return x


Tensor._override_operator("__getitem__", strided_slice_index)


def _gather_shape(op):
    params, indices = op.inputs[0].shape.as_tuple(), op.inputs[1].shape.as_tuple()
    if params is None or indices is None:
        return [TensorShape(None)]
    axis = normalize_axis(op.attrs["axis"], len(params))
    return [TensorShape(params[:axis] + indices + params[axis + 1:])]


defop("GatherV2", ("params", "indices"), attrs={"axis": 0}, shape_fn=_gather_shape)


def gather(params, indices, validate_indices=None, name=None, axis=0):
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices)
    if not i.dtype.is_integer:
        raise TypeError(f"gather indices must be integers, got {i.dtype.name}")
    return _op("GatherV2", [p, i], {"axis": int(axis)}, name=name or "GatherV2")._outputs[0]


def _tile_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    mult = constant_value(op.inputs[1])
    if dims is None:
        return [TensorShape(None)]
    if mult is None:
        return [unknown_shape(len(dims))]
    mult = np.ravel(mult)
    if len(mult) != len(dims):
        raise ValueError(f"tile: multiples {list(mult)} must have one entry per dimension of {TensorShape(dims)}")
    return [TensorShape([None if d is None else d * int(m) for d, m in zip(dims, mult)])]


defop("Tile", ("input", "multiples"), shape_fn=_tile_shape)


def tile(input, multiples, name=None):
    m = multiples if isinstance(multiples, Tensor) else convert_to_tensor(multiples, dtype=dtypes.int32)
    return _op("Tile", [convert_to_tensor(input), m], name=name or "Tile")._outputs[0]


def _pad_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    pads = constant_value(op.inputs[1])
    if dims is None:
        return [TensorShape(None)]
    if pads is None:
        return [unknown_shape(len(dims))]
    pads = np.asarray(pads).reshape(-1, 2)
    if len(pads) != len(dims):
        raise ValueError(f"pad: paddings must have shape [{len(dims)}, 2], got {list(pads.shape)}")
    return [TensorShape([None if d is None else d + int(a) + int(b) for d, (a, b) in zip(dims, pads)])]


defop("Pad", ("input", "paddings"), attrs={"mode": "CONSTANT", "constant_values": 0},
      shape_fn=_pad_shape)


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad mode must be CONSTANT, REFLECT or SYMMETRIC, got {mode!r}")
    p = paddings if isinstance(paddings, Tensor) else convert_to_tensor(paddings, dtype=dtypes.int32)
    return _op("Pad", [convert_to_tensor(tensor), p],
               {"mode": mode, "constant_values": constant_values}, name=name or "Pad")._outputs[0]


# --- creation --------------------------------------------------------------------------------
defop("Fill", ("dims", "value"), dtype_fn=lambda op: [op.inputs[1].dtype],
      shape_fn=lambda op: [shape_from_tensor(op.inputs[0])])
defop("ZerosLike", ("x",), shape_fn=same_shape)
defop("OnesLike", ("x",), shape_fn=same_shape)
not_differentiable("ZerosLike", "OnesLike")


def fill(dims, value, name=None):
    d = dims if isinstance(dims, Tensor) else convert_to_tensor(dims, dtype=dtypes.int32)
    return _op("Fill", [d, convert_to_tensor(value)], name=name or "Fill")._outputs[0]


def _static_shape(shape):
    if isinstance(shape, Tensor):
        value = constant_value(shape)
        return None if value is None else tuple(int(v) for v in np.ravel(value))
    if isinstance(shape, TensorShape):
        return tuple(shape.as_list()) if shape.is_fully_defined() else None
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if any(isinstance(s, Tensor) for s in shape):
        return None
    return tuple(int(s) for s in shape)


# As in TF1: a uniform tensor of at least this many elements is a Fill of a shape and a
# scalar, not a constant, so graph files (.meta) stay small.
_LARGEST_UNIFORM_CONSTANT = 999


def _filled(shape, value, dtype, name, default_name):
    dtype = dtypes.as_dtype(dtype)
    static = _static_shape(shape)
    if static is not None and int(np.prod(static, dtype=np.float64)) <= _LARGEST_UNIFORM_CONSTANT:
        return constant(np.full(static, value, dtype=dtype.np_dtype), name=name or default_name)
    with name_scope(name, default_name) as scope:
        if static is not None:
            wide = builtins.max(static, default=0) >= 2 ** 31
            dims = constant(np.array(static, np.int64 if wide else np.int32), name="shape_as_tensor")
        else:
            dims = shape if isinstance(shape, Tensor) else stack(shape)
        return fill(dims, constant(value, dtype=dtype), name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, 0, dtype, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, 1, dtype, name, "ones")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    x = convert_to_tensor(tensor)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        from tensorflux.ops.math_ops import cast
        x = cast(x, dtype)
    return _op("ZerosLike", [x], name=name or "zeros_like")._outputs[0]


def ones_like(tensor, dtype=None, name=None, optimize=True):
    x = convert_to_tensor(tensor)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        from tensorflux.ops.math_ops import cast
        x = cast(x, dtype)
    return _op("OnesLike", [x], name=name or "ones_like")._outputs[0]


def _range_shape(op):
    vals = [constant_value(t) for t in op.inputs]
    if any(v is None for v in vals):
        return [unknown_shape(1)]
    start, limit, delta = (v.item() for v in vals)
    if delta == 0:
        raise ValueError("range: delta must not be 0")
    return [TensorShape([max(0, int(np.ceil((limit - start) / delta)))])]


defop("Range", ("start", "limit", "delta"), shape_fn=_range_shape)
not_differentiable("Range")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF1 name
    if limit is None:
        start, limit = 0, start
    values = [start, limit, delta]
    if dtype is None:
        is_float = any(isinstance(v, float) or (isinstance(v, Tensor) and v.dtype.is_floating)
                       for v in values)
        dtype = dtypes.float32 if is_float else dtypes.int32
        for v in values:
            if isinstance(v, Tensor):
                dtype = v.dtype
    with name_scope(name, "Range") as scope:
        s, l, d = (convert_to_tensor(v, dtype=dtype) for v in values)
        return _op("Range", [s, l, d], name=scope)._outputs[0]


def _linspace_shape(op):
    n = constant_value(op.inputs[2])
    return [TensorShape([None if n is None else int(n)])]


defop("LinSpace", ("start", "stop", "num"), shape_fn=_linspace_shape)
not_differentiable("LinSpace")


def linspace(start, stop, num, name=None):
    s = convert_to_tensor(start)
    if not s.dtype.is_floating:
        raise TypeError(f"linspace start must be a float, got {s.dtype.name}")
    e = convert_to_tensor(stop, dtype=s.dtype)
    n = convert_to_tensor(num, dtype=dtypes.int32)
    return _op("LinSpace", [s, e, n], name=name or "LinSpace")._outputs[0]


lin_space = linspace


def _one_hot_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is None:
        return [TensorShape(None)]
    axis = op.attrs["axis"]
    axis = len(dims) if axis == -1 else axis
    return [TensorShape(dims[:axis] + (op.attrs["depth"],) + dims[axis:])]


defop("OneHot", ("indices", "on_value", "off_value"), attrs={"depth": None, "axis": -1},
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_one_hot_shape)
not_differentiable("OneHot")


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    idx = convert_to_tensor(indices)
    if not idx.dtype.is_integer:
        raise TypeError(f"one_hot indices must be integers, got {idx.dtype.name}")
    dtype = dtypes.as_dtype(dtype) if dtype is not None else (
        on_value.dtype if isinstance(on_value, Tensor) else dtypes.float32)
    with name_scope(name, "one_hot") as scope:
        on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype)
        off = convert_to_tensor(0 if off_value is None else off_value, dtype=dtype)
        return _op("OneHot", [idx, on, off], {"depth": int(depth),
                                              "axis": -1 if axis is None else int(axis)},
                   name=scope)._outputs[0]


# --- where ----------------------------------------------------------------------------------
defop("Where", ("condition",), dtype_fn=lambda op: [dtypes.int64],
      shape_fn=lambda op: [TensorShape([None, op.inputs[0].shape.ndims])])
not_differentiable("Where")


def _select_shape(op):
    c, x, y = (t.shape.as_tuple() for t in op.inputs)
    return [TensorShape(broadcast_dims(broadcast_dims(c, x), y))]


defop("Select", ("condition", "x", "y"), dtype_fn=lambda op: [op.inputs[1].dtype],
      shape_fn=_select_shape)


def where(condition, x=None, y=None, name=None):
    """With only ``condition``: the coordinates of its True entries (int64, [n, rank]).
    With ``x`` and ``y``: elementwise ``x if condition else y``."""
    c = convert_to_tensor(condition)
    if c.dtype != dtypes.bool_:
        raise TypeError(f"where: condition must be bool, got {c.dtype.name}")
    if x is None and y is None:
        return _op("Where", [c], name=name or "Where")._outputs[0]
    if x is None or y is None:
        raise ValueError("where: x and y must both be given or both be None")
    from tensorflux.ops.math_ops import binary_operands
    x, y = binary_operands(x, y, "Select")
    return _op("Select", [c, x, y], name=name or "Select")._outputs[0]


# --- gradients ------------------------------------------------------------------------------
from tensorflux.ops.op_def import gradient  # noqa: E402


def _like_shape(op):
    return [op.inputs[1].shape]


defop("SumToShape", ("x", "like"), shape_fn=_like_shape,
      doc="Sum x over broadcast dimensions down to the shape of `like` (undoes broadcasting).")
defop("BroadcastLike", ("x", "like"), shape_fn=_like_shape,
      doc="Broadcast x to the shape of `like`.")
defop("StridedSliceGrad", ("grad", "like"), attrs={"spec": ()}, shape_fn=_like_shape,
      doc="Zeros shaped like `like` with `grad` written at the StridedSlice index `spec`.")
defop("ScatterAddLike", ("updates", "indices", "like"), attrs={"axis": 0},
      dtype_fn=lambda op: [op.inputs[0].dtype], shape_fn=lambda op: [op.inputs[2].shape],
      doc="Zeros shaped like `like` with `updates` added at `indices` along `axis`.")


def _create(op_type, inputs, attrs=None):
    return _op(op_type, inputs, attrs)._outputs[0]


def sum_to(grad, like):
    """``grad`` summed down to ``like``'s shape; a no-op when the static shapes match."""
    if grad.shape.is_fully_defined() and grad.shape == like.shape:
        return grad
    return _create("SumToShape", [grad, like])


def broadcast_like(x, like):
    if x.shape.is_fully_defined() and x.shape == like.shape:
        return x
    return _create("BroadcastLike", [x, like])


@gradient("SumToShape")
def _sum_to_grad(op, grad):
    return [broadcast_like(grad, op.inputs[0]), None]


@gradient("BroadcastLike")
def _broadcast_like_grad(op, grad):
    return [sum_to(grad, op.inputs[0]), None]


@gradient("Identity", "PlaceholderWithDefault")
def _identity_grad(op, grad):
    return [grad]


def _reshape_to_input(op, grad):
    x = op.inputs[0]
    target = x.shape.as_list() if x.shape.is_fully_defined() else shape(x)
    return reshape(grad, target)


@gradient("Reshape")
def _reshape_grad(op, grad):
    return [_reshape_to_input(op, grad), None]


@gradient("Squeeze", "ExpandDims")
def _squeeze_grad(op, grad):
    return [_reshape_to_input(op, grad)]


@gradient("Transpose")
def _transpose_grad(op, grad):
    perm = op.attrs["perm"]
    return [transpose(grad, list(np.argsort(perm)))]


@gradient("ConcatV2")
def _concat_grad(op, grad):
    axis = op.attrs["axis"]
    sizes = []
    for t in op.inputs:
        dims = t.shape.as_tuple()
        ax = normalize_axis(axis, len(dims)) if dims is not None else None
        sizes.append(None if dims is None else dims[ax])
    if None not in sizes:
        return split(grad, sizes, axis=axis)
    # Dynamic sizes: slice each piece out by its running offset along axis.
    out, offset = [], constant(0)
    rank_ = len(grad.shape) if grad.shape.ndims is not None else None
    if rank_ is None:
        raise LookupError("ConcatV2 gradient needs inputs of known rank")
    ax = normalize_axis(axis, rank_)
    for t in op.inputs:
        size_t = shape(t)
        begin = one_hot(ax, rank_, on_value=offset, off_value=constant(0), dtype=dtypes.int32)
        out.append(slice(grad, begin, size_t))
        offset = offset + size_t[ax]
    return out


@gradient("Pack")
def _pack_grad(op, grad):
    return unstack(grad, num=len(op.inputs), axis=op.attrs["axis"])


@gradient("Unpack")
def _unpack_grad(op, *grads):
    return [stack(list(grads), axis=op.attrs["axis"])]


@gradient("SplitV")
def _split_grad(op, *grads):
    return [concat(list(grads), axis=op.attrs["axis"])]


@gradient("Slice")
def _slice_grad(op, grad):
    x, begin, _ = op.inputs
    after = shape(x) - begin - shape(grad)
    paddings = stack([begin, after], axis=1)
    return [pad(grad, paddings), None, None]


@gradient("StridedSlice")
def _strided_slice_grad(op, grad):
    return [_create("StridedSliceGrad", [grad, op.inputs[0]], {"spec": op.attrs["spec"]})]


@gradient("StridedSliceGrad")
def _strided_slice_grad_grad(op, grad):
    return [_create("StridedSlice", [grad], {"spec": op.attrs["spec"]}), None]


@gradient("GatherV2")
def _gather_grad(op, grad):
    """Along axis 0, as TF1: an IndexedSlices of the gathered rows (see indexed_slices)."""
    params, indices = op.inputs
    if op.attrs["axis"] != 0 or params.shape.ndims is None:
        return [_create("ScatterAddLike", [grad, indices, params], {"axis": op.attrs["axis"]}), None]
    from tensorflux.ops.indexed_slices import IndexedSlices, rows_shape
    dense_shape = rows_shape(params)
    rest = params.shape.as_list()[1:] if params.shape[1:].is_fully_defined() else dense_shape[1:]
    flat = reshape(indices, [-1])
    values = reshape(grad, concat([shape(flat), rest], 0) if isinstance(rest, Tensor) else [-1] + rest)
    return [IndexedSlices(values, flat, dense_shape), None]


@gradient("ScatterAddLike")
def _scatter_add_grad(op, grad):
    return [gather(grad, op.inputs[1], axis=op.attrs["axis"]), None, None]


@gradient("Tile")
def _tile_grad(op, grad):
    x = op.inputs[0]
    mult = constant_value(op.inputs[1])
    if mult is None or not x.shape.is_fully_defined():
        raise LookupError(f"Tile gradient needs static multiples and input shape (op {op.name})")
    interleaved = []
    for m, d in zip(np.ravel(mult), x.shape.as_list()):
        interleaved += [int(m), d]
    from tensorflux.ops.math_ops import reduce_sum
    return [reduce_sum(reshape(grad, interleaved), axis=list(builtins.range(0, len(interleaved), 2))), None]


@gradient("Pad")
def _pad_grad(op, grad):
    if op.attrs["mode"] != "CONSTANT":
        raise LookupError(f"No gradient for Pad mode {op.attrs['mode']} (op {op.name}); only CONSTANT")
    x, paddings = op.inputs
    begin = slice(paddings, [0, 0], stack([rank(x), 1]))
    return [slice(grad, reshape(begin, [-1]), shape(x)), None]


@gradient("Fill")
def _fill_grad(op, grad):
    from tensorflux.ops.math_ops import reduce_sum
    return [None, reduce_sum(grad)]


@gradient("Select")
def _select_grad(op, grad):
    c, x, y = op.inputs
    zeros = zeros_like(grad)
    return [None, sum_to(where(c, grad, zeros), x), sum_to(where(c, zeros, grad), y)]
