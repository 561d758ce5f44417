"""3-D convolution and pooling (``tf.nn.conv3d``, ``max_pool3d``, ...): definitions,
shape functions, gradients and wrappers, NDHWC or NCDHW.

The ops and their inputs are TF's own (``Conv3D``, ``Conv3DBackpropInputV2`` with the
input's sizes as a tensor, ``AvgPool3DGrad`` with the original input's shape...), so
graphs move to and from TensorFlow unchanged. Filters are DHWIO (``[depth, height,
width, in, out]``) whatever the data format. Kernels: ``backends/conv3d_kernels.py``.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops.array_ops import shape as _shape_of
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.conv_geometry import out_size, shape_str
from tensorflux.ops.nn_ops import _float_input, _op
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import shape_from_tensor

# data_format -> (spatial axes, channel axis)
FORMATS_3D = {"NDHWC": ((1, 2, 3), 4), "NCDHW": ((2, 3, 4), 1)}


def check_format_3d(data_format):
    if data_format not in FORMATS_3D:
        raise ValueError(f"data_format must be 'NDHWC' or 'NCDHW', got {data_format!r}")
    return data_format


def vec5(values, data_format, what):
    """A 5-vector in ``data_format`` order from an int or 1, 3 or 5 ints (TF's forms)."""
    if isinstance(values, int):
        values = [values]
    values = [int(v) for v in values]
    if len(values) == 1:
        values = values * 3
    if len(values) == 3:
        return (1, *values, 1) if data_format == "NDHWC" else (1, 1, *values)
    if len(values) != 5:
        raise ValueError(f"{what} must be an int or a list of 1, 3 or 5 ints, got {values}")
    return tuple(values)


def spatial(values, data_format):
    """The (depth, height, width) entries of a 5-vector laid out as ``data_format``."""
    axes, _ = FORMATS_3D[data_format]
    return tuple(values[a] for a in axes)


def _where(op, *shapes):
    return (f" for '{op.name}' (op: '{op.type}') with input shapes: "
            f"{', '.join(shape_str(s) if s is not None else '?' for s in shapes)}.")


def _check_vec(op, attr, where):
    values, fmt = op.attrs[attr], op.attrs["data_format"]
    _, c = FORMATS_3D[fmt]
    if len(values) != 5:
        raise ValueError(f"{op.type} {attr} must have 5 entries, got {list(values)}{where}")
    if values[0] != 1 or values[c] != 1:
        raise ValueError(f"Current implementation does not yet support {attr} in the batch "
                         f"and depth dimensions ({attr} {list(values)}, {fmt}){where}")
    if min(values) < 1:
        raise ValueError(f"{op.type} {attr} must be > 0, but got {list(values)}{where}")


def _rank5(dims, where):
    if dims is not None and len(dims) != 5:
        raise ValueError(f"Shape must be rank 5 but is rank {len(dims)}{where}")


def _layout(n, sizes, c, fmt):
    return TensorShape([n, *sizes, c] if fmt == "NDHWC" else [n, c, *sizes])


def _windowed(op, x, kernel, where):
    """Output (depth, height, width) of a window op on input dims ``x``."""
    fmt, padding = op.attrs["data_format"], op.attrs["padding"]
    strides = spatial(op.attrs["strides"], fmt)
    dilations = spatial(op.attrs.get("dilations", (1,) * 5), fmt)
    try:
        return tuple(out_size(n, k, s, d, padding) if k is not None else None
                     for n, k, s, d in zip(spatial(x, fmt), kernel, strides, dilations))
    except ValueError as exc:
        raise ValueError(f"{exc}{where}") from None


def _conv3d_shape(op):
    x, f = op.inputs[0].shape.as_tuple(), op.inputs[1].shape.as_tuple()
    where = _where(op, x, f)
    for attr in ("strides", "dilations"):
        _check_vec(op, attr, where)
    _rank5(x, where)
    _rank5(f, where)
    if x is None:
        return [TensorShape([None] * 5)]
    fmt = op.attrs["data_format"]
    c = x[FORMATS_3D[fmt][1]]
    kernel, cin, cout = (f[:3], f[3], f[4]) if f is not None else ((None,) * 3, None, None)
    if c is not None and cin is not None and c != cin:
        raise ValueError(f"Dimensions must be equal, but are {c} and {cin} (the input's "
                         f"channels and the filter's in_channels){where}")
    return [_layout(x[0], _windowed(op, x, kernel, where), cout, fmt)]


def _sized(i):
    """The shape an op's sizes input (a 1-D int tensor) gives its output."""
    return lambda op: [shape_from_tensor(op.inputs[i])]


_CONV_ATTRS = {"strides": (1,) * 5, "padding": "VALID", "data_format": "NDHWC",
               "dilations": (1,) * 5}
defop("Conv3D", ("input", "filter"), attrs=dict(_CONV_ATTRS), shape_fn=_conv3d_shape,
      doc="3-D convolution (cross-correlation) of input with a DHWIO filter.")
defop("Conv3DBackpropInputV2", ("input_sizes", "filter", "out_backprop"), attrs=dict(_CONV_ATTRS),
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_sized(0),
      doc="Gradient of Conv3D with respect to an input of input_sizes.")
defop("Conv3DBackpropFilterV2", ("input", "filter_sizes", "out_backprop"),
      attrs=dict(_CONV_ATTRS), shape_fn=_sized(1),
      doc="Gradient of Conv3D with respect to a filter of filter_sizes.")


def _pool3d_shape(op):
    x = op.inputs[0].shape.as_tuple()
    where = _where(op, x) + f" ksize {list(op.attrs['ksize'])}"
    for attr in ("ksize", "strides"):
        _check_vec(op, attr, where)
    _rank5(x, where)
    if x is None:
        return [TensorShape([None] * 5)]
    fmt = op.attrs["data_format"]
    kernel = spatial(op.attrs["ksize"], fmt)
    return [_layout(x[0], _windowed(op, x, kernel, where), x[FORMATS_3D[fmt][1]], fmt)]


_POOL_ATTRS = {"ksize": (1,) * 5, "strides": (1,) * 5, "padding": "VALID", "data_format": "NDHWC"}
defop("MaxPool3D", ("input",), attrs=dict(_POOL_ATTRS), shape_fn=_pool3d_shape,
      doc="Maximum over each 3-D window.")
defop("AvgPool3D", ("input",), attrs=dict(_POOL_ATTRS), shape_fn=_pool3d_shape,
      doc="Average over each 3-D window of the inputs inside the input (padding not counted).")
defop("MaxPool3DGrad", ("orig_input", "orig_output", "grad"), attrs=dict(_POOL_ATTRS),
      dtype_fn=lambda op: [op.inputs[2].dtype], shape_fn=lambda op: [op.inputs[0].shape],
      doc="Each window's gradient to its (first) maximum.")
defop("MaxPool3DGradGrad", ("orig_input", "orig_output", "grad"), attrs=dict(_POOL_ATTRS),
      shape_fn=lambda op: [op.inputs[1].shape], doc="Gradient of MaxPool3DGrad w.r.t. grad.")
defop("AvgPool3DGrad", ("orig_input_shape", "grad"), attrs=dict(_POOL_ATTRS),
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_sized(0),
      doc="Each window's gradient shared among the inputs it averaged.")


@gradient("Conv3D")
def _conv3d_grad(op, grad):
    x, w = op.inputs
    attrs = dict(op.attrs)
    return [_op("Conv3DBackpropInputV2", [_shape_of(x), w, grad], attrs).outputs[0],
            _op("Conv3DBackpropFilterV2", [x, _shape_of(w), grad], attrs).outputs[0]]


@gradient("Conv3DBackpropInputV2")
def _conv3d_input_grad(op, grad):
    _, w, dy = op.inputs
    attrs = dict(op.attrs)
    return [None, _op("Conv3DBackpropFilterV2", [grad, _shape_of(w), dy], attrs).outputs[0],
            _op("Conv3D", [grad, w], attrs).outputs[0]]


@gradient("Conv3DBackpropFilterV2")
def _conv3d_filter_grad(op, grad):
    x, _, dy = op.inputs
    attrs = dict(op.attrs)
    return [_op("Conv3DBackpropInputV2", [_shape_of(x), grad, dy], attrs).outputs[0], None,
            _op("Conv3D", [x, grad], attrs).outputs[0]]


@gradient("MaxPool3D")
def _max_pool3d_grad(op, grad):
    return [_op("MaxPool3DGrad", [op.inputs[0], op.outputs[0], grad], dict(op.attrs)).outputs[0]]


@gradient("MaxPool3DGrad")
def _max_pool3d_grad_grad(op, grad):
    x, y, _ = op.inputs
    return [None, None, _op("MaxPool3DGradGrad", [x, y, grad], dict(op.attrs)).outputs[0]]


@gradient("MaxPool3DGradGrad")
def _max_pool3d_grad_grad_grad(op, grad):
    x, y, _ = op.inputs
    return [None, None, _op("MaxPool3DGrad", [x, y, grad], dict(op.attrs)).outputs[0]]


@gradient("AvgPool3D")
def _avg_pool3d_grad(op, grad):
    return [_op("AvgPool3DGrad", [_shape_of(op.inputs[0]), grad], dict(op.attrs)).outputs[0]]


@gradient("AvgPool3DGrad")
def _avg_pool3d_grad_grad(op, grad):
    return [None, _op("AvgPool3D", [grad], dict(op.attrs)).outputs[0]]



# --- wrappers ---------------------------------------------------------------------------
def _padding(padding):
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def _conv_attrs(strides, padding, data_format, dilations):
    fmt = check_format_3d(data_format or "NDHWC")
    return {"strides": vec5(strides, fmt, "strides"), "padding": _padding(padding),
            "data_format": fmt, "dilations": vec5(dilations or 1, fmt, "dilations")}


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC",  # noqa: A002
           dilations=None, name=None, filters=None):
    """3-D convolution: ``input`` NDHWC (or NCDHW), ``filter`` [depth, height, width, in,
    out]; ``strides`` and ``dilations`` are 5-vectors (or 1 or 3 ints)."""
    x = _float_input(input, "conv3d")
    w = convert_to_tensor(filter if filter is not None else filters, dtype=x.dtype)
    return _op("Conv3D", [x, w], _conv_attrs(strides if strides is not None else 1, padding,
                                             data_format, dilations), name=name).outputs[0]


def _sizes(sizes, what):
    t = convert_to_tensor(sizes, dtype=dtypes.int32, name=what)
    if t.shape.as_tuple() not in (None, (None,), (5,)):
        raise ValueError(f"{what} must have shape (5,), got {t.shape}")
    return t


def conv3d_transpose(value, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NDHWC", name=None, input=None,  # noqa: A002
                     filters=None, dilations=None):
    """The transpose of conv3d (its gradient with respect to the input): ``value`` has
    conv3d's output shape, ``filter`` is [depth, height, width, out, in], and the result
    has ``output_shape``."""
    with name_scope(name, "conv3d_transpose", [value, filter, output_shape]) as scope:
        v = _float_input(value if value is not None else input, "conv3d_transpose")
        w = convert_to_tensor(filter if filter is not None else filters, dtype=v.dtype)
        return _op("Conv3DBackpropInputV2", [_sizes(output_shape, "output_shape"), w, v],
                   _conv_attrs(strides, padding, data_format, dilations), name=scope).outputs[0]


def conv3d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           data_format="NDHWC", dilations=(1, 1, 1, 1, 1), name=None):
    """Conv3D's gradient with respect to a filter of ``filter_sizes``."""
    x = _float_input(input, "conv3d_backprop_filter")
    dy = convert_to_tensor(out_backprop, dtype=x.dtype)
    return _op("Conv3DBackpropFilterV2", [x, _sizes(filter_sizes, "filter_sizes"), dy],
               _conv_attrs(strides, padding, data_format, dilations), name=name).outputs[0]


def _pool(op_type, input, ksize, strides, padding, data_format, name):  # noqa: A002
    fmt = check_format_3d(data_format or "NDHWC")
    x = _float_input(input, op_type)
    return _op(op_type, [x], {"ksize": vec5(ksize, fmt, "ksize"),
                              "strides": vec5(strides, fmt, "strides"),
                              "padding": _padding(padding), "data_format": fmt},
               name=name).outputs[0]


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Maximum over each [depth, height, width] window of a 5-D input."""
    return _pool("MaxPool3D", input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Average over each [depth, height, width] window (padding not counted)."""
    return _pool("AvgPool3D", input, ksize, strides, padding, data_format, name)
