"""Host kernels of ``tensorflux.ops.encoding_ops``: base64, decompression, TensorProto
serialization of dense and sparse tensors, and JSON Examples."""
from __future__ import annotations

import base64
import re
import zlib

import numpy as np

from tensorflux.core import dtypes, errors


def _bad(op, message):
    return errors.InvalidArgumentError(None, op, message)


def _elementwise(fn):
    """A kernel applying ``fn(op, bytes) -> bytes`` to every string of its input."""
    def builder(op, ctx):
        def run(values):
            out = np.empty(values.shape, dtype=object)
            flat, target = values.reshape(-1), out.reshape(-1)
            for i, value in enumerate(flat):
                target[i] = fn(op, value if isinstance(value, bytes) else str(value).encode())
            return out
        return run
    return builder


def _encode_base64(op, data):
    encoded = base64.urlsafe_b64encode(data)
    return encoded if op.attrs["pad"] else encoded.rstrip(b"=")


_URL_SAFE = re.compile(rb"[A-Za-z0-9_-]*")


def _decode_base64(op, data):
    stripped = data.rstrip(b"=")
    if not _URL_SAFE.fullmatch(stripped):
        raise _bad(op, f"Invalid character found in base64 input {data[:40]!r}")
    if len(stripped) % 4 == 1:
        raise _bad(op, f"Invalid length {len(data)} of base64 input {data[:40]!r}")
    return base64.urlsafe_b64decode(stripped + b"=" * (-len(stripped) % 4))


_WBITS = {"ZLIB": 15, "GZIP": 31}


def _decompress(op, data):
    kind = op.attrs["compression_type"]
    if not kind:
        return data
    try:
        return zlib.decompress(data, _WBITS[kind])
    except zlib.error as exc:
        raise errors.DataLossError(None, op, f"{kind} data is corrupt: {exc}") from None


def _protos():
    from tensorflux.interop import protos
    return protos


def _serialize(value):
    return _protos().tensor_proto(value).SerializeToString()


def _parse(op, data, what="TensorProto"):
    protos = _protos()
    proto = protos.tensor_pb2().TensorProto()
    try:
        proto.ParseFromString(bytes(data))
        return protos.tensor_from_proto(proto, what), protos.from_tf_enum(proto.dtype)
    except Exception as exc:  # noqa: BLE001 - any malformed proto is the caller's bad input
        raise _bad(op, f"Could not parse `serialized` as TensorProto: {exc}") from None


def _serialize_tensor(op, ctx):
    return lambda value: np.array(_serialize(value), dtype=object)


def _parse_tensor(op, ctx):
    want = op.attrs["out_type"]

    def run(serialized):
        value, dtype = _parse(op, serialized[()] if isinstance(serialized, np.ndarray)
                              else serialized)
        if dtype != want:
            raise _bad(op, f"Type mismatch between parsed tensor ({dtype.name}) and dtype "
                           f"({want.name})")
        return value
    return run


def _serialize_sparse(op, ctx):
    def run(indices, values, shape):
        return np.array([_serialize(indices), _serialize(values), _serialize(shape)], object)
    return run


def _serialize_many_sparse(op, ctx):
    def run(indices, values, shape):
        if shape.size < 2:
            raise _bad(op, f"SerializeManySparse needs a SparseTensor of rank >= 2, got dense "
                           f"shape {shape.tolist()}")
        rows = indices[:, 0]
        out = np.empty((int(shape[0]), 3), dtype=object)
        rest = shape[1:]
        for i in range(int(shape[0])):
            mine = rows == i
            out[i] = [_serialize(indices[mine, 1:]), _serialize(values[mine]), _serialize(rest)]
        return out
    return run


def _deserialize_many_sparse(op, ctx):
    dtype, rank = op.attrs["dtype"], op.attrs["rank"]

    def run(serialized):
        if serialized.ndim != 2 or serialized.shape[1] != 3:
            raise _bad(op, f"Serialized sparse should be a matrix of shape [N, 3], got "
                           f"{list(serialized.shape)}")
        parts, shapes = [], []
        for i, (ind, val, shp) in enumerate(serialized):
            indices, _ = _parse(op, ind)
            values, got = _parse(op, val)
            shape, _ = _parse(op, shp)
            if got != dtype:
                raise _bad(op, f"Requested SparseTensor of type {dtype.name} but SparseTensor[{i}]"
                               f".values.dtype() == {got.name}")
            if shapes and len(shape) != len(shapes[0]):
                raise _bad(op, f"Inconsistent rank across SparseTensors: rank prior to "
                               f"SparseTensor[{i}] was: {len(shapes[0])} but rank of "
                               f"SparseTensor[{i}] is: {len(shape)}")
            batch = np.full((len(indices), 1), i, np.int64)
            parts.append((np.concatenate([batch, indices.reshape(len(indices), -1)], 1), values))
            shapes.append(shape)
        if rank is not None and shapes and len(shapes[0]) + 1 != rank:
            raise _bad(op, f"Expected rank {rank} but the SparseTensors give rank "
                           f"{len(shapes[0]) + 1}")
        width = (len(shapes[0]) if shapes else (rank or 1) - 1) + 1
        indices = (np.concatenate([p[0] for p in parts]) if parts
                   else np.zeros((0, width), np.int64))
        empty = np.empty(0, object) if dtype == dtypes.string else np.empty(0, dtype.np_dtype)
        values = np.concatenate([p[1] for p in parts]) if parts else empty
        dense = np.concatenate([[len(shapes)], np.max(shapes, axis=0) if shapes
                                else np.zeros(width - 1, np.int64)]).astype(np.int64)
        order = np.lexsort(indices.T[::-1]) if len(indices) else np.arange(0)
        return indices[order], values[order], dense
    return run


def _decode_json_example(op, data):
    from google.protobuf import json_format

    from tensorflux.serialization.example_pb import Example
    try:
        return json_format.Parse(data.decode("utf-8"), Example()).SerializeToString()
    except (json_format.ParseError, UnicodeDecodeError) as exc:
        raise _bad(op, f"Error while parsing JSON: {exc}") from None


KERNELS = {"EncodeBase64": _elementwise(_encode_base64),
           "DecodeBase64": _elementwise(_decode_base64),
           "DecodeCompressed": _elementwise(_decompress),
           "SerializeTensor": _serialize_tensor, "ParseTensor": _parse_tensor,
           "SerializeSparse": _serialize_sparse, "SerializeManySparse": _serialize_many_sparse,
           "DeserializeManySparse": _deserialize_many_sparse,
           "DecodeJSONExample": _elementwise(_decode_json_example)}
