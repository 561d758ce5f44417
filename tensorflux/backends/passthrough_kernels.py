"""Kernels that pass their inputs through (``CustomGradient``), for every backend."""
from __future__ import annotations

from tensorflux.backends.kernel_table import KernelTable


def make_passthrough_kernels(xp):
    K = KernelTable()
    K.fn("CustomGradient", lambda *values, **attrs: tuple(values))
    return K
