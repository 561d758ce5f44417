"""``tf.losses``."""
from tensorflux.ops.losses import (Reduction, add_loss, compute_weighted_loss, get_losses,  # noqa: F401
                                   get_regularization_loss, get_regularization_losses,
                                   get_total_loss, log_loss, mean_squared_error,
                                   sigmoid_cross_entropy, softmax_cross_entropy,
                                   sparse_softmax_cross_entropy)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
