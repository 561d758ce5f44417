"""Reverse-mode autodiff: ``tf.gradients`` and ``tf.hessians``.

One backward sweep over the ops between ``xs`` and ``ys`` handles every x. Each op's
gradient function (registered in the op registry, defined next to the op in ``ops/``)
adds ops to the graph, so gradients of gradients work and every backend runs them.
"""
from __future__ import annotations

import collections

from tensorflux.core import dtypes
from tensorflux.core.graph import Operation, Tensor, get_default_graph, name_scope
from tensorflux.core.registry import NOT_DIFFERENTIABLE, registry
from tensorflux.ops import indexed_slices
from tensorflux.ops.constant_op import convert_to_tensor


def _differentiable(t: Tensor) -> bool:
    """Floats carry gradients; so do TensorArray flows (variants), whose gradient is the
    TensorArray of the gradients of their elements."""
    return t.dtype.is_floating or t.dtype.is_complex or t.dtype is dtypes.variant


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _as_grad_target(x):
    """Variables are differentiated through their slot tensor (what ``x/read`` reads)."""
    if hasattr(x, "_as_graph_element"):
        return x._as_graph_element()
    return convert_to_tensor(x)


def _between(ys, xs, stops, context):
    """Ops of ``context`` (the graph itself, a cond branch or a loop body) on some path
    from an x to a y (not counting the ops that produce the xs)."""
    forward = set()
    stack = [c for x in xs for c in x._consumers]
    while stack:
        op = stack.pop()
        if op in forward or op._context is not context:
            continue
        forward.add(op)
        for out in op._outputs:
            if out not in stops:
                stack.extend(out._consumers)
    between = set()
    stack = [y.op for y in ys]
    seen = set()
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op in forward:
            between.add(op)
        stack.extend(t._op for t in op._inputs)
    return between


def _sum_grads(grads, name):
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    if any(isinstance(g, indexed_slices.IndexedSlices) for g in grads):
        return indexed_slices.aggregate(grads, name)
    if grads[0].dtype is dtypes.variant:  # gradients of one TensorArray: all one object
        from tensorflux.ops.tensor_array_ops import merge_flows
        return merge_flows(grads, name=name)
    from tensorflux.ops.math_ops import add_n
    return add_n(grads, name=name)


class UnconnectedGradients:
    """What ``tf.gradients`` returns for an x that ys do not depend on: None (``NONE``)
    or zeros of its shape (``ZERO``)."""

    NONE = "none"
    ZERO = "zero"


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic derivatives of ``sum(ys)`` with respect to each of ``xs``.

    Returns one tensor per x, or None (zeros with ``unconnected_gradients="zero"``) where
    x does not affect ys. Gradients reaching a tensor along several paths are summed;
    integer and boolean tensors carry none; an op on the path without a registered
    gradient raises LookupError naming it.
    """
    if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
        raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs = [_as_grad_target(x) for x in _as_list(xs)]
    stops = {_as_grad_target(s) for s in _as_list(stop_gradients or [])}
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    else:
        grad_ys = _as_list(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    graph = ys[0].graph if ys else get_default_graph()
    with graph.as_default(), name_scope(name, "gradients", ys + xs):
        result = _gradients(ys, xs, grad_ys, stops, ys[0].op._context if ys else None)
        if unconnected_gradients == UnconnectedGradients.ZERO:
            from tensorflux.ops.array_ops import zeros_like
            result = [zeros_like(x) if g is None else g for g, x in zip(result, xs)]
        return result


def _gradients(ys, xs, grad_ys, stops, context):
    """The backward sweep of ``gradients`` over the ops of ``context`` (a cond branch or
    loop body differentiates only its own ops; control-flow gradients call this)."""
    between = _between(ys, xs, stops, context)
    x_set = set(xs)

    def needs_grad(t: Tensor) -> bool:
        return _differentiable(t) and (t in x_set or t._op in between) and t not in stops

    pending = collections.Counter()
    for op in between:
        for t in op._inputs:
            if t._op in between:
                pending[t._op] += 1
    grads = collections.defaultdict(list)
    from tensorflux.ops.array_ops import ones, ones_like
    for i, (y, gy) in enumerate(zip(ys, grad_ys)):
        if not _differentiable(y):
            continue
        if gy is None:
            if y.shape.is_fully_defined():  # a constant (a Fill when large, as in TF1)
                gy = ones(y.shape.as_list(), y.dtype, name=f"grad_ys_{i}")
            else:
                gy = ones_like(y, name=f"grad_ys_{i}")
        else:
            gy = convert_to_tensor(gy, dtype=y.dtype)
        grads[y].append(gy)

    ready = [op for op in dict.fromkeys(y.op for y in ys) if op in between and pending[op] == 0]
    done = set()
    while ready:
        op = ready.pop()
        if op in done:
            continue
        done.add(op)
        in_needed = [needs_grad(t) for t in op._inputs]
        out_grads = [_sum_grads(grads.get(t, []), f"{op.name}_grad_sum") for t in op._outputs]
        if any(in_needed) and any(g is not None for g in out_grads) and not any(
                t in stops for t in op._outputs):
            in_grads = _apply_gradient(op, out_grads, in_needed)
            for t, g, needed in zip(op._inputs, in_grads, in_needed):
                if needed and g is not None:
                    grads[t].append(g)
        for t in op._inputs:
            if t._op in between:
                pending[t._op] -= 1
                if pending[t._op] == 0:
                    ready.append(t._op)
    return [_sum_grads(grads.get(x, []), "AddN") for x in xs]


def _apply_gradient(op: Operation, out_grads, in_needed=None):
    fn = registry.get_op(op.type).gradient
    if fn is NOT_DIFFERENTIABLE:
        return [None] * len(op._inputs)
    if fn is None:
        where = f" created at {op.location}" if op.location else ""
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: "
                          f"{op.type}){where}. Register one with @tf.RegisterGradient"
                          f"({op.type!r}) or block it with tf.stop_gradient.")
    kwargs = {}
    if op.type in _CONTROL_FLOW_GRADS:
        kwargs["needed"] = in_needed or [True] * len(op._inputs)
    else:
        out_grads = [indexed_slices.for_gradient_of(op, g) if g is not None else _zero_grad(t)
                     for g, t in zip(out_grads, op._outputs)]
    with name_scope(op.name + "_grad"):
        result = fn(op, *out_grads, **kwargs)
    result = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(result) != len(op._inputs):
        raise ValueError(f"Gradient function of {op.type} returned {len(result)} values for "
                         f"{len(op._inputs)} inputs")
    return result


# Control-flow ops: their gradient functions take None for outputs nothing depends on (an
# If's or While's extra outputs are values saved for gradients, never differentiated),
# and ``needed``, which inputs need a gradient: a loop computes only those, every
# iteration.
_CONTROL_FLOW_GRADS = {"If", "While"}


def _zero_grad(t: Tensor):
    """The gradient of an output nothing depends on: zeros, or for a TensorArray flow
    the (empty) TensorArray of its gradients."""
    if t.dtype is dtypes.variant:
        from tensorflux.ops.tensor_array_ops import gradient_flow
        return gradient_flow(t)
    from tensorflux.ops.array_ops import zeros_like
    return zeros_like(t)


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False,
             gate_gradients=False, aggregation_method=None):
    """Second derivatives of ``sum(ys)``: one tensor of shape x.shape + x.shape per x."""
    from tensorflux.ops.array_ops import reshape, stack
    xs = [_as_grad_target(x) for x in _as_list(xs)]
    out = []
    with name_scope(name, "hessians"):
        for x, g in zip(xs, gradients(ys, xs)):
            if g is None:
                out.append(None)
                continue
            n = x.shape.num_elements()
            if n is None:
                raise ValueError(f"hessians needs a fully known shape for {x.name}, got {x.shape}")
            flat = reshape(g, [n])
            rows = [gradients(flat[i], x)[0] for i in range(n)]
            from tensorflux.ops.array_ops import zeros_like
            rows = [r if r is not None else zeros_like(x) for r in rows]
            out.append(reshape(stack(rows), x.shape.as_list() * 2))
    return out


class RegisterGradient:
    """Decorator: ``@tf.RegisterGradient("MyOp") def _grad(op, grad): ...``."""

    def __init__(self, op_type: str):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, fn):
        registry.set_gradient(self._op_type, fn)
        return fn


def NotDifferentiable(op_type: str):  # noqa: N802 - TF1 name
    """Declare that ``op_type`` has no gradient (its inputs get None)."""
    registry.set_gradient(op_type, NOT_DIFFERENTIABLE)


NoGradient = NotDifferentiable
