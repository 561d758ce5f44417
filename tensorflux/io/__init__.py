"""``tf.io``: TFRecord files, Example parsing, decoding, queues and ``tf.io.gfile``."""
from tensorflux.io import gfile  # noqa: F401
from tensorflux.serialization.tfrecord import (TFRecordCompressionType, TFRecordOptions,  # noqa: F401
                                               TFRecordWriter, tf_record_iterator)
from tensorflux.ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature,  # noqa: F401
                                        SparseFeature, VarLenFeature, decode_csv, decode_raw,
                                        parse_example, parse_single_example)
from tensorflux.ops.sequence_parsing import (parse_sequence_example,  # noqa: F401
                                             parse_single_sequence_example)
from tensorflux.ops.data_flow_ops import (PaddingFIFOQueue, PriorityQueue,  # noqa: F401
                                          QueueBase, RandomShuffleQueue)
from tensorflux.ops.io_ops import (match_filenames_once, matching_files, read_file,  # noqa: F401
                                   write_file)
from tensorflux.ops.encoding_ops import (decode_base64, decode_compressed,  # noqa: F401
                                         decode_json_example, deserialize_many_sparse,
                                         encode_base64, parse_tensor, serialize_many_sparse,
                                         serialize_sparse, serialize_tensor)
from tensorflux.ops.image_codecs import (decode_and_crop_jpeg, decode_bmp, decode_gif,  # noqa: F401
                                         decode_image, decode_jpeg, decode_png, decode_webp,
                                         encode_jpeg, encode_png, extract_jpeg_shape, is_jpeg)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

# tf.io.write_graph writes TensorFlow's GraphDef protos: imported when first used.
__getattr__ = _namespace_getattr(__name__, lazy={
    "write_graph": "tensorflux.interop.graph_util:write_graph"})
