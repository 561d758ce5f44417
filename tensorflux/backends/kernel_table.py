"""A small collector for kernels written against an array namespace."""
from __future__ import annotations

import os


def fuser(xp):
    """The namespace's kernel fusion decorator (``cupy.fuse``: a function of elementwise
    operations becomes one kernel launch), or None. ``TENSORFLUX_FUSE=0`` turns it off."""
    if os.environ.get("TENSORFLUX_FUSE", "1") == "0":
        return None
    return getattr(xp, "fuse", None)


class KernelTable(dict):
    """``{op_type: ("fn", f) | ("builder", b)}`` with decorators to fill it."""

    def fn(self, op_type, f):
        self[op_type] = ("fn", f)

    def builder(self, op_type):
        def deco(b):
            self[op_type] = ("builder", b)
            return b
        return deco
