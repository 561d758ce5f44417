"""``tf.math.special``: Bessel functions of the first and second kind and modified ones
of the second kind, Dawson's integral, the exponential integral, Fresnel integrals and
Spence's function, with their gradients (TF's formulas), plus the Bessel functions
``tf.math`` already has. Values come from SciPy's special functions on the CPU and
cupyx's on a GPU (``backends/special_extra_kernels.py``)."""
from __future__ import annotations

import math

from tensorflux.ops import math_ops
from tensorflux.ops.elementwise_ops import (FLOAT, _ones_like, _unary_fn, _where,
                                            checked_dtype, div_no_nan)
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import same_shape

# op type -> (public name, SciPy name)
SPECIAL = {"BesselJ0": ("bessel_j0", "j0"), "BesselJ1": ("bessel_j1", "j1"),
           "BesselY0": ("bessel_y0", "y0"), "BesselY1": ("bessel_y1", "y1"),
           "BesselK0": ("bessel_k0", "k0"), "BesselK0e": ("bessel_k0e", "k0e"),
           "BesselK1": ("bessel_k1", "k1"), "BesselK1e": ("bessel_k1e", "k1e"),
           "Dawsn": ("dawsn", "dawsn"), "Expint": ("expint", "expi"),
           "FresnelCos": ("fresnel_cos", "fresnel:1"), "FresnelSin": ("fresnel_sin", "fresnel:0"),
           "Spence": ("spence", "spence")}

for _type, (_name, _) in SPECIAL.items():
    defop(_type, ("x",), shape_fn=same_shape, dtype_fn=checked_dtype(FLOAT),
          doc=f"Elementwise {_name} (tf.math.special.{_name}).")

(bessel_j0, bessel_j1, bessel_y0, bessel_y1, bessel_k0, bessel_k0e, bessel_k1, bessel_k1e,
 dawsn, expint, fresnel_cos, fresnel_sin, spence) = (
    _unary_fn(t, name) for t, (name, _) in SPECIAL.items())


def _at_zero(x, value, otherwise):
    return _where(math_ops.equal(x, 0), value * _ones_like(x), otherwise)


_HALF_PI = math.pi / 2
GRADIENTS = {
    "BesselJ0": lambda x, y, g: -g * bessel_j1(x),
    "BesselJ1": lambda x, y, g: g * _at_zero(x, 0.5, bessel_j0(x) - div_no_nan(y, x)),
    "BesselY0": lambda x, y, g: -g * bessel_y1(x),
    "BesselY1": lambda x, y, g: g * (bessel_y0(x) - y / x),
    "BesselK0": lambda x, y, g: -g * bessel_k1(x),
    "BesselK0e": lambda x, y, g: g * (y - bessel_k1e(x)),
    "BesselK1": lambda x, y, g: -g * (bessel_k0(x) + y / x),
    "BesselK1e": lambda x, y, g: g * (y * (1 - 1 / x) - bessel_k0e(x)),
    "Dawsn": lambda x, y, g: g * (1 - 2 * x * y),
    "Expint": lambda x, y, g: g * math_ops.exp(x) / x,
    "FresnelCos": lambda x, y, g: g * math_ops.cos(_HALF_PI * x * x),
    "FresnelSin": lambda x, y, g: g * math_ops.sin(_HALF_PI * x * x),
    "Spence": lambda x, y, g: g * _at_zero(x - 1, -1.0, div_no_nan(math_ops.log(x), 1 - x)),
}


def _grad(formula):
    return lambda op, g: [formula(op.inputs[0], op.outputs[0], g)]


for _type, _formula in GRADIENTS.items():
    gradient(_type)(_grad(_formula))
