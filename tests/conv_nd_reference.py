"""Direct (loop) NumPy references for convolution, transposed convolution and pooling in
any number of spatial dimensions, channels last, float64, written from TF's definitions:
each output position is computed on its own from the input entries its window covers."""
import itertools

import numpy as np

from conv_reference import geometry  # (pad before, output size) as TF defines them


def _windows(sizes, kernel, strides, dilations, padding):
    """{output position: [(tap, input position) inside the input]} and the output sizes."""
    geo = [geometry(s, k, st, d, padding) for s, k, st, d in zip(sizes, kernel, strides, dilations)]
    out_sizes = [o for _, o in geo]
    where = {}
    for pos in itertools.product(*map(range, out_sizes)):
        pairs = []
        for tap in itertools.product(*map(range, kernel)):
            src = tuple(p * st + t * d - before for p, st, t, d, (before, _)
                        in zip(pos, strides, tap, dilations, geo))
            if all(0 <= s < n for s, n in zip(src, sizes)):
                pairs.append((tap, src))
        where[pos] = pairs
    return where, out_sizes


def conv(x, w, strides, padding, dilations=None):
    """x [N, *S, C], w [*K, C, F]."""
    rank = x.ndim - 2
    dilations = dilations or (1,) * rank
    where, out_sizes = _windows(x.shape[1:-1], w.shape[:rank], strides, dilations, padding)
    out = np.zeros((x.shape[0], *out_sizes, w.shape[-1]))
    for pos, pairs in where.items():
        for tap, src in pairs:
            out[(slice(None), *pos)] += x[(slice(None), *src)] @ w[tap]
    return out


def conv_transpose(v, w, out_sizes, strides, padding):
    """v [N, *S', C], w [*K, F, C] -> [N, *out_sizes, F]: every v entry spreads onto the
    input positions its output position reads in the forward convolution."""
    rank = v.ndim - 2
    where, _ = _windows(out_sizes, w.shape[:rank], strides, (1,) * rank, padding)
    out = np.zeros((v.shape[0], *out_sizes, w.shape[-2]))
    for pos, pairs in where.items():
        for tap, src in pairs:
            out[(slice(None), *src)] += v[(slice(None), *pos)] @ w[tap].T
    return out


def depthwise(x, w, strides, padding, dilations=None):
    """x [N, *S, C], w [*K, C, M] -> [N, *S', C * M]."""
    rank = x.ndim - 2
    dilations = dilations or (1,) * rank
    where, out_sizes = _windows(x.shape[1:-1], w.shape[:rank], strides, dilations, padding)
    c, m = w.shape[-2:]
    out = np.zeros((x.shape[0], *out_sizes, c, m))
    for pos, pairs in where.items():
        for tap, src in pairs:
            out[(slice(None), *pos)] += x[(slice(None), *src)][..., None] * w[tap]
    return out.reshape(x.shape[0], *out_sizes, c * m)


def pool(x, k, strides, padding, kind):
    """Max or mean over each window of x [N, *S, C] (padding not counted)."""
    rank = x.ndim - 2
    where, out_sizes = _windows(x.shape[1:-1], k, strides, (1,) * rank, padding)
    out = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
    for pos, pairs in where.items():
        values = np.stack([x[(slice(None), *src)] for _, src in pairs])
        out[(slice(None), *pos)] = values.max(0) if kind == "max" else values.mean(0)
    return out
