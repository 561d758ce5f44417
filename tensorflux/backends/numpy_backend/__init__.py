"""The NumPy (CPU) backend, a plugin like any other (entry point ``numpy``)."""
import numpy as np

from tensorflux.core.hookspecs import hookimpl
from tensorflux.core.registry import Backend

NAME = "numpy"


@hookimpl
def tensorflux_register_backends(register):
    register(Backend(name=NAME, device_type="CPU", is_available=lambda: True,
                     to_host=lambda a: a, from_host=np.asarray, priority=0,
                     description="NumPy on the CPU"))


@hookimpl
def tensorflux_register_kernels(register):
    from tensorflux.backends.array_kernels import make_kernels
    from tensorflux.backends.nn_kernels import make_nn_kernels
    from tensorflux.backends.summary_kernels import KERNELS as SUMMARY_KERNELS
    for op_type, (kind, f) in {**make_kernels(np), **make_nn_kernels(np)}.items():
        if kind == "fn":
            register(op_type, backend=NAME, fn=f)
        else:
            register(op_type, backend=NAME, builder=f)
    for op_type, builder in SUMMARY_KERNELS.items():
        register(op_type, backend=NAME, builder=builder)
