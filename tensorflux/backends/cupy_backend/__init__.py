"""The CuPy (NVIDIA GPU) backend, a plugin like any other (entry point ``cupy``).

It is registered on every machine, so ``python -m tensorflux info`` lists it with the
number of ops it has kernels for; it is *available* only when CuPy imports and a CUDA
device is present. Probing is lazy and never raises. The kernels are the shared ones
written against the array namespace, built with ``cupy`` the first time a plan needs
them (so CuPy is not imported until then). ``tensorflux.testing.strict_device`` runs
the same kernels on the CPU under CuPy's rules, so every test run exercises them.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.array_backend import register_array_kernels
from tensorflux.core.hookspecs import hookimpl
from tensorflux.core.registry import Backend

NAME = "cupy"


def _probe() -> bool:
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, no device: simply not available
        return False


def _to_host(array):
    import cupy
    return cupy.asnumpy(array) if isinstance(array, cupy.ndarray) else np.asarray(array)


def _from_host(array):
    import cupy
    return cupy.asarray(array)


def _load_cupy():
    import cupy
    return cupy


def _configure(config):
    """Map ``gpu_options.per_process_gpu_memory_fraction`` onto CuPy's memory pool."""
    import cupy
    fraction = config.gpu_options.per_process_gpu_memory_fraction
    if fraction and 0 < fraction < 1:
        cupy.get_default_memory_pool().set_limit(fraction=fraction)


@hookimpl
def tensorflux_register_backends(register):
    register(Backend(name=NAME, device_type="GPU", is_available=_probe, to_host=_to_host,
                     from_host=_from_host, priority=10, description="CuPy on an NVIDIA GPU",
                     configure=_configure, strings=False, array_namespace=_load_cupy))


@hookimpl
def tensorflux_register_kernels(register):
    register_array_kernels(register, NAME, _load_cupy)
