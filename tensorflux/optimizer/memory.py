"""Memory planning for the CPU: plan-owned buffers and work in place.

- **In place.** A ``_Fused`` op writes its output into an input that dies there (the op
  is its only reader and no view of it exists), when that input is an array nobody else
  holds (``op_table.FRESH``: made by a kernel for this run, never a feed, a variable, a
  constant or a buffer's view) and has the output's shape whenever the op runs. An
  ``ApplyGradientDescent`` whose ``delta`` dies there scales it in place.
- **Buffers.** The output of a ``_Fused`` op whose array, and every array written in
  place over it, and every view of them, is read only by ops that keep nothing
  (``op_table.CONSUMERS``) and is never fetched, is written into a buffer of the plan
  (``out=``): allocated on the first run, reused on every later run of the same shape.
  Values whose lifetimes do not overlap share one buffer (its bytes: it grows to the
  largest of them), whatever their dtypes and shapes. Each concurrent run of a plan gets its own set of buffers.

Fetched values are never in a buffer (the caller owns what it gets) and fed values are
never written. Only ops on the CPU backend are planned.
"""
from __future__ import annotations

import itertools

from tensorflux.core.registry import registry
from tensorflux.ops.fused_ops import analyze
from tensorflux.optimizer.op_table import CONSUMERS, FRESH, VIEWS


def plan_memory(program):
    ops = program.ops
    host, fetched, fed = program.host, program.fetched, program.fed
    consumers = program.consumers()
    producer = {t: op for op in ops for t in op._outputs}
    on_host = {op: program.backend(op) == host for op in ops}

    def owned(t):
        """Whether ``t`` is an array of this run that no one else refers to."""
        op = producer.get(t)
        return (op is not None and on_host[op] and op._type in FRESH and t not in fed
                and t not in fetched and bool(t._shape.ndims))

    def dies_at(t, op):
        return consumers.get(t) == [op]

    analyses, head = {}, {}  # head: tensor -> first tensor of the array it lives in
    new_ops = []
    for op in ops:
        if on_host[op] and op._type == "_Fused":
            a = analyses[op] = analyze(op)
            inplace = _in_place_input(op, a, owned, dies_at)
            if inplace >= 0:
                op = program.derive(op, attrs={**op.attrs, "inplace": inplace})
                analyses[op] = a
                head[op._outputs[0]] = head.get(op._inputs[inplace], op._inputs[inplace])
        elif (on_host[op] and op._type == "ApplyGradientDescent"
              and registry.find_kernel("_ApplyGradientDescentInPlace", host) is not None):
            var, alpha, delta = op._inputs
            if (owned(delta) and dies_at(delta, op) and alpha._shape.ndims == 0
                    and delta._shape.as_tuple() == var._shape.as_tuple()):
                op = program.derive(op, "_ApplyGradientDescentInPlace")
        new_ops.append(op)
    program.ops = new_ops
    _assign_buffers(program, analyses, head)


def _in_place_input(op, a, owned, dies_at):
    """An input ``op`` may overwrite with its output, or -1."""
    matmul_args = set(a.calls[0].args) if a.calls[0].ufunc == "matmul" else set()
    for i, t in enumerate(op._inputs):
        ref = ("in", i)
        if (ref not in matmul_args and a.full(ref) and owned(t) and dies_at(t, op)
                and a.dtypes[ref] == a.dtypes[a.output]):
            return i
    return -1


def _assign_buffers(program, analyses, head):
    """Give each eligible array a buffer slot, sharing slots between arrays whose
    lifetimes do not overlap."""
    ops = program.ops
    consumers = program.consumers()
    position = {op: i for i, op in enumerate(ops)}
    maker = {t: op for op in ops for t in op._outputs}
    arrays = {}  # first tensor -> every tensor living in that array
    for op in ops:
        for t in op._outputs:
            arrays.setdefault(head.get(t, t), []).append(t)
    candidates = []
    for first, tensors in arrays.items():
        op = maker[first]
        if op not in analyses or op.attrs["inplace"] >= 0 or analyses[op].anchor() is None:
            continue
        end = _last_use(tensors, consumers, program.fetched, position)
        if end is not None:
            candidates.append((position[op], end, op))
    free, busy, slot_of, slots = [], [], {}, itertools.count()
    for start, end, op in sorted(candidates, key=lambda c: c[0]):
        for item in [b for b in busy if b[0] < start]:  # lifetimes that ended before
            busy.remove(item)
            free.append(item[1])
        slot = free.pop() if free else next(slots)
        busy.append((end, slot))
        slot_of[op] = slot
    program.ops = [program.derive(op, attrs={**op.attrs, "out": slot_of[op]})
                   if op in slot_of else op for op in ops]


def _last_use(tensors, consumers, fetched, position):
    """The position of the last op reading the array of ``tensors`` (or a view of it),
    or None when the array escapes: fetched, or read by an op that may keep it."""
    seen, stack, end = set(), list(tensors), -1
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        if t in fetched:
            return None
        for reader in consumers.get(t, ()):
            if reader._type in VIEWS:
                stack.extend(reader._outputs)
            elif reader._type not in CONSUMERS:
                return None
            end = max(end, position[reader])
    return end
