"""``tf.layers``: dense, dropout, batch_normalization, flatten (convolution and pooling:
``conv_layers``).

Each layer opens a variable scope (``dense``, ``dense_1``, ... or the given name) and
creates its variables with ``get_variable``, so ``reuse`` shares them as in TF1.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.ops import array_ops, init_ops, math_ops, nn_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.variable_scope import get_variable, variable_scope


def _add_activity(loss):
    if loss is not None:
        get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """A fully connected layer: activation(inputs @ kernel + bias)."""
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.as_tuple()[-1] is None:
        raise ValueError(f"The last dimension of the inputs to `Dense` should be defined. "
                         f"Found `None` (input {x.name} has shape {x.shape}).")
    n_in = x.shape.as_tuple()[-1]
    dtype = x.dtype if x.dtype.is_floating else dtypes.float32
    with variable_scope(name, default_name="dense", values=[x], reuse=reuse):
        kernel = get_variable("kernel", shape=[n_in, units], dtype=dtype,
                              initializer=kernel_initializer, regularizer=kernel_regularizer,
                              trainable=trainable)
        out = matmul_last_axis(x, kernel, n_in, units)
        return bias_and_activation(out, units, dtype, use_bias, bias_initializer,
                                    bias_regularizer, trainable, activation, activity_regularizer)


def matmul_last_axis(x, kernel, n_in, units):
    """x @ kernel, applied to the last axis of an input of rank > 2 (as Dense does)."""
    if x.shape.ndims <= 2:
        return math_ops.matmul(x, kernel)
    out = math_ops.matmul(array_ops.reshape(x, [-1, n_in]), kernel)
    return array_ops.reshape(out, array_ops.concat([array_ops.shape(x)[:-1], [units]], 0))


def bias_and_activation(out, units, dtype, use_bias, bias_initializer, bias_regularizer,
                         trainable, activation, activity_regularizer, data_format="NHWC"):
    """The common tail of dense and the conv layers: bias variable, activation, activity
    loss."""
    if use_bias:
        bias = get_variable("bias", shape=[units], dtype=dtype, initializer=bias_initializer,
                            regularizer=bias_regularizer, trainable=trainable)
        out = nn_ops.bias_add(out, bias, data_format=data_format)
    if activation is not None:
        out = activation(out)
    if activity_regularizer is not None:
        _add_activity(activity_regularizer(out))
    return out


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Drop units with probability ``rate`` while ``training`` (a bool or bool tensor)."""
    from tensorflux.core.graph import name_scope
    with name_scope(name, "dropout", [inputs]):
        x = convert_to_tensor(inputs)
        if isinstance(training, bool):
            return nn_ops.dropout(x, rate=rate, noise_shape=noise_shape, seed=seed) if training else array_ops.identity(x)
        training = convert_to_tensor(training, dtype=dtypes.bool_)
        dropped = nn_ops.dropout(x, rate=rate, noise_shape=noise_shape, seed=seed)
        return array_ops.where(_broadcast_flag(training, x), dropped, x)


def _broadcast_flag(flag, like):
    """A bool scalar tensor broadcast to ``like``'s shape (for where)."""
    return array_ops.fill(array_ops.shape(like), flag)


def flatten(inputs, name=None):
    """Keep the batch dimension, flatten the rest."""
    x = convert_to_tensor(inputs)
    dims = x.shape.as_tuple()
    if dims is not None and all(d is not None for d in dims[1:]):
        return array_ops.reshape(x, [-1, int(np.prod(dims[1:], dtype=np.int64))], name=name or "flatten")
    return array_ops.reshape(x, array_ops.stack([array_ops.shape(x)[0], -1]), name=name or "flatten")


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=init_ops.zeros_initializer(),
                        gamma_initializer=init_ops.ones_initializer(),
                        moving_mean_initializer=init_ops.zeros_initializer(),
                        moving_variance_initializer=init_ops.ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, training=False,
                        trainable=True, name=None, reuse=None, renorm=False, fused=None):
    """Normalize with batch statistics while ``training``, else with moving averages.

    The moving averages are updated by ops placed in ``tf.GraphKeys.UPDATE_OPS``; run them
    with the training op (``with tf.control_dependencies(update_ops): ...``).
    """
    x = convert_to_tensor(inputs)
    ndims = x.shape.ndims
    if ndims is None:
        raise ValueError("batch_normalization needs an input of known rank")
    axis = axis % ndims
    size = x.shape.as_tuple()[axis]
    if size is None:
        raise ValueError(f"batch_normalization: dimension {axis} of {x.shape} must be known")
    reduce_axes = [i for i in range(ndims) if i != axis]
    bshape = [1] * ndims
    bshape[axis] = size
    with variable_scope(name, default_name="batch_normalization", values=[x], reuse=reuse):
        # TF1's order: gamma, beta, moving_mean, moving_variance
        gamma = get_variable("gamma", [size], x.dtype, gamma_initializer, gamma_regularizer,
                             trainable=trainable) if scale else None
        beta = get_variable("beta", [size], x.dtype, beta_initializer, beta_regularizer,
                            trainable=trainable) if center else None
        moving_mean = get_variable("moving_mean", [size], x.dtype, moving_mean_initializer,
                                   trainable=False)
        moving_var = get_variable("moving_variance", [size], x.dtype,
                                  moving_variance_initializer, trainable=False)
        batch_mean, batch_var = nn_ops.moments(x, reduce_axes)

        def normalize(mean, var):
            r = lambda t: None if t is None else array_ops.reshape(t, bshape)  # noqa: E731
            return nn_ops.batch_normalization(x, r(mean), r(var), r(beta), r(gamma), epsilon)

        if isinstance(training, bool) and not training:
            return normalize(moving_mean.value(), moving_var.value())
        decay = 1.0 - momentum
        graph = get_default_graph()
        if isinstance(training, bool):
            mean, var = batch_mean, batch_var
            new_mean = moving_mean.value() - (moving_mean.value() - batch_mean) * decay
            new_var = moving_var.value() - (moving_var.value() - batch_var) * decay
        else:  # a bool tensor: batch statistics and updates only while it is True
            training = convert_to_tensor(training, dtype=dtypes.bool_)
            mean = array_ops.where(_broadcast_flag(training, batch_mean), batch_mean, moving_mean.value())
            var = array_ops.where(_broadcast_flag(training, batch_var), batch_var, moving_var.value())
            new_mean = moving_mean.value() - (moving_mean.value() - mean) * decay
            new_var = moving_var.value() - (moving_var.value() - var) * decay
        graph.add_to_collection(GraphKeys.UPDATE_OPS, moving_mean.assign(new_mean).op)
        graph.add_to_collection(GraphKeys.UPDATE_OPS, moving_var.assign(new_var).op)
        return normalize(mean, var)
