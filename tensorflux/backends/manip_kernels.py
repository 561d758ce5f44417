"""Kernels of ``tensorflux.ops.manip_ops`` (gather_nd, scatter, reverse, roll, unique,
dynamic partition/stitch, searchsorted ...), written once against an array namespace."""
from __future__ import annotations

import time

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.backends.math_kernels import scan_reduce
from tensorflux.core import errors

# op type -> (indices of inputs read on the host, outputs are host arrays)
HOST_MEMORY = {"ScatterNd": ((2,), False), "BroadcastTo": ((1,), False),
               "UnravelIndex": ((1,), False), "Timestamp": ((), True)}


def make_manip_kernels(xp):
    K = KernelTable()
    fn, builder = K.fn, K.builder

    def index_tuple(op, indices, shape):
        """The index arrays of the tuples in indices' last dimension, checked against shape
        (an index outside it is named as TF1 names it: indices[i] = value is not in [0, n))."""
        depth = indices.shape[-1]
        limits = xp.asarray(np.array(shape[:depth], dtype=indices.dtype))
        bad = (indices < 0) | (indices >= limits)
        if indices.size and bool(bad.any()):
            flat = bad.reshape(-1)
            at = int(xp.argmax(flat))
            position = [int(i) for i in np.unravel_index(at, indices.shape)]
            where = ", ".join(str(i) for i in position[:-1]) if indices.ndim > 1 else str(position[0])
            value = int(indices.reshape(-1)[at])
            name = op.inputs[1 if op.type != "ScatterNd" else 0].name
            raise errors.InvalidArgumentError(
                None, op, f"indices[{where}] = {value} is not in [0, {int(shape[position[-1] if indices.ndim > 1 else 0])}) "
                          f"(indices {name}, shape {list(shape)})")
        return tuple(indices[..., k] for k in range(depth))

    @builder("GatherNd")
    def _gather_nd(op, ctx):
        return lambda params, indices: params[index_tuple(op, indices, params.shape)]

    @builder("ScatterNd")
    def _scatter_nd(op, ctx):
        def run(indices, updates, shape):
            shape = tuple(int(d) for d in shape)
            out = xp.zeros(shape, dtype=updates.dtype)
            xp.add.at(out, index_tuple(op, indices, shape), updates)
            return out
        return run

    def linear_ids(indices, shape):
        """Row ids of the index tuples in the tensor flattened to [prod(shape[:depth]), ...]."""
        depth = indices.shape[-1]
        strides = np.cumprod((shape[1:depth] + (1,))[::-1])[::-1] if depth else np.array([], np.int64)
        ids = xp.zeros(indices.shape[:-1], dtype=np.int64)
        for k in range(depth):
            ids += indices[..., k].astype(np.int64) * int(strides[k])
        return ids.reshape(-1), int(np.prod(shape[:depth]))

    def tensor_scatter(kind):
        def b(op, ctx):
            def run(tensor, indices, updates):
                index_tuple(op, indices, tensor.shape)
                ids, rows = linear_ids(indices, tensor.shape)
                out = tensor.copy()
                flat = out.reshape((rows,) + tensor.shape[indices.shape[-1]:])
                upd = updates.reshape((ids.size,) + flat.shape[1:])
                if kind == "Update":
                    flat[ids] = upd
                elif kind in ("Add", "Sub"):
                    xp.add.at(flat, ids, upd if kind == "Add" else -upd)
                else:
                    scan_reduce(xp, xp.maximum if kind == "Max" else xp.minimum, ids, upd, flat, merge=True)
                return out
            return run
        return b

    for kind in ("Update", "Add", "Sub", "Max", "Min"):
        K[f"TensorScatter{kind}"] = ("builder", tensor_scatter(kind))

    @builder("ReverseV2")
    def _reverse(op, ctx):
        axes = op.attrs["axis"]
        return lambda x: xp.flip(x, axes) if axes else x

    @builder("Roll")
    def _roll(op, ctx):
        shift, axes = op.attrs["shift"], op.attrs["axis"]
        return lambda x: xp.roll(x, shift, axes) if axes else x

    @builder("ReverseSequence")
    def _reverse_sequence(op, ctx):
        seq_axis, batch_axis = op.attrs["seq_axis"], op.attrs["batch_axis"]

        def run(x, lengths):
            moved = xp.moveaxis(x, (batch_axis, seq_axis), (0, 1))
            steps = moved.shape[1]
            if lengths.shape != (moved.shape[0],):
                raise errors.InvalidArgumentError(
                    None, op, f"len(seq_lens) != input.dims({batch_axis % x.ndim}), "
                              f"({lengths.size} vs. {moved.shape[0]})")
            if lengths.size and bool((lengths > steps).any() | (lengths < 0).any()):
                bad = int(xp.argmax((lengths > steps) | (lengths < 0)))
                raise errors.InvalidArgumentError(
                    None, op, f"seq_lens({bad}) > input.dims({seq_axis % x.ndim}), "
                              f"({int(lengths[bad])} vs. {steps}): seq_lengths must be in "
                              f"[0, {steps}]")
            t = xp.arange(steps).reshape(1, -1)
            lens = lengths.reshape(-1, 1).astype(np.int64)
            source = xp.where(t < lens, lens - 1 - t, t)
            source = source.reshape(source.shape + (1,) * (moved.ndim - 2))
            out = xp.take_along_axis(moved, xp.broadcast_to(source, moved.shape), axis=1)
            return xp.moveaxis(out, (0, 1), (batch_axis, seq_axis))
        return run

    def first_order_unique(x):
        values, first, inverse, counts = xp.unique(x, return_index=True, return_inverse=True,
                                                   return_counts=True)
        order = xp.argsort(first)              # the distinct values by first appearance
        rank = xp.empty_like(order)
        rank[order] = xp.arange(order.size)
        return values[order], rank[inverse.reshape(-1)], counts[order]

    @builder("Unique")
    def _unique(op, ctx):
        dt = op.attrs["out_idx"].np_dtype

        def run(x):
            y, idx, _ = first_order_unique(x)
            return y, idx.astype(dt)
        return run

    @builder("UniqueWithCounts")
    def _unique_counts(op, ctx):
        dt = op.attrs["out_idx"].np_dtype

        def run(x):
            y, idx, counts = first_order_unique(x)
            return y, idx.astype(dt), counts.astype(dt)
        return run

    @builder("ListDiff")
    def _list_diff(op, ctx):
        dt = op.attrs["out_idx"].np_dtype

        def run(x, y):
            keep = ~xp.isin(x, y)
            return x[keep], xp.nonzero(keep)[0].astype(dt)
        return run

    @builder("SearchSorted")
    def _searchsorted(op, ctx):
        side, dt = op.attrs["side"], op.attrs["out_type"].np_dtype

        def run(seq, values):
            rows_s = seq.reshape(-1, seq.shape[-1])
            rows_v = values.reshape(-1, values.shape[-1])
            out = xp.stack([xp.searchsorted(s, v, side=side) for s, v in zip(rows_s, rows_v)])
            return out.reshape(values.shape).astype(dt)
        return run

    @builder("UnravelIndex")
    def _unravel(op, ctx):
        def run(indices, dims):
            dims = tuple(int(d) for d in dims)
            size = int(np.prod(dims))
            if indices.size and bool(((indices < 0) | (indices >= size)).any()):
                raise errors.InvalidArgumentError(None, op, f"index out of range for dims {list(dims)}")
            coords = xp.unravel_index(indices, dims)
            return xp.stack(coords).astype(indices.dtype)
        return run

    @builder("DynamicPartition")
    def _partition(op, ctx):
        n = op.attrs["num_partitions"]

        def run(data, partitions):
            if partitions.size and bool(((partitions < 0) | (partitions >= n)).any()):
                raise errors.InvalidArgumentError(None, op, f"partitions must be in [0, {n})")
            return tuple(data[partitions == i] for i in range(n))
        return run

    def stitch(*indices_and_data):
        n = len(indices_and_data) // 2
        indices, data = indices_and_data[:n], indices_and_data[n:]
        rest = data[0].shape[indices[0].ndim:]
        rows = max([int(i.max()) + 1 for i in indices if i.size] or [0])
        out = xp.zeros((rows,) + rest, dtype=data[0].dtype)
        for i, d in zip(indices, data):  # later tensors win, as in TF
            out[i.reshape(-1)] = d.reshape((i.size,) + rest)
        return out

    fn("DynamicStitch", stitch)
    fn("BroadcastTo", lambda x, shape: xp.broadcast_to(x, tuple(int(d) for d in shape)))
    fn("SelectV2", lambda c, t, e: xp.where(c, t, e))

    @builder("EnsureShape")
    def _ensure_shape(op, ctx):
        wanted = op.attrs["shape"]

        def run(x):
            if not wanted.is_compatible_with(x.shape):
                raise errors.InvalidArgumentError(None, op, f"Shape of tensor {op.inputs[0].name} "
                                                  f"{list(x.shape)} is not compatible with expected "
                                                  f"shape {wanted}.")
            return x
        return run

    @builder("Bitcast")
    def _bitcast(op, ctx):
        dt = op.attrs["type"].np_dtype

        def run(x):
            flat = xp.ascontiguousarray(x).reshape(-1).view(dt)
            if x.dtype.itemsize == dt.itemsize:
                return flat.reshape(x.shape)
            if x.dtype.itemsize > dt.itemsize:
                return flat.reshape(x.shape + (x.dtype.itemsize // dt.itemsize,))
            return flat.reshape(x.shape[:-1])
        return run

    fn("Timestamp", lambda: np.array(time.time(), dtype=np.float64))

    # --- scatter updates of variables (in the session's variable store) ---------------
    def variable_scatter(kind):
        def b(op, ctx):
            name, store = ctx.var_name(op), ctx.variables
            nd = op.type.startswith("ScatterNd")

            def run(indices, updates):
                try:
                    current = store[name]
                except KeyError:
                    raise errors.FailedPreconditionError(
                        None, op, f"Attempting to use uninitialized value {name}") from None
                idx = indices[..., None] if not nd else indices
                index_tuple(op, idx, current.shape)
                ids, rows = linear_ids(idx, current.shape)
                new = xp.array(current, copy=True)
                flat = new.reshape((rows,) + current.shape[idx.shape[-1]:])
                upd = xp.broadcast_to(updates, idx.shape[:-1] + flat.shape[1:]).reshape((ids.size,) + flat.shape[1:])
                if kind == "Update":
                    flat[ids] = upd
                elif kind in ("Add", "Sub"):
                    xp.add.at(flat, ids, upd if kind == "Add" else -upd)
                elif kind in ("Mul", "Div"):
                    factor = scan_reduce(xp, xp.multiply, ids, upd, xp.ones_like(flat))
                    if kind == "Mul":
                        flat *= factor
                    else:
                        flat[...] = flat / factor if flat.dtype.kind in "fc" else flat // factor
                else:
                    scan_reduce(xp, xp.maximum if kind == "Max" else xp.minimum, ids, upd, flat, merge=True)
                store[name] = new
                return new
            return run
        return b

    for kind in ("Update", "Add", "Sub", "Mul", "Div", "Max", "Min"):
        K[f"Scatter{kind}"] = ("builder", variable_scatter(kind))
    for kind in ("Update", "Add", "Sub"):
        K[f"ScatterNd{kind}"] = ("builder", variable_scatter(kind))
    return K
