"""Registering the shared kernels for a backend with a NumPy-like array namespace.

The kernels of ``array_kernels`` and ``nn_kernels`` are written once against ``xp``.
NumPy, CuPy and the strict CPU stand-in of ``tensorflux.testing`` all register them
here: the namespace is loaded the first time a plan builds one of its kernels, so
registering never imports CuPy. ``HOST_MEMORY`` says which kernels read inputs or write
outputs on the host, as TF's ``HostMemory`` does.
"""
from __future__ import annotations

import functools

from tensorflux.backends.array_kernels import make_kernels
from tensorflux.backends.nn_kernels import make_nn_kernels
from tensorflux.backends.script_kernels import KERNELS as SCRIPT_KERNELS
from tensorflux.backends.sequence_kernels import HOST_MEMORY as SEQUENCE_HOST_MEMORY
from tensorflux.backends.sequence_kernels import make_sequence_kernels
from tensorflux.backends.sparse_kernels import make_sparse_kernels
from tensorflux.backends.summary_kernels import KERNELS as SUMMARY_KERNELS
from tensorflux.backends.tensor_array_kernels import (HOST_INPUTS as TA_HOST_INPUTS,
                                                     HOST_OUTPUTS as TA_HOST_OUTPUTS,
                                                     make_tensor_array_kernels)
from tensorflux.interop.tf_only_ops import KERNELS as TF_ONLY_KERNELS

# op type -> (indices of inputs read on the host, outputs are host arrays)
HOST_MEMORY = {
    "Shape": ((), True), "Size": ((), True), "Rank": ((), True),
    "IsVariableInitialized": ((), True), "ReportUninitializedVariables": ((), True),
    "Reshape": ((1,), False), "Tile": ((1,), False), "Pad": ((1,), False),
    "Fill": ((0,), False), "Slice": ((1, 2), False),
    "Range": ((0, 1, 2), False), "LinSpace": ((0, 1, 2), False),
    "RandomUniform": ((0,), False), "RandomStandardNormal": ((0,), False),
    "TruncatedNormal": ((0,), False), "RandomUniformInt": ((0, 1, 2), False),
    **{op: (inputs, False) for op, inputs in TA_HOST_INPUTS.items()},
    **{op: ((), True) for op in TA_HOST_OUTPUTS},
    "UnsortedSegmentSum": ((2,), False),
    **SEQUENCE_HOST_MEMORY,
}


class _Names:
    """Stands in for an array namespace to list the op types the kernels cover."""

    def __getattr__(self, name):
        return _Names()

    def __call__(self, *args, **kwargs):
        return _Names()


@functools.lru_cache(maxsize=1)
def op_types() -> tuple:
    return tuple(sorted(set(kernel_table(_Names()))))


def kernel_table(xp) -> dict:
    return {**make_kernels(xp), **make_nn_kernels(xp), **make_tensor_array_kernels(xp),
            **make_sparse_kernels(xp), **make_sequence_kernels(xp)}


def register_array_kernels(register, backend: str, load_xp):
    """Register every shared kernel for ``backend``; ``load_xp()`` gives the namespace
    when the first kernel is built."""
    table = functools.lru_cache(maxsize=1)(lambda: kernel_table(load_xp()))

    def lazy(op_type):
        def build(op, ctx):
            kind, f = table()[op_type]
            if kind == "builder":
                return f(op, ctx)
            return functools.partial(f, **op.attrs) if op.attrs else f
        return build

    for op_type in op_types():
        host_inputs, host_outputs = HOST_MEMORY.get(op_type, ((), False))
        register(op_type, backend=backend, builder=lazy(op_type),
                 host_inputs=host_inputs, host_outputs=host_outputs)
    # Summaries build protocol buffers and py_func calls Python: they run on the host,
    # as TF's do, wherever placed (so do the ops only graphs imported from TF use).
    for op_type, host_builder in {**SUMMARY_KERNELS, **SCRIPT_KERNELS, **TF_ONLY_KERNELS}.items():
        register(op_type, backend=backend, builder=host_builder,
                 host_inputs=True, host_outputs=True)
