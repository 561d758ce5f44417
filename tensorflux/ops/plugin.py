"""The built-in op library as a plugin (entry point ``ops`` in pyproject.toml)."""
from tensorflux.core.hookspecs import hookimpl


@hookimpl
def tensorflux_register_ops(register):
    import tensorflux.ops  # noqa: F401 - importing the modules declares the ops
    from tensorflux.ops.op_def import all_opdefs
    for opdef in all_opdefs():
        register(opdef)
