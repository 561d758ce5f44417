"""The built-in op library: definitions, shape functions, gradients and wrappers.

Importing this package declares every op (``op_def.OPS``); the ``ops`` plugin registers
them. Backend-agnostic: kernels live in ``tensorflux.backends``.
"""
from tensorflux.ops import (array_ops, check_ops, clip_ops, cond, constant_op,  # noqa: F401
                            control_flow_ops, conv_ops, data_flow_ops, debug_ops, elementwise_ops,
                            functional_ops, fused_ops, gradients, image_boxes, image_codecs, image_ops,
                            image_resize, init_ops, io_ops, learning_rate, linalg_ops,
                            logging_ops, manip_ops, math_ops, metrics, metrics_at_k, mpi_ops,
                            nn_impl_ops, nn_ops, optimizers, parsing_ops, random_dist_ops,
                            random_ops, reduction_ops, script_ops, segment_ops, sparse_ops,
                            spectral_ops, state_ops, string_ops, summary_extras, summary_ops,
                            tensor_array_ops, training_ops, variable_scope, variables,
                            while_loop)
from tensorflux.ops import candidate_sampling_ops  # noqa: F401
from tensorflux.ops import (accumulator_ops, audio_ops, checkpoint_ops,  # noqa: F401
                            custom_gradient, encoding_ops, sequence_parsing, session_ops)
from tensorflux.ops import (conv3d_ops, ctc_ops, morphology_ops, set_ops,  # noqa: F401
                            ragged_rows_ops, special_ops, sparse_extra_ops, string_extra_ops,
                            unicode_ops)
from tensorflux.ops import dataset_ops  # noqa: F401 - tf.data's iterator ops
from tensorflux.interop import tf_only_ops  # noqa: F401,E402 - ops of imported TF graphs
