"""``tf.layers``: functional layers and the layer classes."""
from tensorflux.ops.layer_classes import (BatchNormalization, Dense, Dropout, Flatten,  # noqa: F401
                                          InputSpec, Layer)
from tensorflux.ops.layers import (average_pooling2d, batch_normalization, conv2d, dense,  # noqa: F401
                                   dropout, flatten, max_pooling2d)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
