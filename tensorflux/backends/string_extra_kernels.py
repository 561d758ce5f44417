"""Host kernels of ``tensorflux.ops.string_extra_ops``: hash buckets, fingerprints and
splits into SparseTensor parts, on NumPy object arrays of bytes, as TF's CPU kernels."""
from __future__ import annotations

import re
import struct

import numpy as np

from tensorflux.backends.hashing import fingerprint64, tf_hash64
from tensorflux.core import errors


def _bucket(hash_fn):
    def build(op, ctx):
        n = op.attrs["num_buckets"]
        return lambda x: np.array([hash_fn(s) % n for s in x.reshape(-1)],
                                  dtype=np.int64).reshape(x.shape)
    return build


def _fingerprint(op, ctx):
    def run(data, method):
        if data.ndim < 1:
            raise errors.InvalidArgumentError(None, op, "tf.fingerprint needs an input of rank >= 1")
        rows = data.reshape(data.shape[0], -1)
        if data.dtype == object:
            def row_bytes(row):
                if len(row) == 1:
                    return None, fingerprint64(row[0])
                return b"".join(struct.pack("<Q", fingerprint64(s)) for s in row), None
            out = []
            for row in rows:
                joined, single = row_bytes(row)
                out.append(single if joined is None else fingerprint64(joined))
        else:
            contiguous = np.ascontiguousarray(rows)
            out = [fingerprint64(r.tobytes()) for r in contiguous]
        packed = b"".join(struct.pack("<Q", v) for v in out)
        return np.frombuffer(packed, np.uint8).reshape(len(out), 8).copy()
    return run


def _sparse_parts(op, pieces_of, strings):
    rows = [pieces_of(s) for s in strings.reshape(-1)]
    indices = [(i, j) for i, parts in enumerate(rows) for j in range(len(parts))]
    values = np.empty(len(indices), object)
    values[:] = [p for parts in rows for p in parts]
    width = max((len(p) for p in rows), default=0)
    return (np.array(indices, np.int64).reshape(-1, 2), values,
            np.array([len(rows), width], np.int64))


def _split_v2(op, ctx):
    maxsplit = op.attrs["maxsplit"]

    def run(strings, sep):
        sep = sep.item() if isinstance(sep, np.ndarray) else sep
        if sep:
            return _sparse_parts(op, lambda s: s.split(sep, maxsplit if maxsplit > 0 else -1), strings)
        return _sparse_parts(op, lambda s: _split_whitespace(s, maxsplit), strings)
    return run


_WHITESPACE = b" \t\n\v\f\r"


def _split_whitespace(text, maxsplit):
    """TF's split at runs of whitespace: like Python's, except that once ``maxsplit``
    splits are made the rest is kept even when it is empty."""
    if maxsplit == 0:
        return [text]
    parts, text = [], text.lstrip(_WHITESPACE)
    while text:
        end = next((i for i, b in enumerate(text) if b in _WHITESPACE), len(text))
        parts.append(text[:end])
        text = text[end:].lstrip(_WHITESPACE)
        if 0 < maxsplit == len(parts):
            parts.append(text)
            break
    return parts


def _split(op, ctx):
    skip = op.attrs["skip_empty"]

    def run(strings, delimiter):
        delimiter = delimiter.item() if isinstance(delimiter, np.ndarray) else delimiter
        if not delimiter:
            pieces = lambda s: [s[i:i + 1] for i in range(len(s))]  # noqa: E731
        else:
            pattern = re.compile(b"[" + re.escape(delimiter) + b"]")

            def pieces(s):
                parts = pattern.split(s)
                return [p for p in parts if p] if skip else parts
        return _sparse_parts(op, pieces, strings)
    return run


KERNELS = {"StringToHashBucketFast": _bucket(fingerprint64), "StringToHashBucket": _bucket(tf_hash64),
           "Fingerprint": _fingerprint, "StringSplitV2": _split_v2, "StringSplit": _split}
