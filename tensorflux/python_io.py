"""``tf.python_io``: writing and reading TFRecord files."""
from tensorflux.serialization.tfrecord import (TFRecordCompressionType, TFRecordOptions,  # noqa: F401
                                               TFRecordWriter, tf_record_iterator)
