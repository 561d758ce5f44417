"""Kernels of the neural-network ops, written once against an array namespace ``xp``
(convolution and pooling: ``conv_kernels``)."""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable, fuser
from tensorflux.core import errors

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_FEW_COLUMNS = 32


def _few_columns(x):
    """Whether ``x`` (a host array) is 2-D with many rows of few columns: the classes of
    a softmax, which NumPy reduces along the last axis with one inner-loop call per row
    (for 512 rows of 10, ten times as long as reducing the transposed copy along its
    first axis, a vectorized operation on whole rows)."""
    return x.ndim == 2 and x.shape[1] < _FEW_COLUMNS and x.shape[0] > _FEW_COLUMNS


def _last_axis_max(xp, x):
    """``x.max(axis=-1, keepdims=True)``; see ``_few_columns``. The maximum is exact in
    any order, NaN included."""
    if xp is np and _few_columns(x):
        return np.ascontiguousarray(x.T).max(axis=0)[:, None]
    return xp.max(x, axis=-1, keepdims=True)


def _sparse_xent_by_class(flat, lab):
    """The host sparse softmax cross entropy of ``flat`` (rows, classes) with few
    classes, computed on its transposed copy (see ``_few_columns``): every step a
    vectorized operation on rows of the batch's length. The same formulas as the row
    layout (the exp sum adds the classes in order rather than pairwise, a difference
    in the last bit); the backprop is returned as a transposed (F-ordered) view."""
    rows = flat.shape[0]
    t = np.ascontiguousarray(flat.T)
    t -= t.max(axis=0)
    at_label = lab * rows + np.arange(rows)  # (label, row) in the flattened copy
    shifted_at_label = t.reshape(-1)[at_label]
    np.exp(t, out=t)
    total = t.sum(axis=0)
    loss = np.log(total)
    loss -= shifted_at_label
    t /= total
    t.reshape(-1)[at_label] -= 1
    return loss, t.T


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
        shifted = x - _last_axis_max(xp, x)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))

    def softmax(x):
        e = xp.exp(x - _last_axis_max(xp, x))
        return e / xp.sum(e, axis=-1, keepdims=True)

    fn("Softmax", softmax)
    fn("LogSoftmax", log_softmax)

    @fused
    def exp_shifted(x, row_max):
        return xp.exp(x - row_max)

    @fused
    def xent_loss(total, row_max, at_label, poison):
        # the label's shifted logit first: exact (zero) when the label is the row's
        # maximum, where adding the maximum to a small log first would round it away
        return xp.log(total) - (at_label - row_max) + poison

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
            if _few_columns(flat):
                return _sparse_xent_by_class(flat, lab)
            # One exp pass serves both outputs: loss = log(sum(e)) - shifted[label] and
            # backprop = e / sum(e) - onehot. Labels index the flattened rows directly.
            shifted = flat - _last_axis_max(np, flat)
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

    def channels_first(op, ndim):
        return op.attrs.get("data_format") == "NCHW" and ndim >= 3

    @builder("BiasAdd")
    def _bias_add(op, ctx):
        def run(x, b):
            return x + (b.reshape((-1,) + (1,) * (x.ndim - 2)) if channels_first(op, x.ndim) else b)
        return run

    ones = {}  # (rows, dtype) -> a vector of ones

    @builder("BiasAddGrad")
    def _bias_add_grad(op, ctx):
        def run(g):
            if channels_first(op, g.ndim):
                return xp.sum(g, axis=(0,) + tuple(range(2, g.ndim)))
            flat = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
            if on_host and flat.dtype.char in "fd" and flat.size:
                # the column sums as BLAS's matrix-vector product with ones (each term
                # times one is exact: a sum in BLAS's order), twice as fast as einsum
                key = (flat.shape[0], flat.dtype)
                if key not in ones:
                    if len(ones) > 16:
                        ones.clear()
                    ones[key] = np.ones(flat.shape[0], flat.dtype)
                return ones[key] @ flat
            # einsum sums the rows in one pass (numpy's column sum is several times slower)
            return xp.einsum("ij->j", flat)
        return run

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

    return K
