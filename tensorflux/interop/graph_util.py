"""``tf.graph_util``: freeze, prune and inspect TensorFlow ``GraphDef`` protos, as TF1's
functions of the same names do (they take and return GraphDefs, so a frozen model goes
straight to ``tf.train.write_graph`` and into TensorFlow, ONNX converters or back into
tensorflux)."""
from __future__ import annotations

import os

from tensorflux.interop import protos

_VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp")


def _check_graph_def(graph_def):
    if not isinstance(graph_def, protos.graph_pb2().GraphDef):
        raise TypeError(f"graph_def must be a graph_pb2.GraphDef proto, got "
                        f"{type(graph_def).__name__} (use graph.as_graph_def())")


def _node_name(ref):
    return ref[1:].split(":")[0] if ref.startswith("^") else ref.split(":")[0]


def extract_sub_graph(graph_def, dest_nodes):
    """The nodes ``dest_nodes`` (names) need, in the GraphDef's order, with the functions
    they call."""
    _check_graph_def(graph_def)
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be a list of node names, not a string")
    nodes = {n.name: n for n in graph_def.node}
    for d in dest_nodes:
        if _node_name(d) not in nodes:
            raise AssertionError(f"{d} is not in graph")
    keep, stack = set(), [_node_name(d) for d in dest_nodes]
    while stack:
        name = stack.pop()
        if name in keep or name not in nodes:
            continue
        keep.add(name)
        stack.extend(_node_name(r) for r in nodes[name].input)
    out = protos.graph_pb2().GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.node.extend(n for n in graph_def.node if n.name in keep)
    _copy_used_functions(graph_def, out)
    return out


def _copy_used_functions(source, target):
    """Copy into ``target`` the library functions its nodes call, transitively."""
    library = {f.signature.name: f for f in source.library.function}
    used, stack = set(), []

    def called(nodes):
        for node in nodes:
            for value in node.attr.values():
                if value.WhichOneof("value") == "func":
                    yield value.func.name
                elif value.WhichOneof("value") == "list":
                    yield from (f.name for f in value.list.func)

    stack.extend(called(target.node))
    while stack:
        name = stack.pop()
        if name in used or name not in library:
            continue
        used.add(name)
        stack.extend(called(library[name].node_def))
    target.library.function.extend(f for f in source.library.function if f.signature.name in used)


def convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                   variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """The subgraph ``output_node_names`` need, with every variable it reads replaced by
    a ``Const`` holding its value in ``sess``."""
    graph_def = extract_sub_graph(input_graph_def, output_node_names)
    variables = [n for n in graph_def.node if n.op in _VARIABLE_OPS
                 and (variable_names_whitelist is None or n.name in variable_names_whitelist)
                 and (variable_names_blacklist is None or n.name not in variable_names_blacklist)]
    values = sess.run([f"{n.name}:0" for n in variables]) if variables else []
    by_name = dict(zip((n.name for n in variables), values))
    out = protos.graph_pb2().GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.library.CopyFrom(graph_def.library)
    for node in graph_def.node:
        if node.name in by_name:
            const = out.node.add(name=node.name, op="Const", device=node.device)
            const.attr["dtype"].CopyFrom(node.attr["dtype"])
            const.attr["value"].tensor.CopyFrom(protos.tensor_proto(
                by_name[node.name], protos.from_tf_enum(node.attr["dtype"].type)))
        else:
            out.node.add().CopyFrom(node)
    from tensorflux import tflogging
    tflogging.info("Froze %d variables.", len(variables))
    return out


def remove_training_nodes(input_graph, protected_nodes=None):
    """The GraphDef without the Identity and CheckNumerics nodes inference does not need:
    their consumers read their inputs directly. Nodes in ``protected_nodes`` stay, and so
    do Identities with control inputs (they order something)."""
    _check_graph_def(input_graph)
    protected = set(protected_nodes or ())
    nodes = list(input_graph.node)
    replace = {}
    for node in nodes:
        if node.name in protected or node.op not in ("Identity", "CheckNumerics"):
            continue
        if any(r.startswith("^") for r in node.input) or not node.input:
            continue
        replace[node.name] = node.input[0]

    def resolve(ref):
        control = ref.startswith("^")
        name = _node_name(ref)
        seen = set()
        while name in replace and name not in seen:
            seen.add(name)
            ref = replace[name]
            name = _node_name(ref)
        return f"^{name}" if control else ref

    out = protos.graph_pb2().GraphDef()
    out.versions.CopyFrom(input_graph.versions)
    out.library.CopyFrom(input_graph.library)
    for node in nodes:
        if node.name in replace:
            continue
        copy = out.node.add()
        copy.CopyFrom(node)
        del copy.input[:]
        copy.input.extend(dict.fromkeys(resolve(r) for r in node.input))
    return out


def must_run_on_cpu(node, pin_variables_on_cpu=False):
    """Whether TensorFlow keeps ``node`` (a NodeDef or an Operation) on the CPU: string
    and int32 constants, int32 stitches and casts from int32, and variables when asked."""
    if hasattr(node, "attrs"):  # a tensorflux Operation
        op_type, attrs = node.type, node.attrs
        dtype = lambda key: attrs.get(key)  # noqa: E731
        if op_type == "Cast":
            from_type = node.inputs[0].dtype
            return from_type.name == "int32"
    else:
        op_type = node.op
        dtype = lambda key: (protos.from_tf_enum(node.attr[key].type)  # noqa: E731
                             if key in node.attr and node.attr[key].type else None)
        if op_type == "Cast":
            src = dtype("SrcT")
            return src is not None and src.name == "int32"
    if pin_variables_on_cpu and op_type in _VARIABLE_OPS:
        return True
    if op_type == "Const":
        d = dtype("dtype")
        return d is not None and d.name in ("string", "int32")
    if op_type in ("DynamicStitch", "ParallelDynamicStitch"):
        d = dtype("T")
        return d is not None and d.name == "int32"
    return False


def tensor_shape_from_node_def_name(graph, input_name):
    """The static shape of the tensor ``input_name`` ("op" means "op:0") of ``graph``."""
    name = input_name if ":" in input_name else f"{input_name}:0"
    return graph.get_tensor_by_name(name).get_shape()


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """``tf.train.write_graph``: write a Graph or GraphDef as a TensorFlow GraphDef file
    (text format when ``as_text``), atomically; returns its path."""
    from tensorflux.serialization.atomic import atomic_path
    graph_def = graph_or_graph_def
    if hasattr(graph_or_graph_def, "as_graph_def"):
        graph_def = graph_or_graph_def.as_graph_def()
    _check_graph_def(graph_def)
    path = os.path.join(logdir, name)
    if as_text:
        data = protos.text_format().MessageToString(graph_def).encode("utf-8")
    else:
        data = graph_def.SerializeToString()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return path


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    from tensorflux.serialization.graph_format import import_graph_def as import_any
    return import_any(graph_def, input_map, return_elements, name)
