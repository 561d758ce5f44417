"""Direct (loop) NumPy references for convolution and pooling of any number of spatial
dimensions, channels last, float64, written from the definitions: each output position
is computed on its own from the input entries its window covers; ``conv_transpose``
spreads each entry back over its window. ``transpose`` turns a
linear reference into its adjoint through its dense matrix, for the backprops and the
transposed convolutions."""
import itertools

import numpy as np


def geometry(size, k, stride, dilation, padding):
    """(pad before, output size) along one axis, as TF defines them."""
    span = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        return max((out - 1) * stride + span - size, 0) // 2, out
    return 0, (size - span) // stride + 1


def _windows(sizes, kernel, strides, dilations, padding):
    """{output position: [(tap, input position), ...] inside the input}."""
    geo = [geometry(*a, padding) for a in zip(sizes, kernel, strides, dilations)]
    out = {}
    for pos in itertools.product(*(range(o) for _, o in geo)):
        pairs = []
        for tap in itertools.product(*(range(k) for k in kernel)):
            src = tuple(p * s + t * d - before for p, s, t, d, (before, _)
                        in zip(pos, strides, tap, dilations, geo))
            if all(0 <= i < n for i, n in zip(src, sizes)):
                pairs.append((tap, src))
        out[pos] = pairs
    return out, tuple(o for _, o in geo)


def conv(x, w, strides, padding, dilations=None):
    """x [n, *sizes, in], w [*kernel, in, out]."""
    k = len(x.shape) - 2
    dilations = dilations or (1,) * k
    where, out_sizes = _windows(x.shape[1:-1], w.shape[:k], strides, dilations, padding)
    out = np.zeros((x.shape[0], *out_sizes, w.shape[-1]))
    for pos, pairs in where.items():
        for tap, src in pairs:
            out[(slice(None), *pos)] += x[(slice(None), *src)] @ w[tap]
    return out


def conv_transpose(v, w, out_sizes, strides, padding):
    """v [n, *sizes', in], w [*kernel, out, in] -> [n, *out_sizes, out]: every v entry
    spreads onto the input positions its output position reads in the forward
    convolution."""
    k = v.ndim - 2
    where, _ = _windows(out_sizes, w.shape[:k], strides, (1,) * k, padding)
    out = np.zeros((v.shape[0], *out_sizes, w.shape[-2]))
    for pos, pairs in where.items():
        for tap, src in pairs:
            out[(slice(None), *src)] += v[(slice(None), *pos)] @ w[tap].T
    return out


def depthwise(x, w, strides, padding, dilations=None):
    """x [n, *sizes, c], w [*kernel, c, multiplier]: channel c * multiplier + m."""
    k = x.ndim - 2
    dilations = dilations or (1,) * k
    where, out_sizes = _windows(x.shape[1:-1], w.shape[:k], strides, dilations, padding)
    c, m = w.shape[-2:]
    out = np.zeros((x.shape[0], *out_sizes, c, m))
    for pos, pairs in where.items():
        for tap, src in pairs:
            out[(slice(None), *pos)] += x[(slice(None), *src)][..., None] * w[tap]
    return out.reshape(x.shape[0], *out_sizes, c * m)


def pool(x, kernel, strides, padding, kind, dilations=None):
    """Max or average over each window's entries inside the input."""
    k = len(x.shape) - 2
    where, out_sizes = _windows(x.shape[1:-1], kernel, strides, dilations or (1,) * k, padding)
    out = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
    for pos, pairs in where.items():
        entries = np.stack([x[(slice(None), *src)] for _, src in pairs])
        out[(slice(None), *pos)] = entries.max(0) if kind == "max" else entries.mean(0)
    return out


def transpose(linear, in_shape, dy):
    """The adjoint of the linear map ``linear`` (on arrays of ``in_shape``) applied to
    ``dy``: sum_j dy[j] * d linear(x)[j] / d x, from the map's dense matrix."""
    size = int(np.prod(in_shape))
    matrix = np.stack([linear(np.eye(size)[i].reshape(in_shape)).ravel() for i in range(size)])
    return (matrix @ dy.ravel()).reshape(in_shape)
