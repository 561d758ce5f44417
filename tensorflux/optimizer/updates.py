"""Gradient descent folded into the weight gradient's product (CPU).

``ApplyGradientDescent(var, alpha, delta)`` where ``delta`` is a lone matrix product (a
one-step ``_Fused`` MatMul, as fusion leaves the weight gradients) becomes one
``_MatMulGradientDescent(var, alpha, a, b)`` at the update's place: on one BLAS thread a
single GEMM adds ``-alpha`` times the product into the variable, with no product array
and no scaling or subtraction pass. The rounding changes (one rounding of the scaled
sum instead of three), so the variables agree with the unoptimized plan's within a few
ulp of the terms, not bit for bit.

It applies only when the product is read by the update alone and is neither fetched,
fed nor waited for, both run on the CPU, the shapes are static and equal, and each
operand of the product keeps its value until the update runs (it is moved there): a fed
value, a constant, or a new array of this run that only pure ops read and none views
(so no update can hold it as a variable's value).
"""
from __future__ import annotations

from tensorflux.core.registry import registry
from tensorflux.optimizer.op_table import FRESH, VIEWS
from tensorflux.optimizer.program import dims, is_pure


def fold_updates_into_products(program):
    host = program.host
    if registry.find_kernel("_MatMulGradientDescent", host) is None:
        return
    ops = program.ops
    consumers, waited = program.consumers(), program.waited_for()
    producer = {t: op for op in ops for t in op._outputs}
    barrier = program.fetched | program.fed

    def keeps_value(t, product):
        if t in program.fed:
            return True
        source = producer.get(t)
        if source is None or not (source._type == "Const" or source._type in FRESH):
            return False
        return all(r is product or (is_pure(r) and r._type not in VIEWS)
                   for r in consumers.get(t, ()))

    replaced, dropped = {}, set()
    for op in ops:
        if op._type != "ApplyGradientDescent" or program.backend(op) != host:
            continue
        var, alpha, delta = op._inputs
        product = producer.get(delta)
        if (product is None or product._type != "_Fused" or program.backend(product) != host
                or len(product.attrs["program"]) != 1 or consumers.get(delta) != [op]
                or delta in barrier or product._id in waited or alpha._shape.ndims != 0
                or delta._dtype.np_dtype.char not in "fd" or None in (dims(var) or (None,))
                or dims(delta) != dims(var)):
            continue
        step_type, args, (transpose_a, transpose_b) = product.attrs["program"][0]
        operands = [product._inputs[i] for i in args]
        if step_type != "MatMul" or not all(keeps_value(t, product) for t in operands):
            continue
        attrs = {"transpose_a": transpose_a, "transpose_b": transpose_b,
                 "members": (*product.attrs["members"], op),
                 "use_locking": op.attrs.get("use_locking", False)}
        replaced[op] = program.derive(op, "_MatMulGradientDescent", [var, alpha, *operands], attrs)
        dropped.add(product)
    program.ops = [replaced.get(op, op) for op in ops if op not in dropped]
