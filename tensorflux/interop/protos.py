"""TensorFlow's protocol buffer classes, and the mapping of its dtypes onto ours.

Most classes come from the ``tensorboard`` package's compat protos (``GraphDef``,
``NodeDef``, ``MetaGraphDef``, ``SaverDef``, ``TensorProto`` ...). Three messages it does
not ship are declared here at run time from their field numbers in TensorFlow's
``tensor_bundle.proto`` and ``saved_model.proto`` (``BundleHeaderProto``,
``BundleEntryProto``, ``SavedModel``), with protobuf's descriptor classes, so that the
protobuf library does all the encoding. Everything is imported when first used:
``import tensorflux`` stays fast.
"""
from __future__ import annotations

import functools

import numpy as np

from tensorflux.core import dtypes

# TensorFlow's DataType enum (types.proto) for the dtypes tensorflux has.
TF_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
           "string": 7, "complex64": 8, "int64": 9, "bool": 10, "uint16": 17,
           "complex128": 18, "float16": 19, "variant": 21, "uint32": 22, "uint64": 23}
_BY_ENUM = {v: k for k, v in TF_ENUM.items()}
_REF_OFFSET = 100  # DT_FLOAT_REF = 101: the dtype of a reference variable's output


def to_tf_enum(dtype) -> int:
    """The TensorFlow DataType enum value of a tensorflux dtype."""
    dtype = dtypes.as_dtype(dtype)
    try:
        return TF_ENUM[dtype.name]
    except KeyError:
        raise TypeError(f"dtype {dtype.name} has no TensorFlow DataType") from None


def from_tf_enum(value: int, where: str = "") -> dtypes.DType:
    """The tensorflux dtype of a TensorFlow DataType enum value (reference types too)."""
    name = _BY_ENUM.get(value - _REF_OFFSET if value > _REF_OFFSET else value)
    if name is None:
        raise TypeError(f"{where}TensorFlow dtype {value} ({_enum_name(value)}) is not "
                        f"supported by tensorflux")
    return dtypes.as_dtype(name)


def _enum_name(value):
    try:
        return types_pb2().DataType.Name(value)
    except ValueError:
        return "unknown"


def _compat(name):
    import importlib
    return importlib.import_module(f"tensorboard.compat.proto.{name}")


def graph_pb2():
    return _compat("graph_pb2")


def node_def_pb2():
    return _compat("node_def_pb2")


def attr_value_pb2():
    return _compat("attr_value_pb2")


def tensor_pb2():
    return _compat("tensor_pb2")


def tensor_shape_pb2():
    return _compat("tensor_shape_pb2")


def types_pb2():
    return _compat("types_pb2")


def meta_graph_pb2():
    return _compat("meta_graph_pb2")


def saver_pb2():
    return _compat("saver_pb2")


def function_pb2():
    return _compat("function_pb2")


def text_format():
    from google.protobuf import text_format as tf_text
    return tf_text


def read_proto_file(path, message, what):
    """Parse the file at ``path`` into ``message`` (text format for ``.pbtxt`` / ``.txt``);
    NotFoundError if it is missing, GraphFormatError (a ValueError) naming it if it is not
    a ``what``."""
    import os

    from tensorflux.core import errors
    from tensorflux.serialization.graph_format import GraphFormatError
    if not os.path.isfile(path):
        raise errors.NotFoundError(None, None, f"{what} file {path!r} does not exist")
    with open(path, "rb") as f:
        data = f.read()
    try:
        if path.endswith((".pbtxt", ".txt")):
            text_format().Parse(data.decode("utf-8"), message)
        else:
            message.ParseFromString(data)
    except Exception as exc:
        raise GraphFormatError(f"{path!r} is not a {what} (truncated or corrupt?): "
                               f"{type(exc).__name__}: {exc}") from None
    return message


# --- messages tensorboard does not ship ----------------------------------------------------
@functools.lru_cache(maxsize=None)
def _extra_messages():
    """BundleHeaderProto, BundleEntryProto (tensor_bundle.proto) and SavedModel
    (saved_model.proto), declared from their field numbers in TensorFlow's .proto files."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    shape, versions, meta = (_compat("tensor_shape_pb2"), _compat("versions_pb2"),
                             _compat("meta_graph_pb2"))
    _compat("types_pb2")
    pool = descriptor_pool.Default()
    f = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="tensorflux/tensor_bundle_and_saved_model.proto", package="tensorflux_tf",
        syntax="proto3",
        dependency=[shape.DESCRIPTOR.name, versions.DESCRIPTOR.name, meta.DESCRIPTOR.name,
                    _compat("types_pb2").DESCRIPTOR.name])

    def message(name, fields):
        msg = proto.message_type.add(name=name)
        for number, (field_name, kind, type_name, label) in enumerate(fields, 1):
            field = msg.field.add(name=field_name, number=number, type=kind,
                                  label=label or f.LABEL_OPTIONAL)
            if type_name:
                field.type_name = type_name
        return msg

    header = message("BundleHeaderProto", [
        ("num_shards", f.TYPE_INT32, None, None),
        ("endianness", f.TYPE_INT32, None, None),  # enum Endianness {LITTLE = 0; BIG = 1}
        ("version", f.TYPE_MESSAGE, ".tensorboard.VersionDef", None)])
    del header
    message("BundleEntryProto", [
        ("dtype", f.TYPE_ENUM, ".tensorboard.DataType", None),
        ("shape", f.TYPE_MESSAGE, ".tensorboard.TensorShapeProto", None),
        ("shard_id", f.TYPE_INT32, None, None),
        ("offset", f.TYPE_INT64, None, None),
        ("size", f.TYPE_INT64, None, None),
        ("crc32c", f.TYPE_FIXED32, None, None),
        # 7: repeated TensorSliceProto (partitioned variables), kept as raw messages: only
        # whether there are any matters (tensorflux does not read sliced tensors).
        ("slices", f.TYPE_BYTES, None, f.LABEL_REPEATED)])
    message("SavedModel", [
        ("saved_model_schema_version", f.TYPE_INT64, None, None),
        ("meta_graphs", f.TYPE_MESSAGE, ".tensorboard.MetaGraphDef", f.LABEL_REPEATED)])
    try:
        file_desc = pool.Add(proto)
    except TypeError:  # already added by an earlier import of this module
        file_desc = pool.FindFileByName(proto.name)
    if not hasattr(file_desc, "message_types_by_name"):
        file_desc = pool.FindFileByName(proto.name)
    get = getattr(message_factory, "GetMessageClass", None)
    classes = {}
    for name in ("BundleHeaderProto", "BundleEntryProto", "SavedModel"):
        desc = file_desc.message_types_by_name[name]
        classes[name] = get(desc) if get else message_factory.MessageFactory(pool).GetPrototype(desc)
    return classes


def BundleHeaderProto(**kw):  # noqa: N802 - the message's name
    return _extra_messages()["BundleHeaderProto"](**kw)


def BundleEntryProto(**kw):  # noqa: N802
    return _extra_messages()["BundleEntryProto"](**kw)


def SavedModel(**kw):  # noqa: N802
    return _extra_messages()["SavedModel"](**kw)


# --- TensorProto <-> NumPy -----------------------------------------------------------------
def shape_proto(shape):
    """A TensorShapeProto of a TensorShape, a list (None: unknown dim) or None (unknown rank)."""
    from tensorflux.core.shapes import TensorShape
    proto = tensor_shape_pb2().TensorShapeProto()
    if isinstance(shape, TensorShape):
        shape = shape.as_list() if shape.ndims is not None else None
    if shape is None:
        proto.unknown_rank = True
    else:
        for d in shape:
            proto.dim.add().size = -1 if d is None else int(d)
    return proto


def shape_from_proto(proto):
    """A TensorShape from a TensorShapeProto (-1 dims unknown)."""
    from tensorflux.core.shapes import TensorShape
    if proto.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in proto.dim])


_VALUE_FIELDS = {"float32": "float_val", "float64": "double_val", "int32": "int_val",
                 "uint8": "int_val", "int16": "int_val", "int8": "int_val",
                 "uint16": "int_val", "float16": "half_val", "int64": "int64_val",
                 "bool": "bool_val", "complex64": "scomplex_val",
                 "complex128": "dcomplex_val", "string": "string_val",
                 "uint32": "uint32_val", "uint64": "uint64_val"}
# The largest tensor a TensorProto may describe, in elements: bounds what a file can make
# us allocate (a GraphDef's constants are checked against their own bytes below).
MAX_ELEMENTS = 1 << 31


def tensor_proto(value, dtype=None):
    """A TensorProto holding ``value`` (tensor_content for numbers, string_val for text)."""
    arr = np.asarray(value) if dtype is None else np.asarray(value, dtype=dtypes.as_dtype(dtype).np_dtype)
    tdtype = dtypes.as_dtype("string" if arr.dtype.kind in "OSU" else arr.dtype)
    proto = tensor_pb2().TensorProto(dtype=to_tf_enum(tdtype))
    proto.tensor_shape.CopyFrom(shape_proto(list(arr.shape)))
    if tdtype.name == "string":
        proto.string_val.extend(s if isinstance(s, bytes) else str(s).encode()
                                for s in arr.ravel().tolist())
    else:
        proto.tensor_content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return proto


def tensor_from_proto(proto, where="TensorProto"):
    """The NumPy array of a TensorProto. Values are checked against the shape: a proto
    cannot make us allocate more than its own contents (a scalar repeated to fill the
    shape excepted, as TensorFlow allows, up to MAX_ELEMENTS)."""
    dtype = from_tf_enum(proto.dtype, f"{where}: ")
    shape = [d.size for d in proto.tensor_shape.dim]
    if any(d < 0 for d in shape):
        raise ValueError(f"{where}: a constant needs a fully defined shape, got {shape}")
    count = int(np.prod(shape, dtype=np.float64)) if shape else 1
    if count > MAX_ELEMENTS:
        raise ValueError(f"{where}: tensor of shape {shape} is too large")
    if dtype.name == "string":
        values = list(proto.string_val)
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return _fill(arr, shape, count, where)
    np_dtype = np.dtype(dtype.np_dtype).newbyteorder("<")
    if proto.tensor_content:
        raw = proto.tensor_content
        if len(raw) != count * np_dtype.itemsize:
            raise ValueError(f"{where}: tensor_content holds {len(raw)} bytes; shape {shape} "
                             f"of {dtype.name} needs {count * np_dtype.itemsize}")
        return np.frombuffer(raw, dtype=np_dtype).astype(dtype.np_dtype).reshape(shape)
    field = _VALUE_FIELDS.get(dtype.name)
    if field is None:
        raise ValueError(f"{where}: constants of dtype {dtype.name} are not supported")
    values = list(getattr(proto, field))
    if dtype.name == "float16":
        arr = np.array(values, dtype=np.uint16).view(np.float16)
    elif dtype.name.startswith("complex"):
        flat = np.array(values, dtype=np.float64)
        arr = (flat[0::2] + 1j * flat[1::2]).astype(dtype.np_dtype)
    else:
        arr = np.array(values, dtype=dtype.np_dtype)
    return _fill(arr, shape, count, where)


def _fill(arr, shape, count, where):
    if arr.size == count:
        return arr.reshape(shape)
    if arr.size == 0:
        out = np.zeros(count, dtype=arr.dtype)
        if arr.dtype == object:
            out[:] = b""
        return out.reshape(shape)
    if arr.size > count:
        raise ValueError(f"{where}: {arr.size} values for shape {shape}")
    # TensorFlow repeats the last value to fill the shape.
    out = np.empty(count, dtype=arr.dtype)
    out[:arr.size] = arr
    out[arr.size:] = arr[-1]
    return out.reshape(shape)
