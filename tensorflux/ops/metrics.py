"""``tf.metrics``: streaming metrics as (value, update_op) pairs over local variables."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, get_default_graph, name_scope
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.variables import Variable


def _local(name, dtype=dtypes.float32):
    graph = get_default_graph()
    with graph.control_dependencies(None):
        return Variable(lambda: array_ops.zeros([], dtype), name=name, trainable=False,
                        collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES])


def _ratio(total, count, name):
    return array_ops.where(math_ops.greater(count, 0), total / math_ops.maximum(count, 1e-30),
                           array_ops.zeros_like(total), name=name)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """(running mean, op that adds a batch to it)."""
    with name_scope(name, "mean", [values]):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total, count = _local("total"), _local("count")
        if weights is None:
            batch_total, batch_count = math_ops.reduce_sum(values), math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            w = math_ops.cast(convert_to_tensor(weights), dtypes.float32) * array_ops.ones_like(values)
            batch_total, batch_count = math_ops.reduce_sum(values * w), math_ops.reduce_sum(w)
        update_total = total.assign_add(batch_total)
        update_count = count.assign_add(batch_count)
        value = _ratio(total.value(), count.value(), "value")
        update = _ratio(update_total, update_count, "update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update)
        return value, update


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """(running fraction of predictions equal to labels, update op)."""
    with name_scope(name, "accuracy", [labels, predictions]):
        predictions = convert_to_tensor(predictions)
        labels = math_ops.cast(convert_to_tensor(labels), predictions.dtype)
        labels = array_ops.reshape(labels, array_ops.shape(predictions))
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        return mean(is_correct, weights, metrics_collections, updates_collections)


def _collect(keys, value):
    for key in keys or []:
        get_default_graph().add_to_collection(key, value)
