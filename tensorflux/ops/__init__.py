"""The built-in op library: definitions, shape functions, gradients and wrappers.

Importing this package declares every op (``op_def.OPS``); the ``ops`` plugin registers
them. Backend-agnostic: kernels live in ``tensorflux.backends``.
"""
from tensorflux.ops import (array_ops, clip_ops, constant_op, control_flow_ops,  # noqa: F401
                            data_flow_ops, gradients, init_ops, io_ops, learning_rate,
                            math_ops, metrics, nn_ops, optimizers, parsing_ops, random_ops,
                            sparse_ops, state_ops, summary_ops, training_ops, variable_scope,
                            variables)
