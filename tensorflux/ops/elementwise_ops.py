"""More elementwise ops: inverse trigonometric and hyperbolic functions, special
functions (erf, lgamma, digamma, Bessel, incomplete gamma and beta), safe divisions,
truncating integer division, bitwise ops and complex parts; each with TF1's dtype
checks and, where TF1 has one, its gradient."""
from __future__ import annotations

import math

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.math_ops import _graph_of, _op, binary_operands
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import broadcast_shape, same_shape

FLOAT = "f"
FLOAT_COMPLEX = "fc"
INTEGER = "iu"
COMPLEX = "c"
_KIND_NAMES = {"f": "floating", "c": "complex", "i": "signed integer", "u": "unsigned integer"}


def checked_dtype(kinds, result=None):
    """A dtype function that refuses inputs whose dtype kind is not in ``kinds`` (TF's
    allowed-types TypeError) and returns ``result(dtype)`` or the input dtype."""
    def dtype_fn(op):
        for i, t in enumerate(op.inputs):
            if t.dtype.np_dtype.kind not in kinds:
                allowed = ", ".join(_KIND_NAMES[k] for k in kinds)
                raise TypeError(f"Value passed to parameter {op.op_def.inputs[i]!r} of {op.type} "
                                f"has DataType {t.dtype.name} not in the allowed types ({allowed})")
        dtype = op.inputs[-1].dtype
        return [result(dtype) if result else dtype]
    return dtype_fn


def _real_part_dtype(dtype):
    return dtypes.float32 if dtype == dtypes.complex64 else dtypes.float64


# op type -> (public name, allowed kinds)
UNARY = {
    "Acos": ("acos", FLOAT_COMPLEX), "Asin": ("asin", FLOAT_COMPLEX),
    "Atan": ("atan", FLOAT_COMPLEX), "Sinh": ("sinh", FLOAT_COMPLEX),
    "Cosh": ("cosh", FLOAT_COMPLEX), "Asinh": ("asinh", FLOAT_COMPLEX),
    "Acosh": ("acosh", FLOAT_COMPLEX), "Atanh": ("atanh", FLOAT_COMPLEX),
    "Erf": ("erf", FLOAT), "Erfc": ("erfc", FLOAT), "Erfinv": ("erfinv", FLOAT),
    "Ndtri": ("ndtri", FLOAT), "Lgamma": ("lgamma", FLOAT), "Digamma": ("digamma", FLOAT),
    "BesselI0e": ("bessel_i0e", FLOAT), "BesselI1e": ("bessel_i1e", FLOAT),
    "BesselI0": ("bessel_i0", FLOAT), "BesselI1": ("bessel_i1", FLOAT),
    "Conj": ("conj", FLOAT_COMPLEX + INTEGER),
}
BINARY = {
    "Atan2": ("atan2", FLOAT), "Xlogy": ("xlogy", FLOAT_COMPLEX),
    "Xlog1py": ("xlog1py", FLOAT_COMPLEX), "Xdivy": ("xdivy", FLOAT_COMPLEX),
    "DivNoNan": ("div_no_nan", FLOAT_COMPLEX), "MulNoNan": ("mul_no_nan", FLOAT_COMPLEX),
    "Polygamma": ("polygamma", FLOAT), "Zeta": ("zeta", FLOAT), "Igamma": ("igamma", FLOAT),
    "Igammac": ("igammac", FLOAT), "NextAfter": ("nextafter", FLOAT),
    "TruncateDiv": ("truncatediv", FLOAT + INTEGER), "TruncateMod": ("truncatemod", FLOAT + INTEGER),
}
BITWISE = {"BitwiseAnd": "bitwise_and", "BitwiseOr": "bitwise_or", "BitwiseXor": "bitwise_xor",
           "LeftShift": "left_shift", "RightShift": "right_shift"}

for _type, (_name, _kinds) in UNARY.items():
    defop(_type, ("x",), shape_fn=same_shape, dtype_fn=checked_dtype(_kinds),
          doc=f"Elementwise {_name} (tf.math.{_name}).")
for _type, (_name, _kinds) in BINARY.items():
    defop(_type, ("x", "y"), shape_fn=broadcast_shape, dtype_fn=checked_dtype(_kinds),
          doc=f"Elementwise {_name} with broadcasting (tf.math.{_name}).")
for _type, _name in BITWISE.items():
    defop(_type, ("x", "y"), shape_fn=broadcast_shape, dtype_fn=checked_dtype(INTEGER),
          doc=f"Elementwise {_name} of integers (tf.bitwise.{_name}).")
defop("Invert", ("x",), shape_fn=same_shape, dtype_fn=checked_dtype(INTEGER),
      doc="Bitwise NOT of integers.")
defop("PopulationCount", ("x",), shape_fn=same_shape,
      dtype_fn=checked_dtype(INTEGER, lambda d: dtypes.uint8),
      doc="Number of set bits in each element.")
defop("IsInf", ("x",), shape_fn=same_shape, dtype_fn=checked_dtype(FLOAT, lambda d: dtypes.bool_))
defop("Betainc", ("a", "b", "x"), shape_fn=broadcast_shape, dtype_fn=checked_dtype(FLOAT),
      doc="Regularized incomplete beta function I_x(a, b).")
defop("Complex", ("real", "imag"), shape_fn=broadcast_shape,
      dtype_fn=checked_dtype(FLOAT, lambda d: dtypes.complex64 if d == dtypes.float32
                             else dtypes.complex128))
for _type in ("Real", "Imag", "Angle"):
    defop(_type, ("input",), shape_fn=same_shape,
          dtype_fn=checked_dtype(FLOAT_COMPLEX, _real_part_dtype))
not_differentiable("NextAfter", "TruncateDiv", "TruncateMod", "Invert", "PopulationCount",
                   "IsInf", *BITWISE)


# --- wrappers ---------------------------------------------------------------------------
def _unary_fn(op_type, public):
    def fn(x, name=None):
        with _graph_of(x).as_default():
            # a Python number becomes float32; a NumPy array keeps its dtype, as in TF1
            hint = None if isinstance(x, (np.ndarray, np.generic)) else "float32"
            return _op(op_type, [convert_to_tensor(x, preferred_dtype=hint)], name=name or op_type)
    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = f"Elementwise {public} (op {op_type})."
    return fn


def _binary_fn(op_type, public):
    def fn(x, y, name=None):
        with _graph_of(x, y).as_default():
            x, y = binary_operands(x, y, op_type)
            return _op(op_type, [x, y], name=name or op_type)
    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = f"Elementwise {public} with broadcasting (op {op_type})."
    return fn


acos, asin, atan, sinh, cosh, asinh, acosh, atanh = (
    _unary_fn(t, UNARY[t][0]) for t in ("Acos", "Asin", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"))
erf, erfc, erfinv, ndtri, lgamma, digamma = (
    _unary_fn(t, UNARY[t][0]) for t in ("Erf", "Erfc", "Erfinv", "Ndtri", "Lgamma", "Digamma"))
bessel_i0e, bessel_i1e, bessel_i0, bessel_i1 = (
    _unary_fn(t, UNARY[t][0]) for t in ("BesselI0e", "BesselI1e", "BesselI0", "BesselI1"))
atan2, xlogy, xlog1py, xdivy, div_no_nan, mul_no_nan = (
    _binary_fn(t, BINARY[t][0]) for t in ("Atan2", "Xlogy", "Xlog1py", "Xdivy", "DivNoNan", "MulNoNan"))
polygamma, zeta, igamma, igammac, nextafter, truncatediv, truncatemod = (
    _binary_fn(t, BINARY[t][0]) for t in ("Polygamma", "Zeta", "Igamma", "Igammac", "NextAfter",
                                          "TruncateDiv", "TruncateMod"))
bitwise_and, bitwise_or, bitwise_xor, left_shift, right_shift = (
    _binary_fn(t, BITWISE[t]) for t in BITWISE)
invert = _unary_fn("Invert", "invert")
population_count = _unary_fn("PopulationCount", "population_count")
is_inf = _unary_fn("IsInf", "is_inf")


def conj(x, name=None):
    """Complex conjugate; real tensors are returned unchanged, as in TF."""
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return x
    return _op("Conj", [x], name=name or "Conj")


def _complex_part(op_type, x, name, of_real):
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return of_real(x)
    return _op(op_type, [x], name=name or op_type)


def real(input, name=None):  # noqa: A002 - TF1 signature
    """The real part of a complex tensor; a real tensor is returned as is."""
    return _complex_part("Real", input, name, lambda x: x)


def imag(input, name=None):  # noqa: A002
    """The imaginary part of a complex tensor; zeros for a real tensor."""
    from tensorflux.ops.array_ops import zeros_like
    return _complex_part("Imag", input, name, zeros_like)


def angle(input, name=None):  # noqa: A002
    """The argument of a complex tensor; for a real tensor, pi where it is negative."""
    x = convert_to_tensor(input)
    if x.dtype.is_complex:
        return _op("Angle", [x], name=name or "Angle")
    from tensorflux.ops.array_ops import zeros_like
    return atan2(zeros_like(x), x, name=name)


def complex(real, imag, name=None):  # noqa: A001 - TF1 name
    """A complex tensor from real and imaginary parts (float32 -> complex64,
    float64 -> complex128)."""
    with _graph_of(real, imag).as_default():
        re, im = binary_operands(real, imag, "Complex")
        return _op("Complex", [re, im], name=name or "Complex")


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function I_x(a, b)."""
    with _graph_of(a, b, x).as_default():
        x = convert_to_tensor(x, preferred_dtype="float32")
        a, b = (convert_to_tensor(v, dtype=None if hasattr(v, "op") else x.dtype) for v in (a, b))
        if not a.dtype == b.dtype == x.dtype:
            raise TypeError(f"betainc: a, b and x must have one dtype, got {a.dtype.name}, "
                            f"{b.dtype.name}, {x.dtype.name}")
        return _op("Betainc", [a, b, x], name=name or "Betainc")


def rint(x, name=None):
    """Round to the nearest integer, halves to even (TF's Rint; the same as tf.round)."""
    return math_ops.round(x, name=name or "Rint")


def erfcinv(x, name=None):
    """The inverse of erfc: -ndtri(x / 2) / sqrt(2)."""
    with name_scope(name, "erfcinv", [x]) as scope:
        x = convert_to_tensor(x, preferred_dtype="float32")
        return math_ops.multiply(ndtri(x * 0.5), -1 / math.sqrt(2), name=scope)


def lbeta(x, name=None):
    """log|Beta(x)| over the last axis: sum(lgamma(x)) - lgamma(sum(x))."""
    with name_scope(name, "lbeta", [x]) as scope:
        x = convert_to_tensor(x, preferred_dtype="float32")
        return math_ops.subtract(math_ops.reduce_sum(lgamma(x), axis=-1),
                                 lgamma(math_ops.reduce_sum(x, axis=-1)), name=scope)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    from tensorflux.ops.nn_ops import softplus
    with name_scope(name, "LogSigmoid", [x]) as scope:
        x = convert_to_tensor(x, preferred_dtype="float32")
        return math_ops.negative(softplus(-x), name=scope)


def reciprocal_no_nan(x, name=None):
    """1 / x, and 0 where x is 0."""
    with name_scope(name, "reciprocal_no_nan", [x]) as scope:
        x = convert_to_tensor(x, preferred_dtype="float32")
        return div_no_nan(math_ops.cast(1, x.dtype), x, name=scope)


# --- gradients ----------------------------------------------------------------------------
def _sum_to(grad, like):
    from tensorflux.ops.array_ops import sum_to
    return sum_to(grad, like)


def _where(c, x, y):
    from tensorflux.ops.array_ops import where
    return where(c, x, y)


def _zero_at(x, value):
    """``value`` where x != 0, 0 where x == 0 (the gradients of xlogy & co)."""
    from tensorflux.ops.array_ops import zeros_like
    return _where(math_ops.equal(x, 0), zeros_like(value), value)


def _ones_like(x):
    from tensorflux.ops.array_ops import ones_like
    return ones_like(x)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)

UNARY_GRADIENTS = {
    "Acos": lambda x, y, g: -g * math_ops.rsqrt(1 - x * x),
    "Asin": lambda x, y, g: g * math_ops.rsqrt(1 - x * x),
    "Atan": lambda x, y, g: g / (1 + x * x),
    "Sinh": lambda x, y, g: g * cosh(x),
    "Cosh": lambda x, y, g: g * sinh(x),
    "Asinh": lambda x, y, g: g / cosh(y),
    "Acosh": lambda x, y, g: g / sinh(y),
    "Atanh": lambda x, y, g: g / (1 - x * x),
    "Erf": lambda x, y, g: g * _TWO_OVER_SQRT_PI * math_ops.exp(-x * x),
    "Erfc": lambda x, y, g: -g * _TWO_OVER_SQRT_PI * math_ops.exp(-x * x),
    "Erfinv": lambda x, y, g: g * (math.sqrt(math.pi) / 2) * math_ops.exp(y * y),
    "Ndtri": lambda x, y, g: g * math.sqrt(2 * math.pi) * math_ops.exp(y * y / 2),
    "Lgamma": lambda x, y, g: g * digamma(x),
    "Digamma": lambda x, y, g: g * polygamma(_ones_like(x), x),
    "BesselI0": lambda x, y, g: g * bessel_i1(x),
    "BesselI0e": lambda x, y, g: g * (bessel_i1e(x) - math_ops.sign(x) * y),
    "BesselI1": lambda x, y, g: g * _where(math_ops.equal(x, 0), 0.5 * _ones_like(x),
                                           bessel_i0(x) - div_no_nan(y, x)),
    "BesselI1e": lambda x, y, g: g * _where(math_ops.equal(x, 0), 0.5 * _ones_like(x),
                                            bessel_i0e(x) - y * (math_ops.sign(x) + div_no_nan(_ones_like(x), x))),
    "Conj": lambda x, y, g: conj(g),
    "Real": lambda x, y, g: complex(g, 0 * g),
    "Imag": lambda x, y, g: complex(0 * g, g),
}


def _unary_gradient(formula):
    def grad_fn(op, grad):
        return [formula(op.inputs[0], op.outputs[0], grad)]
    return grad_fn


for _type, _formula in UNARY_GRADIENTS.items():
    gradient(_type)(_unary_gradient(_formula))


@gradient("Angle")
def _angle_grad(op, grad):
    z = op.inputs[0]
    re, im = real(z), imag(z)
    return [complex(-grad * im, grad * re) / math_ops.cast(re * re + im * im, z.dtype)]


@gradient("Complex")
def _complex_grad(op, grad):
    x, y = op.inputs
    return [_sum_to(real(grad), x), _sum_to(imag(grad), y)]


def _binary_gradient(gx_fn, gy_fn):
    """``gx_fn(x, y, z, g)``/``gy_fn`` give each input's gradient (None: not
    differentiable in it), summed back over broadcast dims."""
    def grad_fn(op, grad):
        x, y = op.inputs
        z = op.outputs[0]
        return [None if f is None else _sum_to(f(x, y, z, grad), t)
                for f, t in ((gx_fn, x), (gy_fn, y))]
    return grad_fn


for _type, (_gx, _gy) in {
    "Atan2": (lambda x, y, z, g: g * y / (x * x + y * y), lambda x, y, z, g: -g * x / (x * x + y * y)),
    "Xlogy": (lambda x, y, z, g: g * _zero_at(x, math_ops.log(y)),
              lambda x, y, z, g: g * xdivy(x, y)),
    "Xlog1py": (lambda x, y, z, g: g * _zero_at(x, math_ops.log1p(y)),
                lambda x, y, z, g: g * xdivy(x, y + 1)),
    "Xdivy": (lambda x, y, z, g: g * _zero_at(x, 1 / y),
              lambda x, y, z, g: g * _zero_at(x, -x / (y * y))),
    "DivNoNan": (lambda x, y, z, g: div_no_nan(g, y),
                 lambda x, y, z, g: g * div_no_nan(div_no_nan(-x, y), y)),
    "MulNoNan": (lambda x, y, z, g: mul_no_nan(g, y), lambda x, y, z, g: x * g),
    # TF1 differentiates these only in their second argument.
    "Polygamma": (None, lambda x, y, z, g: g * polygamma(x + 1, y)),
    "Zeta": (None, lambda x, y, z, g: -g * x * zeta(x + 1, y)),
    "Igamma": (None, lambda x, y, z, g: g * math_ops.exp(-y + (x - 1) * math_ops.log(y) - lgamma(x))),
    "Igammac": (None, lambda x, y, z, g: -g * math_ops.exp(-y + (x - 1) * math_ops.log(y) - lgamma(x))),
}.items():
    gradient(_type)(_binary_gradient(_gx, _gy))


@gradient("Betainc")
def _betainc_grad(op, grad):
    a, b, x = op.inputs
    log_beta = lgamma(a) + lgamma(b) - lgamma(a + b)
    density = math_ops.exp((a - 1) * math_ops.log(x) + (b - 1) * math_ops.log1p(-x) - log_beta)
    return [None, None, _sum_to(grad * density, x)]
