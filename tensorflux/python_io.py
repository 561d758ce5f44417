"""``tf.python_io``: writing and reading TFRecord files."""
from tensorflux.serialization.tfrecord import (TFRecordCompressionType, TFRecordOptions,  # noqa: F401
                                               TFRecordWriter, tf_record_iterator)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
