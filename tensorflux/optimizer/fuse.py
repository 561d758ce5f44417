"""Fusion: elementwise ops, and a matrix product followed by elementwise ops, become one
``_Fused`` op (``tensorflux.ops.fused_ops``) computed by one kernel; a softmax cross
entropy and the row scaling of its gradient become one ``_XentWithGrad`` op.

An elementwise op of ``op_table.ELEMENTWISE`` joins the op that reads its output when
that is its only reader, it is neither fetched nor fed nor waited for, both run on one
backend that has a ``_Fused`` kernel, and (when it reads a variable) no update runs
between them. A rank-2 ``MatMul`` joins the same way, as the first step of a group
(so MatMul + BiasAdd + Relu, and a matmul gradient + ReluGrad, are one kernel); what
feeds a matmul stays outside. On the CPU a lone MatMul or elementwise op becomes a
one-step ``_Fused`` op too, which the memory planner can give a buffer or let work in
place. A fused group keeps the root's name, creation site and output; its ``members``
are the original ops, so an error inside names the one that failed.

The gradient of a loss built on a softmax cross entropy multiplies the cross entropy's
gradient output row by row: ``ExpandDims(g, -1) * backprop``, where ``g`` is, for
``reduce_mean(loss)``, ``MeanGrad(scalar, loss)``. When nothing else reads those
values, the cross entropy op computes the scaled gradient itself, in place.
"""
from __future__ import annotations

from tensorflux.core.registry import registry
from tensorflux.optimizer.op_table import elementwise_entry
from tensorflux.optimizer.program import cannot_expand, dims, is_pure, reads_variable


def _matmul(op):
    return (op._type == "MatMul" and all(t._shape.ndims == 2 for t in op._inputs)
            and op._inputs[0]._dtype.np_dtype.kind in "fc")


def _step_kind(op):
    """"matmul", "elementwise" or None."""
    if _matmul(op):
        return "matmul"
    return "elementwise" if elementwise_entry(op) is not None else None


_XENT = ("SparseSoftmaxCrossEntropyWithLogits", "SoftmaxCrossEntropyWithLogits")


def fuse_xent_gradients(program):
    """``ExpandDims(g, -1) * backprop`` (with ``g = MeanGrad(scalar, loss)``, or ``g``
    one value per row known before the cross entropy runs, or a constant of shape
    ``(rows, 1)``: a folded ``grad_ys``) into the cross entropy op that made ``backprop``
    and ``loss``."""
    ops = program.ops
    consumers, waited = program.consumers(), program.waited_for()
    producer = {t: op for op in ops for t in op._outputs}
    position = {op: i for i, op in enumerate(ops)}
    barrier = program.fetched | program.fed

    def only_reader(t, op):
        return consumers.get(t) == [op] and t not in barrier and producer[t]._id not in waited

    def row_scale(mul, factor, xent):
        """(scale, mean, the ops it replaces) when ``mul = factor * backprop`` scales
        ``xent``'s gradient rows as ``_XentWithGrad`` can, else None."""
        source = producer.get(factor)
        if source is None:
            return None
        if source._type == "Const":  # a folded ExpandDims of a constant (grad_ys)
            shape = dims(factor)
            if shape is None or len(shape) != 2 or shape[1] != 1 or not cannot_expand(
                    shape, dims(xent._outputs[1])):
                return None
            return factor, False, []
        if (source._type != "ExpandDims" or source.attrs["axis"] not in (-1, 1)
                or not only_reader(factor, mul)):
            return None
        g = source._inputs[0]
        mean_grad = producer.get(g)
        if (mean_grad is not None and mean_grad._type == "MeanGrad"
                and mean_grad._inputs[1] is xent._outputs[0] and only_reader(g, source)
                and mean_grad._inputs[0]._shape.num_elements() == 1):
            return mean_grad._inputs[0], True, [mean_grad, source]  # rows: the loss's
        if g._shape.ndims == 1 and cannot_expand(dims(factor), dims(xent._outputs[1])):
            return g, False, [source]  # one value per row
        return None

    replaced, dropped = {}, set()
    for mul in ops:
        if mul._type != "Mul" or mul._id in waited:
            continue
        for e_side in (0, 1):
            backprop = mul._inputs[1 - e_side]
            xent = producer.get(backprop)
            if (xent is None or xent._type not in _XENT or xent in replaced
                    or backprop is not xent._outputs[1] or xent._inputs[0]._shape.ndims != 2
                    or not only_reader(backprop, mul)
                    or registry.find_kernel("_XentWithGrad", program.backend(xent)) is None):
                continue
            found = row_scale(mul, mul._inputs[e_side], xent)
            if found is None:
                continue
            scale, mean, members = found
            source = producer.get(scale)
            hoist = source is not None and position[source] > position[xent]
            if hoist and (source._type != "Const" or source._control_inputs or source in dropped):
                continue  # the scale is not known yet where the cross entropy runs
            attrs = {"xent": xent._type, "mean": mean, "members": (xent, *members, mul)}
            fused = program.derive(xent, "_XentWithGrad", [*xent._inputs, scale], attrs,
                                   [xent._outputs[0], mul._outputs[0]])
            replaced[xent] = [source, fused] if hoist else [fused]  # a constant moves up
            dropped.update(members + [mul])
            if hoist:
                dropped.add(source)
            break
    program.ops = [new for op in ops if op not in dropped for new in replaced.get(op, [op])]


def fuse_ops(program):
    ops = program.ops
    fed, fetched, waited = program.fed, program.fetched, program.waited_for()
    consumers = program.consumers()
    position = {op: i for i, op in enumerate(ops)}
    updates, count = [], 0  # updates[i]: state-changing ops before position i
    for op in ops:
        updates.append(count)
        count += not is_pure(op) and op._type != "VariableV2"
    root_of, groups = {}, {}

    def joins(op, kind):
        out = op._outputs[0]
        readers = consumers.get(out, ())
        if (len(readers) != 1 or out in fetched or out in fed or op._id in waited
                or len(op._outputs) != 1):
            return None
        root = root_of.get(readers[0])
        if root is None or _step_kind(readers[0]) == "matmul":
            return None  # what feeds a matrix product stays outside it
        if program.backend(op) != program.backend(root):
            return None
        if kind == "matmul" and any(_step_kind(m) == "matmul" for m in groups[root]):
            return None
        if reads_variable(op) and updates[position[root]] != updates[position[op]]:
            return None
        return root

    for op in reversed(ops):
        kind = _step_kind(op) if is_pure(op) else None
        if kind is None:
            continue
        root = joins(op, kind) or op
        root_of[op] = root
        groups.setdefault(root, []).append(op)

    replaced = {}
    for root, members in groups.items():
        members.sort(key=lambda m: (_step_kind(m) != "matmul", position[m]))
        backend = program.backend(root)
        shape = dims(root._outputs[0])
        if (registry.find_kernel("_Fused", backend) is None or not shape
                or (len(members) == 1 and backend != program.host)):
            continue
        replaced[root] = _fused(program, root, members)
    dropped = {m for root in replaced for m in groups[root]}
    program.ops = [replaced.get(op, op) for op in ops if op in replaced or op not in dropped]


def _fused(program, root, members):
    """The ``_Fused`` op computing ``members`` (matmul first, then in run order)."""
    inside = {m._outputs[0]: len(members) for m in members}  # placeholder values
    inputs, index = [], {}
    steps = []
    for j, m in enumerate(members):
        args = []
        for t in m._inputs:
            if t in inside and inside[t] < j:
                args.append(("step", inside[t]))
            else:
                if t not in index:
                    index[t] = len(inputs)
                    inputs.append(t)
                args.append(("in", index[t]))
        params = (m.attrs["transpose_a"], m.attrs["transpose_b"]) if _matmul(m) else ()
        steps.append((m._type, args, params))
        inside[m._outputs[0]] = j
    n = len(inputs)
    program_attr = tuple((op_type, tuple(a[1] if a[0] == "in" else n + a[1] for a in args), params)
                         for op_type, args, params in steps)
    out = root._outputs[0]
    attrs = {"program": program_attr, "dtype": out._dtype, "shape": out._shape,
             "members": tuple(members), "out": -1, "inplace": -1}
    return program.derive(root, "_Fused", inputs, attrs)
