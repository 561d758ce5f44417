"""``tf.reverse_sequence``: reverse the first ``seq_lengths[b]`` steps of each sequence,
leaving the padding after them in place (what bidirectional RNNs feed their backward
cell)."""
from __future__ import annotations

from tensorflux.core.graph import get_default_graph
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import normalize_axis


def _reverse_sequence_shape(op):
    x, lengths = op.inputs
    if lengths.shape.ndims not in (None, 1):
        raise ValueError(f"seq_lengths must be a vector, got shape {lengths.shape}")
    dims = x.shape.as_tuple()
    if dims is not None:
        seq = normalize_axis(op.attrs["seq_dim"], len(dims), "seq_axis")
        batch = normalize_axis(op.attrs["batch_dim"], len(dims), "batch_axis")
        if seq == batch:
            raise ValueError(f"seq_axis and batch_axis must differ, both are {seq}")
        n = lengths.shape.as_tuple()
        if n is not None and None not in (n[0], dims[batch]) and n[0] != dims[batch]:
            raise ValueError(f"seq_lengths has {n[0]} entries but the batch dimension "
                             f"{batch} of the input is {dims[batch]}")
    return [x.shape]


defop("ReverseSequence", ("input", "seq_lengths"), attrs={"seq_dim": None, "batch_dim": 0},
      shape_fn=_reverse_sequence_shape,
      doc="out[b, t] = input[b, seq_lengths[b] - 1 - t] for t < seq_lengths[b], else input[b, t]")


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,  # noqa: A002
                     seq_dim=None, batch_dim=None):
    """Reverse each sequence ``b`` of ``input`` along ``seq_axis`` over its first
    ``seq_lengths[b]`` steps (``batch_axis`` indexes the sequences)."""
    seq = seq_axis if seq_axis is not None else seq_dim
    batch = batch_axis if batch_axis is not None else (batch_dim if batch_dim is not None else 0)
    if seq is None:
        raise ValueError("reverse_sequence needs seq_axis")
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths, name="seq_lengths")
    if not lengths.dtype.is_integer:
        raise TypeError(f"seq_lengths must be int32 or int64, got {lengths.dtype.name}")
    return get_default_graph().create_op(
        "ReverseSequence", [x, lengths], {"seq_dim": int(seq), "batch_dim": int(batch)},
        name=name or "ReverseSequence").outputs[0]


@gradient("ReverseSequence")
def _reverse_sequence_grad(op, grad):
    return [reverse_sequence(grad, op.inputs[1], op.attrs["seq_dim"], op.attrs["batch_dim"]),
            None]
