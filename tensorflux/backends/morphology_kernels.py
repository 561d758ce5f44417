"""Kernels of grayscale dilation (and its gradients) and of max pooling with argmax,
written once against an array namespace ``xp``: the windows of a padded NHWC input are
a strided view ``(n, oh, ow, kh, kw, c)`` as in ``conv_kernels``; padding is -inf, so
positions outside the input never win a maximum."""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors
from tensorflux.ops.conv_geometry import shape_str, window


def make_morphology_kernels(xp):
    K = KernelTable()
    as_strided = xp.lib.stride_tricks.as_strided

    def geometry(op, x_shape, kh, kw, rates=(1, 1, 1, 1)):
        s = op.attrs["strides"]
        try:
            return window(x_shape[1], x_shape[2], kh, kw, s[1], s[2], rates[1], rates[2],
                          op.attrs["padding"])
        except ValueError as exc:
            raise errors.InvalidArgumentError(
                None, op, f"{exc} for '{op.name}' (op: '{op.type}') with input shape "
                          f"{shape_str(x_shape)}") from None

    def padded(x, g):
        if not g.padded:
            return x
        n, H, W, c = x.shape
        out = xp.full((n, H + g.top + g.bottom, W + g.left + g.right, c), -np.inf, dtype=x.dtype)
        out[:, g.top:g.top + H, g.left:g.left + W] = x
        return out

    def windows(xpad, g):
        sn, sy, sx, sc = xpad.strides
        return as_strided(xpad, shape=(xpad.shape[0], g.oh, g.ow, g.kh, g.kw, xpad.shape[3]),
                          strides=(sn, sy * g.sh, sx * g.sw, sy * g.dh, sx * g.dw, sc))

    # --- dilation --------------------------------------------------------------------------
    def scores(op, x, w):
        """(window, each window tap's input + filter as (n, oh, ow, kh * kw, c))."""
        if x.shape[3] != w.shape[2]:
            raise errors.InvalidArgumentError(
                None, op, f"input and filter must have the same depth: {x.shape[3]} vs "
                          f"{w.shape[2]}")
        g = geometry(op, x.shape, w.shape[0], w.shape[1], op.attrs["rates"])
        taps = windows(padded(x, g), g) + w[None, None, None]
        return g, taps.reshape(x.shape[0], g.oh, g.ow, g.kh * g.kw, x.shape[3])

    @K.builder("Dilation2D")
    def _dilation(op, ctx):
        return lambda x, w: scores(op, x, w)[1].max(axis=3)

    def winners(op, x, w, dy):
        g, s = scores(op, x, w)
        if dy.shape != (x.shape[0], g.oh, g.ow, x.shape[3]):
            raise errors.InvalidArgumentError(
                None, op, f"{op.type}: out_backprop has shape {shape_str(dy.shape)}, expected "
                          f"{shape_str((x.shape[0], g.oh, g.ow, x.shape[3]))}")
        return g, xp.argmax(s, axis=3)  # the first maximum, as TF's strict '>' scan

    @K.builder("Dilation2DBackpropInput")
    def _dilation_input(op, ctx):
        def run(x, w, dy):
            g, best = winners(op, x, w, dy)
            n, H, W, c = x.shape
            out = xp.zeros((n, H + g.top + g.bottom, W + g.left + g.right, c), dtype=dy.dtype)
            rows, width = g.sh * (g.oh - 1) + 1, g.sw * (g.ow - 1) + 1
            for i in range(g.kh):
                for j in range(g.kw):
                    y0, x0 = i * g.dh, j * g.dw
                    out[:, y0:y0 + rows:g.sh, x0:x0 + width:g.sw] += dy * (best == i * g.kw + j)
            return out[:, g.top:g.top + H, g.left:g.left + W]
        return run

    @K.builder("Dilation2DBackpropFilter")
    def _dilation_filter(op, ctx):
        def run(x, w, dy):
            _, best = winners(op, x, w, dy)
            kh, kw, c = w.shape
            out = xp.zeros((kh * kw, c), dtype=dy.dtype)
            for t in range(kh * kw):
                out[t] = (dy * (best == t)).sum(axis=(0, 1, 2))
            return out.reshape(kh, kw, c)
        return run

    # --- max pooling with argmax --------------------------------------------------------------
    @K.builder("MaxPoolWithArgmax")
    def _max_pool_argmax(op, ctx):
        k = op.attrs["ksize"]
        with_batch = op.attrs["include_batch_in_index"]
        index_type = op.attrs["Targmax"].np_dtype

        def run(x):
            n, H, W, c = x.shape
            g = geometry(op, x.shape, k[1], k[2])
            taps = windows(padded(x, g), g).reshape(n, g.oh, g.ow, g.kh * g.kw, c)
            best = xp.argmax(taps, axis=3)
            tap_y, tap_x = best // g.kw, best % g.kw
            ys = xp.arange(g.oh).reshape(1, -1, 1, 1) * g.sh + tap_y - g.top
            xs = xp.arange(g.ow).reshape(1, 1, -1, 1) * g.sw + tap_x - g.left
            index = (ys * W + xs) * c + xp.arange(c).reshape(1, 1, 1, -1)
            if with_batch:
                index = index + xp.arange(n).reshape(-1, 1, 1, 1) * (H * W * c)
            return taps.max(axis=3), index.astype(index_type)
        return run

    return K
