"""Constant folding: an op whose inputs are all constants is computed once, when the
plan is compiled, by its CPU kernel, and becomes a constant of the plan.

Folded: pure ops (not stateful, no variable updates, no control flow) whose data
inputs are all constants, and ``Shape``/``Size``/``Rank`` of any tensor whose static
shape is fully known. Not folded: a constant that is fed (feeding replaces it), an op
whose kernel raises (it raises when the plan runs, as before, naming the op), results
larger than the limit (10 MiB by default, ``OptimizerOptions.max_folded_constant_in_bytes``)
and ops that read files. A folded fetched tensor is still returned as a fresh copy.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core.registry import registry
from tensorflux.optimizer.op_table import NEVER_FOLD, SHAPE_OPS
from tensorflux.optimizer.program import is_pure


def _static_value(op):
    """The value of a Shape/Size/Rank op from its input's static shape, or None."""
    dims = op._inputs[0]._shape.as_tuple()
    if dims is None or (op._type != "Rank" and None in dims):
        return None
    dt = op._outputs[0]._dtype.np_dtype
    if op._type == "Shape":
        return np.array(dims, dtype=dt)
    if op._type == "Size":
        return np.array(int(np.prod(dims, dtype=np.int64)), dtype=dt)
    return np.array(len(dims), dtype=dt)


def _evaluate(program, op, values):
    """``op``'s outputs computed by its CPU kernel, or None when it cannot be."""
    from tensorflux.core.executor import KernelContext
    kernel = registry.find_kernel(op._type, program.host)
    if kernel is None:
        return None
    ctx = KernelContext(program.session, program.host)
    try:
        result = kernel.bind(op, ctx)(*values)
    except Exception:  # left to raise when the plan runs, naming the op
        return None
    multi = len(op._outputs) != 1 or callable(op._opdef.num_outputs)
    results = list(result) if multi else [result]
    if len(results) != len(op._outputs):
        return None
    out = []
    for t, value in zip(op._outputs, results):
        if not isinstance(value, (np.ndarray, np.generic)):
            return None  # an opaque value (a TensorArray handle, ...)
        value = np.asarray(value)
        if value.dtype != t._dtype.np_dtype or not t._shape.is_compatible_with(value.shape):
            return None
        out.append(value)
    return out


def fold_constants(program, max_bytes):
    fed = program.fed
    constants = {}

    def constant(op, t, value):
        constants[t] = value
        return program.derive(op, "Const", [], {"value": value, "dtype": t._dtype}, [t])

    def step(op):
        if op._type == "Const":
            t = op._outputs[0]
            if t not in fed:
                constants[t] = op.attrs["value"]
            return None
        if not is_pure(op) or op._type in NEVER_FOLD or not op._outputs:
            return None
        if op._type in SHAPE_OPS:
            value = _static_value(op)
            values = None if value is None else [value]
        elif op._inputs and all(t in constants for t in op._inputs):
            values = _evaluate(program, op, [constants[t] for t in op._inputs])
        else:
            return None
        if values is None or sum(v.nbytes for v in values) > max_bytes:
            return None
        return [constant(op, t, v) for t, v in zip(op._outputs, values) if t not in fed]

    program.rewrite(step)
