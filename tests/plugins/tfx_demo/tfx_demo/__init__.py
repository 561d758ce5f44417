"""A third-party op library: ``tfxdemo>Gelu`` (tanh approximation) with a NumPy kernel."""
import math

import numpy as np

import tensorflux as tf
from tensorflux.plugins import OpDef, hookimpl, same_shape

OP = "tfxdemo>Gelu"
_C = math.sqrt(2 / math.pi)


def _gelu_grad(op, grad):
    x = op.inputs[0]
    inner = _C * (x + 0.044715 * x ** 3)
    t = tf.tanh(inner)
    d_inner = _C * (1 + 3 * 0.044715 * x ** 2)
    return [grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)]


@hookimpl
def tensorflux_register_ops(register):
    register(OpDef(OP, inputs=("x",), shape_fn=same_shape, gradient=_gelu_grad,
                   doc="Gaussian error linear unit (tanh approximation)."))


def _gelu_kernel(x):
    return (0.5 * x * (1 + np.tanh(_C * (x + 0.044715 * x ** 3)))).astype(x.dtype, copy=False)


@hookimpl
def tensorflux_register_kernels(register):
    register(OP, backend="numpy", fn=_gelu_kernel)


def gelu(x, name=None):
    """The public wrapper a plugin offers its users."""
    x = tf.convert_to_tensor(x)
    return x.graph.create_op(OP, [x], name=name or "Gelu").outputs[0]
