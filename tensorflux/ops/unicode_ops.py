"""String splits that return ragged rows: ``tf.strings.bytes_split``,
``unicode_decode``, ``unicode_split`` (each with ``_with_offsets``) and
``tf.strings.split(result_type="RaggedTensor")``. One host op splits a vector of strings
into (pieces, row_splits, byte offsets); the wrappers restore the input's shape as
ragged rows (a scalar input gives a plain vector, as TF1)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.ragged_tensor import RaggedTensor

_ENCODINGS = ("UTF-8", "UTF-16-BE", "UTF-32-BE")


def _pieces_dtype(op):
    return dtypes.int32 if op.attrs["mode"] == "decode" else dtypes.string


defop("StringSplitToRows", ("input",),
      attrs={"mode": "bytes", "input_encoding": "UTF-8", "errors": "replace",
             "replacement_char": 0xFFFD, "replace_control_characters": False},
      num_outputs=3, dtype_fn=lambda op: [_pieces_dtype(op), dtypes.int64, dtypes.int64],
      shape_fn=lambda op: [TensorShape([None]), TensorShape([None]), TensorShape([None])],
      doc="The bytes, code points (mode 'decode') or characters (mode 'split') of each "
          "string of a vector: (pieces, row_splits, byte offset of each piece).")
not_differentiable("StringSplitToRows")


def _split_rows(input, mode, encoding="UTF-8", errors="replace", replacement_char=0xFFFD,  # noqa: A002
                replace_control_characters=False, name=None):
    if encoding not in _ENCODINGS:
        raise ValueError(f"input_encoding must be one of {_ENCODINGS}, got {encoding!r}")
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
    x = convert_to_tensor(input, name="input")
    if x.dtype != dtypes.string:
        raise TypeError(f"{mode} needs a string tensor, got {x.dtype.name}")
    rank = x.shape.ndims
    if rank is None:
        raise ValueError("the input's rank must be known")
    flat = array_ops.reshape(x, [-1])
    pieces, splits, offsets = get_default_graph().create_op(
        "StringSplitToRows", [flat],
        {"mode": mode, "input_encoding": encoding, "errors": errors,
         "replacement_char": int(replacement_char),
         "replace_control_characters": bool(replace_control_characters)}, name=name).outputs
    return pieces, splits, offsets, x, rank


def _shaped(values, splits, x, rank):
    """The rows of each string with the input's shape: a vector for a scalar input, a
    RaggedTensor (uniform outer dimensions as ragged ones) otherwise."""
    if rank == 0:
        return values
    out = RaggedTensor.from_row_splits(values, splits)
    dims = x.shape.as_tuple()
    for d in reversed(dims[1:]):
        if d is None:
            raise ValueError("the input's dimensions after the first must be known")
        out = RaggedTensor.from_uniform_row_length(out, d)
    return out


def bytes_split(input, name=None):  # noqa: A002
    """The bytes of each string, as 1-byte strings (ragged rows)."""
    with name_scope(name, "BytesSplit", [input]):
        pieces, splits, _, x, rank = _split_rows(input, "bytes")
        return _shaped(pieces, splits, x, rank)


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                   replace_control_characters=False, name=None):
    """The code points (int32) of each string, decoded from ``input_encoding``."""
    with name_scope(name, "UnicodeDecode", [input]):
        pieces, splits, _, x, rank = _split_rows(input, "decode", input_encoding, errors,
                                                 replacement_char, replace_control_characters)
        return _shaped(pieces, splits, x, rank)


def unicode_decode_with_offsets(input, input_encoding, errors="replace",  # noqa: A002
                                replacement_char=65533, replace_control_characters=False,
                                name=None):
    """(unicode_decode's code points, the byte offset where each character starts)."""
    with name_scope(name, "UnicodeDecodeWithOffsets", [input]):
        pieces, splits, offsets, x, rank = _split_rows(input, "decode", input_encoding, errors,
                                                       replacement_char, replace_control_characters)
        return _shaped(pieces, splits, x, rank), _shaped(offsets, splits, x, rank)


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                  name=None):
    """The characters of each string, each encoded in ``input_encoding``."""
    with name_scope(name, "UnicodeSplit", [input]):
        pieces, splits, _, x, rank = _split_rows(input, "split", input_encoding, errors,
                                                 replacement_char)
        return _shaped(pieces, splits, x, rank)


def unicode_split_with_offsets(input, input_encoding, errors="replace",  # noqa: A002
                               replacement_char=65533, name=None):
    """(unicode_split's characters, the byte offset where each starts)."""
    with name_scope(name, "UnicodeSplitWithOffsets", [input]):
        pieces, splits, offsets, x, rank = _split_rows(input, "split", input_encoding, errors,
                                                       replacement_char)
        return _shaped(pieces, splits, x, rank), _shaped(offsets, splits, x, rank)
