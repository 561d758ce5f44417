"""``tf.custom_gradient``: a function that defines its own gradient.

The decorated ``f(*x)`` returns ``(y, grad_fn)``. The wrapper passes ``y`` and ``x``
through one ``CustomGradient`` op (its outputs are its inputs) whose gradient calls
``grad_fn(*dy)`` for the gradients of ``x``, so nothing is differentiated through the ops
that computed ``y``. As in TF1's graph mode, ``f`` takes tensors positionally, and a
``grad_fn`` that accepts ``variables`` gets ``variables=[]`` and returns
``(input_grads, [])`` (TF1 allows only resource variables there, which tensorflux does
not have).
"""
from __future__ import annotations

import functools
import inspect

from tensorflux.core import nest
from tensorflux.core.graph import get_default_graph
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient

defop("CustomGradient", ("*values",), attrs={"grad_fn": None, "num_results": 0, "count": 0},
      num_outputs=lambda attrs: attrs["count"],
      dtype_fn=lambda op: [t.dtype for t in op.inputs],
      shape_fn=lambda op: [t.shape for t in op.inputs],
      doc="Passes its inputs through; its gradient is the Python grad_fn of tf.custom_gradient.")


def _takes_variables(fn):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "variables" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@gradient("CustomGradient")
def _custom_gradient_grad(op, *grads):
    n, fn = op.attrs["num_results"], op.attrs["grad_fn"]
    args = len(op.inputs) - n
    if _takes_variables(fn):
        result = fn(*grads[:n], variables=[])
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            raise ValueError("A custom_gradient grad_fn that takes variables must return "
                             "(input_grads, variable_grads)")
        result = result[0]
    else:
        result = fn(*grads[:n])
    flat = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(flat) != args:
        raise ValueError(f"custom_gradient function expected to return {args} gradients, but "
                         f"returned {len(flat)} instead (op {op.name}).")
    return [None] * n + [None if g is None else convert_to_tensor(g) for g in flat]


def custom_gradient(f):
    """Decorator: ``f(*x)`` returns ``(y, grad_fn)`` and the gradient of ``y`` with
    respect to ``x`` is ``grad_fn(*dy)``; see the module docstring."""
    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if kwargs:
            raise ValueError("The custom_gradient decorator currently supports keywords "
                             "arguments only when eager execution is enabled.")
        args = [convert_to_tensor(a) for a in args]
        result, grad_fn = f(*args)
        flat = [convert_to_tensor(r) for r in nest.flatten(result)]
        op = get_default_graph().create_op(
            "CustomGradient", flat + args,
            {"grad_fn": grad_fn, "num_results": len(flat), "count": len(flat) + len(args)},
            name="CustomGradient")
        return nest.pack_sequence_as(result, op.outputs[:len(flat)])
    return wrapped
