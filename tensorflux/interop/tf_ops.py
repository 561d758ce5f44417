"""The one table of TensorFlow op types tensorflux reads and writes, and how each maps.

``IMPORT`` maps a TensorFlow op type to a converter that builds the equivalent
tensorflux ops from a ``NodeContext`` (the node, its input tensors, its attrs) and
returns its outputs in TensorFlow's order. ``EXPORT`` maps a tensorflux op type to a
converter that writes TensorFlow ``NodeDef``s. What is not in these tables is not
supported: importing a graph that uses such an op fails with one error listing every
missing op type. TensorFlow's v1 while-loop ops (Enter, Merge, Switch, NextIteration,
Exit, LoopCond) are handled by the importer itself (``graph_import``), which rebuilds
each loop as a ``While`` op.

Where TensorFlow passes a value as an input tensor that tensorflux keeps as an attr (the
axes of a reduction, a transpose's permutation, a concat axis ...), the input must be
a constant when the graph is imported (it always is in graphs TF1's Python API builds),
except for reductions, which fall back to ``ReduceDynamic``.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.shape_fns import constant_value

IMPORT = {}
EXPORT = {}
# TensorFlow attrs that carry nothing tensorflux needs (types it infers, hints).
IGNORED_ATTRS = {"T", "Tidx", "Tshape", "Tpaddings", "Tindices", "Tparams", "Taxis",
                 "TI", "Tmultiples", "N", "use_cudnn_on_gpu", "SrcT", "Truncate",
                 "Tlen", "index_type", "Tcond", "identical_element_shapes",
                 "Tperm", "Tlabels", "Tout", "Tnum_segments", "_class", "_output_shapes"}


class UnsupportedGraph(ValueError):
    """A node the importer cannot express in tensorflux (besides unknown op types)."""


def importer(*tf_types):
    def deco(fn):
        for t in tf_types:
            IMPORT[t] = fn
        return fn
    return deco


# --- plain ops: same inputs, same attrs (renamed where the names differ) -----------------
def _same(our_type, attrs=(), renames=None):
    renames = renames or {}

    def convert(ctx):
        values = {}
        for tf_name in attrs:
            if tf_name in ctx.node.attr:
                values[renames.get(tf_name, tf_name)] = ctx.attr(tf_name)
        return ctx.emit(our_type, ctx.inputs, values).outputs
    return convert


_ELEMENTWISE = {
    "Abs": "Abs", "Add": "Add", "AddV2": "Add", "Ceil": "Ceil", "Cos": "Cos", "Elu": "Elu",
    "Equal": "Equal", "Exp": "Exp", "Expm1": "Expm1", "Floor": "Floor", "FloorDiv": "FloorDiv",
    "FloorMod": "FloorMod", "Greater": "Greater", "GreaterEqual": "GreaterEqual",
    "Identity": "Identity", "IsFinite": "IsFinite", "IsNan": "IsNan", "Less": "Less",
    "LessEqual": "LessEqual", "Log": "Log", "Log1p": "Log1p", "LogicalAnd": "LogicalAnd",
    "LogicalNot": "LogicalNot", "LogicalOr": "LogicalOr", "LogSoftmax": "LogSoftmax",
    "Maximum": "Maximum", "Minimum": "Minimum", "Mul": "Mul", "Neg": "Neg",
    "NotEqual": "NotEqual", "OnesLike": "OnesLike", "Pow": "Pow", "RealDiv": "RealDiv",
    "Reciprocal": "Reciprocal", "Relu": "Relu", "Relu6": "Relu6", "ReluGrad": "ReluGrad",
    "Round": "Round", "Rsqrt": "Rsqrt", "Select": "Select", "Selu": "Selu",
    "Sigmoid": "Sigmoid", "Sign": "Sign", "Sin": "Sin", "Softmax": "Softmax",
    "Softplus": "Softplus", "Softsign": "Softsign", "Sqrt": "Sqrt", "Square": "Square",
    "SquaredDifference": "SquaredDifference", "StopGradient": "StopGradient",
    "Sub": "Sub", "Tan": "Tan", "Tanh": "Tanh", "ZerosLike": "ZerosLike",
    "Fill": "Fill", "Range": "Range", "Reshape": "Reshape", "Tile": "Tile", "Rank": "Rank",
    "Slice": "Slice", "NoOp": "NoOp", "PreventGradient": "Identity", "Snapshot": "Identity",
    "MatrixDeterminant": "MatrixDeterminant", "Where": "Where",
    "SoftmaxCrossEntropyWithLogits": "SoftmaxCrossEntropyWithLogits",
    "SparseSoftmaxCrossEntropyWithLogits": "SparseSoftmaxCrossEntropyWithLogits",
    "Assert": "Assert", "BroadcastGradientArgs": "BroadcastGradientArgs",
    "ApplyGradientDescent": "ApplyGradientDescent", "AssignAdd": "AssignAdd",
    "AssignSub": "AssignSub", "ApplyMomentum": "ApplyMomentum", "ApplyAdam": "ApplyAdam",
    "ApplyAdagrad": "ApplyAdagrad", "ApplyRMSProp": "ApplyRMSProp",
    "UnsortedSegmentSum": "UnsortedSegmentSum", "LinSpace": "LinSpace",
    "BiasAddGrad": "BiasAddGrad",
}
_ATTRS = {  # TensorFlow attrs of these ops that tensorflux keeps (same names unless renamed)
    "MatMul": ("transpose_a", "transpose_b"), "Cast": ("DstT",), "Shape": ("out_type",),
    "Size": ("out_type",), "Pack": ("axis",), "Unpack": ("num", "axis"),
    "Squeeze": ("squeeze_dims",), "LeakyRelu": ("alpha",), "Assign": ("validate_shape",),
    "VariableV2": ("shape", "dtype", "container", "shared_name"),
    "Placeholder": ("dtype", "shape"), "PlaceholderWithDefault": ("shape",),
    "RandomUniform": ("dtype", "seed", "seed2"), "RandomStandardNormal": ("dtype", "seed", "seed2"),
    "TruncatedNormal": ("dtype", "seed", "seed2"), "InTopKV2": (), "Assert": ("summarize",),
    "MatrixInverse": ("adjoint",), "TopKV2": ("sorted",), "Unique": ("out_idx",),
    "ApplyMomentum": ("use_nesterov",), "ApplyAdam": ("use_nesterov",),
}
_OUR_TYPE = {"InTopKV2": "InTopK"}
for _tf, _ours in _ELEMENTWISE.items():
    IMPORT[_tf] = _same(_ours, _ATTRS.get(_tf, ()))
for _tf, _attrs in _ATTRS.items():
    if _tf not in IMPORT:
        IMPORT[_tf] = _same(_OUR_TYPE.get(_tf, _tf), _attrs)


@importer("InTopKV2")
def _in_top_k(ctx):
    return ctx.emit("InTopK", ctx.inputs[:2], {"k": int(ctx.const(2))}).outputs


@importer("TopKV2")
def _top_k(ctx):
    return ctx.emit("TopKV2", ctx.inputs[:1], {"k": int(ctx.const(1)),
                                               "sorted": ctx.attr("sorted", True)}).outputs


@importer("Const")
def _const(ctx):
    value = ctx.attr("value")
    return ctx.emit("Const", [], {"value": value, "dtype": ctx.attr("dtype")}).outputs


@importer("BiasAdd")
def _bias_add(ctx):
    ctx.require_nhwc()
    return ctx.emit("BiasAdd", ctx.inputs).outputs


@importer("Conv2D")
def _conv2d(ctx):
    ctx.require_nhwc()
    ctx.require_unit("dilations")
    if ctx.attr("padding") == "EXPLICIT":
        raise UnsupportedGraph(f"{ctx.where}: explicit padding is not supported")
    return ctx.emit("Conv2D", ctx.inputs, {"strides": tuple(ctx.attr("strides")),
                                          "padding": ctx.attr("padding")}).outputs


@importer("MaxPool", "AvgPool")
def _pool(ctx):
    ctx.require_nhwc()
    return ctx.emit(ctx.node.op, ctx.inputs, {"ksize": tuple(ctx.attr("ksize")),
                                             "strides": tuple(ctx.attr("strides")),
                                             "padding": ctx.attr("padding")}).outputs


@importer("Sum", "Mean", "Max", "Min", "Prod", "All", "Any")
def _reduction(ctx):
    keep = ctx.attr("keep_dims", False)
    axes = constant_value(ctx.inputs[1])
    if axes is None:
        return ctx.emit("ReduceDynamic", ctx.inputs,
                        {"reduction": ctx.node.op, "keep_dims": keep}).outputs
    axes = np.asarray(axes).ravel().tolist()
    axis = tuple(int(a) for a in axes)
    return ctx.emit(ctx.node.op, ctx.inputs[:1], {"axis": axis, "keep_dims": keep}).outputs


@importer("ArgMax", "ArgMin")
def _arg_reduction(ctx):
    return ctx.emit(ctx.node.op, ctx.inputs[:1],
                    {"axis": int(ctx.const(1)),
                     "output_type": ctx.attr("output_type", dtypes.int64)}).outputs


@importer("ConcatV2")
def _concat(ctx):
    return ctx.emit("ConcatV2", ctx.inputs[:-1], {"axis": int(ctx.const(len(ctx.inputs) - 1))}).outputs


@importer("Concat")
def _concat_v1(ctx):
    return ctx.emit("ConcatV2", ctx.inputs[1:], {"axis": int(ctx.const(0))}).outputs


@importer("ExpandDims")
def _expand_dims(ctx):
    return ctx.emit("ExpandDims", ctx.inputs[:1], {"axis": int(ctx.const(1))}).outputs


@importer("Transpose")
def _transpose(ctx):
    perm = tuple(int(p) for p in np.ravel(ctx.const(1)))
    return ctx.emit("Transpose", ctx.inputs[:1], {"perm": perm}).outputs


@importer("GatherV2")
def _gather(ctx):
    if ctx.attr("batch_dims", 0):
        raise UnsupportedGraph(f"{ctx.where}: GatherV2 with batch_dims is not supported")
    return ctx.emit("GatherV2", ctx.inputs[:2], {"axis": int(ctx.const(2))}).outputs


@importer("Gather")
def _gather_v1(ctx):
    return ctx.emit("GatherV2", ctx.inputs[:2], {"axis": 0}).outputs


@importer("OneHot")
def _one_hot(ctx):
    return ctx.emit("OneHot", [ctx.inputs[0], ctx.inputs[2], ctx.inputs[3]],
                    {"depth": int(ctx.const(1)), "axis": ctx.attr("axis", -1)}).outputs


@importer("Pad", "PadV2", "MirrorPad")
def _pad(ctx):
    mode = ctx.attr("mode", "CONSTANT") if ctx.node.op == "MirrorPad" else "CONSTANT"
    value = ctx.const(2).item() if ctx.node.op == "PadV2" else 0
    return ctx.emit("Pad", ctx.inputs[:2], {"mode": mode, "constant_values": value}).outputs


@importer("Split")
def _split(ctx):
    axis, x, n = int(ctx.const(0)), ctx.inputs[1], ctx.attr("num_split")
    dims = x.shape.as_tuple()
    size = None if dims is None else dims[axis % len(dims)]
    if size is None:
        raise UnsupportedGraph(f"{ctx.where}: Split needs the size of dimension {axis} of "
                               f"{x.name} to be known (it is {x.shape})")
    return ctx.emit("SplitV", [x], {"size_splits": (size // n,) * n, "axis": axis}).outputs


@importer("SplitV")
def _split_v(ctx):
    sizes = [int(s) for s in np.ravel(ctx.const(1))]
    axis = int(ctx.const(2))
    if -1 in sizes:
        dims = ctx.inputs[0].shape.as_tuple()
        total = None if dims is None else dims[axis % len(dims)]
        if total is None:
            raise UnsupportedGraph(f"{ctx.where}: SplitV with a -1 size needs a known dimension")
        sizes[sizes.index(-1)] = total - (sum(sizes) + 1)
    return ctx.emit("SplitV", ctx.inputs[:1], {"size_splits": tuple(sizes), "axis": axis}).outputs


@importer("StridedSlice")
def _strided_slice(ctx):
    begin, end, strides = (np.ravel(ctx.const(i)).tolist() for i in (1, 2, 3))
    masks = {m: ctx.attr(m, 0) for m in ("begin_mask", "end_mask", "ellipsis_mask",
                                          "new_axis_mask", "shrink_axis_mask")}
    spec = []
    for j, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << j
        if masks["ellipsis_mask"] & bit:
            spec.append(("ellipsis",))
        elif masks["new_axis_mask"] & bit:
            spec.append(("newaxis",))
        elif masks["shrink_axis_mask"] & bit:
            spec.append(("int", int(b)))
        else:
            spec.append(("slice", None if masks["begin_mask"] & bit else int(b),
                         None if masks["end_mask"] & bit else int(e), int(s)))
    return ctx.emit("StridedSlice", ctx.inputs[:1], {"spec": tuple(spec)}).outputs


@importer("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
def _fused_batch_norm(ctx):
    """Inference only (is_training=False): (x - mean) * rsqrt(var + eps) * scale + offset."""
    ctx.require_nhwc()
    if ctx.attr("is_training", True):
        raise UnsupportedGraph(f"{ctx.where}: FusedBatchNorm in training mode is not supported "
                               f"(freeze the graph for inference)")
    x, scale, offset, mean, var = ctx.inputs[:5]
    eps = ctx.emit("Const", [], {"value": np.array(ctx.attr("epsilon", 1e-4), x.dtype.np_dtype),
                                 "dtype": x.dtype}, suffix="epsilon").outputs[0]
    inv = ctx.emit("Rsqrt", [ctx.emit("Add", [var, eps], suffix="add").outputs[0]],
                   suffix="Rsqrt").outputs[0]
    factor = ctx.emit("Mul", [inv, scale], suffix="mul").outputs[0]
    shift = ctx.emit("Sub", [offset, ctx.emit("Mul", [mean, factor], suffix="mul_1").outputs[0]],
                     suffix="sub").outputs[0]
    y = ctx.emit("Add", [ctx.emit("Mul", [x, factor], suffix="mul_2").outputs[0], shift]).outputs[0]
    return [y, mean, var, mean, var, mean]


# --- TensorArrays: TensorFlow passes a handle and a flow; tensorflux only the flow ---------
@importer("TensorArrayV3")
def _ta_new(ctx):
    shape = ctx.attr("element_shape", TensorShape(None))
    flow = ctx.emit("TensorArrayV3", ctx.inputs[:1], {
        "dtype": ctx.attr("dtype"), "element_shape": shape,
        "dynamic_size": ctx.attr("dynamic_size", False),
        "clear_after_read": ctx.attr("clear_after_read", True),
        "tensor_array_name": ctx.attr("tensor_array_name", "")}).outputs[0]
    return [flow, flow]


@importer("TensorArrayScatterV3", "TensorArrayWriteV3", "TensorArraySplitV3")
def _ta_update(ctx):
    return ctx.emit(ctx.node.op, [ctx.inputs[-1]] + ctx.inputs[1:-1]).outputs


@importer("TensorArrayReadV3", "TensorArrayGatherV3")
def _ta_read(ctx):
    return ctx.emit(ctx.node.op, [ctx.inputs[-1]] + ctx.inputs[1:-1], {
        "dtype": ctx.attr("dtype"),
        "element_shape": ctx.attr("element_shape", TensorShape(None))}).outputs


@importer("TensorArraySizeV3")
def _ta_size(ctx):
    return ctx.emit("TensorArraySizeV3", [ctx.inputs[1]]).outputs


@importer("TensorArrayConcatV3")
def _ta_concat(ctx):
    rest = ctx.attr("element_shape_except0", TensorShape(None))
    shape = TensorShape(None) if rest.ndims is None else TensorShape([None]).concatenate(rest)
    return ctx.emit("TensorArrayConcatV3", [ctx.inputs[1]],
                    {"dtype": ctx.attr("dtype"), "element_shape": shape}).outputs


@importer("TensorArrayCloseV3")
def _ta_close(ctx):
    return ctx.emit("NoOp", []).outputs
