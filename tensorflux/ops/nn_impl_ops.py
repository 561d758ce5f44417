"""The rest of TF1's everyday ``tf.nn`` that is built from other ops: fused batch norm,
swish, weighted and Poisson losses, sufficient statistics and weighted moments,
xw_plus_b and relu_layer, and the loss-scaling helpers (differentiable through the ops
they are made of)."""
from __future__ import annotations

import math

from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, math_ops, nn_ops
from tensorflux.ops.constant_op import convert_to_tensor


def swish(features, beta=1.0, name=None):
    """x * sigmoid(beta * x) (also called SiLU)."""
    with name_scope(name, "swish", [features]) as scope:
        x = nn_ops._float_input(features, "swish")
        return math_ops.multiply(x, math_ops.sigmoid(beta * x), name=scope)


def silu(features, beta=1.0, name=None):
    return swish(features, beta=beta, name=name)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases."""
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        return nn_ops.bias_add(math_ops.matmul(x, weights), biases, name=scope)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer", [x, weights, biases]) as scope:
        return nn_ops.relu(nn_ops.bias_add(math_ops.matmul(x, weights), biases), name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Sigmoid cross entropy with positive examples weighted by ``pos_weight``:
    (1 - z) * x + (1 + (q - 1) * z) * log(1 + exp(-x)), computed stably."""
    labels = targets if labels is None else labels
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        x = nn_ops._float_input(logits, "weighted_cross_entropy_with_logits")
        z = convert_to_tensor(labels, dtype=x.dtype)
        if not x.shape.is_compatible_with(z.shape):
            raise ValueError(f"logits and labels must have the same shape ({x.shape} vs {z.shape})")
        q = convert_to_tensor(pos_weight, dtype=x.dtype)
        log_weight = 1 + (q - 1) * z
        softplus_neg = math_ops.log1p(math_ops.exp(-math_ops.abs(x))) + nn_ops.relu(-x)
        return math_ops.add((1 - z) * x, log_weight * softplus_neg, name=scope)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """exp(log_input) - targets * log_input, plus Stirling's approximation of
    log(targets!) with ``compute_full_loss``."""
    with name_scope(name, "log_poisson_loss", [targets, log_input]) as scope:
        log_input = convert_to_tensor(log_input)
        targets = convert_to_tensor(targets, dtype=log_input.dtype)
        if not log_input.shape.is_compatible_with(targets.shape):
            raise ValueError(f"log_input and targets must have the same shape ({log_input.shape} "
                             f"vs {targets.shape})")
        result = math_ops.exp(log_input) - log_input * targets
        if not compute_full_loss:
            return array_ops.identity(result, name=scope)
        stirling = (targets * math_ops.log(math_ops.maximum(targets, 1e-30)) - targets
                    + 0.5 * math_ops.log(2 * math.pi * math_ops.maximum(targets, 1e-30)))
        use = math_ops.logical_and(math_ops.greater_equal(targets, 0), math_ops.less_equal(targets, 1))
        return math_ops.add(result, array_ops.where(use, array_ops.zeros_like(stirling), stirling),
                            name=scope)


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """(count, sum of (x - shift), sum of (x - shift)^2, shift) over ``axes``."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "sufficient_statistics", [x, shift]):
        x = convert_to_tensor(x)
        shape = x.shape.as_tuple()
        if shape is not None and all(shape[a] is not None for a in axes):
            count = 1
            for a in axes:
                count *= shape[a]
            counts = convert_to_tensor(float(count), dtype=x.dtype, name="count")
        else:
            dims = array_ops.gather(math_ops.cast(array_ops.shape(x), x.dtype), list(axes))
            counts = math_ops.reduce_prod(dims, name="count")
        if shift is not None:
            shift = convert_to_tensor(shift, dtype=x.dtype)
            m_ss = math_ops.subtract(x, shift)
            v_ss = math_ops.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, math_ops.square(x)
        m_ss = math_ops.reduce_sum(m_ss, axes, keepdims=keep, name="mean_ss")
        v_ss = math_ops.reduce_sum(v_ss, axes, keepdims=keep, name="var_ss")
        return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from sufficient statistics."""
    with name_scope(name, "normalize", [counts, mean_ss, variance_ss, shift]):
        divisor = math_ops.reciprocal(counts, name="divisor")
        shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean")
        mean = shifted_mean if shift is None else math_ops.add(shifted_mean, shift, name="mean")
        variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor),
                                     math_ops.square(shifted_mean), name="variance")
        return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of x over ``axes`` with each entry weighted by frequency_weights."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "weighted_moments", [x, frequency_weights]):
        x = convert_to_tensor(x)
        w = convert_to_tensor(frequency_weights, dtype=x.dtype)
        weighted_sum = math_ops.reduce_sum(w * x, axes, keepdims=True)
        total = math_ops.reduce_sum(w + array_ops.zeros_like(x), axes, keepdims=True)
        mean = weighted_sum / total
        variance = math_ops.reduce_sum(w * math_ops.squared_difference(x, mean), axes, keepdims=True) / total
        if not keep:
            mean = array_ops.squeeze(mean, list(axes))
            variance = array_ops.squeeze(variance, list(axes))
        return mean, variance


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None, exponential_avg_factor=1.0):
    """Batch normalization of a 4-D NHWC tensor over N, H and W: (y, mean, variance).
    In training the moments are the batch's (the variance returned is the unbiased
    one, as TF1's); otherwise ``mean`` and ``variance`` are used and returned."""
    if data_format != "NHWC":
        raise ValueError("fused_batch_norm supports data_format='NHWC' only")
    with name_scope(name, "FusedBatchNorm", [x, scale, offset]) as scope:
        x = nn_ops._float_input(x, "fused_batch_norm")
        if x.shape.ndims not in (None, 4):
            raise ValueError(f"fused_batch_norm needs a 4-D input, got shape {x.shape}")
        scale, offset = (convert_to_tensor(v, dtype=x.dtype) for v in (scale, offset))
        if is_training:
            batch_mean, batch_var = nn_ops.moments(x, [0, 1, 2])
            n = math_ops.cast(array_ops.size(x) // array_ops.size(batch_mean), x.dtype)
            y = nn_ops.batch_normalization(x, batch_mean, batch_var, offset, scale, epsilon)
            unbiased = batch_var * n / math_ops.maximum(n - 1, 1)
            if exponential_avg_factor != 1.0 and mean is not None:
                f = exponential_avg_factor
                batch_mean = (1 - f) * convert_to_tensor(mean, dtype=x.dtype) + f * batch_mean
                unbiased = (1 - f) * convert_to_tensor(variance, dtype=x.dtype) + f * unbiased
            return array_ops.identity(y, name=scope), batch_mean, unbiased
        if mean is None or variance is None:
            raise ValueError("fused_batch_norm with is_training=False needs mean and variance")
        mean, variance = (convert_to_tensor(v, dtype=x.dtype) for v in (mean, variance))
        y = nn_ops.batch_normalization(x, mean, variance, offset, scale, epsilon)
        return array_ops.identity(y, name=scope), mean, variance


def batch_norm_with_global_normalization(t=None, m=None, v=None, beta=None, gamma=None,
                                         variance_epsilon=None, scale_after_normalization=None,
                                         name=None, input=None, mean=None, variance=None):  # noqa: A002
    """TF1's older batch norm: (t - m) / sqrt(v + eps) * gamma + beta (gamma only with
    scale_after_normalization)."""
    t = input if t is None else t
    m = mean if m is None else m
    v = variance if v is None else v
    with name_scope(name, "batchnorm", [t, m, v, beta, gamma]):
        return nn_ops.batch_normalization(t, m, v, beta, gamma if scale_after_normalization else None,
                                          variance_epsilon)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """The per-example losses (weighted) summed and divided by the global batch size."""
    with name_scope(None, "compute_average_loss", [per_example_loss]):
        loss = convert_to_tensor(per_example_loss)
        if sample_weight is not None:
            loss = loss * convert_to_tensor(sample_weight, dtype=loss.dtype)
        if global_batch_size is None:
            global_batch_size = array_ops.shape(loss)[0] if loss.shape.ndims else 1
        size = math_ops.cast(global_batch_size, loss.dtype)
        return math_ops.truediv(math_ops.reduce_sum(loss), size)


def scale_regularization_loss(regularization_loss):
    """The (summed) regularization loss: with one replica there is nothing to divide by."""
    losses = regularization_loss if isinstance(regularization_loss, (list, tuple)) else [regularization_loss]
    return math_ops.add_n([convert_to_tensor(loss) for loss in losses])
