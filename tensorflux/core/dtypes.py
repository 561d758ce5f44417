"""Data types: the TF1 ``DType`` objects (``tf.float32`` ...) mapped onto NumPy dtypes.

A DType is a small immutable object so that ``x.dtype == tf.float32`` and
``x.dtype.is_floating`` read like TensorFlow, while kernels only ever see NumPy dtypes.
"""
from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type: a name plus the NumPy dtype that stores it."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name: str, numpy_type):
        self.name = name
        self._np = np.dtype(numpy_type)
        self.as_numpy_dtype = self._np.type

    @property
    def np_dtype(self) -> np.dtype:
        return self._np

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "iufc"

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def is_compatible_with(self, other) -> bool:
        return self is as_dtype(other)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool_ = DType("bool", np.bool_)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
string = DType("string", np.object_)
# An opaque value the runtime passes between ops (a TensorArray, the values a loop saves
# for its gradient): never fed, fetched or moved between devices.
variant = DType("variant", np.void)

# A handle to a runtime resource (TensorFlow's resource variables, tables): tensorflux's
# variables, queues and readers are TF1's ref-style ones, so no op makes it; it exists for
# code that compares dtypes with tf.resource.
resource = DType("resource", np.void)

ALL_DTYPES = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16,
              uint32, uint64, bool_, complex64, complex128, string, variant)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME["resource"] = resource
_BY_NAME["half"] = float16
_BY_NAME["double"] = float64
_BY_NP = {d.np_dtype: d for d in ALL_DTYPES}


def as_dtype(value) -> DType:
    """Convert a DType, a NumPy dtype / type, a Python type or a name to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        try:
            return _BY_NAME[value]
        except KeyError:
            raise TypeError(f"Cannot convert {value!r} to a tensorflux DType") from None
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    if value is str or value is bytes:
        return string
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a tensorflux DType") from None
    if npd.kind in "SU":
        return string
    try:
        return _BY_NP[npd]
    except KeyError:
        raise TypeError(f"Unsupported dtype {value!r}") from None


def as_bytes_array(value) -> np.ndarray:
    """An object array of bytes for string data, as TF holds strings: ``str`` elements
    are encoded as UTF-8, ``bytes`` kept."""
    arr = np.array(value, dtype=object)
    flat = arr.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, str):
            flat[i] = v.encode("utf-8")
        elif isinstance(v, np.bytes_):
            flat[i] = bytes(v)
    return arr
