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
from tensorflux.core import nest
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.rnn_cell_impl import _zero_state, assert_like_rnncell
from tensorflux.ops.manip_ops import reverse_sequence
from tensorflux.ops.variable_scope import variable_scope


def _first_leaf(inputs):
    while nest.is_sequence(inputs):
        inputs = inputs[0]
    return convert_to_tensor(inputs)


def _batch_size(inputs):
    """The static batch size of the inputs if known, else a tensor; checks that every
    input's depth is known."""
    first = _first_leaf(inputs)
    dims = first.shape.as_tuple()
    if dims is not None and len(dims) >= 2:
        for x in nest.flatten(inputs):
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
    output = nest.map_structure(pick, zero_output, new_output)
    state = nest.map_structure(pick, state, new_state)
    return output, state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Run ``cell`` over ``inputs`` (a list of [batch, depth] tensors, one per step).

    Returns ``(outputs, state)``: the list of outputs and the final state. Without
    ``initial_state``, the cell's zero state of ``dtype`` is used.
    """
    assert_like_rnncell("cell", cell)
    if not nest.is_sequence(inputs):
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
            out_dtype = dtype if dtype else nest.flatten(state)[0].dtype
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
    flat_steps = [nest.flatten(step) for step in sequence]
    reversed_parts = []
    for parts in zip(*flat_steps):
        joined = array_ops.stack(list(parts))
        flipped = array_ops.unstack(reverse_sequence(joined, lengths, seq_axis=0, batch_axis=1))
        for p, f in zip(parts, flipped):
            f.set_shape(convert_to_tensor(p).shape)
        reversed_parts.append(flipped)
    return [nest.pack_sequence_as(sequence[0], list(step))
            for step in zip(*reversed_parts)]


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """A forward and a backward RNN over ``inputs``; the backward one reads each sequence
    from its last step (``sequence_length``) back. Returns ``(outputs, state_fw,
    state_bw)``, each output the depth concatenation [forward, backward]."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not nest.is_sequence(inputs):
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
    outputs = [nest.pack_sequence_as(fw, [array_ops.concat([f, b], 1) for f, b in zip(
        nest.flatten(fw), nest.flatten(bw))]) for fw, bw in zip(output_fw, output_bw)]
    return outputs, state_fw, state_bw


def _transpose_batch_time(x):
    """[batch, time, ...] <-> [time, batch, ...]."""
    x = convert_to_tensor(x)
    rank = x.shape.ndims
    if rank is None:
        raise ValueError(f"dynamic_rnn needs inputs of known rank, got {x.name}")
    if rank < 2:
        raise ValueError(f"Expected input tensor {x.name} to have rank at least 2, "
                         f"but saw shape: {x.shape}")
    return array_ops.transpose(x, [1, 0] + list(range(2, rank)))


def _check_lengths_fit(sequence_length, time_steps):
    """The sequence lengths, checked at run time to be within [0, time_steps]."""
    from tensorflux.core.graph import get_default_graph
    from tensorflux.ops.logging_ops import Assert
    fits = math_ops.logical_and(
        math_ops.reduce_all(sequence_length <= time_steps),
        math_ops.reduce_all(sequence_length >= 0))
    check = Assert(fits, ["dynamic_rnn: sequence_length must be within [0, time steps]; "
                          "time steps:", time_steps, "sequence_length:", sequence_length],
                   name="CheckSeqLen")
    with get_default_graph().control_dependencies([check]):
        return array_ops.identity(sequence_length, name="sequence_length")


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Run ``cell`` over the time steps of ``inputs`` with a ``tf.while_loop``.

    ``inputs``: [batch, time, ...] (``[time, batch, ...]`` with ``time_major``), or a
    nested structure of such tensors. Returns ``(outputs, state)``: the outputs of every
    step (in the same layout) and the final state. With ``sequence_length`` ([batch]
    lengths, each at most the number of time steps) a sequence outputs zeros past its
    length and its state stops changing there, as in TF1. Variables are created in the
    variable scope ``rnn`` (or ``scope``) the first time the cell runs, as TF1 names them.
    """
    assert_like_rnncell("cell", cell)
    with variable_scope(scope or "rnn"):
        flat_input = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        for x in flat_input:
            if x.shape.ndims is None or x.shape.ndims < 3:
                raise ValueError(f"dynamic_rnn inputs must have rank at least 3 ([batch, time, "
                                 f"depth]), got {x.name} of shape {x.shape}")
            if x.shape[2].value is None:
                raise ValueError(f"Input size (depth of inputs) must be accessible via shape "
                                 f"inference, but saw value None ({x.name})")
        time_steps = array_ops.shape(flat_input[0])[0]
        batch_size = next((x.shape[1].value for x in flat_input if x.shape[1].value is not None),
                          None)
        if batch_size is None:
            batch_size = array_ops.shape(flat_input[0])[1]
        if sequence_length is not None:
            sequence_length = math_ops.cast(convert_to_tensor(sequence_length), dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError(f"sequence_length must be a vector of length batch_size, "
                                 f"but saw shape: {sequence_length.shape}")
            sequence_length = _check_lengths_fit(sequence_length, time_steps)
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            state = cell.zero_state(batch_size, dtype)
        inputs = nest.pack_sequence_as(inputs, flat_input)
        outputs, state = _dynamic_rnn_loop(cell, inputs, state, parallel_iterations or 32,
                                           swap_memory, sequence_length, batch_size)
        if not time_major:
            outputs = nest.map_structure(_transpose_batch_time, outputs)
        return outputs, state


def _dynamic_rnn_loop(cell, inputs, state, parallel_iterations, swap_memory,
                      sequence_length, batch_size):
    """The loop of ``dynamic_rnn`` over time-major inputs (TF1's ``_dynamic_rnn_loop``)."""
    from tensorflux.ops.tensor_array_ops import TensorArray
    from tensorflux.ops.while_loop import while_loop
    flat_input = nest.flatten(inputs)
    flat_output_size = nest.flatten(cell.output_size)
    time_steps = array_ops.shape(flat_input[0])[0]
    static_time, static_batch = (flat_input[0].shape.as_list() + [None, None])[:2]
    out_dtype = nest.flatten(state)[0].dtype
    zero_output = _zero_state(cell.output_size, batch_size, out_dtype) \
        if sequence_length is not None else None
    if sequence_length is not None:
        max_length = math_ops.reduce_max(sequence_length)
        loop_bound = math_ops.minimum(time_steps, math_ops.maximum(1, max_length))
    else:
        loop_bound = time_steps
    input_ta = [TensorArray(x.dtype, size=time_steps, element_shape=x.shape[1:],
                            tensor_array_name=f"input_{i}").unstack(x)
                for i, x in enumerate(flat_input)]
    output_ta = [TensorArray(out_dtype, size=time_steps,
                             element_shape=TensorShape([static_batch]).concatenate(
                                 TensorShape(size if isinstance(size, (list, TensorShape)) else [size])),
                             tensor_array_name=f"output_{i}")
                 for i, size in enumerate(flat_output_size)]

    def time_step(time, outputs_ta, state):
        step_inputs = [ta.read(time) for ta in input_ta]
        for x, t in zip(step_inputs, flat_input):
            x.set_shape(t.shape[1:])
        output, new_state = cell(nest.pack_sequence_as(inputs, step_inputs), state)
        if sequence_length is not None:
            output, new_state = _rnn_step(time, sequence_length, zero_output, state,
                                          output, new_state)
        outputs_ta = [ta.write(time, out) for ta, out in zip(outputs_ta, nest.flatten(output))]
        return time + 1, outputs_ta, new_state

    _, final_ta, final_state = while_loop(
        lambda time, *_: time < loop_bound, time_step,
        (array_ops.constant(0, name="time"), output_ta, state),
        parallel_iterations=parallel_iterations, swap_memory=swap_memory,
        maximum_iterations=time_steps)
    outputs = []
    for ta, size in zip(final_ta, flat_output_size):
        out = ta.stack()
        out.set_shape(TensorShape([static_time, static_batch]).concatenate(
            TensorShape(size if isinstance(size, (list, TensorShape)) else [size])))
        outputs.append(out)
    return nest.pack_sequence_as(cell.output_size, outputs), final_state


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """A forward and a backward ``dynamic_rnn`` over ``inputs`` (the backward one reads
    each sequence from its last step, ``sequence_length``, back). Returns
    ``((output_fw, output_bw), (state_fw, state_bw))``, both outputs in time order."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)

    def reverse(x):
        x = convert_to_tensor(x)
        if sequence_length is not None:
            return reverse_sequence(x, sequence_length, seq_axis=time_axis, batch_axis=batch_axis)
        return x[::-1] if time_major else x[:, ::-1]

    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length, initial_state_fw, dtype, parallel_iterations,
                swap_memory, time_major, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_output, state_bw = dynamic_rnn(
                cell_bw, nest.map_structure(reverse, inputs), sequence_length,
                initial_state_bw, dtype, parallel_iterations, swap_memory, time_major,
                scope=bw_scope)
    output_bw = nest.map_structure(reverse, reversed_output)
    return (output_fw, output_bw), (state_fw, state_bw)
