"""Graph passes run once when a run signature is compiled, between pruning and code
generation (see docs/graph-optimizer.md).

Each pass takes the signature's op list (``Program``) and rewrites it; the user's graph
never changes. In order: constant folding, arithmetic simplification, common
subexpression elimination, dead-op removal, fusion and memory planning (with gradient
descent folded into the weight gradients' products). Which of them
run follows the session's ``ConfigProto.graph_options`` (``config.enabled_passes``).
"""
from __future__ import annotations

from tensorflux.optimizer.config import max_folded_bytes
from tensorflux.optimizer.cse import eliminate_common_subexpressions
from tensorflux.optimizer.fold import fold_constants
from tensorflux.optimizer.fuse import fuse_ops, fuse_xent_gradients
from tensorflux.optimizer.memory import plan_memory
from tensorflux.optimizer.program import Program
from tensorflux.optimizer.prune import remove_dead_ops
from tensorflux.optimizer.simplify import simplify_arithmetic
from tensorflux.optimizer.updates import fold_updates_into_products


def optimize(session, ops, fetches, fed, passes) -> list:
    """The op list to compile for ``fetches`` with ``fed`` tensors, after ``passes``."""
    program = Program(session, ops, fetches, fed)
    if "constant_folding" in passes:
        fold_constants(program, max_folded_bytes(session._config))
    if "arithmetic" in passes:
        simplify_arithmetic(program)
    if "cse" in passes:
        eliminate_common_subexpressions(program)
    if "pruning" in passes:
        remove_dead_ops(program)
    if "fusion" in passes:
        fuse_xent_gradients(program)
        fuse_ops(program)
    if "memory" in passes:
        fold_updates_into_products(program)
        plan_memory(program)
    return program.ops
