"""``tf.nn``: activations, softmax and cross entropies, dropout, convolution, pooling, LRN."""
from tensorflux.ops.math_ops import sigmoid, tanh  # noqa: F401
from tensorflux.ops.conv_ops import (atrous_conv2d, avg_pool, conv2d, conv2d_transpose,  # noqa: F401
                                     depthwise_conv2d, depthwise_conv2d_native, local_response_normalization,
                                     lrn, max_pool)
from tensorflux.ops.nn_ops import (batch_normalization, bias_add, crelu,  # noqa: F401
                                   dropout, elu, in_top_k, l2_loss, l2_normalize, leaky_relu,
                                   log_softmax, moments, relu, relu6, selu,
                                   sigmoid_cross_entropy_with_logits, softmax,
                                   softmax_cross_entropy_with_logits,
                                   softmax_cross_entropy_with_logits_v2, softplus, softsign,
                                   sparse_softmax_cross_entropy_with_logits, top_k)
