"""Variable state ops: the variable itself and the ops that assign to it.

A VariableV2 op names a slot in the session's variable store; Assign* ops take the
variable as a *ref input* (they do not read it) and write a new value into the slot.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import attr_dtype

defop("VariableV2", (), attrs={"shape": TensorShape(None), "dtype": None, "container": "",
                               "shared_name": ""},
      dtype_fn=attr_dtype(), shape_fn=lambda op: [op.attrs["shape"]], stateful=True,
      doc="A variable: its value lives in the session.")


def _assign_shape(op):
    ref, value = op.inputs
    if op.attrs.get("validate_shape", True):
        if not ref.shape.is_compatible_with(value.shape):
            raise ValueError(f"Shapes {ref.shape} and {value.shape} are incompatible: cannot "
                             f"assign a value of shape {value.shape} to variable "
                             f"{ref.op.name} of shape {ref.shape}")
        return [ref.shape.merge_with(value.shape)]
    return [value.shape]


def _dtype_checked(op):
    ref, value = op.inputs
    if ref.dtype != value.dtype:
        raise TypeError(f"Cannot assign a {value.dtype.name} value to variable {ref.op.name} "
                        f"of dtype {ref.dtype.name}")
    return [ref.dtype]


defop("Assign", ("ref", "value"), attrs={"validate_shape": True, "use_locking": True},
      dtype_fn=_dtype_checked, shape_fn=_assign_shape, stateful=True, ref_inputs=(0,))
defop("AssignAdd", ("ref", "value"), attrs={"use_locking": False}, dtype_fn=_dtype_checked,
      shape_fn=lambda op: [op.inputs[0].shape], stateful=True, ref_inputs=(0,))
defop("AssignSub", ("ref", "value"), attrs={"use_locking": False}, dtype_fn=_dtype_checked,
      shape_fn=lambda op: [op.inputs[0].shape], stateful=True, ref_inputs=(0,))
defop("IsVariableInitialized", ("ref",), dtype_fn=lambda op: [dtypes.bool_],
      shape_fn=lambda op: [TensorShape(())], stateful=True, ref_inputs=(0,))
defop("ReportUninitializedVariables", (), attrs={"var_names": ()},
      dtype_fn=lambda op: [dtypes.string], shape_fn=lambda op: [TensorShape([None])],
      stateful=True,
      doc="Names of the listed variables that have no value in the session.")


not_differentiable("VariableV2", "Assign", "AssignAdd", "AssignSub", "IsVariableInitialized",
                   "ReportUninitializedVariables")
