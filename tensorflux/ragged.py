"""``tf.ragged``: ragged constants, their fetched values and row-partition helpers."""
from tensorflux.ops.ragged_tensor import (RaggedTensorValue, constant,  # noqa: F401
                                          row_splits_to_segment_ids, segment_ids_to_row_splits)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
