"""A third-party plugin: the op ``tfxdemo>Gelu`` (tanh approximation) with a gradient
and a kernel written once against ``xp`` (so it runs on NumPy, CuPy and the strict
stand-in), and a toy opt-in backend ``tfxdemo`` (device type DEMO) whose arrays are a
NumPy subclass: its kernels refuse anything else, so a missing transfer shows."""
import math

import numpy as np

import tensorflux as tf
from tensorflux.plugins import Backend, OpDef, hookimpl, same_shape

OP = "tfxdemo>Gelu"
BACKEND = "tfxdemo"
_C = math.sqrt(2 / math.pi)


def gelu(x, name=None):
    """The public wrapper a plugin offers its users."""
    x = tf.convert_to_tensor(x)
    return x.graph.create_op(OP, [x], name=name or "Gelu").outputs[0]


def _gelu_grad(op, grad):
    x = op.inputs[0]
    inner = _C * (x + 0.044715 * x ** 3)
    t = tf.tanh(inner)
    d_inner = _C * (1 + 3 * 0.044715 * x ** 2)
    return [grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)]


def _gelu_kernel(xp):
    def gelu_kernel(x):
        return (0.5 * x * (1 + xp.tanh(_C * (x + 0.044715 * x ** 3)))).astype(x.dtype, copy=False)
    return gelu_kernel


# --- the toy backend ---------------------------------------------------------------------
class DemoArray(np.ndarray):
    """An array that lives on the demo device."""


def _from_host(value):
    return np.array(value, copy=True).view(DemoArray)


def _to_host(value):
    if type(value) is not DemoArray:
        raise TypeError(f"tfxdemo.to_host got a {type(value).__name__}, not a DemoArray")
    return np.array(value.view(np.ndarray), copy=True)


def _on_device(fn):
    """A kernel of the demo device: takes and returns DemoArrays only."""
    def kernel(*args):
        for a in args:
            if type(a) is not DemoArray:
                raise TypeError(f"a tfxdemo kernel received a {type(a).__name__}: a transfer is missing")
        return np.asarray(fn(*[a.view(np.ndarray) for a in args])).view(DemoArray)
    return kernel


def _matmul(op, ctx):
    """A kernel builder: reads the op's attrs once per plan."""
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    return _on_device(lambda a, b: np.matmul(a.T if ta else a, b.T if tb else b))


def _assign(op, ctx):
    """Variables live in the session's store (``ctx.variables``), here as DemoArrays."""
    name = ctx.var_name(op)

    def run(value):
        ctx.variables[name] = stored = _on_device(np.copy)(value)
        return stored
    return run


@hookimpl
def tensorflux_register_backends(register):
    register(Backend(BACKEND, device_type="DEMO", to_host=_to_host, from_host=_from_host,
                     priority=-5, opt_in=True, strings=False,
                     description="a toy device for the tests (NumPy subclass arrays)"))


@hookimpl
def tensorflux_register_internal_modules(register):
    register("tfx_demo")


@hookimpl
def tensorflux_register_ops(register):
    register(OpDef(OP, inputs=("x",), shape_fn=same_shape, gradient=_gelu_grad,
                   doc="Gaussian error linear unit (tanh approximation)."))


@hookimpl
def tensorflux_register_array_kernels(register, backend, load_xp):
    register(OP, builder=lambda op, ctx: _gelu_kernel(load_xp()))


@hookimpl
def tensorflux_register_kernels(register):
    register(OP, backend=BACKEND, fn=_on_device(_gelu_kernel(np)))
    for op_type, fn in (("Add", np.add), ("Mul", np.multiply), ("Relu", lambda x: np.maximum(x, 0))):
        register(op_type, backend=BACKEND, fn=_on_device(fn))
    register("MatMul", backend=BACKEND, builder=_matmul)
    register("Assign", backend=BACKEND, builder=_assign)


@hookimpl
def tensorflux_conformance_cases(register):
    from tensorflux.testing.conformance.strategies import unary
    register(OP, unary(gelu, -3.0, 3.0))
