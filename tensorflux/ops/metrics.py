"""``tf.metrics``: TF1's streaming metrics, computed as TF1's ``metrics_impl`` does.

Each metric returns ``(value, update_op)``. Its state lives in local variables (in the
``local_variables`` and ``metric_variables`` collections, named like TF1's:
``accuracy/total``, ``auc/true_positives``, ...), so ``tf.local_variables_initializer()``
resets it; every run of ``update_op`` adds one batch and returns the metric including
that batch, and ``value`` reads the metric so far. The top-k metrics are in
``tensorflux.ops.metrics_at_k``.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, add_to_collections, control_dependencies
from tensorflux.ops import array_ops, check_ops, math_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.variable_scope import variable_scope
from tensorflux.ops.variables import Variable


# --- shared pieces --------------------------------------------------------------------------
def metric_variable(shape, dtype, validate_shape=True, name=None):
    """A zero-initialized local variable in LOCAL_VARIABLES and METRIC_VARIABLES."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


def _collect(keys, value):
    if keys:
        add_to_collections(keys, value)


def div_no_nan(x, y, name=None):
    """x / y, and 0 where y is 0 (TF's ``div_no_nan``)."""
    zero = math_ops.equal(y, 0)
    safe = array_ops.where(zero, array_ops.ones_like(y), y)
    return array_ops.where(zero, array_ops.zeros_like(x), x / safe, name=name)


def _squeeze_last(a, b):
    """TF's remove_squeezable_dimensions: drop the last dim of ``a`` or ``b`` when it is
    1 and their ranks differ by one (static ranks only)."""
    ra, rb = a.shape.ndims, b.shape.ndims
    if ra is not None and rb is not None:
        if ra - rb == 1 and a.shape.as_tuple()[-1] in (1, None):
            a = array_ops.squeeze(a, [-1])
        elif rb - ra == 1 and b.shape.as_tuple()[-1] in (1, None):
            b = array_ops.squeeze(b, [-1])
    return a, b


def remove_squeezable_dimensions(predictions, labels, weights):
    """Match the ranks of predictions, labels and weights as TF1's metrics do."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels = convert_to_tensor(labels)
        predictions, labels = _squeeze_last(predictions, labels)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible "
                             f"(predictions {predictions.name}, labels {labels.name})")
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    rw, rp = weights.shape.ndims, predictions.shape.ndims
    if rw and rp is not None and rw is not None:
        if rw - rp == 1:
            weights = array_ops.squeeze(weights, [-1])
        elif rp - rw == 1:
            weights = array_ops.expand_dims(weights, -1)
    return predictions, labels, weights


def broadcast_weights(weights, values):
    """``weights`` broadcast to the shape of ``values``: a scalar, or of the same rank
    with each dimension 1 or equal (ValueError otherwise, as TF1's check)."""
    weights, values = convert_to_tensor(weights), convert_to_tensor(values)
    w, v = weights.shape.as_tuple(), values.shape.as_tuple()
    if w is not None and v is not None and w != ():
        if len(w) != len(v) or any(a not in (1, None) and b is not None and a != b
                                   for a, b in zip(w, v)):
            raise ValueError(f"weights can not be broadcast to values. values.rank={len(v)}. "
                             f"weights.rank={len(w)}. values.shape={values.shape}. "
                             f"weights.shape={weights.shape}.")
    return weights * array_ops.ones_like(values)


# --- means --------------------------------------------------------------------------------
def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of ``values`` over all batches: ``total / count``."""
    with variable_scope(name, "mean", [values, weights]):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total = metric_variable([], dtypes.float32, name="total")
        count = metric_variable([], dtypes.float32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = remove_squeezable_dimensions(values, None, weights)
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = total.assign_add(math_ops.reduce_sum(values))
        with control_dependencies([values]):
            update_count = count.assign_add(num_values)
        value = div_no_nan(total.value(), math_ops.maximum(count.value(), 0.0), name="value")
        update = div_no_nan(update_total, math_ops.maximum(update_count, 0.0), name="update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None,
                name=None):
    """The element-wise mean of ``values`` over all batches (a tensor of their shape)."""
    with variable_scope(name, "mean", [values, weights]):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total = metric_variable(values.shape, dtypes.float32, name="total_tensor")
        count = metric_variable(values.shape, dtypes.float32, name="count_tensor")
        num_values = array_ops.ones_like(values)
        if weights is not None:
            values, _, weights = remove_squeezable_dimensions(values, None, weights)
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = total.assign_add(values)
        with control_dependencies([values]):
            update_count = count.assign_add(num_values)
        value = div_no_nan(total.value(), math_ops.maximum(count.value(), 0.0), name="value")
        update = div_no_nan(update_total, math_ops.maximum(update_count, 0.0), name="update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The fraction of ``predictions`` equal to ``labels``."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    if labels.dtype != predictions.dtype:
        predictions = math_ops.cast(predictions, labels.dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections,
                name or "accuracy")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    errors = math_ops.abs(predictions - labels)
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_absolute_error")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    errors = math_ops.squared_difference(labels, predictions)
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_squared_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """sqrt of the streaming mean squared error."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None,
                                         name or "root_mean_squared_error")
    rmse, update = math_ops.sqrt(mse), math_ops.sqrt(update_mse)
    _collect(metrics_collections, rmse)
    _collect(updates_collections, update)
    return rmse, update


def mean_relative_error(labels, predictions, normalizer, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """The mean of |labels - predictions| / normalizer (0 where normalizer is 0)."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    predictions, normalizer = _squeeze_last(predictions, convert_to_tensor(normalizer))
    if not predictions.shape.is_compatible_with(normalizer.shape):
        raise ValueError(f"Shapes {predictions.shape} and {normalizer.shape} are incompatible "
                         f"(predictions and normalizer)")
    relative = div_no_nan(math_ops.abs(labels - predictions), normalizer)
    return mean(relative, weights, metrics_collections, updates_collections,
                name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """1 - the mean of sum(labels * predictions) along ``dim`` (inputs unit-normalized)."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    radial = math_ops.reduce_sum(math_ops.multiply(predictions, labels), axis=[dim],
                                 keepdims=True)
    distance, update = mean(radial, weights, None, None, name or "mean_cosine_distance")
    distance, update = math_ops.subtract(1.0, distance), math_ops.subtract(1.0, update)
    _collect(metrics_collections, distance)
    _collect(updates_collections, update)
    return distance, update


def percentage_below(values, threshold, weights=None, metrics_collections=None,
                     updates_collections=None, name=None):
    """The fraction of ``values`` below ``threshold``."""
    below = math_ops.cast(math_ops.less(values, threshold), dtypes.float32)
    return mean(below, weights, metrics_collections, updates_collections,
                name or "percentage_below_threshold")


# --- counts, precision and recall ------------------------------------------------------------
def _count_condition(values, weights, metrics_collections, updates_collections):
    check_ops.assert_type(values, dtypes.bool_)
    count = metric_variable([], dtypes.float32, name="count")
    values = math_ops.cast(values, dtypes.float32)
    if weights is not None:
        weights = convert_to_tensor(weights)
        if weights.shape.ndims not in (None, 0, values.shape.ndims):
            raise ValueError(f"weights of shape {weights.shape} must be a scalar or have the "
                             f"rank of the values, {values.shape}")
        values = math_ops.multiply(values, math_ops.cast(weights, dtypes.float32))
    value = array_ops.identity(count.value())
    update = count.assign_add(math_ops.reduce_sum(values))
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def _confusion_count(default_name, want_label, want_prediction):
    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with variable_scope(name, default_name, [predictions, labels, weights]):
            predictions, labels, weights = remove_squeezable_dimensions(
                math_ops.cast(convert_to_tensor(predictions), dtypes.bool_),
                math_ops.cast(convert_to_tensor(labels), dtypes.bool_), weights)
            hit = math_ops.logical_and(math_ops.equal(labels, want_label),
                                       math_ops.equal(predictions, want_prediction))
            return _count_condition(hit, weights, metrics_collections, updates_collections)
    metric.__name__ = default_name
    metric.__doc__ = (f"The (weighted) number of entries with label {want_label} and "
                      f"prediction {want_prediction} (non-zero counts as True).")
    return metric


true_positives = _confusion_count("true_positives", True, True)
false_positives = _confusion_count("false_positives", False, True)
true_negatives = _confusion_count("true_negatives", False, False)
false_negatives = _confusion_count("false_negatives", True, False)


def _ratio_of_counts(default_name, other):
    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with variable_scope(name, default_name, [predictions, labels, weights]):
            predictions, labels, weights = remove_squeezable_dimensions(
                math_ops.cast(convert_to_tensor(predictions), dtypes.bool_),
                math_ops.cast(convert_to_tensor(labels), dtypes.bool_), weights)
            tp, tp_update = true_positives(labels, predictions, weights)
            wrong, wrong_update = other(labels, predictions, weights)

            value = div_no_nan(tp, tp + wrong, name="value")
            update = div_no_nan(tp_update, tp_update + wrong_update, name="update_op")
            _collect(metrics_collections, value)
            _collect(updates_collections, update)
            return value, update
    metric.__name__ = default_name
    return metric


precision = _ratio_of_counts("precision", false_positives)
precision.__doc__ = "true positives / (true positives + false positives), 0 when undefined."
recall = _ratio_of_counts("recall", false_negatives)
recall.__doc__ = "true positives / (true positives + false negatives), 0 when undefined."


# --- classes -------------------------------------------------------------------------------
def _class_ids(x):
    x = math_ops.cast(convert_to_tensor(x), dtypes.int64)
    return array_ops.reshape(x, [-1]) if x.shape.ndims != 1 else x


def confusion_matrix_counts(labels, predictions, num_classes, weights=None, dtype=dtypes.float64):
    """The [num_classes, num_classes] matrix of (weighted) counts, rows labels and columns
    predictions, checking the ids are in [0, num_classes) as TF1's confusion_matrix."""
    labels, predictions = _squeeze_last(convert_to_tensor(labels), convert_to_tensor(predictions))
    labels, predictions = _class_ids(labels), _class_ids(predictions)
    n = constant(int(num_classes), dtypes.int64)
    checks = [check_ops.assert_non_negative(labels, message="`labels` contains negative values"),
              check_ops.assert_non_negative(predictions,
                                            message="`predictions` contains negative values"),
              check_ops.assert_less(labels, n, message="`labels` out of bound"),
              check_ops.assert_less(predictions, n, message="`predictions` out of bound")]
    with control_dependencies(checks):
        rows = array_ops.one_hot(labels, int(num_classes), dtype=dtype)
        cols = array_ops.one_hot(predictions, int(num_classes), dtype=dtype)
    if weights is not None:
        weights = array_ops.reshape(math_ops.cast(convert_to_tensor(weights), dtype), [-1, 1])
        cols = cols * weights
    return math_ops.matmul(rows, cols, transpose_a=True)


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The mean over classes of intersection-over-union, from a streaming confusion
    matrix; classes that never occur are left out of the mean. The update op returns
    the updated confusion matrix, as in TF1."""
    with variable_scope(name, "mean_iou", [predictions, labels, weights]):
        total_cm = metric_variable([num_classes, num_classes], dtypes.float64,
                                   name="total_confusion_matrix")
        update = total_cm.assign_add(confusion_matrix_counts(labels, predictions, num_classes,
                                                             weights))
        cm = total_cm.value()
        rows = math_ops.cast(math_ops.reduce_sum(cm, 0), dtypes.float32)
        cols = math_ops.cast(math_ops.reduce_sum(cm, 1), dtypes.float32)
        diag = math_ops.cast(_diag_part(cm, num_classes), dtypes.float32)
        denominator = rows + cols - diag
        valid = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(denominator, 0),
                                                  dtypes.float32))
        denominator = array_ops.where(math_ops.greater(denominator, 0), denominator,
                                      array_ops.ones_like(denominator))
        iou = math_ops.truediv(diag, denominator)
        value = array_ops.where(math_ops.greater(valid, 0),
                                math_ops.reduce_sum(iou) / math_ops.maximum(valid, 1.0),
                                constant(0.0), name="mean_iou")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


def _diag_part(matrix, n):
    eye = constant(np.eye(n), matrix.dtype)
    return math_ops.reduce_sum(matrix * eye, 1)


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """The mean over all ``num_classes`` classes of the per-class accuracy (0 for a class
    never seen). As in TF1 the update op returns the per-class accuracies."""
    with variable_scope(name, "mean_accuracy", [predictions, labels, weights]):
        labels = _class_ids(labels)
        predictions = convert_to_tensor(predictions)
        if predictions.shape.ndims != 1:
            predictions = array_ops.reshape(predictions, [-1])
        total = metric_variable([num_classes], dtypes.float32, name="total")
        count = metric_variable([num_classes], dtypes.float32, name="count")
        if labels.dtype != predictions.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        per_class = array_ops.one_hot(labels, int(num_classes), dtype=dtypes.float32)
        ones = array_ops.ones_like(is_correct)
        if weights is not None:
            weights = array_ops.reshape(math_ops.cast(convert_to_tensor(weights),
                                                      dtypes.float32), [-1])
            is_correct, ones = is_correct * weights, ones * weights
        update_total = total.assign_add(math_ops.reduce_sum(
            per_class * array_ops.expand_dims(ones, 1), 0))
        update_count = count.assign_add(math_ops.reduce_sum(
            per_class * array_ops.expand_dims(is_correct, 1), 0))
        value = math_ops.reduce_mean(div_no_nan(count.value(), math_ops.maximum(total.value(), 0.0)),
                                     name="mean_accuracy")
        update = div_no_nan(update_count, math_ops.maximum(update_total, 0.0), name="update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


# --- thresholds -----------------------------------------------------------------------------
_KEPSILON = 1e-7
_VARIABLE_NAMES = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives",
                   "fp": "false_positives"}


def confusion_matrix_at_thresholds(labels, predictions, thresholds, weights=None,
                                   includes=("tp", "fn", "tn", "fp")):
    """({kind: variable}, {kind: update op}) of per-threshold counts; a prediction is
    positive when it is greater than the threshold. Predictions must be in [0, 1]."""
    predictions = convert_to_tensor(predictions)
    checks = [check_ops.assert_greater_equal(predictions, math_ops.cast(0.0, predictions.dtype),
                                             message="predictions must be in [0, 1]"),
              check_ops.assert_less_equal(predictions, math_ops.cast(1.0, predictions.dtype),
                                          message="predictions must be in [0, 1]")]
    with control_dependencies(checks):
        predictions, labels, weights = remove_squeezable_dimensions(
            math_ops.cast(predictions, dtypes.float32),
            math_ops.cast(convert_to_tensor(labels), dtypes.bool_), weights)
    num_thresholds = len(thresholds)
    column = array_ops.reshape(constant(list(thresholds), dtypes.float32), [num_thresholds, 1])
    pred_is_pos = math_ops.greater(array_ops.reshape(predictions, [1, -1]), column)
    label_is_pos = array_ops.reshape(labels, [1, -1])
    weight_row = None
    if weights is not None:
        weights = broadcast_weights(math_ops.cast(weights, dtypes.float32), predictions)
        weight_row = array_ops.reshape(weights, [1, -1])
    conditions = {"tp": (label_is_pos, pred_is_pos),
                  "fn": (label_is_pos, math_ops.logical_not(pred_is_pos)),
                  "tn": (math_ops.logical_not(label_is_pos), math_ops.logical_not(pred_is_pos)),
                  "fp": (math_ops.logical_not(label_is_pos), pred_is_pos)}
    values, updates = {}, {}
    for kind in ("tp", "fn", "tn", "fp"):
        if kind not in includes:
            continue
        variable = metric_variable([num_thresholds], dtypes.float32, name=_VARIABLE_NAMES[kind])
        hit = math_ops.cast(math_ops.logical_and(*conditions[kind]), dtypes.float32)
        if weight_row is not None:
            hit = hit * weight_row
        values[kind] = variable.value()
        updates[kind] = variable.assign_add(math_ops.reduce_sum(hit, 1))
    return values, updates


def _at_thresholds(default_name, kind):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with variable_scope(name, default_name, [predictions, labels, weights]):
            values, updates = confusion_matrix_at_thresholds(labels, predictions, thresholds,
                                                             weights, includes=(kind,))
            value = array_ops.identity(values[kind])
            _collect(metrics_collections, value)
            _collect(updates_collections, updates[kind])
            return value, updates[kind]
    metric.__name__ = f"{default_name}_at_thresholds"
    metric.__doc__ = (f"The (weighted) {default_name.replace('_', ' ')} at each threshold "
                      f"(a prediction above the threshold is positive).")
    return metric


true_positives_at_thresholds = _at_thresholds("true_positives", "tp")
false_positives_at_thresholds = _at_thresholds("false_positives", "fp")
true_negatives_at_thresholds = _at_thresholds("true_negatives", "tn")
false_negatives_at_thresholds = _at_thresholds("false_negatives", "fn")


def _ratio_at_thresholds(default_name, other):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with variable_scope(name, default_name, [predictions, labels, weights]):
            values, updates = confusion_matrix_at_thresholds(labels, predictions, thresholds,
                                                             weights, includes=("tp", other))
            prefix = default_name.split("_")[0]

            def ratio(d, suffix):
                return math_ops.truediv(d["tp"], _KEPSILON + d["tp"] + d[other],
                                        name=f"{prefix}_{suffix}")
            value, update = ratio(values, "value"), ratio(updates, "update_op")
            _collect(metrics_collections, value)
            _collect(updates_collections, update)
            return value, update
    metric.__name__ = default_name
    return metric


precision_at_thresholds = _ratio_at_thresholds("precision_at_thresholds", "fp")
precision_at_thresholds.__doc__ = "tp / (tp + fp + 1e-7) at each threshold."
recall_at_thresholds = _ratio_at_thresholds("recall_at_thresholds", "fn")
recall_at_thresholds.__doc__ = "tp / (tp + fn + 1e-7) at each threshold."


def _default_thresholds(num_thresholds):
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - _KEPSILON] + inner + [1.0 + _KEPSILON]


def _area(x, y, n, summation_method, name):
    dx = x[:n - 1] - x[1:]
    if summation_method == "minoring":
        height = math_ops.minimum(y[:n - 1], y[1:])
    elif summation_method == "majoring":
        height = math_ops.maximum(y[:n - 1], y[1:])
    else:
        height = (y[:n - 1] + y[1:]) / 2.0
    return math_ops.reduce_sum(math_ops.multiply(dx, height), name=name)


def _interpolated_pr_auc(tp, fp, fn, n, name):
    """Davis & Goadrich's interpolation of the PR curve between thresholds."""
    dtp = tp[:n - 1] - tp[1:]
    p = tp + fp
    slope = div_no_nan(dtp, math_ops.maximum(p[:n - 1] - p[1:], 0.0), name="prec_slope")
    intercept = tp[1:] - math_ops.multiply(slope, p[1:])
    both = math_ops.logical_and(math_ops.greater(p[:n - 1], 0), math_ops.greater(p[1:], 0))
    ratio = array_ops.where(both, div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0.0)),
                            array_ops.ones_like(p[1:]))
    step = div_no_nan(slope * (dtp + intercept * math_ops.log(ratio)),
                      math_ops.maximum(tp[1:] + fn[1:], 0.0), name="pr_auc_increment")
    return math_ops.reduce_sum(step, name=name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """The area under the ROC or PR curve, from counts at ``num_thresholds`` thresholds
    (Riemann sum as TF1: 'trapezoidal', 'careful_interpolation', 'minoring', 'majoring')."""
    if curve not in ("ROC", "PR"):
        raise ValueError(f"curve must be either ROC or PR, {curve} unknown")
    if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
        raise ValueError(f"Invalid summation_method: {summation_method}")
    with variable_scope(name, "auc", [labels, predictions, weights]):
        if thresholds is not None:
            edges = [0.0 - _KEPSILON] + sorted(thresholds) + [1.0 + _KEPSILON]
        else:
            if num_thresholds < 2:
                raise ValueError(f"num_thresholds must be at least 2, got {num_thresholds}")
            edges = _default_thresholds(num_thresholds)
        n = len(edges)
        values, updates = confusion_matrix_at_thresholds(labels, predictions, edges, weights)
        epsilon = 1.0e-6

        def compute(d, name):
            tp, fn, tn, fp = d["tp"], d["fn"], d["tn"], d["fp"]
            if curve == "PR" and summation_method == "careful_interpolation":
                return _interpolated_pr_auc(tp, fp, fn, n, name)
            rec = math_ops.truediv(tp + epsilon, tp + fn + epsilon)
            if curve == "ROC":
                x, y = math_ops.truediv(fp, fp + tn + epsilon), rec
            else:
                x, y = rec, math_ops.truediv(tp + epsilon, tp + fp + epsilon)
            return _area(x, y, n, summation_method, name)

        value, update = compute(values, "value"), compute(updates, "update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


def _rate_at_rate(given, target, labels, predictions, weights, num_thresholds,
                  metrics_collections, updates_collections, name, default_name):
    """The other rate at the threshold where the ``given`` rate is closest to ``target``."""
    if target < 0 or target > 1:
        raise ValueError(f"`{given}` must be in the range [0, 1].")
    with variable_scope(name, default_name, [predictions, labels, weights]):
        values, updates = confusion_matrix_at_thresholds(
            labels, predictions, _default_thresholds(num_thresholds), weights)

        def compute(d, name):
            tp, tn, fp, fn = d["tp"], d["tn"], d["fp"], d["fn"]
            if given == "specificity":
                gap = math_ops.abs(math_ops.truediv(tn, tn + fp + _KEPSILON) - target)
                index = math_ops.argmin(gap, 0)                    # the first closest
                a, b = array_ops.gather(tp, index), array_ops.gather(fn, index)
            else:
                gap = math_ops.abs(math_ops.truediv(tp, tp + fn + _KEPSILON) - target)
                index = num_thresholds - 1 - math_ops.argmin(gap[::-1], 0)  # the last
                a, b = array_ops.gather(tn, index), array_ops.gather(fp, index)
            return math_ops.truediv(a, a + b + _KEPSILON, name=name)

        value, update = compute(values, "value"), compute(updates, "update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


def sensitivity_at_specificity(labels, predictions, specificity, weights=None,
                               num_thresholds=200, metrics_collections=None,
                               updates_collections=None, name=None):
    """The sensitivity (recall) at the first threshold whose specificity is closest to
    ``specificity``."""
    return _rate_at_rate("specificity", specificity, labels, predictions, weights,
                         num_thresholds, metrics_collections, updates_collections, name,
                         "sensitivity_at_specificity")


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None,
                               num_thresholds=200, metrics_collections=None,
                               updates_collections=None, name=None):
    """The specificity at the last threshold whose sensitivity is closest to
    ``sensitivity``."""
    return _rate_at_rate("sensitivity", sensitivity, labels, predictions, weights,
                         num_thresholds, metrics_collections, updates_collections, name,
                         "specificity_at_sensitivity")
