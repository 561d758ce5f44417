"""Initializing variables from a checkpoint: ``tf.train.init_from_checkpoint``,
``tf.train.warm_start`` and ``tf.train.VocabInfo``.

Both replace a variable's initializer: once the (global) variables initializer runs,
the variable holds the checkpoint's value, read then by a ``RestoreV2`` op, not when the
graph is built. So build the initializer after calling them, as in TF1. ``warm_start``
can remap the rows (or columns) of an embedding or output layer whose vocabulary changed
(``VocabInfo``): rows of words the old vocabulary had are copied, the others and the
out-of-vocabulary buckets come from a backup initializer.
"""
from __future__ import annotations

import collections
import logging

import numpy as np

from tensorflux.core.graph import GraphKeys, control_dependencies, get_default_graph, name_scope

logger = logging.getLogger("tensorflux")


def _checkpoint_path(ckpt_dir_or_file):
    from tensorflux.serialization.saver import _resolve, checkpoint_exists
    path = _resolve(ckpt_dir_or_file)
    if not checkpoint_exists(path):
        raise ValueError(f"Couldn't find a checkpoint at {ckpt_dir_or_file!r}")
    return path


def _checkpoint_shapes(path):
    from tensorflux.serialization.saver import open_checkpoint
    with open_checkpoint(path) as reader:
        return reader.get_variable_to_shape_map()


def _is_variable(value):
    from tensorflux.ops.variables import Variable
    return isinstance(value, Variable)


def _replace_initializer(var, value):
    """Make ``value`` (a tensor) the initial value of ``var``."""
    graph = var.graph
    with graph.as_default(), control_dependencies(None):
        value.set_shape(var.shape)
        var._initial_value = value
        var._initializer_op = graph.create_op("Assign", [var._variable, value],
                                              {"validate_shape": True}, name="Assign")


def _set_checkpoint_initializer(var, path, tensor_name):
    from tensorflux.ops.checkpoint_ops import restore_v2
    with var.graph.as_default(), control_dependencies(None), name_scope(var.op.name + "/"):
        restore = restore_v2(path, [tensor_name], [""], [var.dtype],
                             name="checkpoint_initializer")[0]
        _replace_initializer(var, restore)
    logger.debug("Initialize variable %s from checkpoint %s with %s", var.op.name, path,
                 tensor_name)


def _check_shape(var, tensor_name, shapes):
    if not var.shape.is_compatible_with(shapes[tensor_name]):
        raise ValueError(f"Shape of variable {var.name} ({var.shape}) doesn't match with shape "
                         f"of tensor {tensor_name} ({shapes[tensor_name]}) from checkpoint "
                         f"reader.")


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Initialize variables from the checkpoint ``ckpt_dir_or_file`` (a file, or the
    newest in a directory) instead of their initializers.

    ``assignment_map`` maps checkpoint names to current ones: ``'old/w': 'new/w'`` (or a
    Variable) for one variable; ``'old_scope/': 'new_scope/'`` for every variable of
    ``new_scope`` (from ``tf.get_variable``), found under ``old_scope`` in the checkpoint;
    ``'/': 'new_scope/'`` and ``'old_scope/': '/'`` for the checkpoint's or the graph's
    root."""
    path = _checkpoint_path(ckpt_dir_or_file)
    shapes = _checkpoint_shapes(path)
    store = get_default_graph()._variable_store
    items = assignment_map.items() if isinstance(assignment_map, dict) else assignment_map
    for tensor_name, current in sorted(items, key=lambda item: item[0]):
        var = current if _is_variable(current) else store.get(current)
        if var is not None:
            if tensor_name not in shapes:
                raise ValueError(f"Tensor {tensor_name} is not found in {ckpt_dir_or_file} "
                                 f"checkpoint {shapes}")
            _check_shape(var, tensor_name, shapes)
            _set_checkpoint_initializer(var, path, tensor_name)
            continue
        scope = current[:current.rindex("/")] if "/" in current else ""
        if not tensor_name.endswith("/"):
            raise ValueError(f"Assignment map with scope only name {scope} should map to scope "
                             f"only {tensor_name}. Should be 'scope/': 'other_scope/'.")
        for var_name in sorted(store):
            if scope and not var_name.startswith(scope + "/"):
                continue
            rest = var_name[len(scope):]
            if current != "/":
                rest = rest[1:]
            full = (rest if tensor_name == "/" else tensor_name + rest).rstrip("/")
            if full not in shapes:
                raise ValueError(f"Tensor {full} ({rest} in {tensor_name}) is not found in "
                                 f"{ckpt_dir_or_file} checkpoint")
            _check_shape(store[var_name], full, shapes)
            _set_checkpoint_initializer(store[var_name], path, full)


class VocabInfo(collections.namedtuple("VocabInfo", [
        "new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab", "old_vocab_size",
        "backup_initializer", "axis"])):
    """How a variable's rows (``axis`` 0) or columns (``axis`` 1) follow a vocabulary:
    the first ``new_vocab_size`` lines of the file ``new_vocab``, then
    ``num_oov_buckets`` out-of-vocabulary entries; the checkpoint's follow the first
    ``old_vocab_size`` lines (all when -1) of ``old_vocab``. New words and the OOV
    entries take ``backup_initializer``'s values (zeros by default)."""

    __slots__ = ()

    def __new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size=-1,
                backup_initializer=None, axis=0):
        if axis not in (0, 1):
            raise ValueError(f"The only supported values for the axis argument are 0 and 1.  "
                             f"Provided axis: {axis}")
        return super().__new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab,
                               old_vocab_size, backup_initializer, axis)


def _warm_start_with_vocab(var, path, tensor_name, info, shapes):
    from tensorflux.ops import array_ops, init_ops
    from tensorflux.ops.checkpoint_ops import generate_vocab_remapping, load_and_remap_matrix
    if tensor_name not in shapes:
        raise ValueError(f"Tensor {tensor_name} is not found in checkpoint {path}")
    dims = var.shape.as_list()
    axis = info.axis if len(dims) == 2 else 0
    if len(dims) not in (1, 2) or dims[axis] != info.new_vocab_size + info.num_oov_buckets:
        raise ValueError(f"Variable {var.op.name} of shape {dims} does not have "
                         f"new_vocab_size + num_oov_buckets = "
                         f"{info.new_vocab_size + info.num_oov_buckets} entries along axis {axis}")
    with var.graph.as_default(), control_dependencies(None), name_scope(var.op.name + "/"):
        remapping, _ = generate_vocab_remapping(info.new_vocab, info.old_vocab,
                                                info.new_vocab_size,
                                                old_vocab_size=info.old_vocab_size)
        vocab = remapping
        if info.num_oov_buckets:  # the OOV entries have no row in the checkpoint
            vocab = array_ops.concat([remapping, np.full(info.num_oov_buckets, -1, np.int64)], 0)
        other = np.arange(dims[1 - axis] if len(dims) == 2 else 1, dtype=np.int64)
        rows, cols = (vocab, other) if axis == 0 else (other, vocab)
        initializer = info.backup_initializer or init_ops.zeros_initializer()
        backup = initializer(dims, dtype=var.dtype)
        _replace_initializer(var, load_and_remap_matrix(path, tensor_name, rows, cols, backup,
                                                        name="checkpoint_initializer"))


def _variables_to_warm_start(vars_to_warm_start, vocab):
    graph = get_default_graph()
    if isinstance(vars_to_warm_start, str):
        return graph.get_collection(GraphKeys.TRAINABLE_VARIABLES, scope=vars_to_warm_start)
    if vars_to_warm_start is None:
        return [v for v in graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
                if v.op.name in vocab]
    items = list(vars_to_warm_start)
    if all(isinstance(v, str) for v in items):
        found = []
        for regex in items:
            found.extend(v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=regex)
                         if v not in found)
        return found
    if all(_is_variable(v) for v in items):
        return items
    raise ValueError(f"vars_to_warm_start must be a regex string, a list of regex strings, a "
                     f"list of Variables or None, got {vars_to_warm_start!r}")


def warm_start(ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
               var_name_to_prev_var_name=None):
    """Initialize ``vars_to_warm_start`` from the checkpoint: a regex over the trainable
    variables (default: all of them), a list of regexes over the global variables, a
    list of Variables, or None (only those with a VocabInfo). A variable takes the
    checkpoint tensor of the same name, or of ``var_name_to_prev_var_name[name]``;
    ``var_name_to_vocab_info[name]`` remaps its rows (or columns)."""
    vocab = dict(var_name_to_vocab_info or {})
    previous = dict(var_name_to_prev_var_name or {})
    path = _checkpoint_path(ckpt_to_initialize_from)
    shapes = _checkpoint_shapes(path)
    used_vocab, used_previous = set(), set()
    for var in sorted(_variables_to_warm_start(vars_to_warm_start, vocab),
                      key=lambda v: v.op.name):
        name = var.op.name
        tensor_name = previous.get(name, name)
        if name in previous:
            used_previous.add(name)
        if name in vocab:
            used_vocab.add(name)
            _warm_start_with_vocab(var, path, tensor_name, vocab[name], shapes)
        else:
            if tensor_name not in shapes:
                raise ValueError(f"Tensor {tensor_name} is not found in "
                                 f"{ckpt_to_initialize_from} checkpoint")
            _check_shape(var, tensor_name, shapes)
            _set_checkpoint_initializer(var, path, tensor_name)
    for what, given, used in (("var_name_to_vocab_info", vocab, used_vocab),
                              ("var_name_to_prev_var_name", previous, used_previous)):
        unused = sorted(set(given) - used)
        if unused:
            raise ValueError(f"You provided the following variables in {what} that did not "
                             f"get used: {unused}")
