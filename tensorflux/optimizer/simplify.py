"""Arithmetic simplification: rewrites that give bit-for-bit the same values.

- ``x * 1``, ``1 * x``, ``x / 1``, ``x + 0``, ``0 + x``, ``x - 0`` become ``x`` when the
  constant cannot broadcast ``x`` to a larger shape (``x + 0`` turns a -0.0 into +0.0,
  as in TensorFlow's arithmetic optimizer);
- ``-(-x)`` becomes ``x``; ``x + (-y)`` and ``(-y) + x`` become ``x - y``, and
  ``x - (-y)`` becomes ``x + y`` (IEEE defines subtraction as that addition);
- a transpose of a transpose becomes one transpose, or ``x`` when they cancel;
- a chain of adds of one shape (``((a + b) + c) + d``, each intermediate sum read only
  by the next add) becomes one ``AddN(a, b, c, d)``, which sums in the same order
  (for arrays: scalars gain nothing; or when every term is one tensor ``x``).

Never rewritten: ``x - x`` and ``x * 0`` (NaN and infinity must stay NaN), and an op
whose replacement would be a variable's value (it is read where each reader runs, so a
reader after an update would see the new value).
"""
from __future__ import annotations

import numpy as np

from tensorflux.optimizer.program import cannot_expand, dims, is_variable

_CHAIN_KINDS = "fiuc"


def _constant(t, fed):
    op = t._op
    if op._type != "Const" or t in fed:
        return None
    return np.asarray(op.attrs["value"])


def _neutral(op, fed):
    """The operand ``op`` (x*1, x+0, ...) passes through unchanged, or None."""
    t = op._type
    ones, zeros = t in ("Mul", "RealDiv"), t in ("Add", "Sub")
    if not (ones or zeros):
        return None
    sides = ((0, 1),) if t in ("Sub", "RealDiv") else ((0, 1), (1, 0))
    for keep, drop in sides:
        x, c = op._inputs[keep], _constant(op._inputs[drop], fed)
        if (c is not None and c.dtype.kind in "fiuc" and np.all(c == (1 if ones else 0))
                and cannot_expand(c.shape, dims(x)) and not is_variable(x)):
            return x
    return None


def _perm(op):
    rank = op._inputs[0]._shape.ndims
    perm = op.attrs.get("perm")
    if perm is None:
        return None if rank is None else tuple(range(rank))[::-1]
    return tuple(perm)


def simplify_arithmetic(program):
    fed, fetched = program.fed, program.fetched
    consumers = program.consumers()
    producer = {}  # tensor -> the (possibly rewritten) op that computes it
    chains = {}    # a sum's tensor -> its operands, when it may be extended

    def single_use(t):
        return len(consumers.get(t, ())) == 1 and t not in fetched and t not in fed

    def negated(t):
        op = producer.get(t)
        return op._inputs[0] if op is not None and op._type == "Neg" else None

    def add_chain(op):
        out = op._outputs[0]
        if out._dtype.np_dtype.kind not in _CHAIN_KINDS:
            return None
        x, y = op._inputs
        shape = dims(out)
        if not (x is y or (shape and None not in shape and dims(x) == shape == dims(y))):
            return None
        for link, other in ((x, y), (y, x)):  # a + b == b + a exactly
            if link in chains and single_use(link):
                operands = chains[link] + [other]
                chains[out] = operands
                return [program.derive(op, "AddN", operands, {})]
        chains[out] = [x, y]
        return None

    def step(op):
        result = _rewrite(op)
        for o in (result if isinstance(result, list) else [op] if result is None else []):
            for t in o._outputs:
                producer[t] = o
        return result

    def _rewrite(op):
        t = op._type
        if not op._outputs or any(o in fed for o in op._outputs):
            return None
        same = _neutral(op, fed)
        if same is not None:
            return {op._outputs[0]: same}
        if t == "Neg":
            inner = negated(op._inputs[0])
            if inner is not None and not is_variable(inner):
                return {op._outputs[0]: inner}
        elif t in ("Add", "Sub"):
            x, y = op._inputs
            if negated(y) is not None:
                return [program.derive(op, "Sub" if t == "Add" else "Add", [x, negated(y)])]
            if t == "Add" and negated(x) is not None:
                return [program.derive(op, "Sub", [y, negated(x)])]
            if t == "Add":
                return add_chain(op)
        elif t == "Transpose":
            inner = producer.get(op._inputs[0])
            if inner is not None and inner._type == "Transpose":
                p1, p2 = _perm(inner), _perm(op)
                if p1 is not None and p2 is not None and len(p1) == len(p2):
                    perm = tuple(p1[i] for i in p2)
                    x = inner._inputs[0]
                    if perm == tuple(range(len(perm))) and not is_variable(x):
                        return {op._outputs[0]: x}
                    return [program.derive(op, inputs=[x], attrs={**op.attrs, "perm": perm})]
        return None

    program.rewrite(step)
