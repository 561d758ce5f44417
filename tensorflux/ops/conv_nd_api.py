"""TF1's N-dimensional convolution and pooling front ends (``tf.nn.convolution``,
``tf.nn.pool``, ``conv1d``, ``max_pool1d``, ``max_pool_v2``, ``conv_transpose``...), the
convolution backprops under their public names, ``separable_conv2d`` and
``with_space_to_batch``.

They build on the 2-D ops (``conv_ops``) and the 3-D ones (``conv3d_ops``) the way TF1
does: a 1-D convolution or pooling is the 2-D one on an input with a height of 1, a
dilated pooling runs on ``space_to_batch_nd`` blocks. No new kernels.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, conv3d_ops, conv_ops, manip_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.nn_ops import _float_input, _op

_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _ints(values, n, what):
    """``n`` ints from an int or a list of 1 or ``n`` ints."""
    values = [values] if isinstance(values, (int, np.integer)) else [int(v) for v in values]
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise ValueError(f"{what} must be an int or a list of 1 or {n} ints, got {values}")
    return [int(v) for v in values]


def _spatial_ints(values, n, what, channels_first):
    """``n`` spatial ints from an int, n ints, or n + 2 ints (batch and channel 1)."""
    if not isinstance(values, (int, np.integer)) and len(values) == n + 2:
        values = [int(v) for v in values]
        c = 1 if channels_first else n + 1
        if values[0] != 1 or values[c] != 1:
            raise ValueError(f"{what} must be 1 in the batch and channel dimensions, got {values}")
        return values[2:] if channels_first else values[1:-1]
    return _ints(values, n, what)


def _num_spatial(input, data_format, what):  # noqa: A002
    rank = input.shape.ndims
    if rank is not None:
        n = rank - 2
    elif data_format is not None:
        n = len(data_format) - 2
    else:
        raise ValueError(f"{what}: the input rank must be known, or data_format given")
    if not 1 <= n <= 3:
        raise ValueError(f"{what}: input must have rank 3, 4 or 5 (1 to 3 spatial dimensions), "
                         f"got rank {rank}")
    return n


def _format(data_format, n, what):
    """The data format of an n-D op and whether channels come first."""
    if data_format is None:
        return _FORMATS[n][0], False
    channels_first = data_format.startswith("NC")
    if data_format not in _FORMATS[n] and not (n == 1 and data_format in ("NHWC", "NCHW")):
        raise ValueError(f"{what}: data_format for {n} spatial dimensions must be one of "
                         f"{_FORMATS[n]}, got {data_format!r}")
    return _FORMATS[n][1 if channels_first else 0], channels_first


# --- 1-D: the 2-D ops on a height of 1 ----------------------------------------------------
def _to_2d(x, channels_first):
    return array_ops.expand_dims(x, 2 if channels_first else 1)


def _from_2d(y, channels_first):
    return array_ops.squeeze(y, [2 if channels_first else 1])


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):  # noqa: A002
    """1-D convolution of ``value`` [batch, width, in] (NWC; NCW channels first) with
    ``filters`` [width, in, out]: conv2d on a height of 1, as TF1 computes it."""
    with name_scope(name, "conv1d", [value, filters]) as scope:
        fmt, first = _format(data_format, 1, "conv1d")
        x = _float_input(value if value is not None else input, "conv1d")
        w = array_ops.expand_dims(convert_to_tensor(filters, dtype=x.dtype), 0)
        s = _spatial_ints(stride, 1, "stride", first)[0]
        d = _spatial_ints(dilations if dilations is not None else 1, 1, "dilations", first)[0]
        y = conv_ops.conv2d(_to_2d(x, first), w, [1, 1, s, 1] if not first else [1, 1, 1, s],
                            padding, data_format="NCHW" if first else "NHWC",
                            dilations=[1, 1, d, 1] if not first else [1, 1, 1, d])
        return array_ops.squeeze(y, [2 if first else 1], name=scope)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NWC", dilations=None, name=None):
    """The transpose of conv1d: ``filters`` [width, out, in], a result of
    ``output_shape`` (3 sizes)."""
    with name_scope(name, "conv1d_transpose", [input, filters, output_shape]) as scope:
        fmt, first = _format(data_format, 1, "conv1d_transpose")
        x = _float_input(input, "conv1d_transpose")
        w = array_ops.expand_dims(convert_to_tensor(filters, dtype=x.dtype), 0)
        shape = convert_to_tensor(output_shape, dtype=dtypes.int32, name="output_shape")
        shape_2d = array_ops.concat([shape[:2 if first else 1], [1], shape[2 if first else 1:]], 0)
        s = _spatial_ints(strides, 1, "strides", first)[0]
        d = _spatial_ints(dilations if dilations is not None else 1, 1, "dilations", first)[0]
        y = conv_ops.conv2d_transpose(_to_2d(x, first), w, shape_2d,
                                      [1, 1, s, 1] if not first else [1, 1, 1, s], padding,
                                      data_format="NCHW" if first else "NHWC",
                                      dilations=[1, 1, d, 1] if not first else [1, 1, 1, d])
        return array_ops.squeeze(y, [2 if first else 1], name=scope)


def _pool1d(pool2d, name_hint, input, ksize, strides, padding, data_format, name):  # noqa: A002
    with name_scope(name, name_hint, [input]) as scope:
        fmt, first = _format(data_format, 1, name_hint)
        k = _spatial_ints(ksize, 1, "ksize", first)[0]
        s = _spatial_ints(strides, 1, "strides", first)[0]
        four = (lambda v: [1, 1, 1, v]) if first else (lambda v: [1, 1, v, 1])
        y = pool2d(_to_2d(input, first), four(k), four(s), padding,
                   data_format="NCHW" if first else "NHWC")
        return array_ops.squeeze(y, [2 if first else 1], name=scope)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Maximum over windows of a [batch, width, channels] input (max_pool on a height of 1)."""
    return _pool1d(conv_ops.max_pool, "MaxPool1d", input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Average over windows of a [batch, width, channels] input."""
    return _pool1d(conv_ops.avg_pool, "AvgPool1d", input, ksize, strides, padding, data_format, name)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """TF2's name of max_pool (``input``, ``ksize`` an int or 2 or 4 ints)."""
    return conv_ops.max_pool(input, ksize, strides, padding, data_format, name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """TF2's name of avg_pool."""
    return conv_ops.avg_pool(input, ksize, strides, padding, data_format, name)


_POOLS = {("MAX", 1): max_pool1d, ("MAX", 2): max_pool2d, ("MAX", 3): conv3d_ops.max_pool3d,
          ("AVG", 1): avg_pool1d, ("AVG", 2): avg_pool2d, ("AVG", 3): conv3d_ops.avg_pool3d}


def _pool_v2(kind, input, ksize, strides, padding, data_format, name):  # noqa: A002
    what = f"{kind.lower()}_pool"
    x = _float_input(input, what)
    n = _num_spatial(x, data_format, what)
    fmt, _ = _format(data_format, n, what)
    return _POOLS[kind, n](x, ksize, strides, padding, data_format=fmt, name=name)


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling of 1, 2 or 3 spatial dimensions, by the input's rank (TF2's max_pool)."""
    return _pool_v2("MAX", input, ksize, strides, padding, data_format, name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling of 1, 2 or 3 spatial dimensions, by the input's rank."""
    return _pool_v2("AVG", input, ksize, strides, padding, data_format, name)


# --- space to batch -------------------------------------------------------------------------
def with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None,  # noqa: A002
                        spatial_dims=None, data_format=None):
    """Run ``op(converted_input, num_spatial_dims, padding)`` as if its window were dilated
    by ``dilation_rate``: the input's blocks move into the batch (space_to_batch_nd, with
    the padding SAME needs), ``op`` runs with VALID padding, and the blocks come back.
    With all rates 1, ``op`` simply runs on the input with ``padding``."""
    x = convert_to_tensor(input, name="input")
    rate = np.asarray(dilation_rate, np.int64).reshape(-1)
    n = rate.size
    if n == 0:
        raise ValueError("dilation_rate must have at least one entry")
    if (rate < 1).any():
        raise ValueError(f"dilation_rate must be positive, got {rate.tolist()}")
    if (rate == 1).all():
        return op(x, n, padding)
    if spatial_dims is None:
        first = 2 if data_format is not None and data_format.startswith("NC") else 1
        spatial_dims = list(range(first, first + n))
    spatial_dims = [int(d) for d in spatial_dims]
    if len(spatial_dims) != n or sorted(set(spatial_dims)) != spatial_dims or spatial_dims[0] < 1:
        raise ValueError(f"spatial_dims must be {n} increasing dimensions after the batch, "
                         f"got {spatial_dims}")
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError("filter_shape must be specified for SAME padding")
        span = (np.asarray(filter_shape, np.int64).reshape(-1) - 1) * rate
        base = np.stack([span // 2, span - span // 2], axis=1)
    elif padding == "VALID":
        base = np.zeros((n, 2), np.int64)
    else:
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    dims = x.shape.as_tuple()
    sizes = [dims[d] if dims is not None and d < len(dims) else None for d in spatial_dims]
    if None in sizes:
        raise ValueError(f"with_space_to_batch needs the input's spatial sizes at graph "
                         f"construction, got shape {x.shape}")
    full = np.asarray(sizes) + base[:, 0] + base[:, 1]
    extra = (rate - full % rate) % rate
    # space_to_batch_nd blocks start right after the batch: a dimension before or between
    # the spatial ones (the channels of an NC... format) gets a block of 1.
    block, paddings, crops = [], [], []
    for d in range(1, spatial_dims[-1] + 1):
        i = spatial_dims.index(d) if d in spatial_dims else None
        block.append(1 if i is None else int(rate[i]))
        paddings.append([0, 0] if i is None else [int(base[i, 0]), int(base[i, 1] + extra[i])])
        crops.append([0, 0] if i is None else [0, int(extra[i])])
    converted = manip_ops.space_to_batch_nd(x, block, paddings)
    result = op(converted, n, "VALID")
    return manip_ops.batch_to_space_nd(result, block, crops)


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None,  # noqa: A002
         name=None, data_format=None, dilations=None):
    """N-D max or average pooling (``pooling_type`` "MAX" or "AVG") of 1 to 3 spatial
    dimensions, with TF1's dilation (windows of taps ``dilation_rate`` apart, through
    with_space_to_batch)."""
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise ValueError(f"pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    with name_scope(name, f"{kind.lower()}_pool", [input]) as scope:
        x = _float_input(input, "pool")
        n = len(window_shape)
        if not 1 <= n <= 3:
            raise ValueError(f"window_shape must have 1 to 3 entries, got {list(window_shape)}")
        if x.shape.ndims not in (None, n + 2):
            raise ValueError(f"pool: input must have rank {n + 2} for a window of "
                             f"{n} dimensions, got shape {x.shape}")
        fmt, first = _format(data_format, n, "pool")
        rate = _ints(dilation_rate if dilation_rate is not None else
                     (dilations if dilations is not None else 1), n, "dilation_rate")
        step = _ints(strides if strides is not None else 1, n, "strides")
        if any(r > 1 for r in rate) and any(s > 1 for s in step):
            raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1")
        if any(r > 1 for r in rate) and padding.upper() == "SAME":
            raise ValueError(f"pooling with 'SAME' padding is not implemented for "
                             f"dilation_rate > 1, got dilation_rate {rate}")
        window = [int(k) for k in window_shape]

        def run(converted, _, converted_padding):
            return _POOLS[kind, n](converted, window, step, converted_padding, data_format=fmt)
        out = with_space_to_batch(x, rate, padding.upper(), run, filter_shape=window,
                                  data_format=fmt)
        return array_ops.identity(out, name=scope)


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None,  # noqa: A002
                name=None, data_format=None, filters=None, dilations=None):
    """N-D convolution (1 to 3 spatial dimensions, by the input's rank): conv1d, conv2d or
    conv3d with ``strides`` and ``dilation_rate`` of one int per spatial dimension."""
    with name_scope(name, "convolution", [input, filter]) as scope:
        x = _float_input(input, "convolution")
        w = convert_to_tensor(filter if filter is not None else filters, dtype=x.dtype)
        n = _num_spatial(x, data_format, "convolution")
        if w.shape.ndims not in (None, n + 2):
            raise ValueError(f"convolution: filter must have rank {n + 2} for an input of rank "
                             f"{n + 2}, got shape {w.shape}")
        fmt, first = _format(data_format, n, "convolution")
        step = _spatial_ints(strides if strides is not None else 1, n, "strides", first)
        rate = _spatial_ints(dilation_rate if dilation_rate is not None else
                             (dilations if dilations is not None else 1), n, "dilation_rate",
                             first)
        if n == 1:
            return conv1d(x, w, step, padding, data_format=fmt, dilations=rate, name=scope)
        conv = conv_ops.conv2d if n == 2 else conv3d_ops.conv3d
        full = (lambda v: [1, 1, *v]) if first else (lambda v: [1, *v, 1])
        return conv(x, w, full(step), padding, data_format=fmt, dilations=full(rate), name=scope)


def conv_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                   data_format=None, dilations=None, name=None):
    """The transpose of ``convolution`` for 1 to 3 spatial dimensions (by the length of
    ``output_shape``)."""
    shape = convert_to_tensor(output_shape, dtype=dtypes.int32, name="output_shape")
    length = shape.shape.as_tuple()
    if length is not None and length[0] is not None:
        n = length[0] - 2
    elif data_format is not None:
        n = len(data_format) - 2
    else:
        raise ValueError("conv_transpose: the length of output_shape must be known, or "
                         "data_format given")
    if not 1 <= n <= 3:
        raise ValueError(f"conv_transpose: output_shape must have 3 to 5 entries, got {n + 2}")
    fmt, first = _format(data_format, n, "conv_transpose")
    if n == 1:
        return conv1d_transpose(input, filters, shape, strides, padding, fmt, dilations, name)
    step = _spatial_ints(strides, n, "strides", first)
    rate = _spatial_ints(dilations if dilations is not None else 1, n, "dilations", first)
    full = (lambda v: [1, 1, *v]) if first else (lambda v: [1, *v, 1])
    transpose = conv_ops.conv2d_transpose if n == 2 else conv3d_ops.conv3d_transpose
    return transpose(input, filters, shape, full(step), padding, data_format=fmt,
                     dilations=full(rate), name=name)


# --- 2-D backprops under their public names -----------------------------------------------
def _zeros(sizes, dtype, what):
    sizes = convert_to_tensor(sizes, dtype=dtypes.int32, name=what)
    return array_ops.zeros(sizes, dtype=dtype)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,  # noqa: A002
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=(1, 1, 1, 1), name=None, filters=None):
    """conv2d's gradient with respect to an input of ``input_sizes``."""
    w = filter if filter is not None else filters
    return conv_ops.conv2d_transpose(out_backprop, w, input_sizes, strides, padding,
                                     data_format=data_format, dilations=dilations,
                                     name=name or "Conv2DBackpropInput")


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1),
                           name=None):
    """conv2d's gradient with respect to a filter of ``filter_sizes``."""
    x = _float_input(input, "conv2d_backprop_filter")
    return conv2d_backprop_filter_v2(x, _zeros(filter_sizes, x.dtype, "filter_sizes"),
                                     out_backprop, strides, padding, data_format=data_format,
                                     dilations=dilations, name=name)


def _backprop(op_type, a, b, out_backprop, strides, padding, data_format, dilations, name):
    a = _float_input(a, op_type)
    b = convert_to_tensor(b, dtype=a.dtype)
    dy = convert_to_tensor(out_backprop, dtype=a.dtype)
    attrs = conv_ops._conv_attrs(strides, padding, data_format, dilations)
    return _op(op_type, [a, b, dy], attrs, name=name or op_type).outputs[0]


def conv2d_backprop_filter_v2(input, filter, out_backprop, strides, padding,  # noqa: A002
                              use_cudnn_on_gpu=True, explicit_paddings=(), data_format="NHWC",
                              dilations=(1, 1, 1, 1), name=None):
    """conv2d's gradient with respect to ``filter`` (whose values are not used, only its
    shape)."""
    return _backprop("Conv2DBackpropFilter", input, filter, out_backprop, strides, padding,
                     data_format, dilations, name)


def conv2d_backprop_input_v2(input, filter, out_backprop, strides, padding,  # noqa: A002
                             use_cudnn_on_gpu=True, explicit_paddings=(), data_format="NHWC",
                             dilations=(1, 1, 1, 1), name=None):
    """conv2d's gradient with respect to ``input`` (only its shape is used)."""
    x = _float_input(input, "conv2d_backprop_input_v2")
    w = convert_to_tensor(filter, dtype=x.dtype)
    dy = convert_to_tensor(out_backprop, dtype=x.dtype)
    attrs = conv_ops._conv_attrs(strides, padding, data_format, dilations)
    return _op("Conv2DBackpropInput", [x, w, dy], attrs, name=name or "Conv2DBackpropInput").outputs[0]


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                                    data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """depthwise_conv2d's gradient with respect to an input of ``input_sizes``."""
    w = _float_input(filter, "depthwise_conv2d_backprop_input")
    dy = convert_to_tensor(out_backprop, dtype=w.dtype)
    attrs = conv_ops._conv_attrs(strides, padding, data_format, dilations)
    x_like = _zeros(input_sizes, w.dtype, "input_sizes")
    return _op("DepthwiseConv2dNativeBackpropInput", [x_like, w, dy], attrs,
               name=name or "DepthwiseConv2dNativeBackpropInput").outputs[0]


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                                     data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """depthwise_conv2d's gradient with respect to a filter of ``filter_sizes``."""
    x = _float_input(input, "depthwise_conv2d_backprop_filter")
    return _backprop("DepthwiseConv2dNativeBackpropFilter", x,
                     _zeros(filter_sizes, x.dtype, "filter_sizes"), out_backprop, strides,
                     padding, data_format, dilations, name)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     rate=None, name=None, data_format=None, dilations=None):
    """A depthwise convolution (``depthwise_filter`` [h, w, in, multiplier], with
    ``strides`` and dilation ``rate``) followed by a 1x1 convolution mixing its channels
    (``pointwise_filter`` [1, 1, in * multiplier, out])."""
    with name_scope(name, "separable_conv2d", [input, depthwise_filter, pointwise_filter]) as scope:
        x = _float_input(input, "separable_conv2d")
        dw = convert_to_tensor(depthwise_filter, dtype=x.dtype, name="depthwise_filter")
        pw = convert_to_tensor(pointwise_filter, dtype=x.dtype, name="pointwise_filter")
        d, p = dw.shape.as_tuple(), pw.shape.as_tuple()
        if p is not None and len(p) == 4:
            if p[:2] != (1, 1):
                raise ValueError(f"Pointwise filter must be [1, 1, in, out], got {pw.shape}")
            if d is not None and None not in d[2:] and p[2] is not None and d[2] * d[3] != p[2]:
                raise ValueError(f"Pointwise filter's in_channels {p[2]} must be the depthwise "
                                 f"output's channels {d[2] * d[3]} (in_channels * multiplier)")
        depthwise = conv_ops.depthwise_conv2d(x, dw, strides, padding, rate=rate,
                                              data_format=data_format, dilations=dilations,
                                              name="depthwise")
        return conv_ops.conv2d(depthwise, pw, [1, 1, 1, 1], "VALID", data_format=data_format or "NHWC",
                               name=scope)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of atrous_conv2d: conv2d_transpose with dilation ``rate``
    (``filters`` [h, w, out_channels, in_channels])."""
    if int(rate) < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv_ops.conv2d_transpose(value, filters, output_shape, [1, 1, 1, 1], padding,
                                     dilations=[1, rate, rate, 1],
                                     name=name or "conv2d_transpose")
