"""The built-in op library: definitions, shape functions, gradients and wrappers.

Importing this package declares every op (``op_def.OPS``); the ``ops`` plugin registers
them. Backend-agnostic: kernels live in ``tensorflux.backends``.
"""
from tensorflux.ops import (array_ops, constant_op, control_flow_ops, init_ops,  # noqa: F401
                            math_ops, random_ops, state_ops, variable_scope, variables)
