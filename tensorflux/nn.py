"""``tf.nn``: activations, softmax and cross entropies, dropout, convolution, pooling."""
from tensorflux.ops.math_ops import sigmoid, tanh  # noqa: F401
from tensorflux.ops.nn_ops import (avg_pool, batch_normalization, bias_add, conv2d, crelu,  # noqa: F401
                                   dropout, elu, in_top_k, l2_loss, l2_normalize, leaky_relu,
                                   log_softmax, max_pool, moments, relu, relu6, selu,
                                   sigmoid_cross_entropy_with_logits, softmax,
                                   softmax_cross_entropy_with_logits,
                                   softmax_cross_entropy_with_logits_v2, softplus, softsign,
                                   sparse_softmax_cross_entropy_with_logits, top_k)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
