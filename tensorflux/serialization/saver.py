"""``tf.train.Saver`` and friends: HDF5 checkpoints plus the ``.meta`` graph beside them.

Nothing is ever lost: a checkpoint and its ``.meta`` are written to temporary files and
replace their targets together, then the ``checkpoint`` state file is replaced
atomically, and old checkpoints beyond ``max_to_keep`` are deleted only after the new
one and the state file are durable. A save that fails part-way (a full disk raises
ResourceExhaustedError) removes what it wrote, so no file is left that the state file
does not list.
"""
from __future__ import annotations

import os
import re
import time
import warnings

import numpy as np

from tensorflux.core import errors
from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.serialization import graph_format
from tensorflux.serialization.atomic import (atomic_paths, remove_stale_temporaries,
                                             write_text_atomic)
from tensorflux.serialization.hdf5_checkpoint import CheckpointReader, write_checkpoint_file

STATE_FILE = "checkpoint"


# --- the checkpoint state file ----------------------------------------------------------
class CheckpointState:
    """TF1's CheckpointState: the newest checkpoint and the list of recent ones."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __repr__(self):
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")


def _quote(path):
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths):
    def rel(p):
        return os.path.relpath(p, save_dir) if os.path.dirname(os.path.abspath(p)) == os.path.abspath(save_dir) else p

    lines = [f"model_checkpoint_path: {_quote(rel(model_checkpoint_path))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(rel(p))}" for p in all_model_checkpoint_paths]
    write_text_atomic(os.path.join(save_dir, STATE_FILE), "\n".join(lines) + "\n")


_LINE = re.compile(r'^(model_checkpoint_path|all_model_checkpoint_paths):\s*"((?:[^"\\]|\\.)*)"\s*$')


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The CheckpointState of a directory, or None if it has no state file."""
    path = os.path.join(checkpoint_dir, latest_filename or STATE_FILE)
    if not os.path.exists(path):
        return None
    model, all_paths = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = _LINE.match(line.strip())
            if not m:
                continue
            value = re.sub(r"\\(.)", r"\1", m.group(2))
            if not os.path.isabs(value):
                value = os.path.join(checkpoint_dir, value)
            if m.group(1) == "model_checkpoint_path":
                model = value
            else:
                all_paths.append(value)
    if model is None:
        return None
    return CheckpointState(model, all_paths or [model])


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the newest checkpoint in ``checkpoint_dir`` that exists, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    if checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def checkpoint_exists(checkpoint_prefix):
    """Whether a checkpoint exists: ours (one HDF5 file) or TensorFlow's (PREFIX.index)."""
    return os.path.isfile(checkpoint_prefix) or os.path.isfile(checkpoint_prefix + ".index")


def open_checkpoint(path):
    """A reader for the checkpoint at ``path``: tensorflux's HDF5 file, or a TensorFlow V2
    checkpoint prefix (``path.index`` plus its data shards)."""
    from tensorflux.interop.tensor_bundle import BundleReader, is_bundle
    if is_bundle(path):
        return BundleReader(path)
    return CheckpointReader(path)


def NewCheckpointReader(filepattern):  # noqa: N802 - TF1 name
    return open_checkpoint(filepattern)


def load_checkpoint(ckpt_dir_or_file):
    """``tf.train.load_checkpoint``: a reader for a checkpoint file or the newest one in a
    directory."""
    return open_checkpoint(_resolve(ckpt_dir_or_file))


def _resolve(ckpt_dir_or_file):
    if os.path.isdir(ckpt_dir_or_file):
        path = latest_checkpoint(ckpt_dir_or_file)
        if path is None:
            raise ValueError(f"Couldn't find a checkpoint in {ckpt_dir_or_file!r}")
        return path
    return ckpt_dir_or_file


def list_variables(ckpt_dir_or_file):
    """Sorted (name, shape) pairs of the variables in a checkpoint."""
    with open_checkpoint(_resolve(ckpt_dir_or_file)) as reader:
        return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """One variable's value from a checkpoint, as a NumPy array."""
    name = name[:-2] if name.endswith(":0") else name
    with open_checkpoint(_resolve(ckpt_dir_or_file)) as reader:
        return reader.get_tensor(name)


# --- Saver -------------------------------------------------------------------------------
def _saveable_variables(var_list):
    from tensorflux.ops.variables import Variable
    graph = get_default_graph()
    if var_list is None:
        var_list = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + \
            graph.get_collection("saveable_objects")
    if isinstance(var_list, dict):
        items = list(var_list.items())
    else:
        items = [(v.op.name, v) for v in var_list]
    mapping = {}
    for key, var in items:
        if not isinstance(var, Variable):
            raise TypeError(f"Saver can only save tf.Variables, got {var!r} for {key!r}")
        if key in mapping and mapping[key] is not var:
            raise ValueError(f"At least two variables have the same name: {key}")
        mapping[key] = var
    if not mapping:
        raise ValueError("No variables to save")
    return mapping


class Saver:
    """Saves and restores variables (``Saver()``: all global variables; ``Saver([v])``;
    ``Saver({"weights": theta})`` stores theta under ``weights``)."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=None, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        self._allow_empty = allow_empty
        try:
            self._var_map = _saveable_variables(var_list)
        except ValueError:
            if not allow_empty:
                raise
            self._var_map = {}
        self._max_to_keep = max_to_keep
        self._keep_every = keep_checkpoint_every_n_hours * 3600.0
        self._next_keep = time.time() + self._keep_every
        self._recent: list[tuple[str, float]] = []
        self._graph = get_default_graph()
        self._pad_step_number = pad_step_number

    @property
    def last_checkpoints(self):
        return [p for p, _ in self._recent]

    def _var_list_names(self):
        return {key: var.op.name for key, var in self._var_map.items()}

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Write a checkpoint (and its ``.meta``); returns the checkpoint path."""
        step = None
        prefix = os.path.basename(save_path)
        if global_step is not None:
            step = int(global_step if isinstance(global_step, (int, np.integer))
                       else sess.run(global_step))
            save_path = f"{save_path}-{step:08d}" if self._pad_step_number else f"{save_path}-{step}"
        keys = list(self._var_map)
        values = sess.run([self._var_map[k]._variable for k in keys]) if keys else []
        entries = [(k, v, self._var_map[k].trainable) for k, v in zip(keys, values)]
        save_dir = os.path.dirname(os.path.abspath(save_path))
        if not os.path.isdir(save_dir):
            raise errors.NotFoundError(None, None, f"Parent directory of {save_path} doesn't exist, can't save.")
        meta_path = f"{save_path}.{meta_graph_suffix}"
        if write_meta_graph and graph_format.python_function_ops(sess.graph):
            # The same text for every save, so that a training loop warns once.
            warnings.warn(f"Saving a checkpoint without its .{meta_graph_suffix} file: the "
                          f"graph calls Python functions (tf.py_func) or holds tf.data "
                          f"pipelines, which are never written into graph files", stacklevel=2)
            write_meta_graph = False
        targets = [save_path] + ([meta_path] if write_meta_graph else [])
        new = [p for p in targets if not os.path.exists(p)]
        try:
            with atomic_paths(targets) as tmps:
                write_checkpoint_file(tmps[0], entries, step, target=save_path)
                if write_meta_graph:
                    graph_def = export_meta_graph(graph=sess.graph,
                                                  saver_var_list=self._var_list_names())
                    graph_format.write_graph_hdf5(tmps[1], graph_def, target=meta_path)
            if write_state:
                recent, next_keep, expired = self._remember(save_path)
                # The new checkpoint and the state file are durable before anything is deleted.
                update_checkpoint_state(save_dir, save_path, [p for p, _ in recent])
                self._recent, self._next_keep = recent, next_keep
        except BaseException:
            for path in new:  # files this save created that no state file lists
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
            raise
        if write_state:
            for path in expired:
                for p in (path, f"{path}.{meta_graph_suffix}"):
                    try:
                        os.remove(p)
                    except FileNotFoundError:
                        pass
        remove_stale_temporaries(save_dir, (prefix, STATE_FILE))
        return save_path

    def _remember(self, path):
        """The recent list with ``path`` added, the next keep-forever time, and the paths
        that fall out of the list (kept forever instead when keep_checkpoint_every_n_hours
        says so: as in TF, the first one older than each multiple of N hours since the
        Saver was made). Changes nothing: the caller commits once the state file is saved."""
        recent = [(p, t) for p, t in self._recent if p != path]
        recent.append((path, time.time()))
        next_keep, expired = self._next_keep, []
        while self._max_to_keep and len(recent) > self._max_to_keep:
            old, stamp = recent.pop(0)
            if stamp > next_keep:
                next_keep += self._keep_every
            else:
                expired.append(old)
        return recent, next_keep, expired

    def restore(self, sess, save_path):
        """Load every variable of this Saver from the checkpoint at ``save_path`` (one
        written by tensorflux, or a TensorFlow V2 checkpoint prefix)."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        with open_checkpoint(save_path) as reader:
            for key, var in self._var_map.items():
                if not reader.has_tensor(key):
                    raise errors.NotFoundError(
                        None, var.op, f"Key {key} not found in checkpoint {save_path!r} "
                                      f"(needed to restore variable {var.op.name})")
                value = reader.get_tensor(key)
                expected = var.shape.as_tuple()
                if expected is not None and (len(expected) != value.ndim or any(
                        e is not None and e != s for e, s in zip(expected, value.shape))):
                    raise errors.InvalidArgumentError(
                        None, var.op, f"Shape mismatch restoring {var.op.name} from {save_path!r}: "
                                      f"the variable has shape {var.shape.as_list()}, the checkpoint "
                                      f"holds {list(value.shape)} under {key!r}")
                want = var.dtype.np_dtype
                if value.dtype != want and not (want.kind == "O" and value.dtype.kind in "OS"):
                    raise errors.InvalidArgumentError(
                        None, var.op, f"Dtype mismatch restoring {var.op.name} from {save_path!r}: "
                                      f"the variable is {var.dtype.name}, the checkpoint holds "
                                      f"{value.dtype} under {key!r} (shape {list(value.shape)})")
                sess._set_variable(var, value)

    def recover_last_checkpoints(self, checkpoint_paths):
        self._recent = [(p, time.time()) for p in checkpoint_paths]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        self._recent = list(last_checkpoints_with_time)

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False,
                          export_scope=None, clear_devices=False, clear_extraneous_savers=False,
                          strip_default_attrs=False, save_debug_info=False):
        return export_meta_graph(filename, graph=self._graph, clear_devices=clear_devices,
                                 saver_var_list=self._var_list_names())


# --- meta graphs -------------------------------------------------------------------------
def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, saver_var_list=None,
                      **kwargs):
    """The graph as a GraphDef, written to ``filename`` (HDF5) when given."""
    graph = graph or get_default_graph()
    if saver_var_list is None:
        variables = graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
        saver_var_list = {v.op.name: v.op.name for v in variables} or None
    gd = graph_format.graph_to_def(graph, clear_devices=clear_devices,
                                   saver_var_list=saver_var_list)
    if collection_list is not None:
        gd["collections"] = {k: v for k, v in gd["collections"].items() if k in collection_list}
    if filename:
        graph_format.write_graph_file(filename, gd)
    return gd


def _element(graph, created, name, source, what, kind=None):
    """The imported graph element (of ``kind``: Tensor or Operation, if given) that the
    saved ``name`` refers to, or a GraphFormatError naming the file and the entry."""
    new = graph_format.rename(name, created) if isinstance(name, str) else None
    if new is None:
        raise graph_format.GraphFormatError(f"{source}: {what} names {name!r}, which is not an "
                                            f"op or tensor of the saved graph")
    try:
        element = graph.as_graph_element(new)
    except (KeyError, ValueError, TypeError) as exc:
        raise graph_format.GraphFormatError(f"{source}: {what} names {name!r}: {exc}") from None
    if kind is not None and not isinstance(element, kind):
        raise graph_format.GraphFormatError(f"{source}: {what} names {name!r}, which is not "
                                            f"of type {kind.__name__}")
    return element


def _variable_from_entry(graph, created, item, source, key):
    """Rebuild a collection's Variable around the imported ops its entry names."""
    from tensorflux.core.graph import Operation, Tensor
    from tensorflux.ops.variables import Variable
    what = f"a variable in collection {key!r}"
    parts = {}
    for field, kind in (("variable_name", Tensor), ("initializer_name", Operation),
                        ("snapshot_name", Tensor), ("initial_value_name", Tensor)):
        name = item.get(field)
        if name is None and field == "initial_value_name":
            parts[field] = None
            continue
        parts[field] = _element(graph, created, name, source, f"{what} ({field})", kind).name
    if graph.as_graph_element(parts["variable_name"]).op.type != "VariableV2":
        raise graph_format.GraphFormatError(f"{source}: {what} names {item['variable_name']!r}, "
                                            f"which is not a variable")
    if not isinstance(item.get("trainable", True), bool):
        raise graph_format.GraphFormatError(f"{source}: {what} has a non-boolean 'trainable'")
    parts["trainable"] = item.get("trainable", True)
    with graph.as_default():
        return Variable(variable_def=parts)


def _restore_collections(graph, graph_def, created, source):
    from tensorflux.core.graph import Tensor
    variables = {}
    collections = graph_def.get("collections", {})
    if not isinstance(collections, dict):
        raise graph_format.GraphFormatError(f"{source}: 'collections' must be an object")
    for key, items in collections.items():
        if not isinstance(items, list):
            raise graph_format.GraphFormatError(f"{source}: collection {key!r} must be a list")
        for item in items:
            kind = item.get("kind") if isinstance(item, dict) else None
            if kind == "variable":
                var_name = _element(graph, created, item.get("variable_name"), source,
                                    f"a variable in collection {key!r}", Tensor).name
                if var_name not in variables:
                    variables[var_name] = _variable_from_entry(graph, created, item, source, key)
                graph.add_to_collection(key, variables[var_name])
            elif kind in ("tensor", "operation"):
                graph.add_to_collection(key, _element(graph, created, item.get("name"), source,
                                                      f"collection {key!r}"))
            elif kind == "value":
                graph.add_to_collection(key, item.get("value"))
            else:
                raise graph_format.GraphFormatError(f"{source}: collection {key!r} has a malformed item")
    return variables


def _saver_from_entry(saver_list, variables, created, source):
    """The Saver described by the file's ``saver`` entry (None when there is none)."""
    if not saver_list:
        return None
    if not isinstance(saver_list, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in saver_list.items()):
        raise graph_format.GraphFormatError(
            f"{source}: malformed saver entry {saver_list!r}: expected an object mapping "
            f"checkpoint keys to variable names")
    var_map = {}
    for key, var_op_name in saver_list.items():
        new = graph_format.rename(f"{var_op_name}:0", created)
        if new not in variables:
            raise graph_format.GraphFormatError(f"{source}: saver variable {var_op_name!r} is missing")
        var_map[key] = variables[new]
    return Saver(var_map)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Add a saved graph to the default graph and return a Saver for its variables.
    Reads tensorflux's ``.meta`` files and TensorFlow's MetaGraphDef (file or proto)."""
    from tensorflux.interop import meta_graph
    if hasattr(meta_graph_or_file, "SerializeToString"):
        return meta_graph.import_meta_graph(meta_graph_or_file, clear_devices, import_scope)
    if isinstance(meta_graph_or_file, str) and os.path.isfile(meta_graph_or_file) \
            and meta_graph.is_tf_meta_graph_file(meta_graph_or_file):
        return meta_graph.import_meta_graph(meta_graph.read_meta_graph_def(meta_graph_or_file),
                                            clear_devices, import_scope,
                                            source=repr(meta_graph_or_file))
    if isinstance(meta_graph_or_file, dict):
        graph_def, source = meta_graph_or_file, "meta graph"
    else:
        graph_def, source = graph_format.read_graph_file(meta_graph_or_file), repr(meta_graph_or_file)
    graph = get_default_graph()
    created = graph_format.import_graph_def_into(graph, graph_def, prefix=import_scope or "",
                                                 clear_devices=clear_devices, source=source)
    seed = graph_def.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise graph_format.GraphFormatError(f"{source}: the graph seed {seed!r} is not an integer")
    if seed is not None and graph.seed is None:
        graph.seed = seed
    variables = _restore_collections(graph, graph_def, created, source)
    with graph.as_default():
        return _saver_from_entry(graph_def.get("saver"), variables, created, source)
