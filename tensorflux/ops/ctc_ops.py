"""Connectionist temporal classification (``tf.nn.ctc_loss``, ``ctc_loss_v2``,
``ctc_greedy_decoder``, ``ctc_beam_search_decoder`` and its ``_v2``,
``collapse_repeated``, ``ctc_unique_labels``) with TF1's conventions: logits
``[max_time, batch, num_classes]`` (time major), labels as a SparseTensor, the blank the
last class in the TF1 ops (``blank_index`` 0 by default in ``ctc_loss_v2``).

``CTCLoss`` computes the loss and its gradient together (as TF's fused op); the
gradient of the loss is that output scaled by the incoming gradient, and it has no
second derivative, as in TF1. Kernels: ``backends/ctc_kernels.py`` (host).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.manip_ops import (boolean_mask, gather_nd, scatter_nd, sequence_mask, unique,
                                      where_v2)
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.sparse_tensor import SparseTensor


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _loss_shapes(op):
    x = op.inputs[0].shape
    dims = x.as_tuple()
    if dims is not None and len(dims) != 3:
        raise ValueError(f"ctc_loss: inputs must be 3-D [max_time, batch, num_classes], got "
                         f"shape {x} ({op.inputs[0].name})")
    batch = dims[1] if dims else None
    return [TensorShape([batch]), x]


defop("CTCLoss", ("inputs", "labels_indices", "labels_values", "sequence_length"),
      attrs={"preprocess_collapse_repeated": False, "ctc_merge_repeated": True,
             "ignore_longer_outputs_than_inputs": False},
      num_outputs=2, shape_fn=_loss_shapes,
      doc="The CTC loss of each batch entry and its gradient with respect to the logits.")


@gradient("CTCLoss")
def _ctc_loss_grad(op, grad_loss, _):
    # the second output is the loss's own gradient; like TF1, nothing differentiates it
    scale = array_ops.reshape(grad_loss, [1, -1, 1])
    return [op.outputs[1] * scale, None, None, None]


def _decoded_shapes(op, n):
    return [TensorShape([None, 2])] * n + [TensorShape([None])] * n + [TensorShape([2])] * n


def _batch_of(op):
    dims = op.inputs[0].shape.as_tuple()
    return dims[1] if dims else None


defop("CTCGreedyDecoder", ("inputs", "sequence_length"),
      attrs={"merge_repeated": False, "blank_index": -1}, num_outputs=4,
      dtype_fn=lambda op: [dtypes.int64] * 3 + [op.inputs[0].dtype],
      shape_fn=lambda op: _decoded_shapes(op, 1) + [TensorShape([_batch_of(op), 1])],
      doc="The most likely class at each step, repeats merged and blanks removed.")
defop("CTCBeamSearchDecoder", ("inputs", "sequence_length"),
      attrs={"beam_width": 100, "top_paths": 1, "merge_repeated": True},
      num_outputs=lambda attrs: 3 * attrs["top_paths"] + 1,
      dtype_fn=lambda op: [dtypes.int64] * (3 * op.attrs["top_paths"]) + [op.inputs[0].dtype],
      shape_fn=lambda op: _decoded_shapes(op, op.attrs["top_paths"]) + [
          TensorShape([_batch_of(op), op.attrs["top_paths"]])],
      doc="TF's prefix beam search: the top_paths best labelings and their scores.")
not_differentiable("CTCGreedyDecoder", "CTCBeamSearchDecoder")


def _logits(inputs, time_major, what):
    x = convert_to_tensor(inputs, name="inputs")
    if not x.dtype.is_floating:
        raise TypeError(f"{what}: inputs must be float logits, got {x.dtype.name}")
    if x.shape.ndims not in (None, 3):
        raise ValueError(f"{what}: inputs must be 3-D, got shape {x.shape}")
    return x if time_major else array_ops.transpose(x, [1, 0, 2])


def _lengths(sequence_length):
    return convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False,
             ctc_merge_repeated=True, ignore_longer_outputs_than_inputs=False, time_major=True,
             logits=None):
    """The negative log probability of each ``labels`` sequence (an int32 SparseTensor
    [batch, max_label_length] of classes below ``num_classes - 1``, the blank) under the
    per-step softmax of ``inputs`` (logits [max_time, batch, num_classes], or batch major
    with ``time_major=False``), summed over the alignments CTC allows."""
    if not isinstance(labels, SparseTensor):
        raise TypeError("Expected labels (first argument) to be a SparseTensor")
    x = _logits(inputs if inputs is not None else logits, time_major, "ctc_loss")
    values = math_ops.cast(labels.values, dtypes.int32)
    loss, _ = _op("CTCLoss", [x, labels.indices, values, _lengths(sequence_length)],
                  {"preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
                   "ctc_merge_repeated": bool(ctc_merge_repeated),
                   "ignore_longer_outputs_than_inputs": bool(ignore_longer_outputs_than_inputs)}
                  ).outputs
    return loss


def ctc_loss_v2(labels, logits, label_length, logit_length, logits_time_major=True, unique=None,
                blank_index=None, name=None):
    """TF2's CTC loss: ``labels`` a SparseTensor or a dense [batch, max_label_length]
    tensor (with ``label_length``), ``blank_index`` 0 by default (negative counts from
    the end), ``logit_length`` the steps of each entry."""
    with name_scope(name, "ctc_loss_dense", [labels, logits]):
        x = _logits(logits, logits_time_major, "ctc_loss_v2")
        if blank_index is None:
            blank_index = 0
        num_classes = x.shape.as_tuple()[2] if x.shape.ndims == 3 else None
        if blank_index < 0:
            if num_classes is None:
                raise ValueError("ctc_loss_v2: a negative blank_index needs a known number of classes")
            blank_index += num_classes
        if not isinstance(labels, SparseTensor):
            labels = convert_to_tensor(labels, name="labels")
            if label_length is None:
                raise ValueError("ctc_loss_v2 needs label_length for dense labels")
            width = array_ops.shape(labels)[1]
            mask = sequence_mask(label_length, width)
            indices = array_ops.where(mask)
            labels = SparseTensor(indices, gather_nd(labels, indices),
                                  math_ops.cast(array_ops.shape(labels), dtypes.int64))
        if num_classes is None or blank_index != num_classes - 1:
            # move the blank to the end, as the TF1 op wants it
            x = array_ops.concat([x[:, :, :blank_index], x[:, :, blank_index + 1:],
                                  x[:, :, blank_index:blank_index + 1]], axis=2)
            values = math_ops.cast(labels.values, dtypes.int32)
            values = where_v2(values < blank_index, values, values - 1)
            labels = SparseTensor(labels.indices, values, labels.dense_shape)
        return ctc_loss(labels, x, logit_length, time_major=True,
                        ignore_longer_outputs_than_inputs=True)


def _decoded(outputs, n):
    return [SparseTensor(outputs[i], outputs[n + i], outputs[2 * n + i]) for i in range(n)]


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """The best class of each step (repeats merged with ``merge_repeated``, blanks, by
    default the last class, removed): ([a SparseTensor of the decoded classes], the
    negative sum of the chosen logits as a [batch, 1] tensor)."""
    x = _logits(inputs, True, "ctc_greedy_decoder")
    out = _op("CTCGreedyDecoder", [x, _lengths(sequence_length)],
              {"merge_repeated": bool(merge_repeated),
               "blank_index": -1 if blank_index is None else int(blank_index)}).outputs
    return _decoded(out, 1), out[3]


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1,
                            merge_repeated=True):
    """TF's CTC prefix beam search over the logits (blank the last class): (a list of
    ``top_paths`` SparseTensors of labelings, best first; their log probabilities
    [batch, top_paths], summed over the alignments the beam kept)."""
    if int(beam_width) < 1 or int(top_paths) < 1 or int(top_paths) > int(beam_width):
        raise ValueError(f"ctc_beam_search_decoder needs 1 <= top_paths <= beam_width, got "
                         f"top_paths={top_paths}, beam_width={beam_width}")
    x = _logits(inputs, True, "ctc_beam_search_decoder")
    out = _op("CTCBeamSearchDecoder", [x, _lengths(sequence_length)],
              {"beam_width": int(beam_width), "top_paths": int(top_paths),
               "merge_repeated": bool(merge_repeated)}).outputs
    return _decoded(out, int(top_paths)), out[-1]


def ctc_beam_search_decoder_v2(inputs, sequence_length, beam_width=100, top_paths=1):
    """ctc_beam_search_decoder without merging repeated labels (TF2's)."""
    return ctc_beam_search_decoder(inputs, sequence_length, beam_width, top_paths,
                                   merge_repeated=False)


def collapse_repeated(labels, seq_length, name=None):
    """Merge runs of repeated labels in each row of a dense [batch, max_len] ``labels``
    (only the first ``seq_length`` of each row count): (the collapsed rows, padded with 0
    to the longest, and their new lengths), as TF1 computes them."""
    with name_scope(name, "collapse_repeated_labels", [labels, seq_length]):
        labels = convert_to_tensor(labels, name="labels")
        seq_length = convert_to_tensor(seq_length, name="seq_length")
        starts = array_ops.concat([array_ops.ones_like(labels[:, :1], dtype=dtypes.bool_),
                                   math_ops.not_equal(labels[:, 1:], labels[:, :-1])], axis=1)
        keep = math_ops.logical_and(starts, sequence_mask(seq_length, array_ops.shape(labels)[1]))
        new_length = math_ops.reduce_sum(math_ops.cast(keep, dtypes.int32), axis=1)
        new_width = math_ops.reduce_max(new_length)
        slots = array_ops.reshape(sequence_mask(new_length, new_width), [-1])
        places = boolean_mask(array_ops.range(array_ops.size(slots)), slots)
        flat = scatter_nd(array_ops.expand_dims(places, 1),
                          boolean_mask(array_ops.reshape(labels, [-1]), array_ops.reshape(keep, [-1])),
                          array_ops.shape(slots))
        out = array_ops.reshape(flat, array_ops.stack([array_ops.shape(labels)[0], new_width]))
        return out, math_ops.cast(new_length, seq_length.dtype)


def ctc_unique_labels(labels, name=None):
    """For each row of dense ``labels`` [batch, max_len]: (its distinct labels in order of
    first appearance, int64, padded with 0 to max_len; each label's index into them)."""
    from tensorflux.ops.functional_ops import map_fn
    with name_scope(name, "ctc_unique_labels", [labels]):
        labels = convert_to_tensor(labels, name="labels")

        def distinct(row):
            values, index = unique(row)
            padded = array_ops.pad(values, array_ops.reshape(
                array_ops.stack([0, array_ops.size(index) - array_ops.size(values)]), [1, 2]))
            return [math_ops.cast(padded, dtypes.int64), index]
        out = map_fn(distinct, labels, dtype=[dtypes.int64, dtypes.int32])
        return out[0], out[1]
