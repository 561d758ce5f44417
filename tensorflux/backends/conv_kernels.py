"""Kernels of convolution, pooling and LRN, written once against an array namespace ``xp``
(NumPy, CuPy, or the strict stand-in), with im2col and one GEMM per convolution.

The windows of a (padded) NHWC input are a strided *view* of shape ``(n, oh, ow, kh, kw,
c)`` (``xp.lib.stride_tricks.as_strided``, in NumPy and CuPy alike): no Python loop runs
over window positions. A convolution copies that view once into an im2col matrix and
multiplies it by the filter (one GEMM); its filter gradient is the transposed product;
its input gradient is one GEMM to per-window gradients followed by col2im, which adds
the ``kh * kw`` window taps back into place (a loop over the taps, each a whole-array
add; non-overlapping windows need no adds at all). Pooling reduces over the same view.
NCHW inputs are viewed as NHWC (a transpose, no copy) and results transposed back.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors
from tensorflux.ops.conv_geometry import FORMATS, hw, shape_str, window


class _Im2colSlot:
    """One im2col matrix on its way from a Conv2D to its filter gradient in the same
    run: kept with the input array it came from and taken (once) only for that very
    array, so a stale or mismatched matrix is never used. Only plans that run both ops
    fill it, and the gradient empties it."""

    __slots__ = ("wanted", "_x", "_cols")

    def __init__(self):
        self.wanted, self._x, self._cols = False, None, None

    def keep(self, x, cols):
        self._x, self._cols = x, cols

    def take(self, x):
        cols = self._cols if self._x is x else None
        self._x = self._cols = None
        return cols


def make_conv_kernels(xp):
    K = KernelTable()
    builder = K.builder
    as_strided = xp.lib.stride_tricks.as_strided

    # --- layout and geometry -------------------------------------------------------------
    def to_nhwc(a, fmt):
        return a if fmt == "NHWC" else a.transpose(0, 2, 3, 1)

    def from_nhwc(a, fmt):
        return a if fmt == "NHWC" else xp.ascontiguousarray(a.transpose(0, 3, 1, 2))

    def nhwc_shape(shape, fmt):
        return tuple(shape) if fmt == "NHWC" else (shape[0], shape[2], shape[3], shape[1])

    def nhwc_to(fmt, shape):
        return shape if fmt == "NHWC" else (shape[0], shape[3], shape[1], shape[2])

    def geometry_of(op):
        """``geometry(nhwc_shape, kh, kw) -> Window``, cached per shape; a window that
        does not fit raises InvalidArgumentError naming the op's input shapes."""
        fmt, padding = op.attrs["data_format"], op.attrs["padding"]
        sh, sw = hw(op.attrs["strides"], fmt)
        dh, dw = hw(op.attrs.get("dilations", (1, 1, 1, 1)), fmt)
        cache = {}

        def geometry(shape, kh, kw, *shapes):
            key = (shape, kh, kw)
            g = cache.get(key)
            if g is None:
                try:
                    g = cache[key] = window(shape[1], shape[2], kh, kw, sh, sw, dh, dw, padding)
                except ValueError as exc:
                    raise errors.InvalidArgumentError(
                        None, op, f"{exc} for '{op.name}' (op: '{op.type}') with input shapes: "
                                  f"{', '.join(shape_str(s) for s in shapes)}") from None
            return g
        return geometry

    def padded(x, g, value=0):
        """x (NHWC) inside a border of ``value`` (a copy; x itself when unpadded)."""
        if not g.padded:
            return x
        n, H, W, c = x.shape
        out = xp.full((n, H + g.top + g.bottom, W + g.left + g.right, c), value, dtype=x.dtype)
        out[:, g.top:g.top + H, g.left:g.left + W] = x
        return out

    def windows(xpad, g):
        """The (n, oh, ow, kh, kw, c) view of every window of a padded NHWC array."""
        sn, sy, sx, sc = xpad.strides
        return as_strided(xpad, shape=(xpad.shape[0], g.oh, g.ow, g.kh, g.kw, xpad.shape[3]),
                          strides=(sn, sy * g.sh, sx * g.sw, sy * g.dh, sx * g.dw, sc))

    def im2col(x, g):
        """(n * oh * ow, kh * kw * c): one row per window (a copy)."""
        return windows(padded(x, g), g).reshape(-1, g.kh * g.kw * x.shape[3])

    def col2im(cols, g, shape):
        """The NHWC array of ``shape`` that receives, at each window tap, the matching
        entries of ``cols`` (n, oh, ow, kh, kw, c), summed where windows overlap."""
        n, H, W, c = shape
        Hp, Wp = H + g.top + g.bottom, W + g.left + g.right
        if (g.kh, g.kw) == (g.sh, g.sw) and g.dh == g.dw == 1:  # windows tile: one copy
            tiled = cols.transpose(0, 1, 3, 2, 4, 5).reshape(n, g.oh * g.kh, g.ow * g.kw, c)
            if (g.oh * g.kh, g.ow * g.kw) == (Hp, Wp) and not g.padded:
                return xp.ascontiguousarray(tiled)  # never a (broadcast) view of cols
            out = xp.zeros((n, Hp, Wp, c), dtype=cols.dtype)
            out[:, :g.oh * g.kh, :g.ow * g.kw] = tiled
        else:
            out = xp.zeros((n, Hp, Wp, c), dtype=cols.dtype)
            rows, width = g.sh * (g.oh - 1) + 1, g.sw * (g.ow - 1) + 1
            for i in range(g.kh):
                for j in range(g.kw):
                    y, x = i * g.dh, j * g.dw
                    out[:, y:y + rows:g.sh, x:x + width:g.sw] += cols[:, :, :, i, j]
        return out[:, g.top:g.top + H, g.left:g.left + W] if g.padded else out

    # --- convolution ---------------------------------------------------------------------
    def im2col_slot(op, ctx, consumer):
        """Where a Conv2D hands its im2col matrix to the Conv2DBackpropFilter of the same
        input and filter in the same plan, so a training step builds it once (as
        hand-written code keeps it from the forward pass). None for an input read from a
        variable: an update in place could change it between the two."""
        source = op.inputs[0]
        while source.op.type == "Identity":
            source = source.op.inputs[0]
        if source.op.type == "VariableV2":
            return None
        key = ("im2col", op.inputs[0], op.inputs[1]) + tuple(sorted(op.attrs.items()))
        slot = ctx.shared.setdefault(key, _Im2colSlot())
        slot.wanted |= consumer
        return slot

    def conv_setup(op):
        fmt = op.attrs["data_format"]
        return fmt, geometry_of(op)

    def check_depth(op, x_shape, f_shape, fmt):
        depth = x_shape[FORMATS[fmt][2]]
        if depth != f_shape[2]:
            raise errors.InvalidArgumentError(
                None, op, f"input depth must be evenly divisible by filter depth: {depth} vs "
                          f"{f_shape[2]} for '{op.name}' (op: '{op.type}') with input shapes: "
                          f"{shape_str(x_shape)}, {shape_str(f_shape)}")

    @builder("Conv2D")
    def _conv2d(op, ctx):
        fmt, geometry = conv_setup(op)

        slot = im2col_slot(op, ctx, consumer=False)

        def run(x, w):
            check_depth(op, x.shape, w.shape, fmt)
            xh = to_nhwc(x, fmt)
            kh, kw, cin, cout = w.shape
            g = geometry(xh.shape, kh, kw, x.shape, w.shape)
            cols = im2col(xh, g)
            if slot is not None and slot.wanted:
                slot.keep(x, cols)
            out = cols @ w.reshape(-1, cout)
            return from_nhwc(out.reshape(xh.shape[0], g.oh, g.ow, cout), fmt)
        return run

    def conv_input_grad(op, fmt, geometry, x_shape, w, dy, transposed=False):
        """Conv2D's gradient w.r.t. an input of ``x_shape``: per-window gradients from
        one GEMM, then col2im."""
        xs = nhwc_shape(x_shape, fmt)
        dyh = to_nhwc(dy, fmt)
        kh, kw, cin, cout = w.shape
        g = geometry(xs, kh, kw, *((x_shape, w.shape, dy.shape) if transposed else (x_shape, w.shape)))
        if dyh.shape != (xs[0], g.oh, g.ow, cout):
            raise errors.InvalidArgumentError(
                None, op, f"{op.type}: out_backprop of shape {shape_str(dy.shape)} does not match "
                          f"the convolution of an input of shape {shape_str(x_shape)} with a filter "
                          f"of shape {shape_str(w.shape)}, which has shape "
                          f"{shape_str(nhwc_to(fmt, (xs[0], g.oh, g.ow, cout)))}")
        cols = dyh.reshape(-1, cout) @ w.reshape(-1, cout).T
        dx = col2im(cols.reshape(xs[0], g.oh, g.ow, kh, kw, cin), g, xs)
        return from_nhwc(dx, fmt)

    @builder("Conv2DBackpropInput")
    def _conv2d_input(op, ctx):
        fmt, geometry = conv_setup(op)
        return lambda x_like, w, dy: conv_input_grad(op, fmt, geometry, x_like.shape, w, dy)

    @builder("Conv2DTranspose")
    def _conv2d_transpose(op, ctx):
        fmt, geometry = conv_setup(op)

        def run(output_shape, w, value):
            shape = tuple(int(d) for d in output_shape)
            if len(shape) != 4 or min(shape) < 0:
                raise errors.InvalidArgumentError(None, op, f"output_shape must be 4 sizes, "
                                                  f"got {list(shape)}")
            check_depth(op, shape, w.shape, fmt)
            return conv_input_grad(op, fmt, geometry, shape, w, value, transposed=True)
        return run

    @builder("Conv2DBackpropFilter")
    def _conv2d_filter(op, ctx):
        fmt, geometry = conv_setup(op)

        slot = im2col_slot(op, ctx, consumer=True)

        def run(x, w_like, dy):
            xh, dyh = to_nhwc(x, fmt), to_nhwc(dy, fmt)
            kh, kw, cin, cout = w_like.shape
            g = geometry(xh.shape, kh, kw, x.shape, w_like.shape)
            cols = slot.take(x) if slot is not None else None
            if cols is None or cols.shape != (xh.shape[0] * g.oh * g.ow, kh * kw * cin):
                cols = im2col(xh, g)
            return (cols.T @ dyh.reshape(-1, cout)).reshape(w_like.shape)
        return run

    # --- depthwise: a batched GEMM over channels ---------------------------------------------
    def depthwise_cols(xh, g):
        """(c, n * oh * ow, kh * kw): each channel's windows."""
        taps = g.kh * g.kw
        return windows(padded(xh, g), g).reshape(-1, taps, xh.shape[3]).transpose(2, 0, 1)

    def by_channel(w):
        """(c, kh * kw, multiplier) view of a [kh, kw, c, multiplier] filter."""
        kh, kw, c, m = w.shape
        return w.reshape(kh * kw, c, m).transpose(1, 0, 2)

    @builder("DepthwiseConv2dNative")
    def _depthwise(op, ctx):
        fmt, geometry = conv_setup(op)

        def run(x, w):
            check_depth(op, x.shape, w.shape, fmt)
            xh = to_nhwc(x, fmt)
            kh, kw, c, m = w.shape
            g = geometry(xh.shape, kh, kw, x.shape, w.shape)
            out = xp.matmul(depthwise_cols(xh, g), by_channel(w))  # (c, rows, m)
            return from_nhwc(out.transpose(1, 0, 2).reshape(xh.shape[0], g.oh, g.ow, c * m), fmt)
        return run

    @builder("DepthwiseConv2dNativeBackpropInput")
    def _depthwise_input(op, ctx):
        fmt, geometry = conv_setup(op)

        def run(x_like, w, dy):
            xs, dyh = nhwc_shape(x_like.shape, fmt), to_nhwc(dy, fmt)
            kh, kw, c, m = w.shape
            g = geometry(xs, kh, kw, x_like.shape, w.shape)
            dy3 = dyh.reshape(-1, c, m).transpose(1, 0, 2)                  # (c, rows, m)
            cols = xp.matmul(dy3, by_channel(w).transpose(0, 2, 1))         # (c, rows, taps)
            cols = cols.transpose(1, 2, 0).reshape(xs[0], g.oh, g.ow, kh, kw, c)
            return from_nhwc(col2im(cols, g, xs), fmt)
        return run

    @builder("DepthwiseConv2dNativeBackpropFilter")
    def _depthwise_filter(op, ctx):
        fmt, geometry = conv_setup(op)

        def run(x, w_like, dy):
            xh, dyh = to_nhwc(x, fmt), to_nhwc(dy, fmt)
            kh, kw, c, m = w_like.shape
            g = geometry(xh.shape, kh, kw, x.shape, w_like.shape)
            dy3 = dyh.reshape(-1, c, m).transpose(1, 0, 2)                  # (c, rows, m)
            dw = xp.matmul(depthwise_cols(xh, g).transpose(0, 2, 1), dy3)   # (c, taps, m)
            return dw.transpose(1, 0, 2).reshape(w_like.shape)
        return run

    # --- pooling -------------------------------------------------------------------------------
    def pool_setup(op):
        fmt = op.attrs["data_format"]
        kh, kw = hw(op.attrs["ksize"], fmt)
        return fmt, kh, kw, geometry_of(op)

    def first_max_hits(x, y, g):
        """For each window tap (i, j): where that tap holds its window's first maximum
        (TF routes a tied window's gradient to its first maximum). A loop over the
        kh * kw taps, each a whole-array comparison."""
        taps = windows(padded(x, g, -np.inf), g)
        taken = None
        for i in range(g.kh):
            for j in range(g.kw):
                hit = taps[:, :, :, i, j] == y
                if taken is None:
                    taken = hit
                else:
                    hit &= ~taken
                    taken |= hit
                yield i, j, hit

    @builder("MaxPool")
    def _max_pool(op, ctx):
        fmt, kh, kw, geometry = pool_setup(op)

        def run(x):
            xh = to_nhwc(x, fmt)
            g = geometry(xh.shape, kh, kw, x.shape)
            return from_nhwc(windows(padded(xh, g, -np.inf), g).max(axis=(3, 4)), fmt)
        return run

    @builder("MaxPoolGrad")
    def _max_pool_grad(op, ctx):
        fmt, kh, kw, geometry = pool_setup(op)

        def run(x, y, grad):
            xh, yh, gh = to_nhwc(x, fmt), to_nhwc(y, fmt), to_nhwc(grad, fmt)
            g = geometry(xh.shape, kh, kw, x.shape)
            cols = xp.empty((xh.shape[0], g.oh, g.ow, kh, kw, xh.shape[3]), dtype=grad.dtype)
            for i, j, hit in first_max_hits(xh, yh, g):
                xp.multiply(hit, gh, out=cols[:, :, :, i, j])
            return from_nhwc(col2im(cols, g, xh.shape), fmt)
        return run

    @builder("MaxPoolGradGrad")
    def _max_pool_grad_grad(op, ctx):
        fmt, kh, kw, geometry = pool_setup(op)

        def run(x, y, grad):
            xh, yh, gh = to_nhwc(x, fmt), to_nhwc(y, fmt), to_nhwc(grad, fmt)
            g = geometry(xh.shape, kh, kw, x.shape)
            grad_taps = windows(padded(gh, g), g)
            out = xp.zeros(yh.shape, dtype=grad.dtype)
            for i, j, hit in first_max_hits(xh, yh, g):
                out += hit * grad_taps[:, :, :, i, j]
            return from_nhwc(out, fmt)
        return run

    def window_counts(shape, g, dtype):
        """How many real (unpadded) inputs each window holds, (1, oh, ow, 1): TF's average
        excludes the padding."""
        if not g.padded:
            return g.kh * g.kw
        ones = padded(xp.ones((1, shape[1], shape[2], 1), dtype=dtype), g)
        return windows(ones, g).sum(axis=(3, 4))

    @builder("AvgPool")
    def _avg_pool(op, ctx):
        fmt, kh, kw, geometry = pool_setup(op)

        def run(x):
            xh = to_nhwc(x, fmt)
            g = geometry(xh.shape, kh, kw, x.shape)
            total = windows(padded(xh, g), g).sum(axis=(3, 4))
            return from_nhwc(total / window_counts(xh.shape, g, x.dtype), fmt)
        return run

    @builder("AvgPoolGrad")
    def _avg_pool_grad(op, ctx):
        fmt, kh, kw, geometry = pool_setup(op)

        def run(x_like, grad):
            xs, gh = nhwc_shape(x_like.shape, fmt), to_nhwc(grad, fmt)
            g = geometry(xs, kh, kw, x_like.shape)
            share = gh / window_counts(xs, g, grad.dtype)
            cols = xp.broadcast_to(share[:, :, :, None, None, :], (xs[0], g.oh, g.ow, kh, kw, xs[3]))
            return from_nhwc(col2im(cols, g, xs), fmt)
        return run

    # --- local response normalization ------------------------------------------------------------
    def depth_sum(a, radius):
        """Sum over ``radius`` neighbours either side along the last axis (zeros beyond)."""
        c = a.shape[-1]
        out = a.copy()
        for k in range(1, min(radius, c - 1) + 1):
            out[..., k:] += a[..., :-k]
            out[..., :-k] += a[..., k:]
        return out

    def lrn_attrs(op):
        a = op.attrs
        return a["depth_radius"], a["bias"], a["alpha"], a["beta"]

    @builder("LRN")
    def _lrn(op, ctx):
        radius, bias, alpha, beta = lrn_attrs(op)

        def run(x):
            norm = bias + alpha * depth_sum(x * x, radius)
            return (x * norm ** -beta).astype(x.dtype, copy=False)
        return run

    @builder("LRNGrad")
    def _lrn_grad(op, ctx):
        radius, bias, alpha, beta = lrn_attrs(op)

        def run(dy, x, y):
            norm = bias + alpha * depth_sum(x * x, radius)
            dx = dy * norm ** -beta - (2 * alpha * beta) * x * depth_sum(dy * y / norm, radius)
            return dx.astype(dy.dtype, copy=False)
        return run

    return K
