"""``tf.saved_model`` (TF1's SavedModel API): TensorFlow's directory format for a model
with its variables, which TensorFlow Serving, TensorFlow and tensorflux all load.

Layout::

    EXPORT_DIR/saved_model.pb          a SavedModel proto: one MetaGraphDef per tag set
                                       (graph, collections, SaverDef, SignatureDefs)
    EXPORT_DIR/variables/variables.index, variables.data-00000-of-00001
                                       the variables, as a TensorFlow V2 checkpoint

What tensorflux writes, TensorFlow loads (``tf.compat.v1.saved_model.loader.load``): the
graph is pruned to what the signatures, the init ops and the variables need (a training
graph's gradient ops, which TensorFlow would not know, stay out unless a ``train_op`` is
given) and gets TensorFlow's saver subgraph (``save/SaveV2``, ``save/restore_all``)
so TensorFlow's loader can restore the variables. What TensorFlow wrote, tensorflux
loads with ``loader.load``.
"""
from __future__ import annotations

import os

import numpy as np

from tensorflux.core import errors
from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.interop import protos

# --- constants (tf.saved_model.constants / tag_constants / signature_constants) -------------------
SAVED_MODEL_SCHEMA_VERSION = 1
SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
ASSETS_DIRECTORY = "assets"
ASSETS_KEY = "saved_model_assets"
DEBUG_DIRECTORY = "debug"
DEBUG_INFO_FILENAME_PB = "saved_model_debug_info.pb"
LEGACY_INIT_OP_KEY = "legacy_init_op"
MAIN_OP_KEY = "saved_model_main_op"
TRAIN_OP_KEY = "saved_model_train_op"

SERVING, TRAINING, EVAL, GPU, TPU = "serve", "train", "eval", "gpu", "tpu"

DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
CLASSIFY_INPUTS = "inputs"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
CLASSIFY_OUTPUT_CLASSES = "classes"
CLASSIFY_OUTPUT_SCORES = "scores"
PREDICT_INPUTS = "inputs"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"
PREDICT_OUTPUTS = "outputs"
REGRESS_INPUTS = "inputs"
REGRESS_METHOD_NAME = "tensorflow/serving/regress"
REGRESS_OUTPUTS = "outputs"

_SAVER_SCOPE = "save"


# --- TensorInfo and SignatureDef ----------------------------------------------------------------------
def build_tensor_info(tensor):
    """A TensorInfo naming ``tensor`` (a Tensor or Variable), with its dtype and shape."""
    tensor = getattr(tensor, "_as_graph_element", lambda: tensor)()
    if not hasattr(tensor, "value_index"):
        raise TypeError(f"build_tensor_info needs a Tensor, got {tensor!r}")
    info = protos.meta_graph_pb2().TensorInfo(name=tensor.name,
                                             dtype=protos.to_tf_enum(tensor.dtype))
    info.tensor_shape.CopyFrom(protos.shape_proto(tensor.shape))
    return info


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The tensor a TensorInfo names, in ``graph`` (default: the default graph)."""
    graph = graph or get_default_graph()
    if tensor_info.WhichOneof("encoding") != "name":
        raise ValueError(f"Invalid TensorInfo.encoding: {tensor_info.WhichOneof('encoding')} "
                         f"(only dense tensors, named, are supported)")
    name = tensor_info.name
    if import_scope:
        name = f"{import_scope}/{name}"
    return graph.get_tensor_by_name(name)


def build_signature_def(inputs=None, outputs=None, method_name=None):
    """A SignatureDef from {key: TensorInfo} maps and a method name."""
    sig = protos.meta_graph_pb2().SignatureDef()
    for key, info in (inputs or {}).items():
        sig.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        sig.outputs[key].CopyFrom(info)
    if method_name is not None:
        sig.method_name = method_name
    return sig


def predict_signature_def(inputs, outputs):
    """A Predict SignatureDef from {key: Tensor} maps."""
    if not inputs:
        raise ValueError("Prediction inputs cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction outputs cannot be None or empty.")
    return build_signature_def({k: build_tensor_info(v) for k, v in inputs.items()},
                               {k: build_tensor_info(v) for k, v in outputs.items()},
                               PREDICT_METHOD_NAME)


def classification_signature_def(examples, classes, scores):
    """A Classify SignatureDef: serialized tf.Examples in, class names and/or scores out."""
    if examples is None or examples.dtype.name != "string":
        raise ValueError("Classification examples must be a string tensor.")
    if classes is None and scores is None:
        raise ValueError("Classification classes and scores cannot both be None.")
    outputs = {}
    if classes is not None:
        if classes.dtype.name != "string":
            raise ValueError("Classification classes must be a string tensor.")
        outputs[CLASSIFY_OUTPUT_CLASSES] = build_tensor_info(classes)
    if scores is not None:
        if not scores.dtype.is_floating:
            raise ValueError("Classification scores must be a float tensor.")
        outputs[CLASSIFY_OUTPUT_SCORES] = build_tensor_info(scores)
    return build_signature_def({CLASSIFY_INPUTS: build_tensor_info(examples)}, outputs,
                               CLASSIFY_METHOD_NAME)


def regression_signature_def(examples, predictions):
    """A Regress SignatureDef: serialized tf.Examples in, float predictions out."""
    if examples is None or examples.dtype.name != "string":
        raise ValueError("Regression examples must be a string tensor.")
    if predictions is None or not predictions.dtype.is_floating:
        raise ValueError("Regression predictions must be a float tensor.")
    return build_signature_def({REGRESS_INPUTS: build_tensor_info(examples)},
                               {REGRESS_OUTPUTS: build_tensor_info(predictions)},
                               REGRESS_METHOD_NAME)


def is_valid_signature(signature_def):
    """Whether a SignatureDef is well formed for its method (as TensorFlow Serving checks)."""
    if signature_def is None or not signature_def.method_name:
        return False
    method = signature_def.method_name
    if method not in (PREDICT_METHOD_NAME, CLASSIFY_METHOD_NAME, REGRESS_METHOD_NAME):
        return True
    if not signature_def.inputs or not signature_def.outputs:
        return False
    named = all(t.WhichOneof("encoding") == "name" and t.name
                for t in list(signature_def.inputs.values()) + list(signature_def.outputs.values()))
    if not named or method == PREDICT_METHOD_NAME:
        return named
    string, floats = protos.TF_ENUM["string"], (protos.TF_ENUM["float32"], protos.TF_ENUM["float64"])
    inputs, outputs = signature_def.inputs, signature_def.outputs
    if method == CLASSIFY_METHOD_NAME:
        if set(inputs) != {CLASSIFY_INPUTS} or inputs[CLASSIFY_INPUTS].dtype != string:
            return False
        if not set(outputs) <= {CLASSIFY_OUTPUT_CLASSES, CLASSIFY_OUTPUT_SCORES}:
            return False
        if CLASSIFY_OUTPUT_CLASSES in outputs and outputs[CLASSIFY_OUTPUT_CLASSES].dtype != string:
            return False
        return CLASSIFY_OUTPUT_SCORES not in outputs or outputs[CLASSIFY_OUTPUT_SCORES].dtype in floats
    return (set(inputs) == {REGRESS_INPUTS} and inputs[REGRESS_INPUTS].dtype == string
            and set(outputs) == {REGRESS_OUTPUTS} and outputs[REGRESS_OUTPUTS].dtype in floats)


# --- writing ------------------------------------------------------------------------------------------
def _variable_def(var):
    from tensorboard.compat.proto import variable_pb2
    vdef = variable_pb2.VariableDef(variable_name=var.name, initializer_name=var.initializer.name,
                                    snapshot_name=var._snapshot.name, trainable=bool(var.trainable))
    if var.initial_value is not None:
        vdef.initial_value_name = var.initial_value.name
    return vdef.SerializeToString()


def _add_saver_nodes(graph_def, variables):
    """TensorFlow's saver subgraph for ``variables`` ({key: VariableV2 node name}), so that
    TensorFlow's loader can restore them; returns the SaverDef."""
    from tensorflux.interop.graph_export import encode_attr
    scope = _SAVER_SCOPE
    names = {n.name for n in graph_def.node}
    while f"{scope}/Const" in names:
        scope = f"{scope}_1" if scope == _SAVER_SCOPE else f"{_SAVER_SCOPE}_{int(scope.rsplit('_', 1)[1]) + 1}"
    dtypes = {n.name: n.attr["dtype"].type for n in graph_def.node}
    keys = sorted(variables)

    def node(name, op, inputs=(), **attrs):
        n = graph_def.node.add(name=f"{scope}/{name}", op=op)
        n.input.extend(inputs)
        for key, value in attrs.items():
            n.attr[key].CopyFrom(value)
        return n.name

    def strings(values):
        return encode_attr(np.array([v.encode() for v in values], dtype=object), "tensor")

    string_type = protos.attr_value_pb2().AttrValue(type=protos.TF_ENUM["string"])
    filename = node("Const", "Const", value=encode_attr(np.array(b"model", dtype=object), "tensor"),
                    dtype=string_type)
    type_list = protos.attr_value_pb2().AttrValue()
    type_list.list.type.extend(dtypes[variables[k]] for k in keys)
    tensor_names = node("SaveV2/tensor_names", "Const", value=strings(keys), dtype=string_type)
    slices = node("SaveV2/shape_and_slices", "Const", value=strings([""] * len(keys)),
                  dtype=string_type)
    save = node("SaveV2", "SaveV2", [filename, tensor_names, slices] + [variables[k] for k in keys],
                dtypes=type_list)
    control = node("control_dependency", "Identity", [filename, f"^{save}"], T=string_type,
                   _class=encode_attr([f"loc:@{filename}"], "list(string)"))
    r_names = node("RestoreV2/tensor_names", "Const", value=strings(keys), dtype=string_type)
    r_slices = node("RestoreV2/shape_and_slices", "Const", value=strings([""] * len(keys)),
                    dtype=string_type)
    restore = node("RestoreV2", "RestoreV2", [filename, r_names, r_slices], dtypes=type_list)
    assigns = []
    for i, key in enumerate(keys):
        var_type = protos.attr_value_pb2().AttrValue(type=dtypes[variables[key]])
        assigns.append(node("Assign" if i == 0 else f"Assign_{i}", "Assign",
                            [variables[key], f"{restore}:{i}" if i else restore], T=var_type,
                            validate_shape=protos.attr_value_pb2().AttrValue(b=True),
                            use_locking=protos.attr_value_pb2().AttrValue(b=True)))
    restore_all = node("restore_all", "NoOp", [f"^{a}" for a in assigns])
    saver_def = protos.saver_pb2().SaverDef(
        filename_tensor_name=f"{filename}:0", save_tensor_name=f"{control}:0",
        restore_op_name=restore_all, max_to_keep=5, keep_checkpoint_every_n_hours=10000.0,
        version=protos.saver_pb2().SaverDef.V2)
    return saver_def


def export_meta_graph_def(sess, tags, signature_def_map=None, init_op=None, train_op=None,
                          clear_devices=False, variables=None):
    """A TensorFlow MetaGraphDef of ``sess.graph`` for a SavedModel, and the values of its
    variables ({checkpoint key: array})."""
    from tensorflux.interop.graph_export import graph_to_graph_def
    from tensorflux.interop.graph_util import extract_sub_graph
    graph = sess.graph
    variables = variables if variables is not None else graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
    signature_def_map = signature_def_map or {}
    roots = set()
    for sig in signature_def_map.values():
        for info in list(sig.inputs.values()) + list(sig.outputs.values()):
            roots.add(info.name.split(":")[0])
    for v in variables:
        roots.update((v.op.name, v.initializer.name, v._snapshot.op.name))
    for op in (init_op, train_op):
        if op is not None:
            roots.add(getattr(op, "name", op).split(":")[0])
    full = graph_to_graph_def(graph, clear_devices=clear_devices)
    graph_def = extract_sub_graph(full, sorted(roots))
    meta = protos.meta_graph_pb2().MetaGraphDef()
    meta.meta_info_def.tags.extend(tags)
    meta.meta_info_def.tensorflow_version = "1.15.0"
    meta.meta_info_def.tensorflow_git_version = "tensorflux"
    meta.graph_def.CopyFrom(graph_def)
    keys = {v.op.name: v.op.name for v in variables}
    if keys:
        meta.saver_def.CopyFrom(_add_saver_nodes(meta.graph_def, keys))
    kept = {n.name for n in meta.graph_def.node}
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES):
        values = [_variable_def(v) for v in graph.get_collection(key) if v in variables]
        if values:
            meta.collection_def[key].bytes_list.value.extend(values)
    for key, op in ((MAIN_OP_KEY, init_op), (TRAIN_OP_KEY, train_op)):
        if op is not None:
            meta.collection_def[key].node_list.value.append(getattr(op, "name", op))
    for key in graph.get_all_collection_keys():
        if key in meta.collection_def:
            continue
        names = [getattr(i, "name", None) for i in graph.get_collection(key)]
        names = [n for n in names if isinstance(n, str) and n.split(":")[0] in kept]
        if names and not any(hasattr(i, "initializer") for i in graph.get_collection(key)):
            meta.collection_def[key].node_list.value.extend(names)
    for key, sig in signature_def_map.items():
        meta.signature_def[key].CopyFrom(sig)
    values = dict(zip(keys, sess.run([v._variable for v in variables]))) if variables else {}
    return meta, values


class SavedModelBuilder:
    """``tf.saved_model.builder.SavedModelBuilder(export_dir)``: add meta graphs (the first
    with the variables), then ``save()``."""

    def __init__(self, export_dir):
        if os.path.exists(os.path.join(export_dir, SAVED_MODEL_FILENAME_PB)) or \
                os.path.exists(os.path.join(export_dir, SAVED_MODEL_FILENAME_PBTXT)):
            raise AssertionError(f"Export directory already exists, and isn't empty. Please "
                                 f"choose a different export directory, or delete all the "
                                 f"contents of the specified directory: {export_dir}")
        self._export_dir = export_dir
        self._saved_model = protos.SavedModel(saved_model_schema_version=SAVED_MODEL_SCHEMA_VERSION)
        self._has_variables = False

    def _check_tags(self, tags):
        if not tags or isinstance(tags, str):
            raise TypeError(f"tags must be a non-empty list of strings, got {tags!r}")
        for meta in self._saved_model.meta_graphs:
            if set(meta.meta_info_def.tags) == set(tags):
                raise AssertionError(f"A meta graph with tags {sorted(tags)} was already added")

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None,
                                     assets_collection=None, legacy_init_op=None,
                                     clear_devices=False, main_op=None, strip_default_attrs=False,
                                     saver=None, train_op=None):
        if self._has_variables:
            raise AssertionError("Graph state including variables and assets has already been "
                                 "saved. Please invoke `add_meta_graph()` instead.")
        self._check_tags(tags)
        _check_signatures(signature_def_map)
        variables = list(saver._var_map.values()) if saver is not None else None
        meta, values = export_meta_graph_def(sess, tags, signature_def_map, main_op or legacy_init_op,
                                             train_op, clear_devices, variables)
        if legacy_init_op is not None and main_op is None:
            meta.collection_def.pop(MAIN_OP_KEY, None)
            meta.collection_def[LEGACY_INIT_OP_KEY].node_list.value.append(legacy_init_op.name)
        from tensorflux.interop.tensor_bundle import write_bundle
        directory = os.path.join(self._export_dir, VARIABLES_DIRECTORY)
        os.makedirs(directory, exist_ok=True)
        write_bundle(os.path.join(directory, VARIABLES_FILENAME), values)
        self._saved_model.meta_graphs.add().CopyFrom(meta)
        self._has_variables = True
        self._sess = sess

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None,
                       legacy_init_op=None, clear_devices=False, main_op=None,
                       strip_default_attrs=False, saver=None, train_op=None):
        if not self._has_variables:
            raise AssertionError("Graph state including variables and assets has not been "
                                 "saved yet. Please invoke `add_meta_graph_and_variables()` first.")
        self._check_tags(tags)
        _check_signatures(signature_def_map)
        meta, _ = export_meta_graph_def(self._sess, tags, signature_def_map,
                                        main_op or legacy_init_op, train_op, clear_devices)
        self._saved_model.meta_graphs.add().CopyFrom(meta)

    def save(self, as_text=False):
        """Write saved_model.pb (or .pbtxt); returns its path."""
        from tensorflux.serialization.atomic import atomic_path
        os.makedirs(self._export_dir, exist_ok=True)
        if as_text:
            path = os.path.join(self._export_dir, SAVED_MODEL_FILENAME_PBTXT)
            data = protos.text_format().MessageToString(self._saved_model).encode()
        else:
            path = os.path.join(self._export_dir, SAVED_MODEL_FILENAME_PB)
            data = self._saved_model.SerializeToString()
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                f.write(data)
        return path


Builder = SavedModelBuilder


def _check_signatures(signature_def_map):
    for key, sig in (signature_def_map or {}).items():
        if not isinstance(sig, protos.meta_graph_pb2().SignatureDef):
            raise TypeError(f"signature_def_map[{key!r}] must be a SignatureDef, got "
                            f"{type(sig).__name__}")


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Save a model for serving: the ``serve`` tag, one Predict signature under
    ``serving_default``."""
    builder = SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(
        session, [SERVING],
        signature_def_map={DEFAULT_SERVING_SIGNATURE_DEF_KEY: predict_signature_def(inputs, outputs)},
        legacy_init_op=legacy_init_op)
    builder.save()


# --- reading ------------------------------------------------------------------------------------------
def contains_saved_model(export_dir):
    """Whether ``export_dir`` holds a SavedModel (saved_model.pb or saved_model.pbtxt)."""
    return (os.path.isfile(os.path.join(export_dir, SAVED_MODEL_FILENAME_PB))
            or os.path.isfile(os.path.join(export_dir, SAVED_MODEL_FILENAME_PBTXT)))


maybe_saved_model_directory = contains_saved_model


def read_saved_model(export_dir):
    pb = os.path.join(export_dir, SAVED_MODEL_FILENAME_PB)
    pbtxt = os.path.join(export_dir, SAVED_MODEL_FILENAME_PBTXT)
    saved = protos.SavedModel()
    if os.path.isfile(pb):
        path = pb
        with open(pb, "rb") as f:
            data = f.read()
        parse = saved.ParseFromString
    elif os.path.isfile(pbtxt):
        path = pbtxt
        with open(pbtxt, "rb") as f:
            data = f.read().decode("utf-8", "replace")

        def parse(text):
            protos.text_format().Parse(text, saved)
    else:
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{"
                      f"{SAVED_MODEL_FILENAME_PBTXT}|{SAVED_MODEL_FILENAME_PB}}}")
    try:
        parse(data)
    except Exception as exc:
        raise errors.DataLossError(None, None, f"SavedModel {path!r} is corrupt: "
                                               f"{type(exc).__name__}: {exc}") from None
    return saved, path


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Load the meta graph with ``tags`` from a SavedModel into ``sess.graph``, restore its
    variables and run its init op; returns the MetaGraphDef proto."""
    from tensorflux.interop.meta_graph import import_meta_graph
    saved, path = read_saved_model(export_dir)
    wanted = set(tags)
    for meta in saved.meta_graphs:
        if set(meta.meta_info_def.tags) == wanted:
            break
    else:
        available = [sorted(m.meta_info_def.tags) for m in saved.meta_graphs]
        raise RuntimeError(f"MetaGraphDef associated with tags {sorted(wanted)} could not be "
                           f"found in SavedModel {path!r}. Available tags: {available}")
    with sess.graph.as_default():
        saver = import_meta_graph(meta, import_scope=import_scope, source=repr(path))
        if saver is not None:
            prefix = os.path.join(export_dir, VARIABLES_DIRECTORY, VARIABLES_FILENAME)
            saver.restore(sess, prefix)
        for key in (MAIN_OP_KEY, LEGACY_INIT_OP_KEY):
            ops = sess.graph.get_collection(key)
            if ops:
                sess.run(ops[0])
                break
    return meta


def main_op():
    """The op a SavedModel runs after restoring: initialize local variables and tables."""
    from tensorflux.ops.control_flow_ops import group
    from tensorflux.ops.variables import local_variables_initializer
    return group(local_variables_initializer(), name="main_op")


def main_op_with_restore(restore_op_name):
    """``main_op()`` that runs after ``restore_op_name``."""
    graph = get_default_graph()
    with graph.control_dependencies([graph.as_graph_element(restore_op_name)]):
        return main_op()
