"""Grayscale morphology (``tf.nn.dilation2d``, ``tf.nn.erosion2d``) and
``tf.nn.max_pool_with_argmax``: window ops on NHWC images with TF's ops, geometry
(``conv_geometry``) and gradients. Kernels: ``backends/morphology_kernels.py``.

dilation2d's output is ``max over (dy, dx) of input[y*s + dy*r, x*s + dx*r] +
filter[dy, dx]`` per channel (positions outside the input take no part); its gradients
go to the (first) maximizing input entry and filter tap, as TF1's.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import math_ops
from tensorflux.ops.manip_ops import reverse
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.conv_geometry import out_size, shape_str
from tensorflux.ops.nn_ops import _float_input, _op
from tensorflux.ops.op_def import defop, gradient, not_differentiable


def _where(op, *shapes):
    return (f" for '{op.name}' (op: '{op.type}') with input shapes: "
            f"{', '.join(shape_str(s) if s is not None else '?' for s in shapes)}.")


def _vec(op, attr, where):
    v = tuple(op.attrs[attr])
    if len(v) != 4 or v[0] != 1 or v[3] != 1 or min(v) < 1:
        raise ValueError(f"{op.type} {attr} must be [1, h, w, 1] with positive h and w, got "
                         f"{list(v)}{where}")
    return v


def _dilation_shape(op):
    x, f = op.inputs[0].shape.as_tuple(), op.inputs[1].shape.as_tuple()
    where = _where(op, x, f)
    strides, rates = _vec(op, "strides", where), _vec(op, "rates", where)
    if x is not None and len(x) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(x)}{where}")
    if f is not None and len(f) != 3:
        raise ValueError(f"Shape must be rank 3 but is rank {len(f)}{where}")
    if x is None:
        return [TensorShape([None] * 4)]
    kh, kw, c = f if f is not None else (None, None, None)
    if c is not None and x[3] is not None and c != x[3]:
        raise ValueError(f"Dimensions must be equal, but are {x[3]} and {c} (the input's and "
                         f"the filter's depth){where}")
    try:
        oh = out_size(x[1], kh, strides[1], rates[1], op.attrs["padding"]) if kh else None
        ow = out_size(x[2], kw, strides[2], rates[2], op.attrs["padding"]) if kw else None
    except ValueError as exc:
        raise ValueError(f"{exc}{where}") from None
    return [TensorShape([x[0], oh, ow, x[3]])]


_MORPH_ATTRS = {"strides": (1, 1, 1, 1), "rates": (1, 1, 1, 1), "padding": "VALID"}
defop("Dilation2D", ("input", "filter"), attrs=dict(_MORPH_ATTRS), shape_fn=_dilation_shape,
      doc="Grayscale dilation: the max over each window of input + filter, per channel.")
defop("Dilation2DBackpropInput", ("input", "filter", "out_backprop"), attrs=dict(_MORPH_ATTRS),
      shape_fn=lambda op: [op.inputs[0].shape],
      doc="Each output's gradient to the input entry that gave its maximum.")
defop("Dilation2DBackpropFilter", ("input", "filter", "out_backprop"), attrs=dict(_MORPH_ATTRS),
      shape_fn=lambda op: [op.inputs[1].shape],
      doc="Each output's gradient to the filter tap that gave its maximum.")
not_differentiable("Dilation2DBackpropInput", "Dilation2DBackpropFilter")


@gradient("Dilation2D")
def _dilation_grad(op, grad):
    x, w = op.inputs
    attrs = dict(op.attrs)
    return [_op("Dilation2DBackpropInput", [x, w, grad], attrs).outputs[0],
            _op("Dilation2DBackpropFilter", [x, w, grad], attrs).outputs[0]]


def _padding(padding):
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def dilation2d(input, filter=None, strides=None, rates=None, padding=None, name=None,  # noqa: A002
               filters=None, dilations=None):
    """Grayscale dilation of a [batch, h, w, depth] input by a [h, w, depth] structuring
    function: ``strides`` and ``rates`` (dilations) are [1, h, w, 1]."""
    x = _float_input(input, "dilation2d")
    w = convert_to_tensor(filter if filter is not None else filters, dtype=x.dtype, name="filter")
    rates = rates if rates is not None else (dilations if dilations is not None else (1, 1, 1, 1))
    attrs = {"strides": tuple(int(s) for s in strides), "rates": tuple(int(r) for r in rates),
             "padding": _padding(padding)}
    return _op("Dilation2D", [x, w], attrs, name=name or "dilation2d").outputs[0]


def erosion2d(value, kernel, strides, rates, padding, name=None):
    """Grayscale erosion: the min over each window of value - kernel (the kernel mirrored),
    that is ``-dilation2d(-value, mirrored kernel)``, as TF1 computes it."""
    with name_scope(name, "erosion2d", [value, kernel]) as scope:
        x = _float_input(value, "erosion2d")
        k = convert_to_tensor(kernel, dtype=x.dtype, name="kernel")
        return math_ops.negative(dilation2d(math_ops.negative(x), reverse(k, [0, 1]), strides,
                                            rates, padding), name=scope)


# --- max pooling with argmax ----------------------------------------------------------------
def _argmax_pool_shape(op):
    from tensorflux.ops.conv_ops import _pool_shape
    out = _pool_shape(op)[0]
    return [out, out]


defop("MaxPoolWithArgmax", ("input",),
      attrs={"ksize": (1, 1, 1, 1), "strides": (1, 1, 1, 1), "padding": "VALID",
             "data_format": "NHWC", "Targmax": dtypes.int64, "include_batch_in_index": False},
      num_outputs=2, shape_fn=_argmax_pool_shape,
      dtype_fn=lambda op: [op.inputs[0].dtype, op.attrs["Targmax"]],
      doc="max_pool and the flattened input position of each window's (first) maximum: "
          "(y * width + x) * channels + c, plus batch * height * width * channels with "
          "include_batch_in_index.")


@gradient("MaxPoolWithArgmax")
def _max_pool_with_argmax_grad(op, grad, _):
    # The argmax routes each window's gradient to its first maximum, as MaxPoolGrad does.
    attrs = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}
    return [_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], attrs).outputs[0]]


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None,  # noqa: A002,N803
                         name=None, output_dtype=None, include_batch_in_index=False):
    """(max_pool of an NHWC input, the flattened position of each window's maximum)."""
    from tensorflux.ops.conv_ops import _vec4
    if data_format != "NHWC":
        raise ValueError(f"max_pool_with_argmax supports data_format 'NHWC' only, got {data_format!r}")
    argmax_type = dtypes.as_dtype(output_dtype or Targmax or dtypes.int64)
    if argmax_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"max_pool_with_argmax: the argmax type must be int32 or int64, got "
                        f"{argmax_type.name}")
    x = _float_input(input, "max_pool_with_argmax")
    attrs = {"ksize": _vec4(ksize, "NHWC", "ksize"), "strides": _vec4(strides, "NHWC", "strides"),
             "padding": _padding(padding), "data_format": "NHWC", "Targmax": argmax_type,
             "include_batch_in_index": bool(include_batch_in_index)}
    out = _op("MaxPoolWithArgmax", [x], attrs, name=name or "MaxPoolWithArgmax").outputs
    return out[0], out[1]
