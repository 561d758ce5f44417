"""``tf.layers`` convolution and pooling: conv2d, conv2d_transpose, max_pooling2d,
average_pooling2d, channels_last (NHWC) or channels_first (NCHW).

Each conv layer opens a variable scope (``conv2d``, ``conv2d_1``, ... or the given name)
with ``kernel`` and ``bias`` variables, as TF1's layers do.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.ops import array_ops, conv_ops, init_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.layers import bias_and_activation
from tensorflux.ops.variable_scope import get_variable, variable_scope

_FORMATS = {"channels_last": "NHWC", "channels_first": "NCHW"}


def _pair(value, what):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"The `{what}` argument must be an int or a tuple of 2 ints, got {value!r}")
    return pair


def _format(data_format):
    if data_format not in _FORMATS:
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got "
                         f"{data_format!r}")
    return _FORMATS[data_format]


def _padding(padding):
    if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
        raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
    return padding.upper()


def _channels(x, fmt, layer):
    dims = x.shape.as_tuple()
    c = dims[1 if fmt == "NCHW" else 3] if dims is not None and len(dims) == 4 else None
    if c is None:
        raise ValueError(f"{layer} needs a 4-D input with known channels, got {x.shape} ({x.name})")
    return c


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """activation(conv2d(inputs, kernel) + bias); kernel [kh, kw, in, filters]."""
    fmt = _format(data_format)
    x = convert_to_tensor(inputs)
    kh, kw = _pair(kernel_size, "kernel_size")
    strides, dilations = _pair(strides, "strides"), _pair(dilation_rate, "dilation_rate")
    cin = _channels(x, fmt, "conv2d")
    dtype = x.dtype if x.dtype.is_floating else dtypes.float32
    with variable_scope(name, default_name="conv2d", values=[x], reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, cin, filters], dtype, kernel_initializer,
                              kernel_regularizer, trainable=trainable)
        out = conv_ops.conv2d(x, kernel, list(strides), _padding(padding), data_format=fmt,
                              dilations=list(dilations), name="Conv2D")
        return bias_and_activation(out, filters, dtype, use_bias, bias_initializer,
                                   bias_regularizer, trainable, activation,
                                   activity_regularizer, fmt)


def _transposed_length(size, k, stride, padding):
    """The output length of a transposed convolution (Keras' deconv_output_length)."""
    if size is None:
        return None
    return size * stride + (max(k - stride, 0) if padding == "VALID" else 0)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                     reuse=None):
    """The transposed convolution ("deconvolution"): each input pixel spreads a
    kernel-sized patch, ``strides`` apart; kernel [kh, kw, filters, in]."""
    fmt = _format(data_format)
    pad = _padding(padding)
    x = convert_to_tensor(inputs)
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(strides, "strides")
    cin = _channels(x, fmt, "conv2d_transpose")
    dtype = x.dtype if x.dtype.is_floating else dtypes.float32
    with variable_scope(name, default_name="conv2d_transpose", values=[x], reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, filters, cin], dtype, kernel_initializer,
                              kernel_regularizer, trainable=trainable)
        dims = x.shape.as_tuple()
        h, w = (dims[1], dims[2]) if fmt == "NHWC" else (dims[2], dims[3])
        dynamic = array_ops.shape(x)
        oh = _transposed_length(h, kh, sh, pad)
        ow = _transposed_length(w, kw, sw, pad)
        batch = dims[0] if dims[0] is not None else dynamic[0]
        hw_axes = (1, 2) if fmt == "NHWC" else (2, 3)
        oh = oh if oh is not None else dynamic[hw_axes[0]] * sh + max(kh - sh, 0) * (pad == "VALID")
        ow = ow if ow is not None else dynamic[hw_axes[1]] * sw + max(kw - sw, 0) * (pad == "VALID")
        parts = [batch, oh, ow, filters] if fmt == "NHWC" else [batch, filters, oh, ow]
        out = conv_ops.conv2d_transpose(x, kernel, array_ops.stack(parts) if any(
            not isinstance(p, int) for p in parts) else parts, [sh, sw], pad, data_format=fmt)
        return bias_and_activation(out, filters, dtype, use_bias, bias_initializer,
                                   bias_regularizer, trainable, activation,
                                   activity_regularizer, fmt)


def _pooling(pool, inputs, pool_size, strides, padding, data_format, name):
    return pool(inputs, list(_pair(pool_size, "pool_size")), list(_pair(strides, "strides")),
                _padding(padding), data_format=_format(data_format), name=name)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """The maximum of each pool_size window, ``strides`` apart."""
    return _pooling(conv_ops.max_pool, inputs, pool_size, strides, padding, data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """The mean of each window (padding not counted)."""
    return _pooling(conv_ops.avg_pool, inputs, pool_size, strides, padding, data_format, name)
