"""``tf.dtypes``: the DType class, ``as_dtype`` and the dtype objects."""
from tensorflux.core.dtypes import (DType, as_dtype, bool_ as bool, complex64,  # noqa: F401,A001
                                    complex128, double, float16, float32, float64, half, int8,
                                    int16, int32, int64, string, uint8, uint16, uint32, uint64)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
