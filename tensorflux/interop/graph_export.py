"""Export a tensorflux graph as a TensorFlow ``GraphDef`` proto.

Every op becomes NodeDefs through its entry in ``tf_ops.EXPORT`` (or, when tensorflux
and TensorFlow agree on the op, the generic conversion driven by TensorFlow's op
signature in ``tf_signatures``: same inputs, same attrs, TensorFlow's type attrs filled
in from the inputs' dtypes). Control flow is written as TensorFlow 2's functional ops:
``If`` and ``While`` nodes whose branches, cond and body are ``FunctionDef``s in the
GraphDef's library; a loop's captured tensors become loop variables passed through
unchanged, ``maximum_iterations`` a counter. TensorArrays become TensorLists, which
have the same value semantics as tensorflux's flows.

An op with no TensorFlow counterpart (a gradient helper such as ``SumToShape``, a
gradient loop) is written under its tensorflux type with the attr ``_tensorflux_op``:
tensorflux imports it back, TensorFlow refuses it. Freezing the inference part of a
graph (``graph_util.convert_variables_to_constants`` / ``extract_sub_graph``) leaves
none of these behind.
"""
from __future__ import annotations

import json

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.interop import GRAPH_DEF_VERSION as PRODUCER, protos
from tensorflux.interop.tf_signatures import SIGNATURES

MARK = "_tensorflux_op"


class Ref:
    """A tensor as the graph being written names it, with its dtype."""

    __slots__ = ("name", "dtype", "shape")

    def __init__(self, name, dtype, shape=None):
        self.name, self.dtype, self.shape = name, dtype, shape


# --- attr values -----------------------------------------------------------------------------------
def encode_attr(value, kind=None):
    """An AttrValue for a Python value; ``kind`` is the TF attr type when known."""
    av = protos.attr_value_pb2().AttrValue()
    if kind and kind.startswith("list("):
        inner = kind[5:-1]
        lst = av.list
        lst.SetInParent()
        for v in value or ():
            _set_list_item(lst, inner, v)
        return av
    if kind == "func":
        av.func.name = value
    elif kind == "type" or isinstance(value, dtypes.DType):
        av.type = protos.to_tf_enum(value)
    elif kind == "shape" or isinstance(value, TensorShape):
        av.shape.CopyFrom(protos.shape_proto(value))
    elif kind == "tensor" or isinstance(value, np.ndarray):
        av.tensor.CopyFrom(protos.tensor_proto(value))
    elif isinstance(value, bool):
        av.b = value
    elif isinstance(value, (int, np.integer)):
        if kind == "float":
            av.f = float(value)
        else:
            av.i = int(value)
    elif isinstance(value, (float, np.floating)):
        av.f = float(value)
    elif isinstance(value, str):
        av.s = value.encode()
    elif isinstance(value, bytes):
        av.s = value
    elif isinstance(value, (tuple, list)):
        flat = list(value)
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in flat):
            return encode_attr(flat, "list(int)")
        if all(isinstance(v, dtypes.DType) for v in flat):
            return encode_attr(flat, "list(type)")
        if all(isinstance(v, TensorShape) for v in flat):
            return encode_attr(flat, "list(shape)")
        if all(isinstance(v, (float, np.floating)) for v in flat):
            return encode_attr(flat, "list(float)")
        if all(isinstance(v, str) for v in flat):
            return encode_attr(flat, "list(string)")
        av.s = ("json:" + json.dumps(_jsonable(value))).encode()
    elif value is None:
        av.s = b"json:null"
    else:
        raise TypeError(f"cannot write attr value {value!r} ({type(value).__name__}) into a "
                        f"TensorFlow GraphDef")
    return av


def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def _set_list_item(lst, inner, v):
    if inner == "int":
        lst.i.append(int(v))
    elif inner == "float":
        lst.f.append(float(v))
    elif inner == "bool":
        lst.b.append(bool(v))
    elif inner == "string":
        lst.s.append(v.encode() if isinstance(v, str) else v)
    elif inner == "type":
        lst.type.append(protos.to_tf_enum(v))
    elif inner == "shape":
        lst.shape.add().CopyFrom(protos.shape_proto(v))
    elif inner == "tensor":
        lst.tensor.add().CopyFrom(protos.tensor_proto(v))
    elif inner == "func":
        lst.func.add().name = v


def unique_name(name, taken):
    """``name``, or ``name_1``, ``name_2``... whichever ``taken`` lacks; marks it taken."""
    base, i = name, 0
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


# --- where nodes go: the graph or one function -----------------------------------------------------------
class _Scope:
    def __init__(self, nodes, function=False):
        self.nodes = nodes          # a repeated NodeDef field
        self.function = function
        self.refs = {}              # Tensor -> Ref
        self.op_nodes = {}          # Operation -> the name of its (main) node
        self.names = set()
        self.node_types = {}        # node name -> (TF op type, attrs) for function refs

    def unique(self, name):
        return unique_name(name, self.names)


def output_arg_ref(op_type, attrs, index):
    """A function-body reference ``node:arg:i`` for flat output ``index`` of an op."""
    sig = SIGNATURES.get(op_type)
    if sig is None:
        return f"output:{index}"
    for arg in sig["outputs"]:
        if "number_attr" in arg:
            count = int(attrs.get(arg["number_attr"], 1))
        elif "type_list_attr" in arg:
            count = len(attrs.get(arg["type_list_attr"], ()))
        else:
            count = 1
        if index < count:
            return f"{arg['name']}:{index}"
        index -= count
    return f"output:{index}"


class OpExport:
    """What a converter of ``tf_ops.EXPORT`` sees for one tensorflux op."""

    def __init__(self, exporter, op, scope):
        self.exporter, self.op, self.scope = exporter, op, scope
        self.name = scope.unique(op.name)
        self._outputs = {}

    def input(self, i) -> Ref:
        return self.exporter.ref(self.op.inputs[i], self.scope)

    @property
    def inputs(self):
        return [self.input(i) for i in range(len(self.op.inputs))]

    def node(self, op_type, inputs, attrs=None, suffix=None, controls=()):
        """Add a NodeDef; returns its name. Type attrs come from the inputs' dtypes."""
        name = self.name if suffix is None else self.scope.unique(f"{self.name}/{suffix}")
        attrs = dict(attrs or {})
        sig = SIGNATURES.get(op_type)
        if sig is not None:
            _fill_type_attrs(sig, inputs, attrs)
            kinds = {k: v["type"] for k, v in sig["attrs"].items()}
            attrs = {k: v for k, v in attrs.items() if k in kinds or k.startswith("_")}
        else:
            kinds = {}
        node = self.scope.nodes.add(name=name, op=op_type)
        node.input.extend(r.name for r in inputs)
        node.input.extend(f"^{c}" for c in controls)
        if suffix is None:
            node.input.extend(f"^{c}" for c in self.exporter.control_refs(self.op, self.scope))
            if self.op.device and not self.exporter.clear_devices:
                node.device = self.op.device
        for key, value in attrs.items():
            node.attr[key].CopyFrom(encode_attr(value, kinds.get(key)))
        self.scope.node_types[name] = (op_type, attrs)
        return name

    def out(self, node_name, index, dtype, shape=None) -> Ref:
        if self.scope.function:
            op_type, attrs = self.scope.node_types[node_name]
            return Ref(f"{node_name}:{output_arg_ref(op_type, attrs, index)}", dtype, shape)
        return Ref(node_name if index == 0 else f"{node_name}:{index}", dtype, shape)

    def const(self, value, suffix, dtype=None) -> Ref:
        arr = np.asarray(value, dtype=None if dtype is None else dtypes.as_dtype(dtype).np_dtype)
        tdtype = dtypes.as_dtype("string" if arr.dtype.kind in "OSU" else arr.dtype)
        name = self.node("Const", [], {"value": arr, "dtype": tdtype}, suffix=suffix)
        return self.out(name, 0, tdtype, TensorShape(list(arr.shape)))

    def set_outputs(self, refs):
        for t, ref in zip(self.op.outputs, refs):
            self._outputs[t] = ref

    def default_outputs(self, node_name):
        for t in self.op.outputs:
            self._outputs.setdefault(t, self.out(node_name, t.value_index, t.dtype, t.shape))


def _fill_type_attrs(sig, inputs, attrs):
    variadic = [a for a in sig["inputs"] if "number_attr" in a or "type_list_attr" in a]
    fixed = len(sig["inputs"]) - len(variadic)
    per_list = (len(inputs) - fixed) // len(variadic) if variadic else 0
    pos = 0
    for arg in sig["inputs"]:
        if "number_attr" in arg:
            group = inputs[pos:pos + per_list]
            attrs.setdefault(arg["number_attr"], len(group))
        elif "type_list_attr" in arg:
            group = inputs[pos:pos + per_list]
            attrs.setdefault(arg["type_list_attr"], tuple(r.dtype for r in group))
            pos += len(group)
            continue
        else:
            group = inputs[pos:pos + 1]
        if "type_attr" in arg and group and group[0].dtype is not None:
            attrs.setdefault(arg["type_attr"], group[0].dtype)
        pos += len(group)


# --- the exporter --------------------------------------------------------------------------------
class Exporter:
    def __init__(self, graph, clear_devices=False):
        self.graph, self.clear_devices = graph, clear_devices
        self.graph_def = protos.graph_pb2().GraphDef()
        self.graph_def.versions.producer = PRODUCER
        self.functions = {}   # context -> function name
        self.root = _Scope(self.graph_def.node)

    def run(self, ops=None):
        from tensorflux.interop.tf_ops import EXPORT
        for op in ops if ops is not None else self.graph.get_operations():
            if op._context is None:
                self.export_op(op, self.root, EXPORT)
        return self.graph_def

    def export_op(self, op, scope, table):
        ex = OpExport(self, op, scope)
        convert = table.get(op.type)
        if convert is None and op.type in SIGNATURES and not _has_attrs_tf_lacks(op):
            convert = export_same
        if convert is None:
            convert = export_generic
        node_name = convert(ex)
        if node_name is not None:
            ex.default_outputs(node_name)
        scope.refs.update(ex._outputs)
        scope.names.add(ex.name)
        scope.op_nodes[op] = ex.name

    def ref(self, tensor, scope) -> Ref:
        ref = scope.refs.get(tensor)
        if ref is None:
            raise KeyError(f"tensor {tensor.name} is not available where it is used")
        return ref

    def control_refs(self, op, scope):
        """Control inputs that exist where ``op`` is written (others are dropped: an op
        outside a function's body runs before the If / While op that calls it)."""
        return list(dict.fromkeys(scope.op_nodes[c] for c in op.control_inputs
                                  if c in scope.op_nodes))

    # --- functions for cond branches and loop bodies ------------------------------------------------
    def function_name(self, ctx, label):
        base = "".join(ch if ch.isalnum() else "_" for ch in ctx.name).strip("_") or "fn"
        name, i = f"{base}_{label}", 0
        existing = {f.signature.name for f in self.graph_def.library.function}
        while name in existing:
            i += 1
            name = f"{base}_{label}_{i}"
        return name

    def function(self, ctx, name, args, returns, ops, control_returns=(), table=None):
        """Add a FunctionDef: ``args`` are (tensor standing for it inside, dtype) pairs,
        ``returns`` the tensors (or Refs) it returns, ``ops`` the context's ops to write."""
        from tensorflux.interop.tf_ops import EXPORT
        fdef = self.graph_def.library.function.add()
        fdef.signature.name = name
        scope = _Scope(fdef.node_def, function=True)
        for i, (tensor, dtype) in enumerate(args):
            arg_name = f"arg{i}"
            fdef.signature.input_arg.add(name=arg_name, type=protos.to_tf_enum(dtype))
            scope.names.add(arg_name)
            if tensor is not None:
                scope.refs[tensor] = Ref(arg_name, dtype)
        for op in ops:
            if op.type != "Arg":
                self.export_op(op, scope, table or EXPORT)
        for i, value in enumerate(returns):
            ref = value if isinstance(value, Ref) else self.ref(value, scope)
            fdef.signature.output_arg.add(name=f"out{i}", type=protos.to_tf_enum(ref.dtype))
            fdef.ret[f"out{i}"] = ref.name
        for i, op in enumerate(control_returns):
            if op in scope.op_nodes:
                fdef.signature.control_output.append(f"ctrl{i}")
                fdef.control_ret[f"ctrl{i}"] = scope.op_nodes[op]
        return scope, fdef


def _has_attrs_tf_lacks(op):
    sig = SIGNATURES[op.type]["attrs"]
    return any(k not in sig for k in op.attrs)


def export_same(ex):
    """The op as the TensorFlow op of the same name: same inputs, same attrs."""
    attrs = {k: v for k, v in ex.op.attrs.items() if v is not None}
    return ex.node(ex.op.type, ex.inputs, attrs)


def export_generic(ex):
    """An op TensorFlow does not have, under its tensorflux type (attrs encoded by type);
    only tensorflux reads it back."""
    attrs = {k: v for k, v in ex.op.attrs.items()}
    attrs[MARK] = True
    for key, value in list(attrs.items()):
        if callable(value) or hasattr(value, "kind") and hasattr(value, "ops"):
            raise TypeError(f"op {ex.op.name!r} ({ex.op.type}) holds {key}={value!r}, which "
                            f"cannot be written into a GraphDef")
    return ex.node(ex.op.type, ex.inputs, attrs)


def graph_to_graph_def(graph, clear_devices=False, add_shapes=False):
    """``Graph.as_graph_def()``: the graph as a TensorFlow GraphDef proto."""
    from tensorflux.serialization.graph_format import python_function_ops
    code = python_function_ops(graph)
    if code:
        from tensorflux.serialization.graph_format import GraphFormatError
        raise GraphFormatError(
            f"The graph holds {len(code)} op(s) that call Python functions or hold tf.data "
            f"pipelines ({', '.join(repr(op.name) for op in code[:3])}, type {code[0].type}): "
            f"code is never written into a GraphDef, so this graph cannot be exported.")
    exporter = Exporter(graph, clear_devices)
    graph_def = exporter.run()
    if add_shapes:
        by_name = {op.name: op for op in graph.get_operations()}
        for node in graph_def.node:
            op = by_name.get(node.name)
            if op is not None and op.outputs:
                node.attr["_output_shapes"].CopyFrom(
                    encode_attr([t.shape for t in op.outputs], "list(shape)"))
    return graph_def
