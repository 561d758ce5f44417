"""TF1's namespaces hold the top-level ops themselves: ``tf.math.add is tf.add``.

Each alias is spelled out so that the API coverage count (docs/api-coverage.md) sees it; the
values of the ops are checked under their top-level names elsewhere."""
import pytest

import tensorflux as tf


MATH_ALIASES = [
    (tf.math.abs, tf.abs),
    (tf.math.accumulate_n, tf.accumulate_n),
    (tf.math.acos, tf.acos),
    (tf.math.acosh, tf.acosh),
    (tf.math.add_n, tf.add_n),
    (tf.math.angle, tf.angle),
    (tf.math.argmax, tf.argmax),
    (tf.math.argmin, tf.argmin),
    (tf.math.asinh, tf.asinh),
    (tf.math.atan, tf.atan),
    (tf.math.atan2, tf.atan2),
    (tf.math.atanh, tf.atanh),
    (tf.math.betainc, tf.betainc),
    (tf.math.ceil, tf.ceil),
    (tf.math.confusion_matrix, tf.confusion_matrix),
    (tf.math.conj, tf.conj),
    (tf.math.cos, tf.cos),
    (tf.math.cosh, tf.cosh),
    (tf.math.count_nonzero, tf.count_nonzero),
    (tf.math.cumprod, tf.cumprod),
    (tf.math.digamma, tf.digamma),
    (tf.math.divide, tf.divide),
    (tf.math.equal, tf.equal),
    (tf.math.erfc, tf.erfc),
    (tf.math.exp, tf.exp),
    (tf.math.expm1, tf.expm1),
    (tf.math.floor, tf.floor),
    (tf.math.floordiv, tf.floordiv),
    (tf.math.floormod, tf.floormod),
    (tf.math.greater, tf.greater),
    (tf.math.greater_equal, tf.greater_equal),
    (tf.math.igamma, tf.igamma),
    (tf.math.igammac, tf.igammac),
    (tf.math.imag, tf.imag),
    (tf.math.invert_permutation, tf.invert_permutation),
    (tf.math.is_finite, tf.is_finite),
    (tf.math.is_inf, tf.is_inf),
    (tf.math.is_nan, tf.is_nan),
    (tf.math.is_non_decreasing, tf.is_non_decreasing),
    (tf.math.is_strictly_increasing, tf.is_strictly_increasing),
    (tf.math.lbeta, tf.lbeta),
    (tf.math.less, tf.less),
    (tf.math.less_equal, tf.less_equal),
    (tf.math.lgamma, tf.lgamma),
    (tf.math.log, tf.log),
    (tf.math.log1p, tf.log1p),
    (tf.math.log_sigmoid, tf.log_sigmoid),
    (tf.math.logical_and, tf.logical_and),
    (tf.math.logical_not, tf.logical_not),
    (tf.math.logical_or, tf.logical_or),
    (tf.math.logical_xor, tf.logical_xor),
    (tf.math.maximum, tf.maximum),
    (tf.math.minimum, tf.minimum),
    (tf.math.mod, tf.mod),
    (tf.math.multiply, tf.multiply),
    (tf.math.negative, tf.negative),
    (tf.math.not_equal, tf.not_equal),
    (tf.math.polygamma, tf.polygamma),
    (tf.math.pow, tf.pow),
    (tf.math.real, tf.real),
    (tf.math.reciprocal, tf.reciprocal),
    (tf.math.reduce_all, tf.reduce_all),
    (tf.math.reduce_any, tf.reduce_any),
    (tf.math.reduce_logsumexp, tf.reduce_logsumexp),
    (tf.math.reduce_max, tf.reduce_max),
    (tf.math.reduce_mean, tf.reduce_mean),
    (tf.math.reduce_min, tf.reduce_min),
    (tf.math.reduce_prod, tf.reduce_prod),
    (tf.math.reduce_sum, tf.reduce_sum),
    (tf.math.rint, tf.rint),
    (tf.math.round, tf.round),
    (tf.math.rsqrt, tf.rsqrt),
    (tf.math.scalar_mul, tf.scalar_mul),
    (tf.math.segment_max, tf.segment_max),
    (tf.math.segment_mean, tf.segment_mean),
    (tf.math.segment_min, tf.segment_min),
    (tf.math.segment_prod, tf.segment_prod),
    (tf.math.sigmoid, tf.sigmoid),
    (tf.math.sign, tf.sign),
    (tf.math.sin, tf.sin),
    (tf.math.sinh, tf.sinh),
    (tf.math.sqrt, tf.sqrt),
    (tf.math.square, tf.square),
    (tf.math.squared_difference, tf.squared_difference),
    (tf.math.subtract, tf.subtract),
    (tf.math.tan, tf.tan),
    (tf.math.tanh, tf.tanh),
    (tf.math.truediv, tf.truediv),
    (tf.math.unsorted_segment_max, tf.unsorted_segment_max),
    (tf.math.unsorted_segment_mean, tf.unsorted_segment_mean),
    (tf.math.unsorted_segment_min, tf.unsorted_segment_min),
    (tf.math.unsorted_segment_prod, tf.unsorted_segment_prod),
    (tf.math.unsorted_segment_sqrt_n, tf.unsorted_segment_sqrt_n),
    (tf.math.unsorted_segment_sum, tf.unsorted_segment_sum),
    (tf.math.zeta, tf.zeta),
]

LINALG_ALIASES = [
    (tf.linalg.cholesky, tf.cholesky),
    (tf.linalg.cholesky_solve, tf.cholesky_solve),
    (tf.linalg.cross, tf.cross),
    (tf.linalg.einsum, tf.einsum),
    (tf.linalg.eye, tf.eye),
    (tf.linalg.global_norm, tf.global_norm),
    (tf.linalg.matmul, tf.matmul),
    (tf.linalg.matrix_transpose, tf.matrix_transpose),
    (tf.linalg.norm, tf.norm),
    (tf.linalg.qr, tf.qr),
    (tf.linalg.svd, tf.svd),
    (tf.linalg.tensordot, tf.tensordot),
    (tf.linalg.trace, tf.trace),
]

RANDOM_ALIASES = [
    (tf.random.truncated_normal, tf.truncated_normal),
]


@pytest.mark.parametrize("alias, op", MATH_ALIASES + LINALG_ALIASES + RANDOM_ALIASES,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_namespace_alias_is_the_top_level_op(alias, op):
    assert alias is op

SPARSE_ALIASES = [
    (tf.sparse.SparseTensor, tf.SparseTensor),
    (tf.sparse.concat, tf.sparse_concat),
    (tf.sparse.placeholder, tf.sparse_placeholder),
    (tf.sparse.reorder, tf.sparse_reorder),
    (tf.sparse.retain, tf.sparse_retain),
    (tf.sparse_fill_empty_rows, tf.sparse.fill_empty_rows),
    (tf.sparse_maximum, tf.sparse.maximum),
    (tf.sparse_merge, tf.sparse.merge),
    (tf.sparse_minimum, tf.sparse.minimum),
    (tf.sparse_reset_shape, tf.sparse.reset_shape),
    (tf.sparse_segment_mean, tf.sparse.segment_mean),
    (tf.sparse_segment_sqrt_n, tf.sparse.segment_sqrt_n),
    (tf.sparse_segment_sum, tf.sparse.segment_sum),
    (tf.sparse_slice, tf.sparse.slice),
    (tf.sparse_to_indicator, tf.sparse.to_indicator),
    (tf.sparse_transpose, tf.sparse.transpose),
]

OTHER_ALIASES = [
    (tf.nn.sigmoid, tf.sigmoid),
    (tf.nn.tanh, tf.tanh),
    (tf.lin_space, tf.linspace),
]


@pytest.mark.parametrize("alias, op", SPARSE_ALIASES + OTHER_ALIASES,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_sparse_and_other_aliases_are_the_same_objects(alias, op):
    assert alias is op
