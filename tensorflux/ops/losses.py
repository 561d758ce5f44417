"""``tf.losses``: losses that reduce with TF1's default (mean over non-zero weights) and
add themselves to the ``losses`` collection; regularization and total loss."""
from __future__ import annotations

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

