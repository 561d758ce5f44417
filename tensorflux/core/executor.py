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

import weakref
from typing import Any

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.core.graph import Operation, Tensor
from tensorflux.core.registry import registry

# Ops whose output is an existing array (state or a constant): fetched values of these
# are copied so that a caller mutating a result cannot change the graph's state.
_ALIASING_OPS = {"VariableV2", "Const", "Assign", "AssignAdd", "AssignSub"}


class KernelContext:
    """What a kernel builder may use: the session's variable store, its resources
    (queues, readers) and RNGs."""

    def __init__(self, session, backend):
        self.session = session
        self.variables = session._variables
        self.resources = session._resources
        self.backend = backend
        # Scratch that the kernels of one plan may share (a convolution hands its im2col
        # matrix to the filter gradient of the same input).
        self.shared = {}

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
        """As TF1 (``np.asarray(value, dtype)``), but stricter where that would lose data:
        a value of another kind (float for int) is a TypeError, and so is a Python int
        outside the tensor's range (TF1's check); strings are parsed as numbers, and a
        string that is no number or a ragged nested list is a ValueError."""
        dt = self.np_dtype
        try:
            src = np.asarray(value)
        except ValueError as exc:  # a ragged nested list
            raise ValueError(f"Cannot feed this value for Tensor {self.tensor.name!r} "
                             f"({self.tensor.dtype.name}, shape {self.tensor.shape}): {exc}") from None
        if dt.kind == "O" and src.dtype.kind in "SU" and not isinstance(value, np.ndarray):
            src = np.array(value, dtype=object)  # keeps trailing NUL bytes of each string
        if dt.kind == "O":
            ok = src.dtype.kind in "OSU"
        elif src.dtype.kind in "SU":
            try:
                return src.astype(dt)
            except ValueError as exc:
                raise ValueError(f"Cannot feed {value!r} for Tensor {self.tensor.name!r}, which "
                                 f"has dtype {self.tensor.dtype.name}: {exc}") from None
        else:
            ok = (src.dtype == dt or np.can_cast(src.dtype, dt, "same_kind")
                  or (src.dtype.kind in "biu" and dt.kind in "biuf"))
        if not ok:
            raise TypeError(
                f"Cannot feed a value of dtype {src.dtype} (shape {src.shape}) for Tensor "
                f"{self.tensor.name!r}, which has dtype {self.tensor.dtype.name} and shape "
                f"{self.tensor.shape}")
        if dt.kind == "O":
            return dtypes.as_bytes_array(src)
        if (dt.kind in "iu" and src.dtype.kind in "iu" and src.size
                and not isinstance(value, (np.ndarray, np.generic))):
            info = np.iinfo(dt)
            if src.min() < info.min or src.max() > info.max:
                raise TypeError(
                    f"Type of feed value {value!r} with type {type(value)} is not compatible "
                    f"with Tensor type {dt} (Tensor {self.tensor.name!r}): out of range. Try "
                    f"explicitly setting the type of the feed tensor to a larger type (e.g. int64).")
        return src.astype(dt, copy=False)


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
    """A compiled signature: ``fn(variables, *fed_values) -> tuple of fetched values``.

    Sub-plans (a cond branch, a loop's cond or body) are Plans too: ``fn(variables,
    *bound_values)`` returns the context's outputs."""

    def __init__(self, fn, code, feed_specs, line_ops, line_inputs, source=""):
        self.fn = fn
        self.code = code
        self.source = source  # the generated Python, for debugging
        self.feed_specs = feed_specs
        self.line_ops = line_ops
        self.line_inputs = line_inputs
        _PLANS[code] = self

    def annotated_source(self) -> str:
        """The generated source with the op each line runs as a comment (the names are
        shown, never compiled): ``name (Type)``, and a fused op's original ops."""
        lines = self.source.split("\n")
        for lineno, op in self.line_ops.items():
            members = op.attrs.get("members") if isinstance(op.attrs, dict) else None
            parts = [f"{m.name} ({m.type})" for m in members] if members else []
            note = f"{op.type}: " + " + ".join(parts) if parts else f"{op.name} ({op.type})"
            lines[lineno - 1] = f"{lines[lineno - 1]:<36}  # {note}"
        return "\n".join(lines)

    def translate_error(self, exc: BaseException):
        """Turn an exception raised inside the plan (or a sub-plan it ran) into a
        tf.errors.* naming the op that failed, its input shapes, the user's line that
        created it and, inside loops, the iteration."""
        tb = exc.__traceback__
        plan, frame_locals, lineno = None, None, None
        while tb is not None:  # the innermost plan frame is where the op failed
            found = _PLANS.get(tb.tb_frame.f_code)
            if found is not None:
                plan, frame_locals, lineno = found, tb.tb_frame.f_locals, tb.tb_lineno
            tb = tb.tb_next
        op = plan.line_ops.get(lineno) if plan is not None else None
        if op is None:
            return None
        member = getattr(exc, "_tfx_op", None)  # the op of a fused kernel that failed
        inputs = plan.line_inputs.get(lineno, ()) if member is None else [("", t) for t in member.inputs]
        op = member or op
        where = f"\n  [[node {op.name} ({op.type}) created at {op.location}]]" if op.location else ""
        loops = "".join(f"\n  in iteration {i} of while loop {loop.name!r}"
                        for loop, i in getattr(exc, "_tfx_iterations", ()))
        if isinstance(exc, errors.OpError):
            if exc.op is None:
                exc.op = op
            if op.location and str(op.location) not in exc.message:
                exc.message += where
            if loops and loops not in exc.message:
                exc.message += loops
            exc.args = (exc.message,)
            return exc
        if op.type == "VariableV2" and isinstance(exc, KeyError):
            return errors.FailedPreconditionError(
                None, op, f"Attempting to use uninitialized value {op.name}{where}{loops}")
        shapes = []
        for name, tensor in inputs:
            val = frame_locals.get(name) if name in (frame_locals or {}) else None
            shape = getattr(val, "shape", None)
            shapes.append(f"{tensor.name}: {tuple(shape) if shape is not None else tensor.shape}")
        message = (f"{op.type} op {op.name!r} failed: {type(exc).__name__}: {exc}\n"
                   f"  input shapes: [{', '.join(shapes)}]{where}{loops}")
        cls = errors.ResourceExhaustedError if isinstance(exc, MemoryError) else errors.InvalidArgumentError
        return cls(None, op, message)


# Every plan by its code object, so that an error raised several sub-plans deep is
# traced back to the op that raised it.
_PLANS: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()


def _dependencies(op, fed, context=None):
    """The ops ``op`` waits for. Inside a context, only ops of that context count (what
    comes from outside is bound to the sub-plan's arguments), except variables, which
    are read where they are used."""
    refs = op._opdef.ref_inputs
    deps = list(op._control_inputs)
    deps.extend(t._op for i, t in enumerate(op._inputs) if i not in refs and t not in fed)
    if context is not None:
        deps = [d for d in deps if d._context is context or d.type == "VariableV2"]
    return deps


def _prune(fetch_ops, fed: set, context=None):
    """Ops needed for the fetches, in an order that respects every dependency; stops
    at fed tensors. Ops that write variables (ref inputs) run as late as their
    dependencies allow, so reads that do not depend on an update see the old value."""
    needed, stack = set(), list(fetch_ops)
    while stack:
        op = stack.pop()
        if op not in needed:
            needed.add(op)
            stack.extend(d for d in _dependencies(op, fed, context) if d not in needed)
    # Creation order breaks ties, never set order (object hashes differ between
    # processes): MPI ranks must run the same graph's collectives in the same order.
    ordered = sorted(needed, key=lambda o: o._id)
    consumers = {op: [] for op in ordered}
    indegree = dict.fromkeys(ordered, 0)
    for op in ordered:
        for d in dict.fromkeys(_dependencies(op, fed, context)):
            consumers[d].append(op)
            indegree[op] += 1
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


class PlanBuilder:
    """Writes the source of one plan: a line per op, each a direct kernel call.

    ``names`` maps each computed Tensor to the local variable holding its value and
    ``where`` each such name to the backend holding it; values cross backends through
    transfer lines (constants once, at compile time)."""

    def __init__(self, session, returned=()):
        self.session = session
        self.host = session._cpu_backend
        self.env: dict[str, Any] = {"_scalar": _scalar, "_copy": _copy, "_own": _own}
        self.names: dict[Tensor, str] = {}
        # A variable's value is read from the store ("@name" values) by each op that
        # uses it, right before that op: an update in between (an assign its reader
        # waits for) is then seen. A returned variable is read where its op is placed.
        self.returned = set(returned)
        self.returned_values: dict[Tensor, str] = {}
        self._variable_ops: dict[str, Operation] = {}
        self.aliased: set[str] = set()
        self.where: dict[str, str] = {}
        self.transfers: dict[tuple[str, str], str] = {}
        self.body: list[tuple[str, Operation | None, list]] = []
        self.contexts = {}
        self.params: list[str] = []
        self.uses_buffers = False
        self._counter = 0

    def fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def bind(self, tensor: Tensor, backend: str) -> str:
        """A parameter of the plan's function holding ``tensor``'s value."""
        name = self.fresh("a")
        self.params.append(name)
        self.where[name] = backend
        if tensor is not None:
            self.names[tensor] = name
        return name

    def kernel_context(self, backend):
        ctx = self.contexts.get(backend)
        if ctx is None:
            ctx = self.contexts[backend] = KernelContext(self.session, backend)
        return ctx

    def value_on(self, name: str, backend: str, op, dtype=None) -> str:
        """The name of ``name``'s value on ``backend``: constants are converted once
        here; other values by a line the plan runs before ``op``. Opaque values
        (TensorArrays, a loop's per-iteration stacks) stay where they are."""
        source = self.where.get(name, self.host)
        if source == backend or (dtype is not None and dtype.np_dtype.kind == "V"):
            return name
        key = (name, backend)
        if key in self.transfers:
            return self.transfers[key]
        to_host = registry.get_backend(source).to_host
        from_host = registry.get_backend(backend).from_host
        if name.startswith("c"):
            new = self.fresh("c")
            self.env[new] = from_host(to_host(self.env[name]))
        else:
            new, fname = self.fresh("t"), self.fresh("x")
            self.env[fname] = lambda value: from_host(to_host(value))
            self.body.append((f"{new} = {fname}({name})", op, [name]))
        self.where[new] = backend
        self.transfers[key] = new
        return new

    def emit(self, op: Operation, fed: set, used: set):
        """Add the line(s) computing ``op``; ``used`` holds every tensor a later line
        or the caller reads (control-flow ops skip work for unused outputs)."""
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
            return
        if op.type == "NoOp":
            return
        if op.type == "Const":
            cname = self.fresh("c")
            self.env[cname] = op.attrs["value"]
            self.where[cname] = self.host
            if op._outputs[0] not in fed:
                self.names[op._outputs[0]] = cname
                self.aliased.add(cname)
            return
        if op.type == "Identity" and op._inputs[0] in self.names:
            if op._outputs[0] not in fed:
                self._alias(op._outputs[0], self.names[op._inputs[0]])
            return
        if op.type == "VariableV2":
            kname = self.fresh("n")
            self.env[kname] = op.name
            lazy = "@" + kname
            self._variable_ops[lazy] = op
            self.where[lazy] = self.session._backend_for(op)  # variables live on their device
            if op._outputs[0] not in fed:
                self._alias(op._outputs[0], lazy)
            return
        if op.type in CONTROL_FLOW_OPS:
            from tensorflux.core.control_flow_exec import build_control_flow
            fn, arg_backends, out_backends = build_control_flow(self, op, used)
            self._call(op, fn, [self.names[t] for t in op._inputs], arg_backends,
                       out_backends, fed)
            # a branch may return a constant or a variable: fetches copy the outputs
            self.aliased.update(self.names[t] for t in op._outputs if t in self.names)
            return

        backend = self.session._backend_for(op)
        try:
            kernel = registry.get_kernel(op.type, backend)
        except KeyError as exc:
            raise errors.NotFoundError(None, op, f"{exc.args[0]}; needed by op {op.describe()}") from None
        fn = kernel.bind(op, self.kernel_context(backend))
        refs = op._opdef.ref_inputs
        inputs, wanted = [], []
        for i, t in enumerate(op._inputs):
            if i not in refs:
                inputs.append(self.names[t])
                wanted.append(self.host if kernel.input_on_host(i) else backend)
        out_backend = self.host if kernel.host_outputs else backend
        self._call(op, fn, inputs, wanted, [out_backend] * len(op._outputs), fed)

    def _alias(self, tensor, name):
        """``tensor``'s value is ``name``'s (an Identity, a variable read)."""
        self.names[tensor] = name
        if tensor in self.returned and name.startswith("@"):
            self.returned_values[tensor] = self.read_variable(name)

    def read_variable(self, lazy: str) -> str:
        """A line reading the variable behind ``lazy`` ("@name") from the store now."""
        out = self.fresh("t")
        self.where[out] = self.where[lazy]
        self.aliased.add(out)
        self.body.append((f"{out} = V[{lazy[1:]}]", self._variable_ops[lazy], []))
        return out

    def value(self, tensor) -> str:
        """The name holding a returned tensor's value."""
        return self.returned_values.get(tensor) or self.names[tensor]

    def _call(self, op, fn, inputs, wanted, out_backends, fed):
        kname = self.fresh("k")
        self.env[kname] = fn
        args = []
        data_inputs = [t for i, t in enumerate(op._inputs) if i not in op._opdef.ref_inputs]
        for name, backend, t in zip(inputs, wanted, data_inputs):
            if name.startswith("@"):
                name = self.read_variable(name)
            args.append(self.value_on(name, backend, op, t.dtype))
        outs = []
        for t, backend in zip(op._outputs, out_backends):
            if t in fed:
                outs.append("_")
            else:
                o = self.fresh("t")
                self.names[t] = o
                self.where[o] = backend
                outs.append(o)
        # A kernel with plan-owned buffers (an optimizer's fused op) gets this run's set.
        buffers = ["B"] if getattr(fn, "wants_buffers", False) is True else []
        self.uses_buffers = self.uses_buffers or bool(buffers)
        call = f"{kname}({', '.join(args + buffers)})"
        if op.type in _ALIASING_OPS or op._opdef.ref_inputs:  # outputs that are state
            self.aliased.update(o for o in outs if o != "_")
        if not outs:
            line = call
        elif len(outs) == 1 and not callable(op._opdef.num_outputs):
            line = f"{outs[0]} = {call}"
        else:  # kernels of multi-output ops return a tuple, even of one value
            line = f"{', '.join(outs)}, = {call}"
        self.body.append((line, op, args))

    def compile(self, returns, keep=(), label="plan", feed_specs=()) -> Plan:
        """The plan's function: deletes each intermediate after its last reader and
        returns the ``returns`` expressions. ``keep`` names values never deleted."""
        last_use = {}
        for idx, (_, _, args) in enumerate(self.body):
            for a in args:
                last_use[a] = idx
        keep = set(keep)
        lines = [f"def __plan(V{''.join(', ' + a for a in self.params)}):"]
        if self.uses_buffers:  # one set of buffers per concurrent run, reused after it
            self.env["_pool"] = []
            lines.append("    B = _pool.pop() if _pool else {}")
        line_ops, line_inputs = {}, {}
        for idx, (line, op, args) in enumerate(self.body):
            lines.append("    " + line)
            lineno = len(lines)
            line_ops[lineno] = op
            refs = op._opdef.ref_inputs
            line_inputs[lineno] = [(self.names.get(t, ""), t) for i, t in enumerate(op._inputs)
                                   if i not in refs]
            dead = sorted({a for a in args if last_use.get(a) == idx and a not in keep
                           and a.startswith("t")})
            if dead:
                lines.append("    del " + ", ".join(dead))
        if self.uses_buffers:
            lines.append("    _pool.append(B)")
        lines.append(f"    return ({''.join(r + ', ' for r in returns)})")
        source = "\n".join(lines)
        code = compile(source, f"<tensorflux {label}>", "exec")
        exec(code, self.env)
        fn = self.env["__plan"]
        return Plan(fn, fn.__code__, list(feed_specs), line_ops, line_inputs, source)


def used_tensors(order, extra=()) -> set:
    """Every tensor read by an op of ``order`` (or listed in ``extra``)."""
    used = set(extra)
    for op in order:
        used.update(op._inputs)
    return used


# Op types the executor runs itself by compiling their contexts into sub-plans.
CONTROL_FLOW_OPS = frozenset({"If", "While"})


def compile_plan(session, fetch_elements, feed_tensors) -> Plan:
    """Build the plan for fetching ``fetch_elements`` (Tensors / Operations) with
    values fed for ``feed_tensors``."""
    for element in list(fetch_elements) + list(feed_tensors):
        op = element if isinstance(element, Operation) else element.op
        if op._context is not None:
            what = "a while loop" if op._context.kind == "while" else "a cond branch"
            raise ValueError(
                f"{element.name!r} is inside {what} ({op._context.name!r}) and cannot be "
                f"fetched or fed: its value exists only while the loop or branch runs. "
                f"Return it from the branch or loop body instead.")
    fed = set(feed_tensors)
    fetch_ops = []
    for f in fetch_elements:
        if isinstance(f, Operation):
            fetch_ops.append(f)
        elif f not in fed:
            fetch_ops.append(f._op)
    order = _prune(fetch_ops, fed)
    if session._graph_passes:  # folding, fusion, buffers: tensorflux.optimizer
        from tensorflux.optimizer import optimize
        order = optimize(session, order, fetch_elements, fed, session._graph_passes)
    builder = PlanBuilder(session, [f for f in fetch_elements if isinstance(f, Tensor)])
    for t in feed_tensors:
        builder.bind(t, builder.host)
    used = used_tensors(order, [f for f in fetch_elements if isinstance(f, Tensor)])
    for op in order:
        builder.emit(op, fed, used)

    # Return expression: one value per fetched Tensor (Operations give None).
    where, host = builder.where, builder.host
    returns, returned = [], set()
    for f in fetch_elements:
        if isinstance(f, Operation):
            returns.append("None")
            continue
        n = builder.value(f)
        if f.dtype.np_dtype.kind == "V":
            raise TypeError(f"Tensor {f.name!r} holds an opaque {f.dtype.name} value "
                            f"(a TensorArray or a loop's saved values) and cannot be fetched")
        expr = n
        if where.get(n, host) != host:  # results come back as NumPy arrays
            tname = builder.fresh("h")
            builder.env[tname] = registry.get_backend(where[n]).to_host
            expr = f"{tname}({expr})"
        if f.shape.ndims == 0:
            expr = f"_scalar({expr})"
        elif f.dtype.np_dtype.kind != "O" and (
                n in builder.aliased or (where.get(n, host) == host
                                         and (n.startswith("a") or n in returned))):
            expr = f"_copy({expr})"  # state, a fed array, or a value returned twice
        elif n.startswith("t"):
            expr = f"_own({expr})"
        returned.add(n)
        returns.append(expr)
    keep = {builder.value(f) for f in fetch_elements if isinstance(f, Tensor)}
    return builder.compile(returns, keep, feed_specs=[FeedSpec(t) for t in feed_tensors])
