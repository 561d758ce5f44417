"""``tf.nn.nce_loss`` and ``tf.nn.sampled_softmax_loss``: training losses over many
classes that score only the true classes and ``num_sampled`` sampled ones.

Both build TF1's sampled logits: for each example, the logits of its ``num_true`` true
classes and of the shared sampled classes (``inputs @ weights[c] + biases[c]``), minus
``log`` of each class's expected count under the sampler (``subtract_log_q``); sampled
classes that are in fact true classes of a row can get a logit of about -FLT_MAX
(``remove_accidental_hits``). NCE then sums sigmoid cross entropies against labels
``1 / num_true`` (true) and 0 (sampled); sampled softmax takes one softmax cross entropy.
The weights are read with ``embedding_lookup``, so their gradients are IndexedSlices.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, math_ops, nn_ops
from tensorflux.ops.candidate_sampling_ops import (compute_accidental_hits,
                                                   log_uniform_candidate_sampler)
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.embedding_ops import embedding_lookup
from tensorflux.ops.segment_ops import unsorted_segment_sum


def _accidental_hit_mask(labels, sampled, num_true, num_sampled, dtype):
    """-FLT_MAX where a sampled class is a true class of the row, else 0: [batch, sampled]."""
    rows, positions, _ = compute_accidental_hits(labels, sampled, num_true=num_true)
    batch = array_ops.shape(labels)[0]
    flat = rows * num_sampled + math_ops.cast(positions, dtypes.int32)
    hits = unsorted_segment_sum(array_ops.ones_like(flat, dtype=dtype), flat,
                                batch * num_sampled)
    lowest = convert_to_tensor(-np.finfo(np.float32).max, dtype=dtype)
    return array_ops.reshape(math_ops.minimum(hits, 1) * lowest,
                             array_ops.stack([batch, num_sampled]))


def compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                           num_true=1, sampled_values=None, subtract_log_q=True,
                           remove_accidental_hits=False, partition_strategy="mod", name=None,
                           seed=None):
    """(logits [batch, num_true + num_sampled], labels of the same shape): the true
    classes first, each with label ``1 / num_true``."""
    weights = list(weights) if isinstance(weights, (list, tuple)) else [weights]
    with name_scope(name, "compute_sampled_logits", weights + [biases, inputs, labels]):
        inputs = convert_to_tensor(inputs, name="inputs")
        labels = math_ops.cast(convert_to_tensor(labels, name="labels"), dtypes.int64)
        labels_flat = array_ops.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(
                labels, num_true=num_true, num_sampled=num_sampled, unique=True,
                range_max=num_classes, seed=seed)
        sampled, true_count, sampled_count = (array_ops.stop_gradient(s) for s in sampled_values)
        sampled = math_ops.cast(sampled, dtypes.int64)
        all_ids = array_ops.concat([labels_flat, sampled], 0)
        n_true = array_ops.shape(labels_flat)[0]

        all_w = math_ops.cast(embedding_lookup(weights, all_ids, partition_strategy), inputs.dtype)
        true_w = array_ops.slice(all_w, [0, 0], array_ops.stack([n_true, -1]))
        sampled_w = array_ops.slice(all_w, array_ops.stack([n_true, 0]), [-1, -1])
        sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)

        all_b = math_ops.cast(embedding_lookup(biases, all_ids, partition_strategy), inputs.dtype)
        true_b = array_ops.slice(all_b, [0], array_ops.reshape(n_true, [1]))
        sampled_b = array_ops.slice(all_b, array_ops.reshape(n_true, [1]), [-1])

        dim = array_ops.shape(true_w)[1:2]
        per_class = array_ops.reshape(true_w, array_ops.concat([[-1, num_true], dim], 0))
        true_logits = math_ops.reduce_sum(array_ops.expand_dims(inputs, 1) * per_class, axis=2)
        true_logits += array_ops.reshape(true_b, [-1, num_true])
        sampled_logits += sampled_b

        if remove_accidental_hits:
            sampled_logits += _accidental_hit_mask(labels, sampled, num_true, num_sampled,
                                                   sampled_logits.dtype)
        if subtract_log_q:
            true_logits -= math_ops.log(math_ops.cast(true_count, inputs.dtype))
            sampled_logits -= math_ops.log(math_ops.cast(sampled_count, inputs.dtype))

        logits = array_ops.concat([true_logits, sampled_logits], 1)
        out_labels = array_ops.concat([array_ops.ones_like(true_logits) / num_true,
                                       array_ops.zeros_like(sampled_logits)], 1)
        return logits, out_labels


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, partition_strategy="mod",
             name="nce_loss"):
    """Noise-contrastive estimation loss per example ([batch]): the summed sigmoid
    cross entropies of the true and sampled logits."""
    logits, labels = compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true=num_true,
        sampled_values=sampled_values, subtract_log_q=True,
        remove_accidental_hits=remove_accidental_hits, partition_strategy=partition_strategy,
        name=name)
    losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                      name="sampled_losses")
    return math_ops.reduce_sum(losses, axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes,
                         num_true=1, sampled_values=None, remove_accidental_hits=True,
                         partition_strategy="mod", name="sampled_softmax_loss", seed=None):
    """Softmax cross entropy per example ([batch]) over the true and sampled classes only."""
    logits, labels = compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true=num_true,
        sampled_values=sampled_values, subtract_log_q=True,
        remove_accidental_hits=remove_accidental_hits, partition_strategy=partition_strategy,
        name=name, seed=seed)
    labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return nn_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
