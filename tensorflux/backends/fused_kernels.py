"""Kernels of the optimizer's fused ops (``tensorflux.ops.fused_ops``).

On the CPU (NumPy) a ``_Fused`` op becomes a generated Python function: one ufunc call
per elementwise op with ``out=``, writing into the output array wherever the value
being replaced is no longer needed (its own input when it dies there, a buffer of the
plan, or the array the first full-size call made), so a chain allocates at most one
array and often none. The source names only made-up identifiers; ufuncs and constants
come in through its globals. On a device namespace (CuPy, the strict stand-in) the
elementwise program runs inside one ``fuse``: one kernel launch per chain, after the
matrix product when there is one.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from tensorflux.backends.blas_threads import gemm_update_for, matmul_for
from tensorflux.backends.kernel_table import KernelTable, fuser
from tensorflux.core import errors
from tensorflux.core.registry import registry
from tensorflux.ops.fused_ops import analyze, blame


def _take(buffers, slot, shape, dtype):
    """An array of ``shape`` and ``dtype`` over the bytes of buffer ``slot`` (values of
    any dtype and shape whose lifetimes do not overlap share a slot), grown as needed."""
    size = math.prod(shape) * dtype.itemsize
    store = buffers.get(slot)
    if store is None or store.size < size:
        store = buffers[slot] = np.empty(size, np.uint8)
    return store[:size].view(dtype).reshape(shape)


def _cpu_fused(op, ctx):
    a = analyze(op)
    n = a.n_inputs
    slot, inplace = op.attrs["out"], op.attrs["inplace"]
    out_dtype = a.dtypes[a.output]
    env = {"_take": _take, "_out_dtype": out_dtype}
    last_read = {}
    for k, call in enumerate(a.calls):
        for r in call.args:
            last_read[r] = k
    names = {("in", i): f"i{i}" for i in range(n)}
    lines, step_of_line = [], {}

    def emit(text, step):
        lines.append(text)
        step_of_line[len(lines)] = step

    holds = None  # what the output array ``o`` holds now
    ready = False
    if inplace >= 0:
        emit(f"o = i{inplace}", None)
        holds, ready = ("in", inplace), True
    elif slot >= 0:
        anchor = a.anchor()
        if anchor[0] == "in":
            shape = f"i{anchor[1]}.shape"
        else:
            ta, tb = a.calls[0].params
            x, y = (names[r] for r in a.calls[0].args)
            shape = f"({x}.shape[{1 if ta else 0}], {y}.shape[{0 if tb else 1}])"
        # this op's view of the slot, kept between runs while the slot keeps its bytes
        view = repr(("view", op._id))
        emit(f"o = B.get({view})", None)
        emit(f"if o is None or o.shape != {shape} or o.base is not B[{slot}]:", None)
        emit(f"    o = B[{view}] = _take(B, {slot}, {shape}, _out_dtype)", None)
        ready = True
    for k, call in enumerate(a.calls):
        ref = ("call", k)
        args = []
        for r in call.args:
            if r[0] == "const":
                cname = f"c{r[1]}_{call.dtype.str[1:]}"
                env[cname] = call.dtype.type(r[1])
                args.append(cname)
            else:
                args.append(names[r])
        into_o = (a.dtypes[ref] == out_dtype and a.full(ref)
                  and (holds is None or last_read.get(holds, -1) <= k))
        if call.ufunc == "matmul":
            fname = f"mm{k}"
            env[fname] = matmul_for(*call.params)
        else:
            fname = f"u{k}"
            env[fname] = getattr(np, call.ufunc)
        if into_o and ready:
            emit(f"{fname}({', '.join(args)}, out=o)", call.step)
        elif into_o:
            emit(f"o = {fname}({', '.join(args)})", call.step)
            ready = True
        else:
            emit(f"s{k} = {fname}({', '.join(args)})", call.step)
        if into_o:
            names[ref], holds = "o", ref
        else:
            names[ref] = f"s{k}"
    params = [f"i{i}" for i in range(n)] + (["B"] if slot >= 0 else [])
    source = "\n".join(
        [f"def fused({', '.join(params)}):", "    try:"]
        + ["        " + line for line in lines]
        + ["        return " + names[a.output],
           "    except Exception as exc:",
           "        _blame(exc, _step(exc))",
           "        raise"])
    code = compile(source, "<tensorflux fused kernel>", "exec")

    def step_of(exc):
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code is not fn.__code__:
            tb = tb.tb_next
        return None if tb is None else step_of_line.get(tb.tb_lineno - 2)

    env.update(_blame=lambda exc, step: blame(exc, op, step), _step=step_of)
    exec(code, env)
    fn = env["fused"]
    fn.wants_buffers = slot >= 0
    fn.source = source
    return fn


def _device_fused(xp, fuse):
    """The ``_Fused`` kernel on a device namespace: the product, then the elementwise
    calls in one ``fuse`` (a single launch on CuPy), which gets only the values they
    read (``fuse`` broadcasts all its arguments together)."""
    def build(op, ctx):
        a = analyze(op)
        head = a.calls[0] if a.calls[0].ufunc == "matmul" else None
        first = 1 if head is not None else 0
        body_calls = list(enumerate(a.calls))[first:]
        used = sorted({r[1] for _, c in body_calls for r in c.args if r[0] == "in"})
        position = {("in", i): p for p, i in enumerate(used)}
        position[("call", 0)] = len(used)  # the product, when there is one
        last = len(a.calls) - 1

        def body(*values):
            results = {}
            for k, call in body_calls:
                args = [r[1] if r[0] == "const" else results[r] if r in results
                        else values[position[r]] for r in call.args]
                results[("call", k)] = getattr(xp, call.ufunc)(*args)
            return results[("call", last)]

        if body_calls and fuse is not None:
            body = fuse(kernel_name="tensorflux_fused")(body)

        def run(*inputs):
            try:
                values = [inputs[i] for i in used]
                if head is not None:
                    (x, y), (ta, tb) = (inputs[r[1]] for r in head.args), head.params
                    product = xp.matmul(x.T if ta else x, y.T if tb else y)
                    if not body_calls:
                        return product
                    values.append(product)
                return body(*values)
            except Exception as exc:
                blame(exc, op, len(op.attrs["program"]) - 1)
                raise
        return run
    return build


def make_fused_kernels(xp):
    K = KernelTable()
    on_host = xp is np

    @K.builder("_Fused")
    def _fused(op, ctx):
        return _cpu_fused(op, ctx) if on_host else _device_fused(xp, fuser(xp))(op, ctx)

    def variable(op, ctx):
        """``f()``: the writable array of ``op``'s variable (copied once if it was not)."""
        name, store = ctx.var_name(op), ctx.variables

        def get():
            try:
                var = store[name]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, f"Attempting to use uninitialized value {name}") from None
            if not getattr(var.flags, "writeable", True):
                var = store[name] = xp.array(var, copy=True)
            return var
        return get

    @K.builder("_ApplyGradientDescentInPlace")
    def _gd_in_place(op, ctx):
        get = variable(op, ctx)

        def run(alpha, delta):
            var = get()
            delta *= alpha  # alpha * delta, bit for bit, without a new array
            var -= delta
            return var
        return run

    @K.builder("_MatMulGradientDescent")
    def _matmul_gd(op, ctx):
        get = variable(op, ctx)
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if on_host:
            update = gemm_update_for(ta, tb)
        else:
            def update(var, alpha, a, b):
                var -= alpha * xp.matmul(a.T if ta else a, b.T if tb else b)

        def run(alpha, a, b):
            var = get()
            try:
                update(var, alpha, a, b)
            except Exception as exc:
                blame(exc, op, 0)  # the product failed (its operands' shapes)
                raise
            return var
        return run

    @K.builder("_XentWithGrad")
    def _xent_with_grad(op, ctx):
        # the cross entropy's own kernel, bound to a copy of ``op`` (its name and line,
        # for errors) with the cross entropy's type and attrs (none)
        plain = copy.copy(op)
        plain._type, plain.attrs = op.attrs["xent"], {}
        xent = registry.get_kernel(plain._type, ctx.backend).bind(plain, ctx)
        mean = op.attrs["mean"]

        def run(logits, labels, scale):
            loss, grad = xent(logits, labels)  # new arrays: scaled in place
            if mean:  # as MeanGrad: scale / (rows per scale value), the same everywhere
                rows = loss.size // max(scale.size, 1)
                if rows:
                    grad *= scale.reshape(()) / scale.dtype.type(rows)
                else:
                    grad *= scale.dtype.type(0)
            else:  # (rows,) or (rows or 1, 1)
                grad *= scale.reshape(-1, 1)
            return loss, grad
        return run

    return K
