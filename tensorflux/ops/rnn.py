"""``tf.nn.static_rnn`` and ``tf.nn.static_bidirectional_rnn``: a cell unrolled over a
Python list of time steps, in the variable scope ``rnn`` (``bidirectional_rnn/fw`` and
``/bw``) as TF1 names it.

With ``sequence_length``, as TF1: at step t, a sequence with length <= t outputs zeros
and keeps its state, so the final state is each sequence's state at its own last step.
TF1 skips the cell with ``tf.cond`` once every sequence has ended; here the cell always
runs and ``tf.where`` picks the values, which gives the same numbers without control flow.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops, structure
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.rnn_cell_impl import _zero_state, assert_like_rnncell
from tensorflux.ops.sequence_ops import reverse_sequence
from tensorflux.ops.variable_scope import variable_scope


def _first_leaf(inputs):
    while structure.is_sequence(inputs):
        inputs = inputs[0]
    return convert_to_tensor(inputs)


def _batch_size(inputs):
    """The static batch size of the inputs if known, else a tensor; checks that every
    input's depth is known."""
    first = _first_leaf(inputs)
    dims = first.shape.as_tuple()
    if dims is not None and len(dims) >= 2:
        for x in structure.flatten(inputs):
            shape = convert_to_tensor(x).shape.as_tuple()
            if shape is None or len(shape) < 2:
                raise ValueError(f"Inputs of static_rnn must be at least 2-D [batch, depth], "
                                 f"got shape {TensorShape(shape)}")
            for i, d in enumerate(shape[1:]):
                if d is None:
                    raise ValueError(f"Input size (dimension {i} of inputs) must be accessible "
                                     f"via shape inference, but saw value None.")
    if dims and dims[0] is not None:
        return dims[0]
    return array_ops.shape(first)[0]


def _rnn_step(time, sequence_length, zero_output, state, new_output, new_state):
    """Outputs and state for step ``time``: the new ones while ``time < length``, else
    zeros and the carried state."""
    finished = time >= sequence_length                              # [batch]

    def pick(old, new):
        new = convert_to_tensor(new)
        rank = new.shape.ndims if new.shape.ndims is not None else 2
        cond = array_ops.reshape(finished, [-1] + [1] * (rank - 1)) if rank > 1 else finished
        out = array_ops.where(cond, old, new)
        out.set_shape(new.shape)
        return out
    output = structure.map_structure(pick, zero_output, new_output)
    state = structure.map_structure(pick, state, new_state)
    return output, state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Run ``cell`` over ``inputs`` (a list of [batch, depth] tensors, one per step).

    Returns ``(outputs, state)``: the list of outputs and the final state. Without
    ``initial_state``, the cell's zero state of ``dtype`` is used.
    """
    assert_like_rnncell("cell", cell)
    if not structure.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with variable_scope(scope or "rnn") as varscope:
        batch_size = _batch_size(inputs)
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            if getattr(cell, "get_initial_state", None) is not None:
                state = cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
            else:
                state = cell.zero_state(batch_size, dtype)
        if sequence_length is not None:
            sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError("sequence_length must be a vector of length batch_size")
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            out_dtype = dtype if dtype else structure.flatten(state)[0].dtype
            zero_output = _zero_state(cell.output_size, batch_size, dtypes.as_dtype(out_dtype))
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(input_, state)
            if sequence_length is not None:
                output, new_state = _rnn_step(time, sequence_length, zero_output, state,
                                              output, new_state)
            state = new_state
            outputs.append(output)
        return outputs, state


def _reverse_seq(sequence, lengths):
    """The list of steps reversed, each sequence over its own length when given."""
    if lengths is None:
        return list(reversed(sequence))
    flat_steps = [structure.flatten(step) for step in sequence]
    reversed_parts = []
    for parts in zip(*flat_steps):
        joined = array_ops.stack(list(parts))
        flipped = array_ops.unstack(reverse_sequence(joined, lengths, seq_axis=0, batch_axis=1))
        for p, f in zip(parts, flipped):
            f.set_shape(convert_to_tensor(p).shape)
        reversed_parts.append(flipped)
    return [structure.pack_sequence_as(sequence[0], list(step))
            for step in zip(*reversed_parts)]


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """A forward and a backward RNN over ``inputs``; the backward one reads each sequence
    from its last step (``sequence_length``) back. Returns ``(outputs, state_fw,
    state_bw)``, each output the depth concatenation [forward, backward]."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not structure.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                             sequence_length, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype,
                                       sequence_length, scope=bw_scope)
    output_bw = _reverse_seq(tmp, sequence_length)
    outputs = [structure.pack_sequence_as(fw, [array_ops.concat([f, b], 1) for f, b in zip(
        structure.flatten(fw), structure.flatten(bw))]) for fw, bw in zip(output_fw, output_bw)]
    return outputs, state_fw, state_bw
