"""``tf.bitwise``: bitwise operations on integer tensors."""
from tensorflux.ops.elementwise_ops import (bitwise_and, bitwise_or, bitwise_xor, invert,  # noqa: F401
                                            left_shift, population_count, right_shift)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
