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
