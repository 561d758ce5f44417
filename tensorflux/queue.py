"""``tf.queue``: the queue classes."""
from tensorflux.ops.data_flow_ops import (FIFOQueue, PaddingFIFOQueue, PriorityQueue,  # noqa: F401
                                          QueueBase, RandomShuffleQueue)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
