"""``tf.no_op``, ``tf.group`` and ``tf.tuple``: ordering without data."""
from __future__ import annotations

import builtins

from tensorflux.core.graph import _as_op, get_default_graph, name_scope
from tensorflux.ops.op_def import defop, not_differentiable

defop("NoOp", (), num_outputs=0, dtype_fn=lambda op: [], shape_fn=lambda op: [],
      doc="Does nothing; used as a target for control dependencies.")
not_differentiable("NoOp")


def no_op(name=None):
    return get_default_graph().create_op("NoOp", [], name=name or "NoOp")


def group(*inputs, **kwargs):
    """An op that runs all ``inputs`` (ops or tensors) and produces nothing."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Unknown keyword arguments: {sorted(kwargs)}")
    flat = []
    for i in inputs:
        if isinstance(i, (list, builtins.tuple)):
            flat.extend(i)
        else:
            flat.append(i)
    deps = [_as_op(i) for i in flat if i is not None]
    graph = deps[0].graph if deps else get_default_graph()
    with graph.as_default(), graph.control_dependencies(deps):
        return no_op(name=name or "group_deps")


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF1 name
    """Identity of each tensor, each waiting until all of them are computed."""
    from tensorflux.ops.array_ops import identity
    with name_scope(name, "tuple", tensors):
        gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
        with get_default_graph().control_dependencies([gate]):
            return [identity(t) if t is not None else None for t in tensors]
