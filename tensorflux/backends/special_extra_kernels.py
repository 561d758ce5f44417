"""Kernels of ``tensorflux.ops.special_ops``: SciPy's special functions (cupyx's on a
GPU) through ``special_functions(xp)``, looked up when a kernel is built."""
from __future__ import annotations

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.backends.special import special_functions
from tensorflux.ops.special_ops import SPECIAL


def make_special_extra_kernels(xp):
    K = KernelTable()

    def special(op_type, name):
        function, _, part = name.partition(":")

        @K.builder(op_type)
        def build(op, ctx):
            f = getattr(special_functions(xp), function)
            dt = op.outputs[0].dtype.np_dtype
            if part:
                return lambda x: xp.asarray(f(x)[int(part)]).astype(dt, copy=False)
            return lambda x: xp.asarray(f(x)).astype(dt, copy=False)

    for op_type, (_, name) in SPECIAL.items():
        special(op_type, name)
    return K
