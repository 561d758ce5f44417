"""Host kernels of ``Assert``, ``Print`` and ``PrintV2``, and TF's text form of a tensor.

``summarize_value`` writes an array the way TensorFlow's ``Tensor::SummarizeValue`` does:
TF1's form (``print_v2=False``: the first ``n`` values, nested brackets without commas,
``...`` when cut short) for ``tf.Assert`` and ``tf.Print``, and TF2's (``[0 1 2 ... 7 8
9]``, first and last ``n`` per dimension, NumPy-like line breaks) for ``tf.print``.
"""
from __future__ import annotations

import sys
import weakref

import numpy as np

from tensorflux.core import errors

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "'": "\\'", "\\": "\\\\"}


def _c_escape(data: bytes) -> str:
    """absl's Utf8SafeCEscape: C escapes, octal for other control and invalid bytes."""
    out = []
    for ch in data.decode("utf-8", "surrogateescape"):
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0xDC80 <= code <= 0xDCFF:  # an undecodable byte
            out.append(f"\\{code - 0xDC00:03o}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\{code:03o}")
        else:
            out.append(ch)
    return "".join(out)


def _float_text(value, digits):
    """strings::StrCat of a float: the shortest of %.{digits}g and %.{digits+2/3}g that
    reads back as the same value."""
    text = "%.*g" % (digits[0], value)
    if not np.isfinite(value) or type(value)(float(text)) == value:
        return text
    return "%.*g" % (digits[1], value)


def _element_formatter(dtype, print_v2):
    if dtype.kind == "f":
        if dtype.itemsize == 8:
            return lambda v: _float_text(np.float64(v), (15, 17))
        return lambda v: _float_text(np.float32(v), (6, 9))
    if dtype.kind == "b":
        return lambda v: "1" if v else "0"
    if dtype.kind in "OSU":
        def text(v):
            raw = v.encode() if isinstance(v, str) else bytes(v)
            return f'"{_c_escape(raw)}"' if print_v2 else _c_escape(raw)
        return text
    if dtype.kind == "c":
        return lambda v: f"({_float_text(v.real, (6, 9))},{_float_text(v.imag, (6, 9))})"
    return lambda v: str(int(v))


def summarize_value(array, max_entries=3, print_v2=False) -> str:
    """The text TensorFlow prints for ``array`` (at most ``max_entries`` values,
    all of them when negative)."""
    array = np.asarray(array)
    flat = array.ravel()
    num = flat.size
    limit = num if max_entries is None or max_entries < 0 else min(int(max_entries), num)
    fmt = _element_formatter(array.dtype, print_v2)
    if array.ndim == 0:
        return " ".join(fmt(v) for v in flat[:limit]) + ("..." if num > limit else "")
    if print_v2:
        return _dims_v2(array, limit, fmt)
    out, index = [], [0]

    def one_dim(dim):
        if index[0] >= limit:
            return
        count = array.shape[dim]
        if dim == array.ndim - 1:
            for i in range(count):
                if index[0] >= limit:
                    if dim != 0:
                        out.append("...")
                    return
                if i > 0:
                    out.append(" ")
                out.append(fmt(flat[index[0]]))
                index[0] += 1
            return
        for _ in range(count):
            opened = index[0] < limit
            if opened:
                out.append("[")
            one_dim(dim + 1)
            if index[0] < limit or opened:
                out.append("]")

    one_dim(0)
    return "".join(out) + ("..." if num > limit else "")


def _dims_v2(array, ends, fmt):
    """TF2's layout: per dimension the first and last ``ends`` entries around '...'."""
    ndim = array.ndim

    def spacing(dim):
        if dim == ndim - 1:
            return " "
        return "\n" * (ndim - dim - 1) + " " * (dim + 1)

    def one_dim(index, dim):
        if dim == ndim:
            return fmt(array[index])
        count = array.shape[dim]
        rows = list(range(min(ends, count))) + [None] * (count > 2 * ends) \
            + list(range(max(ends, count - ends), count))
        parts = ["..." if i is None else one_dim(index + (i,), dim + 1) for i in rows]
        return "[" + spacing(dim).join(parts) + "]"

    return one_dim((), 0)


def _assert(op, ctx):
    summarize = op.attrs["summarize"]

    def run(condition, *data):
        condition = np.asarray(condition)
        if condition.ndim > 1 or condition.size != 1:
            raise errors.InvalidArgumentError(
                None, op, f"In[0] should be a scalar: {list(condition.shape)}")
        if not bool(condition.reshape(())):
            texts = " ".join(f"[{summarize_value(d, summarize)}]" for d in data)
            raise errors.InvalidArgumentError(None, op, f"assertion failed: {texts}")
    return run


# Session -> {op name: times printed}: first_n counts per session, as TF's kernels do.
_PRINT_COUNTS = weakref.WeakKeyDictionary()


def _print(op, ctx):
    message, first_n, summarize = op.attrs["message"], op.attrs["first_n"], op.attrs["summarize"]
    counts = _PRINT_COUNTS.setdefault(ctx.session, {})

    def run(value, *data):
        if first_n < 0 or counts.get(op.name, 0) < first_n:
            counts[op.name] = counts.get(op.name, 0) + 1
            texts = "".join(f"[{summarize_value(d, summarize)}]" for d in data)
            print(message + texts, file=sys.stderr, flush=True)
        return value
    return run


def _write(stream, text):
    """Send ``text`` where tf.print's ``output_stream`` attr says."""
    if stream == "stdout":
        sys.stdout.write(text)
        sys.stdout.flush()
    elif stream == "stderr":
        sys.stderr.write(text)
        sys.stderr.flush()
    elif stream.startswith("file://"):
        with open(stream[len("file://"):], "a") as f:
            f.write(text)
    else:
        from tensorflux import tflogging
        level = stream[len("log("):-1]
        getattr(tflogging, level)("%s", text.rstrip("\n"))


def _print_v2(op, ctx):
    template, placeholder = op.attrs["template"], op.attrs["placeholder"]
    summarize, stream, end = op.attrs["summarize"], op.attrs["output_stream"], op.attrs["end"]
    pieces = template.split(placeholder)

    def run(*tensors):
        out = [pieces[0]]
        for piece, tensor in zip(pieces[1:], tensors):
            tensor = np.asarray(tensor)
            if tensor.ndim == 0 and tensor.dtype.kind in "OSU" and template == placeholder:
                value = tensor[()]  # a lone string scalar prints as it is
                out.append(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
            else:
                out.append(summarize_value(tensor, summarize, print_v2=True))
            out.append(piece)
        _write(stream, "".join(out) + end)
    return run


KERNELS = {"Assert": _assert, "Print": _print, "PrintV2": _print_v2}
