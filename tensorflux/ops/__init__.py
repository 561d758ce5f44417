"""The built-in op library: definitions, shape functions, gradients and wrappers.

Importing this package declares every op (``op_def.OPS``); the ``ops`` plugin registers
them. Backend-agnostic: kernels live in ``tensorflux.backends``.
"""
from tensorflux.ops import (array_ops, check_ops, clip_ops, constant_op,  # noqa: F401
                            control_flow_ops, gradients, image_boxes, image_codecs, image_ops,
                            image_resize, init_ops, learning_rate, logging_ops, math_ops,
                            metrics, metrics_at_k, nn_ops, optimizers, random_ops, state_ops,
                            summary_extras, summary_ops, training_ops, variable_scope,
                            variables)
