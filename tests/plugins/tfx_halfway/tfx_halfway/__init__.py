"""Registers a backend, an internal module and an op, then fails in its kernel hook."""
from tensorflux.plugins import Backend, OpDef, hookimpl


@hookimpl
def tensorflux_register_backends(register):
    register(Backend("halfway", device_type="HALF"))


@hookimpl
def tensorflux_register_internal_modules(register):
    register("tfx_halfway")


@hookimpl
def tensorflux_register_ops(register):
    register(OpDef("tfxhalf>Op", inputs=("x",)))


@hookimpl
def tensorflux_register_kernels(register):
    register("tfxhalf>Op", backend="numpy", fn=abs)
    raise RuntimeError("tfx_halfway fails after registering (on purpose, for the tests)")
