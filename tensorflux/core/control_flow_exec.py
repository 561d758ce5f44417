"""Running ``If`` and ``While`` ops: each of their contexts compiles into a sub-plan.

A sub-plan is an ordinary plan (see ``tensorflux.core.executor``) whose parameters are
the context's bound tensors (a loop's variables, the captured outer tensors, values a
forward branch or loop handed over) and whose result is the context's outputs. The
If/While op's kernel is a small Python function that calls the sub-plans: an ``if``
or a ``while`` over direct calls, so a loop iteration costs two function calls plus
the ops of its body.

Loop variables keep one backend for the whole loop: the body's outputs are moved to
where its inputs live, which is where the body computes them when the body is placed on
one device. A forward loop that a gradient reads saves the values the gradient needs,
one list per value (its "stacks"); the gradient loop walks them backwards.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors
from tensorflux.core.executor import PlanBuilder, _prune, used_tensors


def compile_context(session, context, bound, bound_backends, outputs, out_targets):
    """A sub-plan computing ``outputs`` (tensors of ``context`` or bound ones; None
    entries return None) from values for ``bound`` living on ``bound_backends``.
    Outputs are moved to ``out_targets`` where one is given. Returns the plan and the
    backend of each output."""
    builder = PlanBuilder(session, [t for t in outputs if t is not None])
    for t, backend in zip(bound, bound_backends):
        builder.bind(t, backend)
    fed = set(bound)
    wanted = [t for t in outputs if t is not None]
    fetch_ops = [t.op for t in wanted if t not in fed] + list(context.control_outputs)
    order = _prune(fetch_ops, fed, context)
    used = used_tensors(order, wanted)
    for op in order:
        builder.emit(op, fed, used)
    returns, backends = [], []
    for t, target in zip(outputs, out_targets):
        if t is None:
            returns.append("None")
            backends.append(None)
            continue
        name = builder.value(t)
        if target is not None:
            name = builder.value_on(name, target, context.owner, t.dtype)
        backend = builder.where.get(name, builder.host)
        session._value_backends[t] = backend
        returns.append(name)
        backends.append(backend)
    plan = builder.compile(returns, keep=returns, label=f"{context.kind} {context.name}")
    return plan, backends


def _note_iteration(exc, op, iteration):
    """Record on an exception in which iteration of which loop it happened (read by
    ``Plan.translate_error``, innermost loop first)."""
    try:
        exc._tfx_iterations = [*getattr(exc, "_tfx_iterations", ()), (op, iteration)]
    except AttributeError:  # an exception type that takes no attributes
        pass


def _check_scalar_predicate(value, op, what):
    if value.ndim != 0:
        raise errors.InvalidArgumentError(
            None, op, f"The {what} of {op.type} {op.name!r} must be a scalar boolean, "
                      f"got a value of shape {tuple(value.shape)}")


def build_if(parent: PlanBuilder, op, used):
    """The kernel of an If op: run the sub-plan of the branch the predicate picks."""
    session, host = parent.session, parent.host
    then_ctx, else_ctx = op.attrs["then_branch"], op.attrs["else_branch"]
    k = len(op.attrs["Tout"])
    captured, exposed = then_ctx.captured, then_ctx.exposed
    record = any(t in used for t in op._outputs[k:])
    capture_backends = [parent.where.get(parent.names[t], host) for t in op._inputs[1:]]

    def outputs_of(branch):
        return branch.outputs + [t if record and t.op._context is branch else None
                                 for t in exposed]

    then_plan, then_backends = compile_context(
        session, then_ctx, captured, capture_backends, outputs_of(then_ctx),
        [None] * (k + len(exposed)))
    else_plan, else_backends = compile_context(
        session, else_ctx, captured, capture_backends, outputs_of(else_ctx),
        then_backends[:k] + [None] * len(exposed))
    out_backends = [a or b or host for a, b in zip(then_backends, else_backends)]
    variables = session._variables
    then_fn, else_fn = then_plan.fn, else_plan.fn

    def run_if(pred, *captures):
        _check_scalar_predicate(pred, op, "predicate")
        return (then_fn if pred else else_fn)(variables, *captures)

    run_if.plans = (then_plan, else_plan)  # alive while the kernel is: errors find them
    return run_if, [host] + capture_backends, out_backends


def build_while(parent: PlanBuilder, op, used):
    """The kernel of a While op: call the cond and body sub-plans until the cond is
    false (or ``maximum_iterations`` is reached)."""
    session, host = parent.session, parent.host
    ctx = op.attrs["body"]
    k, captured = len(ctx.args), ctx.captured
    nc = len(captured)
    has_max = op.attrs["has_max"]
    record = any(t in used for t in op._outputs[k + 1:])
    in_backends = [parent.where.get(parent.names[t], host) for t in op._inputs]
    arg_backends, capture_backends = in_backends[:k], in_backends[k:k + nc]
    # A gradient loop reads its forward loop's saved values, one per iteration, backwards.
    stacked = [i for i, t in enumerate(captured)
               if ctx.forward is not None and t.op._context is ctx.forward]
    for i in stacked:
        capture_backends[i] = session._value_backends.get(captured[i], host)
    saved = list(ctx.exposed) if record else []
    bound = ctx.args + captured
    body_outputs = ctx.outputs + saved
    body_plan, out_backends = compile_context(
        session, ctx, bound, arg_backends + capture_backends, body_outputs,
        [None] * len(body_outputs))
    if out_backends[:k] != arg_backends:  # keep each variable where the body makes it
        arg_backends = out_backends[:k]
        body_plan, out_backends = compile_context(
            session, ctx, bound, arg_backends + capture_backends, body_outputs,
            arg_backends + [None] * len(saved))
    cond_plan, _ = compile_context(session, ctx, bound, arg_backends + capture_backends,
                                   [ctx.cond_output], [host])
    variables = session._variables
    cond_fn, body_fn = cond_plan.fn, body_plan.fn
    unused = [None] * (len(ctx.exposed) - len(saved))

    def run_while(*inputs):
        args = list(inputs[:k + nc])
        limit = None
        if has_max:
            limit = int(inputs[-1])
            if limit < 0:
                raise errors.InvalidArgumentError(
                    None, op, f"maximum_iterations of while loop {op.name!r} must be "
                              f">= 0, got {limit}")
        stacks = [(k + i, args[k + i]) for i in stacked]
        values = [[] for _ in saved]
        n = 0
        try:
            while limit is None or n < limit:
                for position, stack in stacks:
                    args[position] = stack[limit - 1 - n]
                proceed = cond_fn(variables, *args)[0]
                _check_scalar_predicate(proceed, op, "loop condition")
                if not proceed:
                    break
                out = body_fn(variables, *args)
                args[:k] = out[:k]
                for store, value in zip(values, out[k:]):
                    store.append(value)
                n += 1
        except Exception as exc:
            _note_iteration(exc, op, n)
            raise
        return (*args[:k], np.asarray(n, dtype=np.int32), *values, *unused)

    run_while.plans = (cond_plan, body_plan)  # alive while the kernel is: errors find them

    wanted = arg_backends + in_backends[k:k + nc] + ([host] if has_max else [])
    return run_while, wanted, arg_backends + [host] * (1 + len(ctx.exposed))


BUILDERS = {"If": build_if, "While": build_while}


def build_control_flow(parent: PlanBuilder, op, used):
    """``(kernel, input backends, output backends)`` for an If or While op."""
    return BUILDERS[op.type](parent, op, used)
