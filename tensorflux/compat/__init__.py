"""``tf.compat``: text and bytes conversions, and ``tf.compat.v1``, which is tensorflux
itself, so that ``import tensorflux.compat.v1 as tf`` (the spelling TF1 code uses on
TensorFlow 2) works as ``import tensorflux as tf``."""
from __future__ import annotations

import numbers
import os
import sys

import numpy as np

import tensorflux as _tensorflux
from tensorflux.core.shapes import dimension_value  # noqa: F401
from tensorflux.ops.graph_helpers import dimension_at_index  # noqa: F401

v1 = _tensorflux
sys.modules[__name__ + ".v1"] = _tensorflux

bytes_or_text_types = (bytes, str)
integral_types = (numbers.Integral, np.integer)
real_types = (numbers.Real, np.integer, np.floating)
complex_types = (numbers.Complex, np.number)


def as_bytes(bytes_or_text, encoding="utf-8"):
    """``bytes_or_text`` as bytes (text encoded with ``encoding``)."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """``bytes_or_text`` as text (bytes decoded with ``encoding``)."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8"):
    """``value`` as text: bytes decoded, anything else through ``str``."""
    return as_text(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path):
    """A path-like object as a string (``os.fspath``); other values unchanged."""
    return os.fspath(path) if hasattr(path, "__fspath__") else path


from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
