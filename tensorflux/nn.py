"""``tf.nn``: activations, softmax and cross entropies, dropout, convolution, pooling, LRN,
RNN cells and static and dynamic RNNs, embeddings and sampled losses."""
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
from tensorflux import rnn_cell  # noqa: F401
from tensorflux.ops.candidate_sampling_ops import (compute_accidental_hits,  # noqa: F401
                                                   fixed_unigram_candidate_sampler,
                                                   log_uniform_candidate_sampler,
                                                   uniform_candidate_sampler)
from tensorflux.ops.embedding_ops import embedding_lookup  # noqa: F401
from tensorflux.ops.rnn import (bidirectional_dynamic_rnn, dynamic_rnn,  # noqa: F401
                                static_bidirectional_rnn, static_rnn)
from tensorflux.ops.sampled_losses import nce_loss, sampled_softmax_loss  # noqa: F401
from tensorflux.ops.nn_impl_ops import (batch_norm_with_global_normalization,  # noqa: F401,E402
                                        compute_average_loss, fused_batch_norm, log_poisson_loss,
                                        normalize_moments, relu_layer, scale_regularization_loss,
                                        silu, sufficient_statistics, swish,
                                        weighted_cross_entropy_with_logits, weighted_moments,
                                        xw_plus_b)
from tensorflux.ops.reduction_ops import approx_max_k, approx_min_k, zero_fraction  # noqa: F401,E402
from tensorflux.ops.manip_ops import depth_to_space, space_to_batch, space_to_depth  # noqa: F401,E402

from tensorflux.ops.conv3d_ops import (avg_pool3d, conv3d, conv3d_backprop_filter,  # noqa: F401,E402
                                       conv3d_transpose, max_pool3d)
from tensorflux.ops.conv3d_ops import conv3d_backprop_filter as conv3d_backprop_filter_v2  # noqa: F401,E402
from tensorflux.ops.conv_nd_api import (atrous_conv2d_transpose, avg_pool1d, avg_pool2d,  # noqa: F401,E402
                                        avg_pool_v2, conv1d, conv1d_transpose,
                                        conv2d_backprop_filter, conv2d_backprop_input,
                                        conv_transpose, convolution,
                                        depthwise_conv2d_backprop_filter,
                                        depthwise_conv2d_backprop_input, max_pool1d, max_pool2d,
                                        max_pool_v2, pool, separable_conv2d, with_space_to_batch)
from tensorflux.ops.conv_nd_api import (  # noqa: F401,E402
    depthwise_conv2d_backprop_filter as depthwise_conv2d_native_backprop_filter,
    depthwise_conv2d_backprop_input as depthwise_conv2d_native_backprop_input)
from tensorflux.ops.candidate_sampling_ops import (all_candidate_sampler,  # noqa: F401,E402
                                                   learned_unigram_candidate_sampler)
from tensorflux.ops.embedding_sparse_ops import (embedding_lookup_sparse,  # noqa: F401,E402
                                                 safe_embedding_lookup_sparse)
from tensorflux.ops.morphology_ops import (dilation2d, erosion2d,  # noqa: F401,E402
                                           max_pool_with_argmax)
from tensorflux.ops.rnn_extra import raw_rnn, static_state_saving_rnn  # noqa: F401,E402
from tensorflux.ops.ctc_ops import (collapse_repeated, ctc_beam_search_decoder,  # noqa: F401,E402
                                    ctc_beam_search_decoder_v2, ctc_greedy_decoder, ctc_loss,
                                    ctc_loss_v2, ctc_unique_labels)
from tensorflux import nn_experimental as experimental  # noqa: F401,E402

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
