"""A small collector for kernels written against an array namespace."""
from __future__ import annotations


class KernelTable(dict):
    """``{op_type: ("fn", f) | ("builder", b)}`` with decorators to fill it."""

    def fn(self, op_type, f):
        self[op_type] = ("fn", f)

    def builder(self, op_type):
        def deco(b):
            self[op_type] = ("builder", b)
            return b
        return deco
