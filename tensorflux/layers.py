"""``tf.layers``: functional layers and the layer classes."""
from tensorflux.ops.conv_layers import (average_pooling2d, conv2d, conv2d_transpose,  # noqa: F401
                                        max_pooling2d)
from tensorflux.ops.layer_classes import (BatchNormalization, Dense, Dropout, Flatten,  # noqa: F401
                                          InputSpec, Layer)
from tensorflux.ops.layers import batch_normalization, dense, dropout, flatten  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
