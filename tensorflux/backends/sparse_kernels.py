"""Kernels of the sparse ops, written against ``xp``.

Dense shapes arrive on the host (``HOST_MEMORY``); indices and values stay on the
device. Out-of-range indices raise InvalidArgumentError naming the bad index.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors

HOST_MEMORY = {"SparseToDense": ((1,), False),
               "SparseTensorDenseMatMul": ((2,), False), "SparseReduceSum": ((2,), False),
               "SparseReorder": ((2,), False), "SparseTensorDenseAdd": ((2,), False)}


def make_sparse_kernels(xp):
    K = KernelTable()

    def check_bounds(op, indices, shape, what="indices"):
        """``indices`` [n, k] must lie inside ``shape[:k]`` (a host tuple)."""
        if not indices.size:
            return
        limits = xp.asarray(np.asarray(shape[:indices.shape[-1]], dtype=np.int64))
        bad = xp.any((indices < 0) | (indices >= limits), axis=-1)
        if bool(xp.any(bad)):
            first = int(xp.argmax(bad))
            row = [int(indices[first, j]) for j in range(indices.shape[-1])]
            raise errors.InvalidArgumentError(
                None, op, f"{what}[{first}] = {row} is out of bounds: need 0 <= index < {list(shape)}")

    def columns(indices):
        return tuple(indices[..., i] for i in range(indices.shape[-1]))

    def linear(indices, shape):
        """Row-major positions of index rows in a tensor of ``shape``."""
        strides = np.cumprod((tuple(shape[1:]) + (1,))[::-1])[::-1].astype(np.int64)
        return (indices * xp.asarray(strides)).sum(axis=1)

    @K.builder("SparseToDense")
    def _to_dense(op, ctx):
        validate = op.attrs["validate_indices"]

        def run(indices, shape, values, default):
            shape = tuple(int(d) for d in np.atleast_1d(shape))
            indices = indices.astype(np.int64, copy=False).reshape(-1, len(shape) if indices.ndim < 2 else indices.shape[1])
            check_bounds(op, indices, shape)
            if validate and len(indices) > 1:
                pos = linear(indices, shape)
                if bool(xp.any(pos[1:] <= pos[:-1])):
                    first = int(xp.argmax(pos[1:] <= pos[:-1])) + 1
                    row = [int(indices[first, j]) for j in range(indices.shape[1])]
                    raise errors.InvalidArgumentError(
                        None, op, f"indices[{first}] = {row} is out of "
                                  f"order or repeated: a SparseTensor's indices must be in "
                                  f"lexicographic order without repeats (use tf.sparse_reorder)")
            out = xp.empty(shape, dtype=values.dtype)
            out[...] = default
            out[columns(indices)] = values
            return out
        return run

    @K.builder("SparseTensorDenseMatMul")
    def _matmul(op, ctx):
        adj_a, adj_b = op.attrs["adjoint_a"], op.attrs["adjoint_b"]

        def run(indices, values, a_shape, b):
            a_shape = tuple(int(d) for d in a_shape)
            check_bounds(op, indices, a_shape, "a_indices")
            rows, cols = indices[:, 0], indices[:, 1]
            m, k = a_shape
            if adj_a:
                rows, cols, m, k = cols, rows, k, m
            if adj_b:
                b = b.T
            if b.shape[0] != k:
                raise errors.InvalidArgumentError(
                    None, op, f"Cannot multiply A and B because inner dimension does not match: "
                              f"{k} vs. {b.shape[0]}")
            out = xp.zeros((m, b.shape[1]), dtype=b.dtype)
            xp.add.at(out, rows, values[:, None] * b[cols])
            return out
        return run

    @K.builder("SparseReduceSum")
    def _reduce_sum(op, ctx):
        axes, keep = op.attrs["axes"], op.attrs["keep_dims"]

        def run(indices, values, shape):
            shape = tuple(int(d) for d in shape)
            check_bounds(op, indices, shape, "input_indices")
            dense = xp.zeros(shape, dtype=values.dtype)
            xp.add.at(dense, columns(indices), values)
            return xp.asarray(xp.sum(dense, axis=axes, keepdims=keep, dtype=values.dtype))
        return run

    @K.builder("SparseReorder")
    def _reorder(op, ctx):
        def run(indices, values, shape):
            if not len(indices):
                return indices, values
            order = xp.argsort(linear(indices, tuple(int(d) for d in shape)))
            return indices[order], values[order]
        return run

    @K.builder("SparseTensorDenseAdd")
    def _dense_add(op, ctx):
        def run(indices, values, shape, dense):
            if tuple(int(d) for d in shape) != dense.shape:
                raise errors.InvalidArgumentError(
                    None, op, f"Dimensions of the sparse ({list(shape)}) and dense "
                              f"({list(dense.shape)}) operands do not match")
            check_bounds(op, indices, dense.shape, "a_indices")
            out = dense.copy()
            xp.add.at(out, columns(indices), values)
            return out
        return run

    return K
