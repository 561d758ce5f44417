"""``tf.while_loop``: repeat a body while a condition holds, with gradients.

``cond`` and ``body`` are traced once into one control-flow context whose loop
variables are ``Arg`` ops; a ``While`` op owns it. At run time the executor calls the
cond's and the body's sub-plans until the cond is false.

The gradient is a second loop that runs the body's gradient once per forward iteration,
last iteration first. It reads the forward values it needs (a layer's activations, the
loop variables of that iteration) from the forward loop, which saves them per iteration
once a gradient asks for them, and it sums the gradients of outer tensors the body
reads (weights) over the iterations.
"""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.control_flow import ControlFlowContext
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.control_flow_util import expose, from_tensors, shape_within, to_tensors
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import attr_dtype

defop("Arg", (), attrs={"dtype": None, "shape": TensorShape(None), "index": 0},
      dtype_fn=attr_dtype(), shape_fn=lambda op: [op.attrs["shape"]],
      doc="A loop variable inside a while loop: bound to its value in each iteration.")
not_differentiable("Arg")


def _while_dtypes(op):
    return list(op.attrs["T"]) + [dtypes.int32] + [dtypes.variant] * len(op.attrs["body"].exposed)


def _while_shapes(op):
    n = len(op.attrs["body"].exposed)
    return list(op.attrs["output_shapes"]) + [TensorShape(())] + [TensorShape(None)] * n


defop("While", ("*inputs",),
      attrs={"body": None, "T": (), "output_shapes": (), "has_max": False,
             "back_prop": True, "parallel_iterations": 10, "swap_memory": False},
      num_outputs=lambda attrs: len(attrs["T"]) + 1 + len(attrs["body"].exposed),
      dtype_fn=_while_dtypes, shape_fn=_while_shapes, stateful=True,
      doc="Runs the loop in its body context: inputs are the loop variables' initial "
          "values, the outer tensors the loop reads and (with has_max) the maximum "
          "number of iterations; outputs the final loop variables, the number of "
          "iterations, and the per-iteration values a gradient asked for.")


def _invariants(loop_vars, flat, shape_invariants):
    if shape_invariants is None:
        return [t.shape for t in flat]
    given = _flatten_shapes(loop_vars, shape_invariants)
    out = []
    for t, inv in zip(flat, given):
        if t.dtype is dtypes.variant:  # a TensorArray's flow: its elements have shapes
            out.append(TensorShape(None))
            continue
        inv = as_shape(inv) if inv is not None else t.shape
        if not shape_within(t.shape, inv):
            raise ValueError(f"The shape invariant specified for {t.name} is not compatible "
                             f"with the initial shape of the loop variable. It enters the "
                             f"loop with shape {t.shape}, but the specified shape invariant "
                             f"is {inv}.")
        out.append(inv)
    return out


def _flatten_shapes(loop_vars, shapes):
    """Shape invariants in the loop variables' structure, flattened alongside them
    (a shape is a leaf even when written as a list)."""
    if not nest.is_sequence(loop_vars):
        return [shapes]
    if not isinstance(shapes, (list, tuple, dict)) or len(shapes) != len(loop_vars):
        raise ValueError(f"shape_invariants {shapes!r} do not match the structure of "
                         f"loop_vars {loop_vars!r}")
    if isinstance(loop_vars, dict):
        return [s for k in sorted(loop_vars) for s in _flatten_shapes(loop_vars[k], shapes[k])]
    return [s for v, sh in zip(loop_vars, shapes) for s in _flatten_shapes(v, sh)]


def _loop_context(graph, scope, flat, invariants, forward=None):
    """A while context with one Arg per loop variable, as the body sees them."""
    ctx = ControlFlowContext("while", scope[:-1], graph._get_control_flow_context(), forward)
    with graph._control_flow_context(ctx), name_scope(scope):
        ctx.args = [graph.create_op("Arg", [], {"dtype": t.dtype, "shape": inv, "index": i},
                                    name="loop_var")._outputs[0]
                    for i, (t, inv) in enumerate(zip(flat, invariants))]
    return ctx


def _make_while(graph, ctx, inits, invariants, scope, maximum_iterations, back_prop,
                parallel_iterations, swap_memory, inputs_for=None):
    ctx.captured = ctx.captures()
    captured = [inputs_for(t) if inputs_for else t for t in ctx.captured]
    extra = [maximum_iterations] if maximum_iterations is not None else []
    op = graph.create_op(
        "While", list(inits) + captured + extra,
        {"body": ctx, "T": tuple(t.dtype for t in inits), "output_shapes": tuple(invariants),
         "has_max": bool(extra), "back_prop": back_prop,
         "parallel_iterations": parallel_iterations, "swap_memory": swap_memory},
        name=scope, control_inputs=ctx.outer_control_inputs())
    ctx.owner = op
    graph._contexts.append(ctx)
    return op


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """``tf.while_loop``: repeat ``body`` while ``cond`` is true.

    ``cond`` and ``body`` are called once, now, with the loop variables (tensors,
    TensorArrays, nested in tuples, lists, namedtuples or dicts) and build the loop; at
    run time the loop repeats until ``cond`` returns False or ``maximum_iterations``
    iterations ran (then it stops, as in TF1: no error). A loop variable whose shape
    changes needs a less specific ``shape_invariants`` entry. ``parallel_iterations``
    and ``swap_memory`` are accepted for compatibility: iterations run one after the
    other, in memory.
    """
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if not isinstance(parallel_iterations, int) or parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    if loop_vars is None or (nest.is_sequence(loop_vars) and not nest.flatten(loop_vars)):
        raise ValueError("No loop variables provided")
    structure = loop_vars if isinstance(loop_vars, (list, tuple)) else [loop_vars]
    graph = get_default_graph()
    with name_scope(name, "while", []) as scope:
        flat = to_tensors(structure)
        invariants = _invariants(structure, flat, shape_invariants if isinstance(
            loop_vars, (list, tuple)) or shape_invariants is None else [shape_invariants])
        if maximum_iterations is not None:
            maximum_iterations = convert_to_tensor(maximum_iterations, dtype_hint=dtypes.int32)
            if not maximum_iterations.dtype.is_integer or maximum_iterations.shape.ndims not in (None, 0):
                raise ValueError(f"maximum_iterations must be a scalar integer, got "
                                 f"{maximum_iterations}")
            if maximum_iterations.dtype != dtypes.int32:
                from tensorflux.ops.math_ops import cast
                maximum_iterations = cast(maximum_iterations, dtypes.int32)
        ctx = _loop_context(graph, scope, flat, invariants)
        with graph._control_flow_context(ctx), name_scope(scope):
            inside = from_tensors(structure, ctx.args)
            pred = convert_to_tensor(cond(*inside))
            if pred.dtype != dtypes.bool_:
                raise TypeError(f"cond of while loop {scope[:-1]!r} must return a boolean "
                                f"tensor, got {pred.name} of dtype {pred.dtype.name}")
            if pred.shape.ndims not in (None, 0):
                raise ValueError(f"cond of while loop {scope[:-1]!r} must return a scalar, "
                                 f"got {pred.name} of shape {pred.shape}")
            result = body(*inside)
            if not nest.is_sequence(result) or (
                    len(structure) == 1 and _same_structure(structure[0], result)):
                result = [result]  # one loop variable returned bare
            try:
                nest.assert_same_structure(list(structure), list(result),
                                           f"loop_vars and the body's outputs of {scope[:-1]!r}")
            except ValueError as exc:
                raise ValueError(f"body of while loop {scope[:-1]!r} must return what it "
                                 f"got: {exc}") from None
            outputs = to_tensors(list(result), [t.dtype for t in flat])
        _check_body_outputs(flat, outputs, invariants, scope[:-1])
        ctx.cond_output, ctx.outputs = pred, outputs
        op = _make_while(graph, ctx, flat, invariants, scope, maximum_iterations, back_prop,
                         parallel_iterations, swap_memory)
    results = op._outputs[:len(flat)]
    if not return_same_structure and len(results) == 1:
        return from_tensors([nest.flatten(structure)[0]], results)[0]
    packed = from_tensors(structure, results)
    return packed if isinstance(loop_vars, (list, tuple)) else packed[0]


def _same_structure(a, b) -> bool:
    try:
        nest.assert_same_structure(a, b)
    except ValueError:
        return False
    return nest.is_sequence(a)


def _check_body_outputs(inits, outputs, invariants, loop_name):
    for t, out, inv in zip(inits, outputs, invariants):
        if out.dtype != t.dtype:
            raise TypeError(f"Loop variable {t.name} of while loop {loop_name!r} enters the "
                            f"loop with dtype {t.dtype.name}, but the body returns "
                            f"{out.name} of dtype {out.dtype.name}")
        if not shape_within(out.shape, inv):
            raise ValueError(
                f"Input tensor {t.name!r} enters the loop with shape {inv}, but has shape "
                f"{out.shape} after one iteration (while loop {loop_name!r}). To allow the "
                f"shape to vary across iterations, use the `shape_invariants` argument of "
                f"tf.while_loop to specify a less-specific shape.")


@gradient("While")
def _while_grad(op, *grads, needed=None):
    """A loop that runs the body's gradient once per forward iteration, backwards.
    Only the outer tensors whose gradients are ``needed`` get sums."""
    from tensorflux.ops.gradients import _differentiable, _gradients, _zero_grad
    ctx = op.attrs["body"]
    n_inputs = len(op._inputs)
    k = len(ctx.args)
    out_grads = list(grads[:k])
    if not op.attrs["back_prop"] or all(g is None for g in out_grads):
        return [None] * n_inputs
    captured = ctx.captured
    loop_vars = [i for i in range(k) if _differentiable(ctx.args[i])]
    zero = _zero_gradient_vars(ctx, out_grads, loop_vars)
    loop_vars = [i for i in loop_vars if i not in zero]
    needed = needed or [True] * n_inputs
    captures = [j for j, t in enumerate(captured)
                if _differentiable(t) and needed[k + j]
                and not (ctx.forward is not None and t.op._context is ctx.forward)]
    graph = op.graph
    scope = graph.get_name_scope() + "/"
    # Initial values, outside the gradient loop: the gradients of the loop's outputs and
    # zero sums for the outer tensors the body reads.
    g_inits = [convert_to_tensor(out_grads[i]) if out_grads[i] is not None
               else _zero_grad(op._outputs[i]) for i in loop_vars]
    sum_inits = [_zero_grad(captured[j]) for j in captures]
    inits = g_inits + sum_inits
    invariants = [TensorShape(None) if t.dtype is dtypes.variant else t.shape for t in inits]
    gctx = _loop_context(graph, scope, inits, invariants, forward=ctx)
    with graph._control_flow_context(gctx), name_scope(scope):
        g_args = gctx.args[:len(loop_vars)]
        sum_args = gctx.args[len(loop_vars):]
        gs = _gradients([ctx.outputs[i] for i in loop_vars],
                        [ctx.args[i] for i in loop_vars] + [captured[j] for j in captures],
                        list(g_args), set(), ctx)
        new_g = [convert_to_tensor(g) if g is not None else _zero_like_arg(a)
                 for g, a in zip(gs, g_args)]
        new_sums = [_accumulate(s, g) for s, g in zip(sum_args, gs[len(loop_vars):])]
        gctx.cond_output = constant(True, name="always")
        gctx.outputs = new_g + new_sums

    def provider(t):
        return expose(op, t) if t.op._context is ctx else t

    grad_op = _make_while(graph, gctx, inits, invariants, scope, op._outputs[k],
                          True, op.attrs["parallel_iterations"], op.attrs["swap_memory"],
                          provider)
    result = [None] * n_inputs
    for pos, i in enumerate(loop_vars):
        result[i] = grad_op._outputs[pos]
    for pos, j in enumerate(captures):
        result[k + j] = grad_op._outputs[len(loop_vars) + pos]
    return result


def _zero_gradient_vars(ctx, out_grads, loop_vars):
    """The loop variables whose gradient is zero in every iteration: none reaches the
    loop's output, and in the body each reaches only the outputs of such variables (the
    TensorArray that dynamic_rnn writes its outputs to, when only the final state is
    used). The gradient loop leaves them out: no zero reads, no sums with zeros."""
    reached = {i: _outputs_reached(ctx, ctx.args[i]) for i in loop_vars}
    zero = {i for i in loop_vars if out_grads[i] is None}
    while True:
        nonzero = {i for i in zero if not reached[i] <= zero}
        if not nonzero:
            return zero
        zero -= nonzero


def _outputs_reached(ctx, arg):
    """Positions of the body outputs that depend on ``arg`` (through any op, nested
    conds and loops included: they take what they read as inputs)."""
    positions = {}
    for j, out in enumerate(ctx.outputs):
        positions.setdefault(out, []).append(j)
    seen, todo = {arg}, [arg]
    while todo:
        for consumer in todo.pop().consumers():
            for t in consumer._outputs:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
    return {j for t in seen for j in positions.get(t, ())}


def _zero_like_arg(arg):
    """A zero gradient for a loop variable whose body output does not depend on it."""
    if arg.dtype is dtypes.variant:
        return arg
    from tensorflux.ops.array_ops import zeros_like
    return zeros_like(arg)


def _accumulate(total, g):
    """``total + g`` for the sum of an outer tensor's gradients over iterations."""
    if g is None:
        return total
    if total.dtype is dtypes.variant:
        from tensorflux.ops.tensor_array_ops import merge_flows
        return merge_flows([total, g])
    from tensorflux.ops.math_ops import add
    return add(total, convert_to_tensor(g))
