"""``tf.layers``: functional layers."""
from tensorflux.ops.conv_layers import (average_pooling2d, conv2d, conv2d_transpose,  # noqa: F401
                                        max_pooling2d)
from tensorflux.ops.layers import batch_normalization, dense, dropout, flatten  # noqa: F401
