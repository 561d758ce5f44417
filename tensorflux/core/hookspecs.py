"""pluggy hook specifications: what a tensorflux plugin may implement.

A plugin is a module named by an entry point in the ``tensorflux`` group. Each hook gets
a ``register`` callback, so the core validates every registration and can say which
plugin registered what (the pattern of simonw/llm's ``register_models``)::

    from tensorflux.plugins import hookimpl, OpDef

    @hookimpl
    def tensorflux_register_ops(register):
        register(OpDef("mylib>Gelu", inputs=("x",), shape_fn=same_shape))

    @hookimpl
    def tensorflux_register_kernels(register):
        register("mylib>Gelu", backend="numpy", fn=my_gelu)

Registrations are staged while a plugin's hooks run (backends, internal modules, ops,
kernels, then array kernels for every backend with an array namespace) and kept only
when all of them succeed: a plugin whose hook raises, or whose registrations the
registry refuses, registers nothing and is reported as a warning.
"""
import pluggy

hookspec = pluggy.HookspecMarker("tensorflux")
hookimpl = pluggy.HookimplMarker("tensorflux")


@hookspec
def tensorflux_register_ops(register):
    """Register op definitions: ``register(OpDef(...))``."""


@hookspec
def tensorflux_register_backends(register):
    """Register backends: ``register(Backend(name=..., device_type=..., ...))``."""


@hookspec
def tensorflux_register_kernels(register):
    """Register kernels: ``register(op_type, backend=..., fn=... | builder=...)``."""


@hookspec
def tensorflux_register_array_kernels(register, backend, load_xp):
    """Register kernels written once against a NumPy-like array namespace ``xp``.

    Called for every backend that declares one (``Backend.array_namespace``: ``numpy``,
    ``cupy``, and the strict CuPy stand-in ``strictgpu`` while ``simulated_gpu()`` is
    active): ``register(op_type, fn=... | builder=..., host_inputs=..., host_outputs=...)``
    registers a kernel for ``backend``. ``load_xp()`` returns the namespace; call it when
    a kernel is built or run, not while registering, so CuPy is imported only when a
    plan needs it."""


@hookspec
def tensorflux_register_internal_modules(register):
    """Declare modules (with their submodules) as the plugin's own code:
    ``register("mylib")``. Ops created inside them, such as by the plugin's public
    wrapper functions, then record and report the line of the user's code that called
    the wrapper, as tensorflux's own wrappers do."""


@hookspec
def tensorflux_conformance_cases(register):
    """Give the conformance kit (``tensorflux.testing.conformance``) a test case for
    each op the plugin defines: ``register(op_type, make, delta=1e-6, rtol=1e-5)``,
    where ``make(draw)`` returns ``(inputs, build)``: a list of NumPy arrays (drawn
    with hypothesis' ``draw``) and a function that builds the op from one placeholder
    per input and returns the tensor to fetch. ``delta``/``rtol`` tune the gradient
    check. Called only by the kit."""
