"""``tf.losses``: losses that reduce with TF1's default (mean over non-zero weights) and
add themselves to the ``losses`` collection; regularization and total loss."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, get_default_graph, name_scope
from tensorflux.ops import array_ops, math_ops, nn_ops
from tensorflux.ops.constant_op import convert_to_tensor


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with name_scope(scope, "weighted_loss", [losses, weights]):
        losses = convert_to_tensor(losses)
        weights = math_ops.cast(convert_to_tensor(weights), losses.dtype)
        weighted = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            total = math_ops.reduce_sum(weighted)
            if reduction == Reduction.SUM:
                loss = total
            else:
                full = weights * array_ops.ones_like(losses)
                if reduction == Reduction.MEAN:
                    denom = math_ops.reduce_sum(full)
                elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                    denom = math_ops.cast(array_ops.size(losses), losses.dtype)
                else:
                    denom = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(full, 0), losses.dtype))
                loss = _safe_divide(total, denom)
        if loss_collection:
            get_default_graph().add_to_collection(loss_collection, loss)
        return loss


def _safe_divide(numerator, denominator):
    """numerator / denominator, or 0 where the denominator is 0."""
    safe = array_ops.where(math_ops.greater(denominator, 0), denominator,
                           array_ops.ones_like(denominator))
    return array_ops.where(math_ops.greater(denominator, 0), numerator / safe,
                           array_ops.zeros_like(numerator), name="value")


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with name_scope(scope, "mean_squared_error", [predictions, labels]) as s:
        predictions = convert_to_tensor(predictions)
        labels = math_ops.cast(convert_to_tensor(labels), predictions.dtype)
        _check_shapes(labels, predictions)
        return compute_weighted_loss(math_ops.squared_difference(predictions, labels), weights, s,
                                     loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with name_scope(scope, "log_loss", [predictions, labels]) as s:
        p = convert_to_tensor(predictions)
        y = math_ops.cast(convert_to_tensor(labels), p.dtype)
        _check_shapes(y, p)
        losses = -y * math_ops.log(p + epsilon) - (1 - y) * math_ops.log(1 - p + epsilon)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with name_scope(scope, "sparse_softmax_cross_entropy_loss", [logits, labels]) as s:
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                                 name="xentropy")
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with name_scope(scope, "softmax_cross_entropy_loss", [logits, onehot_labels]) as s:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(onehot_labels), logits.dtype)
        if label_smoothing:
            n = math_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            labels = labels * (1 - label_smoothing) + label_smoothing / n
        losses = nn_ops.softmax_cross_entropy_with_logits_v2(
            labels=array_ops.stop_gradient(labels), logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with name_scope(scope, "sigmoid_cross_entropy_loss", [logits, multi_class_labels]) as s:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(multi_class_labels), logits.dtype)
        if label_smoothing:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def _check_shapes(labels, predictions):
    if not labels.shape.is_compatible_with(predictions.shape):
        raise ValueError(f"Shapes {labels.shape} and {predictions.shape} are incompatible "
                         f"(labels {labels.name}, predictions {predictions.name})")


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 if there are none)."""
    losses = get_regularization_losses(scope)
    if not losses:
        from tensorflux.ops.constant_op import constant
        return constant(0.0, name=name)
    return math_ops.add_n(losses, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the ``losses`` collection (and of the regularization losses)."""
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses found in the losses collection.")
    return math_ops.add_n(losses, name=name)


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)



def _float_pair(labels, predictions):
    predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.float32)
    labels = math_ops.cast(convert_to_tensor(labels), dtypes.float32)
    _check_shapes(labels, predictions)
    return labels, predictions


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """|predictions - labels|, weighted and reduced."""
    with name_scope(scope, "absolute_difference", [predictions, labels]) as s:
        labels, predictions = _float_pair(labels, predictions)
        return compute_weighted_loss(math_ops.abs(predictions - labels), weights, s,
                                     loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """1 - sum(labels * predictions) along ``axis`` (inputs unit-normalized)."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    with name_scope(scope, "cosine_distance_loss", [predictions, labels]) as s:
        labels, predictions = _float_pair(labels, predictions)
        losses = 1 - math_ops.reduce_sum(predictions * labels, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """max(0, 1 - y * logits) with 0/1 labels mapped to y = -1/+1."""
    with name_scope(scope, "hinge_loss", [logits, labels]) as s:
        labels, logits = _float_pair(labels, logits)
        signs = 2 * labels - 1
        return compute_weighted_loss(nn_ops.relu(1 - signs * logits), weights, s,
                                     loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """0.5 x^2 for |x| <= delta, else delta (|x| - delta / 2), with x = predictions - labels."""
    with name_scope(scope, "huber_loss", [predictions, labels]) as s:
        labels, predictions = _float_pair(labels, predictions)
        error = math_ops.abs(predictions - labels)
        quadratic = math_ops.minimum(error, delta)
        linear = error - quadratic  # gradient 0 at |x| == delta, unlike maximum(|x| - delta, 0)
        losses = 0.5 * quadratic * quadratic + delta * linear
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None,
                                loss_collection=GraphKeys.LOSSES):
    """Per example, the mean over pairs of its elements of ((p_i - p_j) - (l_i - l_j))^2
    (counting the elements with non-zero weight), weighted and summed over the batch."""
    with name_scope(scope, "mean_pairwise_squared_error", [predictions, labels]) as s:
        labels, predictions = _float_pair(labels, predictions)
        diffs = predictions - labels
        rank = diffs.shape.ndims
        if rank is None or rank < 2:
            raise ValueError(f"mean_pairwise_squared_error needs [batch, ...] inputs of known "
                             f"rank >= 2, got {diffs.shape}")
        weights = math_ops.cast(convert_to_tensor(weights), dtypes.float32)
        if weights.shape.ndims == 1:
            weights = array_ops.reshape(weights, [-1] + [1] * (rank - 1))
        axes = list(range(1, rank))
        present = array_ops.where(math_ops.equal(weights, 0.0), array_ops.zeros_like(weights),
                                  array_ops.ones_like(weights)) * array_ops.ones_like(diffs)
        n = math_ops.reduce_sum(present, axis=axes, keepdims=True)
        term1 = 2.0 * _div_no_nan(math_ops.reduce_sum(math_ops.square(diffs), axis=axes,
                                                      keepdims=True), math_ops.maximum(n - 1, 0.0))
        term2 = 2.0 * _div_no_nan(math_ops.square(math_ops.reduce_sum(diffs, axis=axes,
                                                                      keepdims=True)),
                                  math_ops.maximum(n * (n - 1), 0.0))
        loss = math_ops.reduce_sum((term1 - term2) * weights)
        loss = array_ops.where(math_ops.greater(math_ops.reduce_sum(n), 0), loss,
                               array_ops.zeros_like(loss), name=s)
        add_loss(loss, loss_collection)
        return loss


def _div_no_nan(x, y):
    from tensorflux.ops.metrics import div_no_nan
    return div_no_nan(x, y)
