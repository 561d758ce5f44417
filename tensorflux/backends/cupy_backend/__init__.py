"""The CuPy (NVIDIA GPU) backend, a plugin like any other (entry point ``cupy``).

It is registered on every machine, so ``python -m tensorflux info`` lists it with the
number of ops it has kernels for; it is *available* only when CuPy imports and a CUDA
device is present. Probing is lazy and never raises. The kernels are the NumPy
backend's, written against the array namespace, built with ``cupy`` the first time a
plan needs them (so CuPy is not imported until then).
"""
from __future__ import annotations

import functools

import numpy as np

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


class _Names:
    """Stands in for an array namespace to list which ops the shared kernels cover."""

    def __getattr__(self, name):
        return _Names()

    def __call__(self, *args, **kwargs):
        return _Names()


def _op_types():
    from tensorflux.backends.array_kernels import make_kernels
    from tensorflux.backends.nn_kernels import make_nn_kernels
    return sorted(set(make_kernels(_Names())) | set(make_nn_kernels(_Names())))


@functools.lru_cache(maxsize=1)
def _table():
    import cupy
    from tensorflux.backends.array_kernels import make_kernels
    from tensorflux.backends.nn_kernels import make_nn_kernels
    return {**make_kernels(cupy), **make_nn_kernels(cupy)}


def _lazy_builder(op_type):
    def build(op, ctx):
        kind, f = _table()[op_type]
        if kind == "builder":
            return f(op, ctx)
        return functools.partial(f, **op.attrs) if op.attrs else f
    return build


@hookimpl
def tensorflux_register_backends(register):
    register(Backend(name=NAME, device_type="GPU", is_available=_probe, to_host=_to_host,
                     from_host=_from_host, priority=10, description="CuPy on an NVIDIA GPU"))


@hookimpl
def tensorflux_register_kernels(register):
    for op_type in _op_types():
        register(op_type, backend=NAME, builder=_lazy_builder(op_type))
