"""Dead-op removal: after the other passes, drop pure ops whose outputs nothing reads
(no op of the plan, no fetch) and that nothing waits for. An unfed placeholder stays:
running the plan still says it must be fed, even when folding took its readers."""
from __future__ import annotations

from tensorflux.optimizer.program import is_pure


def remove_dead_ops(program):
    waited = program.waited_for()
    needed = set(program.fetched)
    kept = []
    for op in reversed(program.ops):
        if (is_pure(op) and op._id not in waited and op._type != "Placeholder"
                and not any(t in needed for t in op._outputs)):
            continue
        kept.append(op)
        needed.update(op._inputs)
    kept.reverse()
    program.ops = kept
