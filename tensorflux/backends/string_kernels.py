"""Host kernels of the string ops (``tensorflux.ops.string_ops``): NumPy object arrays
of bytes in and out, on every backend, as TF's string kernels run on the CPU."""
from __future__ import annotations

import re

import numpy as np

from tensorflux.core import errors

_MASK = 0xFFFFFFFFFFFFFFFF


def _bytes_array(values, shape) -> np.ndarray:
    """An object array of ``shape`` filled from the iterable ``values``."""
    out = np.empty(int(np.prod(shape, dtype=np.int64)), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out.reshape(shape)


def _map(fn, *arrays):
    """fn applied elementwise over broadcast object arrays, giving an object array."""
    b = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in arrays])
    shape = b[0].shape
    return _bytes_array((fn(*items) for items in zip(*(x.reshape(-1) for x in b))), shape)


def _as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def siphash24(key0: int, key1: int, data: bytes) -> int:
    """SipHash-2-4 (Aumasson and Bernstein) of ``data`` with the key (k0, k1)."""
    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & _MASK

    v = [key0 ^ 0x736F6D6570736575, key1 ^ 0x646F72616E646F6D,
         key0 ^ 0x6C7967656E657261, key1 ^ 0x7465646279746573]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & _MASK
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & _MASK
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & _MASK
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & _MASK
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    for i in range(0, len(data) - tail, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[len(data) - tail:], "little")
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _format_value(value) -> str:
    if isinstance(value, bytes):
        return '"' + value.decode("utf-8", "replace") + '"'
    if isinstance(value, (float, np.floating)):
        return "%g" % value
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    return str(value)


def summarize(array, n: int, depth: int = 0) -> str:
    """TF's tensor summary: the first and last ``n`` entries of each dimension."""
    if array.ndim == 0:
        return _format_value(array[()])
    count = array.shape[0]
    index = list(range(count)) if n < 0 or count <= 2 * n else \
        list(range(n)) + [None] + list(range(count - n, count))
    parts = ["..." if i is None else summarize(array[i], n, depth + 1) for i in index]
    separator = " " if array.ndim == 1 else "\n" + " " * (depth + 1)
    return "[" + separator.join(parts) + "]"


def _string_join(op, ctx):
    sep = op.attrs["separator"].encode()
    return lambda *xs: _map(lambda *parts: sep.join(parts), *xs)


def _length(op, ctx):
    chars = op.attrs["unit"] == "UTF8_CHAR"

    def run(x):
        lengths = [len(s.decode("utf-8", "replace")) if chars else len(s) for s in x.reshape(-1)]
        return np.array(lengths, dtype=np.int32).reshape(x.shape)
    return run


def _case(method):
    def b(op, ctx):
        utf8 = op.attrs["encoding"].lower() in ("utf-8", "utf8")

        def convert(s):
            if utf8:
                return getattr(s.decode("utf-8"), method)().encode("utf-8")
            return s.translate(_ASCII[method])  # ASCII letters only, as TF without encoding
        return lambda x: _map(convert, x)
    return b


_ASCII = {"lower": bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123))),
          "upper": bytes.maketrans(bytes(range(97, 123)), bytes(range(65, 91)))}


def _strip(op, ctx):
    return lambda x: _map(lambda s: s.strip(b" \t\n\r\v\f"), x)


def _reduce_join(op, ctx):
    axis, keep, sep = op.attrs["axis"], op.attrs["keep_dims"], op.attrs["separator"].encode()

    def run(x):
        axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in axis)
        if not axes:
            return x
        rest = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, rest + list(axes))
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
        rows = flat.reshape(-1, flat.shape[-1]) if flat.size else [[]] * int(np.prod(flat.shape[:-1]))
        out = _bytes_array((sep.join(row) for row in rows), flat.shape[:-1])
        if keep:
            out = out.reshape([1 if a in axes else d for a, d in enumerate(x.shape)])
        return out
    return run


def _regex_full_match(op, ctx):
    pattern = re.compile(op.attrs["pattern"].encode())
    return lambda x: np.array([pattern.fullmatch(s) is not None for s in x.reshape(-1)],
                              dtype=bool).reshape(x.shape)


def _regex_replace(op, ctx):
    pattern = re.compile(op.attrs["pattern"].encode())
    rewrite, count = op.attrs["rewrite"].encode(), 0 if op.attrs["replace_global"] else 1
    return lambda x: _map(lambda s: pattern.sub(rewrite, s, count=count), x)


def _substr(op, ctx):
    chars = op.attrs["unit"] == "UTF8_CHAR"

    def cut(s, pos, n):
        text = s.decode("utf-8") if chars else s
        pos, n = int(pos), int(n)
        start = pos + len(text) if pos < 0 else pos
        if start < 0 or start > len(text):
            raise errors.InvalidArgumentError(None, op, f"pos {pos} out of range for string {s!r} "
                                              f"of length {len(text)}")
        piece = text[start:start + max(n, 0)]
        return piece.encode("utf-8") if chars else piece
    return lambda x, pos, n: _map(cut, x, pos, n)


def _to_number(op, ctx):
    dt = op.attrs["out_type"].np_dtype

    def convert(s):
        try:
            text = s.decode().strip()
            return float(text) if dt.kind == "f" else int(text, 10)
        except ValueError:
            raise errors.InvalidArgumentError(None, op, f"StringToNumberOp could not correctly "
                                              f"convert string: {s.decode('utf-8', 'replace')}") from None

    def run(x):
        return np.array([convert(s) for s in x.reshape(-1)], dtype=dt).reshape(x.shape)
    return run


def _as_string(op, ctx):
    a = op.attrs
    spec = "%" + a["fill"] + (str(a["width"]) if a["width"] > -1 else "")

    def convert(v):
        if isinstance(v, (bool, np.bool_)):
            text = "true" if v else "false"
            return (("%" + (str(a["width"]) if a["width"] > -1 else "") + "s") % text).encode()
        if isinstance(v, (float, np.floating)):
            precision = "." + str(a["precision"]) if a["precision"] > -1 else ""
            kind = "e" if a["scientific"] else "g" if a["shortest"] else "f"
            return ((spec + precision + kind) % v).encode()
        return ((spec + "d") % int(v)).encode()

    return lambda x: _bytes_array((convert(v) for v in x.reshape(-1)), x.shape)


def _hash_strong(op, ctx):
    buckets, (k0, k1) = op.attrs["num_buckets"], op.attrs["key"]
    k0, k1 = k0 & _MASK, k1 & _MASK
    return lambda x: np.array([siphash24(k0, k1, s) % buckets for s in x.reshape(-1)],
                              dtype=np.int64).reshape(x.shape)


def _string_format(op, ctx):
    template, placeholder, n = op.attrs["template"], op.attrs["placeholder"], op.attrs["summarize"]
    pieces = template.split(placeholder)

    def run(*xs):
        out = pieces[0]
        for x, piece in zip(xs, pieces[1:]):
            out += summarize(np.asarray(x), n) + piece
        return _bytes_array([out.encode()], ())
    return run


def _encode_points(points, encoding, errors_, replacement):
    chars = []
    for p in points:
        p = int(p)
        if 0 <= p <= 0x10FFFF and not 0xD800 <= p <= 0xDFFF:
            chars.append(chr(p))
        elif errors_ == "strict":
            raise errors.InvalidArgumentError(None, None, f"Invalid code point {p}")
        elif errors_ == "replace":
            chars.append(chr(replacement))
    return "".join(chars).encode(encoding.lower())


def _unicode_encode(op, ctx):
    a = op.attrs

    def run(x):
        rows = x.reshape(-1, x.shape[-1]) if x.shape[-1] else np.zeros((int(np.prod(x.shape[:-1])), 0), x.dtype)
        return _bytes_array((_encode_points(r, a["output_encoding"], a["errors"], a["replacement_char"])
                             for r in rows), x.shape[:-1])
    return run


def _unicode_transcode(op, ctx):
    a = op.attrs

    def convert(s):
        try:
            text = s.decode(a["input_encoding"].lower(), "strict")
        except UnicodeDecodeError:
            if a["errors"] == "strict":
                raise errors.InvalidArgumentError(None, op, f"Invalid formatting on input string {s!r}") from None
            text = s.decode(a["input_encoding"].lower(), "replace" if a["errors"] == "replace" else "ignore")
            if a["errors"] == "replace" and a["replacement_char"] != 0xFFFD:
                text = text.replace("\ufffd", chr(a["replacement_char"]))
        if a["replace_control_characters"]:
            text = "".join(chr(a["replacement_char"]) if ord(ch) < 32 else ch for ch in text)
        return text.encode(a["output_encoding"].lower())
    return lambda x: _map(convert, x)


def _ngrams(op, ctx):
    a = op.attrs
    width, sep, pad = a["ngram_width"], a["separator"].encode(), a["pad_width"]
    left, right = a["left_pad"].encode(), a["right_pad"].encode()

    def grams(row):
        tokens = [left] * pad + list(row) + [right] * pad
        out = [sep.join(tokens[i:i + width]) for i in range(len(tokens) - width + 1)]
        if not out and a["preserve_short"] and len(row):
            out = [sep.join(tokens)]
        return out

    def run(x):
        rows = [grams(r) for r in x.reshape(-1, x.shape[-1])]
        count = len(rows[0]) if rows else 0
        return _bytes_array((g for r in rows for g in r), x.shape[:-1] + (count,))
    return run


def _segment_join(op, ctx):
    sep = op.attrs["separator"].encode()

    def run(x, ids, n):
        n = int(n)
        rest = x.shape[ids.ndim:]
        flat = x.reshape((ids.size, int(np.prod(rest, dtype=np.int64))))
        parts = [[[] for _ in range(flat.shape[1])] for _ in range(n)]
        for row, segment in zip(flat, ids.reshape(-1)):
            if segment >= n:
                raise errors.InvalidArgumentError(None, op, f"segment_ids {int(segment)} out of range [0, {n})")
            if segment >= 0:
                for j, s in enumerate(row):
                    parts[segment][j].append(s)
        return _bytes_array((sep.join(p) for seg in parts for p in seg), (n,) + rest)
    return run


KERNELS = {
    "StringJoin": _string_join, "StringLength": _length, "StringLower": _case("lower"),
    "StringUpper": _case("upper"), "StringStrip": _strip, "ReduceJoin": _reduce_join,
    "RegexFullMatch": _regex_full_match, "RegexReplace": _regex_replace, "Substr": _substr,
    "StringToNumber": _to_number, "AsString": _as_string, "StringToHashBucketStrong": _hash_strong,
    "StringFormat": _string_format, "UnicodeEncode": _unicode_encode,
    "UnicodeTranscode": _unicode_transcode, "StringNGrams": _ngrams,
    "UnsortedSegmentJoin": _segment_join,
}
