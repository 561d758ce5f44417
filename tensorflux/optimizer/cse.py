"""Common subexpression elimination: of two pure ops of one type with the same inputs,
attrs, device and control inputs, the later one goes and its readers read the earlier
one's outputs. Equal small constants merge too, which lets their readers merge.

An op that reads a variable merges only with one that reads it between the same
variable updates (the value read could differ otherwise).
"""
from __future__ import annotations

import numpy as np

from tensorflux.optimizer.program import is_pure, reads_variable

_SMALL = 1024  # constants up to this many bytes are compared by value


def _frozen(value):
    """A hashable stand-in for an attr value; unhashable values compare by identity."""
    if isinstance(value, np.ndarray):
        if value.nbytes <= _SMALL and value.dtype.kind != "O":
            return ("array", value.dtype.str, value.shape, value.tobytes())
        return ("object", id(value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return (type(value).__name__, value)


def eliminate_common_subexpressions(program):
    seen = {}
    updates = 0  # ops seen so far that may change a variable
    waited = program.waited_for()
    backend = program.backend

    def step(op):
        nonlocal updates
        if not is_pure(op):
            if op._type != "VariableV2":
                updates += 1
            return None
        if op._id in waited or not op._outputs or any(t in program.fed for t in op._outputs):
            return None
        key = (op._type, tuple(op._inputs), _frozen(op.attrs), backend(op),
               tuple(c._id for c in op._control_inputs),
               updates if reads_variable(op) else None)
        first = seen.setdefault(key, op)
        if first is op:
            return None
        return dict(zip(op._outputs, first._outputs))

    program.rewrite(step)
