"""The NumPy (CPU) backend, a plugin like any other (entry point ``numpy``)."""
import numpy as np

from tensorflux.core.hookspecs import hookimpl
from tensorflux.core.registry import Backend

NAME = "numpy"


@hookimpl
def tensorflux_register_backends(register):
    register(Backend(name=NAME, device_type="CPU", is_available=lambda: True,
                     to_host=lambda a: a, from_host=np.asarray, priority=0,
                     description="NumPy on the CPU", array_namespace=lambda: np))


@hookimpl
def tensorflux_register_kernels(register):
    from tensorflux.backends.array_backend import register_array_kernels
    register_array_kernels(register, NAME, lambda: np)
