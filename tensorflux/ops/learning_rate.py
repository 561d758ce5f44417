"""Learning-rate schedules: tensors computed from the global step."""
from __future__ import annotations

from tensorflux.core.graph import name_scope
from tensorflux.ops import math_ops
from tensorflux.ops.array_ops import where
from tensorflux.ops.constant_op import convert_to_tensor


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps) (floored if staircase)."""
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    with name_scope(name, "ExponentialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype
        step = math_ops.cast(global_step, dtype)
        p = step / math_ops.cast(convert_to_tensor(decay_steps), dtype)
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(lr, math_ops.pow(convert_to_tensor(decay_rate, dtype=dtype), p),
                                 name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[1] while x <= boundaries[1], ..."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of values should be one more than the length of boundaries")
    with name_scope(name, "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        vals = [convert_to_tensor(v) for v in values]
        if len({v.dtype for v in vals}) != 1:
            raise ValueError("values must all have the same dtype")
        result = vals[-1]
        for b, v in reversed(list(zip(boundaries, vals[:-1]))):
            result = where(math_ops.less_equal(x, convert_to_tensor(b, dtype=x.dtype)), v, result)
        from tensorflux.ops.array_ops import identity
        return identity(result, name=scope)
