"""``tf.test.compute_gradient``: analytic vs numerical Jacobians, for tests of gradients
(ours and third-party plugins')."""
from __future__ import annotations

import numpy as np

from tensorflux.core.session import get_default_session
from tensorflux.ops.array_ops import placeholder
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.gradients import gradients
from tensorflux.ops.indexed_slices import IndexedSlices


def _jacobians(x, x_shape, y, y_shape, x_value, delta, feed, sess):
    x_size, y_size = int(np.prod(x_shape)), int(np.prod(y_shape))
    dy = placeholder(y.dtype, shape=y_shape)
    grad = gradients(y, x, grad_ys=dy)[0]
    if isinstance(grad, IndexedSlices):  # compared as the dense tensor it stands for
        grad = convert_to_tensor(grad)
    analytic = np.zeros((x_size, y_size))
    if grad is not None:
        for j in range(y_size):
            onehot = np.zeros(y_size, dtype=y.dtype.np_dtype)
            onehot[j] = 1
            g = sess.run(grad, {**feed, x: x_value, dy: onehot.reshape(y_shape)})
            analytic[:, j] = np.asarray(g, dtype=np.float64).ravel()
    numeric = np.zeros((x_size, y_size))
    flat = x_value.astype(x.dtype.np_dtype).ravel()
    for i in range(x_size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += delta
        minus[i] -= delta
        y_plus = sess.run(y, {**feed, x: plus.reshape(x_shape)})
        y_minus = sess.run(y, {**feed, x: minus.reshape(x_shape)})
        numeric[i, :] = ((np.asarray(y_plus, np.float64) - np.asarray(y_minus, np.float64))
                         / (2 * delta)).ravel()
    return analytic, numeric


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                     init_targets=None, extra_feed_dict=None, session=None):
    """(analytic, numerical) Jacobians of y w.r.t. x, each of shape (x.size, y.size).

    ``x`` may be a list (with lists of shapes / init values); then a list of pairs is
    returned, and every x is fed its value while the Jacobian of each is computed.
    Runs in ``session`` or the default session; x is fed with ``x_init_value`` (random
    normal values if None).
    """
    sess = session or get_default_session()
    if sess is None:
        raise ValueError("compute_gradient needs a default session (use `with tf.Session():`)")
    if init_targets is not None:
        sess.run(init_targets)
    if not isinstance(x, (list, tuple)):
        return compute_gradient([x], [x_shape], y, y_shape, [x_init_value], delta, None,
                                extra_feed_dict, sess)[0]
    xs = [convert_to_tensor(xi) for xi in x]
    inits = x_init_value if x_init_value is not None else [None] * len(xs)
    if not len(xs) == len(x_shape) == len(inits):
        raise ValueError(f"compute_gradient got {len(xs)} inputs, {len(x_shape)} shapes and "
                         f"{len(inits)} initial values")
    values = [_initial_value(xi, si, vi) for xi, si, vi in zip(xs, x_shape, inits)]
    feed = {**(extra_feed_dict or {}), **dict(zip(xs, values))}
    return [_jacobians(xi, tuple(si), y, tuple(y_shape), vi, delta, feed, sess)
            for xi, si, vi in zip(xs, x_shape, values)]


def _initial_value(x, shape, value):
    if value is None:
        value = np.random.default_rng(0).normal(size=shape)
    return np.asarray(value, dtype=x.dtype.np_dtype).reshape(shape)


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None, session=None):
    """The largest absolute difference between the analytic and numerical Jacobians."""
    result = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                              extra_feed_dict, session)
    if isinstance(result, list):
        return max(float(np.max(np.abs(a - n))) if a.size else 0.0 for a, n in result)
    a, n = result
    return float(np.max(np.abs(a - n))) if a.size else 0.0
