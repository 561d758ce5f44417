"""Export an inference subgraph as an ONNX model (needs the ``onnx`` package:
``pip install "tensorflux[onnx]"``).

``export_onnx(sess, inputs, outputs, path)`` takes the tensors fed and fetched, keeps the
ops between them, and writes one ONNX node (or a few) per op, from the table ``ONNX``
below; variables become initializers holding their values in ``sess``. The model is
checked with ``onnx.checker`` before it is returned or written. It is the graph *for
inference*: a ``placeholder_with_default`` that is not among the inputs takes its
default, and a ``tf.where`` whose condition is then a constant (``tf.layers``' dropout
and batch normalization with ``training=False``) keeps only the branch it picks.

Layouts: TensorFlow's NHWC convolutions and pools are written as ONNX's NCHW ops
between two Transposes (the kernels are transposed once, as initializers). Recurrent
networks export when unrolled (``tf.nn.static_rnn``); ``While`` loops do not (yet): the
error says so, with every other unsupported op type.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes

DEFAULT_OPSET = 17
ONNX = {}


class OnnxExportError(ValueError):
    """The subgraph cannot be written as ONNX (lists every unsupported op type)."""


def converter(*types):
    def deco(fn):
        for t in types:
            ONNX[t] = fn
        return fn
    return deco


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install onnx (or the "
                          "tensorflux[onnx] extra)") from None
    return onnx


# --- the graph being built ----------------------------------------------------------------------
class _Builder:
    def __init__(self, onnx, opset):
        self.onnx, self.helper, self.opset = onnx, onnx.helper, opset
        self.nodes, self.initializers, self.names = [], [], set()
        self.alias = {}     # tensor -> name of the value it really is (inference folding)
        self.produced = {}  # tensor -> name of its value in the graph being written now
        self.suffix = ""    # for ops written twice (a loop's cond, before and inside it)

    def fresh(self, hint):
        from tensorflux.interop.graph_export import unique_name
        return unique_name(hint, self.names)

    def name(self, tensor):
        return self.alias.get(tensor) or self.produced.get(tensor) or tensor.name

    def out(self, op, i=0):
        """The name to give output ``i`` of ``op`` (its tensor name, made unique)."""
        t = op.outputs[i]
        name = self.fresh(t.name + self.suffix)
        self.produced[t] = name
        return name

    def node(self, op_type, inputs, outputs=None, hint=None, **attrs):
        outputs = outputs or [self.fresh(f"{hint or op_type}:out")]
        self.nodes.append(self.helper.make_node(op_type, list(inputs), list(outputs),
                                                name=self.fresh(hint or op_type), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def const(self, value, hint, dtype=None):
        arr = np.asarray(value, dtype=dtype)
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name))
        return name

    def int64s(self, values, hint):
        return self.const(np.asarray(values, dtype=np.int64), hint)


def onnx_type(dtype):
    from onnx import helper
    dtype = dtypes.as_dtype(dtype)
    if dtype.name == "string":
        return 8
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype.np_dtype))


def _value_info(helper, name, tensor):
    shape = tensor.shape.as_list() if tensor.shape.ndims is not None else None
    dims = None if shape is None else [d if d is not None else f"{tensor.op.name}_d{i}"
                                       for i, d in enumerate(shape)]
    return helper.make_tensor_value_info(name, onnx_type(tensor.dtype), dims)


# --- which ops, after specializing for inference ---------------------------------------------------
def _uniform_constant(tensor, fed):
    """The one value every element of ``tensor`` has, when that is known while building
    the graph (a scalar constant, a Fill of one, a default nobody feeds), else None."""
    from tensorflux.ops.shape_fns import constant_value
    op = tensor.op
    if tensor in fed:
        return None
    if op.type == "PlaceholderWithDefault" or op.type in ("Identity", "StopGradient"):
        return _uniform_constant(op.inputs[0], fed)
    if op.type == "Fill":
        return _uniform_constant(op.inputs[1], fed)
    if op.type == "LogicalNot":
        v = _uniform_constant(op.inputs[0], fed)
        return None if v is None else not v
    value = constant_value(tensor)
    if value is not None and np.size(value) and np.all(np.asarray(value) == np.ravel(value)[0]):
        return np.ravel(value)[0]
    return None


def _resolve(tensor, fed):
    """The tensor that really provides ``tensor``'s value in inference."""
    while tensor not in fed:
        op = tensor.op
        if op.type == "PlaceholderWithDefault":
            tensor = op.inputs[0]
        elif op.type == "Select":
            flag = _uniform_constant(op.inputs[0], fed)
            if flag is None:
                return tensor
            tensor = op.inputs[1] if bool(flag) else op.inputs[2]
        else:
            return tensor
    return tensor


def _needed_ops(outputs, fed):
    order, seen, stack = [], set(), [(_resolve(t, fed).op, False) for t in outputs]
    while stack:
        op, expanded = stack.pop()
        if expanded:
            order.append(op)
            continue
        if op in seen:
            continue
        seen.add(op)
        stack.append((op, True))
        if all(t in fed for t in op.outputs):
            continue
        for t in op.inputs:
            if t not in fed:
                stack.append((_resolve(t, fed).op, False))
    return order


# --- export -----------------------------------------------------------------------------------------
def export_onnx(sess, inputs, outputs, path=None, opset=None, model_name="tensorflux"):
    """The ONNX ModelProto computing ``outputs`` from ``inputs`` (tensors or names of
    ``sess.graph``) with the variables' values in ``sess``; written to ``path`` if given."""
    onnx = _onnx()
    graph = sess.graph
    inputs = [graph.as_graph_element(t) if isinstance(t, str) else t for t in inputs]
    outputs = [graph.as_graph_element(t) if isinstance(t, str) else t for t in outputs]
    fed = set(inputs)
    ops = _needed_ops(outputs, fed)
    fed_ops = {t.op for t in inputs}
    every = [op for op in _with_nested(ops) if op not in fed_ops]
    missing = sorted({op.type for op in every if op.type not in ONNX and op.type != "Arg"})
    if missing:
        detail = ", ".join(f"{t} (e.g. {next(o.name for o in every if o.type == t)!r})"
                           for t in missing)
        raise OnnxExportError(f"Cannot export to ONNX: {len(missing)} op type(s) have no ONNX "
                              f"conversion: {detail}")
    unfed = [op.name for op in ops if op.type == "Placeholder" and op not in fed_ops]
    if unfed:
        raise OnnxExportError(f"Cannot export to ONNX: the outputs need placeholder(s) "
                              f"{unfed} that are not among the inputs")
    b = _Builder(onnx, opset or DEFAULT_OPSET)
    b.sess = sess
    b.fed = fed
    variables = [op for op in ops if op.type == "VariableV2"]
    values = sess.run([op.outputs[0] for op in variables]) if variables else []
    b.variables = dict(zip(variables, values))
    for t in outputs + [t for op in ops for t in op.inputs]:
        r = _resolve(t, fed)
        if r is not t:
            b.alias[t] = b.name(r)
    for op in ops:
        if op in fed_ops:
            continue
        ONNX[op.type](b, op)
    helper = onnx.helper
    graph_proto = helper.make_graph(
        b.nodes, model_name,
        [_value_info(helper, t.name, t) for t in inputs],
        [_value_info(helper, b.name(t), t) for t in outputs],
        initializer=b.initializers)
    out_names = [b.name(t) for t in outputs]
    if len(set(out_names)) != len(out_names) or set(out_names) & {t.name for t in inputs}:
        graph_proto = _distinct_outputs(b, graph_proto, inputs, outputs)
    model = helper.make_model(graph_proto, producer_name="tensorflux",
                              opset_imports=[helper.make_opsetid("", b.opset)])
    model.ir_version = min(model.ir_version, 8)
    onnx.checker.check_model(model)
    if path is not None:
        from tensorflux.serialization.atomic import atomic_path
        with atomic_path(path) as tmp:
            onnx.save(model, tmp)
    return model


def _with_nested(ops):
    """``ops`` and the ops of the loop bodies and branches among them, recursively."""
    out, stack = [], list(ops)
    while stack:
        op = stack.pop()
        out.append(op)
        for value in op.attrs.values():
            if hasattr(value, "ops") and hasattr(value, "kind"):  # a control-flow context
                stack.extend(value.ops)
    return out


def _distinct_outputs(b, graph_proto, inputs, outputs):
    """ONNX needs each graph output to be its own value: add Identities where two
    outputs (or an output and an input) are the same tensor."""
    helper = b.helper
    seen = {t.name for t in inputs}
    out_infos = []
    for t in outputs:
        name = b.name(t)
        if name in seen:
            new = b.fresh(f"{t.name}/output")
            b.nodes.append(helper.make_node("Identity", [name], [new], name=b.fresh("Identity")))
            name = new
        seen.add(name)
        out_infos.append(_value_info(helper, name, t))
    return helper.make_graph(b.nodes, graph_proto.name, list(graph_proto.input), out_infos,
                             initializer=b.initializers)


def export_onnx_file(graph_path, output, inputs, outputs, checkpoint=None, opset=None):
    """The ``export-onnx`` command: load a graph file (tensorflux or TensorFlow ``.meta``,
    or a frozen ``.pb`` / ``.pbtxt``) and its checkpoint, then ``export_onnx``."""
    import tensorflux as tf
    with tf.Graph().as_default():
        if graph_path.endswith((".pb", ".pbtxt")):
            from tensorflux.interop.graph_import import read_graph_def
            tf.import_graph_def(read_graph_def(graph_path), name="")
            saver = None
        else:
            saver = tf.train.import_meta_graph(graph_path)
        with tf.Session() as sess:
            if checkpoint is not None:
                (saver or tf.train.Saver()).restore(sess, checkpoint)
            return export_onnx(sess, inputs, outputs, output, opset)


# === the conversions =================================================================================
def _same(onnx_type_name, **fixed):
    def convert(b, op):
        b.node(onnx_type_name, [b.name(t) for t in op.inputs], [b.out(op)],
               hint=op.name, **fixed)
    return convert


for _ours, _theirs in {"Identity": "Identity", "StopGradient": "Identity", "Add": "Add",
                       "Sub": "Sub", "Mul": "Mul", "Maximum": "Max", "Minimum": "Min",
                       "Neg": "Neg", "Abs": "Abs", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt",
                       "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu", "Elu": "Elu",
                       "Selu": "Selu", "Softplus": "Softplus", "Softsign": "Softsign",
                       "Floor": "Floor", "Ceil": "Ceil", "Round": "Round", "Sign": "Sign",
                       "Reciprocal": "Reciprocal", "Sin": "Sin", "Cos": "Cos", "Tan": "Tan",
                       "Equal": "Equal", "Less": "Less", "Greater": "Greater",
                       "LessEqual": "LessOrEqual", "GreaterEqual": "GreaterOrEqual",
                       "LogicalAnd": "And", "LogicalOr": "Or", "LogicalNot": "Not",
                       "Pow": "Pow", "IsNan": "IsNaN", "BiasAdd": "Add", "Range": "Range",
                       "AddN": "Sum"}.items():
    ONNX[_ours] = _same(_theirs)
ONNX["Softmax"] = _same("Softmax", axis=-1)
ONNX["LogSoftmax"] = _same("LogSoftmax", axis=-1)


@converter("Selu")
def _selu(b, op):  # TensorFlow's constants, which ONNX's defaults round differently
    b.node("Selu", [b.name(op.inputs[0])], [b.out(op)], hint=op.name,
           alpha=1.6732632423543772, gamma=1.0507009873554805)


@converter("Const")
def _const(b, op):
    value = op.attrs["value"]
    b.initializers.append(b.onnx.numpy_helper.from_array(
        np.asarray(value, dtype=op.outputs[0].dtype.np_dtype), b.out(op)))


@converter("VariableV2")
def _variable(b, op):
    b.initializers.append(b.onnx.numpy_helper.from_array(np.asarray(b.variables[op]), b.out(op)))


@converter("RealDiv")
def _div(b, op):
    b.node("Div", [b.name(t) for t in op.inputs], [b.out(op)], hint=op.name)


@converter("Rsqrt")
def _rsqrt(b, op):
    s = b.node("Sqrt", [b.name(op.inputs[0])], hint=op.name + "/sqrt")
    b.node("Reciprocal", [s], [b.out(op)], hint=op.name)


@converter("Square")
def _square(b, op):
    x = b.name(op.inputs[0])
    b.node("Mul", [x, x], [b.out(op)], hint=op.name)


@converter("SquaredDifference")
def _squared_difference(b, op):
    d = b.node("Sub", [b.name(t) for t in op.inputs], hint=op.name + "/sub")
    b.node("Mul", [d, d], [b.out(op)], hint=op.name)


@converter("NotEqual")
def _not_equal(b, op):
    e = b.node("Equal", [b.name(t) for t in op.inputs], hint=op.name + "/equal")
    b.node("Not", [e], [b.out(op)], hint=op.name)


@converter("Relu6")
def _relu6(b, op):
    dt = op.inputs[0].dtype.np_dtype
    b.node("Clip", [b.name(op.inputs[0]), b.const(np.array(0, dt), op.name + "/min"),
                    b.const(np.array(6, dt), op.name + "/max")], [b.out(op)], hint=op.name)


@converter("LeakyRelu")
def _leaky_relu(b, op):
    b.node("LeakyRelu", [b.name(op.inputs[0])], [b.out(op)], hint=op.name,
           alpha=float(op.attrs["alpha"]))


@converter("Cast")
def _cast(b, op):
    b.node("Cast", [b.name(op.inputs[0])], [b.out(op)], hint=op.name,
           to=onnx_type(op.attrs["DstT"]))


@converter("MatMul")
def _matmul(b, op):
    a, c = (b.name(t) for t in op.inputs)
    if op.attrs["transpose_a"]:
        a = b.node("Transpose", [a], hint=op.name + "/transpose_a", perm=_swap_last(op.inputs[0]))
    if op.attrs["transpose_b"]:
        c = b.node("Transpose", [c], hint=op.name + "/transpose_b", perm=_swap_last(op.inputs[1]))
    b.node("MatMul", [a, c], [b.out(op)], hint=op.name)


def _swap_last(t):
    rank = t.shape.ndims or 2
    perm = list(range(rank))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    return perm


@converter("Select")
def _select(b, op):
    c, x, y = op.inputs
    cond = b.name(c)
    if c.shape.ndims == 1 and (x.shape.ndims or 0) > 1:  # TF1: a vector picks rows
        cond = b.node("Unsqueeze", [cond, b.int64s(list(range(1, x.shape.ndims)), op.name + "/axes")],
                      hint=op.name + "/rows")
    b.node("Where", [cond, b.name(x), b.name(y)], [b.out(op)], hint=op.name)


def _as_int64(b, tensor, hint):
    if tensor.dtype == dtypes.int64:
        return b.name(tensor)
    return b.node("Cast", [b.name(tensor)], hint=hint, to=7)


def _int64_second_input(onnx_op):
    """An ONNX op whose second input (a shape or multiples) must be int64."""
    def convert(b, op):
        b.node(onnx_op, [b.name(op.inputs[0]), _as_int64(b, op.inputs[1], op.name + "/int64")],
               [b.out(op)], hint=op.name)
    return convert


ONNX["Reshape"] = _int64_second_input("Reshape")
ONNX["Tile"] = _int64_second_input("Tile")


@converter("Shape")
def _shape(b, op):
    _int_output(b, op, "Shape", [b.name(op.inputs[0])])


@converter("Size")
def _size(b, op):
    _int_output(b, op, "Size", [b.name(op.inputs[0])])


def _int_output(b, op, onnx_op, inputs, **attrs):
    """An ONNX op that makes int64, cast to the tensorflux output's dtype."""
    out = op.outputs[0]
    if out.dtype == dtypes.int64:
        b.node(onnx_op, inputs, [b.out(op)], hint=op.name, **attrs)
    else:
        raw = b.node(onnx_op, inputs, hint=op.name + "/int64", **attrs)
        b.node("Cast", [raw], [b.out(op)], hint=op.name, to=onnx_type(out.dtype))


def _axes(op, rank_of):
    axis = op.attrs["axis"]
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, int) else list(axis)
    rank = rank_of.shape.ndims
    return [a % rank if rank else a for a in axes]


@converter("Sum", "Mean", "Max", "Min", "Prod")
def _reduce(b, op):
    onnx_op = {"Sum": "ReduceSum", "Mean": "ReduceMean", "Max": "ReduceMax",
               "Min": "ReduceMin", "Prod": "ReduceProd"}[op.type]
    axes = _axes(op, op.inputs[0])
    keep = int(bool(op.attrs["keep_dims"]))
    inputs = [b.name(op.inputs[0])]
    attrs = {"keepdims": keep}
    if axes is not None and (onnx_op == "ReduceSum" or b.opset >= 18):
        inputs.append(b.int64s(axes, op.name + "/axes"))
    elif axes is not None:
        attrs["axes"] = axes
    b.node(onnx_op, inputs, [b.out(op)], hint=op.name, **attrs)


@converter("ArgMax", "ArgMin")
def _arg(b, op):
    _int_output(b, op, op.type, [b.name(op.inputs[0])], axis=int(op.attrs["axis"]), keepdims=0)


@converter("ConcatV2")
def _concat(b, op):
    rank = op.outputs[0].shape.ndims
    axis = op.attrs["axis"] % rank if rank else op.attrs["axis"]
    b.node("Concat", [b.name(t) for t in op.inputs], [b.out(op)], hint=op.name, axis=axis)


@converter("Pack")
def _pack(b, op):
    rank = op.outputs[0].shape.ndims
    axis = op.attrs["axis"] % rank if rank else op.attrs["axis"]
    axes = b.int64s([axis], op.name + "/axis")
    parts = [b.node("Unsqueeze", [b.name(t), axes], hint=f"{op.name}/unsqueeze") for t in op.inputs]
    b.node("Concat", parts, [b.out(op)], hint=op.name, axis=axis)


@converter("Unpack")
def _unpack(b, op):
    rank = op.inputs[0].shape.ndims
    axis = op.attrs["axis"] % rank if rank else op.attrs["axis"]
    n = len(op.outputs)
    parts = b.node("Split", [b.name(op.inputs[0]), b.int64s([1] * n, op.name + "/split")],
                   [b.fresh(f"{op.name}/part") for _ in range(n)], hint=op.name + "/split", axis=axis)
    parts = parts if isinstance(parts, list) else [parts]
    axes = b.int64s([axis], op.name + "/axis")
    for i, part in enumerate(parts):
        b.node("Squeeze", [part, axes], [b.out(op, i)], hint=op.name)


@converter("SplitV")
def _split(b, op):
    rank = op.inputs[0].shape.ndims
    axis = op.attrs["axis"] % rank if rank else op.attrs["axis"]
    b.node("Split", [b.name(op.inputs[0]), b.int64s(list(op.attrs["size_splits"]), op.name + "/sizes")],
           [b.out(op, i) for i in range(len(op.outputs))], hint=op.name, axis=axis)


@converter("Squeeze")
def _squeeze(b, op):
    dims = op.attrs["squeeze_dims"]
    inputs = [b.name(op.inputs[0])]
    if dims:
        rank = op.inputs[0].shape.ndims
        inputs.append(b.int64s([d % rank if rank else d for d in dims], op.name + "/axes"))
    b.node("Squeeze", inputs, [b.out(op)], hint=op.name)


@converter("ExpandDims")
def _expand_dims(b, op):
    rank = op.outputs[0].shape.ndims
    axis = op.attrs["axis"] % rank if rank else op.attrs["axis"]
    b.node("Unsqueeze", [b.name(op.inputs[0]), b.int64s([axis], op.name + "/axes")],
           [b.out(op)], hint=op.name)


@converter("Transpose")
def _transpose(b, op):
    perm = op.attrs["perm"]
    attrs = {} if perm is None else {"perm": [int(p) for p in perm]}
    b.node("Transpose", [b.name(op.inputs[0])], [b.out(op)], hint=op.name, **attrs)


@converter("Fill")
def _fill(b, op):
    dims, value = op.inputs
    b.node("Expand", [b.name(value), _as_int64(b, dims, op.name + "/dims")], [b.out(op)],
           hint=op.name)


@converter("GatherV2")
def _gather(b, op):
    b.node("Gather", [b.name(t) for t in op.inputs], [b.out(op)], hint=op.name,
           axis=int(op.attrs["axis"]))


@converter("StridedSlice")
def _strided_slice(b, op):
    """Slice for the slices, then Squeeze for integer indices and Unsqueeze for newaxis
    (the ellipsis expanded with the input's rank)."""
    spec = list(op.attrs["spec"])
    rank = op.inputs[0].shape.ndims
    if any(e[0] == "ellipsis" for e in spec):
        if rank is None:
            raise OnnxExportError(f"StridedSlice {op.name!r}: an ellipsis needs a known rank")
        i = next(i for i, e in enumerate(spec) if e[0] == "ellipsis")
        consumed = sum(1 for e in spec if e[0] in ("int", "slice"))
        spec[i:i + 1] = [("slice", None, None, None)] * (rank - consumed)
    starts, ends, axes, steps, squeeze, newaxes = [], [], [], [], [], []
    dim, out_dim = 0, 0
    big = np.iinfo(np.int64).max
    for entry in spec:
        if entry[0] == "newaxis":
            newaxes.append(out_dim)
            out_dim += 1
            continue
        if entry[0] == "int":
            i = int(entry[1])
            starts.append(i)
            ends.append(i + 1 if i != -1 else big)
            steps.append(1)
            axes.append(dim)
            squeeze.append(dim)
        else:
            _, start, stop, step = entry
            step = 1 if step is None else int(step)
            starts.append((0 if step > 0 else -1) if start is None else int(start))
            ends.append((big if step > 0 else -big) if stop is None else int(stop))
            steps.append(step)
            axes.append(dim)
            out_dim += 1
        dim += 1
    value = b.name(op.inputs[0])
    if axes:
        value = b.node("Slice", [value, b.int64s(starts, op.name + "/starts"),
                                 b.int64s(ends, op.name + "/ends"), b.int64s(axes, op.name + "/axes"),
                                 b.int64s(steps, op.name + "/steps")], hint=op.name + "/slice")
    if squeeze:
        value = b.node("Squeeze", [value, b.int64s(squeeze, op.name + "/squeeze")],
                       hint=op.name + "/squeeze")
    if newaxes:
        value = b.node("Unsqueeze", [value, b.int64s(newaxes, op.name + "/newaxis")],
                       hint=op.name + "/newaxis")
    b.node("Identity", [value], [b.out(op)], hint=op.name)


@converter("Pad")
def _pad(b, op):
    paddings = op.inputs[1]
    flat = b.node("Reshape", [b.node("Transpose", [_as_int64(b, paddings, op.name + "/paddings")],
                                     hint=op.name + "/transpose", perm=[1, 0]),
                              b.int64s([-1], op.name + "/flat")], hint=op.name + "/pads")
    mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": None}[op.attrs["mode"]]
    if mode is None:
        raise OnnxExportError(f"Pad {op.name!r}: SYMMETRIC padding has no ONNX equivalent")
    value = b.const(np.array(op.attrs["constant_values"], op.inputs[0].dtype.np_dtype),
                    op.name + "/value")
    b.node("Pad", [b.name(op.inputs[0]), flat, value], [b.out(op)], hint=op.name, mode=mode)


@converter("OneHot")
def _one_hot(b, op):
    indices, on, off = op.inputs
    values = b.node("Concat", [b.node("Unsqueeze", [b.name(t), b.int64s([0], op.name + "/axis0")],
                                      hint=op.name + "/value") for t in (off, on)],
                    hint=op.name + "/values", axis=0)
    b.node("OneHot", [_as_int64(b, indices, op.name + "/indices"),
                      b.int64s([op.attrs["depth"]], op.name + "/depth"), values],
           [b.out(op)], hint=op.name, axis=int(op.attrs["axis"]))


# --- NHWC convolutions and pools as NCHW between transposes -------------------------------------------
_TO_NCHW, _TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]


def _padding(op):
    return "SAME_UPPER" if op.attrs["padding"] == "SAME" else "VALID"


@converter("Conv2D")
def _conv2d(b, op):
    x, k = op.inputs
    nchw = b.node("Transpose", [b.name(x)], hint=op.name + "/to_nchw", perm=_TO_NCHW)
    kernel = b.node("Transpose", [b.name(k)], hint=op.name + "/kernel_oihw", perm=[3, 2, 0, 1])
    kh, kw = (k.shape.as_list()[:2] if k.shape.ndims == 4 else (None, None))
    attrs = {"strides": list(op.attrs["strides"][1:3]), "auto_pad": _padding(op)}
    if kh is not None and kw is not None:
        attrs["kernel_shape"] = [kh, kw]
    y = b.node("Conv", [nchw, kernel], hint=op.name, **attrs)
    b.node("Transpose", [y], [b.out(op)], hint=op.name + "/to_nhwc", perm=_TO_NHWC)


@converter("MaxPool", "AvgPool")
def _pool(b, op):
    nchw = b.node("Transpose", [b.name(op.inputs[0])], hint=op.name + "/to_nchw", perm=_TO_NCHW)
    attrs = {"kernel_shape": list(op.attrs["ksize"][1:3]), "strides": list(op.attrs["strides"][1:3]),
             "auto_pad": _padding(op)}
    if op.type == "AvgPool":
        attrs["count_include_pad"] = 0  # TensorFlow averages over the window inside the input
    y = b.node("MaxPool" if op.type == "MaxPool" else "AveragePool", [nchw], hint=op.name, **attrs)
    b.node("Transpose", [y], [b.out(op)], hint=op.name + "/to_nhwc", perm=_TO_NHWC)


# --- control flow: While -> Loop, If -> If, TensorArrays -> sequences -----------------------------------
def _convert_ops(b, ops):
    for op in ops:
        if op.type == "Arg":
            continue
        if op.type not in ONNX:
            raise OnnxExportError(f"Cannot export to ONNX: op {op.name!r} ({op.type}) inside a "
                                  f"loop or branch has no ONNX conversion")
        ONNX[op.type](b, op)


def _value_type(b, name, tensor, sequence=None):
    helper = b.helper
    if tensor.dtype is dtypes.variant:
        return helper.make_tensor_sequence_value_info(name, onnx_type(sequence), None)
    return helper.make_tensor_value_info(name, onnx_type(tensor.dtype), None)


def _subgraph(b, body):
    """Run ``body()`` with nodes going into a new list; returns (nodes, its result)."""
    saved = b.nodes
    b.nodes = []
    try:
        result = body()
        return b.nodes, result
    finally:
        b.nodes = saved


def _element_dtype(op, flow):
    """The element dtype of the TensorArray carried by ``flow``."""
    from tensorflux.interop.tf_ops import flow_element_dtype
    try:
        return flow_element_dtype(flow)
    except TypeError as exc:
        raise OnnxExportError(f"Cannot export to ONNX ({op.name!r}): {exc}") from None


@converter("While")
def _while(b, op):
    ctx = op.attrs["body"]
    k = len(ctx.args)
    inits = op.inputs[:k]
    seq_types = {}
    for i, arg in enumerate(ctx.args):
        if arg.dtype is dtypes.variant:
            seq_types[i] = _element_dtype(op, inits[i])
    cond_ops = _cond_ops(ctx)
    # The loop's first test, outside it, on the initial values.
    saved = dict(b.produced)
    for arg, t in zip(ctx.args, inits):
        b.produced[arg] = b.name(t)
    b.suffix = "/first_test"
    _convert_ops(b, cond_ops)
    first = b.name(ctx.cond_output)
    b.suffix = ""
    b.produced = saved

    def body():
        iteration = b.fresh(f"{op.name}/iteration")
        cond_in = b.fresh(f"{op.name}/cond_in")
        inputs = [b.helper.make_tensor_value_info(iteration, 7, []),
                  b.helper.make_tensor_value_info(cond_in, 9, [])]
        for i, arg in enumerate(ctx.args):
            name = b.fresh(f"{arg.name}/in")
            b.produced[arg] = name
            inputs.append(_value_type(b, name, arg, seq_types.get(i)))
        _convert_ops(b, _needed_in(ctx, ctx.outputs))
        new_values = [b.name(t) for t in ctx.outputs]
        inner = dict(b.produced)
        for arg, value in zip(ctx.args, new_values):
            b.produced[arg] = value
        b.suffix = "/next_test"
        _convert_ops(b, cond_ops)
        b.suffix = ""
        outputs = []
        for i, (arg, value) in enumerate([(None, b.name(ctx.cond_output))] +
                                         list(zip(ctx.args, new_values))):
            name = b.node("Identity", [value], hint=f"{op.name}/body_out")
            outputs.append(b.helper.make_tensor_value_info(name, 9, []) if arg is None
                           else _value_type(b, name, arg, seq_types.get(i - 1)))
        b.produced = inner
        return inputs, outputs

    saved = dict(b.produced)
    nodes, (inputs, outputs) = _subgraph(b, body)
    b.produced = saved
    graph = b.helper.make_graph(nodes, f"{op.name}/body", inputs, outputs)
    max_iterations = _as_int64(b, op.inputs[-1], op.name + "/max") if op.attrs["has_max"] else ""
    results = [b.out(op, i) for i in range(k)]
    b.node("Loop", [max_iterations, first] + [b.name(t) for t in inits], results, hint=op.name,
           body=graph)


def _cond_ops(ctx):
    return _needed_in(ctx, [ctx.cond_output])


def _needed_in(ctx, tensors):
    """The ops of a loop body or branch that computing ``tensors`` needs (inference has
    no use for the rest), in order."""
    from tensorflux.interop.tf_ops import _context_ops
    return [op for op in _context_ops(ctx, list(tensors)) if op.type != "Arg"]


@converter("If")
def _if(b, op):
    n = len(op.attrs["Tout"])
    branches = []
    for ctx in (op.attrs["then_branch"], op.attrs["else_branch"]):
        def body(ctx=ctx):
            _convert_ops(b, _needed_in(ctx, ctx.outputs))
            outs = []
            for t in ctx.outputs:
                name = b.node("Identity", [b.name(t)], hint=f"{ctx.name}/out")
                outs.append(b.helper.make_tensor_value_info(name, onnx_type(t.dtype), None))
            return outs
        saved = dict(b.produced)
        nodes, outs = _subgraph(b, body)
        b.produced = saved
        branches.append(b.helper.make_graph(nodes, ctx.name, [], outs))
    b.node("If", [b.name(op.inputs[0])], [b.out(op, i) for i in range(n)], hint=op.name,
           then_branch=branches[0], else_branch=branches[1])


@converter("TensorArrayV3")
def _ta_new(b, op):
    b.node("SequenceEmpty", [], [b.out(op)], hint=op.name, dtype=onnx_type(op.attrs["dtype"]))


@converter("TensorArrayUnstack")
def _ta_unstack(b, op):
    b.node("SplitToSequence", [b.name(op.inputs[1])], [b.out(op)], hint=op.name, axis=0, keepdims=0)


@converter("TensorArrayScatterV3")
def _ta_scatter(b, op):
    from tensorflux.interop.graph_import import fold_constant
    indices = fold_constant(op.inputs[1])
    if indices is None or not np.array_equal(np.ravel(indices), np.arange(np.size(indices))):
        if not _is_full_range(op.inputs[1]):
            raise OnnxExportError(f"TensorArray scatter {op.name!r}: only scattering to 0..n-1 "
                                  f"in order exports to ONNX")
    b.node("SplitToSequence", [b.name(op.inputs[2])], [b.out(op)], hint=op.name, axis=0, keepdims=0)


def _is_full_range(tensor):
    """Whether ``tensor`` is range(0, n, 1)."""
    from tensorflux.ops.shape_fns import constant_value
    op = tensor.op
    if op.type != "Range":
        return False
    start, delta = constant_value(op.inputs[0]), constant_value(op.inputs[2])
    return start is not None and delta is not None and int(start) == 0 and int(delta) == 1


@converter("TensorArrayReadV3")
def _ta_read(b, op):
    b.node("SequenceAt", [b.name(op.inputs[0]), b.name(op.inputs[1])], [b.out(op)], hint=op.name)


@converter("TensorArrayWriteV3")
def _ta_write(b, op):
    b.node("SequenceInsert", [b.name(op.inputs[0]), b.name(op.inputs[2]), b.name(op.inputs[1])],
           [b.out(op)], hint=op.name)


@converter("TensorArrayStack")
def _ta_stack(b, op):
    b.node("ConcatFromSequence", [b.name(op.inputs[0])], [b.out(op)], hint=op.name, axis=0,
           new_axis=1)


@converter("TensorArrayGatherV3")
def _ta_gather(b, op):
    """All elements stacked, then the ones asked for (exact for any indices)."""
    stacked = b.node("ConcatFromSequence", [b.name(op.inputs[0])], hint=op.name + "/stack",
                     axis=0, new_axis=1)
    b.node("Gather", [stacked, b.name(op.inputs[1])], [b.out(op)], hint=op.name, axis=0)


@converter("TensorArraySizeV3")
def _ta_size(b, op):
    _int_output(b, op, "SequenceLength", [b.name(op.inputs[0])])


@converter("ZerosLike", "OnesLike")
def _fill_like(b, op):
    x = op.inputs[0]
    value = np.array([0 if op.type == "ZerosLike" else 1], dtype=x.dtype.np_dtype)
    shape = b.node("Shape", [b.name(x)], hint=op.name + "/shape")
    b.node("ConstantOfShape", [shape], [b.out(op)], hint=op.name,
           value=b.onnx.numpy_helper.from_array(value, op.name + "/value"))


@converter("FloorMod")
def _floor_mod(b, op):
    """Python's modulo (the sign of the divisor): ONNX Mod for integers; for floats
    x - floor(x / y) * y."""
    x, y = (b.name(t) for t in op.inputs)
    if op.inputs[0].dtype.is_integer:
        b.node("Mod", [x, y], [b.out(op)], hint=op.name, fmod=0)
        return
    q = b.node("Floor", [b.node("Div", [x, y], hint=op.name + "/div")], hint=op.name + "/floor")
    b.node("Sub", [x, b.node("Mul", [q, y], hint=op.name + "/mul")], [b.out(op)], hint=op.name)


@converter("FloorDiv")
def _floor_div(b, op):
    """floor(x / y); for integers ONNX's Div truncates, so subtract one where the
    remainder is non-zero and x and y have opposite signs."""
    x, y = (b.name(t) for t in op.inputs)
    if not op.inputs[0].dtype.is_integer:
        b.node("Floor", [b.node("Div", [x, y], hint=op.name + "/div")], [b.out(op)], hint=op.name)
        return
    dt = op.inputs[0].dtype.np_dtype
    q = b.node("Div", [x, y], hint=op.name + "/trunc")
    r = b.node("Sub", [x, b.node("Mul", [q, y], hint=op.name + "/mul")], hint=op.name + "/rem")
    zero = b.const(np.array(0, dt), op.name + "/zero")
    inexact = b.node("Not", [b.node("Equal", [r, zero], hint=op.name + "/exact")],
                     hint=op.name + "/inexact")
    signs = b.node("Xor", [b.node("Less", [r, zero], hint=op.name + "/r_neg"),
                           b.node("Less", [y, zero], hint=op.name + "/y_neg")],
                   hint=op.name + "/signs")
    fix = b.node("Cast", [b.node("And", [inexact, signs], hint=op.name + "/fix")],
                 hint=op.name + "/fix_int", to=onnx_type(op.inputs[0].dtype))
    b.node("Sub", [q, fix], [b.out(op)], hint=op.name)
