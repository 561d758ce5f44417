"""``tf.contrib.layers`` regularizers: functions weights -> loss tensor (or None)."""
from __future__ import annotations

import numbers

from tensorflux.core.graph import name_scope
from tensorflux.ops import math_ops, nn_ops


def _regularizer(kind, scale, fn):
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"scale cannot be an integer: {scale}")
    if scale < 0.0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
    if scale == 0.0:
        return lambda _: None

    def regularizer(weights):
        with name_scope(None, f"{kind}_regularizer", [weights]) as scope:
            return math_ops.multiply(scale, fn(weights), name=scope)
    return regularizer


def l1_regularizer(scale, scope=None):
    """weights -> scale * sum(|weights|)."""
    return _regularizer("l1", scale, lambda w: math_ops.reduce_sum(math_ops.abs(w)))


def l2_regularizer(scale, scope=None):
    """weights -> scale * sum(weights ** 2) / 2."""
    return _regularizer("l2", scale, nn_ops.l2_loss)


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    l1, l2 = l1_regularizer(scale_l1), l2_regularizer(scale_l2)
    return lambda w: math_ops.add(l1(w), l2(w))
