"""``tf.losses``."""
from tensorflux.ops.losses import (Reduction, absolute_difference, add_loss,  # noqa: F401
                                   compute_weighted_loss, cosine_distance, get_losses,
                                   get_regularization_loss, get_regularization_losses,
                                   get_total_loss, hinge_loss, huber_loss, log_loss,
                                   mean_pairwise_squared_error, mean_squared_error,
                                   sigmoid_cross_entropy, softmax_cross_entropy,
                                   sparse_softmax_cross_entropy)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
