"""Compiling a (fetches, feeds) signature of a graph into a plan, and running it.

A plan is a Python function generated once per signature: one line per op, each a direct
call of the kernel chosen for it, with local variables as value slots. Running a plan is
therefore a flat sequence of kernel calls with no per-op dictionary lookups or checks,
and CPython frees each intermediate array as soon as its slot is deleted after its last
use. Identity ops become aliases and constants become preloaded values.

The generated source contains only identifiers the compiler made up (``t12``, ``k3``);
op names, attrs and constants are passed in the function's globals, so nothing from a
graph (which may come from a file) is ever turned into code.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.core.graph import Operation, Tensor
from tensorflux.core.registry import registry

# Ops whose output is an existing array (state or a constant): fetched values of these
# are copied so that a caller mutating a result cannot change the graph's state.
_ALIASING_OPS = {"VariableV2", "Const", "Assign", "AssignAdd", "AssignSub"}


class KernelContext:
    """What a kernel builder may use: the session's variable store and RNGs."""

    def __init__(self, session, backend):
        self.session = session
        self.variables = session._variables
        self.backend = backend

    def rng(self, op: Operation) -> np.random.Generator:
        """The per-session random generator of one random op (seeded from its attrs)."""
        rngs = self.session._rngs
        gen = rngs.get(op.name)
        if gen is None:
            seed, seed2 = op.attrs.get("seed", 0), op.attrs.get("seed2", 0)
            gen = np.random.default_rng([seed, seed2]) if (seed or seed2) else np.random.default_rng()
            gen = rngs.setdefault(op.name, gen)
        return gen

    def var_name(self, op: Operation, input_index: int = 0) -> str:
        """The variable-store key of the variable that a ref input names."""
        return op.inputs[input_index].op.name


class FeedSpec:
    """Converts and checks one fed value against its tensor's dtype and static shape."""

    __slots__ = ("tensor", "np_dtype", "dims", "convert", "_fits", "_strings")

    def __init__(self, tensor: Tensor):
        self.tensor = tensor
        self.np_dtype = tensor.dtype.np_dtype
        self._strings = self.np_dtype.kind == "O"  # always converted: str becomes bytes
        self.dims = dims = tensor.shape.as_tuple()
        self.convert = self._convert
        # The shape test, specialised once: most feeds are fully known or unknown only
        # in the batch dimension.
        if dims is None:
            self._fits = lambda shape: True
        elif None not in dims:
            self._fits = lambda shape: shape == dims
        elif None not in dims[1:]:
            rank, rest = len(dims), dims[1:]
            self._fits = lambda shape: len(shape) == rank and shape[1:] == rest
        else:
            self._fits = lambda shape: len(shape) == len(dims) and all(
                d is None or d == s for d, s in zip(dims, shape))

    def _convert(self, value):
        if type(value) is not np.ndarray or value.dtype != self.np_dtype or self._strings:
            value = self._cast(value)
        if not self._fits(value.shape):
            raise ValueError(
                f"Cannot feed value of shape {tuple(value.shape)} for Tensor {self.tensor.name!r}, "
                f"which has shape {self.tensor.shape}")
        return value

    def _cast(self, value):
        dt = self.np_dtype
        src = np.asarray(value)
        ok = (src.dtype == dt or np.can_cast(src.dtype, dt, "same_kind")
              or (src.dtype.kind in "biu" and dt.kind in "biuf")
              or (src.dtype.kind == "b" and dt.kind == "b"))
        if dt.kind == "O":
            ok = src.dtype.kind in "OSU"
        if not ok:
            raise TypeError(
                f"Cannot feed a value of dtype {src.dtype} (shape {src.shape}) for Tensor "
                f"{self.tensor.name!r}, which has dtype {self.tensor.dtype.name} and shape "
                f"{self.tensor.shape}")
        return src.astype(dt, copy=False) if dt.kind != "O" else dtypes.as_bytes_array(src)


def _scalar(x):
    return x[()]


def _copy(x):
    return x.copy()


def _own(x):
    """A fetched array that may be a view of state (a reshape of a variable) is copied;
    0-d arrays become NumPy scalars, as TF1 returns them."""
    if getattr(x, "ndim", None) == 0:
        return x[()]
    return x if getattr(x, "base", None) is None else x.copy()


class Plan:
    """A compiled signature: ``fn(variables, *fed_values) -> tuple of fetched values``."""

    def __init__(self, fn, code, feed_specs, line_ops, line_inputs):
        self.fn = fn
        self.code = code
        self.feed_specs = feed_specs
        self.line_ops = line_ops
        self.line_inputs = line_inputs

    def translate_error(self, exc: BaseException):
        """Turn an exception raised inside the plan into a tf.errors.* naming the op."""
        tb = exc.__traceback__
        frame_locals, lineno = None, None
        while tb is not None:
            if tb.tb_frame.f_code is self.code:
                frame_locals, lineno = tb.tb_frame.f_locals, tb.tb_lineno
            tb = tb.tb_next
        op = self.line_ops.get(lineno)
        if op is None:
            return None
        if isinstance(exc, errors.OpError):
            if exc.op is None:
                exc.op = op
            if op.location and str(op.location) not in exc.message:
                exc.message += f"\n  [[node {op.name} ({op.type}) created at {op.location}]]"
                exc.args = (exc.message,)
            return exc
        where = f"\n  [[node {op.name} ({op.type}) created at {op.location}]]" if op.location else ""
        if op.type == "VariableV2" and isinstance(exc, KeyError):
            return errors.FailedPreconditionError(
                None, op, f"Attempting to use uninitialized value {op.name}{where}")
        shapes = []
        for name, tensor in self.line_inputs.get(lineno, ()):
            val = frame_locals.get(name) if name in (frame_locals or {}) else None
            shape = getattr(val, "shape", None)
            shapes.append(f"{tensor.name}: {tuple(shape) if shape is not None else tensor.shape}")
        message = (f"{op.type} op {op.name!r} failed: {type(exc).__name__}: {exc}\n"
                   f"  input shapes: [{', '.join(shapes)}]{where}")
        cls = errors.ResourceExhaustedError if isinstance(exc, MemoryError) else errors.InvalidArgumentError
        return cls(None, op, message)


def _dependencies(op, fed):
    refs = op._opdef.ref_inputs
    deps = list(op._control_inputs)
    deps.extend(t._op for i, t in enumerate(op._inputs) if i not in refs and t not in fed)
    return deps


def _prune(fetch_ops, fed: set):
    """Ops needed for the fetches, in an order that respects every dependency; stops
    at fed tensors. Ops that write variables (ref inputs) run as late as their
    dependencies allow, so reads that do not depend on an update see the old value."""
    needed, stack = set(), list(fetch_ops)
    while stack:
        op = stack.pop()
        if op not in needed:
            needed.add(op)
            stack.extend(d for d in _dependencies(op, fed) if d not in needed)
    consumers = {op: [] for op in needed}
    indegree = dict.fromkeys(needed, 0)
    for op in needed:
        for d in set(_dependencies(op, fed)):
            consumers[d].append(op)
            indegree[op] += 1
    ordered = sorted(needed, key=lambda o: o._id)  # creation order breaks ties
    readers = [op for op in ordered if indegree[op] == 0 and not op._opdef.ref_inputs]
    writers = [op for op in ordered if indegree[op] == 0 and op._opdef.ref_inputs]
    readers.reverse()
    writers.reverse()
    order = []
    while readers or writers:
        op = readers.pop() if readers else writers.pop()
        order.append(op)
        for c in consumers[op]:
            indegree[c] -= 1
            if indegree[c] == 0:
                (writers if c._opdef.ref_inputs else readers).append(c)
    if len(order) != len(needed):
        raise ValueError("The graph has a cycle among the ops needed for this run")
    return order


def _transfer(name, source, target, op, env, body, where, transfers, fresh):
    """The name of ``name``'s value on backend ``target``: constants are converted once
    here; other values by a line the plan runs before ``op``."""
    key = (name, target)
    if key in transfers:
        return transfers[key]
    to_host = registry.get_backend(source).to_host
    from_host = registry.get_backend(target).from_host
    if name.startswith("c"):
        new = fresh("c")
        env[new] = from_host(to_host(env[name]))
    else:
        new, fname = fresh("t"), fresh("x")
        env[fname] = lambda value: from_host(to_host(value))
        body.append((f"{new} = {fname}({name})", op, [name]))
    where[new] = target
    transfers[key] = new
    return new


def compile_plan(session, fetch_elements, feed_tensors) -> Plan:
    """Build the plan for fetching ``fetch_elements`` (Tensors / Operations) with
    values fed for ``feed_tensors``."""
    fed = set(feed_tensors)
    fetch_ops = []
    for f in fetch_elements:
        if isinstance(f, Operation):
            fetch_ops.append(f)
        elif f not in fed:
            fetch_ops.append(f._op)
    order = _prune(fetch_ops, fed)

    env: dict[str, Any] = {"_scalar": _scalar, "_copy": _copy, "_own": _own}
    names: dict[Tensor, str] = {}
    aliased: set[str] = set()
    host = session._cpu_backend
    where: dict[str, str] = {}  # value name -> backend holding it
    transfers: dict[tuple[str, str], str] = {}
    feed_args = []
    for i, t in enumerate(feed_tensors):
        names[t] = f"f{i}"
        where[f"f{i}"] = host
        feed_args.append(f"f{i}")

    # Values consumed later: name -> index of the last line that reads it.
    body: list[tuple[str, Operation | None, list]] = []
    contexts = {}
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    for op in order:
        if op.type == "Placeholder":
            needed = [t for t in op._outputs if t not in fed]
            if needed:
                t = op._outputs[0]
                created = f"\n  [[placeholder {op.name} created at {op.location}]]" if op.location else ""
                dims = t.shape.as_tuple()
                shape = "<unknown>" if dims is None else "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"
                raise errors.InvalidArgumentError(
                    None, op, f"You must feed a value for placeholder tensor {t.name!r} with "
                              f"dtype {t.dtype.name} and shape {shape}{created}")
            continue
        if op.type == "NoOp":
            continue
        if op.type == "Const":
            cname = fresh("c")
            env[cname] = op.attrs["value"]
            where[cname] = host
            if op._outputs[0] not in fed:
                names[op._outputs[0]] = cname
                aliased.add(cname)
            continue
        if op.type == "Identity" and op._inputs[0] in names:
            src = names[op._inputs[0]]
            if op._outputs[0] not in fed:
                names[op._outputs[0]] = src
            continue
        if op.type == "VariableV2":
            out = fresh("t")
            kname = fresh("n")
            env[kname] = op.name
            where[out] = session._backend_for(op)  # variables live on their device
            if op._outputs[0] not in fed:
                names[op._outputs[0]] = out
            aliased.add(out)
            body.append((f"{out} = V[{kname}]", op, []))
            continue

        backend = session._backend_for(op)
        ctx = contexts.get(backend)
        if ctx is None:
            ctx = contexts[backend] = KernelContext(session, backend)
        try:
            kernel = registry.get_kernel(op.type, backend)
        except KeyError as exc:
            raise errors.NotFoundError(None, op, f"{exc.args[0]}; needed by op {op.describe()}") from None
        kname = fresh("k")
        env[kname] = kernel.bind(op, ctx)
        refs = op._opdef.ref_inputs
        args = []
        for i, t in enumerate(op._inputs):
            if i in refs:
                continue
            name = names[t]
            wanted = host if kernel.input_on_host(i) else backend
            if where.get(name, host) != wanted:
                name = _transfer(name, where[name], wanted, op, env, body, where, transfers, fresh)
            args.append(name)
        outs = []
        out_backend = host if kernel.host_outputs else backend
        for t in op._outputs:
            if t in fed:
                outs.append("_")
            else:
                o = fresh("t")
                names[t] = o
                where[o] = out_backend
                outs.append(o)
        call = f"{kname}({', '.join(args)})"
        if op.type in _ALIASING_OPS:
            aliased.update(o for o in outs if o != "_")
        if not outs:
            line = call
        elif len(outs) == 1 and not callable(op._opdef.num_outputs):
            line = f"{outs[0]} = {call}"
        else:  # kernels of multi-output ops return a tuple, even of one value
            line = f"{', '.join(outs)}, = {call}"
        body.append((line, op, args))

    # Return expression: one value per fetched Tensor (Operations give None).
    returns = []
    for f in fetch_elements:
        if isinstance(f, Operation):
            returns.append("None")
            continue
        n = names[f]
        expr = n
        if where.get(n, host) != host:  # results come back as NumPy arrays
            tname = fresh("h")
            env[tname] = registry.get_backend(where[n]).to_host
            expr = f"{tname}({expr})"
        if f.shape.ndims == 0:
            expr = f"_scalar({expr})"
        elif n in aliased and f.dtype.np_dtype.kind != "O":
            expr = f"_copy({expr})"
        elif n.startswith("t"):
            expr = f"_own({expr})"
        returns.append(expr)

    # Liveness: delete each intermediate after its last reader.
    last_use = {}
    for idx, (_, _, args) in enumerate(body):
        for a in args:
            last_use[a] = idx
    returned = {names[f] for f in fetch_elements if isinstance(f, Tensor)}
    lines = [f"def __plan(V{''.join(', ' + a for a in feed_args)}):"]
    line_ops, line_inputs = {}, {}
    for idx, (line, op, args) in enumerate(body):
        lines.append("    " + line)
        lineno = len(lines)
        line_ops[lineno] = op
        refs = op._opdef.ref_inputs
        line_inputs[lineno] = [(names.get(t, ""), t) for i, t in enumerate(op._inputs) if i not in refs]
        dead = sorted({a for a in args if last_use.get(a) == idx and a not in returned
                       and a.startswith("t")})
        if dead:
            lines.append("    del " + ", ".join(dead))
    lines.append(f"    return ({''.join(r + ', ' for r in returns)})")
    source = "\n".join(lines)
    code = compile(source, "<tensorflux plan>", "exec")
    exec(code, env)
    fn = env["__plan"]
    specs = [FeedSpec(t) for t in feed_tensors]
    return Plan(fn, fn.__code__, specs, line_ops, line_inputs)
