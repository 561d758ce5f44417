"""``tf.summary``: summary ops and the FileWriter for TensorBoard.

The protocol buffer classes (Event, Summary, ...) come from the tensorboard package,
imported when first used."""
from tensorflux.ops.summary_extras import audio, get_summary_description, tensor_summary  # noqa: F401
from tensorflux.ops.summary_ops import histogram, image, merge, merge_all, scalar, text  # noqa: F401
from tensorflux.serialization.summary_writer import FileWriter, SessionLog  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, lazy={
    "FileWriterCache": "tensorflux.serialization.writer_cache:FileWriterCache",
    "Event": "tensorboard.compat.proto.event_pb2:Event",
    "TaggedRunMetadata": "tensorboard.compat.proto.event_pb2:TaggedRunMetadata",
    "Summary": "tensorboard.compat.proto.summary_pb2:Summary",
    "SummaryDescription": "tensorboard.compat.proto.summary_pb2:SummaryDescription"})
