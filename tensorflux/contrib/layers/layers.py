"""``tf.contrib.layers``' layers with TF1's contrib defaults: fully_connected, batch_norm,
dropout. Each is decorated with ``add_arg_scope``, so ``tf.contrib.framework.arg_scope``
can set their arguments, and their variables are model variables (in the
``model_variables`` collection too), named as in TF1 (``weights``, ``biases``,
``BatchNorm/beta``, ...)."""
from __future__ import annotations

from tensorflux.contrib.framework.arg_scope import add_arg_scope
from tensorflux.contrib.layers.initializers import xavier_initializer
from tensorflux.core import dtypes
from tensorflux.core.graph import (GraphKeys, add_to_collections, control_dependencies,
                                   name_scope)
from tensorflux.ops import array_ops, init_ops, layers, math_ops, nn_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.variable_scope import get_variable, variable_scope


def _model_variable(name, shape, dtype, initializer, regularizer=None, trainable=True,
                    variables_collections=None):
    """get_variable, in the global and model-variable collections plus those that
    ``variables_collections`` names (a list for every variable, or a dict by name)."""
    extra = (variables_collections.get(name) if isinstance(variables_collections, dict)
             else variables_collections)
    if isinstance(extra, str):
        extra = [extra]
    collections = [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES] + list(extra or [])
    return get_variable(name, shape, dtype, initializer=initializer, regularizer=regularizer,
                        trainable=trainable, collections=collections)


def _collect(outputs_collections, outputs):
    if outputs_collections:
        add_to_collections(outputs_collections, outputs)
    return outputs


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=nn_ops.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=xavier_initializer(),
                    weights_regularizer=None, biases_initializer=init_ops.zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """activation_fn(normalizer_fn(inputs @ weights) or inputs @ weights + biases), with
    variables ``<scope>/weights`` and ``<scope>/biases`` (no biases with a normalizer)."""
    x = convert_to_tensor(inputs)
    n_in = x.shape.as_tuple()[-1] if x.shape.ndims else None
    if n_in is None:
        raise ValueError(f"fully_connected needs a known last dimension, got {x.shape}")
    dtype = x.dtype if x.dtype.is_floating else dtypes.float32
    with variable_scope(scope, default_name="fully_connected", values=[x], reuse=reuse):
        w = _model_variable("weights", [n_in, num_outputs], dtype, weights_initializer,
                            weights_regularizer, trainable, variables_collections)
        out = layers.matmul_last_axis(x, w, n_in, num_outputs)
        if normalizer_fn is not None:
            out = normalizer_fn(out, **(normalizer_params or {}))
        elif biases_initializer is not None:
            b = _model_variable("biases", [num_outputs], dtype, biases_initializer,
                                biases_regularizer, trainable, variables_collections)
            out = nn_ops.bias_add(out, b)
        if activation_fn is not None:
            out = activation_fn(out)
        return _collect(outputs_collections, out)


def _bool_or_tensor(flag):
    """A Python bool stays one; anything else becomes a bool tensor (a placeholder)."""
    if isinstance(flag, bool):
        return flag
    return convert_to_tensor(flag, dtype=dtypes.bool_)


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None,
               updates_collections=GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC",
               zero_debias_moving_mean=False, scope=None, renorm=False, renorm_clipping=None,
               renorm_decay=0.99, adjustment=None):
    """contrib's batch normalization over every axis but the channels (the last, or the
    second with ``data_format='NCHW'``).

    Variables ``<scope>/BatchNorm/``: ``beta`` (if center), ``gamma`` (if scale),
    ``moving_mean``, ``moving_variance``. While ``is_training`` (a bool or a bool
    tensor such as a placeholder) it normalizes with the batch's mean and (biased)
    variance and moves the averages toward the batch's mean and unbiased variance (as
    TF1's fused kernel) by ``1 - decay``; otherwise it uses the moving averages and
    leaves them alone. The updates go to ``updates_collections`` (run them with the
    training op), or, with ``updates_collections=None``, run with the output itself.
    """
    unsupported = {"batch_weights": batch_weights is not None, "renorm": renorm,
                   "zero_debias_moving_mean": zero_debias_moving_mean,
                   "adjustment": adjustment is not None}
    if any(unsupported.values()):
        raise NotImplementedError(f"batch_norm: {[k for k, v in unsupported.items() if v]} "
                                  f"are not supported")
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    x = convert_to_tensor(inputs)
    rank = x.shape.ndims
    if rank is None:
        raise ValueError(f"Inputs {x.name} has undefined rank.")
    axis = 1 if data_format == "NCHW" and rank > 2 else rank - 1
    size = x.shape.as_tuple()[axis]
    if size is None:
        raise ValueError(f"Inputs {x.name} has undefined channels dimension {x.shape}.")
    reduce_axes = [i for i in range(rank) if i != axis]
    inits = param_initializers or {}
    regs = param_regularizers or {}
    training = _bool_or_tensor(is_training)
    with variable_scope(scope, "BatchNorm", [x], reuse=reuse):
        def param(name, default, is_trainable=trainable):
            return _model_variable(name, [size], x.dtype, inits.get(name, default),
                                   regs.get(name), is_trainable, variables_collections)
        beta = param("beta", init_ops.zeros_initializer()) if center else None
        gamma = param("gamma", init_ops.ones_initializer()) if scale else None
        moving_mean = param("moving_mean", init_ops.zeros_initializer(), False)
        moving_var = param("moving_variance", init_ops.ones_initializer(), False)
        bshape = [1] * rank
        bshape[axis] = size

        def normalize(mean, var):
            r = lambda t: None if t is None else array_ops.reshape(t, bshape)  # noqa: E731
            return nn_ops.batch_normalization(x, r(mean), r(var), r(beta), r(gamma), epsilon)

        if training is False:
            out = normalize(moving_mean.value(), moving_var.value())
        else:
            out = _normalize_and_update(x, reduce_axes, training, moving_mean, moving_var,
                                        decay, updates_collections, normalize)
        if activation_fn is not None:
            out = activation_fn(out)
        return _collect(outputs_collections, out)


def _normalize_and_update(x, reduce_axes, training, moving_mean, moving_var, decay,
                          updates_collections, normalize):
    mean, var = nn_ops.moments(x, reduce_axes)
    count = math_ops.cast(array_ops.size(x) // array_ops.size(mean), x.dtype)
    unbiased = var * count / math_ops.maximum(count - 1.0, 1.0)
    old_mean, old_var = moving_mean.value(), moving_var.value()
    if training is not True:  # a bool tensor: batch statistics only while it is True
        flag = lambda t: array_ops.fill(array_ops.shape(t), training)  # noqa: E731
        mean = array_ops.where(flag(mean), mean, old_mean)
        var = array_ops.where(flag(var), var, old_var)
        unbiased = array_ops.where(flag(unbiased), unbiased, old_var)
    with name_scope("AssignMovingAvg"):
        update_mean = moving_mean.assign(old_mean - (old_mean - mean) * (1.0 - decay))
    with name_scope("AssignMovingAvg_1"):
        update_var = moving_var.assign(old_var - (old_var - unbiased) * (1.0 - decay))
    out = normalize(mean, var)
    if updates_collections is None:
        with control_dependencies([update_mean, update_var]):
            return array_ops.identity(out)
    add_to_collections(updates_collections, update_mean)
    add_to_collections(updates_collections, update_var)
    return out


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None,
            scope=None, seed=None):
    """Drop each unit with probability 1 - keep_prob (scaling the rest) while
    ``is_training`` (a bool or a bool tensor)."""
    with name_scope(scope, "Dropout", [inputs]):
        out = layers.dropout(inputs, rate=1 - keep_prob, noise_shape=noise_shape, seed=seed,
                             training=is_training)
        return _collect(outputs_collections, out)
