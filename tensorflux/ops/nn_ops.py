"""Neural-network ops (``tf.nn``): activations, softmax and cross entropies, bias_add,
top-k, each with its gradient and a numerically stable kernel (convolution and pooling:
``conv_ops``)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops, random_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import same_shape


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _float_input(x, what):
    x = convert_to_tensor(x, preferred_dtype="float32")
    if not x.dtype.is_floating:
        raise TypeError(f"{what} needs a float tensor, got {x.dtype.name} ({x.name})")
    return x


# --- activations -------------------------------------------------------------------------
for _name in ("Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign"):
    defop(_name, ("features",), shape_fn=same_shape)
defop("LeakyRelu", ("features",), attrs={"alpha": 0.2}, shape_fn=same_shape)
defop("ReluGrad", ("gradients", "features"), shape_fn=same_shape,
      doc="gradients * (features > 0): the fused backward of Relu.")


def relu(features, name=None):
    return _op("Relu", [_float_input(features, "relu")], name=name).outputs[0]


def relu6(features, name=None):
    return _op("Relu6", [_float_input(features, "relu6")], name=name).outputs[0]


def elu(features, name=None):
    return _op("Elu", [_float_input(features, "elu")], name=name).outputs[0]


def selu(features, name=None):
    return _op("Selu", [_float_input(features, "selu")], name=name).outputs[0]


def softplus(features, name=None):
    return _op("Softplus", [_float_input(features, "softplus")], name=name).outputs[0]


def softsign(features, name=None):
    return _op("Softsign", [_float_input(features, "softsign")], name=name).outputs[0]


def leaky_relu(features, alpha=0.2, name=None):
    return _op("LeakyRelu", [_float_input(features, "leaky_relu")], {"alpha": float(alpha)},
               name=name).outputs[0]


def crelu(features, name=None, axis=-1):
    """Concatenated ReLU: relu(x) and relu(-x) side by side along ``axis``."""
    with name_scope(name, "CRelu", [features]) as scope:
        x = _float_input(features, "crelu")
        return relu(array_ops.concat([x, -x], axis=axis), name=scope)


@gradient("Relu")
def _relu_grad(op, grad):
    return [_op("ReluGrad", [grad, op.outputs[0]]).outputs[0]]


@gradient("ReluGrad")
def _relu_grad_grad(op, grad):
    y = op.inputs[1]
    return [_op("ReluGrad", [grad, y]).outputs[0], array_ops.zeros_like(y)]


@gradient("Relu6")
def _relu6_grad(op, grad):
    x = op.inputs[0]
    inside = math_ops.cast(math_ops.logical_and(math_ops.greater(x, 0.0), math_ops.less(x, 6.0)), grad.dtype)
    return [grad * inside]


@gradient("LeakyRelu")
def _leaky_relu_grad(op, grad):
    x = op.inputs[0]
    positive = math_ops.cast(math_ops.greater(x, 0.0), grad.dtype)
    return [grad * (positive + (1 - positive) * op.attrs["alpha"])]


@gradient("Elu")
def _elu_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    return [array_ops.where(math_ops.greater(x, 0.0), grad, grad * (y + 1))]


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


@gradient("Selu")
def _selu_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    return [array_ops.where(math_ops.greater(x, 0.0), grad * SELU_SCALE, grad * (y + SELU_SCALE * SELU_ALPHA))]


@gradient("Softplus")
def _softplus_grad(op, grad):
    return [grad * math_ops.sigmoid(op.inputs[0])]


@gradient("Softsign")
def _softsign_grad(op, grad):
    x = op.inputs[0]
    return [grad / math_ops.square(1 + math_ops.abs(x))]


# --- softmax and cross entropy ---------------------------------------------------------
def _rank_at_least_1(op):
    if op.inputs[0].shape.ndims == 0:
        raise ValueError(f"{op.type} needs logits of rank >= 1, got a scalar")
    return [op.inputs[0].shape]


def _last_axis_softmax(name):
    defop(name, ("logits",), shape_fn=_rank_at_least_1, doc=f"{name} over the last axis (stable).")


_last_axis_softmax("Softmax")
_last_axis_softmax("LogSoftmax")


def _move_axis_last(x, axis):
    rank = x.shape.ndims
    if axis in (-1, None) or (rank is not None and axis == rank - 1):
        return x, None
    if rank is None:
        raise ValueError("softmax over a non-last axis needs a known rank")
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return array_ops.transpose(x, perm), perm


def _softmax_like(op_type, logits, axis, name, dim):
    axis = dim if axis is None and dim is not None else (-1 if axis is None else axis)
    x = _float_input(logits, op_type.lower())
    moved, perm = _move_axis_last(x, axis)
    if perm is None:
        return _op(op_type, [moved], name=name).outputs[0]
    with name_scope(name, op_type) as scope:
        return array_ops.transpose(_op(op_type, [moved]).outputs[0], perm, name=scope)


def softmax(logits, axis=None, name=None, dim=None):
    return _softmax_like("Softmax", logits, axis, name, dim)


def log_softmax(logits, axis=None, name=None, dim=None):
    return _softmax_like("LogSoftmax", logits, axis, name, dim)


@gradient("Softmax")
def _softmax_grad(op, grad):
    y = op.outputs[0]
    return [(grad - math_ops.reduce_sum(grad * y, axis=-1, keepdims=True)) * y]


@gradient("LogSoftmax")
def _log_softmax_grad(op, grad):
    y = op.outputs[0]
    return [grad - math_ops.exp(y) * math_ops.reduce_sum(grad, axis=-1, keepdims=True)]


def _xent_shapes(op):
    logits = op.inputs[0].shape
    dims = logits.as_tuple()
    batch = TensorShape(None) if dims is None else TensorShape(dims[:-1])
    labels = op.inputs[1].shape
    if dims is not None and labels.ndims is not None:
        want = len(dims) - 1 if op.type.startswith("Sparse") else len(dims)
        if labels.ndims != want or not labels.is_compatible_with(dims[:want]):
            raise ValueError(f"{op.type}: labels of shape {labels} do not match logits of "
                             f"shape {logits}")
    return [batch, logits]


defop("SparseSoftmaxCrossEntropyWithLogits", ("features", "labels"), num_outputs=2,
      dtype_fn=lambda op: [op.inputs[0].dtype] * 2, shape_fn=_xent_shapes,
      doc="Cross entropy of softmax(features) against integer labels; second output is "
          "its gradient (softmax - onehot), computed in the same pass.")
defop("SoftmaxCrossEntropyWithLogits", ("features", "labels"), num_outputs=2,
      dtype_fn=lambda op: [op.inputs[0].dtype] * 2, shape_fn=_xent_shapes,
      doc="Cross entropy of softmax(features) against a probability distribution.")


def _broadcast_rows(grad, backprop):
    return array_ops.expand_dims(grad, -1) * backprop


@gradient("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent_grad(op, grad, _unused_backprop_grad):
    return [_broadcast_rows(grad, op.outputs[1]), None]


@gradient("SoftmaxCrossEntropyWithLogits")
def _xent_grad(op, grad, _unused_backprop_grad):
    logits, labels = op.inputs
    g_logits = _broadcast_rows(grad, op.outputs[1])
    g_labels = _broadcast_rows(grad, -log_softmax(logits))
    return [g_logits, g_labels]


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Per-example cross entropy of softmax(logits) with integer class ``labels``."""
    if _sentinel is not None:
        raise ValueError("Only call sparse_softmax_cross_entropy_with_logits with named "
                         "arguments (labels=..., logits=...)")
    logits = _float_input(logits, "sparse_softmax_cross_entropy_with_logits")
    labels = convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise TypeError(f"labels must be integers (class indices), got {labels.dtype.name}")
    return _op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels], name=name).outputs[0]


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, dim=-1,
                                         name=None, axis=None):
    """Per-example cross entropy of softmax(logits) with distributions ``labels``
    (gradients flow into labels too)."""
    if _sentinel is not None:
        raise ValueError("Only call softmax_cross_entropy_with_logits with named arguments")
    logits = _float_input(logits, "softmax_cross_entropy_with_logits")
    labels = math_ops.cast(convert_to_tensor(labels), logits.dtype)
    axis = dim if axis is None else axis
    if axis not in (-1, (logits.shape.ndims or 0) - 1):
        logits, _ = _move_axis_last(logits, axis)
        labels, _ = _move_axis_last(labels, axis)
    return _op("SoftmaxCrossEntropyWithLogits", [logits, labels], name=name).outputs[0]


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None):
    """TF1's v1: like ``_v2`` but no gradient flows into ``labels``."""
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = array_ops.stop_gradient(convert_to_tensor(labels))
        return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, dim=dim,
                                                    name=scope)


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)): stable for any logit."""
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        x = _float_input(logits, "sigmoid_cross_entropy_with_logits")
        z = convert_to_tensor(labels, dtype=x.dtype)
        if not x.shape.is_compatible_with(z.shape):
            raise ValueError(f"logits and labels must have the same shape ({x.shape} vs {z.shape})")
        return math_ops.add(relu(x) - x * z, math_ops.log1p(math_ops.exp(-math_ops.abs(x))),
                            name=scope)


# --- bias, l2, moments, normalize -----------------------------------------------------------
def _channel_axis(op, ndims):
    """The bias axis: the last, or the second (NCHW) for inputs of rank >= 3."""
    return 1 if op.attrs.get("data_format") == "NCHW" and ndims >= 3 else ndims - 1


def _bias_add_shape(op):
    value, bias = op.inputs[0].shape, op.inputs[1].shape
    if bias.ndims not in (None, 1):
        raise ValueError(f"bias must be 1-D, got shape {bias}")
    if value.ndims is not None and bias.ndims == 1:
        axis = _channel_axis(op, value.ndims)
        if not TensorShape([value.as_tuple()[axis]]).is_compatible_with(bias):
            raise ValueError(f"bias of shape {bias} does not match dimension {axis} of {value}")
    return [value]


def _bias_add_grad_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    return [TensorShape([dims[_channel_axis(op, len(dims))]] if dims is not None else [None])]


defop("BiasAdd", ("value", "bias"), attrs={"data_format": "NHWC"}, shape_fn=_bias_add_shape,
      doc="value + bias along the channels (the last axis, or axis 1 with NCHW).")
defop("BiasAddGrad", ("out_backprop",), attrs={"data_format": "NHWC"},
      shape_fn=_bias_add_grad_shape, doc="Sum of out_backprop over every axis but the channels.")


def bias_add(value, bias, data_format=None, name=None):
    value = convert_to_tensor(value)
    bias = convert_to_tensor(bias, dtype=value.dtype)
    fmt = data_format or "NHWC"
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    return _op("BiasAdd", [value, bias], {"data_format": fmt}, name=name).outputs[0]


@gradient("BiasAdd")
def _bias_add_grad(op, grad):
    return [grad, _op("BiasAddGrad", [grad], dict(op.attrs)).outputs[0]]


@gradient("BiasAddGrad")
def _bias_add_grad_grad(op, grad):
    x = op.inputs[0]
    if op.attrs.get("data_format") == "NCHW" and (x.shape.ndims or 0) >= 3:
        grad = array_ops.reshape(grad, [-1] + [1] * (x.shape.ndims - 2))
    return [array_ops.broadcast_like(grad, x)]


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    with name_scope(name, "L2Loss", [t]) as scope:
        t = convert_to_tensor(t)
        return math_ops.multiply(math_ops.reduce_sum(math_ops.square(t)), 0.5, name=scope)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of x over ``axes``."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "moments", [x]):
        x = convert_to_tensor(x)
        mean = math_ops.reduce_mean(x, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(math_ops.squared_difference(x, array_ops.stop_gradient(mean)),
                                        axes, keepdims=True, name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, list(axes))
            variance = array_ops.squeeze(variance, list(axes))
        return mean, variance


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2), epsilon)) along ``axis``."""
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x)
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        inv = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, inv, name=scope)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + eps) + offset."""
    with name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        return x * inv + ((offset - mean * inv) if offset is not None else -mean * inv)


# --- dropout --------------------------------------------------------------------------------
def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability 1 - keep_prob and scale the rest by 1/keep_prob."""
    if (keep_prob is None) == (rate is None):
        raise ValueError("dropout needs exactly one of keep_prob and rate")
    with name_scope(name, "dropout", [x]) as scope:
        x = _float_input(x, "dropout")
        if rate is not None:
            keep_prob = 1 - rate if not hasattr(rate, "op") else 1 - convert_to_tensor(rate, dtype=x.dtype)
        if isinstance(keep_prob, (int, float)):
            if not 0 < keep_prob <= 1:
                raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
            if keep_prob == 1:
                return x
        keep = convert_to_tensor(keep_prob, dtype=x.dtype, name="keep_prob")
        shape = noise_shape if noise_shape is not None else array_ops.shape(x)
        noise = random_ops.random_uniform(shape, seed=seed, dtype=x.dtype)
        mask = math_ops.floor(keep + noise)
        return math_ops.multiply(math_ops.divide(x, keep), mask, name=scope)


# --- top-k ----------------------------------------------------------------------------------
defop("InTopK", ("predictions", "targets"), attrs={"k": 1}, dtype_fn=lambda op: [dtypes.bool_],
      shape_fn=lambda op: [op.inputs[1].shape])


def _top_k_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    shape = TensorShape(None) if dims is None else TensorShape(dims[:-1] + (op.attrs["k"],))
    return [shape, shape]


defop("TopKV2", ("input",), attrs={"k": 1, "sorted": True}, num_outputs=2,
      dtype_fn=lambda op: [op.inputs[0].dtype, dtypes.int32], shape_fn=_top_k_shape)
not_differentiable("InTopK")


def in_top_k(predictions, targets, k, name=None):
    """Whether each target class is among the k highest predictions (ties count in)."""
    p = convert_to_tensor(predictions)
    t = convert_to_tensor(targets)
    if not t.dtype.is_integer:
        raise TypeError(f"in_top_k targets must be integers, got {t.dtype.name}")
    return _op("InTopK", [p, t], {"k": int(k)}, name=name).outputs[0]


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF1 signature
    """(values, indices) of the k largest entries along the last axis."""
    x = convert_to_tensor(input)
    op = _op("TopKV2", [x], {"k": int(k), "sorted": bool(sorted)}, name=name)
    return op.outputs[0], op.outputs[1]


@gradient("TopKV2")
def _top_k_grad(op, grad, _indices_grad):
    x = op.inputs[0]
    return [_op("TopKGrad", [grad, op.outputs[1], x]).outputs[0]]


defop("TopKGrad", ("grad", "indices", "like"), shape_fn=lambda op: [op.inputs[2].shape],
      dtype_fn=lambda op: [op.inputs[0].dtype],
      doc="Scatter the top-k gradient back to the positions it came from.")


@gradient("TopKGrad")
def _top_k_grad_grad(op, grad):
    from tensorflux.ops.math_ops import cast
    indices = op.inputs[1]
    return [_op("GatherLastAxis", [grad, cast(indices, dtypes.int64)]).outputs[0], None, None]


defop("GatherLastAxis", ("params", "indices"), shape_fn=lambda op: [op.inputs[1].shape],
      dtype_fn=lambda op: [op.inputs[0].dtype])


@gradient("GatherLastAxis")
def _gather_last_grad(op, grad):
    return [_op("TopKGrad", [grad, op.inputs[1], op.inputs[0]]).outputs[0], None]
