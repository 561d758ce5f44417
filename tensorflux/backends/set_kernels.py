"""Host kernels of ``tensorflux.ops.set_ops``: set operations along the last dimension
and edit distances, in NumPy and Python on the host, as TF's CPU kernels."""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors


def _dense_sets(x):
    """({leading index: set of values}, leading shape) of a dense tensor."""
    lead = x.shape[:-1]
    rows = x.reshape(-1, x.shape[-1]) if x.size else np.zeros((int(np.prod(lead)), 0), x.dtype)
    return {idx: set(rows[i].tolist()) for i, idx in enumerate(np.ndindex(*lead))}, tuple(lead)


def _sparse_sets(op, indices, values, shape, validate):
    shape = tuple(int(d) for d in shape)
    if validate and len(indices) > 1:
        keys = [tuple(r) for r in indices.tolist()]
        if any(b <= a for a, b in zip(keys, keys[1:])):
            raise errors.InvalidArgumentError(None, op, "tf.sets: the indices of a SparseTensor "
                                                        "must be in row-major order without repeats")
    sets = {idx: set() for idx in np.ndindex(*shape[:-1])}
    for row, v in zip(indices.tolist(), values.tolist()):
        sets[tuple(row[:-1])].add(v)
    return sets, shape[:-1]


def _result(sets, lead, dtype):
    indices, values, width = [], [], 0
    for key in sorted(sets):
        members = sorted(sets[key])
        for j, v in enumerate(members):
            indices.append(list(key) + [j])
            values.append(v)
        width = max(width, len(members))
    out_values = np.empty(len(values), object) if dtype == object else np.array(values, dtype)
    if dtype == object:
        out_values[:] = values
    return (np.array(indices, np.int64).reshape(-1, len(lead) + 1), out_values,
            np.array(list(lead) + [width], np.int64))


def _set_operation(op, ctx):
    kinds, operation, validate = op.attrs["kinds"], op.attrs["set_operation"], op.attrs["validate_indices"]

    def run(*args):
        i = 0
        parsed = []
        for kind in kinds:
            if kind == "sparse":
                parsed.append(_sparse_sets(op, *args[i:i + 3], validate))
                dtype = args[i + 1].dtype
                i += 3
            else:
                parsed.append(_dense_sets(args[i]))
                dtype = args[i].dtype
                i += 1
        (a, a_lead), (b, b_lead) = parsed
        if a_lead != b_lead:
            raise errors.InvalidArgumentError(None, op, f"tf.sets: a and b have different "
                                                        f"leading shapes {list(a_lead)} and {list(b_lead)}")
        combine = {"intersection": set.intersection, "union": set.union,
                   "a-b": set.difference, "b-a": lambda x, y: y - x}[operation]
        return _result({k: combine(a[k], b[k]) for k in a}, a_lead, dtype)
    return run


def _set_size(op, ctx):
    validate = op.attrs["validate_indices"]

    def run(indices, values, shape):
        sets, lead = _sparse_sets(op, indices, values, shape, validate)
        out = np.zeros(lead, np.int32)
        for key, members in sets.items():
            out[key] = len(members)
        return out
    return run


def _levenshtein(a, b):
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _edit_distance(op, ctx):
    normalize = op.attrs["normalize"]

    def run(h_indices, h_values, h_shape, t_indices, t_values, t_shape):
        if len(h_shape) != len(t_shape):
            raise errors.InvalidArgumentError(None, op, f"edit_distance: hypothesis and truth have "
                                                        f"different ranks {len(h_shape)} and {len(t_shape)}")
        lead = tuple(max(int(a), int(b)) for a, b in zip(h_shape[:-1], t_shape[:-1]))

        def sequences(indices, values):
            out = {}
            for row, v in zip(indices.tolist(), values.tolist()):
                out.setdefault(tuple(row[:-1]), []).append(v)
            return out
        hyp, truth = sequences(h_indices, h_values), sequences(t_indices, t_values)
        out = np.zeros(lead, np.float32)
        for key in np.ndindex(*lead):
            h, t = hyp.get(key, []), truth.get(key, [])
            d = float(_levenshtein(h, t))
            if normalize:
                d = d / len(t) if t else (np.inf if h else 0.0)
            out[key] = d
        return out
    return run


KERNELS = {"SetOperation": _set_operation, "SetSize": _set_size, "EditDistance": _edit_distance}
