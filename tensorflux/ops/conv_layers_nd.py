"""``tf.layers`` for one and three spatial dimensions, and the separable convolutions:
conv1d, conv3d, conv3d_transpose, separable_conv1d / separable_conv2d, and max / average
pooling in 1-D and 3-D.

They are built from the 2-D ops, so they run on every backend and differentiate through
gradients that already exist. 1-D layers add a unit height to the input, as TF1's
``conv1d`` does. 3-D layers fold the depth into the batch: a 3-D convolution is the sum
over the kernel's depth taps ``k`` of a 2-D convolution of the depth slices that tap
reads (one strided slice of the depth-padded input each); 3-D pooling pools each depth
slice in 2-D and then across the depth window. Padding follows TF: "same" pads
``max((out - 1) * stride + span - size, 0)`` with the smaller half first.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.ops import array_ops, conv_ops, init_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.layers import bias_and_activation
from tensorflux.ops.variable_scope import get_variable, variable_scope

_CHANNELS = ("channels_last", "channels_first")


# --- argument checks --------------------------------------------------------------------------
def tuple_of(value, n, what):
    """``value`` as a tuple of ``n`` ints (an int repeats), else TF1's ValueError."""
    items = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != n or not all(isinstance(v, (int, np.integer)) for v in items):
        raise ValueError(f"The `{what}` argument must be an int or a tuple of {n} ints, got "
                         f"{value!r}")
    return tuple(int(v) for v in items)


def padding_of(padding, causal=False):
    allowed = ("same", "valid", "causal") if causal else ("same", "valid")
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(f"padding must be one of {', '.join(map(repr, allowed))}, got {padding!r}")
    return padding.upper()


def channels_first_of(data_format):
    if data_format not in _CHANNELS:
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got "
                         f"{data_format!r}")
    return data_format == "channels_first"


def _strides_and_dilations(strides, dilations):
    if any(s != 1 for s in strides) and any(d != 1 for d in dilations):
        raise ValueError(f"strides > 1 not supported in conjunction with dilation_rate > 1 "
                         f"(strides {list(strides)}, dilation_rate {list(dilations)})")


def _input(inputs, rank, layer, channels_first):
    """The float input and its channel count, checked like TF1's InputSpec."""
    x = convert_to_tensor(inputs)
    dims = x.shape.as_tuple()
    if dims is None or len(dims) != rank:
        raise ValueError(f"Input 0 of layer {layer} is incompatible with the layer: expected "
                         f"ndim={rank}, found ndim={None if dims is None else len(dims)}. Full "
                         f"shape received: {None if dims is None else list(dims)} ({x.name})")
    channels = dims[1] if channels_first else dims[-1]
    if channels is None:
        raise ValueError(f"The channel dimension of the inputs to {layer} should be defined. "
                         f"Found `None` ({x.name} has shape {x.shape}).")
    return x, channels, (x.dtype if x.dtype.is_floating else dtypes.float32)


def _to_channels_last(x, channels_first):
    if not channels_first:
        return x
    rank = x.shape.ndims
    return array_ops.transpose(x, [0] + list(range(2, rank)) + [1])


def _from_channels_last(x, channels_first):
    if not channels_first:
        return x
    rank = x.shape.ndims
    return array_ops.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


# --- depth folded into the batch ----------------------------------------------------------------
def _merge_depth(x):
    """[N, D, H, W, C] -> [N * D, H, W, C]."""
    dims = list(x.shape.as_tuple())
    out = array_ops.reshape(x, array_ops.concat([[-1], array_ops.shape(x)[2:]], 0))
    batch = dims[0] * dims[1] if dims[0] is not None and dims[1] is not None else None
    out.set_shape([batch] + dims[2:])
    return out


def _split_depth(y, like):
    """[N * D, H', W', C'] -> [N, D, H', W', C'] with N and D of ``like``."""
    out = array_ops.reshape(y, array_ops.concat([array_ops.shape(like)[:2],
                                                 array_ops.shape(y)[1:]], 0))
    out.set_shape(list(like.shape.as_tuple()[:2]) + list(y.shape.as_tuple()[1:]))
    return out


def _pad_depth(x, span, stride, padding, value=0):
    """``x`` [N, D, ...] padded along D as TF pads "SAME" (unchanged for "VALID")."""
    if padding == "VALID":
        return x
    rank = x.shape.ndims
    size = x.shape.as_tuple()[1]
    if size is not None:
        total = max((-(-size // stride) - 1) * stride + span - size, 0)
        front = total // 2
        paddings = [[0, 0], [front, total - front]] + [[0, 0]] * (rank - 2)
    else:
        d = array_ops.shape(x)[1]
        total = math_ops.maximum(((d + stride - 1) // stride - 1) * stride + span - d, 0)
        front = total // 2
        paddings = array_ops.reshape(array_ops.stack(
            [0, 0, front, total - front] + [0, 0] * (rank - 2)), [rank, 2])
    out = array_ops.pad(x, paddings, constant_values=value)
    if size is None:  # only the depth is unknown
        dims = list(x.shape.as_tuple())
        out.set_shape(dims[:1] + [None] + dims[2:])
    return out


def _depth_taps(padded, size, span, stride, dilation):
    """For each tap k of a window: the slices [N, D_out, ...] of the padded input it reads
    (tap k of output j reads depth j * stride + k * dilation)."""
    taps = []
    for k in range(size):
        start = k * dilation
        stop = -(span - 1 - start) or None
        taps.append(padded[:, start:stop:stride])
    return taps


# --- convolutions ---------------------------------------------------------------------------------
def conv1d_op(x, kernel, stride, padding, dilation, channels_first=False):
    """The 1-D convolution of ``x`` [N, W, C] ([N, C, W]) with ``kernel`` [k, C, F]."""
    if padding == "CAUSAL":
        span = (kernel.shape.as_tuple()[0] - 1) * dilation + 1
        axis = 2 if channels_first else 1
        pads = [[0, 0]] * 3
        pads[axis] = [span - 1, 0]
        x, padding = array_ops.pad(x, pads), "VALID"
    axis = 2 if channels_first else 1
    fmt = "NCHW" if channels_first else "NHWC"
    out = conv_ops.conv2d(array_ops.expand_dims(x, axis), array_ops.expand_dims(kernel, 0),
                          [1, 1, 1, stride] if channels_first else [1, 1, stride, 1], padding,
                          data_format=fmt, dilations=[1, 1, 1, dilation] if channels_first
                          else [1, 1, dilation, 1], name="conv1d")
    return array_ops.squeeze(out, [axis])


def conv3d_op(x, kernel, strides, padding, dilations):
    """The 3-D convolution of ``x`` [N, D, H, W, C] with ``kernel`` [kd, kh, kw, C, F]."""
    kd = kernel.shape.as_tuple()[0]
    (sd, sh, sw), (dd, dh, dw) = strides, dilations
    span = (kd - 1) * dd + 1
    taps = _depth_taps(_pad_depth(x, span, sd, padding), kd, span, sd, dd)
    planes = array_ops.unstack(kernel, num=kd, axis=0)
    outs = [conv_ops.conv2d(_merge_depth(t), w, [1, sh, sw, 1], padding,
                            dilations=[1, dh, dw, 1]) for t, w in zip(taps, planes)]
    return _split_depth(math_ops.add_n(outs) if len(outs) > 1 else outs[0], taps[0])


def transposed_length(size, k, stride, padding):
    """The output length of a transposed convolution (Keras' deconv_output_length)."""
    if size is None:
        return None
    return size * stride + (max(k - stride, 0) if padding == "VALID" else 0)


def conv3d_transpose_op(x, kernel, strides, padding):
    """The transpose of conv3d: ``x`` [N, D, H, W, C], ``kernel`` [kd, kh, kw, F, C] ->
    [N, D', H', W', F], each input voxel spreading a kernel-sized patch ``strides`` apart."""
    kd, kh, kw, filters, _ = kernel.shape.as_tuple()
    sd, sh, sw = strides
    dims = x.shape.as_tuple()
    dynamic = array_ops.shape(x)
    flat = _merge_depth(x)
    hw = []
    for axis, k, s in ((2, kh, sh), (3, kw, sw)):
        static = transposed_length(dims[axis], k, s, padding)
        hw.append(static if static is not None else
                  dynamic[axis] * s + (max(k - s, 0) if padding == "VALID" else 0))
    batch = flat.shape.as_tuple()[0]
    out_shape = [batch if batch is not None else array_ops.shape(flat)[0], *hw, filters]
    if any(not isinstance(v, int) for v in out_shape):
        out_shape = array_ops.stack(out_shape)
    planes = array_ops.unstack(kernel, num=kd, axis=0)
    placed = []
    for k, w in enumerate(planes):
        y = _split_depth(conv_ops.conv2d_transpose(flat, w, out_shape, [1, sh, sw, 1], padding),
                         x)
        if sd > 1:  # put slice d at depth d * sd: interleave sd - 1 zero slices
            y = array_ops.stack([y] + [array_ops.zeros_like(y)] * (sd - 1), axis=2)
            y = array_ops.reshape(y, array_ops.concat([dynamic[:1], [-1], array_ops.shape(y)[3:]], 0))
        placed.append(array_ops.pad(y, [[0, 0], [k, kd - 1 - k], [0, 0], [0, 0], [0, 0]]))
    full = math_ops.add_n(placed) if len(placed) > 1 else placed[0]
    front = max(kd - sd, 0) // 2 if padding == "SAME" else 0
    depth = transposed_length(dims[1], kd, sd, padding)
    if depth is None:
        depth = dynamic[1] * sd + (max(kd - sd, 0) if padding == "VALID" else 0)
        out = full[:, front:front + depth] if front else full[:, :depth]
    else:
        out = full[:, front:front + depth]
    out.set_shape([dims[0], depth if isinstance(depth, int) else None,
                   *[v if isinstance(v, int) else None for v in hw], filters])
    return out


def _conv_layer(default_name, rank, transpose=False):
    """The functional conv layer of ``rank`` spatial dimensions."""

    def layer(inputs, filters, kernel_size, strides=1, padding="valid",
              data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
              kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
              kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
              kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
              reuse=None):
        first = channels_first_of(data_format)
        pad = padding_of(padding, causal=rank == 1 and not transpose)
        kernel_size = tuple_of(kernel_size, rank, "kernel_size")
        strides = tuple_of(strides, rank, "strides")
        dilations = tuple_of(dilation_rate, rank, "dilation_rate")
        _strides_and_dilations(strides, dilations)
        x, cin, dtype = _input(inputs, rank + 2, default_name, first)
        shape = (list(kernel_size) + [filters, cin] if transpose
                 else list(kernel_size) + [cin, filters])
        with variable_scope(name, default_name=default_name, values=[x], reuse=reuse):
            kernel = get_variable("kernel", shape, dtype, kernel_initializer,
                                  kernel_regularizer, trainable=trainable,
                                  constraint=kernel_constraint)
            if rank == 1:
                out = conv1d_op(x, kernel, strides[0], pad, dilations[0], first)
            else:
                x = _to_channels_last(x, first)
                out = (conv3d_transpose_op(x, kernel, strides, pad) if transpose
                       else conv3d_op(x, kernel, strides, pad, dilations))
                out = _from_channels_last(out, first)
            return bias_and_activation(out, filters, dtype, use_bias, bias_initializer,
                                       bias_regularizer, trainable, activation,
                                       activity_regularizer, "NCHW" if first else "NHWC")

    layer.__name__ = default_name
    return layer


conv1d = _conv_layer("conv1d", 1)
conv1d.__doc__ = ("activation(conv1d(inputs, kernel) + bias): inputs [batch, width, "
                  "channels], kernel [k, in, filters]; padding 'valid', 'same' or 'causal' "
                  "(output t sees inputs up to t).")
conv3d = _conv_layer("conv3d", 3)
conv3d.__doc__ = ("activation(conv3d(inputs, kernel) + bias): inputs [batch, depth, height, "
                  "width, channels], kernel [kd, kh, kw, in, filters].")
_conv3d_transpose = _conv_layer("conv3d_transpose", 3, transpose=True)


def conv3d_transpose(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                     reuse=None):
    """The transposed 3-D convolution; kernel [kd, kh, kw, filters, in]; each output
    length is ``size * stride`` ("same") or ``size * stride + max(k - stride, 0)``."""
    return _conv3d_transpose(inputs, filters, kernel_size, strides, padding, data_format, 1,
                             activation, use_bias, kernel_initializer, bias_initializer,
                             kernel_regularizer, bias_regularizer, activity_regularizer,
                             kernel_constraint, bias_constraint, trainable, name, reuse)


def _separable_layer(default_name, rank):
    def layer(inputs, filters, kernel_size, strides=1, padding="valid",
              data_format="channels_last", dilation_rate=1, depth_multiplier=1,
              activation=None, use_bias=True, depthwise_initializer=None,
              pointwise_initializer=None, bias_initializer=init_ops.zeros_initializer(),
              depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
              activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
              bias_constraint=None, trainable=True, name=None, reuse=None):
        first = channels_first_of(data_format)
        pad = padding_of(padding)
        kernel_size = tuple_of(kernel_size, rank, "kernel_size")
        strides = tuple_of(strides, rank, "strides")
        dilations = tuple_of(dilation_rate, rank, "dilation_rate")
        _strides_and_dilations(strides, dilations)
        x, cin, dtype = _input(inputs, rank + 2, default_name, first)
        fmt = "NCHW" if first else "NHWC"
        with variable_scope(name, default_name=default_name, values=[x], reuse=reuse):
            depthwise = get_variable("depthwise_kernel",
                                     list(kernel_size) + [cin, depth_multiplier], dtype,
                                     depthwise_initializer, depthwise_regularizer,
                                     trainable=trainable, constraint=depthwise_constraint)
            pointwise = get_variable("pointwise_kernel",
                                     [1] * rank + [cin * depth_multiplier, filters], dtype,
                                     pointwise_initializer, pointwise_regularizer,
                                     trainable=trainable, constraint=pointwise_constraint)
            dw, pw, xx = depthwise, pointwise, x
            strides2, dilations2 = strides, dilations
            if rank == 1:  # a unit height, as TF1 does
                axis = 2 if first else 1
                xx = array_ops.expand_dims(x, axis)
                dw, pw = array_ops.expand_dims(dw, 0), array_ops.expand_dims(pw, 0)
                strides2, dilations2 = (1, strides[0]), (1, dilations[0])
            vec = ([1, 1, *strides2] if first else [1, *strides2, 1])
            out = conv_ops.depthwise_conv2d(xx, dw, vec, pad, data_format=fmt,
                                            dilations=list(dilations2))
            out = conv_ops.conv2d(out, pw, [1, 1, 1, 1], "VALID", data_format=fmt)
            if rank == 1:
                out = array_ops.squeeze(out, [axis])
            return bias_and_activation(out, filters, dtype, use_bias, bias_initializer,
                                       bias_regularizer, trainable, activation,
                                       activity_regularizer, fmt)

    layer.__name__ = default_name
    layer.__doc__ = (f"A depthwise {rank}-D convolution (``depth_multiplier`` filters per "
                     f"input channel, kernel ``depthwise_kernel``) followed by a pointwise "
                     f"1x1 convolution to ``filters`` channels (``pointwise_kernel``).")
    return layer


separable_conv1d = _separable_layer("separable_conv1d", 1)
separable_conv2d = _separable_layer("separable_conv2d", 2)


# --- pooling ----------------------------------------------------------------------------------------
def pool1d_op(x, pool_size, stride, padding, kind, channels_first=False):
    axis = 2 if channels_first else 1
    pool = conv_ops.max_pool if kind == "max" else conv_ops.avg_pool
    ksize = [1, 1, 1, pool_size] if channels_first else [1, 1, pool_size, 1]
    strides = [1, 1, 1, stride] if channels_first else [1, 1, stride, 1]
    out = pool(array_ops.expand_dims(x, axis), ksize, strides, padding,
               data_format="NCHW" if channels_first else "NHWC")
    return array_ops.squeeze(out, [axis])


def pool3d_op(x, pool_size, strides, padding, kind):
    """Max or average pooling of ``x`` [N, D, H, W, C]: each depth slice pooled in 2-D,
    then across the depth window (averages count only the voxels inside the input)."""
    (pd, ph, pw), (sd, sh, sw) = pool_size, strides
    pool = conv_ops.max_pool if kind == "max" else conv_ops.avg_pool
    planes = _split_depth(pool(_merge_depth(x), [1, ph, pw, 1], [1, sh, sw, 1], padding), x)
    if kind == "max":
        low = (np.finfo(x.dtype.np_dtype).min if x.dtype.is_floating
               else np.iinfo(x.dtype.np_dtype).min)
        taps = _depth_taps(_pad_depth(planes, pd, sd, padding, low.item()), pd, pd, sd, 1)
        out = taps[0]
        for t in taps[1:]:
            out = math_ops.maximum(out, t)
        return out
    total = math_ops.add_n(_depth_taps(_pad_depth(planes, pd, sd, padding), pd, pd, sd, 1))
    depth = x.shape.as_tuple()[1]
    ones = array_ops.ones([1, depth if depth is not None else array_ops.shape(x)[1], 1, 1, 1],
                          dtype=x.dtype)
    count = math_ops.add_n(_depth_taps(_pad_depth(ones, pd, sd, padding), pd, pd, sd, 1))
    return total / count if pd > 1 else total


def _pool_layer(default_name, rank, kind):
    def layer(inputs, pool_size, strides, padding="valid", data_format="channels_last",
              name=None):
        from tensorflux.core.graph import name_scope
        first = channels_first_of(data_format)
        pad = padding_of(padding)
        pool_size = tuple_of(pool_size, rank, "pool_size")
        strides = tuple_of(strides, rank, "strides")
        x = convert_to_tensor(inputs)
        if x.shape.ndims not in (None, rank + 2):
            raise ValueError(f"Input 0 of layer {default_name} is incompatible with the layer: "
                             f"expected ndim={rank + 2}, found ndim={x.shape.ndims}. Full shape "
                             f"received: {x.shape.as_list()} ({x.name})")
        with name_scope(name, default_name, [x]):
            if rank == 1:
                return pool1d_op(x, pool_size[0], strides[0], pad, kind, first)
            out = pool3d_op(_to_channels_last(x, first), pool_size, strides, pad, kind)
            return _from_channels_last(out, first)

    layer.__name__ = default_name
    layer.__doc__ = (f"The {'maximum' if kind == 'max' else 'mean'} of each ``pool_size`` "
                     f"window of a {rank}-D input, ``strides`` apart"
                     + (" (padding not counted)." if kind == "avg" else "."))
    return layer


max_pooling1d = _pool_layer("max_pooling1d", 1, "max")
average_pooling1d = _pool_layer("average_pooling1d", 1, "avg")
max_pooling3d = _pool_layer("max_pooling3d", 3, "max")
average_pooling3d = _pool_layer("average_pooling3d", 3, "avg")
