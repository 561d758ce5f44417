"""Ops that read checkpoints when they run, for initializing variables from one
(``tf.train.init_from_checkpoint``, ``tf.train.warm_start``):

- ``RestoreV2`` (TF's op of the same name and signature): the tensors ``tensor_names`` of
  the checkpoint ``prefix`` (tensorflux's HDF5 checkpoints and TensorFlow's), whole
  (``shape_and_slices`` entries must be empty: partitioned variables are not supported).
- ``GenerateVocabRemapping`` (TF's op): for each of ``num_new_vocab`` words of the new
  vocabulary file from line ``new_vocab_offset``, its line in the old vocabulary file
  (the first ``old_vocab_size`` lines, all when -1), or -1; and how many were found.
- ``LoadAndRemapMatrix``: a 2-D (or 1-D, as one column) checkpoint tensor with its rows
  (and columns) picked by remappings, entries that map to -1 taken from
  ``initializing_values``. Unlike TF's op of that name, ``initializing_values`` has the
  output's full shape (the entries at the missing positions are used), so any
  initializer supplies it.

The kernels run on the host (``tensorflux.backends.checkpoint_kernels``).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable

defop("RestoreV2", ("prefix", "tensor_names", "shape_and_slices"), attrs={"dtypes": ()},
      stateful=True, num_outputs=lambda attrs: len(attrs["dtypes"]),
      dtype_fn=lambda op: list(op.attrs["dtypes"]),
      shape_fn=lambda op: [TensorShape(None)] * len(op.attrs["dtypes"]),
      doc="Tensors read from a checkpoint by name.")
defop("GenerateVocabRemapping", ("new_vocab_file", "old_vocab_file"),
      attrs={"new_vocab_offset": 0, "num_new_vocab": 0, "old_vocab_size": -1}, num_outputs=2,
      stateful=True, dtype_fn=lambda op: [dtypes.int64, dtypes.int32],
      shape_fn=lambda op: [TensorShape([op.attrs["num_new_vocab"]]), TensorShape(())],
      doc="Where each new vocabulary word was in the old vocabulary (-1: absent).")
defop("LoadAndRemapMatrix", ("ckpt_path", "old_tensor_name", "row_remapping", "col_remapping",
                             "initializing_values"),
      stateful=True, dtype_fn=lambda op: [op.inputs[4].dtype],
      shape_fn=lambda op: [op.inputs[4].shape],
      doc="A checkpoint matrix with remapped rows and columns (missing: initializing_values).")
not_differentiable("RestoreV2", "GenerateVocabRemapping", "LoadAndRemapMatrix")


def _strings(value, name):
    return convert_to_tensor(value, dtype=dtypes.string, name=name)


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes_, name=None):
    """The tensors ``tensor_names`` of the checkpoint ``prefix``, as ``dtypes_``."""
    if len(tensor_names) != len(dtypes_) or len(shape_and_slices) != len(dtypes_):
        raise ValueError(f"restore_v2: {len(tensor_names)} tensor_names, "
                         f"{len(shape_and_slices)} shape_and_slices and {len(dtypes_)} dtypes "
                         f"must be as many")
    op = get_default_graph().create_op(
        "RestoreV2", [_strings(prefix, "prefix"), _strings(list(tensor_names), "tensor_names"),
                      _strings(list(shape_and_slices), "shape_and_slices")],
        {"dtypes": tuple(dtypes.as_dtype(d) for d in dtypes_)}, name=name or "RestoreV2")
    return list(op.outputs)


def generate_vocab_remapping(new_vocab_file, old_vocab_file, num_new_vocab, new_vocab_offset=0,
                             old_vocab_size=-1, name=None):
    """(remapping [num_new_vocab] int64, num_present int32)."""
    op = get_default_graph().create_op(
        "GenerateVocabRemapping", [_strings(new_vocab_file, "new_vocab_file"),
                                   _strings(old_vocab_file, "old_vocab_file")],
        {"new_vocab_offset": int(new_vocab_offset), "num_new_vocab": int(num_new_vocab),
         "old_vocab_size": int(old_vocab_size)}, name=name or "GenerateVocabRemapping")
    return tuple(op.outputs)


def load_and_remap_matrix(ckpt_path, old_tensor_name, row_remapping, col_remapping,
                          initializing_values, name=None):
    """The checkpoint tensor's rows ``row_remapping`` (and columns ``col_remapping``;
    empty: all, in order); -1 entries come from ``initializing_values``."""
    init = convert_to_tensor(initializing_values, name="initializing_values")
    return get_default_graph().create_op(
        "LoadAndRemapMatrix", [_strings(ckpt_path, "ckpt_path"),
                               _strings(old_tensor_name, "old_tensor_name"),
                               convert_to_tensor(row_remapping, dtype=dtypes.int64),
                               convert_to_tensor(col_remapping, dtype=dtypes.int64), init],
        name=name or "LoadAndRemapMatrix").outputs[0]
