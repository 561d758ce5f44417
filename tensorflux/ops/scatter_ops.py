"""``tf.scatter_add``, ``tf.scatter_sub``, ``tf.scatter_update``: change some rows of a
variable in place (the optimizers' sparse updates use them as TF1's do)."""
from __future__ import annotations

from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable


def _scatter_shape(op):
    ref, indices, updates = (t.shape for t in op.inputs)
    if ref.ndims is not None and indices.ndims is not None:
        expected = TensorShape(indices.as_tuple() + ref.as_tuple()[1:])
        if not expected.is_compatible_with(updates):
            raise ValueError(f"Shapes of updates {updates} must be indices.shape + "
                             f"ref.shape[1:] = {expected} (variable {op.inputs[0].op.name})")
    return [ref]


def _scatter_dtype(op):
    ref, indices, updates = op.inputs
    if updates.dtype != ref.dtype:
        raise TypeError(f"Cannot scatter {updates.dtype.name} updates into variable "
                        f"{ref.op.name} of dtype {ref.dtype.name}")
    if not indices.dtype.is_integer:
        raise TypeError(f"scatter indices must be int32 or int64, got {indices.dtype.name}")
    return [ref.dtype]


for _name, _doc in (("ScatterAdd", "ref[indices] += updates (repeated indices add up)"),
                    ("ScatterSub", "ref[indices] -= updates (repeated indices add up)"),
                    ("ScatterUpdate", "ref[indices] = updates")):
    defop(_name, ("ref", "indices", "updates"), attrs={"use_locking": False},
          dtype_fn=_scatter_dtype, shape_fn=_scatter_shape, stateful=True, ref_inputs=(0,),
          doc=_doc)
not_differentiable("ScatterAdd", "ScatterSub", "ScatterUpdate")


def _scatter(op_type, ref, indices, updates, use_locking, name):
    variable = ref._as_graph_element() if hasattr(ref, "_as_graph_element") else ref
    with variable.graph.as_default():
        indices = convert_to_tensor(indices)
        updates = convert_to_tensor(updates, dtype=variable.dtype)
        return get_default_graph().create_op(op_type, [variable, indices, updates],
                                             {"use_locking": bool(use_locking)},
                                             name=name or op_type).outputs[0]


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """Add ``updates`` to the rows ``indices`` of variable ``ref``; returns its new value."""
    return _scatter("ScatterAdd", ref, indices, updates, use_locking, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """Subtract ``updates`` from the rows ``indices`` of ``ref``; returns its new value."""
    return _scatter("ScatterSub", ref, indices, updates, use_locking, name)


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """Set the rows ``indices`` of ``ref`` to ``updates``; returns its new value."""
    return _scatter("ScatterUpdate", ref, indices, updates, use_locking, name)
