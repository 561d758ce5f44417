"""Session: owns variable values and random state, runs fetches through cached plans."""
from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Mapping

import numpy as np

from tensorflux.core import blocking, cluster, dtypes, errors, threads
from tensorflux.core.executor import compile_plan
from tensorflux.core.graph import Graph, Operation, Tensor, get_default_graph
from tensorflux.core.registry import registry


class GPUOptions:
    """TF1's GPUOptions: memory settings honoured by GPU backends.

    With CuPy, ``per_process_gpu_memory_fraction`` below 1 caps CuPy's memory pool at
    that fraction of the device's memory. CuPy's pool always grows on demand, so
    ``allow_growth=True`` is what happens anyway and False does not preallocate."""

    def __init__(self, allow_growth=False, per_process_gpu_memory_fraction=1.0,
                 visible_device_list="", **kwargs):
        self.allow_growth = allow_growth
        self.per_process_gpu_memory_fraction = per_process_gpu_memory_fraction
        self.visible_device_list = visible_device_list
        self.__dict__.update(kwargs)


class ConfigProto:
    """TF1's ConfigProto (the fields that matter here); unknown fields are kept."""

    def __init__(self, device_count=None, allow_soft_placement=True,
                 log_device_placement=False, gpu_options=None,
                 intra_op_parallelism_threads=0, inter_op_parallelism_threads=0, **kwargs):
        self.device_count = dict(device_count or {})
        self.allow_soft_placement = allow_soft_placement
        self.log_device_placement = log_device_placement
        self.gpu_options = gpu_options or GPUOptions()
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        self.inter_op_parallelism_threads = inter_op_parallelism_threads
        self.__dict__.update(kwargs)


class RunOptions:
    """``timeout_in_ms`` bounds how long a run may wait in a blocking op (a queue, a
    reader) before it raises DeadlineExceededError; tracing options are ignored."""

    def __init__(self, timeout_in_ms=0, **kwargs):
        self.timeout_in_ms = timeout_in_ms
        self.__dict__.update(kwargs)


class RunMetadata:
    def __init__(self):
        self.step_stats = None


_session_state = threading.local()

# Op types the executor runs itself, with no kernel of their own: they can be placed on
# a backend that has the kernel named here (a variable, where it can be assigned).
_EXECUTOR_OPS = {"VariableV2": "Assign"}


def _updaters(op: Operation):
    """The ops that update ``op``'s output in place (for a variable: assign, Apply*...).
    A variable goes only where all of them have kernels, as TF places a colocation group."""
    if op.type not in _EXECUTOR_OPS:
        return ()
    out = op._outputs[0]
    return [c for c in out._consumers
            if any(c._inputs[i] is out for i in c._opdef.ref_inputs)]


def _strings_on_device(op: Operation, kernel) -> bool:
    """Whether running ``op`` with ``kernel`` puts strings in device memory."""
    string = dtypes.string
    return (any(t.dtype == string and not kernel.input_on_host(i) for i, t in enumerate(op._inputs))
            or (not kernel.host_outputs and any(t.dtype == string for t in op._outputs)))


def _session_stack():
    stack = getattr(_session_state, "stack", None)
    if stack is None:
        stack = _session_state.stack = []
    return stack


def get_default_session():
    """The innermost session entered with ``with sess.as_default()`` (or ``with sess``)
    in this thread, or None."""
    stack = _session_stack()
    return stack[-1] if stack else None


class _Composite:
    """Marks a composite fetch (a SparseTensor, an IndexedSlices) in a fetch structure."""


class _FetchStructure:
    """Flattens nested fetches to a list and rebuilds results in the same shape.

    A composite value (a SparseTensor, an IndexedSlices) is fetched as its component
    tensors and rebuilt by its ``_composite_value``."""

    @staticmethod
    def flatten(fetches, graph, out):
        if (isinstance(fetches, (Tensor, Operation, str))
                or hasattr(fetches, "_as_graph_element")):
            try:
                out.append(graph.as_graph_element(fetches))
            except (KeyError, ValueError) as exc:  # as TF1: a missing name is a ValueError
                reason = exc.args[0] if exc.args else exc
                raise ValueError(f"Fetch argument {fetches!r} cannot be interpreted as a "
                                 f"Tensor. ({reason})") from None
            return None
        if hasattr(fetches, "_composite_tensors"):
            parts = fetches._composite_tensors()
            out.extend(graph.as_graph_element(t) for t in parts)
            return (_Composite, (fetches._composite_value, len(parts)))
        if isinstance(fetches, Mapping):
            return (type(fetches), [(k, _FetchStructure.flatten(v, graph, out))
                                    for k, v in fetches.items()])
        if isinstance(fetches, (list, tuple)):
            return (type(fetches), [_FetchStructure.flatten(v, graph, out) for v in fetches])
        if fetches is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
        raise TypeError(f"Fetch argument {fetches!r} has invalid type {type(fetches)}, must be "
                        f"a string, Tensor, Operation, Variable, or a list/tuple/dict of them.")

    @staticmethod
    def rebuild(structure, values):
        it = iter(values)

        def build(s):
            if s is None:
                return next(it)
            kind, items = s
            if kind is _Composite:
                make, n = items
                return make(*[next(it) for _ in range(n)])
            if issubclass(kind, Mapping):
                d = {k: build(v) for k, v in items}
                try:
                    return kind(d)
                except TypeError:
                    return d
            vals = [build(v) for v in items]
            if kind is list:
                return vals
            if kind is tuple:
                return tuple(vals)
            if hasattr(kind, "_fields"):
                return kind(*vals)
            return kind(vals)

        return build(structure)


def _key(fetches):
    """A hashable key for a fetch structure (cheap for the common cases)."""
    t = type(fetches)
    if t is list or t is tuple:
        return (t, tuple(_key(f) for f in fetches))
    if isinstance(fetches, Mapping):
        return (t, tuple((k, _key(v)) for k, v in fetches.items()))
    return fetches


def _feed_expander(splitters):
    """None when no feed key is composite; else a function that replaces each value fed
    for a composite key by its component values."""
    if not any(splitters):
        return None

    def expand(values):
        out = []
        for split, value in zip(splitters, values):
            if split is None:
                out.append(value)
            else:
                out.extend(split(value))
        return out
    return expand


class BaseSession:
    def __init__(self, target="", graph=None, config=None):
        if graph is not None and not isinstance(graph, Graph):
            raise TypeError(f"graph must be a tf.Graph, got {type(graph).__name__}")
        self._graph = graph if graph is not None else get_default_graph()
        self._config = config or ConfigProto()
        cluster.check_target(target)
        threads.apply_config(self._config)
        from tensorflux.optimizer.config import enabled_passes
        self._graph_passes = enabled_passes(self._config)
        self.target = target
        self._variables: dict = {}
        self._resources: dict = {}  # queues and readers, by name: state like variables
        self._timeout_ms = getattr(self._config, "operation_timeout_in_ms", 0)
        self._rngs: dict = {}
        self._plans: dict = {}
        self._lock = threading.Lock()
        self._closed = False
        self._context_stack = []
        registry.ensure_loaded()
        self._cpu_backend = "numpy"
        self._ranked = None
        self._placement: dict = {}
        self._value_backends: dict = {}  # tensor inside a loop/branch -> its backend

    graph = property(lambda self: self._graph)
    graph_def = property(lambda self: self._graph.as_graph_def(),
                         doc="The session's graph as a TensorFlow GraphDef proto.")

    def _ranked_backends(self):
        """The backends this session may choose, highest priority first: the available
        ones, minus those whose device type ``ConfigProto.device_count`` sets to 0. The
        CPU backend (``numpy``, priority 0) is among them and is also the last resort."""
        if self._ranked is None:
            counts = self._config.device_count
            best_first = sorted(registry.backends.values(),  # the CPU backend wins ties
                                key=lambda b: (-b.priority, b.name != self._cpu_backend))
            ranked = [b for b in best_first
                      if (b.name == self._cpu_backend or counts.get(b.device_type, 1) != 0)
                      and registry.backend_available(b.name)]
            for b in ranked:
                if b.configure is not None:
                    b.configure(self._config)
            self._ranked = ranked
        return self._ranked

    def _backend_for(self, op: Operation) -> str:
        """Where ``op`` runs (decided once per op and session, see ``_place``)."""
        choice = self._placement.get(op)
        if choice is None:
            choice = self._place(op)
            self._placement[op] = choice
            if self._config.log_device_placement:
                device = registry.get_backend(choice).device_type
                print(f"{op.name}: ({op.type}): /device:{device}:0 [{choice}]", flush=True)
        return choice

    def _place(self, op: Operation) -> str:
        """The backend of highest priority that has a kernel for ``op``: among those of
        the device type ``op`` is placed on, else among all but opt-in backends. The
        CPU backend has priority 0, so only a backend of higher priority (an
        accelerator such as ``cupy``) takes unplaced ops from it. With no such backend,
        or when soft placement allows it, the op runs on the CPU backend."""
        refs = op._opdef.ref_inputs
        if refs:  # as in TF, an op that updates a variable runs where the variable lives
            return self._colocate(op, op._inputs[refs[0]].op)
        device = op.device
        wanted = None
        if device:
            cluster.check_device(op)
            m = re.search(r"device:([A-Za-z_]+):", device)
            wanted = m.group(1) if m else None
        kernel_type = _EXECUTOR_OPS.get(op.type, op.type)
        for backend in self._ranked_backends():
            if wanted is not None and backend.device_type != wanted:
                continue
            if wanted is None and backend.opt_in:
                continue
            kernel = registry.find_kernel(kernel_type, backend.name)
            if (kernel is not None
                    and (backend.strings or not _strings_on_device(op, kernel))
                    and all(registry.find_kernel(u.type, backend.name) for u in _updaters(op))):
                return backend.name
        if wanted not in (None, "CPU") and not self._config.allow_soft_placement:
            raise errors.InvalidArgumentError(
                None, op, f"Cannot assign a device for operation {op.name} ({op.type}): "
                          f"{device} was requested, no such device or kernel is available, "
                          f"and allow_soft_placement is False")
        return self._cpu_backend

    def _colocate(self, op: Operation, variable_op: Operation) -> str:
        backend = self._backend_for(variable_op)
        if registry.find_kernel(op.type, backend) is None:
            raise errors.InvalidArgumentError(
                None, op, f"Cannot place {op.name} ({op.type}) with the variable "
                          f"{variable_op.name} it updates: backend {backend!r} has no kernel "
                          f"for {op.type}; place the variable with tf.device('/cpu:0')")
        return backend

    # --- default-session plumbing --------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        stack = _session_stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.remove(self)

    def __enter__(self):
        graph_ctx = self._graph.as_default()
        sess_ctx = self.as_default()
        graph_ctx.__enter__()
        sess_ctx.__enter__()
        self._context_stack.append((graph_ctx, sess_ctx))
        return self

    def __exit__(self, exc_type, exc, tb):
        graph_ctx, sess_ctx = self._context_stack.pop()
        sess_ctx.__exit__(exc_type, exc, tb)
        graph_ctx.__exit__(exc_type, exc, tb)
        self.close()

    def close(self):
        """Release the session's variables; later calls to run raise RuntimeError. Runs
        blocked in a queue or reader of this session raise CancelledError."""
        self._closed = True
        for resource in list(self._resources.values()):
            resource.cancel()
        self._resources.clear()
        self._variables.clear()
        self._rngs.clear()
        self._plans.clear()

    def __del__(self):
        try:
            self._variables.clear()
        except Exception:
            pass

    # --- run -------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluate ``fetches`` (a graph element or nested list/tuple/dict of them),
        feeding ``feed_dict`` values for any tensors. Results mirror the structure.
        Several threads may run at once; ``options.timeout_in_ms`` bounds waits in
        blocking ops."""
        if (options is not None or self._timeout_ms) and not blocking.has_deadline():
            return self._run_with_deadline(fetches, feed_dict, options)
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        key = (_key(fetches), tuple(feed_dict) if feed_dict else ())
        try:
            entry = self._plans.get(key)
        except TypeError:  # an unhashable fetch (e.g. a list inside a dict key)
            entry, key = None, None
        if entry is None:
            entry = self._make_entry(fetches, feed_dict)
            if key is not None:
                self._plans[key] = entry
        plan, structure, expand = entry
        if feed_dict:
            values = feed_dict.values() if expand is None else expand(feed_dict.values())
            args = [spec.convert(v) for spec, v in zip(plan.feed_specs, values)]
            try:
                values = plan.fn(self._variables, *args)
            except Exception as exc:
                raise self._translate(plan, exc) from None
        else:
            try:
                values = plan.fn(self._variables)
            except Exception as exc:
                raise self._translate(plan, exc) from None
        if structure is None:
            return values[0]
        return _FetchStructure.rebuild(structure, values)

    def plan_source(self, fetches, feed_dict=None) -> str:
        """The Python source the session generated (compiling it now if it has not)
        to run ``fetches`` with values fed for ``feed_dict``'s keys, each line with the
        op it runs as a comment: what the graph passes made of the signature."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        key = (_key(fetches), tuple(feed_dict) if feed_dict else ())
        entry = self._plans.get(key)
        if entry is None:
            entry = self._plans[key] = self._make_entry(fetches, feed_dict)
        return entry[0].annotated_source()

    def _run_with_deadline(self, fetches, feed_dict, options):
        timeout = getattr(options, "timeout_in_ms", 0) or self._timeout_ms
        if not timeout:
            return self.run(fetches, feed_dict)
        with blocking.deadline(timeout):
            return self.run(fetches, feed_dict)

    def _translate(self, plan, exc):
        translated = plan.translate_error(exc)
        if translated is None:
            return exc
        translated.__cause__ = exc
        return translated

    def _make_entry(self, fetches, feed_dict):
        graph = self._graph
        flat = []
        structure = _FetchStructure.flatten(fetches, graph, flat)
        flat = [f if not hasattr(f, "_as_graph_element") else f._as_graph_element() for f in flat]
        feed_tensors, composite = [], []
        for k in (feed_dict or ()):
            if hasattr(k, "_composite_tensors"):  # a SparseTensor fed a SparseTensorValue
                parts = k._composite_tensors()
                feed_tensors.extend(parts)
                composite.append(k._composite_parts)
                continue
            composite.append(None)
            try:
                t = graph.as_graph_element(k, allow_tensor=True, allow_operation=False)
            except (TypeError, ValueError, KeyError) as exc:
                raise TypeError(f"Cannot interpret feed_dict key {k!r} as a Tensor: {exc}") from None
            feed_tensors.append(t)
        if len(set(feed_tensors)) != len(feed_tensors):
            raise ValueError("The same tensor is fed twice in feed_dict")
        with self._lock:
            plan = compile_plan(self, flat, feed_tensors)
        return plan, structure, _feed_expander(composite)

    def _set_variable(self, variable, value):
        """Set a variable's value in this session directly (used by Saver.restore)."""
        value = np.array(value, dtype=variable.dtype.np_dtype, copy=True)
        backend = registry.get_backend(self._backend_for(variable.op))
        self._variables[variable.op.name] = backend.from_host(value)

    def make_callable(self, fetches, feed_list=None):
        """A function that runs ``fetches`` with positional values for ``feed_list``."""
        feed_list = list(feed_list or [])

        def call(*values):
            return self.run(fetches, dict(zip(feed_list, values)))

        return call


class Session(BaseSession):
    """``tf.Session(target='', graph=None, config=None)``."""


class InteractiveSession(BaseSession):
    """A session that makes itself (and its graph) the default as soon as it is made."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        self._sess_ctx = self.as_default()
        self._sess_ctx.__enter__()

    def close(self):
        super().close()
        if self._sess_ctx is not None:
            self._sess_ctx.__exit__(None, None, None)
            self._graph_ctx.__exit__(None, None, None)
            self._sess_ctx = self._graph_ctx = None
