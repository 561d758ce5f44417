"""Kernels of 3-D convolution and pooling, written once against an array namespace ``xp``
(NumPy, CuPy, or the strict stand-in), with im2col and one GEMM per convolution as the
2-D kernels (``conv_kernels.py``) do.

The windows of a (padded) NDHWC input are a strided view of shape ``(n, od, oh, ow, kd,
kh, kw, c)``; a convolution copies it once into an im2col matrix and multiplies by the
filter, its filter gradient is the transposed product, its input gradient one GEMM to
per-window gradients followed by col2im (a loop over the ``kd * kh * kw`` taps, each a
whole-array add). Pooling reduces over the same view. NCDHW is viewed as NDHWC.
"""
from __future__ import annotations

import itertools

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors
from tensorflux.ops.conv_geometry import axis_geometry, shape_str

HOST_MEMORY = {"Conv3DBackpropInputV2": ((0,), False), "Conv3DBackpropFilterV2": ((1,), False),
               "AvgPool3DGrad": ((0,), False)}
_SPATIAL = {"NDHWC": (1, 2, 3), "NCDHW": (2, 3, 4)}


class _Geometry:
    """Padding and output sizes of one 3-D window op on an NDHWC shape."""

    def __init__(self, sizes, kernel, strides, dilations, padding):
        axes = [axis_geometry(*a, padding) for a in zip(sizes, kernel, strides, dilations)]
        self.kernel, self.strides, self.dilations = tuple(kernel), tuple(strides), tuple(dilations)
        self.before = tuple(a.before for a in axes)
        self.after = tuple(a.after for a in axes)
        self.out = tuple(a.out for a in axes)
        self.padded = any(self.before) or any(self.after)


def make_conv3d_kernels(xp):
    K = KernelTable()
    builder = K.builder
    as_strided = xp.lib.stride_tricks.as_strided

    def to_ndhwc(a, fmt):
        return a if fmt == "NDHWC" else a.transpose(0, 2, 3, 4, 1)

    def from_ndhwc(a, fmt):
        return a if fmt == "NDHWC" else xp.ascontiguousarray(a.transpose(0, 4, 1, 2, 3))

    def ndhwc_shape(shape, fmt):
        shape = tuple(int(d) for d in shape)
        return shape if fmt == "NDHWC" else (shape[0], *shape[2:], shape[1])

    def setup(op, kernel_attr=None):
        """``geometry(ndhwc_shape, kernel, *shapes_for_errors) -> _Geometry``, cached."""
        fmt, padding = op.attrs["data_format"], op.attrs["padding"]
        axes = _SPATIAL[fmt]
        strides = [op.attrs["strides"][a] for a in axes]
        dilations = [op.attrs.get("dilations", (1,) * 5)[a] for a in axes]
        fixed_kernel = [op.attrs[kernel_attr][a] for a in axes] if kernel_attr else None
        cache = {}

        def geometry(shape, kernel=None, *shapes):
            kernel = tuple(kernel or fixed_kernel)
            key = (shape, kernel)
            if key not in cache:
                try:
                    cache[key] = _Geometry(shape[1:4], kernel, strides, dilations, padding)
                except ValueError as exc:
                    raise errors.InvalidArgumentError(
                        None, op, f"{exc} for '{op.name}' (op: '{op.type}') with input shapes: "
                                  f"{', '.join(shape_str(s) for s in shapes)}") from None
            return cache[key]
        return fmt, geometry

    def padded(x, g, value=0):
        if not g.padded:
            return x
        n, *sizes, c = x.shape
        full = [s + b + a for s, b, a in zip(sizes, g.before, g.after)]
        out = xp.full((n, *full, c), value, dtype=x.dtype)
        out[(slice(None), *(slice(b, b + s) for b, s in zip(g.before, sizes)))] = x
        return out

    def windows(xpad, g):
        """The (n, od, oh, ow, kd, kh, kw, c) view of every window of a padded array."""
        sn, *ss, sc = xpad.strides
        return as_strided(xpad, shape=(xpad.shape[0], *g.out, *g.kernel, xpad.shape[4]),
                          strides=(sn, *(s * st for s, st in zip(ss, g.strides)),
                                   *(s * d for s, d in zip(ss, g.dilations)), sc))

    def im2col(x, g):
        return windows(padded(x, g), g).reshape(-1, int(np.prod(g.kernel)) * x.shape[4])

    def col2im(cols, g, shape):
        """The NDHWC array of ``shape`` receiving each window tap of ``cols`` (n, od, oh,
        ow, kd, kh, kw, c), summed where windows overlap."""
        n, *sizes, c = shape
        full = [s + b + a for s, b, a in zip(sizes, g.before, g.after)]
        out = xp.zeros((n, *full, c), dtype=cols.dtype)
        spans = [st * (o - 1) + 1 for st, o in zip(g.strides, g.out)]
        for tap in itertools.product(*(range(k) for k in g.kernel)):
            starts = [t * d for t, d in zip(tap, g.dilations)]
            region = tuple(slice(b, b + span, st) for b, span, st in zip(starts, spans, g.strides))
            out[(slice(None), *region)] += cols[(slice(None),) * 4 + tap]
        if g.padded:
            return out[(slice(None), *(slice(b, b + s) for b, s in zip(g.before, sizes)))]
        return out

    def check_out_backprop(op, fmt, g, xs, dy_shape, cout):
        want = (xs[0], *g.out, cout)
        if ndhwc_shape(dy_shape, fmt) != want:
            raise errors.InvalidArgumentError(
                None, op, f"{op.type}: out_backprop of shape {shape_str(dy_shape)} does not "
                          f"match the convolution's output shape {shape_str(want)} (NDHWC)")

    # --- convolution ---------------------------------------------------------------------
    @builder("Conv3D")
    def _conv3d(op, ctx):
        fmt, geometry = setup(op)

        def run(x, w):
            xh = to_ndhwc(x, fmt)
            *kernel, cin, cout = w.shape
            if xh.shape[4] != cin:
                raise errors.InvalidArgumentError(
                    None, op, f"input depth must be evenly divisible by filter depth: "
                              f"{xh.shape[4]} vs {cin} for '{op.name}' (op: 'Conv3D')")
            g = geometry(xh.shape, kernel, x.shape, w.shape)
            out = im2col(xh, g) @ w.reshape(-1, cout)
            return from_ndhwc(out.reshape(xh.shape[0], *g.out, cout), fmt)
        return run

    @builder("Conv3DBackpropInputV2")
    def _conv3d_input(op, ctx):
        fmt, geometry = setup(op)

        def run(input_sizes, w, dy):
            xs = ndhwc_shape(input_sizes, fmt)
            *kernel, cin, cout = w.shape
            if len(xs) != 5 or min(xs) < 0 or xs[4] != cin:
                raise errors.InvalidArgumentError(
                    None, op, f"{op.type}: input_sizes {list(xs)} must be 5 sizes whose "
                              f"channels match the filter's in_channels {cin}")
            g = geometry(xs, kernel, tuple(int(d) for d in input_sizes), w.shape, dy.shape)
            check_out_backprop(op, fmt, g, xs, dy.shape, cout)
            cols = to_ndhwc(dy, fmt).reshape(-1, cout) @ w.reshape(-1, cout).T
            return from_ndhwc(col2im(cols.reshape(xs[0], *g.out, *kernel, cin), g, xs), fmt)
        return run

    @builder("Conv3DBackpropFilterV2")
    def _conv3d_filter(op, ctx):
        fmt, geometry = setup(op)

        def run(x, filter_sizes, dy):
            xh = to_ndhwc(x, fmt)
            sizes = tuple(int(d) for d in filter_sizes)
            if len(sizes) != 5 or sizes[3] != xh.shape[4]:
                raise errors.InvalidArgumentError(
                    None, op, f"{op.type}: filter_sizes {list(sizes)} must be 5 sizes whose "
                              f"in_channels match the input's {xh.shape[4]}")
            g = geometry(xh.shape, sizes[:3], x.shape, sizes, dy.shape)
            check_out_backprop(op, fmt, g, xh.shape, dy.shape, sizes[4])
            dw = im2col(xh, g).T @ to_ndhwc(dy, fmt).reshape(-1, sizes[4])
            return dw.reshape(sizes)
        return run

    # --- pooling -------------------------------------------------------------------------
    def first_max_hits(x, y, g):
        """For each window tap: where it holds its window's first maximum (TF routes a
        tied window's gradient there)."""
        taps = windows(padded(x, g, -np.inf), g)
        taken = None
        for tap in itertools.product(*(range(k) for k in g.kernel)):
            hit = taps[(slice(None),) * 4 + tap] == y
            if taken is None:
                taken = hit
            else:
                hit &= ~taken
                taken |= hit
            yield tap, hit

    @builder("MaxPool3D")
    def _max_pool3d(op, ctx):
        fmt, geometry = setup(op, "ksize")

        def run(x):
            xh = to_ndhwc(x, fmt)
            g = geometry(xh.shape, None, x.shape)
            return from_ndhwc(windows(padded(xh, g, -np.inf), g).max(axis=(4, 5, 6)), fmt)
        return run

    @builder("MaxPool3DGrad")
    def _max_pool3d_grad(op, ctx):
        fmt, geometry = setup(op, "ksize")

        def run(x, y, grad):
            xh, yh, gh = to_ndhwc(x, fmt), to_ndhwc(y, fmt), to_ndhwc(grad, fmt)
            g = geometry(xh.shape, None, x.shape)
            cols = xp.empty((xh.shape[0], *g.out, *g.kernel, xh.shape[4]), dtype=grad.dtype)
            for tap, hit in first_max_hits(xh, yh, g):
                xp.multiply(hit, gh, out=cols[(slice(None),) * 4 + tap])
            return from_ndhwc(col2im(cols, g, xh.shape), fmt)
        return run

    @builder("MaxPool3DGradGrad")
    def _max_pool3d_grad_grad(op, ctx):
        fmt, geometry = setup(op, "ksize")

        def run(x, y, grad):
            xh, yh, gh = to_ndhwc(x, fmt), to_ndhwc(y, fmt), to_ndhwc(grad, fmt)
            g = geometry(xh.shape, None, x.shape)
            grad_taps = windows(padded(gh, g), g)
            out = xp.zeros(yh.shape, dtype=grad.dtype)
            for tap, hit in first_max_hits(xh, yh, g):
                out += hit * grad_taps[(slice(None),) * 4 + tap]
            return from_ndhwc(out, fmt)
        return run

    def window_counts(shape, g, dtype):
        """How many real (unpadded) inputs each window holds: TF's average excludes the
        padding."""
        if not g.padded:
            return int(np.prod(g.kernel))
        ones = padded(xp.ones((1, *shape[1:4], 1), dtype=dtype), g)
        return windows(ones, g).sum(axis=(4, 5, 6))

    @builder("AvgPool3D")
    def _avg_pool3d(op, ctx):
        fmt, geometry = setup(op, "ksize")

        def run(x):
            xh = to_ndhwc(x, fmt)
            g = geometry(xh.shape, None, x.shape)
            total = windows(padded(xh, g), g).sum(axis=(4, 5, 6))
            return from_ndhwc(total / window_counts(xh.shape, g, x.dtype), fmt)
        return run

    @builder("AvgPool3DGrad")
    def _avg_pool3d_grad(op, ctx):
        fmt, geometry = setup(op, "ksize")

        def run(orig_input_shape, grad):
            xs = ndhwc_shape(orig_input_shape, fmt)
            g = geometry(xs, None, xs)
            share = to_ndhwc(grad, fmt) / window_counts(xs, g, grad.dtype)
            cols = xp.broadcast_to(share[:, :, :, :, None, None, None, :],
                                   (xs[0], *g.out, *g.kernel, xs[4]))
            return from_ndhwc(col2im(cols, g, xs), fmt)
        return run

    return K
