"""The op registry: op definitions, backends and kernels, filled by plugins.

An op is data (``OpDef``): a stable name, a version, its inputs, attrs with defaults, how
many outputs it has, functions that infer output dtypes and static shapes, whether it is
stateful, and its gradient function. Kernels are registered per (op name, backend).
Nothing here knows a particular backend or op; plugins fill the registry through the
hooks in ``tensorflux.core.hookspecs`` the first time it is used.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

REQUIRED = object()  # attr default meaning "the caller must give this attr"


def _same_as_first_input(op):
    return [op.inputs[0].dtype] * op.num_outputs


def _unknown_shapes(op):
    from tensorflux.core.shapes import TensorShape
    return [TensorShape(None)] * op.num_outputs


@dataclass(frozen=True)
class OpDef:
    """The definition of one op type.

    name:        stable registered name ("MatMul", "mylib>Gelu"); never reused for a
                 different meaning, a changed op gets a new name ("FooV2").
    inputs:      names of the inputs; a name starting with "*" takes any number.
    attrs:       attr name -> default value (``REQUIRED`` when there is none).
    num_outputs: an int, or a function of the attrs dict for ops like Split.
    dtype_fn:    op -> list of output DTypes (default: the first input's dtype).
    shape_fn:    op -> list of output TensorShapes (default: unknown).
    stateful:    reads or writes session state or randomness (never constant-folded).
    ref_inputs:  indices of inputs that name a variable to update rather than a value.
    version:     saved with each op in a ``.meta`` file: a file needing a newer version
                 than the installed one is refused, older versions load.
    gradient:    op, *output_grads -> list of input grads (graph-building); None means
                 no gradient registered; ``NOT_DIFFERENTIABLE`` marks ops without one.
    """

    name: str
    inputs: tuple = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)
    num_outputs: Any = 1
    dtype_fn: Callable = _same_as_first_input
    shape_fn: Callable = _unknown_shapes
    stateful: bool = False
    ref_inputs: tuple = ()
    version: int = 1
    gradient: Optional[Callable] = None
    doc: str = ""

    @property
    def variadic(self) -> bool:
        return any(i.startswith("*") for i in self.inputs)

    def output_count(self, attrs) -> int:
        n = self.num_outputs
        return n(attrs) if callable(n) else n


NOT_DIFFERENTIABLE = "not differentiable"


@dataclass(frozen=True)
class Backend:
    """A place kernels run: ``numpy`` (CPU), ``cupy`` (GPU), or a plugin's own.

    device_type: what ``tf.device("/device:<TYPE>:0")`` names to ask for it ("CPU",
    "GPU", or a type of the plugin's own such as "DEMO").
    is_available: called lazily, once; must not raise (return False instead).
    to_host / from_host: convert between this backend's arrays and NumPy arrays.
    priority: rank among backends. An op runs on the available backend of highest
    priority that has a kernel for it; the CPU backend ``numpy`` has priority 0, so a
    backend takes unplaced ops only with a priority above 0 (``cupy`` has 10), and one
    below 0 only runs ops placed on its device type (or ops no better backend has a
    kernel for).
    opt_in: run nothing unless asked: only ops placed on this backend's device type
    with ``tf.device`` run on it, whatever its priority.
    configure: called with a session's ConfigProto before the session uses the backend
    (a GPU backend applies ``gpu_options`` there).
    strings: whether its arrays can hold strings; ops on strings run elsewhere if not
    (TF's string kernels are CPU-only too).
    array_namespace: for a backend whose arrays follow NumPy's API, a function that
    returns that namespace (``numpy``, ``cupy``). Plugins' array-kernel hooks
    (``tensorflux_register_array_kernels``) then register their kernels for it too.
    """

    name: str
    device_type: str = "CPU"
    is_available: Callable[[], bool] = lambda: True
    to_host: Callable = lambda a: a
    from_host: Callable = lambda a: a
    priority: int = 0
    description: str = ""
    configure: Optional[Callable] = None
    strings: bool = True
    opt_in: bool = False
    array_namespace: Optional[Callable] = None


@dataclass(frozen=True)
class Kernel:
    """How one backend computes one op.

    Either ``fn(*inputs, **attrs) -> output(s)`` or ``builder(op, ctx) -> callable``
    that receives the Operation and the session's kernel context once per plan and
    returns a specialised ``callable(*inputs)`` (used for attrs and for state).

    host_inputs / host_outputs: like TF's ``HostMemory``, for kernels of accelerator
    backends that read small values on the host (a shape, a size) or produce them
    (``Shape``): the listed inputs (all of them with ``True``) arrive as NumPy arrays,
    and with ``host_outputs`` the outputs are NumPy arrays. The executor inserts the
    transfers accordingly.
    """

    op_type: str
    backend: str
    fn: Optional[Callable] = None
    builder: Optional[Callable] = None
    plugin: str = ""
    host_inputs: Any = ()
    host_outputs: bool = False

    def input_on_host(self, index: int) -> bool:
        return self.host_inputs is True or index in self.host_inputs

    def bind(self, op, ctx) -> Callable:
        """The callable that computes ``op``: ``callable(*inputs)`` (ref inputs left out)."""
        if self.builder is not None:
            return self.builder(op, ctx)
        return functools.partial(self.fn, **op.attrs) if op.attrs else self.fn


class RegistryError(ValueError):
    """A plugin registered something invalid or twice."""


class Registry:
    """Op definitions, backends and kernels. Filled lazily from the plugins."""

    def __init__(self):
        self._ops: dict[str, OpDef] = {}
        self._op_owner: dict[str, str] = {}
        self._backends: dict[str, Backend] = {}
        self._kernels: dict[tuple[str, str], Kernel] = {}
        self._available: dict[str, bool] = {}
        self.plugins: dict[str, dict] = {}
        self.plugin_manager = None  # the pluggy PluginManager, once loaded
        self._loaded = False
        self._lock = threading.RLock()

    # --- loading ----------------------------------------------------------------
    def ensure_loaded(self):
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    from tensorflux.core import plugins
                    self._loaded = True
                    plugins.load_plugins(self)

    # --- registration (called by plugins through the hooks) ---------------------------
    def commit(self, plugin: str, registrations: Sequence[tuple]):
        """Apply one plugin's staged registrations, all or none.

        ``registrations`` are ``(kind, args, kwargs)`` with kind "backend", "op",
        "kernel" or "internal" (a module whose frames are the plugin's own code). When
        one of them is invalid the registry is left as it was and the error raised.
        """
        from tensorflux.core import source
        registrars = {"backend": self.register_backend, "op": self.register_op,
                      "kernel": self.register_kernel}
        with self._lock:
            saved = (dict(self._ops), dict(self._op_owner), dict(self._backends),
                     dict(self._kernels))
            internal = []
            try:
                for kind, args, kwargs in registrations:
                    if kind == "internal":
                        internal.extend(source.check_module_names(args, plugin))
                    else:
                        registrars[kind](*args, plugin=plugin, **kwargs)
            except Exception:
                self._ops, self._op_owner, self._backends, self._kernels = saved
                raise
            source.declare_internal(internal)

    def register_op(self, opdef: OpDef, plugin: str = "<direct>"):
        if not isinstance(opdef, OpDef):
            raise RegistryError(f"plugin {plugin!r} registered {opdef!r}, which is not an OpDef")
        if not opdef.name or "/" in opdef.name or ":" in opdef.name:
            raise RegistryError(f"plugin {plugin!r}: invalid op name {opdef.name!r}")
        with self._lock:
            if opdef.name in self._ops:
                raise RegistryError(
                    f"op {opdef.name!r} registered twice: by {self._op_owner[opdef.name]!r} "
                    f"and by {plugin!r}")
            self._ops[opdef.name] = opdef
            self._op_owner[opdef.name] = plugin

    def register_backend(self, backend: Backend, plugin: str = "<direct>"):
        if not isinstance(backend, Backend):
            raise RegistryError(f"plugin {plugin!r} registered {backend!r}, which is not a Backend")
        with self._lock:
            if backend.name in self._backends:
                raise RegistryError(f"backend {backend.name!r} registered twice (second by {plugin!r})")
            self._backends[backend.name] = backend

    def register_kernel(self, op_type: str, backend: str, fn=None, builder=None,
                        plugin: str = "<direct>", host_inputs=(), host_outputs=False):
        if (fn is None) == (builder is None):
            raise RegistryError(f"kernel for {op_type!r} on {backend!r} needs exactly one of fn or builder")
        key = (op_type, backend)
        with self._lock:
            if key in self._kernels:
                raise RegistryError(
                    f"kernel for op {op_type!r} on backend {backend!r} registered twice "
                    f"(by {self._kernels[key].plugin!r} and {plugin!r})")
            self._kernels[key] = Kernel(op_type, backend, fn, builder, plugin,
                                        host_inputs if host_inputs is True else tuple(host_inputs),
                                        bool(host_outputs))

    def unregister_backend(self, name: str):
        """Remove a backend and its kernels (for tests that register a backend for a while)."""
        with self._lock:
            self._backends.pop(name, None)
            self._available.pop(name, None)
            for key in [k for k in self._kernels if k[1] == name]:
                del self._kernels[key]

    def set_gradient(self, op_type: str, fn):
        """Attach or replace the gradient function of an op (``tf.RegisterGradient``)."""
        self.ensure_loaded()
        with self._lock:
            op = self.get_op(op_type)
            object.__setattr__(op, "gradient", fn)

    # --- queries ----------------------------------------------------------------------
    def get_op(self, name: str) -> OpDef:
        self.ensure_loaded()
        try:
            return self._ops[name]
        except KeyError:
            raise KeyError(
                f"Op type {name!r} is not registered: no installed tensorflux plugin "
                f"defines it (is the plugin that provides it installed and loaded? "
                f"see `python -m tensorflux info`)") from None

    def has_op(self, name: str) -> bool:
        self.ensure_loaded()
        return name in self._ops

    @property
    def ops(self) -> Mapping[str, OpDef]:
        self.ensure_loaded()
        return dict(self._ops)

    @property
    def backends(self) -> Mapping[str, Backend]:
        self.ensure_loaded()
        return dict(self._backends)

    def get_backend(self, name: str) -> Backend:
        self.ensure_loaded()
        try:
            return self._backends[name]
        except KeyError:
            raise KeyError(f"No backend named {name!r} is registered; known: "
                           f"{sorted(self._backends)}") from None

    def backend_available(self, name: str) -> bool:
        if name not in self._available:
            backend = self.get_backend(name)
            try:
                self._available[name] = bool(backend.is_available())
            except Exception:  # a probe must never break the caller
                self._available[name] = False
        return self._available[name]

    def get_kernel(self, op_type: str, backend: str) -> Kernel:
        self.ensure_loaded()
        try:
            return self._kernels[(op_type, backend)]
        except KeyError:
            have = sorted(b for (o, b) in self._kernels if o == op_type)
            raise KeyError(
                f"No kernel for op type {op_type!r} on backend {backend!r} "
                f"(backends with a kernel for it: {have or 'none'})") from None

    def find_kernel(self, op_type: str, backend: str) -> Optional[Kernel]:
        """The kernel of ``op_type`` on ``backend``, or None."""
        self.ensure_loaded()
        return self._kernels.get((op_type, backend))

    def kernel_backends(self, op_type: str) -> list[str]:
        """Names of the backends with a kernel for ``op_type``, sorted."""
        self.ensure_loaded()
        return sorted(b for (o, b) in self._kernels if o == op_type)

    def op_owner(self, op_type: str) -> str:
        """The name of the plugin that registered ``op_type``."""
        self.ensure_loaded()
        return self._op_owner[op_type]

    def op_distribution(self, op_type: str) -> Optional[dict]:
        """``{"name", "version"}`` of the installed package whose plugin registered
        ``op_type``, or None (registered directly, or from a source tree)."""
        plugin = self.plugins.get(self.op_owner(op_type), {})
        return plugin.get("distribution")

    def kernel_counts(self) -> dict[str, int]:
        self.ensure_loaded()
        counts = {name: 0 for name in self._backends}
        for (_, backend) in self._kernels:
            counts[backend] = counts.get(backend, 0) + 1
        return counts


registry = Registry()
