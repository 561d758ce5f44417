"""The built-in op library: definitions, shape functions, gradients and wrappers.

Importing this package declares every op (``op_def.OPS``); the ``ops`` plugin registers
them. Backend-agnostic: kernels live in ``tensorflux.backends``.
"""
from tensorflux.ops import (array_ops, clip_ops, constant_op, control_flow_ops, conv_ops,  # noqa: F401
                            gradients, init_ops, learning_rate, math_ops, metrics, nn_ops,
                            optimizers,
                            random_ops, state_ops, summary_ops, training_ops, variable_scope,
                            variables)
