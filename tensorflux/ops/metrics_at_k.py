"""``tf.metrics``' top-k metrics: precision, recall and average precision at k.

TF1 computes these with set operations between each row's top-k predicted class ids
and its label ids. Here labels are dense int tensors ``[D1, ... DN, num_labels]`` (or
``[D1, ... DN]`` for one label per row), and the set sizes are computed densely with
equality masks: a top-k id is a hit when it equals any label of its row; a label counts
once however often it repeats. Counts accumulate in float64 local variables named as
TF1's (``precision_at_5/true_positive_at_5``).
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import add_to_collections, name_scope
from tensorflux.ops import array_ops, math_ops, nn_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.metrics import broadcast_weights, div_no_nan, metric_variable


def _at_k_name(name, k=None, class_id=None):
    name = f"{name}_at_{k}" if k is not None else f"{name}_at_k"
    return f"{name}_class{class_id}" if class_id is not None else name


def _expand_labels(labels, predictions_idx):
    """Labels of rank one less than the predictions get a last dimension of 1."""
    labels = math_ops.cast(convert_to_tensor(labels), dtypes.int64)
    lr, pr = labels.shape.ndims, predictions_idx.shape.ndims
    if lr is None or pr is None:
        raise ValueError("top-k metrics need labels and predictions of known rank")
    if pr == lr:
        return labels
    if pr == lr + 1:
        return array_ops.expand_dims(labels, -1)
    raise ValueError(f"Unexpected labels shape {labels.shape} for predictions shape "
                     f"{predictions_idx.shape}.")


def _any(x, axis):
    return math_ops.reduce_any(x, axis=axis)


def _count(x):
    return math_ops.reduce_sum(math_ops.cast(x, dtypes.float64), axis=-1)


def _per_row_counts(labels, top_k_idx, class_id):
    """Per row: (true positives, false positives, false negatives) as float64."""
    if class_id is not None:
        predicted = _any(math_ops.equal(top_k_idx, class_id), -1)
        labelled = _any(math_ops.equal(labels, class_id), -1)
        hit = math_ops.logical_and(predicted, labelled)
        cast = lambda b: math_ops.cast(b, dtypes.float64)  # noqa: E731
        return (cast(hit), cast(math_ops.logical_and(predicted, math_ops.logical_not(labelled))),
                cast(math_ops.logical_and(labelled, math_ops.logical_not(predicted))))
    match = math_ops.equal(array_ops.expand_dims(top_k_idx, -1),
                           array_ops.expand_dims(labels, -2))       # [..., k, num_labels]
    predicted_hit = _any(match, -1)                                  # [..., k]
    label_found = _any(match, -2)                                    # [..., num_labels]
    n = array_ops.shape(labels)[-1]
    earlier = math_ops.less(array_ops.expand_dims(array_ops.range(n), 0),
                            array_ops.expand_dims(array_ops.range(n), 1))  # [l, m]: m < l
    repeats = _any(math_ops.logical_and(
        math_ops.equal(array_ops.expand_dims(labels, -1), array_ops.expand_dims(labels, -2)),
        earlier), -1)
    first = math_ops.logical_not(repeats)
    tp = _count(predicted_hit)
    return (tp, _count(math_ops.logical_not(predicted_hit)),
            _count(math_ops.logical_and(first, math_ops.logical_not(label_found))))


def _streaming_count(per_row, weights, k, class_id, what):
    with name_scope(None, _at_k_name(what, k, class_id=class_id)) as scope:
        if weights is not None:
            per_row = math_ops.multiply(per_row, broadcast_weights(
                math_ops.cast(weights, dtypes.float64), per_row))
        var = metric_variable([], dtypes.float64, name=scope)
        return var.value(), var.assign_add(math_ops.reduce_sum(per_row), name="update")


def _ratio_at_top_k(kind, labels, predictions_idx, k, class_id, weights,
                    metrics_collections, updates_collections, name):
    with name_scope(name, _at_k_name(kind, k, class_id=class_id)) as scope:
        top_k_idx = math_ops.cast(convert_to_tensor(predictions_idx), dtypes.int64)
        labels = _expand_labels(labels, top_k_idx)
        tp_row, fp_row, fn_row = _per_row_counts(labels, top_k_idx, class_id)
        tp, tp_update = _streaming_count(tp_row, weights, k, class_id, "true_positive")
        if kind == "precision":
            other, other_update = _streaming_count(fp_row, weights, k, class_id, "false_positive")
        else:
            other, other_update = _streaming_count(fn_row, weights, k, class_id, "false_negative")
        value = math_ops.truediv(tp, math_ops.add(tp, other), name=scope)
        update = math_ops.truediv(tp_update, math_ops.add(tp_update, other_update), name="update")
        if metrics_collections:
            add_to_collections(metrics_collections, value)
        if updates_collections:
            add_to_collections(updates_collections, update)
        return value, update


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                       metrics_collections=None, updates_collections=None, name=None):
    """Precision of the given top-k class ids ``predictions_idx`` ([..., k]): true
    positives / predictions (for one class only with ``class_id``; NaN when undefined,
    as TF1)."""
    return _ratio_at_top_k("precision", labels, predictions_idx, k, class_id, weights,
                           metrics_collections, updates_collections, name)


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                    metrics_collections=None, updates_collections=None, name=None):
    """Recall of the given top-k class ids: true positives / distinct labels (NaN when
    undefined, as TF1)."""
    return _ratio_at_top_k("recall", labels, predictions_idx, k, class_id, weights,
                           metrics_collections, updates_collections, name)


def precision_at_k(labels, predictions, k, class_id=None, weights=None,
                   metrics_collections=None, updates_collections=None, name=None):
    """Precision of the ``k`` highest-scoring classes of ``predictions`` ([..., classes])
    against ``labels`` (class ids)."""
    with name_scope(name, _at_k_name("precision", k, class_id=class_id)) as scope:
        _, top_k_idx = nn_ops.top_k(predictions, k)
        return precision_at_top_k(labels, top_k_idx, k, class_id, weights,
                                  metrics_collections, updates_collections, scope)


sparse_precision_at_k = precision_at_k


def recall_at_k(labels, predictions, k, class_id=None, weights=None,
                metrics_collections=None, updates_collections=None, name=None):
    """Recall of the ``k`` highest-scoring classes of ``predictions`` against ``labels``."""
    with name_scope(name, _at_k_name("recall", k, class_id=class_id)) as scope:
        _, top_k_idx = nn_ops.top_k(predictions, k)
        return recall_at_top_k(labels, top_k_idx, k, class_id, weights,
                               metrics_collections, updates_collections, scope)


def _cumsum_last(x, k):
    """Cumulative sum over the last axis (of static size k) as a matmul."""
    upper = constant(np.triu(np.ones((k, k))), x.dtype)
    flat = array_ops.reshape(x, [-1, k])
    return array_ops.reshape(math_ops.matmul(flat, upper), array_ops.shape(x))


def _average_precision(labels, top_k_idx, k):
    """Per row: the sum over hits at rank i of precision@i, / min(k, labels >= 0)."""
    labels = _expand_labels(labels, top_k_idx)
    hits = math_ops.cast(_any(math_ops.equal(array_ops.expand_dims(top_k_idx, -1),
                                             array_ops.expand_dims(labels, -2)), -1),
                         dtypes.float64)                                  # [..., k]
    precision_per_k = _cumsum_last(hits, k) / _cumsum_last(array_ops.ones_like(hits), k)
    precision_sum = math_ops.reduce_sum(precision_per_k * hits, axis=-1)
    num_labels = math_ops.reduce_sum(math_ops.cast(math_ops.greater_equal(labels, 0),
                                                   dtypes.float64), axis=-1)
    return math_ops.truediv(precision_sum, math_ops.minimum(num_labels, float(k)))


def average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                           updates_collections=None, name=None):
    """The mean over rows of average precision at ``k``: for each row, the precision at
    each rank i <= k where the i-th prediction is a label, summed and divided by
    min(k, number of labels)."""
    if k < 1:
        raise ValueError(f"Invalid k={k}.")
    with name_scope(name, _at_k_name("average_precision", k)) as scope:
        _, top_k_idx = nn_ops.top_k(predictions, k)
        top_k_idx = math_ops.cast(top_k_idx, dtypes.int64)
        ap = _average_precision(labels, top_k_idx, k)
        if weights is not None:
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float64), ap)
            ap = math_ops.multiply(ap, weights)
        with name_scope(None, "max") as max_scope:
            max_var = metric_variable([], dtypes.float64, name=max_scope)
            batch_max = (math_ops.cast(array_ops.size(ap), dtypes.float64) if weights is None
                         else math_ops.reduce_sum(weights, name="batch_max"))
            max_update = max_var.assign_add(batch_max, name="update")
        with name_scope(None, "total") as total_scope:
            total_var = metric_variable([], dtypes.float64, name=total_scope)
            total_update = total_var.assign_add(math_ops.reduce_sum(ap, name="batch_total"),
                                                name="update")
        value = div_no_nan(total_var.value(), max_var.value(), name="mean")
        update = div_no_nan(total_update, max_update, name=scope)
        if metrics_collections:
            add_to_collections(metrics_collections, value)
        if updates_collections:
            add_to_collections(updates_collections, update)
        return value, update


sparse_average_precision_at_k = average_precision_at_k
