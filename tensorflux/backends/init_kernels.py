"""Kernels of initializer ops, written against ``xp``."""
from __future__ import annotations

from tensorflux.backends.kernel_table import KernelTable


def make_init_kernels(xp):
    K = KernelTable()

    def orthonormal_columns(matrix):
        """Q of the reduced QR decomposition, each column signed by R's diagonal."""
        q, r = xp.linalg.qr(matrix)
        signs = xp.sign(xp.diagonal(r))
        return q * xp.where(signs == 0, 1, signs).astype(q.dtype)

    K.fn("OrthonormalColumns", orthonormal_columns)
    return K
