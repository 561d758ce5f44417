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
    "InTopK": ("k",), "AddN": (), "CheckNumerics": ("message",),
    "ReverseSequence": ("seq_dim", "batch_dim"), "RandomShuffle": ("seed", "seed2"),
    "RandomUniformInt": ("seed", "seed2"), "DynamicPartition": ("num_partitions",),
    "DynamicStitch": ("N",), "MergeSummary": (),
}
_OUR_TYPE = {"InTopKV2": "InTopK"}
for _tf, _ours in _ELEMENTWISE.items():
    IMPORT[_tf] = _same(_ours, _ATTRS.get(_tf, ()))
for _tf, _attrs in _ATTRS.items():
    if _tf not in IMPORT:
        IMPORT[_tf] = _same(_OUR_TYPE.get(_tf, _tf), _attrs)


@importer("SelectV2")
def _select_v2(ctx):
    """SelectV2 broadcasts like NumPy; tensorflux's Select follows TF1 (a vector condition
    picks rows), so a vector condition is reshaped to broadcast first."""
    c, x, y = ctx.inputs
    if c.shape.ndims == 1 and (x.shape.ndims or 0) > 1:
        raise UnsupportedGraph(f"{ctx.where}: SelectV2 with a vector condition and matrices")
    return ctx.emit("Select", ctx.inputs).outputs


@importer("ScalarSummary", "HistogramSummary")
def _summary(ctx):
    tag = ctx.const(0)
    tag = tag.item() if hasattr(tag, "item") else tag
    return ctx.emit(ctx.node.op, ctx.inputs[1:], {"tag": tag.decode() if isinstance(tag, bytes)
                                                  else str(tag)}).outputs


@importer("ImageSummary")
def _image_summary(ctx):
    tag = ctx.const(0).item()
    return ctx.emit("ImageSummary", ctx.inputs[1:], {
        "tag": tag.decode() if isinstance(tag, bytes) else str(tag),
        "max_images": ctx.attr("max_images", 3)}).outputs


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
    """(x - mean) * rsqrt(var + eps) * scale + offset, with the given moments (inference)
    or, with is_training, the batch's (normalized with the biased variance; the variance
    output is Bessel-corrected, as TensorFlow's)."""
    ctx.require_nhwc()
    x, scale, offset, mean, var = ctx.inputs[:5]
    dt = x.dtype

    def const(value, suffix):
        return ctx.emit("Const", [], {"value": np.array(value, dt.np_dtype), "dtype": dt},
                        suffix=suffix).outputs[0]

    def op(op_type, inputs, suffix, **attrs):
        return ctx.emit(op_type, inputs, attrs or None, suffix=suffix).outputs[0]

    training = ctx.attr("is_training", True)
    if training:
        axes = tuple(range((x.shape.ndims or 4) - 1))
        mean = op("Mean", [x], "batch_mean", axis=axes, keep_dims=False)
        biased = op("Mean", [op("SquaredDifference", [x, mean], "squared")], "batch_variance",
                    axis=axes, keep_dims=False)
        count = op("RealDiv", [op("Cast", [op("Size", [x], "size")], "count", DstT=dt),
                               op("Cast", [op("Size", [mean], "channels")], "channels_f", DstT=dt)],
                   "n")
        unbiased = op("Mul", [biased, op("RealDiv", [count, op("Sub", [count, const(1, "one")],
                                                                "n_1")], "bessel")],
                      "unbiased_variance")
        var = biased
    inv = op("Rsqrt", [op("Add", [var, const(ctx.attr("epsilon", 1e-4), "epsilon")], "add")],
             "Rsqrt")
    factor = op("Mul", [inv, scale], "mul")
    shift = op("Sub", [offset, op("Mul", [mean, factor], "mul_1")], "sub")
    y = ctx.emit("Add", [op("Mul", [x, factor], "mul_2"), shift]).outputs[0]
    if training:
        return [y, mean, unbiased, mean, biased, biased]
    return [y, mean, var, mean, var, var]


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


# --- TensorLists: TensorFlow 2's value-semantics arrays, what tensorflux exports -------------
def _element_shape(ctx, i):
    value = ctx.const(i)
    if np.ndim(value) == 0:
        return TensorShape(None)
    return TensorShape([None if d < 0 else int(d) for d in np.ravel(value)])


@importer("TensorListReserve")
def _tl_reserve(ctx):
    return ctx.emit("TensorArrayV3", [ctx.inputs[1]], {
        "dtype": ctx.attr("element_dtype"), "element_shape": _element_shape(ctx, 0),
        "dynamic_size": ctx.attr("_tensorflux_dynamic_size", False),
        "clear_after_read": ctx.attr("_tensorflux_clear_after_read", False)}).outputs


@importer("TensorListSetItem")
def _tl_set(ctx):
    return ctx.emit("TensorArrayWriteV3", ctx.inputs[:3]).outputs


@importer("TensorListGetItem", "TensorListGather")
def _tl_get(ctx):
    our = "TensorArrayReadV3" if ctx.node.op == "TensorListGetItem" else "TensorArrayGatherV3"
    return ctx.emit(our, ctx.inputs[:2], {"dtype": ctx.attr("element_dtype"),
                                          "element_shape": _element_shape(ctx, 2)}).outputs


@importer("TensorListStack")
def _tl_stack(ctx):
    return ctx.emit("TensorArrayStack", ctx.inputs[:1], {
        "dtype": ctx.attr("element_dtype"), "element_shape": _element_shape(ctx, 1)}).outputs


@importer("TensorListFromTensor")
def _tl_from_tensor(ctx):
    value = ctx.inputs[0]
    size = ctx.emit("StridedSlice", [ctx.emit("Shape", [value], {"out_type": dtypes.int32},
                                              suffix="shape").outputs[0]],
                    {"spec": (("int", 0),)}, suffix="size").outputs[0]
    flow = ctx.emit("TensorArrayV3", [size], {
        "dtype": value.dtype, "element_shape": _element_shape(ctx, 1),
        "clear_after_read": False}, suffix="reserve").outputs[0]
    return ctx.emit("TensorArrayUnstack", [flow, value]).outputs


@importer("TensorListScatterIntoExistingList")
def _tl_scatter(ctx):
    lst, value, indices = ctx.inputs[:3]
    return ctx.emit("TensorArrayScatterV3", [lst, indices, value]).outputs


@importer("TensorListLength")
def _tl_length(ctx):
    return ctx.emit("TensorArraySizeV3", ctx.inputs[:1]).outputs


# --- functional control flow (TensorFlow 2's cond_v2 / while_v2, and tensorflux's export) -----
@importer("If", "StatelessIf")
def _if(ctx):
    return ctx.import_if()


@importer("While", "StatelessWhile")
def _while(ctx):
    return ctx.import_while()


# === export: tensorflux op -> TensorFlow NodeDefs ================================================
def exporter(*our_types):
    def deco(fn):
        for t in our_types:
            EXPORT[t] = fn
        return fn
    return deco


def _int_const(ex, values, suffix):
    return ex.const(np.asarray(values, dtype=np.int32), suffix)


def _all_axes(ex, x, suffix):
    """The axes of every dimension of input ``x`` (a constant when its rank is known)."""
    rank = ex.op.inputs[0].shape.ndims
    if rank is not None:
        return _int_const(ex, list(range(rank)), suffix)
    shape = ex.out(ex.node("Rank", [x], suffix=suffix + "/rank"), 0, dtypes.int32)
    start, step = _int_const(ex, 0, suffix + "/start"), _int_const(ex, 1, suffix + "/delta")
    return ex.out(ex.node("Range", [start, shape, step], suffix=suffix), 0, dtypes.int32)


@exporter("Sum", "Mean", "Max", "Min", "Prod", "All", "Any")
def _export_reduction(ex):
    x = ex.input(0)
    axis = ex.op.attrs["axis"]
    if axis is None:
        axes = _all_axes(ex, x, "reduction_indices")
    else:
        axes = _int_const(ex, [axis] if isinstance(axis, int) else list(axis), "reduction_indices")
    return ex.node(ex.op.type, [x, axes], {"keep_dims": ex.op.attrs["keep_dims"]})


@exporter("ReduceDynamic")
def _export_reduce_dynamic(ex):
    return ex.node(ex.op.attrs["reduction"], ex.inputs, {"keep_dims": ex.op.attrs["keep_dims"]})


@exporter("ArgMax", "ArgMin")
def _export_arg(ex):
    return ex.node(ex.op.type, [ex.input(0), _int_const(ex, ex.op.attrs["axis"], "dimension")],
                   {"output_type": ex.op.attrs["output_type"]})


@exporter("ConcatV2")
def _export_concat(ex):
    return ex.node("ConcatV2", ex.inputs + [_int_const(ex, ex.op.attrs["axis"], "axis")])


@exporter("ExpandDims")
def _export_expand_dims(ex):
    return ex.node("ExpandDims", [ex.input(0), _int_const(ex, ex.op.attrs["axis"], "dim")])


@exporter("Transpose")
def _export_transpose(ex):
    perm = ex.op.attrs["perm"]
    if perm is None:
        rank = ex.op.inputs[0].shape.ndims
        if rank is None:
            raise TypeError(f"Transpose {ex.op.name!r} without perm needs a known rank")
        perm = list(range(rank))[::-1]
    return ex.node("Transpose", [ex.input(0), _int_const(ex, list(perm), "perm")])


@exporter("GatherV2")
def _export_gather(ex):
    return ex.node("GatherV2", ex.inputs + [_int_const(ex, ex.op.attrs["axis"], "axis")])


@exporter("OneHot")
def _export_one_hot(ex):
    indices, on, off = ex.inputs
    return ex.node("OneHot", [indices, _int_const(ex, ex.op.attrs["depth"], "depth"), on, off],
                   {"axis": ex.op.attrs["axis"]})


@exporter("Pad")
def _export_pad(ex):
    mode, value = ex.op.attrs["mode"], ex.op.attrs["constant_values"]
    if mode != "CONSTANT":
        return ex.node("MirrorPad", ex.inputs, {"mode": mode})
    if value:
        return ex.node("PadV2", ex.inputs + [ex.const(np.asarray(value, ex.op.inputs[0].dtype.np_dtype),
                                                      "constant_values")])
    return ex.node("Pad", ex.inputs)


@exporter("SplitV")
def _export_split(ex):
    sizes = list(ex.op.attrs["size_splits"])
    return ex.node("SplitV", [ex.input(0), _int_const(ex, sizes, "size_splits"),
                              _int_const(ex, ex.op.attrs["axis"], "split_dim")],
                   {"num_split": len(sizes)})


@exporter("TopKV2")
def _export_top_k(ex):
    return ex.node("TopKV2", [ex.input(0), _int_const(ex, ex.op.attrs["k"], "k")],
                   {"sorted": ex.op.attrs["sorted"]})


@exporter("StridedSlice")
def _export_strided_slice(ex):
    begin, end, strides = [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                           "shrink_axis_mask"), 0)
    for j, entry in enumerate(ex.op.attrs["spec"]):
        bit = 1 << j
        kind = entry[0]
        b, e, s = 0, 0, 1
        if kind == "ellipsis":
            masks["ellipsis_mask"] |= bit
        elif kind == "newaxis":
            masks["new_axis_mask"] |= bit
        elif kind == "int":  # TensorFlow ignores the end of a shrunk axis
            b, e = int(entry[1]), int(entry[1]) + 1
            masks["shrink_axis_mask"] |= bit
        else:
            _, start, stop, step = entry
            s = 1 if step is None else int(step)
            if start is None:
                masks["begin_mask"] |= bit
            else:
                b = int(start)
            if stop is None:
                masks["end_mask"] |= bit
            else:
                e = int(stop)
        begin.append(b)
        end.append(e)
        strides.append(s)
    return ex.node("StridedSlice", [ex.input(0), _int_const(ex, begin, "stack"),
                                    _int_const(ex, end, "stack_1"),
                                    _int_const(ex, strides, "stack_2")], masks)


@exporter("ScalarSummary", "HistogramSummary")
def _export_summary(ex):
    tag = ex.const(np.array(ex.op.attrs["tag"].encode(), dtype=object), "tag")
    return ex.node(ex.op.type, [tag, ex.input(0)])


@exporter("ImageSummary")
def _export_image_summary(ex):
    tag = ex.const(np.array(ex.op.attrs["tag"].encode(), dtype=object), "tag")
    return ex.node("ImageSummary", [tag, ex.input(0)], {"max_images": ex.op.attrs["max_images"]})


# --- TensorArrays -> TensorLists -------------------------------------------------------------------
def _shape_const(ex, shape, suffix):
    if shape.ndims is None:
        return _int_const(ex, -1, suffix)
    return _int_const(ex, [-1 if d is None else d for d in shape.as_list()], suffix)


@exporter("TensorArrayV3")
def _export_ta_new(ex):
    attrs = ex.op.attrs
    return ex.node("TensorListReserve", [_shape_const(ex, attrs["element_shape"], "element_shape"),
                                         ex.input(0)],
                   {"element_dtype": attrs["dtype"], "shape_type": dtypes.int32,
                    "_tensorflux_dynamic_size": attrs["dynamic_size"],
                    "_tensorflux_clear_after_read": attrs["clear_after_read"]})


def flow_element_dtype(flow):
    """The element dtype of the TensorArray a flow tensor carries (followed back through
    writes and loop variables to the TensorArray that made it)."""
    op = flow.op
    seen = set()
    while op not in seen:
        seen.add(op)
        if "dtype" in op.attrs and op.type.startswith("TensorArray"):
            return op.attrs["dtype"]
        if op.type == "Arg":
            ctx = op._context
            index = op.attrs["index"]
            if ctx.owner is not None:
                op = ctx.owner.inputs[index].op
                continue
            break
        if op.type in ("TensorArrayUnstack", "TensorArrayScatterV3", "TensorArraySplitV3"):
            return op.inputs[1 if op.type == "TensorArrayUnstack" else 2].dtype
        if not op.inputs:
            break
        op = op.inputs[0].op
    raise TypeError(f"cannot tell the element dtype of the TensorArray {flow.name} carries")


@exporter("TensorArrayWriteV3")
def _export_ta_write(ex):
    flow, index, value = ex.inputs
    return ex.node("TensorListSetItem", [flow, index, value], {"element_dtype": value.dtype})


@exporter("TensorArrayReadV3", "TensorArrayGatherV3")
def _export_ta_read(ex):
    tf_type = "TensorListGetItem" if ex.op.type == "TensorArrayReadV3" else "TensorListGather"
    shape = _shape_const(ex, ex.op.attrs["element_shape"], "element_shape")
    return ex.node(tf_type, ex.inputs + [shape], {"element_dtype": ex.op.attrs["dtype"]})


@exporter("TensorArrayStack")
def _export_ta_stack(ex):
    shape = _shape_const(ex, ex.op.attrs["element_shape"], "element_shape")
    return ex.node("TensorListStack", [ex.input(0), shape],
                   {"element_dtype": ex.op.attrs["dtype"], "num_elements": -1})


@exporter("TensorArrayUnstack")
def _export_ta_unstack(ex):
    value = ex.input(1)
    shape = ex.op.inputs[1].shape
    element = TensorShape(None) if shape.ndims is None else TensorShape(shape.as_list()[1:])
    return ex.node("TensorListFromTensor", [value, _shape_const(ex, element, "element_shape")],
                   {"element_dtype": value.dtype, "shape_type": dtypes.int32},
                   controls=[ex.input(0).name.split(":")[0]] if not ex.scope.function else ())


@exporter("TensorArrayScatterV3")
def _export_ta_scatter(ex):
    flow, indices, value = ex.inputs
    return ex.node("TensorListScatterIntoExistingList", [flow, value, indices],
                   {"element_dtype": value.dtype})


@exporter("TensorArraySizeV3")
def _export_ta_size(ex):
    return ex.node("TensorListLength", ex.inputs)


@exporter("TensorArrayCloseV3")
def _export_ta_close(ex):
    return ex.node("NoOp", [])


# --- control flow -> functional If / While ----------------------------------------------------------
def _context_ops(ctx, roots):
    """The ops of ``ctx`` that ``roots`` need (within ctx), in graph order."""
    needed, stack = set(), [t.op if hasattr(t, "op") and hasattr(t, "value_index") else t
                            for t in roots]
    while stack:
        op = stack.pop()
        if op in needed or op._context is not ctx:
            continue
        needed.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return [op for op in ctx.ops if op in needed]


@exporter("If")
def _export_if(ex):
    op = ex.op
    then_ctx, else_ctx = op.attrs["then_branch"], op.attrs["else_branch"]
    captured = then_ctx.captured
    names = []
    for ctx, label in ((then_ctx, "then"), (else_ctx, "else")):
        fname = ex.exporter.function_name(ctx, label)
        args = [(t, t.dtype) for t in captured]
        ex.exporter.function(ctx, fname, args, ctx.outputs, ctx.ops,
                             control_returns=ctx.control_outputs)
        names.append(fname)
    inputs = ex.inputs
    tout = tuple(op.attrs["Tout"])
    name = ex.node("If", inputs, {"Tcond": inputs[0].dtype, "Tin": tuple(r.dtype for r in inputs[1:]),
                                  "Tout": tout, "then_branch": names[0], "else_branch": names[1],
                                  "output_shapes": tuple(op.attrs["output_shapes"]),
                                  **_forward_marks(then_ctx)})
    ex.set_outputs([ex.out(name, i, t.dtype) for i, t in enumerate(op.outputs[:len(tout)])])
    return name


def _forward_marks(ctx):
    """Gradient contexts read their forward context's values: TensorFlow cannot run that
    and tensorflux re-imports it only from its own .meta format."""
    return {"_tensorflux_gradient": True} if ctx.forward is not None else {}


@exporter("While")
def _export_while(ex):
    from tensorflux.interop.graph_export import Ref
    op = ex.op
    ctx = op.attrs["body"]
    k, c = len(ctx.args), len(ctx.captured)
    has_max = op.attrs["has_max"]
    inputs = ex.inputs
    loop = inputs[:k + c]
    if has_max:
        loop += [inputs[-1], ex.const(np.int32(0), "iteration")]
    dtypes_ = [r.dtype for r in loop]
    arg_tensors = list(ctx.args) + list(ctx.captured)
    args = [(t, d) for t, d in zip(arg_tensors + [None] * (len(loop) - k - c), dtypes_)]
    exp = ex.exporter
    cond_name, body_name = exp.function_name(ctx, "cond"), exp.function_name(ctx, "body")
    cond_scope, fdef = exp.function(ctx, cond_name, args, [],
                                    _context_ops(ctx, [ctx.cond_output]))
    pred = exp.ref(ctx.cond_output, cond_scope)
    if has_max:
        n = len(loop)
        less = _function_node(cond_scope, "Less", [f"arg{n - 1}", f"arg{n - 2}"],
                              {"T": dtypes.int32}, "max_iterations/Less")
        pred = Ref(_function_node(cond_scope, "LogicalAnd", [pred.name, f"{less}:z:0"], {},
                                  "max_iterations/LogicalAnd") + ":z:0", dtypes.bool_)
    fdef.signature.output_arg.add(name="out0", type=protos_enum(dtypes.bool_))
    fdef.ret["out0"] = pred.name
    returns = list(ctx.outputs) + [Ref(f"arg{k + j}", dtypes_[k + j]) for j in range(c)]
    body_scope_ops = [o for o in ctx.ops if o.type != "Arg"]
    body_scope, bdef = exp.function(ctx, body_name, args, [], body_scope_ops,
                                    control_returns=ctx.control_outputs)
    refs = [r if isinstance(r, Ref) else exp.ref(r, body_scope) for r in returns]
    if has_max:
        n = len(loop)
        one = _function_node(body_scope, "Const", [], {"dtype": dtypes.int32, "value": np.int32(1)},
                             "max_iterations/one")
        step = _function_node(body_scope, "AddV2", [f"arg{n - 1}", f"{one}:output:0"],
                              {"T": dtypes.int32}, "max_iterations/add")
        refs += [Ref(f"arg{n - 2}", dtypes.int32), Ref(f"{step}:z:0", dtypes.int32)]
    for i, ref in enumerate(refs):
        bdef.signature.output_arg.add(name=f"out{i}", type=protos_enum(ref.dtype))
        bdef.ret[f"out{i}"] = ref.name
    shapes = tuple(op.attrs["output_shapes"]) + tuple(t.shape for t in op.inputs[k:k + c])
    if has_max:
        shapes += (TensorShape(()), TensorShape(()))
    name = ex.node("While", loop, {"T": tuple(dtypes_), "cond": cond_name, "body": body_name,
                                   "output_shapes": shapes,
                                   "parallel_iterations": op.attrs["parallel_iterations"],
                                   **_forward_marks(ctx)})
    outs = [ex.out(name, i, d) for i, d in enumerate(dtypes_[:k])]
    if has_max:
        outs.append(ex.out(name, len(loop) - 1, dtypes.int32))
    ex.set_outputs(outs)
    return name


def protos_enum(dtype):
    from tensorflux.interop.protos import to_tf_enum
    return to_tf_enum(dtype)


def _function_node(scope, op_type, inputs, attrs, name):
    from tensorflux.interop.graph_export import encode_attr
    from tensorflux.interop.tf_signatures import SIGNATURES
    name = scope.unique(name)
    node = scope.nodes.add(name=name, op=op_type)
    node.input.extend(inputs)
    kinds = {k: v["type"] for k, v in SIGNATURES.get(op_type, {"attrs": {}})["attrs"].items()}
    for key, value in attrs.items():
        node.attr[key].CopyFrom(encode_attr(value, kinds.get(key)))
    return name
