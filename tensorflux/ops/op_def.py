"""Declaring the built-in ops: ``defop`` adds an OpDef to the library's list and
``gradient`` attaches a gradient function, next to the op it differentiates."""
from __future__ import annotations

from dataclasses import replace

from tensorflux.core.registry import NOT_DIFFERENTIABLE, OpDef

OPS: dict[str, OpDef] = {}
GRADIENTS: dict[str, object] = {}


def defop(name: str, inputs=("x",), **kwargs) -> OpDef:
    """Declare a built-in op (registered through the ``ops`` plugin)."""
    if name in OPS:
        raise ValueError(f"built-in op {name!r} declared twice")
    opdef = OpDef(name, tuple(inputs), **kwargs)
    OPS[name] = opdef
    return opdef


def gradient(*op_types):
    """Decorator: ``@gradient("Add") def _(op, grad): return [gx, gy]``."""
    def deco(fn):
        for t in op_types:
            GRADIENTS[t] = fn
        return fn
    return deco


def not_differentiable(*op_types):
    for t in op_types:
        GRADIENTS[t] = NOT_DIFFERENTIABLE


def all_opdefs():
    """Every built-in OpDef with its gradient attached."""
    return [replace(d, gradient=GRADIENTS.get(name, d.gradient)) for name, d in OPS.items()]
