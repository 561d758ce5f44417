"""The built-in op library: definitions, shape functions, gradients and wrappers.

Importing this package declares every op (``op_def.OPS``); the ``ops`` plugin registers
them. Backend-agnostic: kernels live in ``tensorflux.backends``.
"""
from tensorflux.ops import (array_ops, clip_ops, cond, constant_op,  # noqa: F401
                            control_flow_ops, debug_ops, functional_ops, gradients, init_ops,
                            learning_rate, math_ops, metrics, nn_ops, optimizers, random_ops,
                            script_ops, state_ops, summary_ops, tensor_array_ops,
                            training_ops, variable_scope, variables, while_loop)
from tensorflux.ops import (candidate_sampling_ops, scatter_ops, segment_ops,  # noqa: F401
                            sequence_ops)
from tensorflux.interop import tf_only_ops  # noqa: F401,E402 - ops of imported TF graphs
