"""Host kernels of the sparse ops of ``tensorflux.ops.sparse_extra_ops`` (reshape,
reductions, softmax, counts, crosses): they work on index lists, so they run on the
host with NumPy wherever placed, as TF's kernels of these ops are CPU-only."""
from __future__ import annotations

import itertools

import numpy as np

from tensorflux.backends.hashing import fingerprint64, fingerprint_cat64
from tensorflux.core import errors

_INT64_MAX = (1 << 63) - 1


def _strides(shape):
    return np.cumprod((tuple(shape[1:]) + (1,))[::-1])[::-1].astype(np.int64)


def _linear(indices, shape):
    return indices.astype(np.int64) @ _strides(shape) if len(shape) else np.zeros(len(indices), np.int64)


def _unravel(linear, shape):
    if not len(shape):
        return np.zeros((len(linear), 0), np.int64)
    return np.stack(np.unravel_index(linear, shape), axis=1).astype(np.int64)


def _reshape(op, ctx):
    def run(indices, input_shape, new_shape):
        old = tuple(int(d) for d in input_shape)
        new = [int(d) for d in new_shape]
        total = int(np.prod(old, dtype=np.int64))
        if new.count(-1) > 1:
            raise errors.InvalidArgumentError(None, op, f"only one output dimension may be -1, "
                                                        f"not both in shape {new}")
        known = int(np.prod([d for d in new if d != -1], dtype=np.int64))
        if -1 in new:
            if known == 0 or total % known:
                raise errors.InvalidArgumentError(
                    None, op, f"Input to reshape is a SparseTensor with {total} dense values, "
                              f"but the requested shape requires a multiple of {known}")
            new[new.index(-1)] = total // known
        if int(np.prod(new, dtype=np.int64)) != total:
            raise errors.InvalidArgumentError(
                None, op, f"Input to reshape is a tensor with {total} dense values, but the "
                          f"requested shape has {int(np.prod(new, dtype=np.int64))}")
        return _unravel(_linear(indices, old), new), np.array(new, np.int64)
    return run


def _groups(indices, shape, axes, keep_dims):
    """(unique output positions as linear indices, each entry's group, output shape)."""
    rank = len(shape)
    axes = tuple(range(rank)) if axes is None else tuple(axes)
    kept = [a for a in range(rank) if a not in axes]
    out_shape = tuple(1 if a in axes else shape[a] for a in range(rank)) if keep_dims \
        else tuple(shape[a] for a in kept)
    coords = indices[:, kept] if kept else np.zeros((len(indices), 0), np.int64)
    positions = _linear(coords, tuple(shape[a] for a in kept))
    unique, group = np.unique(positions, return_inverse=True)
    return unique, group.reshape(-1), kept, out_shape


def _reduce(op, ctx):
    axes, keep = op.attrs["axes"], op.attrs["keep_dims"]
    kind = {"SparseReduceMax": "max", "SparseReduceMaxSparse": "max",
            "SparseReduceSumSparse": "sum"}[op.type]
    sparse_out = op.type.endswith("Sparse")

    def run(indices, values, shape):
        shape = tuple(int(d) for d in shape)
        if len(indices) and ((indices < 0) | (indices >= np.array(shape))).any():
            raise errors.InvalidArgumentError(None, op, f"{op.type}: indices out of bounds of "
                                                        f"the dense shape {list(shape)}")
        unique, group, kept, out_shape = _groups(indices, shape, axes, keep)
        reduced = np.full(len(unique), -np.inf if kind == "max" else 0, np.float64) \
            if values.dtype.kind == "f" else np.zeros(len(unique), values.dtype)
        if kind == "max":
            if values.dtype.kind != "f":
                reduced[:] = np.iinfo(values.dtype).min
            np.maximum.at(reduced, group, values)
        else:
            np.add.at(reduced, group, values)
        reduced = reduced.astype(values.dtype)
        if not sparse_out:
            out = np.zeros(int(np.prod(out_shape, dtype=np.int64)), values.dtype)
            out[unique] = reduced  # linear positions of the kept dims are those of out
            return out.reshape(out_shape)
        kept_coords = _unravel(unique, tuple(shape[a] for a in kept))
        if keep:
            coords = np.zeros((len(unique), len(shape)), np.int64)
            coords[:, kept] = kept_coords
        else:
            coords = kept_coords
        return coords, reduced, np.array(out_shape, np.int64)
    return run


def _softmax(op, ctx):
    def run(indices, values, shape):
        shape = tuple(int(d) for d in shape)
        rows = _linear(indices[:, :-1], shape[:-1])
        _, group = np.unique(rows, return_inverse=True)
        group = group.reshape(-1)
        top = np.full(group.max() + 1 if len(group) else 0, -np.inf)
        np.maximum.at(top, group, values)
        e = np.exp(values - top[group])
        total = np.zeros_like(top)
        np.add.at(total, group, e)
        return (e / total[group]).astype(values.dtype)
    return run


def _counts(op, ctx):
    a = op.attrs
    binary, minlength, maxlength = a["binary_output"], a["minlength"], a["maxlength"]
    per_row, weighted = a["axis_last"], a["weighted"]

    def count(rows, values, weights, n_rows, out_dtype):
        if len(values) and values.min() < 0:
            raise errors.InvalidArgumentError(None, op, f"{op.type}: input values must all be "
                                                        f"non-negative, got {int(values.min())}")
        if weighted and weights.shape != values.shape:
            raise errors.InvalidArgumentError(
                None, op, f"{op.type}: weights of shape {list(weights.shape)} do not match the "
                          f"values' shape {list(values.shape)}")
        size = int(values.max()) + 1 if len(values) else 0
        if 0 <= maxlength < size:
            size = maxlength
        size = max(size, minlength)
        keep = values < size
        rows, values = rows[keep], values[keep]
        w = weights[keep] if weighted else np.ones(len(values), out_dtype)
        keys, group = np.unique(rows.astype(np.int64) * max(size, 1) + values, return_inverse=True)
        totals = np.zeros(len(keys), out_dtype)
        np.add.at(totals, group.reshape(-1), w)
        if binary:
            totals = np.ones(len(keys), out_dtype)
        key_rows, key_values = np.divmod(keys, max(size, 1))
        indices = np.stack([key_rows, key_values], 1) if per_row else key_values[:, None]
        shape = [n_rows, size] if per_row else [size]
        return indices.astype(np.int64), totals, np.array(shape, np.int64)

    if op.type == "DenseCountSparseOutput":
        def run(values, weights):
            out_dtype = weights.dtype if weighted else values.dtype
            if per_row:
                if values.ndim != 2:
                    raise errors.InvalidArgumentError(None, op, "axis=-1 needs a 2-D input")
                rows = np.repeat(np.arange(values.shape[0]), values.shape[1])
                return count(rows, values.reshape(-1), weights.reshape(-1), values.shape[0], out_dtype)
            return count(np.zeros(values.size, np.int64), values.reshape(-1), weights.reshape(-1),
                         1, out_dtype)
        return run

    def run_sparse(indices, values, dense_shape, weights):
        out_dtype = weights.dtype if weighted else values.dtype
        rows = indices[:, 0] if per_row else np.zeros(len(values), np.int64)
        return count(rows, values, weights, int(dense_shape[0]) if per_row else 1, out_dtype)
    return run_sparse


def _cross(op, ctx):
    a = op.attrs
    kinds, hashed, buckets, key, sep = (a["kinds"], a["hashed"], a["num_buckets"],
                                        a["hash_key"], a["separator"].encode())

    def features(args):
        """Per input: (batch size, {row: [values in order]})."""
        out, i = [], 0
        for kind in kinds:
            if kind == "sparse":
                indices, values, shape = args[i:i + 3]
                i += 3
                rows = {}
                for r, v in zip(indices[:, 0].tolist(), values.reshape(-1).tolist()):
                    rows.setdefault(r, []).append(v)
                out.append((int(shape[0]), rows))
            else:
                dense = args[i]
                i += 1
                out.append((dense.shape[0], {r: list(dense[r].tolist()) for r in range(dense.shape[0])}))
        return out

    def as_bytes(v):
        return v if isinstance(v, bytes) else str(int(v)).encode()

    def feature_hash(v):
        return fingerprint64(v) if isinstance(v, bytes) else int(v) & ((1 << 64) - 1)

    def run(*args):
        feats = features(args)
        batch = {n for n, _ in feats}
        if len(batch) != 1:
            raise errors.InvalidArgumentError(None, op, f"sparse.cross: inputs have different "
                                                        f"batch sizes {sorted(batch)}")
        n = batch.pop()
        indices, values, width = [], [], 0
        for row in range(n):
            lists = [rows.get(row, []) for _, rows in feats]
            for j, combo in enumerate(itertools.product(*lists)):
                if hashed:
                    h = key
                    for v in combo:
                        h = fingerprint_cat64(h, feature_hash(v))
                    values.append(h % buckets if buckets > 0 else h % _INT64_MAX)
                else:
                    values.append(sep.join(as_bytes(v) for v in combo))
                indices.append((row, j))
                width = max(width, j + 1)
        idx = np.array(indices, np.int64).reshape(-1, 2)
        if hashed:
            vals = np.array(values, np.int64)
        else:
            vals = np.empty(len(values), object)
            vals[:] = values
        return idx, vals, np.array([n, width], np.int64)
    return run


KERNELS = {"SparseReshape": _reshape, "SparseReduceMax": _reduce,
           "SparseReduceMaxSparse": _reduce, "SparseReduceSumSparse": _reduce,
           "SparseSoftmax": _softmax, "DenseCountSparseOutput": _counts,
           "SparseCountSparseOutput": _counts, "SparseFeatureCross": _cross}
