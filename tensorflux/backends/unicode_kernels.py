"""Host kernel of ``StringSplitToRows`` (``tensorflux.ops.unicode_ops``): bytes, code
points or characters of each string with the byte offset where each starts, decoding
incrementally so that invalid bytes are replaced, skipped or refused as TF's ``errors``
says."""
from __future__ import annotations

import codecs

import numpy as np

from tensorflux.core import errors as tf_errors

_PYTHON_CODECS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _characters(op, data, encoding, errors, replacement, replace_controls):
    """[(code point, start byte offset)] of ``data``."""
    decoder = codecs.getincrementaldecoder(_PYTHON_CODECS[encoding])(
        "strict" if errors == "strict" else "replace")
    out, start = [], 0
    for i in range(len(data) + 1):
        try:
            text = decoder.decode(data[i:i + 1], final=i == len(data))
        except UnicodeDecodeError as exc:
            raise tf_errors.InvalidArgumentError(
                None, op, f"Invalid formatting on input string: {exc}") from None
        for ch in text:
            point = ord(ch)
            if ch == "\ufffd" and errors == "ignore":
                continue
            if ch == "\ufffd" and errors == "replace":
                point = replacement
            elif replace_controls and (point < 0x20 or 0x7F <= point < 0xA0):
                point = replacement
            out.append((point, start))
        if text:
            start = i + 1
    return out


def _split_rows(op, ctx):
    a = op.attrs
    mode, encoding = a["mode"], a["input_encoding"]

    def run(strings):
        pieces, splits, offsets = [], [0], []
        for s in strings.reshape(-1):
            if mode == "bytes":
                pieces += [s[i:i + 1] for i in range(len(s))]
                offsets += list(range(len(s)))
            else:
                chars = _characters(op, s, encoding, a["errors"], a["replacement_char"],
                                    a["replace_control_characters"])
                if mode == "decode":
                    pieces += [p for p, _ in chars]
                else:
                    pieces += [chr(p).encode(_PYTHON_CODECS[encoding]) for p, _ in chars]
                offsets += [o for _, o in chars]
            splits.append(len(pieces))
        if mode == "decode":
            values = np.array(pieces, np.int32)
        else:
            values = np.empty(len(pieces), object)
            values[:] = pieces
        return values, np.array(splits, np.int64), np.array(offsets, np.int64)
    return run


KERNELS = {"StringSplitToRows": _split_rows}
