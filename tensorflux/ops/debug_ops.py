"""``tf.check_numerics`` and ``tf.add_check_numerics_ops``: stop a run at the first
tensor that holds NaN or infinity, naming it."""
from __future__ import annotations

from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import same_shape

defop("CheckNumerics", ("tensor",), attrs={"message": ""}, shape_fn=same_shape,
      doc="Passes its input through; InvalidArgumentError if it holds NaN or Inf.")


def check_numerics(tensor, message, name=None):
    """``tensor``, checked: a run raises InvalidArgumentError (with ``message`` and the
    tensor's name) when it holds NaN or infinity."""
    tensor = convert_to_tensor(tensor)
    if not tensor.dtype.is_floating:
        raise TypeError(f"check_numerics needs a floating-point tensor, got {tensor.name} "
                        f"of dtype {tensor.dtype.name}")
    return get_default_graph().create_op("CheckNumerics", [tensor], {"message": message},
                                         name=name or "CheckNumerics")._outputs[0]


@gradient("CheckNumerics")
def _check_numerics_grad(op, grad):
    message = ("Not a number (NaN) or infinity (Inf) values detected in gradient. "
               + op.attrs["message"])
    return [check_numerics(grad, message)]


def add_check_numerics_ops():
    """One op that checks every floating-point tensor of the graph (outside cond
    branches and loop bodies; a loop's or cond's outputs are checked), one check after
    the other, so the first NaN or Inf found is named. Build it after the model."""
    graph = get_default_graph()
    check = None
    with name_scope("CheckNumerics"):
        for op in graph.get_operations():
            if op._context is not None or op.type == "CheckNumerics":
                continue
            for t in op.outputs:
                if t.dtype.is_floating:
                    deps = [] if check is None else [check]
                    with graph.control_dependencies(deps):
                        check = check_numerics(t, f"{t.name}").op
    from tensorflux.ops.control_flow_ops import group
    return group(*([check] if check is not None else []), name="CheckNumerics/group_deps")


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """``t`` passed through ``check_numerics`` with the message ``msg``: a run fails
    with InvalidArgumentError when ``t`` holds NaN or infinity."""
    tensor, text = (t if t is not None else x), (msg if msg is not None else message)
    with name_scope(name, "VerifyFinite", [tensor]):
        return check_numerics(tensor, text or "")
