"""The conformance kit: checks a backend, or a plugin's ops, op by op against the NumPy
backend, with one command::

    pytest --pyargs tensorflux.testing.conformance --tfx-backend=NAME [--tfx-ops=PLUGIN]
        [--tfx-examples=5]

For every op that backend ``NAME`` computes (it has a kernel for it that is not a host
kernel; only those of plugin ``PLUGIN`` with ``--tfx-ops``), on inputs drawn by
hypothesis from the op's conformance case:

- forward values: the op placed on the backend gives the values, dtypes and shapes the
  NumPy backend gives, and they match what its dtype and shape functions promised;
- the kernel contract: called directly, the kernel returns arrays of the backend (or
  host arrays where it declares ``host_outputs``) of the promised dtypes and shapes, and
  leaves its inputs unchanged;
- gradients (differentiable ops): the registered gradient matches central differences
  with the op on the backend, and the NumPy backend's gradient;
- the saved graph: exported to a ``.meta`` file and imported again, the op runs on the
  backend and gives the same values;

and for the backend itself: arrays of every dtype survive ``from_host``/``to_host``;
variables placed on it (when it has an ``Assign`` kernel) survive a checkpoint round
trip, restored on it and on the CPU; unplaced ops go to it only when its priority is
above the CPU backend's and it is not opt-in.

Cases come from the plugins that define the ops (hook ``tensorflux_conformance_cases``);
the built-in ops' are in ``builtin_cases``. ``--tfx-backend=strictgpu`` runs the CuPy
backend's kernels (and every plugin's array kernels) under CuPy's rules on the CPU.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Case:
    """How to test one op: ``make(draw) -> (inputs, build)`` (see ``strategies``), and
    the central-difference step and relative tolerance of its gradient check."""

    op_type: str
    make: Callable
    plugin: str
    delta: float = 1e-6
    rtol: float = 1e-5


def collect_cases() -> dict:
    """{op type: Case} from every loaded plugin's ``tensorflux_conformance_cases``."""
    from tensorflux.core.registry import registry
    registry.ensure_loaded()
    cases = {}
    for impl in registry.plugin_manager.hook.tensorflux_conformance_cases.get_hookimpls():
        def register(op_type, make, delta=1e-6, rtol=1e-5, _plugin=impl.plugin_name):
            if op_type in cases:
                raise ValueError(f"conformance case for {op_type!r} given twice: by "
                                 f"{cases[op_type].plugin!r} and {_plugin!r}")
            cases[op_type] = Case(op_type, make, _plugin, delta, rtol)
        impl.function(register=register)
    return cases


def claimed_ops(backend: str, plugin: str | None = None) -> list:
    """The registered ops ``backend`` computes (of ``plugin`` only, if given): those it
    has a kernel for, leaving out host kernels, which take and return host arrays
    wherever the op is placed (summaries, strings, files, queues, py_func: registered for
    every backend, they are the CPU's code, not the backend's)."""
    from tensorflux.core.registry import registry
    out = []
    for op in registry.ops:
        kernel = registry.find_kernel(op, backend)
        if kernel is None or (kernel.host_outputs and (
                kernel.host_inputs is True or not registry.get_op(op).inputs)):
            continue
        if plugin is None or registry.op_owner(op) == plugin:
            out.append(op)
    return sorted(out)
