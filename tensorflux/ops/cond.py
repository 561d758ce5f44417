"""``tf.cond``: run one of two branches, with gradients.

Each branch function is traced once into its own control-flow context; one ``If`` op
owns both and runs only the branch its predicate picks (the executor compiles each
branch into a sub-plan). Ops created outside the branch functions are not part of a
branch: they run whatever the predicate says, as in TF1.
"""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.control_flow import ControlFlowContext
from tensorflux.core.graph import Operation, get_default_graph, name_scope
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.control_flow_util import (expose, from_tensors, most_specific_common_shape,
                                              to_tensors)
from tensorflux.ops.op_def import defop, gradient


def _if_dtypes(op):
    branch = op.attrs["then_branch"]
    return list(op.attrs["Tout"]) + [t.dtype for t in branch.exposed]


def _if_shapes(op):
    branch = op.attrs["then_branch"]
    return list(op.attrs["output_shapes"]) + [t.shape for t in branch.exposed]


defop("If", ("cond", "*inputs"),
      attrs={"then_branch": None, "else_branch": None, "Tout": (), "output_shapes": ()},
      num_outputs=lambda attrs: len(attrs["Tout"]) + len(attrs["then_branch"].exposed),
      dtype_fn=_if_dtypes, shape_fn=_if_shapes, stateful=True,
      doc="Runs the ops of then_branch or else_branch (control-flow contexts) as the "
          "scalar boolean cond says; the inputs are the outer tensors they read.")


def _trace(graph, context, fn, label):
    """Call ``fn`` with new ops going into ``context``; returns its flat outputs (ops
    returned become the branch's control outputs) and the structure."""
    with graph._control_flow_context(context), name_scope(label):
        result = fn()
        if result is None:
            return [], None
        leaves = nest.flatten(result)
        context.control_outputs = [leaf for leaf in leaves if isinstance(leaf, Operation)]
        tensors = to_tensors([leaf for leaf in leaves if not isinstance(leaf, Operation)])
    return tensors, result


def _check_predicate(pred):
    if isinstance(pred, bool):
        raise TypeError("pred must not be a Python bool; use a boolean tensor (or an if "
                        "statement in Python)")
    pred = convert_to_tensor(pred)
    if pred.dtype != dtypes.bool_:
        raise TypeError(f"The predicate of tf.cond must be a boolean tensor, got "
                        f"{pred.name} of dtype {pred.dtype.name}")
    if pred.shape.ndims not in (None, 0):
        raise ValueError(f"The predicate of tf.cond must be a scalar, got {pred.name} of "
                         f"shape {pred.shape}")
    return pred


def _check_same(then_result, else_result, then_out, else_out):
    kinds = [isinstance(leaf, Operation) for leaf in nest.flatten(then_result)]
    other = [isinstance(leaf, Operation) for leaf in nest.flatten(else_result)]
    try:
        nest.assert_same_structure(then_result, else_result,
                                   "Outputs of true_fn and false_fn")
    except ValueError as exc:
        raise ValueError(f"true_fn and false_fn must return the same structure: {exc}") from None
    if kinds != other:
        raise ValueError("true_fn and false_fn must return operations (or tensors) in the "
                         "same positions")
    for a, b in zip(then_out, else_out):
        if a.dtype != b.dtype:
            raise ValueError(f"Outputs of true_fn and false_fn must have the same type: "
                             f"{a.dtype.name}, {b.dtype.name} ({a.name} vs {b.name})")


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """``tf.cond``: ``true_fn()`` if ``pred`` else ``false_fn()``, as a graph op.

    Both functions are called once, now, to build their branches; at run time only the
    branch ``pred`` picks runs. They must return the same structure of tensors (or
    operations) with the same dtypes. With ``strict=False`` a one-element list or tuple
    comes back as its element, as in TF1.
    """
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): true_fn and fn1 may not be set simultaneously.")
        true_fn = fn1
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): false_fn and fn2 may not be set simultaneously.")
        false_fn = fn2
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    pred = _check_predicate(pred)
    graph = pred.graph
    with graph.as_default(), name_scope(name, "cond", [pred]) as scope:
        parent = graph._get_control_flow_context()
        then_ctx = ControlFlowContext("cond", scope + "true", parent)
        else_ctx = ControlFlowContext("cond", scope + "false", parent)
        then_out, then_result = _trace(graph, then_ctx, true_fn, "true")
        else_out, else_result = _trace(graph, else_ctx, false_fn, "false")
        _check_same(then_result, else_result, then_out, else_out)
        then_ctx.outputs, else_ctx.outputs = then_out, else_out
        op = _make_if(graph, pred, then_ctx, else_ctx, scope,
                      [t.dtype for t in then_out],
                      [most_specific_common_shape(a.shape, b.shape)
                       for a, b in zip(then_out, else_out)])
    if then_result is None:
        return None
    outputs = iter(op._outputs)
    leaves = [op if isinstance(leaf, Operation) else next(outputs)
              for leaf in nest.flatten(then_result)]
    result = from_tensors(then_result, leaves)
    if not strict and isinstance(result, (list, tuple)) and len(result) == 1 \
            and not hasattr(result, "_fields"):
        return result[0]
    return result


def _make_if(graph, pred, then_ctx, else_ctx, scope, out_dtypes, out_shapes, inputs_for=None):
    """Create the If op owning two traced branches. ``inputs_for`` maps a captured
    tensor to the op input that provides it (gradients pass a forward branch's values)."""
    captured = list(then_ctx.captures())
    for t in else_ctx.captures():
        if t not in captured:
            captured.append(t)
    then_ctx.captured = else_ctx.captured = captured
    else_ctx.exposed = then_ctx.exposed
    controls = then_ctx.outer_control_inputs() + [
        c for c in else_ctx.outer_control_inputs() if c not in then_ctx.outer_control_inputs()]
    inputs = [inputs_for(t) if inputs_for else t for t in captured]
    op = graph.create_op("If", [pred] + inputs,
                         {"then_branch": then_ctx, "else_branch": else_ctx,
                          "Tout": tuple(out_dtypes), "output_shapes": tuple(out_shapes)},
                         name=scope, control_inputs=controls)
    then_ctx.owner = else_ctx.owner = op
    graph._contexts.extend([then_ctx, else_ctx])
    return op


@gradient("If")
def _if_grad(op, *grads, needed=None):
    """An If over the branches' gradients, with the same predicate. The gradient
    branches read the forward branches' values through the forward op's exposed
    outputs."""
    from tensorflux.ops.gradients import _differentiable, _gradients, _zero_grad
    then_ctx, else_ctx = op.attrs["then_branch"], op.attrs["else_branch"]
    k = len(op.attrs["Tout"])
    out_grads = list(grads[:k])
    captured = then_ctx.captured
    needed = needed or [True] * len(op._inputs)
    xs = [t for t, wanted in zip(captured, needed[1:]) if wanted and _differentiable(t)]
    if not xs or all(g is None for g in out_grads):
        return [None] * len(op._inputs)
    graph = op.graph
    scope = graph.get_name_scope() + "/"  # the gradient's own scope, "gradients/cond_grad/"
    parent = graph._get_control_flow_context()
    branches = []
    for forward, label in ((then_ctx, "true"), (else_ctx, "false")):
        ctx = ControlFlowContext("cond", scope + label, parent, forward=forward)
        with graph._control_flow_context(ctx), name_scope(scope + label + "/"):
            pairs = [(y, g) for y, g in zip(forward.outputs, out_grads)
                     if g is not None and _differentiable(y)]
            gs = _gradients([y for y, _ in pairs], xs, [g for _, g in pairs], set(), forward)
            ctx.outputs = [convert_to_tensor(g) if g is not None else _zero_grad(x)
                           for g, x in zip(gs, xs)]
        branches.append(ctx)
    then_grad, else_grad = branches

    def provider(t):
        if t.op._context in (then_ctx, else_ctx):
            return expose(op, t)
        return t

    grad_op = _make_if(graph, op.inputs[0], then_grad, else_grad, scope,
                       [x.dtype for x in xs], [x.shape for x in xs], provider)
    by_tensor = dict(zip(xs, grad_op._outputs))
    return [None] + [by_tensor.get(t) for t in captured]


def _case_pairs(pred_fn_pairs, exclusive, name):
    """(predicates, functions) of tf.case's pairs, checked as TF1 checks them."""
    if isinstance(pred_fn_pairs, dict):
        items = list(pred_fn_pairs.items())
        if type(pred_fn_pairs) is dict:  # not an OrderedDict: a deterministic order
            items.sort(key=lambda item: item[0].name)
            if not exclusive:
                import warnings
                warnings.warn(f"{name}: an unordered dictionary of predicate/fn pairs was "
                              f"given with exclusive=False; the predicates are tested in the "
                              f"order of their names", stacklevel=3)
    elif isinstance(pred_fn_pairs, (list, tuple)):
        items = list(pred_fn_pairs)
    else:
        raise TypeError("pred_fn_pairs must be a list, tuple, or dict")
    predicates, functions = [], []
    for pair in items:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple, got {pair!r}")
        pred, fn = pair
        if isinstance(pred, bool):
            raise TypeError(f"{name}: predicates must be boolean tensors, not Python bools")
        pred = convert_to_tensor(pred)
        if pred.dtype != dtypes.bool_:
            raise TypeError(f"pred must be Tensor of type bool: {pred.name}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred.name} must be callable.")
        predicates.append(pred)
        functions.append(fn)
    return predicates, functions


def _at_most_one_true(predicates, message):
    """An Assert that at most one of ``predicates`` is true."""
    from tensorflux.ops.array_ops import stack
    from tensorflux.ops.logging_ops import Assert
    from tensorflux.ops.math_ops import cast, less_equal, reduce_sum
    stacked = stack(predicates, name="preds_c")
    count = reduce_sum(cast(stacked, dtypes.int32), name="num_true_conds")
    names = ", ".join(p.name for p in predicates)
    return Assert(less_equal(count, 1),
                  [f"{message}: more than 1 conditions ({names}) evaluated as True:", stacked],
                  summarize=len(predicates))


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """``tf.case``: the function of the first pair whose predicate is true, else
    ``default``, as nested ``tf.cond`` ops (so only that function's ops run).

    With ``exclusive=True`` every predicate is evaluated and more than one true is an
    InvalidArgumentError. Without ``default``, the last pair's function is the default
    and a run where no predicate is true is an InvalidArgumentError, as in TF1.
    """
    from tensorflux.ops.logging_ops import Assert
    with name_scope(name, "case") as scope:
        predicates, functions = _case_pairs(pred_fn_pairs, exclusive, scope[:-1])
        graph = get_default_graph()
        if default is None:
            if not predicates:
                raise ValueError("tf.case needs at least one pair or a default")
            last_pred, last_fn = predicates[-1], functions[-1]
            predicates, functions = predicates[:-1], functions[:-1]
            others = list(predicates)

            def default():
                checks = [Assert(last_pred, ["Input error: None of conditions evaluated as "
                                             "True:", _stacked(others + [last_pred])])]
                if others:
                    checks.append(_at_most_one_true(others, "Implementation error: selected "
                                                            "default action was called, but "
                                                            "some of other predicates are True"))
                with graph.control_dependencies(checks):
                    return _identity_all(last_fn())
        fn = default
        for pred, action in reversed(list(zip(predicates, functions))):
            fn = (lambda p, a, f: lambda: cond(p, a, f, strict=strict))(pred, action, fn)
        if exclusive and len(predicates) > 1:
            with graph.control_dependencies([_at_most_one_true(predicates, "Input error: exclusive=True")]):
                return fn()
        return fn()


def _stacked(predicates):
    from tensorflux.ops.array_ops import stack
    return stack(predicates, name="preds_c")


def _identity_all(result):
    """``result`` with each tensor passed through an Identity created here, so that the
    control dependencies of this block apply to it."""
    from tensorflux.ops.array_ops import identity

    def one(value):
        if isinstance(value, Operation):
            from tensorflux.ops.control_flow_ops import group
            return group(value)
        return identity(value)
    return nest.map_structure(one, result)
