"""Host kernel of ``ParseSequenceExample`` (``tensorflux.ops.sequence_parsing``)."""
from __future__ import annotations

import numpy as np

from tensorflux.backends.parsing_kernels import (dense_output, empty_arrays, feature_values,
                                                 sparse_outputs)
from tensorflux.core import errors


def _bad(op, message):
    return errors.InvalidArgumentError(None, op, message)


def _steps(op, i, lists, key, dtype):
    """The value arrays of the steps of feature list ``key`` of example ``i`` (None when
    the example has no such list)."""
    if key not in lists:
        return None
    return [feature_values(op, i, {key: f}, key, dtype) for f in lists[key].feature]


def _sequence_sparse(op, lists, key, dtype, single, empty):
    """A VarLenFeature of the feature lists: indices (example, step, value)."""
    per_example = [_steps(op, i, l, key, dtype) or [] for i, l in enumerate(lists)]
    steps = max((len(s) for s in per_example), default=0)
    width = max((len(v) for s in per_example for v in s if v is not None), default=0)
    indices, values = [], []
    for b, example in enumerate(per_example):
        for t, step in enumerate(example):
            step = empty if step is None else step
            for j in range(len(step)):
                indices.append(([] if single else [b]) + [t, j])
            values.append(step)
    rank = 2 if single else 3
    indices = np.array(indices, np.int64).reshape(-1, rank)
    values = np.concatenate(values) if values else empty
    shape = [steps, width] if single else [len(per_example), steps, width]
    return indices, values, np.array(shape, np.int64)


def _sequence_dense(op, lists, key, dtype, shape, allow_missing, single, empty):
    """A FixedLenSequenceFeature: [steps, *shape] (a batch padded with zeros) and the
    number of steps of each example."""
    size = int(np.prod(shape))
    examples = []
    for i, l in enumerate(lists):
        steps = _steps(op, i, l, key, dtype)
        if steps is None:
            if not allow_missing:
                raise _bad(op, f"Name: <example {i}>, Feature list '{key}' is required but "
                               f"could not be found.  Did you mean to include it in "
                               f"feature_list_dense_missing_assumed_empty or "
                               f"feature_list_dense_defaults?")
            steps = []
        for t, step in enumerate(steps):
            if step is None or len(step) != size:
                raise _bad(op, f"Name: <example {i}>, Key: {key}, Index: {t}.  Number of "
                               f"{dtype.name} values != expected.  values size: "
                               f"{0 if step is None else len(step)} but output shape: "
                               f"{list(shape)}")
        examples.append([s.reshape(shape) for s in steps])
    lengths = np.array([len(e) for e in examples], np.int64)
    longest = int(lengths.max(initial=0))
    out = np.zeros((len(examples), longest) + tuple(shape), dtype=empty.dtype)
    if out.dtype == object:
        out[...] = b""
    for b, steps in enumerate(examples):
        if steps:
            out[b, :len(steps)] = np.stack(steps)
    return (out[0], lengths[0]) if single else (out, lengths)


def _parse_sequence_example(op, ctx):
    from google.protobuf.message import DecodeError

    from tensorflux.serialization.example_pb import SequenceExample
    a = op.attrs
    kinds = [d for k in ("context_sparse", "sequence_sparse") for _, d in a[k]]
    kinds += [d for k in ("context_dense", "sequence_dense") for _, d, *_ in a[k]]
    empty = empty_arrays(set(kinds))

    def run(serialized):
        single = serialized.ndim == 0
        parsed = []
        for i, record in enumerate(serialized.reshape(-1)):
            try:
                parsed.append(SequenceExample.FromString(bytes(record)))
            except DecodeError:
                raise _bad(op, f"Could not parse example input {i}, value: "
                               f"{bytes(record)[:40]!r}") from None
        contexts = [p.context.feature for p in parsed]
        lists = [p.feature_lists.feature_list for p in parsed]
        out = sparse_outputs(op, contexts, a["context_sparse"], single, empty)
        out += [dense_output(op, contexts, key, dtype, shape, default, False, single, empty)
                for key, dtype, shape, default in a["context_dense"]]
        triples = [_sequence_sparse(op, lists, key, dtype, single, empty[dtype])
                   for key, dtype in a["sequence_sparse"]]
        out += [t[k] for k in range(3) for t in triples]
        dense = [_sequence_dense(op, lists, key, dtype, shape, allow_missing, single,
                                 empty[dtype])
                 for key, dtype, shape, allow_missing in a["sequence_dense"]]
        return tuple(out + [d[0] for d in dense] + [d[1] for d in dense])
    return run


KERNELS = {"ParseSequenceExample": _parse_sequence_example}
