"""``tf.queue``: the queue classes."""
from tensorflux.ops.data_flow_ops import (FIFOQueue, PaddingFIFOQueue, QueueBase,  # noqa: F401
                                          RandomShuffleQueue)
