"""``tf.math``: TF1's aliases of the top-level math ops (``tf.math.add is tf.add``) and
the ops only it has (special functions, segment reductions, ...)."""
from tensorflux.ops.elementwise_ops import (acos, acosh, angle, asin, asinh, atan, atan2,  # noqa: F401
                                            atanh, bessel_i0, bessel_i0e, bessel_i1, bessel_i1e,
                                            betainc, conj, cosh, digamma, erf, erfc, erfcinv,
                                            erfinv, igamma, igammac, imag, is_inf, lbeta, lgamma,
                                            log_sigmoid, mul_no_nan as multiply_no_nan, ndtri,
                                            nextafter, polygamma, real, reciprocal_no_nan, rint,
                                            sinh, xdivy, xlog1py, xlogy, zeta)
from tensorflux.ops.elementwise_ops import div_no_nan as divide_no_nan  # noqa: F401
from tensorflux.ops.math_ops import (abs, add, add_n, argmax, argmin, ceil, cos,  # noqa: F401,A004
                                     divide, equal, exp, expm1, floor, floordiv, floormod,
                                     greater, greater_equal, is_finite, is_nan, less, less_equal,
                                     log, log1p, logical_and, logical_not, logical_or,
                                     logical_xor, maximum, minimum, mod, multiply, negative,
                                     not_equal, pow, reciprocal, reduce_all, reduce_any,
                                     reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum,
                                     round, rsqrt, sigmoid, sign, sin, sqrt, square,
                                     squared_difference, subtract, tan, tanh, truediv)
from tensorflux.ops.nn_ops import (in_top_k, l2_normalize, log_softmax, softmax,  # noqa: F401
                                   softplus, softsign, top_k)
from tensorflux.ops.reduction_ops import (accumulate_n, approx_max_k, approx_min_k,  # noqa: F401
                                          count_nonzero, cumprod, cumsum, cumulative_logsumexp,
                                          polyval,
                                          reduce_euclidean_norm, reduce_logsumexp, reduce_std,
                                          reduce_variance, scalar_mul, zero_fraction)
from tensorflux.ops.check_ops import is_non_decreasing, is_strictly_increasing  # noqa: F401
from tensorflux.ops.segment_ops import (bincount, confusion_matrix,  # noqa: F401
                                        invert_permutation, segment_max, segment_mean,
                                        segment_min, segment_prod, segment_sum,
                                        unsorted_segment_max, unsorted_segment_mean,
                                        unsorted_segment_min, unsorted_segment_prod,
                                        unsorted_segment_sqrt_n, unsorted_segment_sum)
from tensorflux import math_special as special  # noqa: F401,E402

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
