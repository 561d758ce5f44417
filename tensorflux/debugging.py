"""``tf.debugging``: assertions and checks (TF1's aliases of the top-level names)."""
from tensorflux.ops.check_ops import (assert_equal, assert_greater, assert_greater_equal,  # noqa: F401
                                      assert_integer, assert_less, assert_less_equal,
                                      assert_near, assert_negative, assert_non_negative,
                                      assert_non_positive, assert_none_equal, assert_positive,
                                      assert_proper_iterable, assert_rank,
                                      assert_rank_at_least, assert_rank_in,
                                      assert_same_float_dtype, assert_scalar, assert_type,
                                      is_non_decreasing, is_numeric_tensor,
                                      is_strictly_increasing)
from tensorflux.ops.logging_ops import Assert  # noqa: F401
from tensorflux.ops.math_ops import is_finite, is_nan  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
