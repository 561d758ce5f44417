"""What the passes know about particular op types, in one table.

Everything else the passes learn from the op registry (stateful flags, ref inputs,
static shapes and dtypes), so an op added later is simply left alone: it is never
fused, never given a plan-owned buffer, and values it reads are never written in place.

``ELEMENTWISE``: ops computed exactly as a short sequence of array-namespace ufuncs,
which a fused kernel replays (with ``out=`` on the CPU, inside one ``fuse`` on CuPy).
Each entry is ``(arity, kinds, program)``; ``kinds`` are the dtype kinds the op is
fused for (where its kernel is that ufunc and nothing else: integer division and powers
check their operands, so they are left out), and ``program`` is a tuple of
``(ufunc name, operand, ...)`` calls, an operand being an input index, ``"t"`` (the
previous call's result) or ``"0"`` / ``"1"`` (that number in the op's dtype). The
last call gives the op's output.
"""
from __future__ import annotations

_FLOAT, _NUMBER, _ANY = "f", "fiu", "fiub"


def _unary(ufunc, kinds=_FLOAT):
    return (1, kinds, ((ufunc, 0),))


def _binary(ufunc, kinds=_NUMBER):
    return (2, kinds, ((ufunc, 0, 1),))


ELEMENTWISE = {
    "Add": _binary("add"), "Sub": _binary("subtract"), "Mul": _binary("multiply"),
    "Maximum": _binary("maximum"), "Minimum": _binary("minimum"),
    "RealDiv": _binary("true_divide", _FLOAT),
    "BiasAdd": _binary("add"),  # NHWC: the bias broadcasts along the last axis
    "Neg": _unary("negative", _NUMBER), "Abs": _unary("abs", _NUMBER),
    "Square": _unary("square", _NUMBER), "Sign": _unary("sign", _NUMBER),
    "Sqrt": _unary("sqrt"), "Exp": _unary("exp"), "Log": _unary("log"),
    "Log1p": _unary("log1p"), "Expm1": _unary("expm1"), "Sin": _unary("sin"),
    "Cos": _unary("cos"), "Tan": _unary("tan"), "Tanh": _unary("tanh"),
    "Floor": _unary("floor"), "Ceil": _unary("ceil"), "Round": _unary("rint"),
    "Relu": (1, _NUMBER, (("maximum", 0, "0"),)),
    "Rsqrt": (1, _FLOAT, (("sqrt", 0), ("true_divide", "1", "t"))),
    "Reciprocal": (1, _FLOAT, (("true_divide", "1", 0),)),
    "SquaredDifference": (2, _NUMBER, (("subtract", 0, 1), ("square", "t"))),
    "ReluGrad": (2, _NUMBER, (("greater", 1, "0"), ("multiply", 0, "t"))),
    "Equal": _binary("equal", _ANY), "NotEqual": _binary("not_equal", _ANY),
    "Less": _binary("less"), "LessEqual": _binary("less_equal"),
    "Greater": _binary("greater"), "GreaterEqual": _binary("greater_equal"),
    "LogicalAnd": _binary("logical_and", "b"), "LogicalOr": _binary("logical_or", "b"),
    "LogicalNot": _unary("logical_not", "b"),
}

# Ops whose operands must have one shape (TF's kernels refuse anything else), so any
# of them has the output's shape.
SAME_SHAPE = frozenset({"ReluGrad"})

# Ops whose outputs may be (views of) their first input: a value they read lives as
# long as their outputs.
VIEWS = frozenset({
    "Identity", "StopGradient", "Reshape", "ExpandDims", "Squeeze", "Transpose",
    "StridedSlice", "Slice", "SumToShape", "BroadcastLike", "BroadcastTo", "EnsureShape",
    "CheckNumerics", "PlaceholderWithDefault", "Unpack", "SplitV",
})

# Ops whose outputs are new arrays nothing else refers to (once their rank is >= 1:
# NumPy gives 0-d results as scalars), so a consumer may overwrite them when they die.
FRESH = frozenset(set(ELEMENTWISE) | {
    "MatMul", "AddN", "BiasAddGrad", "Softmax", "SoftmaxCrossEntropyWithLogits",
    "SparseSoftmaxCrossEntropyWithLogits", "_Fused", "_XentWithGrad",
})

# Ops that read their inputs only while they run and return nothing that shares their
# memory: a plan-owned buffer may feed them.
CONSUMERS = frozenset(FRESH | {
    "Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "ArgMax", "ArgMin", "Cast",
    "MeanGrad", "Shape", "Size", "Rank", "InTopK", "ConcatV2", "Pack", "Sigmoid",
    "TanhGrad", "SigmoidGrad", "ZerosLike", "OnesLike", "Select", "LogSoftmax",
    "Assign", "AssignAdd", "AssignSub", "ApplyGradientDescent", "ApplyMomentum",
    "ApplyAdagrad", "ApplyAdadelta", "ApplyRMSProp", "ApplyCenteredRMSProp", "ApplyAdam",
    "_ApplyGradientDescentInPlace", "_MatMulGradientDescent",
})

# Ops whose value follows from their input's static shape alone.
SHAPE_OPS = frozenset({"Shape", "Size", "Rank"})

# Pure ops that still must run when the plan runs (they read files).
NEVER_FOLD = frozenset({"Placeholder", "ReadFile", "MatchingFiles"})


def elementwise_entry(op):
    """``op``'s ELEMENTWISE entry when it can be fused (its dtype is one the entry
    covers, a BiasAdd is NHWC), else None."""
    entry = ELEMENTWISE.get(op._type)
    if entry is None or not op._inputs:
        return None
    if op._type == "BiasAdd" and op.attrs.get("data_format", "NHWC") != "NHWC":
        return None
    if op._inputs[0]._dtype.np_dtype.kind not in entry[1]:
        return None
    return entry
