"""The special-function and SciPy-like namespaces that go with an array namespace.

NumPy lacks erf, lgamma, digamma, Bessel and incomplete gamma/beta functions: they come
from ``scipy.special`` on the CPU and ``cupyx.scipy.special`` on a GPU (the strict
stand-in of ``tensorflux.testing`` brings its own). SciPy is imported only when a
kernel that needs it is built.
"""
from __future__ import annotations

import numpy as np


def special_functions(xp):
    """``scipy.special`` or its counterpart for the array namespace ``xp``."""
    if xp is np:
        import scipy.special
        return scipy.special
    if getattr(xp, "__name__", "") == "cupy":
        import cupyx.scipy.special
        return cupyx.scipy.special
    return xp.scipy_special  # a namespace that provides its own (the strict stand-in)
