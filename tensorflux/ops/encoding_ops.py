"""Byte encodings of tensors and strings, as ``tf.io`` has them:

- ``encode_base64`` / ``decode_base64``: URL-safe base64 (``-`` and ``_``), padding
  optional when encoding and accepted either way when decoding;
- ``decode_compressed``: ZLIB or GZIP streams back to bytes;
- ``serialize_tensor`` / ``parse_tensor``: a tensor as TensorFlow's ``TensorProto``;
- ``serialize_sparse`` / ``serialize_many_sparse`` / ``deserialize_many_sparse``: a
  SparseTensor (or each of a batch of them) as three serialized TensorProtos
  (indices, values, dense shape), and a batch of those back as one SparseTensor;
- ``decode_json_example``: ``tf.train.Example`` protos in JSON to their binary form.

The kernels (``tensorflux.backends.encoding_kernels``) run on the host.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import same_shape
from tensorflux.ops.sparse_tensor import SparseTensor

_STRING = {"dtype_fn": lambda op: [dtypes.string]}

defop("EncodeBase64", ("input",), attrs={"pad": False}, shape_fn=same_shape, **_STRING,
      doc="Each string in URL-safe base64.")
defop("DecodeBase64", ("input",), shape_fn=same_shape, **_STRING,
      doc="Each URL-safe base64 string decoded.")
defop("DecodeCompressed", ("bytes",), attrs={"compression_type": ""}, shape_fn=same_shape,
      **_STRING, doc="Each ZLIB or GZIP compressed string decompressed.")
defop("SerializeTensor", ("tensor",), shape_fn=lambda op: [TensorShape(())], **_STRING,
      doc="A tensor as a serialized TensorProto.")
defop("ParseTensor", ("serialized",), attrs={"out_type": None},
      dtype_fn=lambda op: [op.attrs["out_type"]], shape_fn=lambda op: [TensorShape(None)],
      doc="A serialized TensorProto as a tensor of out_type.")
defop("SerializeSparse", ("sparse_indices", "sparse_values", "sparse_shape"),
      shape_fn=lambda op: [TensorShape([3])], **_STRING,
      doc="A SparseTensor as three serialized TensorProtos.")
defop("SerializeManySparse", ("sparse_indices", "sparse_values", "sparse_shape"),
      shape_fn=lambda op: [TensorShape([None, 3])], **_STRING,
      doc="Each entry (along the first dimension) of a SparseTensor serialized.")


def _deserialize_shapes(op):
    rank = op.attrs["rank"]
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


defop("DeserializeManySparse", ("serialized_sparse",), attrs={"dtype": None, "rank": None},
      num_outputs=3, dtype_fn=lambda op: [dtypes.int64, op.attrs["dtype"], dtypes.int64],
      shape_fn=_deserialize_shapes,
      doc="A [N, 3] batch of serialized SparseTensors as one SparseTensor.")
defop("DecodeJSONExample", ("json_examples",), shape_fn=same_shape, **_STRING,
      doc="tf.train.Example protos in JSON to binary protos.")
not_differentiable("EncodeBase64", "DecodeBase64", "DecodeCompressed", "SerializeTensor",
                   "ParseTensor", "SerializeSparse", "SerializeManySparse",
                   "DeserializeManySparse", "DecodeJSONExample")


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _strings(value, name):
    return convert_to_tensor(value, dtype=dtypes.string, name=name)


def encode_base64(input, pad=False, name=None):  # noqa: A002 - TF1's argument name
    """Each string in URL-safe base64 (``-`` and ``_`` for ``+`` and ``/``); ``pad``
    adds the ``=`` padding."""
    return _op("EncodeBase64", [_strings(input, "input")], {"pad": bool(pad)}, name).outputs[0]


def decode_base64(input, name=None):  # noqa: A002
    """Each URL-safe base64 string decoded (with or without ``=`` padding)."""
    return _op("DecodeBase64", [_strings(input, "input")], name=name).outputs[0]


def decode_compressed(bytes, compression_type="", name=None):  # noqa: A002
    """Each string decompressed: ``compression_type`` "ZLIB", "GZIP" or "" (unchanged)."""
    if compression_type not in ("", "ZLIB", "GZIP"):
        raise ValueError(f"decode_compressed: compression_type must be '', 'ZLIB' or 'GZIP', "
                         f"got {compression_type!r}")
    return _op("DecodeCompressed", [_strings(bytes, "bytes")],
               {"compression_type": compression_type}, name).outputs[0]


def serialize_tensor(tensor, name=None):
    """``tensor`` as a serialized TensorProto (a string scalar)."""
    return _op("SerializeTensor", [convert_to_tensor(tensor)], name=name).outputs[0]


def parse_tensor(serialized, out_type, name=None):
    """The tensor a serialized TensorProto holds; it must be of ``out_type``."""
    return _op("ParseTensor", [_strings(serialized, "serialized")],
               {"out_type": dtypes.as_dtype(out_type)}, name).outputs[0]


def _sparse_inputs(sp_input, what):
    if not isinstance(sp_input, SparseTensor):
        from tensorflux.ops.sparse_ops import SparseTensorValue
        if not isinstance(sp_input, SparseTensorValue):
            raise TypeError(f"{what} needs a SparseTensor, got {type(sp_input).__name__}")
        sp_input = SparseTensor(sp_input.indices, sp_input.values, sp_input.dense_shape)
    return [sp_input.indices, sp_input.values, sp_input.dense_shape]


def _check_out_type(out_type, what):
    if dtypes.as_dtype(out_type) != dtypes.string:
        raise TypeError(f"{what}: only out_type=tf.string is supported (tf.variant holds "
                        f"TensorFlow runtime objects), got {dtypes.as_dtype(out_type).name}")


def serialize_sparse(sp_input, name=None, out_type=dtypes.string):
    """A SparseTensor as a [3] string vector: its serialized indices, values and shape."""
    _check_out_type(out_type, "serialize_sparse")
    return _op("SerializeSparse", _sparse_inputs(sp_input, "serialize_sparse"),
               name=name).outputs[0]


def serialize_many_sparse(sp_input, name=None, out_type=dtypes.string):
    """Each entry along the first dimension of a SparseTensor of rank >= 2, serialized as
    ``serialize_sparse`` does: an [N, 3] string matrix."""
    _check_out_type(out_type, "serialize_many_sparse")
    return _op("SerializeManySparse", _sparse_inputs(sp_input, "serialize_many_sparse"),
               name=name).outputs[0]


def deserialize_many_sparse(serialized_sparse, dtype, rank=None, name=None):
    """The SparseTensor batching N serialized SparseTensors of equal rank (a new first
    dimension; each other dimension the largest of the N shapes)."""
    serialized = _strings(serialized_sparse, "serialized_sparse")
    dims = serialized.shape.as_tuple()
    if dims is not None and (len(dims) != 2 or dims[1] not in (None, 3)):
        raise ValueError(f"deserialize_many_sparse: serialized_sparse must have shape [N, 3], "
                         f"got {serialized.shape}")
    with name_scope(name, "DeserializeManySparse", [serialized]):
        outs = _op("DeserializeManySparse", [serialized],
                   {"dtype": dtypes.as_dtype(dtype),
                    "rank": None if rank is None else int(rank)}).outputs
        return SparseTensor(*outs)


def decode_json_example(json_examples, name=None):
    """JSON ``tf.train.Example`` protos (protobuf's JSON mapping) as binary protos."""
    return _op("DecodeJSONExample", [_strings(json_examples, "json_examples")],
               name=name).outputs[0]
