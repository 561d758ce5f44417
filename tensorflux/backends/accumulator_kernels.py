"""The accumulators behind ``tensorflux.ops.accumulator_ops``, one per session."""
from __future__ import annotations

import threading

import numpy as np

from tensorflux.backends.data_flow_kernels import resource_kernel, resource_lookup
from tensorflux.core import blocking, errors


class Accumulator:
    """Sums of gradients (dense, or per row with counts) and the time step."""

    def __init__(self, op):
        self.label = f"{op.type} '{op.name}'"
        self.sparse = op.type == "SparseConditionalAccumulator"
        self.shape = op.attrs["shape"]
        self.mean = op.attrs["reduction_type"] == "MEAN"
        self.dtype = op.attrs["dtype"].np_dtype
        self.step = 0
        self.cond = threading.Condition()
        self.aborted = False
        self._reset()

    def _reset(self):
        self.count = 0
        self.total = None  # dense: the sum; sparse: {row: [sum, count]}
        self.rows = {}
        self.dense_shape = None

    def _check_shape(self, op, shape, what):
        if self.shape is None:
            return
        if len(shape) != len(self.shape) or any(
                d is not None and s is not None and d != s for d, s in zip(self.shape, shape)):
            raise errors.InvalidArgumentError(
                None, op, f"Shape mismatch: expected {list(self.shape)}, got {list(shape)} "
                          f"({what} of {self.label})")

    def apply(self, op, local_step, grad):
        with self.cond:
            if local_step < self.step:
                return  # a stale gradient: dropped silently, as in TF
            self._check_shape(op, grad.shape, "gradient")
            self.total = grad.astype(self.dtype, copy=True) if self.total is None else self.total + grad
            self.count += 1
            self.cond.notify_all()

    def apply_sparse(self, op, local_step, indices, values, shape):
        with self.cond:
            if local_step < self.step:
                return
            if len(indices) != len(values):
                raise errors.InvalidArgumentError(
                    None, op, f"{len(indices)} indices but {len(values)} rows of values")
            if shape is not None:
                self._check_shape(op, tuple(int(d) for d in shape), "gradient shape")
                self.dense_shape = tuple(int(d) for d in shape)
            elif self.shape is not None:
                self._check_shape(op, (None,) + values.shape[1:], "gradient values")
            for row, value in zip(indices.tolist(), values):
                entry = self.rows.get(row)
                if entry is None:
                    self.rows[row] = [value.astype(self.dtype, copy=True), 1]
                else:
                    entry[0] = entry[0] + value
                    entry[1] += 1
            self.count += 1
            self.cond.notify_all()

    def take(self, op, num_required):
        if num_required < 1:
            raise errors.InvalidArgumentError(
                None, op, f"Argument num_required must be positive, but was {num_required}")
        with self.cond:
            blocking.wait(self.cond, lambda: self.count >= num_required or self.aborted, op)
            if self.aborted:
                raise errors.CancelledError(None, op, f"{self.label}: the session was closed")
            result = self._result()
            self._reset()
            self.step += 1
            return result

    def _result(self):
        if not self.sparse:
            return (self.total / self.count).astype(self.dtype) if self.mean else self.total
        rows = sorted(self.rows)
        values = [self.rows[r][0] / self.rows[r][1] if self.mean else self.rows[r][0]
                  for r in rows]
        width = self.shape[1:] if self.shape is not None else ()
        values = (np.stack(values).astype(self.dtype) if values
                  else np.zeros((0,) + tuple(d or 0 for d in width), self.dtype))
        shape = self.dense_shape or (
            tuple(self.shape) if self.shape is not None and None not in self.shape
            else (max(rows, default=-1) + 1,) + values.shape[1:])
        return np.array(rows, np.int64), values, np.array(shape, np.int64)

    def set_step(self, step):
        with self.cond:
            self.step = step

    def cancel(self):
        with self.cond:
            self.aborted = True
            self.cond.notify_all()


def _scalar(value):
    return int(np.asarray(value).reshape(()))


def _apply(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle, step, grad: find(handle).apply(op, _scalar(step), grad)


def _apply_sparse(op, ctx):
    find = resource_lookup(op, ctx)
    known = op.attrs["has_known_shape"]

    def run(handle, step, indices, values, shape):
        find(handle).apply_sparse(op, _scalar(step), indices, values, shape if known else None)
    return run


def _take(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle, n: find(handle).take(op, _scalar(n))


def _count(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle: np.array(find(handle).count, np.int32)


def _set_step(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle, step: find(handle).set_step(_scalar(step))


_make = resource_kernel(lambda op, ctx: Accumulator(op))
KERNELS = {"ConditionalAccumulator": _make, "SparseConditionalAccumulator": _make,
           "AccumulatorApplyGradient": _apply, "SparseAccumulatorApplyGradient": _apply_sparse,
           "AccumulatorTakeGradient": _take, "SparseAccumulatorTakeGradient": _take,
           "AccumulatorNumAccumulated": _count, "AccumulatorSetGlobalStep": _set_step}
