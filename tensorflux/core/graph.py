"""Graph, Operation and Tensor; default graphs, name scopes, control dependencies,
device scopes and collections, with TF1's naming rules.
"""
from __future__ import annotations

import contextlib
import re
import threading
from typing import Optional

from tensorflux.core import dtypes as _dtypes
from tensorflux.core.control_flow import check_input
from tensorflux.core.registry import REQUIRED, registry
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.core.source import user_location

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\-/>]*$")


class GraphKeys:
    """Standard collection names, as in TF1."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = GLOBAL_VARIABLES
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    METRIC_VARIABLES = "metric_variables"


def canonical_device(spec) -> str:
    """'/gpu:0' -> '/device:GPU:0', '/cpu:0' -> '/device:CPU:0'; other parts kept."""
    if not spec:
        return ""
    parts = []
    for part in str(spec).strip("/").split("/"):
        m = re.fullmatch(r"(?:device:)?(cpu|gpu|CPU|GPU|[A-Za-z_]+):(\d+|\*)", part)
        if m and not part.startswith(("job:", "replica:", "task:")):
            parts.append(f"device:{m.group(1).upper()}:{m.group(2)}")
        else:
            parts.append(part)
    return "/" + "/".join(parts)


class Tensor:
    """A symbolic handle to one output of an Operation: ``op:index``."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "__weakref__")

    def __init__(self, op: "Operation", value_index: int, dtype, shape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = shape
        self._consumers = []

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)
    device = property(lambda self: self._op.device)

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape):
        """Refine the static shape; raises ValueError if it contradicts what is known."""
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        return _run_with_default_session(self, feed_dict, session, "Tensor.eval()")

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    def __bool__(self):
        raise TypeError("Using a tf.Tensor as a Python `bool` is not allowed in graph "
                        "mode. Use `if t is not None:` to test for presence, or tf.cond / "
                        "tf.where to branch on its value.")

    def __iter__(self):
        raise TypeError(f"Tensor {self.name} is not iterable in graph mode; use "
                        f"tf.unstack or index it.")

    def __len__(self):
        raise TypeError(f"len() is not supported for Tensor {self.name}; use "
                        f"tensor.shape[0] or tf.shape(tensor)[0].")

    __hash__ = object.__hash__

    # Arithmetic operators are installed by tensorflux.ops (TF1's _override_operator),
    # since core knows no ops.
    @classmethod
    def _override_operator(cls, operator: str, fn):
        setattr(cls, operator, fn)

    __array_priority__ = 100


class Operation:
    """A node of the graph: an instance of a registered op type."""

    __slots__ = ("_graph", "_name", "_type", "_opdef", "_inputs", "_outputs",
                 "_control_inputs", "_device", "attrs", "location", "_id", "_context",
                 "__weakref__")

    def __init__(self, graph, name, opdef, inputs, attrs, control_inputs, device, location,
                 context=None):
        self._graph = graph
        self._name = name
        self._type = opdef.name
        self._opdef = opdef
        self._inputs = tuple(inputs)
        self.attrs = attrs
        self._control_inputs = list(control_inputs)
        self._device = device
        self.location = location
        self._outputs = []
        self._id = graph._next_id()
        self._context = context  # the cond branch / loop body it belongs to, or None

    name = property(lambda self: self._name)
    type = property(lambda self: self._type)
    graph = property(lambda self: self._graph)
    op_def = property(lambda self: self._opdef)
    inputs = property(lambda self: self._inputs)
    outputs = property(lambda self: list(self._outputs))
    control_inputs = property(lambda self: list(self._control_inputs))

    @property
    def num_outputs(self) -> int:
        return self._opdef.output_count(self.attrs)

    @property
    def device(self) -> str:
        return self._device

    def _set_device(self, device):
        self._device = canonical_device(device)

    def values(self):
        return tuple(self._outputs)

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self._name!r} ({self._type}) has no attr {name!r}") from None

    def _add_control_input(self, op):
        if op not in self._control_inputs:
            self._control_inputs.append(op)

    def run(self, feed_dict=None, session=None):
        _run_with_default_session(self, feed_dict, session, "Operation.run()")

    def describe(self) -> str:
        """'name' (Type) created at File "...", line N: used in error messages."""
        where = f" created at {self.location}" if self.location else ""
        return f"{self._name!r} ({self._type}){where}"

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self._type}>"


def _run_with_default_session(fetch, feed_dict, session, what):
    from tensorflux.core.session import get_default_session
    session = session or get_default_session()
    if session is None:
        raise ValueError(f"Cannot evaluate {fetch.name!r} with {what}: no default session "
                         f"is registered. Use `with sess.as_default():` or pass "
                         f"session=sess.")
    if session.graph is not fetch.graph:
        raise ValueError(f"Cannot use the given session to evaluate {fetch.name!r}: its "
                         f"graph is different from the session's graph.")
    return session.run(fetch, feed_dict)


class Graph:
    """A TF1 computation graph: a container of Operations and collections."""

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._local = threading.local()
        self._collections = {}
        self._finalized = False
        self._id_counter = 0
        self._lock = threading.RLock()
        self.seed = None
        self._version = 0
        # Per-graph state owned by other modules (variable store, scope counters...).
        self._variable_store = {}
        self._variable_scope_counts = {}
        self._contexts = []  # control-flow contexts (cond branches, loop bodies), in order

    # --- thread-local construction state ---------------------------------------
    def _tls(self):
        tls = self._local
        if not hasattr(tls, "name_stack"):
            tls.name_stack = ""
            tls.control_deps = []
            tls.devices = []
            tls.var_scope = None
            tls.context = None
        return tls

    def _next_id(self) -> int:
        self._id_counter += 1
        return self._id_counter

    @property
    def _last_id(self) -> int:
        return self._id_counter

    @property
    def version(self) -> int:
        return self._version

    # --- default graph --------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        stack = _default_graph_stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()

    # --- finalize ------------------------------------------------------------------
    def finalize(self):
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    # --- names ------------------------------------------------------------------
    def get_name_scope(self) -> str:
        return self._tls().name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TF1's rule: prefix the current name scope; on a clash (case-insensitive)
        append ``_1``, ``_2``, ... to the first unused variant."""
        stack = self._tls().name_stack
        if stack:
            name = f"{stack}/{name}"
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base_key = key
            while key in self._names_in_use:
                key = f"{base_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Open a name scope. ``None`` or "" resets to the root; a name ending in "/"
        re-enters that exact scope; anything else is made unique."""
        tls = self._tls()
        old = tls.name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            if not _VALID_SCOPE_NAME.match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
            new = name[:-1]
        else:
            if not (_VALID_SCOPE_NAME.match(name) if old else _VALID_OP_NAME.match(name)):
                raise ValueError(f"'{name}' is not a valid scope name")
            new = self.unique_name(name)
        tls.name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            tls.name_stack = old

    # --- control dependencies and devices -------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after ``control_inputs``. ``None`` clears the
        dependencies and, as in TF1, leaves any cond branch or loop body being built, so
        that what is created there (a variable and its initializer) runs outside it."""
        tls = self._tls()
        old, old_context = tls.control_deps, tls.context
        if control_inputs is None:
            tls.control_deps = []
            tls.context = None
        else:
            ops = []
            for c in control_inputs:
                c = _as_op(c)
                if c.graph is not self:
                    raise ValueError(f"Control input {c.name!r} is from a different graph")
                ops.append(c)
            tls.control_deps = old + ops
        try:
            yield
        finally:
            tls.control_deps = old
            tls.context = old_context

    # --- control-flow contexts ----------------------------------------------------------
    def _get_control_flow_context(self):
        """The cond branch or loop body ops are being added to now (None: the graph)."""
        return self._tls().context

    @contextlib.contextmanager
    def _control_flow_context(self, context):
        """Add the ops created inside to ``context`` (a ``ControlFlowContext``)."""
        tls = self._tls()
        old = tls.context
        tls.context = context
        try:
            yield context
        finally:
            tls.context = old

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        tls = self._tls()
        tls.devices.append(device_name_or_function)
        try:
            yield
        finally:
            tls.devices.pop()

    def _current_device(self, op) -> str:
        device = ""
        for d in self._tls().devices:
            if d is None:
                device = ""
            elif callable(d):
                device = d(op) or ""
            else:
                inner = canonical_device(d)
                device = _merge_device(device, inner)
        return canonical_device(device)

    # --- op creation -----------------------------------------------------------------
    def create_op(self, op_type: str, inputs=(), attrs=None, name=None,
                  control_inputs=()) -> Operation:
        """Create an Operation of a registered type and return it.

        ``name`` is made unique inside the current name scope; a name ending in "/"
        (a scope name returned by ``name_scope``) is used exactly, without the slash.
        Static dtypes and shapes are inferred here, so shape errors surface at the
        user's line.
        """
        self._check_not_finalized()
        opdef = registry.get_op(op_type)
        location = user_location()
        full_attrs = dict(opdef.attrs)
        if attrs:
            for k, v in attrs.items():
                if k not in full_attrs:
                    raise TypeError(f"Op {op_type} has no attr {k!r} (known: {sorted(full_attrs)})")
                full_attrs[k] = v
        missing = [k for k, v in full_attrs.items() if v is REQUIRED]
        if missing:
            raise TypeError(f"Op {op_type} is missing required attrs {missing}")
        inputs = list(inputs)
        if not opdef.variadic and len(inputs) != len(opdef.inputs):
            raise TypeError(f"Op {op_type} takes {len(opdef.inputs)} inputs "
                            f"({', '.join(opdef.inputs)}), got {len(inputs)}")
        for t in inputs:
            if not isinstance(t, Tensor):
                raise TypeError(f"Input to op {op_type} must be a Tensor, got {t!r}")
            if t.graph is not self:
                raise ValueError(f"Tensor {t.name} must be from the same graph as the "
                                 f"op {op_type} being created")
        with self._lock:
            if name is None:
                name = op_type
            if name.endswith("/"):
                name = name[:-1]
                self._names_in_use.setdefault(name.lower(), 1)
            else:
                if not _VALID_OP_NAME.match(name):
                    raise ValueError(f"'{name}' is not a valid op name")
                name = self.unique_name(name)
            tls = self._tls()
            context = tls.context
            deps = list(tls.control_deps) + [_as_op(c) for c in control_inputs]
            for t in inputs:
                if t._op._context is not context:
                    check_input(context, t, name)
            for c in deps:
                if c._context is not context:
                    check_input(context, c, name)
            op = Operation(self, name, opdef, inputs, full_attrs, _dedupe(deps), "", location,
                           context)
            op._device = self._current_device(op)
            try:
                out_dtypes = opdef.dtype_fn(op)
                out_shapes = opdef.shape_fn(op)
            except (ValueError, TypeError) as exc:
                shapes = ", ".join(f"{t.name}: {t.shape}" for t in inputs)
                where = f"\n  created at {location}" if location else ""
                raise type(exc)(f"{exc} (op {name!r} of type {op_type}, inputs: "
                                f"[{shapes}]){where}") from None
            op._outputs = [Tensor(op, i, _dtypes.as_dtype(d), as_shape(s))
                           for i, (d, s) in enumerate(zip(out_dtypes, out_shapes))]
            if len(op._outputs) != op.num_outputs:
                raise RuntimeError(f"Op {op_type}: shape/dtype functions returned "
                                   f"{len(op._outputs)} outputs, expected {op.num_outputs}")
            for t in inputs:
                t._consumers.append(op)
            if context is not None:
                context.ops.append(op)
            self._ops.append(op)
            self._ops_by_name[name] = op
            self._version += 1
        return op

    # --- lookup -----------------------------------------------------------------
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings, got {name!r}")
        if ":" in name:
            raise ValueError(f"The name {name!r} looks like a Tensor name; use "
                             f"get_tensor_by_name, or drop the ':<index>'.")
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings, got {name!r}")
        op_name, sep, index = name.rpartition(":")
        if not sep or not index.isdigit():
            raise ValueError(f"The name {name!r} refers to an Operation, not a Tensor. "
                             f"Tensor names must be of the form \"<op_name>:<output_index>\".")
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. "
                           f"The operation {op_name!r} does not exist in the graph.")
        i = int(index)
        if i >= len(op._outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. "
                           f"The operation {op_name!r} has {len(op._outputs)} outputs.")
        return op._outputs[i]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolve a Tensor, Operation, Variable or name string to a graph element."""
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
            raise ValueError(f"Name {obj!r} must be a tensor name of the form 'op:0'")
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj.name} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj.name} is not an element of this graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a graph element: {obj!r}")

    # --- serialization -------------------------------------------------------------
    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph as a TensorFlow ``GraphDef`` protocol buffer, which
        ``tf.train.write_graph``, ``tf.graph_util`` and TensorFlow itself read (see
        tensorflux.interop.graph_export; tensorflux's own .meta format is separate)."""
        from tensorflux.interop.graph_export import graph_to_graph_def
        return graph_to_graph_def(self, add_shapes=add_shapes)

    # --- collections ------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._check_not_finalized()
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for name in ([names] if isinstance(names, str) else set(names)):
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [i for i in items if getattr(i, "name", None) is not None and pattern.match(i.name)]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    @property
    def collections(self):
        return self.get_all_collection_keys()


def _merge_device(outer: str, inner: str) -> str:
    """Inner device fields override outer ones (job/replica/task/device)."""
    if not outer:
        return inner
    fields = {}
    for spec in (outer, inner):
        for part in spec.strip("/").split("/"):
            if part:
                fields[part.split(":")[0] if not part.startswith("device:") else "device"] = part
    return "/" + "/".join(fields.values())


def _as_op(x) -> Operation:
    if isinstance(x, Operation):
        return x
    if isinstance(x, Tensor):
        return x.op
    if hasattr(x, "_as_graph_element"):
        return _as_op(x._as_graph_element())
    if hasattr(x, "op") and isinstance(x.op, Operation):
        return x.op
    raise TypeError(f"Can not convert {x!r} to an Operation")


def _dedupe(ops):
    seen, out = set(), []
    for o in ops:
        if id(o) not in seen:
            seen.add(id(o))
            out.append(o)
    return out


# --- the default graph ----------------------------------------------------------
_global_default_graph: Optional[Graph] = None
_thread_state = threading.local()
_global_lock = threading.Lock()


def _default_graph_stack():
    stack = getattr(_thread_state, "graphs", None)
    if stack is None:
        stack = _thread_state.graphs = []
    return stack


def get_default_graph() -> Graph:
    stack = _default_graph_stack()
    if stack:
        return stack[-1]
    global _global_default_graph
    if _global_default_graph is None:
        with _global_lock:
            if _global_default_graph is None:
                _global_default_graph = Graph()
    return _global_default_graph


def reset_default_graph():
    """Replace the global default graph by a fresh one (not allowed inside a
    ``with graph.as_default()`` block or while a default session is open)."""
    if _default_graph_stack():
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                             "If you need a cleared graph, exit the nesting and create a new graph.")
    global _global_default_graph
    _global_default_graph = Graph()


def name_scope(name, default_name=None, values=None):
    """TF1's ``tf.name_scope(name, default_name=None, values=None)``."""
    graph = get_default_graph()
    if values:
        for v in values:
            g = getattr(v, "graph", None)
            if isinstance(g, Graph):
                graph = g
                break
    n = name if name is not None else default_name
    if name is None and default_name is None and values is not None:
        raise ValueError("At least one of name and default_name must be given")
    return graph.name_scope(n)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)
