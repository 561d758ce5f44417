"""Elementwise arithmetic, comparisons, reductions, matmul and casts, and the Python
operators of Tensor (``x * y + 2``)."""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor, is_tensor_like
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import (bool_dtype, broadcast_shape, reduced_shape,
                                      same_shape, normalize_axis)

UNARY = ["Neg", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Sin",
         "Cos", "Tan", "Tanh", "Sigmoid", "Reciprocal", "Floor", "Ceil", "Round", "Expm1"]
BINARY = ["Add", "Sub", "Mul", "RealDiv", "FloorDiv", "FloorMod", "Pow", "Maximum",
          "Minimum", "SquaredDifference"]
COMPARISONS = ["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"]
LOGICAL = ["LogicalAnd", "LogicalOr"]
REDUCTIONS = ["Sum", "Mean", "Max", "Min", "Prod", "All", "Any"]

for _name in UNARY:
    defop(_name, ("x",), shape_fn=same_shape, doc=f"Elementwise {_name.lower()}.")
for _name in BINARY:
    defop(_name, ("x", "y"), shape_fn=broadcast_shape, doc=f"Elementwise {_name} with broadcasting.")
for _name in COMPARISONS:
    defop(_name, ("x", "y"), shape_fn=broadcast_shape, dtype_fn=bool_dtype,
          doc=f"Elementwise {_name} (bool result), with broadcasting.")
for _name in LOGICAL:
    defop(_name, ("x", "y"), shape_fn=broadcast_shape, dtype_fn=bool_dtype)
defop("LogicalNot", ("x",), shape_fn=same_shape, dtype_fn=bool_dtype)
defop("IsNan", ("x",), shape_fn=same_shape, dtype_fn=bool_dtype)
defop("IsFinite", ("x",), shape_fn=same_shape, dtype_fn=bool_dtype)
not_differentiable(*COMPARISONS, *LOGICAL, "LogicalNot", "IsNan", "IsFinite",
                   "Sign", "Floor", "Ceil", "Round", "FloorDiv", "FloorMod")


def _reduction_shape(op):
    return [reduced_shape(op.inputs[0].shape, op.attrs["axis"], op.attrs["keep_dims"])]


for _name in REDUCTIONS:
    defop(_name, ("input",), attrs={"axis": None, "keep_dims": False},
          shape_fn=_reduction_shape, doc=f"Reduce with {_name.lower()} over `axis` (None: all).")
not_differentiable("All", "Any")


def _arg_shape(op):
    return [reduced_shape(op.inputs[0].shape, [op.attrs["axis"]], False)]


for _name in ("ArgMax", "ArgMin"):
    defop(_name, ("input",), attrs={"axis": 0, "output_type": dtypes.int64},
          shape_fn=_arg_shape, dtype_fn=lambda op: [op.attrs["output_type"]])
not_differentiable("ArgMax", "ArgMin")


def _matmul_shape(op):
    a, b = (t.shape.as_tuple() for t in op.inputs)
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if a is None or b is None:
        return [TensorShape(None)]
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"Shape must be rank >= 2 for MatMul, got shapes "
                         f"{TensorShape(a)} and {TensorShape(b)}")
    m, k1 = (a[-1], a[-2]) if ta else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if tb else (b[-2], b[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Dimensions must be equal, but are {k1} and {k2} for MatMul with "
                         f"input shapes {TensorShape(a)} and {TensorShape(b)}")
    from tensorflux.ops.shape_fns import broadcast_dims
    batch = broadcast_dims(a[:-2], b[:-2])
    return [TensorShape(batch + (m, n))]


defop("MatMul", ("a", "b"), attrs={"transpose_a": False, "transpose_b": False},
      shape_fn=_matmul_shape, doc="Matrix product (batched over leading dims).")


def _add_n_shape(op):
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        shape = shape.merge_with(t.shape)
    return [shape]


defop("AddN", ("*inputs",), shape_fn=_add_n_shape, doc="Sum of a list of same-shape tensors.")
defop("Cast", ("x",), attrs={"DstT": None}, shape_fn=same_shape,
      dtype_fn=lambda op: [op.attrs["DstT"]])


def _square_matrix_shape(op, keep):
    dims = op.inputs[0].shape.as_tuple()
    if dims is not None:
        if len(dims) < 2 or (dims[-1] is not None and dims[-2] is not None and dims[-1] != dims[-2]):
            raise ValueError(f"Input must be a batch of square matrices, got shape "
                             f"{op.inputs[0].shape}")
        return [TensorShape(dims if keep else dims[:-2])]
    return [TensorShape(None)]


defop("MatrixInverse", ("input",), attrs={"adjoint": False},
      shape_fn=lambda op: _square_matrix_shape(op, True))
defop("MatrixDeterminant", ("input",), shape_fn=lambda op: _square_matrix_shape(op, False))


# --- wrappers ---------------------------------------------------------------------------
def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name)._outputs[0]


def _graph_of(*values):
    for v in values:
        if isinstance(v, Tensor):
            return v.graph
    return get_default_graph()


def binary_operands(x, y, op_type="op"):
    """Convert two operands to Tensors of one dtype: a Python value takes the other
    operand's dtype; two tensors of different dtypes are a TypeError naming both."""
    if is_tensor_like(x):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=None if is_tensor_like(y) else x.dtype)
    elif is_tensor_like(y):
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(f"Input 'y' of '{op_type}' Op has type {y.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 'x': {x.name} is "
                        f"{x.dtype.name}, {y.name} is {y.dtype.name}. Use tf.cast to "
                        f"convert one of them.")
    return x, y


def _binary(op_type, x, y, name=None):
    with _graph_of(x, y).as_default():
        x, y = binary_operands(x, y, op_type)
        return _op(op_type, [x, y], name=name or op_type)


_FLOAT_ONLY = {"Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Sin", "Cos", "Tan", "Tanh",
               "Sigmoid", "Reciprocal", "Floor", "Ceil", "Round"}


def _unary(op_type, x, name=None):
    """A unary op; a Python number given to a float-only op becomes float32 (a NumPy
    array keeps its dtype, as in TF1)."""
    with _graph_of(x).as_default():
        python_value = not isinstance(x, (np.ndarray, np.generic))
        hint = "float32" if op_type in _FLOAT_ONLY and python_value else None
        return _op(op_type, [convert_to_tensor(x, preferred_dtype=hint)], name=name or op_type)


def add(x, y, name=None): return _binary("Add", x, y, name)
def subtract(x, y, name=None): return _binary("Sub", x, y, name)
def multiply(x, y, name=None): return _binary("Mul", x, y, name)
def maximum(x, y, name=None): return _binary("Maximum", x, y, name)
def minimum(x, y, name=None): return _binary("Minimum", x, y, name)
def pow(x, y, name=None): return _binary("Pow", x, y, name)  # noqa: A001 - TF1 name
def floormod(x, y, name=None): return _binary("FloorMod", x, y, name)
def squared_difference(x, y, name=None): return _binary("SquaredDifference", x, y, name)
def equal(x, y, name=None): return _binary("Equal", x, y, name)
def not_equal(x, y, name=None): return _binary("NotEqual", x, y, name)
def less(x, y, name=None): return _binary("Less", x, y, name)
def less_equal(x, y, name=None): return _binary("LessEqual", x, y, name)
def greater(x, y, name=None): return _binary("Greater", x, y, name)
def greater_equal(x, y, name=None): return _binary("GreaterEqual", x, y, name)
def logical_and(x, y, name=None): return _binary("LogicalAnd", x, y, name)
def logical_or(x, y, name=None): return _binary("LogicalOr", x, y, name)
def logical_not(x, name=None): return _unary("LogicalNot", x, name)
def is_nan(x, name=None): return _unary("IsNan", x, name)
def is_finite(x, name=None): return _unary("IsFinite", x, name)

mod = floormod
multiply.__doc__ = "Elementwise x * y with broadcasting."
add.__doc__ = "Elementwise x + y with broadcasting."


def logical_xor(x, y, name="LogicalXor"):
    with name_scope(name, "LogicalXor", [x, y]):
        return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name="xor")


def negative(x, name=None): return _unary("Neg", x, name)
def abs(x, name=None): return _unary("Abs", x, name)  # noqa: A001 - TF1 name
def sign(x, name=None): return _unary("Sign", x, name)
def square(x, name=None): return _unary("Square", x, name)
def sqrt(x, name=None): return _unary("Sqrt", x, name)
def rsqrt(x, name=None): return _unary("Rsqrt", x, name)
def exp(x, name=None): return _unary("Exp", x, name)
def expm1(x, name=None): return _unary("Expm1", x, name)
def log(x, name=None): return _unary("Log", x, name)
def log1p(x, name=None): return _unary("Log1p", x, name)
def sin(x, name=None): return _unary("Sin", x, name)
def cos(x, name=None): return _unary("Cos", x, name)
def tan(x, name=None): return _unary("Tan", x, name)
def tanh(x, name=None): return _unary("Tanh", x, name)
def sigmoid(x, name=None): return _unary("Sigmoid", x, name)
def reciprocal(x, name=None): return _unary("Reciprocal", x, name)
def floor(x, name=None): return _unary("Floor", x, name)
def ceil(x, name=None): return _unary("Ceil", x, name)
def round(x, name=None): return _unary("Round", x, name)  # noqa: A001 - TF1 name

neg = negative


def _float_for_division(dtype):
    if dtype.is_floating or dtype.is_complex:
        return dtype
    return dtypes.float64 if dtype.size >= 4 else dtypes.float32


def truediv(x, y, name=None):
    """x / y; integer operands are cast to float first (TF1's true division)."""
    with _graph_of(x, y).as_default():
        x, y = binary_operands(x, y, "RealDiv")
        target = _float_for_division(x.dtype)
        if target is x.dtype:
            return _op("RealDiv", [x, y], name=name or "truediv")
        with name_scope(name, "truediv", [x, y]) as scope:
            return _op("RealDiv", [cast(x, target), cast(y, target)], name=scope)


def floordiv(x, y, name=None):
    with _graph_of(x, y).as_default():
        x, y = binary_operands(x, y, "FloorDiv")
        if x.dtype.is_floating:
            with name_scope(name, "floordiv", [x, y]) as scope:
                return _op("Floor", [_op("RealDiv", [x, y])], name=scope)
        return _op("FloorDiv", [x, y], name=name or "floordiv")


def divide(x, y, name=None):
    """``tf.divide``: true division, like ``x / y``."""
    return truediv(x, y, name=name)


def div(x, y, name=None):
    """TF1's legacy ``tf.div``: floor division for integers, real division for floats."""
    with _graph_of(x, y).as_default():
        x, y = binary_operands(x, y, "Div")
        if x.dtype.is_integer:
            return _op("FloorDiv", [x, y], name=name or "div")
        return _op("RealDiv", [x, y], name=name or "div")


realdiv = div


def cast(x, dtype, name=None):
    """Cast to ``dtype``; returns ``x`` itself when it already has that dtype."""
    dtype = dtypes.as_dtype(dtype)
    with _graph_of(x).as_default():
        x = convert_to_tensor(x)
        if x.dtype == dtype:
            return x
        return _op("Cast", [x], {"DstT": dtype}, name=name or "Cast")


def to_float(x, name="ToFloat"): return cast(x, dtypes.float32, name)
def to_double(x, name="ToDouble"): return cast(x, dtypes.float64, name)
def to_int32(x, name="ToInt32"): return cast(x, dtypes.int32, name)
def to_int64(x, name="ToInt64"): return cast(x, dtypes.int64, name)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix product of two rank >= 2 tensors of one dtype."""
    with _graph_of(a, b).as_default():
        a, b = binary_operands(a, b, "MatMul")
        return _op("MatMul", [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                      "transpose_b": bool(transpose_b or adjoint_b)},
                   name=name or "MatMul")


def add_n(inputs, name=None):
    """Sum of a list of tensors of the same shape and dtype."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a non-empty list of tensors")
    with _graph_of(*inputs).as_default():
        inputs = [convert_to_tensor(t) for t in inputs]
        if len({t.dtype for t in inputs}) > 1:
            raise TypeError(f"add_n inputs must have one dtype, got "
                            f"{[(t.name, t.dtype.name) for t in inputs]}")
        if len(inputs) == 1:
            return inputs[0] if name is None else _op("Identity", inputs, name=name)
        return _op("AddN", inputs, name=name or "AddN")


def _reduce(op_type, default_name, input_tensor, axis, keepdims, name, reduction_indices,
            keep_dims):
    if axis is None:
        axis = reduction_indices
    if keepdims is None:
        keepdims = bool(keep_dims)
    with _graph_of(input_tensor).as_default():
        x = convert_to_tensor(input_tensor)
        if axis is not None:
            if is_tensor_like(axis):
                from tensorflux.ops.shape_fns import constant_value
                value = constant_value(convert_to_tensor(axis))
                if value is None:
                    raise ValueError(f"{default_name}: axis must be known when the graph is "
                                     f"built (a Python int/list or a constant)")
                axis = value
            axis = tuple(int(a) for a in np.ravel(axis))
            ndims = x.shape.ndims
            if ndims is not None:
                axis = tuple(normalize_axis(a, ndims) for a in axis)
        return _op(op_type, [x], {"axis": axis, "keep_dims": bool(keepdims)},
                   name=name or default_name)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Sum", "Sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Mean", "Mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Max", "Max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Min", "Min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Prod", "Prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("All", "All", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Any", "Any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def _arg(op_type, input, axis, name, dimension, output_type):
    if axis is None:
        axis = dimension if dimension is not None else 0
    with _graph_of(input).as_default():
        x = convert_to_tensor(input)
        axis = normalize_axis(int(axis), x.shape.ndims)
        return _op(op_type, [x], {"axis": axis, "output_type": dtypes.as_dtype(output_type)},
                   name=name or op_type)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
    return _arg("ArgMin", input, axis, name, dimension, output_type)


def matrix_inverse(input, adjoint=False, name=None):
    return _op("MatrixInverse", [convert_to_tensor(input)], {"adjoint": bool(adjoint)},
               name=name or "MatrixInverse")


def matrix_determinant(input, name=None):
    return _op("MatrixDeterminant", [convert_to_tensor(input)], name=name or "MatrixDeterminant")


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Elementwise clamp of ``t`` to [clip_value_min, clip_value_max]."""
    with name_scope(name, "clip_by_value", [t]) as scope:
        t = convert_to_tensor(t)
        return maximum(minimum(t, clip_value_max, name="Minimum"), clip_value_min, name=scope)


# --- Tensor operators (TF1's _override_operator) -----------------------------------------
def _install_operators():
    def binary(fn, default_name):
        def forward(self, other):
            return fn(self, other, name=default_name)

        def reflected(self, other):
            return fn(other, self, name=default_name)
        return forward, reflected

    table = {
        "add": (add, "add"), "sub": (subtract, "sub"), "mul": (multiply, "mul"),
        "truediv": (truediv, "truediv"), "floordiv": (floordiv, "floordiv"),
        "mod": (floormod, "mod"), "pow": (pow, "pow"), "matmul": (matmul, "matmul"),
        "and": (logical_and, "and"), "or": (logical_or, "or"), "xor": (logical_xor, "xor"),
    }
    for op_name, (fn, default_name) in table.items():
        forward, reflected = binary(fn, default_name)
        Tensor._override_operator(f"__{op_name}__", forward)
        Tensor._override_operator(f"__r{op_name}__", reflected)
    Tensor._override_operator("__lt__", lambda s, o: less(s, o))
    Tensor._override_operator("__le__", lambda s, o: less_equal(s, o))
    Tensor._override_operator("__gt__", lambda s, o: greater(s, o))
    Tensor._override_operator("__ge__", lambda s, o: greater_equal(s, o))
    Tensor._override_operator("__neg__", lambda s: negative(s))
    Tensor._override_operator("__abs__", lambda s: abs(s))
    Tensor._override_operator("__invert__", lambda s: logical_not(s))


_install_operators()


# --- gradients ------------------------------------------------------------------------------
from tensorflux.ops.op_def import gradient  # noqa: E402


def _sum_to(grad, like):
    from tensorflux.ops.array_ops import sum_to
    return sum_to(grad, like)


def _broadcast_like(x, like):
    from tensorflux.ops.array_ops import broadcast_like
    return broadcast_like(x, like)


@gradient("Add")
def _add_grad(op, grad):
    x, y = op.inputs
    return [_sum_to(grad, x), _sum_to(grad, y)]


@gradient("Sub")
def _sub_grad(op, grad):
    x, y = op.inputs
    return [_sum_to(grad, x), _sum_to(-grad, y)]


def _conj_if_complex(x):
    """conj(x) for complex tensors (TF's gradients of complex products use it), else x."""
    if not x.dtype.is_complex:
        return x
    from tensorflux.ops.elementwise_ops import conj
    return conj(x)


@gradient("Mul")
def _mul_grad(op, grad):
    x, y = (_conj_if_complex(t) for t in op.inputs)
    return [_sum_to(grad * y, x), _sum_to(x * grad, y)]


@gradient("RealDiv")
def _div_grad(op, grad):
    x, y = (_conj_if_complex(t) for t in op.inputs)
    return [_sum_to(grad / y, x), _sum_to(-grad * x / (y * y), y)]


@gradient("Pow")
def _pow_grad(op, grad):
    x, y = op.inputs
    z = op.outputs[0]
    from tensorflux.ops.array_ops import where, zeros_like
    positive = greater(x, 0)
    safe_log = where(positive, log(where(positive, x, zeros_like(x) + 1)), zeros_like(x))
    return [_sum_to(grad * y * pow(x, y - 1), x), _sum_to(grad * z * safe_log, y)]


def _minmax_grad(op, grad, select_x):
    x, y = op.inputs
    mask_x = cast(select_x(x, y), grad.dtype)
    return [_sum_to(grad * mask_x, x), _sum_to(grad * (1 - mask_x), y)]


@gradient("Maximum")
def _maximum_grad(op, grad):
    return _minmax_grad(op, grad, greater_equal)


@gradient("Minimum")
def _minimum_grad(op, grad):
    return _minmax_grad(op, grad, less_equal)


@gradient("SquaredDifference")
def _squared_difference_grad(op, grad):
    x, y = op.inputs
    g = 2 * grad * (x - y)
    return [_sum_to(g, x), _sum_to(-g, y)]


UNARY_GRADIENTS = {
    "Neg": lambda x, y, g: -g,
    "Abs": lambda x, y, g: g * sign(x),
    "Square": lambda x, y, g: g * 2 * x,
    "Sqrt": lambda x, y, g: g * 0.5 / y,
    "Rsqrt": lambda x, y, g: g * -0.5 * y * y * y,
    "Exp": lambda x, y, g: g * y,
    "Expm1": lambda x, y, g: g * (y + 1),
    "Log": lambda x, y, g: g / x,
    "Log1p": lambda x, y, g: g / (1 + x),
    "Sin": lambda x, y, g: g * cos(x),
    "Cos": lambda x, y, g: -g * sin(x),
    "Tan": lambda x, y, g: g * (1 + y * y),
    "Tanh": lambda x, y, g: _activation_grad("TanhGrad", y, g),
    "Sigmoid": lambda x, y, g: _activation_grad("SigmoidGrad", y, g),
    "Reciprocal": lambda x, y, g: -g * y * y,
}


# TF's fused gradients of tanh and sigmoid: dy * (1 - y^2) and dy * y * (1 - y) from the
# op's output y, one kernel each instead of three elementwise ops (recurrent cells run
# them once per step).
defop("TanhGrad", ("y", "dy"), shape_fn=broadcast_shape)
defop("SigmoidGrad", ("y", "dy"), shape_fn=broadcast_shape)


def _activation_grad(op_type, y, dy):
    return get_default_graph().create_op(op_type, [y, dy], name=op_type).outputs[0]


@gradient("TanhGrad")
def _tanh_grad_grad(op, grad):
    y, dy = op.inputs
    return [grad * -2.0 * dy * y, _activation_grad("TanhGrad", y, grad)]


@gradient("SigmoidGrad")
def _sigmoid_grad_grad(op, grad):
    y, dy = op.inputs
    g_dy = grad * dy
    return [g_dy - 2.0 * g_dy * y, _activation_grad("SigmoidGrad", y, grad)]


def _unary_gradient(formula):
    def grad_fn(op, grad):
        return [formula(op.inputs[0], op.outputs[0], grad)]
    return grad_fn


for _name, _formula in UNARY_GRADIENTS.items():
    gradient(_name)(_unary_gradient(_formula))


@gradient("MatMul")
def _matmul_grad(op, grad):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        ga, gb = matmul(grad, b, transpose_b=True), matmul(a, grad, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(grad, b), matmul(grad, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, grad, transpose_b=True), matmul(a, grad)
    else:
        ga, gb = (matmul(b, grad, transpose_a=True, transpose_b=True),
                  matmul(grad, a, transpose_a=True, transpose_b=True))
    if a.shape.ndims == 2 and b.shape.ndims == 2:  # no batch dims, so nothing broadcast
        return [ga, gb]
    return [_sum_to(ga, a), _sum_to(gb, b)]


@gradient("AddN")
def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


@gradient("Cast")
def _cast_grad(op, grad):
    x = op.inputs[0]
    if (x.dtype.is_floating or x.dtype.is_complex) and (grad.dtype.is_floating or grad.dtype.is_complex):
        return [cast(grad, x.dtype)]
    return [None]


def _keepdims_grad(op, grad):
    """The reduction's output grad reshaped with the reduced axes kept as size 1."""
    from tensorflux.ops.array_ops import expand_dims
    axis = op.attrs["axis"]
    if op.attrs["keep_dims"] or axis is None:
        return grad
    for a in sorted(axis):
        grad = expand_dims(grad, a)
    return grad


@gradient("Sum")
def _sum_grad(op, grad):
    return [_broadcast_like(_keepdims_grad(op, grad), op.inputs[0])]


defop("MeanGrad", ("grad", "like"), attrs={"axis": None, "keep_dims": False},
      shape_fn=lambda op: [op.inputs[1].shape],
      doc="The gradient of Mean: `grad` spread over the reduced axes of `like`, divided by "
          "how many elements each output averaged (one op, even when shapes are dynamic).")


@gradient("Mean")
def _mean_grad(op, grad):
    attrs = {"axis": op.attrs["axis"], "keep_dims": op.attrs["keep_dims"]}
    return [_op("MeanGrad", [grad, op.inputs[0]], attrs)]


@gradient("MeanGrad")
def _mean_grad_grad(op, grad):
    # MeanGrad spreads and divides by the count; its adjoint sums and divides: a mean.
    return [reduce_mean(grad, axis=op.attrs["axis"], keepdims=op.attrs["keep_dims"]), None]


def _extremum_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    y_b = _broadcast_like(_keepdims_grad(op, y), x)
    hits = cast(equal(x, y_b), grad.dtype)
    count = reduce_sum(hits, axis=op.attrs["axis"], keepdims=True)
    return [_broadcast_like(_keepdims_grad(op, grad), x) * hits / _broadcast_like(count, x)]


gradient("Max")(_extremum_grad)
gradient("Min")(_extremum_grad)


@gradient("Prod")
def _prod_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    y_b = _broadcast_like(_keepdims_grad(op, y), x)
    return [_broadcast_like(_keepdims_grad(op, grad), x) * y_b / x]


@gradient("MatrixInverse")
def _matrix_inverse_grad(op, grad):
    y = op.outputs[0]
    return [-matmul(y, matmul(grad, y, transpose_b=True), transpose_a=True)]


@gradient("MatrixDeterminant")
def _matrix_determinant_grad(op, grad):
    from tensorflux.ops.array_ops import expand_dims, transpose
    x, det = op.inputs[0], op.outputs[0]
    rank_ = x.shape.ndims
    perm = list(range(rank_ - 2)) + [rank_ - 1, rank_ - 2]
    scale = expand_dims(expand_dims(grad * det, -1), -1)
    return [scale * transpose(matrix_inverse(x), perm)]
