"""``tf.strings``: string ops on tensors of bytes (run on the host, as TF's)."""
from tensorflux.ops.string_ops import (as_string, format, join, length, lower, ngrams,  # noqa: F401,A004
                                       reduce_join, regex_full_match, regex_replace, strip,
                                       substr, to_hash_bucket_strong, to_number, unicode_encode,
                                       unicode_transcode, unsorted_segment_join, upper)
from tensorflux.ops.string_extra_ops import split, to_hash_bucket, to_hash_bucket_fast  # noqa: F401,E402
from tensorflux.ops.unicode_ops import (bytes_split, unicode_decode,  # noqa: F401,E402
                                        unicode_decode_with_offsets, unicode_split,
                                        unicode_split_with_offsets)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
