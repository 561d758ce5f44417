"""``tf.nn.raw_rnn`` (an RNN loop driven by your ``loop_fn``),
``tf.nn.static_state_saving_rnn`` (a static RNN whose state comes from and goes back to
a state saver) and ``tf.nn.experimental``'s dropouts, as TF1 builds them."""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.graph import control_dependencies, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.manip_ops import where_v2
from tensorflux.ops.rnn import static_rnn
from tensorflux.ops.variable_scope import variable_scope


def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """Run ``cell`` in a while loop that ``loop_fn(time, cell_output, cell_state,
    loop_state)`` drives: it returns ``(finished, next_input, next_cell_state,
    emit_output, next_loop_state)``, is first called with ``time`` 0 and ``None``
    output, state and loop state (its ``next_cell_state`` then is the initial state,
    its ``emit_output`` the structure of what to emit). Returns ``(emit_ta, final_state,
    final_loop_state)``: TensorArrays of the emitted outputs (zeros once a batch entry
    is finished, whose state then stays as it was)."""
    from tensorflux.ops.tensor_array_ops import TensorArray
    from tensorflux.ops.while_loop import while_loop
    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")
    with variable_scope(scope or "rnn"):
        time = array_ops.constant(0, dtype=dtypes.int32)
        finished, next_input, initial_state, emit_structure, init_loop_state = loop_fn(
            time, None, None, None)
        loop_state = init_loop_state if init_loop_state is not None else array_ops.constant(0)
        flat_input = [convert_to_tensor(x) for x in nest.flatten(next_input)]
        next_input = nest.pack_sequence_as(next_input, flat_input)
        batch = flat_input[0].shape.as_tuple()[0] if flat_input[0].shape.ndims else None
        batch_size = batch if batch is not None else array_ops.shape(flat_input[0])[0]
        state = nest.map_structure(convert_to_tensor, initial_state)
        if emit_structure is not None:
            flat_emit = [convert_to_tensor(e) for e in nest.flatten(emit_structure)]
            flat_sizes = [TensorShape(e.shape.as_tuple()[1:]) if e.shape.ndims else TensorShape(None)
                          for e in flat_emit]
            flat_dtypes = [e.dtype for e in flat_emit]
        else:
            emit_structure = cell.output_size
            flat_sizes = [TensorShape(s if isinstance(s, (list, tuple, TensorShape)) else [s])
                          for s in nest.flatten(emit_structure)]
            flat_dtypes = [nest.flatten(state)[0].dtype] * len(flat_sizes)
        emit_ta = nest.pack_sequence_as(emit_structure, [
            TensorArray(dt, size=0, dynamic_size=True,
                        element_shape=TensorShape([batch]).concatenate(size),
                        tensor_array_name=f"rnn_output_{i}")
            for i, (dt, size) in enumerate(zip(flat_dtypes, flat_sizes))])
        zero_emit = nest.pack_sequence_as(emit_structure, [
            array_ops.zeros(array_ops.concat([array_ops.reshape(batch_size, [1]), size.as_list()], 0)
                            if batch is None else [batch] + size.as_list(), dt)
            for size, dt in zip(flat_sizes, flat_dtypes)])

        def condition(unused_time, elements_finished, *_):
            return math_ops.logical_not(math_ops.reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            output, cell_state = cell(current_input, state)
            next_time = time + 1
            (next_finished, next_input, next_state, emit_output,
             next_loop_state) = loop_fn(next_time, output, cell_state, loop_state)
            loop_state = loop_state if next_loop_state is None else next_loop_state

            def keep_finished(current, candidate):
                def pick(cur, cand):
                    if cur.shape.ndims == 0:
                        return cand
                    finished_b = array_ops.reshape(elements_finished, [-1] + [1] * (cur.shape.ndims - 1))
                    return where_v2(finished_b, cur, cand)
                return nest.map_structure(pick, current, candidate)

            emit_output = keep_finished(zero_emit, emit_output)
            next_state = keep_finished(state, next_state)
            emit_ta = nest.map_structure(lambda ta, e: ta.write(time, e), emit_ta, emit_output)
            return (next_time, math_ops.logical_or(elements_finished, next_finished), next_input,
                    emit_ta, next_state, loop_state)

        out = while_loop(condition, body,
                         [time, convert_to_tensor(finished), next_input, emit_ta, state, loop_state],
                         parallel_iterations=parallel_iterations or 32, swap_memory=swap_memory)
        emit_ta, final_state, final_loop_state = out[-3:]
        return emit_ta, final_state, (None if init_loop_state is None else final_loop_state)


def static_state_saving_rnn(cell, inputs, state_saver, state_name, sequence_length=None,
                            scope=None):
    """static_rnn whose initial state is ``state_saver.state(state_name)`` (one name per
    part of a tuple state) and whose final state goes back through
    ``state_saver.save_state(name, value)`` before the last output is available."""
    state_is_tuple = nest.is_sequence(cell.state_size)
    if state_is_tuple != nest.is_sequence(state_name):
        raise ValueError(f"state_name should be the same type as cell.state_size: "
                         f"state_name {state_name!r}, cell.state_size {cell.state_size!r}")
    if state_is_tuple:
        names = nest.flatten(state_name)
        if len(names) != len(nest.flatten(cell.state_size)):
            raise ValueError(f"state_name has {len(names)} names, the cell's state "
                             f"{len(nest.flatten(cell.state_size))} parts")
        initial_state = nest.pack_sequence_as(cell.state_size, [state_saver.state(n) for n in names])
    else:
        initial_state = state_saver.state(state_name)
    outputs, state = static_rnn(cell, inputs, initial_state=initial_state,
                                sequence_length=sequence_length, scope=scope)
    if state_is_tuple:
        saves = [state_saver.save_state(n, s) for n, s in zip(names, nest.flatten(state))]
    else:
        saves = [state_saver.save_state(state_name, state)]
    with control_dependencies(saves):
        last = outputs[-1]
        outputs[-1] = nest.pack_sequence_as(last, [array_ops.identity(o) for o in nest.flatten(last)])
    return outputs, state


# --- tf.nn.experimental -------------------------------------------------------------------------
def general_dropout(x, rate, uniform_sampler, noise_shape=None, name=None):
    """Dropout with the uniform numbers of ``uniform_sampler(shape, dtype)``: entries whose
    number is below ``rate`` become 0, the rest are scaled by 1 / (1 - rate)."""
    with name_scope(name, "dropout", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"x has to be a floating point tensor since it's going to be "
                             f"scaled. Got a {x.dtype.name} tensor instead.")
        if isinstance(rate, (int, float)) and not 0 <= rate < 1:
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), "
                             f"got {rate}")
        if isinstance(rate, (int, float)) and rate == 0:
            return x
        rate = convert_to_tensor(rate, dtype=x.dtype, name="rate")
        shape = noise_shape if noise_shape is not None else array_ops.shape(x)
        keep = math_ops.greater_equal(uniform_sampler(shape=shape, dtype=x.dtype), rate)
        scaled = x * (1.0 / (1.0 - rate))
        return array_ops.where(keep, scaled, array_ops.zeros_like(scaled), name=scope) \
            if noise_shape is None else math_ops.multiply(scaled, math_ops.cast(keep, x.dtype), name=scope)


def stateless_dropout(x, rate, seed, rng_alg=None, noise_shape=None, name=None):
    """Dropout whose mask is a pure function of the [2] ``seed`` (stateless_uniform)."""
    from tensorflux.ops.random_dist_ops import stateless_random_uniform
    return general_dropout(x, rate, lambda shape, dtype: stateless_random_uniform(
        shape, seed, dtype=dtype), noise_shape=noise_shape, name=name or "stateless_dropout")
