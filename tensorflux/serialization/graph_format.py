"""The serialized graph: every op by registered name, op version, attrs, inputs, control
inputs and device, plus collections and the saver's variable list.

In memory a graph is a ``GraphDef`` (plain dicts and NumPy arrays). On disk (``.meta``)
it is an HDF5 file: the structure is a JSON document in the ``graph`` dataset, large
values (constants) are datasets under ``/arrays``. Attr values carry a type tag and only
these tags are understood; nothing in the file is ever executed or unpickled.

Versions: ``producer`` is the format version that wrote the file; ``min_consumer`` the
oldest reader that understands it. A file whose min_consumer is newer than this reader
is refused with a clear error. Version 2 adds control flow: a ``contexts`` list (the cond
branches and loop bodies, each with the names of its loop variables, outputs, captured
and exposed tensors) and a ``context`` index on the nodes inside one; a graph without
control flow is still written with min_consumer 1, so older readers load it.
"""
from __future__ import annotations

import json
import os

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.core.control_flow import ControlFlowContext
from tensorflux.core.shapes import TensorShape
from tensorflux.serialization.op_providers import missing_op_hint, op_providers

FORMAT = "tensorflux-graph"
PRODUCER = 2
MIN_CONSUMER = 1
MIN_CONSUMER_CONTROL_FLOW = 2


class GraphFormatError(ValueError):
    """A graph file or GraphDef that cannot be read: corrupt, unsupported, or needing a
    plugin that is not installed."""


class GraphDef(dict):
    """A serialized graph: ``{"format", "producer", "min_consumer", "nodes", ...}``."""

    @property
    def node(self):
        return self["nodes"]


# --- attr values ------------------------------------------------------------------------
def encode_attr(value, contexts=None):
    """An attr value as JSON-able data with a type tag; ``contexts`` numbers the graph's
    control-flow contexts (attrs of If and While ops refer to them)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, ControlFlowContext):
        return {"t": "context", "v": contexts[value]}
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return {"t": "float", "v": repr(float(value))}
    if isinstance(value, dtypes.DType):
        return {"t": "dtype", "v": value.name}
    if isinstance(value, TensorShape):
        return {"t": "shape", "v": None if value.ndims is None else value.as_list()}
    if isinstance(value, np.ndarray):
        return {"t": "array", "v": value}
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [encode_attr(v) for v in value]}
    if isinstance(value, list):
        return {"t": "list", "v": [encode_attr(v) for v in value]}
    raise TypeError(f"Cannot serialize attr value {value!r} of type {type(value).__name__}")


def decode_attr(value, where, contexts=()):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if not isinstance(value, dict) or "t" not in value:
        raise GraphFormatError(f"{where}: malformed attr value {value!r}")
    tag, v = value["t"], value.get("v")
    if tag == "float":
        if not isinstance(v, str):
            raise GraphFormatError(f"{where}: malformed float {v!r}")
        try:
            return float(v)
        except ValueError:
            raise GraphFormatError(f"{where}: malformed float {v!r}") from None
    if tag == "dtype":
        try:
            return dtypes.as_dtype(v)
        except TypeError:
            raise GraphFormatError(f"{where}: unknown dtype {v!r}") from None
    if tag == "shape":
        if v is not None and (not isinstance(v, list) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2 ** 40)
                for d in v)):
            raise GraphFormatError(f"{where}: invalid shape {v!r}")
        return TensorShape(v)
    if tag == "array":
        if not isinstance(v, np.ndarray):
            raise GraphFormatError(f"{where}: array value is missing")
        return v
    if tag in ("tuple", "list"):
        if not isinstance(v, list):
            raise GraphFormatError(f"{where}: malformed {tag}")
        items = [decode_attr(i, where) for i in v]
        return tuple(items) if tag == "tuple" else items
    if tag == "context":
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < len(contexts):
            raise GraphFormatError(f"{where}: control-flow context {v!r} does not exist")
        return contexts[v]
    raise GraphFormatError(f"{where}: unknown attr type tag {tag!r}")


# --- graph -> GraphDef ---------------------------------------------------------------------
def _encode_collection_item(item):
    from tensorflux.core.graph import Operation, Tensor
    from tensorflux.ops.variables import Variable
    if isinstance(item, Variable):
        return {"kind": "variable", "variable_name": item._variable.name,
                "initializer_name": item.initializer.name,
                "snapshot_name": item._snapshot.name,
                "initial_value_name": item.initial_value.name if item.initial_value is not None else None,
                "trainable": bool(item.trainable)}
    if isinstance(item, Tensor):
        return {"kind": "tensor", "name": item.name}
    if isinstance(item, Operation):
        return {"kind": "operation", "name": item.name}
    if isinstance(item, (str, int, float, bool)):
        return {"kind": "value", "value": item}
    return None  # Python objects (e.g. a Saver) are not part of the graph file


def _encode_context(ctx, index):
    names = lambda tensors: [t.name for t in tensors]  # noqa: E731
    return {"kind": ctx.kind, "name": ctx.name,
            "parent": index.get(ctx.parent), "forward": index.get(ctx.forward),
            "args": names(ctx.args),
            "cond_output": ctx.cond_output.name if ctx.cond_output is not None else None,
            "outputs": names(ctx.outputs), "captured": names(ctx.captured),
            "exposed": names(ctx.exposed),
            "control_outputs": [op.name for op in ctx.control_outputs]}


def python_function_ops(graph):
    """Ops holding Python code (tf.py_func) or Python objects (a tf.data pipeline, marked
    ``_python_object``): such a graph cannot be written to a file."""
    return [op for op in graph.get_operations()
            if any(callable(v) or getattr(v, "_python_object", False) for v in op.attrs.values())]


def graph_to_def(graph, clear_devices=False, saver_var_list=None) -> GraphDef:
    code = python_function_ops(graph)
    if code:
        raise GraphFormatError(
            f"The graph holds {len(code)} op(s) that call Python functions or hold tf.data "
            f"pipelines ({', '.join(repr(op.name) for op in code[:3])}, type {code[0].type}): "
            f"code is never written into graph files, so this graph cannot be exported. Export "
            f"a graph without tf.py_func and tf.data (feed the model through placeholders), or "
            f"save only the checkpoint (write_meta_graph=False).")
    contexts = {ctx: i for i, ctx in enumerate(graph._contexts)}
    nodes = []
    for op in graph.get_operations():
        node = {
            "name": op.name, "op": op.type, "version": op.op_def.version,
            "inputs": [t.name for t in op.inputs],
            "control_inputs": [c.name for c in op.control_inputs],
            "device": "" if clear_devices else op.device,
            "attrs": {k: encode_attr(v, contexts) for k, v in op.attrs.items()},
            "output_shapes": [encode_attr(t.shape) for t in op.outputs],
        }
        if op._context is not None:
            node["context"] = contexts[op._context]
        nodes.append(node)
    collections = {}
    for key in graph.get_all_collection_keys():
        items = [_encode_collection_item(i) for i in graph.get_collection(key)]
        items = [i for i in items if i is not None]
        if items:
            collections[key] = items
    graph_def = GraphDef(format=FORMAT, producer=PRODUCER, min_consumer=MIN_CONSUMER,
                         nodes=nodes, collections=collections, seed=graph.seed,
                         saver=None if saver_var_list is None else dict(saver_var_list),
                         op_providers=op_providers(graph))
    if contexts:
        graph_def["min_consumer"] = MIN_CONSUMER_CONTROL_FLOW
        graph_def["contexts"] = [_encode_context(ctx, contexts) for ctx in graph._contexts]
    return graph_def


# --- GraphDef -> ops ---------------------------------------------------------------------
def check_versions(graph_def, source):
    if not isinstance(graph_def, dict) or graph_def.get("format") != FORMAT:
        raise GraphFormatError(f"{source}: not a tensorflux graph")
    producer, min_consumer = graph_def.get("producer"), graph_def.get("min_consumer")
    if not isinstance(producer, int) or not isinstance(min_consumer, int):
        raise GraphFormatError(f"{source}: missing producer/min_consumer versions")
    if min_consumer > PRODUCER:
        raise GraphFormatError(
            f"{source}: written by a newer tensorflux (graph format producer {producer}, "
            f"needs a reader of version >= {min_consumer}; this one is {PRODUCER}). "
            f"Upgrade tensorflux to load it.")


def _check_node(node, source):
    if not isinstance(node, dict):
        raise GraphFormatError(f"{source}: node entry is not an object: {node!r}")
    node.setdefault("control_inputs", [])
    node.setdefault("device", "")
    for key, kind in (("name", str), ("op", str), ("inputs", list), ("attrs", dict),
                      ("control_inputs", list), ("device", str)):
        if not isinstance(node.get(key), kind):
            raise GraphFormatError(f"{source}: node {node.get('name')!r} has a missing or "
                                   f"invalid {key!r}")
    for ref in node["inputs"] + node["control_inputs"]:
        if not isinstance(ref, str):
            raise GraphFormatError(f"{source}: node {node['name']!r} has an invalid input {ref!r}")


def import_graph_def_into(graph, graph_def, prefix="", input_map=None, clear_devices=False,
                          source="graph_def"):
    """Create the ops of ``graph_def`` in ``graph``; returns {old name: new Operation}."""
    from tensorflux.core.registry import registry
    check_versions(graph_def, source)
    nodes = graph_def.get("nodes")
    if not isinstance(nodes, list):
        raise GraphFormatError(f"{source}: 'nodes' must be a list")
    input_map = dict(input_map or {})
    created, tensors = {}, {}
    contexts = _decode_contexts(graph_def.get("contexts", []), prefix, source)

    def tensor(ref, where):
        if ref in input_map:
            return input_map[ref]
        if ref in tensors:
            return tensors[ref]
        raise GraphFormatError(f"{where}: tensor {ref!r} is not defined before it")

    with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
        for node in nodes:
            _check_node(node, source)
            name, op_type = node["name"], node["op"]
            if not registry.has_op(op_type):
                raise GraphFormatError(
                    f"{source}: op {name!r} has type {op_type!r}, which no installed plugin "
                    f"registers. {missing_op_hint(graph_def, op_type)} (Installed "
                    f"plugins: `python -m tensorflux info`.)")
            opdef = registry.get_op(op_type)
            version = node.get("version", 1)
            if not isinstance(version, int) or version > opdef.version:
                raise GraphFormatError(f"{source}: op {name!r} needs {op_type} version "
                                       f"{version}; the installed one is {opdef.version}")
            where = f"{source}: op {name!r} ({op_type})"
            attrs = {k: decode_attr(v, where, [c for c, _ in contexts])
                     for k, v in node["attrs"].items()}
            owned = [c for c, _ in contexts if any(c is a for a in attrs.values())]
            for ctx in owned:
                _resolve_context(ctx, dict(contexts)[ctx], tensor, created, where)
            if op_type == "If" and len(owned) == 2:  # both branches share these lists
                owned[1].captured, owned[1].exposed = owned[0].captured, owned[0].exposed
            context = node.get("context")
            if context is not None and (not isinstance(context, int) or isinstance(context, bool)
                                        or not 0 <= context < len(contexts)):
                raise GraphFormatError(f"{where}: control-flow context {context!r} does not exist")
            inputs = [tensor(ref, where) for ref in node["inputs"]]
            controls = []
            for ref in node["control_inputs"]:
                if ref not in created:
                    raise GraphFormatError(f"{where}: control input {ref!r} is not defined before it")
                controls.append(created[ref])
            new_name = f"{prefix}/{name}" if prefix else name
            if new_name not in graph._ops_by_name:
                new_name += "/"  # the exact name (not made unique), as when it was saved
            try:
                with graph.device(None if clear_devices else (node["device"] or None)), \
                        graph._control_flow_context(None if context is None else contexts[context][0]):
                    op = graph.create_op(op_type, inputs, attrs, name=new_name,
                                         control_inputs=controls)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                raise GraphFormatError(f"{where}: {exc}") from None
            for ctx in owned:
                ctx.owner = op
                graph._contexts.append(ctx)
            _mark_scopes_used(graph, op.name)
            created[name] = op
            for t in op.outputs:
                tensors[f"{name}:{t.value_index}"] = t
    return created


_CONTEXT_LISTS = ("args", "outputs", "captured", "exposed", "control_outputs")


def _decode_contexts(records, prefix, source):
    """ControlFlowContext objects for the ``contexts`` records, linked to their parents
    and forward contexts; their tensors are filled in when their owner op is created.
    Returns (context, record) pairs."""
    if not isinstance(records, list):
        raise GraphFormatError(f"{source}: 'contexts' must be a list")
    out = []
    for i, rec in enumerate(records):
        where = f"{source}: control-flow context {i}"
        if not isinstance(rec, dict) or rec.get("kind") not in ("cond", "while") \
                or not isinstance(rec.get("name"), str):
            raise GraphFormatError(f"{where} is malformed")
        for key in _CONTEXT_LISTS:
            if not isinstance(rec.get(key, []), list) or not all(
                    isinstance(n, str) for n in rec.get(key, [])):
                raise GraphFormatError(f"{where}: {key!r} must be a list of names")
        name = f"{prefix}/{rec['name']}" if prefix else rec["name"]
        out.append((ControlFlowContext(rec["kind"], name), rec))
    for i, (ctx, rec) in enumerate(out):
        for key in ("parent", "forward"):
            ref = rec.get(key)
            if ref is None:
                continue
            if not isinstance(ref, int) or isinstance(ref, bool) or not 0 <= ref < len(out) or ref == i:
                raise GraphFormatError(f"{source}: control-flow context {i} has an invalid {key} {ref!r}")
            setattr(ctx, key, out[ref][0])
    for i, (ctx, _) in enumerate(out):  # parents must not loop
        seen, walk = set(), ctx
        while walk is not None:
            if id(walk) in seen:
                raise GraphFormatError(f"{source}: control-flow context {i} is its own ancestor")
            seen.add(id(walk))
            walk = walk.parent
    return out


def _resolve_context(ctx, rec, tensor, created, where):
    """Fill in a context's tensors by name, once they exist (before its owner op)."""
    for key in ("args", "outputs", "captured", "exposed"):
        setattr(ctx, key, [tensor(n, where) for n in rec.get(key, [])])
    cond_output = rec.get("cond_output")
    ctx.cond_output = tensor(cond_output, where) if isinstance(cond_output, str) else None
    if ctx.kind == "while" and ctx.cond_output is None:
        raise GraphFormatError(f"{where}: the loop {ctx.name!r} has no cond output")
    ops = []
    for n in rec.get("control_outputs", []):
        if n not in created:
            raise GraphFormatError(f"{where}: control output {n!r} is not defined before it")
        ops.append(created[n])
    ctx.control_outputs = ops


def _mark_scopes_used(graph, name):
    parts = name.split("/")
    for i in range(1, len(parts)):
        graph._names_in_use.setdefault("/".join(parts[:i]).lower(), 1)


def rename(name, created):
    """Map a saved tensor/op name to the imported graph's name."""
    op_name, sep, index = name.rpartition(":")
    if sep and index.isdigit():
        return f"{created[op_name].name}:{index}" if op_name in created else None
    return created[name].name if name in created else None


# --- files -------------------------------------------------------------------------------
def write_graph_file(path: str, graph_def: GraphDef):
    """Atomically write a GraphDef as an HDF5 ``.meta`` file."""
    from tensorflux.serialization.atomic import atomic_path
    with atomic_path(path) as tmp:
        write_graph_hdf5(tmp, graph_def, target=path)


def write_graph_hdf5(tmp: str, graph_def: GraphDef, target: str):
    """Write a GraphDef into the new file ``tmp`` (staged for ``target``, which errors
    name) through ``h5safe``: metadata checksums, a crc32c on the document and on each
    array, no variable-length data. Readers older than the checksums read it too."""
    from tensorflux import __version__
    from tensorflux.serialization import h5safe
    arrays = []

    def extract(value):
        if isinstance(value, dict):
            if value.get("t") == "array":
                arrays.append(value["v"])
                return {"t": "array", "ref": len(arrays) - 1}
            return {k: extract(v) for k, v in value.items()}
        if isinstance(value, list):
            return [extract(v) for v in value]
        return value

    document = json.dumps(extract(dict(graph_def)))
    with h5safe.create(tmp, target) as f:
        f.attrs["format"] = h5safe.fixed_string(FORMAT)
        f.attrs["producer"] = np.int64(graph_def["producer"])
        f.attrs["min_consumer"] = np.int64(graph_def["min_consumer"])
        f.attrs["tensorflux_version"] = h5safe.fixed_string(__version__)
        f.attrs["checksum"] = h5safe.fixed_string("crc32c")
        h5safe.write_array(f, "graph", np.array(document.encode("utf-8"), dtype=object))
        group = f.create_group("arrays")
        for i, a in enumerate(arrays):
            h5safe.write_array(group, str(i), a)


def read_graph_file(path: str) -> GraphDef:
    """Read a ``.meta`` file; corrupt or foreign files raise GraphFormatError naming it."""
    from tensorflux.serialization import h5safe
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"Graph file {path!r} does not exist")

    def error(message):
        return GraphFormatError(f"{path!r} is not a readable tensorflux graph file: {message}")

    with h5safe.SafeFile(path, error) as h5:
        f = h5.file
        try:
            fmt = h5.attr(f, "format", "str", "the root group", default=None)
            if fmt != FORMAT:
                raise GraphFormatError(f"{path!r} is not a tensorflux graph file (format={fmt!r})")
            checked = h5.attr(f, "checksum", "str", "the root group", default=None)
            if checked not in (None, "crc32c"):
                raise error(f"unknown checksum kind {checked!r}")
            datasets = dict(h5.datasets(f, ""))
            if "graph" not in datasets:
                raise error("it has no /graph document")
            graph = datasets["graph"]
            raw = h5.read(graph, "the graph document", h5.crc(graph, "/graph", checked)).item()
            document = json.loads(raw.decode() if isinstance(raw, bytes) else raw)

            def restore(value):
                if isinstance(value, dict):
                    if value.get("t") == "array":
                        ref = value.get("ref")
                        data = datasets.get(f"arrays/{ref}") if isinstance(ref, int) else None
                        if data is None:
                            raise GraphFormatError(f"{path!r}: array reference {ref!r} is missing")
                        where = f"array {ref}"
                        value_arr = h5.read(data, where, h5.crc(data, where, checked))
                        if value_arr.dtype.kind != "O":
                            value_arr.setflags(write=False)
                        return {"t": "array", "v": value_arr}
                    return {k: restore(v) for k, v in value.items()}
                if isinstance(value, list):
                    return [restore(v) for v in value]
                return value

            graph_def = GraphDef(restore(document))
        except GraphFormatError:
            raise
        except Exception as exc:
            raise GraphFormatError(f"{path!r} is corrupt: {type(exc).__name__}: {exc}") from None
    check_versions(graph_def, repr(path))
    return graph_def


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    """``tf.import_graph_def``: add the ops of ``graph_def`` (a TensorFlow ``GraphDef``
    proto, or tensorflux's own dict form) to the default graph under the name scope
    ``name`` (default "import"); returns the requested elements."""
    from tensorflux.core.graph import get_default_graph
    if hasattr(graph_def, "SerializeToString"):
        from tensorflux.interop.graph_import import import_graph_def as import_tf
        return import_tf(graph_def, input_map, return_elements, name)
    graph = get_default_graph()
    prefix = "import" if name is None else name
    if prefix:
        prefix = graph.unique_name(prefix)
    created = import_graph_def_into(graph, graph_def, prefix=prefix, input_map=input_map)
    if return_elements is None:
        return None
    out = []
    for element in return_elements:
        new = rename(element, created)
        if new is None:
            raise ValueError(f"Requested return element {element!r} was not found in graph_def")
        out.append(graph.as_graph_element(new))
    return out
