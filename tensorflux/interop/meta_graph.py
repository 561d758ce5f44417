"""TensorFlow's ``MetaGraphDef`` (a ``.meta`` file TensorFlow wrote): the graph, its
collections and its ``SaverDef``, imported as ``tf.train.import_meta_graph`` does.

The saver's own subgraph (``save/SaveV2``, ``save/RestoreV2`` ... under the SaverDef's
name scope) is not imported: the returned ``tf.train.Saver`` does that job, and its
keys are read from the SaveV2 node (the names the checkpoint uses for each variable).
Collections of variables (serialized ``VariableDef``s) become ``tf.Variable`` objects
around the imported ops; node lists become graph elements; collections of protos
tensorflux has no use for (while_context, cond_context, savers, queue runners) are
skipped.
"""
from __future__ import annotations

from tensorflux.interop import protos
from tensorflux.serialization.graph_format import GraphFormatError

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Every Saver's subgraph (the SaverDef's and any other) is left out: the returned Saver
# restores the variables itself.
_SAVER_OPS = ("SaveV2", "RestoreV2", "Save", "Restore", "RestoreSlice", "MergeV2Checkpoints")
_SKIPPED_COLLECTIONS = ("while_context", "cond_context", "savers", "queue_runners",
                        "summaries_scalars")


def is_tf_meta_graph_file(path: str) -> bool:
    """Whether ``path`` is a MetaGraphDef (not tensorflux's HDF5 ``.meta``)."""
    with open(path, "rb") as f:
        return f.read(8) != _HDF5_SIGNATURE


def read_meta_graph_def(path: str):
    return protos.read_proto_file(path, protos.meta_graph_pb2().MetaGraphDef(),
                                  "TensorFlow MetaGraphDef (nor a tensorflux .meta file)")


def _saver_scope(saver_def):
    name = saver_def.filename_tensor_name or saver_def.save_tensor_name
    return name.rsplit("/", 1)[0] + "/" if "/" in name else None


def _saver_keys(meta, scope):
    """{checkpoint key: variable node name} from the SaveV2 / Save nodes of the saver."""
    nodes = {n.name: n for n in meta.graph_def.node}
    keys = {}
    for node in meta.graph_def.node:
        if not node.name.startswith(scope) or node.op not in ("SaveV2", "Save", "SaveSlices"):
            continue
        names_node = nodes.get(node.input[1].split(":")[0])
        if names_node is None or names_node.op != "Const":
            continue
        names = protos.tensor_from_proto(names_node.attr["value"].tensor, node.name)
        first = 3 if node.op == "SaveV2" else 2
        for key, ref in zip(names.ravel().tolist(), node.input[first:]):
            source = ref.split(":")[0]
            while source in nodes and nodes[source].op == "Identity" and source.startswith(scope):
                source = nodes[source].input[0].split(":")[0]
            keys[key.decode() if isinstance(key, bytes) else str(key)] = source
    return keys


def import_meta_graph(meta, clear_devices=False, import_scope=None, source="meta graph"):
    """Import a MetaGraphDef proto into the default graph; returns a Saver (or None)."""
    from tensorflux.core.graph import get_default_graph
    from tensorflux.interop.graph_import import import_tf_graph_def
    from tensorflux.serialization.saver import Saver
    graph = get_default_graph()
    scope = _saver_scope(meta.saver_def) if meta.HasField("saver_def") else None
    scopes = {n.name.rsplit("/", 1)[0] + "/" for n in meta.graph_def.node
              if n.op in _SAVER_OPS and "/" in n.name} | ({scope} if scope else set())
    skip = {n.name for n in meta.graph_def.node if n.name.startswith(tuple(scopes))}
    prefix = import_scope or ""
    importer = import_tf_graph_def(graph, meta.graph_def, prefix, source=source, skip=skip,
                                   clear_devices=clear_devices)
    variables = _restore_collections(graph, meta, importer, source)
    if scope is None:
        return None
    try:
        keys = _saver_keys(meta, scope)
    except (ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise GraphFormatError(f"{source}: the saver's SaveV2 node is malformed: {exc}") from None
    by_op = {v.op.name: v for v in variables.values()}
    var_map = {}
    for key, node in keys.items():
        var = by_op.get(importer.new_name(node))
        if var is None:
            raise GraphFormatError(f"{source}: the saver saves {node!r} under {key!r}, which "
                                   f"is not a variable of the graph's collections")
        var_map[key] = var
    if not var_map:
        return None
    with graph.as_default():
        return Saver(var_map)


def _restore_collections(graph, meta, importer, source):
    from tensorflux.ops.variables import Variable
    variable_def_cls = _variable_def_cls()
    variables = {}
    for key, collection in meta.collection_def.items():
        if key in _SKIPPED_COLLECTIONS:
            continue
        kind = collection.WhichOneof("kind")
        if kind == "node_list":
            for name in collection.node_list.value:
                element = _element(graph, importer, name)
                if element is not None:
                    graph.add_to_collection(key, element)
        elif kind == "bytes_list" and key in ("variables", "trainable_variables",
                                               "local_variables", "model_variables",
                                               "moving_average_variables", "metric_variables"):
            for raw in collection.bytes_list.value:
                vdef = variable_def_cls()
                try:
                    vdef.ParseFromString(raw)
                except Exception:
                    raise GraphFormatError(f"{source}: collection {key!r} holds a corrupt "
                                           f"VariableDef") from None
                name = importer.new_name(vdef.variable_name)
                if name not in variables:
                    parts = {"variable_name": name,
                             "initializer_name": importer.new_name(vdef.initializer_name),
                             "snapshot_name": importer.new_name(vdef.snapshot_name),
                             "initial_value_name": importer.new_name(vdef.initial_value_name)
                             if vdef.initial_value_name else None,
                             "trainable": vdef.trainable or key == "trainable_variables"}
                    try:
                        with graph.as_default():
                            variables[name] = Variable(variable_def=parts)
                    except (KeyError, ValueError) as exc:
                        raise GraphFormatError(f"{source}: variable {vdef.variable_name!r} of "
                                               f"collection {key!r}: {exc}") from None
                graph.add_to_collection(key, variables[name])
        elif kind == "int64_list":
            for v in collection.int64_list.value:
                graph.add_to_collection(key, int(v))
        elif kind == "float_list":
            for v in collection.float_list.value:
                graph.add_to_collection(key, float(v))
    return variables


def _element(graph, importer, name):
    try:
        return graph.as_graph_element(importer.new_name(name))
    except (KeyError, ValueError):
        return None  # e.g. a node of the saver's subgraph, which is not imported


def _variable_def_cls():
    from tensorboard.compat.proto import variable_pb2
    return variable_pb2.VariableDef
