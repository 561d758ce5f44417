"""``tf.contrib.layers``: fully_connected, batch_norm, dropout, regularizers and
initializers, with contrib's defaults."""
from tensorflux.contrib.layers.initializers import (variance_scaling_initializer,  # noqa: F401
                                                    xavier_initializer,
                                                    xavier_initializer_conv2d)
from tensorflux.contrib.layers.layers import batch_norm, dropout, fully_connected  # noqa: F401
from tensorflux.contrib.layers.regularizers import (l1_l2_regularizer,  # noqa: F401
                                                    l1_regularizer, l2_regularizer)
