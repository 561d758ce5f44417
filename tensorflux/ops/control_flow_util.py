"""Helpers shared by ``tf.cond`` and ``tf.while_loop``: nested structures of loop
values, shape rules, and handing a branch's or loop's inner values to its gradient."""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.graph import Tensor
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor


def is_composite(value) -> bool:
    """A value carried through control flow as one tensor (a TensorArray as its flow)."""
    return hasattr(value, "_flow_for_control_flow")


def to_tensors(structure, preferred=None):
    """The leaves of ``structure`` as tensors, TensorArrays as their flows. ``preferred``
    (a flat list of dtypes) guides the conversion of Python numbers."""
    flat = nest.flatten(structure)
    out = []
    for i, leaf in enumerate(flat):
        if is_composite(leaf):
            out.append(leaf._flow_for_control_flow())
        elif leaf is None:
            raise TypeError("None is not a valid value for a loop variable or a branch "
                            "output; return a tensor")
        else:
            hint = preferred[i] if preferred is not None and i < len(preferred) else None
            out.append(convert_to_tensor(leaf, preferred_dtype=hint))
    return out


def from_tensors(structure, tensors):
    """``tensors`` shaped like ``structure``, TensorArrays rebuilt around their flows."""
    flat = nest.flatten(structure)
    leaves = [leaf._with_flow(t) if is_composite(leaf) else t for leaf, t in zip(flat, tensors)]
    return nest.pack_sequence_as(structure, leaves)


def shape_within(shape: TensorShape, invariant: TensorShape) -> bool:
    """Whether ``shape`` is at least as specific as ``invariant`` (TF1's rule for loop
    variables: [11, 17] fits [11, None]; [11, None] does not fit [11, 17])."""
    if invariant.ndims is None:
        return True
    if shape.ndims != invariant.ndims:
        return False
    return all(i is None or s == i for s, i in zip(shape.as_tuple(), invariant.as_tuple()))


def most_specific_common_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    """The shape both branches of a cond promise: equal dims kept, others unknown."""
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_tuple(), b.as_tuple())])


def expose(op, tensor: Tensor) -> Tensor:
    """The output of control-flow ``op`` that hands ``tensor`` (a value inside one of
    its branches, or inside its loop body) to a gradient: added on first use. For a
    loop it holds the value of every iteration (a variant), for a cond the value of the
    branch taken (None if the other one ran)."""
    context = op.attrs["body"] if op.type == "While" else op.attrs["then_branch"]
    exposed = context.exposed
    base = len(op._outputs) - len(exposed)
    if tensor in exposed:
        return op._outputs[base + exposed.index(tensor)]
    exposed.append(tensor)
    if op.type == "While":
        out = Tensor(op, len(op._outputs), dtypes.variant, TensorShape(None))
    else:
        out = Tensor(op, len(op._outputs), tensor.dtype, tensor.shape)
    op._outputs.append(out)
    op.graph._version += 1
    return out
