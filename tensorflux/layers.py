"""``tf.layers``: functional layers and the layer classes."""
from tensorflux.ops.conv_layers import (average_pooling2d, conv2d, conv2d_transpose,  # noqa: F401
                                        max_pooling2d)
from tensorflux.ops.conv_layers_nd import (average_pooling1d, average_pooling3d, conv1d,  # noqa: F401
                                           conv3d, conv3d_transpose, max_pooling1d,
                                           max_pooling3d, separable_conv1d, separable_conv2d)
from tensorflux.ops.conv_layer_classes import (AveragePooling1D, AveragePooling2D,  # noqa: F401
                                               AveragePooling3D, Conv1D, Conv2D,
                                               Conv2DTranspose, Conv3D, Conv3DTranspose,
                                               MaxPooling1D, MaxPooling2D, MaxPooling3D,
                                               SeparableConv1D, SeparableConv2D)
from tensorflux.ops.layer_classes import (BatchNormalization, Dense, Dropout, Flatten,  # noqa: F401
                                          InputSpec, Layer)
from tensorflux.ops.layers import batch_normalization, dense, dropout, flatten  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
