"""Convolution, pooling and local response normalization (``tf.nn``): definitions, shape
functions, gradients and wrappers, NHWC or NCHW, SAME or VALID, strides and dilations.

Filters are HWIO (``[height, width, in, out]``; depthwise: ``[height, width, in,
multiplier]``) whatever the data format, as in TF. Shape functions check what TF checks
and raise ValueError naming the op and its input shapes; the kernels
(``backends/conv_kernels.py``) repeat the checks for shapes known only at run time.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.nn_ops import _float_input, _op
from tensorflux.ops.conv_geometry import FORMATS, check_data_format, hw, out_size, shape_str
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import shape_from_tensor


# --- attrs ------------------------------------------------------------------------------
def _vec4(values, data_format, what):
    """A 4-vector in ``data_format`` order from an int or 1, 2 or 4 ints (TF's forms)."""
    if isinstance(values, int):
        values = [values]
    values = [int(v) for v in values]
    if len(values) == 1:
        values = values * 2
    if len(values) == 2:
        h, w = values
        return (1, h, w, 1) if data_format == "NHWC" else (1, 1, h, w)
    if len(values) != 4:
        raise ValueError(f"{what} must be an int or a list of 1, 2 or 4 ints, got {values}")
    return tuple(values)


def _check_padding(padding):
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def _where(op, *shapes):
    return (f" for '{op.name}' (op: '{op.type}') with input shapes: "
            f"{', '.join(shape_str(s) if s is not None else '?' for s in shapes)}.")


def _check_vec(op, attr, where):
    values, fmt = op.attrs[attr], op.attrs["data_format"]
    _, _, c = FORMATS[fmt]
    if len(values) != 4:
        raise ValueError(f"{op.type} {attr} must have 4 entries, got {list(values)}{where}")
    if values[0] != 1 or values[c] != 1:
        raise ValueError(f"Current implementation does not yet support {attr} in the batch "
                         f"and depth dimensions ({attr} {list(values)}, {fmt}){where}")
    if min(values) < 1:
        raise ValueError(f"{op.type} {attr} must be > 0, but got {list(values)}{where}")


def _rank4(op, dims, where):
    if dims is not None and len(dims) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(dims)}{where}")


def _layout(n, h, w, c, fmt):
    return TensorShape([n, h, w, c] if fmt == "NHWC" else [n, c, h, w])


def _windowed(op, x, kh, kw, where):
    """Output (height, width) of a window op on input dims ``x``."""
    fmt, padding = op.attrs["data_format"], op.attrs["padding"]
    (H, W), (sh, sw) = hw(x, fmt), hw(op.attrs["strides"], fmt)
    dh, dw = hw(op.attrs.get("dilations", (1, 1, 1, 1)), fmt)
    try:
        return (out_size(H, kh, sh, dh, padding) if kh is not None else None,
                out_size(W, kw, sw, dw, padding) if kw is not None else None)
    except ValueError as exc:
        raise ValueError(f"{exc}{where}") from None


def _conv_shape(op, depthwise=False):
    x, f = op.inputs[0].shape.as_tuple(), op.inputs[1].shape.as_tuple()
    where = _where(op, x, f)
    _check_vec(op, "strides", where)
    _check_vec(op, "dilations", where)
    _rank4(op, x, where)
    _rank4(op, f, where)
    if x is None:
        return [TensorShape([None] * 4)]
    fmt = op.attrs["data_format"]
    n, c = x[0], x[FORMATS[fmt][2]]
    kh, kw, cin, cout = f if f is not None else (None,) * 4
    if c is not None and cin is not None and c != cin:
        raise ValueError(f"Dimensions must be equal, but are {c} and {cin} (the input's "
                         f"channels and the filter's in_channels){where}")
    oh, ow = _windowed(op, x, kh, kw, where)
    channels = cout
    if depthwise:
        cin = cin if cin is not None else c
        channels = None if cin is None or cout is None else cin * cout
    return [_layout(n, oh, ow, channels, fmt)]


_CONV_ATTRS = {"strides": (1, 1, 1, 1), "padding": "VALID", "data_format": "NHWC",
               "dilations": (1, 1, 1, 1)}


def _like(i):
    return lambda op: [op.inputs[i].shape]


defop("Conv2D", ("input", "filter"), attrs=dict(_CONV_ATTRS), shape_fn=_conv_shape,
      doc="2-D convolution (cross-correlation) of input with an HWIO filter.")
defop("Conv2DBackpropInput", ("input_like", "filter", "out_backprop"), attrs=dict(_CONV_ATTRS),
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_like(0),
      doc="Gradient of Conv2D with respect to its input (of input_like's shape).")
defop("Conv2DBackpropFilter", ("input", "filter_like", "out_backprop"), attrs=dict(_CONV_ATTRS),
      shape_fn=_like(1), doc="Gradient of Conv2D with respect to its filter.")
defop("DepthwiseConv2dNative", ("input", "filter"), attrs=dict(_CONV_ATTRS),
      shape_fn=lambda op: _conv_shape(op, depthwise=True),
      doc="Each input channel convolved with its own multiplier filters; output channel "
          "c * multiplier + m.")
defop("DepthwiseConv2dNativeBackpropInput", ("input_like", "filter", "out_backprop"),
      attrs=dict(_CONV_ATTRS), dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_like(0))
defop("DepthwiseConv2dNativeBackpropFilter", ("input", "filter_like", "out_backprop"),
      attrs=dict(_CONV_ATTRS), shape_fn=_like(1))


def _conv2d_transpose_shape(op):
    out = shape_from_tensor(op.inputs[0])
    f, v = op.inputs[1].shape.as_tuple(), op.inputs[2].shape.as_tuple()
    dims = out.as_tuple()
    where = _where(op, dims, f, v)
    _check_vec(op, "strides", where)
    _check_vec(op, "dilations", where)
    _rank4(op, dims, where)
    _rank4(op, f, where)
    _rank4(op, v, where)
    if dims is None:
        return [TensorShape([None] * 4)]
    fmt = op.attrs["data_format"]
    c_axis = FORMATS[fmt][2]
    if f is not None and dims[c_axis] is not None and f[2] is not None and dims[c_axis] != f[2]:
        raise ValueError(f"output_shape {shape_str(dims)} does not match the filter's output "
                         f"channels: {dims[c_axis]} != {f[2]}{where}")
    if f is not None and v is not None and v[c_axis] is not None and f[3] is not None and v[c_axis] != f[3]:
        raise ValueError(f"input channels do not match the filter's input channels: "
                         f"{v[c_axis]} != {f[3]}{where}")
    if f is not None and v is not None:  # convolving the output must give the input back
        oh, ow = _windowed(op, dims, f[0], f[1], where)
        for want, got in zip((dims[0], oh, ow), (v[0],) + hw(v, fmt)):
            if want is not None and got is not None and want != got:
                raise ValueError(f"conv2d_transpose: output_shape {shape_str(dims)} is "
                                 f"inconsistent with the input of shape {shape_str(v)}: "
                                 f"convolving the output would give "
                                 f"{shape_str(_layout(dims[0], oh, ow, f[3], fmt).as_tuple())}"
                                 f"{where}")
    return [out]


defop("Conv2DTranspose", ("output_shape", "filter", "value"), attrs=dict(_CONV_ATTRS),
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_conv2d_transpose_shape,
      doc="The transpose (gradient) of Conv2D: an output of output_shape (a 1-D int tensor) "
          "from value, which has Conv2D's output shape.")


@gradient("Conv2D")
def _conv2d_grad(op, grad):
    x, w = op.inputs
    return [_op("Conv2DBackpropInput", [x, w, grad], dict(op.attrs)).outputs[0],
            _op("Conv2DBackpropFilter", [x, w, grad], dict(op.attrs)).outputs[0]]


@gradient("Conv2DBackpropInput")
def _conv2d_input_grad(op, grad):
    _, w, dy = op.inputs
    return [None, _op("Conv2DBackpropFilter", [grad, w, dy], dict(op.attrs)).outputs[0],
            _op("Conv2D", [grad, w], dict(op.attrs)).outputs[0]]


@gradient("Conv2DBackpropFilter")
def _conv2d_filter_grad(op, grad):
    x, _, dy = op.inputs
    return [_op("Conv2DBackpropInput", [x, grad, dy], dict(op.attrs)).outputs[0], None,
            _op("Conv2D", [x, grad], dict(op.attrs)).outputs[0]]


@gradient("Conv2DTranspose")
def _conv2d_transpose_grad(op, grad):
    _, w, value = op.inputs
    return [None, _op("Conv2DBackpropFilter", [grad, w, value], dict(op.attrs)).outputs[0],
            _op("Conv2D", [grad, w], dict(op.attrs)).outputs[0]]


@gradient("DepthwiseConv2dNative")
def _depthwise_grad(op, grad):
    x, w = op.inputs
    return [_op("DepthwiseConv2dNativeBackpropInput", [x, w, grad], dict(op.attrs)).outputs[0],
            _op("DepthwiseConv2dNativeBackpropFilter", [x, w, grad], dict(op.attrs)).outputs[0]]


@gradient("DepthwiseConv2dNativeBackpropInput")
def _depthwise_input_grad(op, grad):
    _, w, dy = op.inputs
    return [None, _op("DepthwiseConv2dNativeBackpropFilter", [grad, w, dy], dict(op.attrs)).outputs[0],
            _op("DepthwiseConv2dNative", [grad, w], dict(op.attrs)).outputs[0]]


@gradient("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_filter_grad(op, grad):
    x, _, dy = op.inputs
    return [_op("DepthwiseConv2dNativeBackpropInput", [x, grad, dy], dict(op.attrs)).outputs[0],
            None, _op("DepthwiseConv2dNative", [x, grad], dict(op.attrs)).outputs[0]]


# --- wrappers ---------------------------------------------------------------------------
def _conv_attrs(strides, padding, data_format, dilations):
    fmt = check_data_format(data_format or "NHWC")
    return {"strides": _vec4(strides, fmt, "strides"), "padding": _check_padding(padding),
            "data_format": fmt, "dilations": _vec4(dilations or 1, fmt, "dilations")}


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=None, name=None, filters=None):
    """2-D convolution: ``input`` NHWC (or NCHW), ``filter`` [height, width, in, out]."""
    x = _float_input(input, "conv2d")
    w = convert_to_tensor(filter if filter is not None else filters, dtype=x.dtype)
    return _op("Conv2D", [x, w], _conv_attrs(strides, padding, data_format, dilations),
               name=name).outputs[0]


def conv2d_transpose(value, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NHWC", name=None, input=None, filters=None,  # noqa: A002
                     dilations=None):
    """The transpose of conv2d (its gradient with respect to the input): ``value`` has
    conv2d's output shape, ``filter`` is [height, width, out, in], and the result has
    ``output_shape`` (a list or a 1-D int tensor)."""
    with name_scope(name, "conv2d_transpose", [value, filter, output_shape]) as scope:
        v = _float_input(value if value is not None else input, "conv2d_transpose")
        w = convert_to_tensor(filter if filter is not None else filters, dtype=v.dtype)
        shape = convert_to_tensor(output_shape, dtype=dtypes.int32, name="output_shape")
        if shape.shape.ndims not in (None, 1) or shape.shape.as_tuple() not in (None, (None,), (4,)):
            raise ValueError(f"output_shape must have shape (4,), got {shape.shape}")
        return _op("Conv2DTranspose", [shape, w, v],
                   _conv_attrs(strides, padding, data_format, dilations), name=scope).outputs[0]


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """Each input channel convolved with its own ``channel_multiplier`` filters
    (``filter`` [height, width, in, multiplier]); ``rate`` dilates the filter."""
    x = _float_input(input, "depthwise_conv2d")
    w = convert_to_tensor(filter, dtype=x.dtype)
    attrs = _conv_attrs(strides, padding, data_format, dilations if dilations is not None else rate)
    return _op("DepthwiseConv2dNative", [x, w], attrs, name=name or "depthwise").outputs[0]


depthwise_conv2d_native = depthwise_conv2d


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Dilated ("atrous") convolution with stride 1: conv2d with dilations ``rate``."""
    if int(rate) < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d(value, filters, [1, 1, 1, 1], padding, dilations=[1, rate, rate, 1],
                  name=name or "convolution")


# --- pooling ----------------------------------------------------------------------------
def _pool_shape(op):
    x = op.inputs[0].shape.as_tuple()
    where = _where(op, x) + f" ksize {list(op.attrs['ksize'])}"
    _check_vec(op, "ksize", where)
    _check_vec(op, "strides", where)
    _rank4(op, x, where)
    if x is None:
        return [TensorShape([None] * 4)]
    fmt = op.attrs["data_format"]
    kh, kw = hw(op.attrs["ksize"], fmt)
    oh, ow = _windowed(op, x, kh, kw, where)
    return [_layout(x[0], oh, ow, x[FORMATS[fmt][2]], fmt)]


_POOL_ATTRS = {"ksize": (1, 1, 1, 1), "strides": (1, 1, 1, 1), "padding": "VALID",
               "data_format": "NHWC"}
defop("MaxPool", ("input",), attrs=dict(_POOL_ATTRS), shape_fn=_pool_shape)
defop("AvgPool", ("value",), attrs=dict(_POOL_ATTRS), shape_fn=_pool_shape,
      doc="Average over each window of the inputs inside the input (padding not counted).")
defop("MaxPoolGrad", ("orig_input", "orig_output", "grad"), attrs=dict(_POOL_ATTRS),
      shape_fn=_like(0), doc="Each window's gradient to its (first) maximum.")
defop("AvgPoolGrad", ("orig_input", "grad"), attrs=dict(_POOL_ATTRS),
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_like(0))
defop("MaxPoolGradGrad", ("orig_input", "orig_output", "grad"), attrs=dict(_POOL_ATTRS),
      shape_fn=_like(1), doc="Gradient of MaxPoolGrad w.r.t. its grad input.")


def _pool(op_type, value, ksize, strides, padding, data_format, name):
    fmt = check_data_format(data_format or "NHWC")
    x = _float_input(value, op_type)
    return _op(op_type, [x], {"ksize": _vec4(ksize, fmt, "ksize"),
                              "strides": _vec4(strides, fmt, "strides"),
                              "padding": _check_padding(padding), "data_format": fmt},
               name=name).outputs[0]


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    return _pool("MaxPool", value if value is not None else input, ksize, strides, padding,
                 data_format, name)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    return _pool("AvgPool", value if value is not None else input, ksize, strides, padding,
                 data_format, name)


@gradient("MaxPool")
def _max_pool_grad(op, grad):
    return [_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], dict(op.attrs)).outputs[0]]


@gradient("AvgPool")
def _avg_pool_grad(op, grad):
    return [_op("AvgPoolGrad", [op.inputs[0], grad], dict(op.attrs)).outputs[0]]


@gradient("AvgPoolGrad")
def _avg_pool_grad_grad(op, grad):
    return [None, _op("AvgPool", [grad], dict(op.attrs)).outputs[0]]


@gradient("MaxPoolGrad")
def _max_pool_grad_grad(op, grad):
    x, y, _ = op.inputs
    # The routing of MaxPoolGrad is fixed by x: its gradient w.r.t. the incoming grad
    # picks, for each pooled cell, the entry of ``grad`` at that cell's argmax.
    return [None, None, _op("MaxPoolGradGrad", [x, y, grad], dict(op.attrs)).outputs[0]]


@gradient("MaxPoolGradGrad")
def _max_pool_grad_grad_grad(op, grad):
    x, y, _ = op.inputs
    return [None, None, _op("MaxPoolGrad", [x, y, grad], dict(op.attrs)).outputs[0]]


# --- local response normalization -----------------------------------------------------------
def _lrn_shape(op):
    x = op.inputs[0].shape.as_tuple()
    if x is not None and len(x) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(x)}{_where(op, x)}")
    return [op.inputs[0].shape]


_LRN_ATTRS = {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5}
defop("LRN", ("input",), attrs=dict(_LRN_ATTRS), shape_fn=_lrn_shape,
      doc="input / (bias + alpha * sum of squares over depth_radius channels each side) ** beta")
defop("LRNGrad", ("input_grads", "input_image", "output_image"), attrs=dict(_LRN_ATTRS),
      shape_fn=_like(1), doc="Gradient of LRN (no gradient of its own, as in TF).")


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5,  # noqa: A002
                                 name=None):
    """Normalize each entry by the squares of its neighbours along the last axis."""
    x = _float_input(input, "local_response_normalization")
    attrs = {"depth_radius": int(depth_radius), "bias": float(bias), "alpha": float(alpha),
             "beta": float(beta)}
    return _op("LRN", [x], attrs, name=name).outputs[0]


lrn = local_response_normalization


@gradient("LRN")
def _lrn_grad(op, grad):
    return [_op("LRNGrad", [grad, op.inputs[0], op.outputs[0]], dict(op.attrs)).outputs[0]]

