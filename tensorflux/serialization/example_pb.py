"""TensorFlow's ``Example`` protocol buffers (``tf.train.Example`` and friends).

The tensorboard package ships no ``example_pb2``, so the two files TensorFlow compiles
(``tensorflow/core/example/feature.proto`` and ``example.proto``) are declared here with
protobuf's descriptor API: same package, message names, field numbers and types, so the
bytes are TensorFlow's and ``Example``s round-trip between the two. They live in a
private descriptor pool, so importing TensorFlow in the same process cannot clash.
"""
from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool

_F = descriptor_pb2.FieldDescriptorProto
_REPEATED, _OPTIONAL = _F.LABEL_REPEATED, _F.LABEL_OPTIONAL


def _message(file, name, fields, nested=(), oneof=None, map_entry=False):
    """Add a message: ``fields`` are (name, number, type, label, type_name, packed)."""
    msg = (file.message_type.add() if isinstance(file, descriptor_pb2.FileDescriptorProto)
           else file.nested_type.add())
    msg.name = name
    if oneof:
        msg.oneof_decl.add().name = oneof
    for fname, number, ftype, label, type_name, packed in fields:
        f = msg.field.add(name=fname, number=number, type=ftype, label=label)
        if type_name:
            f.type_name = type_name
        if packed:
            f.options.packed = True
        if oneof:
            f.oneof_index = 0
    for args in nested:
        _message(msg, *args, map_entry=True)
    if map_entry:
        msg.options.map_entry = True
    return msg


def _map_entry(entry_name, value_type):
    return (entry_name, [("key", 1, _F.TYPE_STRING, _OPTIONAL, None, False),
                         ("value", 2, _F.TYPE_MESSAGE, _OPTIONAL, value_type, False)])


def _file_descriptors():
    feature = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/feature.proto", package="tensorflow", syntax="proto3")
    _message(feature, "BytesList", [("value", 1, _F.TYPE_BYTES, _REPEATED, None, False)])
    _message(feature, "FloatList", [("value", 1, _F.TYPE_FLOAT, _REPEATED, None, True)])
    _message(feature, "Int64List", [("value", 1, _F.TYPE_INT64, _REPEATED, None, True)])
    _message(feature, "Feature", [
        ("bytes_list", 1, _F.TYPE_MESSAGE, _OPTIONAL, ".tensorflow.BytesList", False),
        ("float_list", 2, _F.TYPE_MESSAGE, _OPTIONAL, ".tensorflow.FloatList", False),
        ("int64_list", 3, _F.TYPE_MESSAGE, _OPTIONAL, ".tensorflow.Int64List", False)],
        oneof="kind")
    _message(feature, "Features", [
        ("feature", 1, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.Features.FeatureEntry", False)],
        nested=[_map_entry("FeatureEntry", ".tensorflow.Feature")])
    _message(feature, "FeatureList", [
        ("feature", 1, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.Feature", False)])
    _message(feature, "FeatureLists", [
        ("feature_list", 1, _F.TYPE_MESSAGE, _REPEATED,
         ".tensorflow.FeatureLists.FeatureListEntry", False)],
        nested=[_map_entry("FeatureListEntry", ".tensorflow.FeatureList")])

    example = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/example.proto", package="tensorflow", syntax="proto3",
        dependency=[feature.name])
    _message(example, "Example", [
        ("features", 1, _F.TYPE_MESSAGE, _OPTIONAL, ".tensorflow.Features", False)])
    _message(example, "SequenceExample", [
        ("context", 1, _F.TYPE_MESSAGE, _OPTIONAL, ".tensorflow.Features", False),
        ("feature_lists", 2, _F.TYPE_MESSAGE, _OPTIONAL, ".tensorflow.FeatureLists", False)])
    return feature, example


def _message_classes():
    pool = descriptor_pool.DescriptorPool()
    for fd in _file_descriptors():
        pool.Add(fd)
    try:
        from google.protobuf.message_factory import GetMessageClass
    except ImportError:  # protobuf < 4.22
        from google.protobuf.message_factory import MessageFactory
        GetMessageClass = MessageFactory(pool).GetPrototype  # noqa: N806
    names = ("BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
             "FeatureLists", "Example", "SequenceExample")
    return {n: GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{n}")) for n in names}


_CLASSES = _message_classes()
BytesList = _CLASSES["BytesList"]
FloatList = _CLASSES["FloatList"]
Int64List = _CLASSES["Int64List"]
Feature = _CLASSES["Feature"]
Features = _CLASSES["Features"]
FeatureList = _CLASSES["FeatureList"]
FeatureLists = _CLASSES["FeatureLists"]
Example = _CLASSES["Example"]
SequenceExample = _CLASSES["SequenceExample"]
