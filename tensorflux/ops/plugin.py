"""The built-in op library as a plugin (entry point ``ops`` in pyproject.toml)."""
from tensorflux.core.hookspecs import hookimpl


@hookimpl
def tensorflux_register_ops(register):
    import tensorflux.ops  # noqa: F401 - importing the modules declares the ops
    from tensorflux.ops.op_def import all_opdefs
    for opdef in all_opdefs():
        register(opdef)


@hookimpl
def tensorflux_conformance_cases(register):
    from tensorflux.testing.conformance.builtin_cases import CASES, TOLERANCE
    for op_type, make in CASES.items():
        delta, rtol = TOLERANCE.get(op_type, (1e-6, 1e-5))
        register(op_type, make, delta=delta, rtol=rtol)
