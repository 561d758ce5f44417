"""``tf.contrib.layers``: fully_connected, batch_norm, regularizers and initializers."""
from __future__ import annotations

import numbers

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import init_ops, layers, math_ops, nn_ops


def fully_connected(inputs, num_outputs, activation_fn=nn_ops.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=None,
                    weights_regularizer=None, biases_initializer=init_ops.zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """A dense layer with variables ``<scope>/weights`` and ``<scope>/biases`` (ReLU by default)."""
    from tensorflux.ops.constant_op import convert_to_tensor
    from tensorflux.ops.variable_scope import get_variable, variable_scope
    x = convert_to_tensor(inputs)
    n_in = x.shape.as_tuple()[-1] if x.shape.ndims else None
    if n_in is None:
        raise ValueError(f"fully_connected needs a known last dimension, got {x.shape}")
    with variable_scope(scope, default_name="fully_connected", values=[x], reuse=reuse):
        w = get_variable("weights", [n_in, num_outputs], x.dtype,
                         weights_initializer or xavier_initializer(), weights_regularizer,
                         trainable=trainable)
        out = math_ops.matmul(x, w)
        if normalizer_fn is not None:
            out = normalizer_fn(out, **(normalizer_params or {}))
        elif biases_initializer is not None:
            b = get_variable("biases", [num_outputs], x.dtype, biases_initializer,
                             biases_regularizer, trainable=trainable)
            out = nn_ops.bias_add(out, b)
        return activation_fn(out) if activation_fn is not None else out


def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               is_training=True, reuse=None, trainable=True, scope=None, **kwargs):
    """contrib's batch_norm: tf.layers.batch_normalization with contrib's defaults."""
    out = layers.batch_normalization(inputs, momentum=decay, epsilon=epsilon, center=center,
                                     scale=scale, training=is_training, trainable=trainable,
                                     name=scope or "BatchNorm", reuse=reuse)
    return activation_fn(out) if activation_fn is not None else out


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


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=dtypes.float32):
    """He initialization by default: variance factor / fan_in."""
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
    return init_ops.VarianceScaling(scale=factor, mode=mode.lower(),
                                    distribution="uniform" if uniform else "truncated_normal",
                                    seed=seed, dtype=dtype)


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """Glorot/Xavier initialization (uniform by default)."""
    return init_ops.VarianceScaling(1.0, "fan_avg", "uniform" if uniform else "truncated_normal",
                                    seed, dtype)


xavier_initializer_conv2d = xavier_initializer
