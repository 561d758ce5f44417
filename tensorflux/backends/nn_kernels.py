"""Kernels of the neural-network ops, written once against an array namespace ``xp``.

Convolution and pooling loop over the (small) window positions and do one matmul or
elementwise op per position on strided views, which works unchanged on NumPy and CuPy.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable, fuser
from tensorflux.core import errors

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _same_padding(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2, out


def _geometry(shape, kh, kw, sh, sw, padding):
    """(pad_top, pad_bottom, pad_left, pad_right, out_h, out_w) as TF computes them."""
    _, H, W, _ = shape
    if padding == "SAME":
        t, b, oh = _same_padding(H, kh, sh)
        l, r, ow = _same_padding(W, kw, sw)
        return t, b, l, r, oh, ow
    return 0, 0, 0, 0, max(0, (H - kh) // sh + 1), max(0, (W - kw) // sw + 1)


def make_nn_kernels(xp):
    # Input checks that need the values: on the host they raise; on a device they would
    # make every step wait for the device, so device kernels follow TF's GPU kernels.
    on_host = xp is np
    fuse = fuser(xp)
    K = KernelTable()
    fn, builder = K.fn, K.builder

    def fused(function):
        """One kernel launch where the namespace fuses (CuPy), the function itself elsewhere."""
        return fuse(kernel_name=f"tensorflux_{function.__name__}")(function) if fuse else function

    # --- activations ---------------------------------------------------------------
    fn("Relu", lambda x: xp.maximum(x, x.dtype.type(0)))

    @fused
    def relu_grad(g, y):
        return g * (y > 0)

    fn("ReluGrad", relu_grad)
    fn("Relu6", lambda x: xp.clip(x, x.dtype.type(0), x.dtype.type(6)))
    fn("Elu", lambda x: xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0))).astype(x.dtype, copy=False))
    fn("Selu", lambda x: (SELU_SCALE * xp.where(x > 0, x, SELU_ALPHA * xp.expm1(xp.minimum(x, 0)))).astype(x.dtype, copy=False))
    fn("Softplus", lambda x: xp.logaddexp(x.dtype.type(0), x))
    fn("Softsign", lambda x: x / (1 + xp.abs(x)))

    @builder("LeakyRelu")
    def _leaky(op, ctx):
        alpha = op.attrs["alpha"]
        return lambda x: xp.where(x > 0, x, x * x.dtype.type(alpha))

    def log_softmax(x):
        shifted = x - xp.max(x, axis=-1, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))

    def softmax(x):
        e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
        return e / xp.sum(e, axis=-1, keepdims=True)

    fn("Softmax", softmax)
    fn("LogSoftmax", log_softmax)

    @fused
    def exp_shifted(x, row_max):
        return xp.exp(x - row_max)

    @fused
    def xent_loss(total, row_max, at_label, poison):
        return xp.log(total) + row_max - at_label + poison

    @fused
    def xent_backprop(e, total, classes, label, poison):
        return e / total - (classes == label) + poison

    @builder("SparseSoftmaxCrossEntropyWithLogits")
    def _sparse_xent(op, ctx):
        def on_the_host(flat, lab, unsigned, n_classes):
            if lab.size and (unsigned >= n_classes).any():
                value = int(lab[(lab < 0) | (lab >= n_classes)][0])
                raise errors.InvalidArgumentError(
                    None, op, f"Received a label value of {value} which is outside the "
                              f"valid range of [0, {n_classes})")
            # One exp pass serves both outputs: loss = log(sum(e)) - shifted[label] and
            # backprop = e / sum(e) - onehot. Labels index the flattened rows directly.
            shifted = flat - flat.max(axis=-1, keepdims=True)
            e = xp.exp(shifted)
            total = e.sum(axis=-1, keepdims=True)
            at_label = xp.arange(0, lab.size * n_classes, n_classes) + lab
            loss = xp.log(total.reshape(-1)) - shifted.reshape(-1)[at_label]
            e /= total
            e.reshape(-1)[at_label] -= 1
            return loss, e

        class_ids = {}

        def on_a_device(flat, lab, unsigned, n_classes):
            # As TF's GPU kernel: invalid labels give NaN rows (checking would make every
            # step wait for the device). Few launches: three fused elementwise kernels.
            bad = unsigned >= n_classes
            label = xp.where(bad, 0, lab)[:, None]
            poison = xp.where(bad, flat.dtype.type(np.nan), flat.dtype.type(0))[:, None]
            if n_classes not in class_ids:
                class_ids[n_classes] = xp.arange(n_classes)
            row_max = flat.max(axis=-1, keepdims=True)
            e = exp_shifted(flat, row_max)
            total = e.sum(axis=-1, keepdims=True)
            at_label = xp.take_along_axis(flat, label, axis=-1)
            loss = xent_loss(total, row_max, at_label, poison)[:, 0]
            return loss, xent_backprop(e, total, class_ids[n_classes], label, poison)

        compute = on_the_host if on_host else on_a_device

        def run(logits, labels):
            n_classes = logits.shape[-1]
            flat = logits if logits.ndim == 2 else logits.reshape(-1, n_classes)
            lab = labels if labels.ndim == 1 else labels.reshape(-1)
            # One unsigned comparison catches both negative and too-large labels.
            unsigned = lab.view(np.dtype(f"u{lab.dtype.itemsize}")) if lab.dtype.kind == "i" else lab
            loss, backprop = compute(flat, lab, unsigned, n_classes)
            if logits.ndim != 2:
                loss, backprop = loss.reshape(labels.shape), backprop.reshape(logits.shape)
            return loss, backprop
        return run

    def xent(logits, labels):
        if logits.shape != labels.shape:
            raise errors.InvalidArgumentError(None, None, f"logits and labels must have the same "
                                              f"shape, got {logits.shape} and {labels.shape}")
        log_probs = log_softmax(logits)
        return -xp.sum(labels * log_probs, axis=-1), xp.exp(log_probs) - labels

    fn("SoftmaxCrossEntropyWithLogits", xent)

    fn("BiasAdd", lambda x, b: x + b)
    fn("BiasAddGrad", lambda g: xp.sum(g if g.ndim == 2 else g.reshape(-1, g.shape[-1]), axis=0))

    # --- top-k -------------------------------------------------------------------------
    @builder("InTopK")
    def _in_top_k(op, ctx):
        k = op.attrs["k"]

        def run(predictions, targets):
            n = predictions.shape[-1]
            if targets.size and (int(targets.min()) < 0 or int(targets.max()) >= n):
                raise errors.InvalidArgumentError(None, op, f"targets must be in [0, {n})")
            target_values = xp.take_along_axis(predictions, targets.reshape(-1, 1).astype(np.int64), axis=-1)
            better = xp.sum(predictions > target_values, axis=-1)
            return (better < k) & xp.isfinite(target_values[:, 0])
        return run

    @builder("TopKV2")
    def _top_k(op, ctx):
        k = op.attrs["k"]

        def run(x):
            if k > x.shape[-1]:
                raise errors.InvalidArgumentError(None, op, f"input must have at least k={k} columns, has {x.shape[-1]}")
            idx = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
            return xp.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)
        return run

    def top_k_grad(grad, indices, like):
        out = xp.zeros(like.shape, dtype=grad.dtype)
        flat = out.reshape(-1, like.shape[-1])
        rows = xp.arange(flat.shape[0])[:, None]
        flat[rows, indices.reshape(flat.shape[0], -1)] += grad.reshape(flat.shape[0], -1)
        return out

    fn("TopKGrad", top_k_grad)
    fn("GatherLastAxis", lambda params, idx: xp.take_along_axis(params, idx.astype(np.int64), axis=-1))

    # --- convolution --------------------------------------------------------------------
    def padded(x, t, b, l, r, value=0):
        if not (t or b or l or r):
            return x
        return xp.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), mode="constant", constant_values=value)

    def window(xp_, i, j, sh, sw, oh, ow):
        return xp_[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]

    def conv_attrs(op):
        s, p = op.attrs["strides"], op.attrs["padding"]
        return s[1], s[2], p

    @builder("Conv2D")
    def _conv2d(op, ctx):
        sh, sw, padding = conv_attrs(op)

        def run(x, w):
            kh, kw, cin, cout = w.shape
            if x.shape[3] != cin:
                raise errors.InvalidArgumentError(None, op, f"input depth {x.shape[3]} != filter depth {cin}")
            t, b, l, r, oh, ow = _geometry(x.shape, kh, kw, sh, sw, padding)
            xp_ = padded(x, t, b, l, r)
            out = xp.zeros((x.shape[0], oh, ow, cout), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    out += window(xp_, i, j, sh, sw, oh, ow) @ w[i, j]
            return out
        return run

    @builder("Conv2DBackpropInput")
    def _conv2d_input(op, ctx):
        sh, sw, padding = conv_attrs(op)

        def run(x_like, w, dy):
            kh, kw, cin, cout = w.shape
            t, b, l, r, oh, ow = _geometry(x_like.shape, kh, kw, sh, sw, padding)
            n, H, W, _ = x_like.shape
            dxp = xp.zeros((n, H + t + b, W + l + r, cin), dtype=dy.dtype)
            for i in range(kh):
                for j in range(kw):
                    window(dxp, i, j, sh, sw, oh, ow)[...] += dy @ w[i, j].T
            return dxp[:, t:t + H, l:l + W, :]
        return run

    @builder("Conv2DBackpropFilter")
    def _conv2d_filter(op, ctx):
        sh, sw, padding = conv_attrs(op)

        def run(x, w_like, dy):
            kh, kw, cin, cout = w_like.shape
            t, b, l, r, oh, ow = _geometry(x.shape, kh, kw, sh, sw, padding)
            xp_ = padded(x, t, b, l, r)
            dw = xp.zeros(w_like.shape, dtype=dy.dtype)
            dy2 = dy.reshape(-1, cout)
            for i in range(kh):
                for j in range(kw):
                    dw[i, j] = window(xp_, i, j, sh, sw, oh, ow).reshape(-1, cin).T @ dy2
            return dw
        return run

    # --- pooling ---------------------------------------------------------------------------
    def pool_attrs(op):
        k, s, p = op.attrs["ksize"], op.attrs["strides"], op.attrs["padding"]
        return k[1], k[2], s[1], s[2], p

    def max_masks(x, y, kh, kw, sh, sw, padding):
        """For each window position, where it holds the (first) max of its window."""
        t, b, l, r, oh, ow = _geometry(x.shape, kh, kw, sh, sw, padding)
        xp_ = padded(x, t, b, l, r, value=-np.inf)
        taken = xp.zeros(y.shape, dtype=bool)
        masks = []
        for i in range(kh):
            for j in range(kw):
                hit = (window(xp_, i, j, sh, sw, oh, ow) == y) & ~taken
                taken |= hit
                masks.append((i, j, hit))
        return masks, (t, b, l, r, oh, ow)

    @builder("MaxPool")
    def _max_pool(op, ctx):
        kh, kw, sh, sw, padding = pool_attrs(op)

        def run(x):
            t, b, l, r, oh, ow = _geometry(x.shape, kh, kw, sh, sw, padding)
            xp_ = padded(x, t, b, l, r, value=-np.inf)
            out = None
            for i in range(kh):
                for j in range(kw):
                    w = window(xp_, i, j, sh, sw, oh, ow)
                    out = w.copy() if out is None else xp.maximum(out, w)
            return out
        return run

    @builder("MaxPoolGrad")
    def _max_pool_grad(op, ctx):
        kh, kw, sh, sw, padding = pool_attrs(op)

        def run(x, y, grad):
            masks, (t, b, l, r, oh, ow) = max_masks(x, y, kh, kw, sh, sw, padding)
            n, H, W, c = x.shape
            dxp = xp.zeros((n, H + t + b, W + l + r, c), dtype=grad.dtype)
            for i, j, hit in masks:
                window(dxp, i, j, sh, sw, oh, ow)[...] += grad * hit
            return dxp[:, t:t + H, l:l + W, :]
        return run

    @builder("MaxPoolGradGrad")
    def _max_pool_grad_grad(op, ctx):
        kh, kw, sh, sw, padding = pool_attrs(op)

        def run(x, y, grad):
            masks, (t, b, l, r, oh, ow) = max_masks(x, y, kh, kw, sh, sw, padding)
            gp = padded(grad, t, b, l, r)
            out = xp.zeros(y.shape, dtype=grad.dtype)
            for i, j, hit in masks:
                out += window(gp, i, j, sh, sw, oh, ow) * hit
            return out
        return run

    def avg_counts(shape, kh, kw, sh, sw, padding, dtype):
        """How many real (unpadded) inputs each window averages (TF excludes padding)."""
        t, b, l, r, oh, ow = _geometry(shape, kh, kw, sh, sw, padding)
        ones = padded(xp.ones((1, shape[1], shape[2], 1), dtype=dtype), t, b, l, r)
        count = xp.zeros((1, oh, ow, 1), dtype=dtype)
        for i in range(kh):
            for j in range(kw):
                count += window(ones, i, j, sh, sw, oh, ow)
        return count, (t, b, l, r, oh, ow)

    @builder("AvgPool")
    def _avg_pool(op, ctx):
        kh, kw, sh, sw, padding = pool_attrs(op)

        def run(x):
            count, (t, b, l, r, oh, ow) = avg_counts(x.shape, kh, kw, sh, sw, padding, x.dtype)
            xp_ = padded(x, t, b, l, r)
            out = xp.zeros((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    out += window(xp_, i, j, sh, sw, oh, ow)
            return out / count
        return run

    @builder("AvgPoolGrad")
    def _avg_pool_grad(op, ctx):
        kh, kw, sh, sw, padding = pool_attrs(op)

        def run(x_like, grad):
            count, (t, b, l, r, oh, ow) = avg_counts(x_like.shape, kh, kw, sh, sw, padding, grad.dtype)
            n, H, W, c = x_like.shape
            dxp = xp.zeros((n, H + t + b, W + l + r, c), dtype=grad.dtype)
            share = grad / count
            for i in range(kh):
                for j in range(kw):
                    window(dxp, i, j, sh, sw, oh, ow)[...] += share
            return dxp[:, t:t + H, l:l + W, :]
        return run

    return K
