"""Numeric cases of the ops added for TF1's API breadth (tf.math, tf.linalg, tf.bitwise,
tf.strings, array manipulation, tf.nn extras), each against NumPy, SciPy or TF1's
documented numbers. ``test_ops`` runs them on every backend with its own cases."""
import math
import re

import numpy as np
import scipy.linalg as sp_linalg
import scipy.special as sp

import tensorflux as tf

R = np.random.default_rng(7)
A = R.normal(size=(3, 4))                     # float64
F = A.astype(np.float32)
U = R.uniform(0.1, 0.9, size=(3, 4))          # in (0, 1)
P = R.uniform(0.5, 3.0, size=(3, 4))          # positive
I = np.array([[7, -7, 12], [-3, 5, 0]], np.int32)
J = np.array([[2, 2, -5], [2, -2, 3]], np.int32)
Z = np.array([[1.0, 0.0, -2.0], [0.0, 3.0, 4.0]])
SEG = np.array([0, 0, 1, 3])
D = R.normal(size=(4, 2))


def c(x):
    return tf.constant(x)


def _cum(x, axis, exclusive=False, reverse=False, fn=np.cumsum, identity=0.0):
    x = np.flip(x, axis) if reverse else x
    out = fn(x, axis=axis)
    if exclusive:
        out = np.moveaxis(out, axis, 0)
        out = np.concatenate([np.full((1,) + out.shape[1:], identity), out[:-1]])
        out = np.moveaxis(out, 0, axis)
    return np.flip(out, axis) if reverse else out


def _segments(data, ids, n, reduce, empty):
    out = np.full((n,) + data.shape[1:], empty, dtype=data.dtype)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


MATH_CASES = {
    # elementwise: trigonometric and hyperbolic
    "acos": (lambda: tf.acos(c(U)), np.arccos(U)),
    "asin": (lambda: tf.math.asin(c(U)), np.arcsin(U)),
    "atan": (lambda: tf.atan(c(A)), np.arctan(A)),
    "sinh": (lambda: tf.sinh(c(A)), np.sinh(A)),
    "cosh": (lambda: tf.cosh(c(A)), np.cosh(A)),
    "asinh": (lambda: tf.asinh(c(A)), np.arcsinh(A)),
    "acosh": (lambda: tf.acosh(c(P + 1)), np.arccosh(P + 1)),
    "atanh": (lambda: tf.atanh(c(U)), np.arctanh(U)),
    "atan2": (lambda: tf.atan2(c(A), c(A[::-1])), np.arctan2(A, A[::-1])),
    # special functions (against scipy.special and math)
    "erf": (lambda: tf.erf(c(F)), np.array([[math.erf(v) for v in row] for row in F], np.float32)),
    "erfc": (lambda: tf.erfc(c(A)), np.array([[math.erfc(v) for v in row] for row in A])),
    "erfinv": (lambda: tf.math.erfinv(c(U * 2 - 1)), sp.erfinv(U * 2 - 1)),
    "erfcinv": (lambda: tf.math.erfcinv(c(U)), sp.erfcinv(U)),
    "ndtri": (lambda: tf.math.ndtri(c(U)), sp.ndtri(U)),
    "lgamma": (lambda: tf.lgamma(c(P)), np.array([[math.lgamma(v) for v in row] for row in P])),
    "digamma": (lambda: tf.digamma(c(P)), sp.digamma(P)),
    "polygamma": (lambda: tf.polygamma(c(np.full((3, 4), 2.0)), c(P)), sp.polygamma(2, P)),
    "zeta": (lambda: tf.zeta(c(P + 1), c(P)), sp.zeta(P + 1, P)),
    "igamma": (lambda: tf.igamma(c(P), c(P[::-1])), sp.gammainc(P, P[::-1])),
    "igammac": (lambda: tf.igammac(c(P), c(P[::-1])), sp.gammaincc(P, P[::-1])),
    "betainc": (lambda: tf.betainc(c(P), c(P[::-1]), c(U)), sp.betainc(P, P[::-1], U)),
    "lbeta": (lambda: tf.lbeta(c(P)), np.array([sum(math.lgamma(v) for v in row) - math.lgamma(sum(row))
                                                for row in P])),
    "bessel_i0": (lambda: tf.math.bessel_i0(c(A)), np.i0(A)),
    "bessel_i0e": (lambda: tf.math.bessel_i0e(c(A)), np.i0(A) * np.exp(-np.abs(A))),
    "bessel_i1": (lambda: tf.math.bessel_i1(c(A)), sp.i1(A)),
    "bessel_i1e": (lambda: tf.math.bessel_i1e(c(A)), sp.i1(A) * np.exp(-np.abs(A))),
    "log_sigmoid": (lambda: tf.log_sigmoid(c(A * 50)), -np.logaddexp(0, -A * 50)),
    # safe divisions and x*log(y)
    "div_no_nan": (lambda: tf.div_no_nan(c(A[:2, :3]), c(Z)), np.where(Z == 0, 0, A[:2, :3] / np.where(Z == 0, 1, Z))),
    "mul_no_nan": (lambda: tf.math.multiply_no_nan(c(np.array([np.inf, np.nan, 2.0])), c(np.array([0.0, 0.0, 3.0]))),
                   np.array([0.0, 0.0, 6.0])),
    "reciprocal_no_nan": (lambda: tf.math.reciprocal_no_nan(c(Z)), np.where(Z == 0, 0, 1 / np.where(Z == 0, 1, Z))),
    "xlogy": (lambda: tf.math.xlogy(c(Z), c(np.abs(Z))), np.where(Z == 0, 0, Z * np.log(np.where(Z == 0, 1, np.abs(Z))))),
    "xlog1py": (lambda: tf.math.xlog1py(c(Z), c(np.abs(Z))), np.where(Z == 0, 0, Z * np.log1p(np.abs(Z)))),
    "xdivy": (lambda: tf.math.xdivy(c(Z), c(Z[::-1] + 0.5)), np.where(Z == 0, 0, Z / (Z[::-1] + 0.5))),
    "nextafter": (lambda: tf.math.nextafter(c(A), c(np.zeros_like(A))), np.nextafter(A, 0)),
    "truncatediv": (lambda: tf.truncatediv(c(I), c(J)), np.trunc(I / J).astype(np.int32)),
    "truncatediv_float": (lambda: tf.truncatediv(c(A), c(P)), np.trunc(A / P)),
    "truncatemod": (lambda: tf.truncatemod(c(I), c(J)), np.fmod(I, J)),
    "rint": (lambda: tf.rint(c(np.array([0.5, 1.5, 2.5, -0.5, -1.7]))), np.array([0.0, 2.0, 2.0, -0.0, -2.0])),
    "is_inf": (lambda: tf.is_inf(c(np.array([1.0, np.inf, -np.inf, np.nan]))), np.array([False, True, True, False])),
    # complex numbers
    "complex": (lambda: tf.complex(c(A), c(P)), A + 1j * P),
    "complex64": (lambda: tf.complex(c(F), c(F)), (F + 1j * F).astype(np.complex64)),
    "real": (lambda: tf.real(c(A + 1j * P)), A),
    "imag": (lambda: tf.imag(c(A + 1j * P)), P),
    "imag_of_real": (lambda: tf.imag(c(A)), np.zeros_like(A)),
    "conj": (lambda: tf.conj(c(A + 1j * P)), A - 1j * P),
    "angle": (lambda: tf.angle(c(A + 1j * P)), np.angle(A + 1j * P)),
    "angle_of_real": (lambda: tf.angle(c(np.array([-2.0, 0.0, 3.0]))), np.array([np.pi, 0.0, 0.0])),
    # bitwise
    "bitwise_and": (lambda: tf.bitwise.bitwise_and(c(I), c(J)), I & J),
    "bitwise_or": (lambda: tf.bitwise.bitwise_or(c(I), c(J)), I | J),
    "bitwise_xor": (lambda: tf.bitwise.bitwise_xor(c(I), c(J)), I ^ J),
    "invert": (lambda: tf.bitwise.invert(c(np.array([0, 5, 255], np.uint8))), np.array([255, 250, 0], np.uint8)),
    "left_shift": (lambda: tf.bitwise.left_shift(c(I), c(np.int32(2))), I << 2),
    "right_shift": (lambda: tf.bitwise.right_shift(c(I), c(np.int32(1))), I >> 1),
    "population_count": (lambda: tf.bitwise.population_count(c(np.array([0, 7, -1], np.int16))),
                         np.array([0, 3, 16], np.uint8)),
    # cumulative
    "cumsum": (lambda: tf.cumsum(c(A), axis=1), np.cumsum(A, 1)),
    "cumsum_exclusive_reverse": (lambda: tf.cumsum(c(I), axis=1, exclusive=True, reverse=True),
                                 _cum(I, 1, True, True).astype(np.int32)),
    "cumsum_doc": (lambda: tf.cumsum([1, 2, 3], exclusive=True), np.array([0, 1, 3], np.int32)),
    "cumprod": (lambda: tf.cumprod(c(A), axis=0, reverse=True), _cum(A, 0, reverse=True, fn=np.cumprod)),
    "cumprod_exclusive": (lambda: tf.cumprod(c(A), axis=-1, exclusive=True),
                          _cum(A, 1, exclusive=True, fn=np.cumprod, identity=1.0)),
    "cumulative_logsumexp": (lambda: tf.math.cumulative_logsumexp(c(A * 100), axis=1),
                             np.logaddexp.accumulate(A * 100, axis=1)),
    # composite reductions
    "reduce_logsumexp": (lambda: tf.reduce_logsumexp(c(A * 100), axis=1), sp.logsumexp(A * 100, axis=1)),
    "reduce_logsumexp_all_keep": (lambda: tf.reduce_logsumexp(c(A), keepdims=True), sp.logsumexp(A, keepdims=True)),
    "reduce_variance": (lambda: tf.math.reduce_variance(c(A), axis=0), A.var(0)),
    "reduce_std": (lambda: tf.math.reduce_std(c(A), axis=1, keepdims=True), A.std(1, keepdims=True)),
    "reduce_euclidean_norm": (lambda: tf.math.reduce_euclidean_norm(c(A), axis=0), np.linalg.norm(A, axis=0)),
    "reduce_euclidean_norm_int": (lambda: tf.math.reduce_euclidean_norm(c(np.array([[1, 2, 3], [1, 1, 1]], np.int32))),
                                  np.int32(4)),
    "count_nonzero": (lambda: tf.count_nonzero(c(Z), axis=1), np.count_nonzero(Z, axis=1)),
    "count_nonzero_strings": (lambda: tf.count_nonzero(c(np.array(["", "a", "bc"]))), np.int64(2)),
    "zero_fraction": (lambda: tf.math.zero_fraction(c(Z)), np.float32(2 / 6)),
    "scalar_mul": (lambda: tf.scalar_mul(2.5, c(A)), 2.5 * A),
    "accumulate_n": (lambda: tf.accumulate_n([c(A), c(P), c(A)]), A + P + A),
    "polyval": (lambda: tf.math.polyval([2.0, -1.0, 3.0], c(A)), np.polyval([2, -1, 3], A)),
    "is_non_decreasing": (lambda: tf.is_non_decreasing(c(np.array([1, 1, 2, 5]))), np.bool_(True)),
    "is_strictly_increasing": (lambda: tf.is_strictly_increasing(c(np.array([1, 1, 2, 5]))), np.bool_(False)),
    "approx_max_k": (lambda: tf.math.approx_max_k(c(A), 2, reduction_dimension=0)[0], -np.sort(-A, axis=0)[:2]),
    "approx_min_k": (lambda: tf.math.approx_min_k(c(A), 1)[1], np.argmin(A, axis=1)[:, None].astype(np.int32)),
    # segment reductions (TF1's documented examples and a direct loop)
    "segment_sum_doc": (lambda: tf.segment_sum(c(np.array([[1, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]], np.int32)),
                                               c(np.array([0, 0, 1]))),
                        np.array([[5, 5, 5, 5], [5, 6, 7, 8]], np.int32)),
    "segment_sum": (lambda: tf.segment_sum(c(D), c(SEG)), _segments(D, SEG, 4, np.sum, 0)),
    "segment_mean": (lambda: tf.segment_mean(c(D), c(SEG)), _segments(D, SEG, 4, np.mean, 0)),
    "segment_max": (lambda: tf.segment_max(c(D), c(SEG)), _segments(D, SEG, 4, np.max, 0)),
    "segment_min": (lambda: tf.segment_min(c(D), c(SEG)), _segments(D, SEG, 4, np.min, 0)),
    "segment_prod": (lambda: tf.segment_prod(c(D), c(SEG)), _segments(D, SEG, 4, np.prod, 1)),
    "unsorted_segment_sum": (lambda: tf.unsorted_segment_sum(c(D), c(SEG[::-1]), 5),
                             _segments(D, SEG[::-1], 5, np.sum, 0)),
    "unsorted_segment_max": (lambda: tf.unsorted_segment_max(c(D), c(SEG[::-1]), 5),
                             _segments(D, SEG[::-1], 5, np.max, np.finfo(np.float64).min)),
    "unsorted_segment_min_int": (lambda: tf.unsorted_segment_min(c(I.T), c(np.array([1, -1, 1])), 2),
                                 np.array([[np.iinfo(np.int32).max] * 2, [7, -3]], np.int32)),
    "unsorted_segment_prod": (lambda: tf.unsorted_segment_prod(c(D), c(SEG[::-1]), 4),
                              _segments(D, SEG[::-1], 4, np.prod, 1)),
    "unsorted_segment_mean": (lambda: tf.unsorted_segment_mean(c(D), c(SEG), 4), _segments(D, SEG, 4, np.mean, 0)),
    "unsorted_segment_sqrt_n": (lambda: tf.unsorted_segment_sqrt_n(c(D), c(SEG), 4),
                                _segments(D, SEG, 4, lambda r, axis: r.sum(axis) / np.sqrt(len(r)), 0)),
    "unsorted_segment_2d_ids": (lambda: tf.unsorted_segment_sum(c(A), c(np.array([[0, 1, 0, 1]] * 3)), 2),
                                np.array([A[:, ::2].sum(), A[:, 1::2].sum()])),
    "segment_gather": (lambda: tf.get_default_graph().create_op(
        "SegmentGather", [c(D), c(np.array([3, -1, 0, 9]))]).outputs[0],
        np.stack([D[3], np.zeros(2), D[0], np.zeros(2)])),
    "invert_permutation": (lambda: tf.invert_permutation(c(np.array([3, 4, 0, 2, 1], np.int32))),
                           np.array([2, 4, 3, 0, 1], np.int32)),
    "bincount": (lambda: tf.bincount(c(np.array([1, 1, 4, 2, 1], np.int32))), np.bincount([1, 1, 4, 2, 1]).astype(np.int32)),
    "bincount_weights_limits": (lambda: tf.math.bincount(c(np.array([1, 1, 4, 2], np.int32)), weights=c(A[0]),
                                                         minlength=3, maxlength=3),
                                np.array([0, A[0, 0] + A[0, 1], A[0, 3]])),
    "confusion_matrix_doc": (lambda: tf.confusion_matrix([1, 2, 4], [2, 2, 4]),
                             np.array([[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0],
                                       [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]], np.int32)),
}

SQ = R.normal(size=(3, 3))
SPD = SQ @ SQ.T + 3 * np.eye(3)
BSPD = np.stack([SPD, SPD + np.eye(3)])          # a batch of 2
RHS = R.normal(size=(3, 2))
TALL = R.normal(size=(4, 3))
WIDE = TALL.T
V3 = R.normal(size=(2, 3))


def _band(x, lower, upper):
    i, j = np.indices(x.shape[-2:])
    return np.where(((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper)), x, 0)


LINALG_CASES = {
    "cholesky": (lambda: tf.cholesky(c(BSPD)), np.linalg.cholesky(BSPD)),
    "cholesky_solve": (lambda: tf.cholesky_solve(tf.cholesky(c(SPD)), c(RHS)), np.linalg.solve(SPD, RHS)),
    "matrix_solve": (lambda: tf.matrix_solve(c(SQ), c(RHS)), np.linalg.solve(SQ, RHS)),
    "matrix_solve_adjoint": (lambda: tf.linalg.solve(c(SQ), c(RHS), adjoint=True), np.linalg.solve(SQ.T, RHS)),
    "matrix_solve_broadcast": (lambda: tf.matrix_solve(c(BSPD), c(RHS)), np.linalg.solve(BSPD, RHS)),
    "triangular_solve": (lambda: tf.matrix_triangular_solve(c(SQ), c(RHS)), np.linalg.solve(np.tril(SQ), RHS)),
    "triangular_solve_upper_adjoint": (lambda: tf.linalg.triangular_solve(c(SQ), c(RHS), lower=False, adjoint=True),
                                       np.linalg.solve(np.triu(SQ).T, RHS)),
    "slogdet_sign": (lambda: tf.linalg.slogdet(c(SQ))[0], np.linalg.slogdet(SQ)[0]),
    "slogdet_logabs": (lambda: tf.linalg.slogdet(c(BSPD))[1], np.linalg.slogdet(BSPD)[1]),
    "logdet": (lambda: tf.linalg.logdet(c(BSPD)), np.log(np.linalg.det(BSPD))),
    "qr_r": (lambda: tf.qr(c(TALL))[1], np.linalg.qr(TALL)[1]),
    "qr_q_full": (lambda: tf.qr(c(TALL), full_matrices=True)[0], np.linalg.qr(TALL, mode="complete")[0]),
    "svd_s": (lambda: tf.svd(c(WIDE), compute_uv=False), np.linalg.svd(WIDE, compute_uv=False)),
    "svd_reconstructs": (lambda: (lambda s, u, v: tf.matmul(u * s[..., None, :], v, adjoint_b=True))(*tf.svd(c(TALL))),
                         TALL),
    "svd_u_abs": (lambda: tf.abs(tf.svd(c(np.stack([TALL, 2 * TALL])))[1]),
                  np.abs(np.linalg.svd(np.stack([TALL, 2 * TALL]), full_matrices=False)[0])),
    "eigh_values": (lambda: tf.self_adjoint_eig(c(BSPD))[0], np.linalg.eigvalsh(BSPD)),
    "eigh_vectors_abs": (lambda: tf.abs(tf.linalg.eigh(c(SPD))[1]), np.abs(np.linalg.eigh(SPD)[1])),
    "eigvalsh": (lambda: tf.self_adjoint_eigvals(c(SPD)), np.linalg.eigvalsh(SPD)),
    "linalg_eigvalsh": (lambda: tf.linalg.eigvalsh(c(BSPD)), np.linalg.eigvalsh(BSPD)),
    "band_part": (lambda: tf.matrix_band_part(c(TALL), 1, 0), _band(TALL, 1, 0)),
    "band_part_upper": (lambda: tf.linalg.band_part(c(TALL), 0, -1), np.triu(TALL)),
    "matrix_diag": (lambda: tf.matrix_diag(c(V3)), np.stack([np.diag(v) for v in V3])),
    "matrix_diag_part": (lambda: tf.matrix_diag_part(c(TALL)), np.diagonal(TALL)),
    "matrix_set_diag": (lambda: tf.matrix_set_diag(c(TALL), c(np.arange(3.0))),
                        np.where(np.eye(4, 3, dtype=bool), np.eye(4, 3) * np.arange(3.0), TALL)),
    "diag": (lambda: tf.diag(c(np.array([1, 2, 3, 4], np.int32))), np.diag([1, 2, 3, 4]).astype(np.int32)),
    "diag_rank2": (lambda: tf.diag(c(V3)), np.einsum("ij,ik,jl->ijkl", V3, np.eye(2), np.eye(3))),
    "diag_part": (lambda: tf.diag_part(c(np.diag([1.0, 2.0, 3.0]))), np.array([1.0, 2.0, 3.0])),
    "trace": (lambda: tf.trace(c(BSPD)), np.trace(BSPD, axis1=-2, axis2=-1)),
    "cross": (lambda: tf.cross(c(V3), c(V3[::-1])), np.cross(V3, V3[::-1])),
    "einsum_matmul": (lambda: tf.einsum("ij,jk->ik", c(TALL), c(SQ)), TALL @ SQ),
    "einsum_batch_trace": (lambda: tf.einsum("bij,bjk->bik", c(BSPD), c(BSPD)), BSPD @ BSPD),
    "einsum_implicit": (lambda: tf.einsum("ij,ij", c(SQ), c(SQ)), np.einsum("ij,ij", SQ, SQ)),
    "einsum_ellipsis": (lambda: tf.einsum("...ij->...ji", c(BSPD)), np.swapaxes(BSPD, -1, -2)),
    "eye": (lambda: tf.eye(2, 3, batch_shape=[2]), np.broadcast_to(np.eye(2, 3, dtype=np.float32), (2, 2, 3))),
    "eye_dynamic": (lambda: tf.eye(tf.placeholder_with_default(3, [])), np.eye(3, dtype=np.float32)),
    "matvec": (lambda: tf.linalg.matvec(c(SQ), c(V3[0])), SQ @ V3[0]),
    "tensordot": (lambda: tf.tensordot(c(BSPD), c(TALL.T), axes=1), np.tensordot(BSPD, TALL.T, axes=1)),
    "tensordot_lists": (lambda: tf.tensordot(c(BSPD), c(BSPD), axes=[[0, 2], [0, 1]]),
                        np.tensordot(BSPD, BSPD, axes=[[0, 2], [0, 1]])),
    "matrix_transpose": (lambda: tf.matrix_transpose(c(BSPD[:, :2])), np.swapaxes(BSPD[:, :2], -1, -2)),
    "adjoint": (lambda: tf.linalg.adjoint(c(SQ + 1j * SQ.T)), (SQ + 1j * SQ.T).conj().T),
    "norm_euclidean": (lambda: tf.norm(c(TALL)), np.linalg.norm(TALL)),
    "norm_vector_axis": (lambda: tf.norm(c(TALL), ord=1, axis=1), np.linalg.norm(TALL, 1, axis=1)),
    "norm_vector_p3": (lambda: tf.norm(c(TALL), ord=3, axis=0, keepdims=True), np.linalg.norm(TALL, 3, axis=0, keepdims=True)),
    "norm_inf": (lambda: tf.norm(c(TALL), ord=np.inf, axis=-1), np.linalg.norm(TALL, np.inf, axis=-1)),
    "norm_matrix_1": (lambda: tf.norm(c(BSPD), ord=1, axis=[-2, -1]), np.linalg.norm(BSPD, 1, axis=(-2, -1))),
    "norm_matrix_inf": (lambda: tf.norm(c(TALL), ord=np.inf, axis=(0, 1)), np.linalg.norm(TALL, np.inf)),
    "norm_matrix_2": (lambda: tf.norm(c(TALL), ord=2, axis=[0, 1]), np.linalg.norm(TALL, 2)),
    "normalize": (lambda: tf.linalg.normalize(c(TALL), axis=1)[0], TALL / np.linalg.norm(TALL, axis=1, keepdims=True)),
    "lstsq_tall": (lambda: tf.linalg.lstsq(c(TALL), c(R.normal(size=(4, 2)) * 0 + np.arange(8.0).reshape(4, 2))),
                   np.linalg.lstsq(TALL, np.arange(8.0).reshape(4, 2), rcond=None)[0]),
    "lstsq_wide_regularized": (lambda: tf.matrix_solve_ls(c(WIDE), c(np.ones((3, 1))), l2_regularizer=0.5),
                               WIDE.T @ np.linalg.solve(WIDE @ WIDE.T + 0.5 * np.eye(3), np.ones((3, 1)))),
    "pinv": (lambda: tf.linalg.pinv(c(TALL)), np.linalg.pinv(TALL)),
    "matrix_rank": (lambda: tf.linalg.matrix_rank(c(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]))), np.int32(1)),
    "tensor_diag_part": (lambda: tf.linalg.tensor_diag_part(c(np.diag([1.0, 2.0]))), np.array([1.0, 2.0])),
    "lu_packed": (lambda: tf.linalg.lu(c(SQ))[0], sp_linalg.lu_factor(SQ)[0]),
    "lu_perm_rows": (lambda: (lambda lu, p: tf.gather(c(BSPD[0]), p) - tf.matmul(
        tf.matrix_set_diag(tf.matrix_band_part(lu, -1, 0), tf.ones([3], tf.float64)), tf.matrix_band_part(lu, 0, -1)))(
        *tf.linalg.lu(c(BSPD[0]))), np.zeros((3, 3))),
    "lu_reconstruct_batch": (lambda: tf.linalg.lu_reconstruct(*tf.linalg.lu(c(np.stack([SQ, SQ.T])))), np.stack([SQ, SQ.T])),
    "lu_solve": (lambda: tf.linalg.lu_solve(*tf.linalg.lu(c(SQ)), c(RHS)), np.linalg.solve(SQ, RHS)),
    "lu_matrix_inverse_batch": (lambda: tf.linalg.lu_matrix_inverse(*tf.linalg.lu(c(BSPD))), np.linalg.inv(BSPD)),
    "expm": (lambda: tf.linalg.expm(c(np.stack([SQ, 3 * SQ]))), np.stack([sp_linalg.expm(SQ), sp_linalg.expm(3 * SQ)])),
    "sqrtm": (lambda: tf.matrix_square_root(c(BSPD)), np.stack([sp_linalg.sqrtm(m).real for m in BSPD])),
    "tridiagonal_matmul": (lambda: tf.linalg.tridiagonal_matmul(c(np.stack([[1.0, 2.0, 0.0], [4.0, 5.0, 6.0], [0.0, 7.0, 8.0]])),
                                                                c(RHS)),
                           np.array([[4.0, 1.0, 0.0], [7.0, 5.0, 2.0], [0.0, 8.0, 6.0]]) @ RHS),
    "tridiagonal_solve": (lambda: tf.linalg.tridiagonal_solve([c(np.array([1.0, 2.0, 0.0])), c(np.array([4.0, 5.0, 6.0])),
                                                               c(np.array([0.0, 7.0, 8.0]))], c(RHS), diagonals_format="sequence"),
                          np.linalg.solve(np.array([[4.0, 1.0, 0.0], [7.0, 5.0, 2.0], [0.0, 8.0, 6.0]]), RHS)),
    "eigh_tridiagonal": (lambda: tf.linalg.eigh_tridiagonal(c(np.array([2.0, 3.0, 4.0])), c(np.array([1.0, 0.5]))),
                         np.linalg.eigvalsh(np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 4.0]]))),
}

X3 = R.normal(size=(2, 3, 4))
IMG = np.arange(2 * 4 * 4 * 2, dtype=np.float64).reshape(2, 4, 4, 2)
IDX2 = np.array([[1, 2], [0, 0], [1, 2]])


def _scatter_nd(indices, updates, shape):
    out = np.zeros(shape, updates.dtype)
    for i, u in zip(indices.reshape(-1, indices.shape[-1]), updates.reshape((-1,) + tuple(shape[indices.shape[-1]:]))):
        out[tuple(i)] += u
    return out


def _combine_at(x, indices, updates, fn):
    out = x.copy()
    for i, u in zip(indices, updates):
        out[tuple(i)] = fn(out[tuple(i)], u)
    return out


def _space_to_batch(x, b, pads):
    """TF's documented definition, element by element."""
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    n, h, w, c = x.shape
    out = np.zeros((n * b * b, h // b, w // b, c))
    for bi in range(b * b):
        oy, ox = divmod(bi, b)
        out[bi * n:(bi + 1) * n] = x[:, oy::b, ox::b]
    return out


def _reverse_sequence(x, lengths):
    out = x.copy()
    for i, n in enumerate(lengths):
        out[i, :n] = x[i, :n][::-1]
    return out


MANIP_CASES = {
    "boolean_mask": (lambda: tf.boolean_mask(c(A), c(A[:, 0] > 0)), A[A[:, 0] > 0]),
    "boolean_mask_2d": (lambda: tf.boolean_mask(c(X3), c(X3[..., 0] > 0)), X3[X3[..., 0] > 0]),
    "boolean_mask_axis": (lambda: tf.boolean_mask(c(X3), c(np.array([True, False, True, True])), axis=2),
                          X3[:, :, [0, 2, 3]]),
    "gather_nd": (lambda: tf.gather_nd(c(X3), c(IDX2)), X3[IDX2[:, 0], IDX2[:, 1]]),
    "gather_nd_full": (lambda: tf.gather_nd(c(A), c(np.array([[0, 1], [2, 3]]))), A[[0, 2], [1, 3]]),
    "scatter_nd": (lambda: tf.scatter_nd(c(IDX2), c(A), [2, 3, 4]), _scatter_nd(IDX2, A, (2, 3, 4))),
    "scatter_nd_doc": (lambda: tf.scatter_nd(c(np.array([[4], [3], [1], [7]])), c(np.array([9, 10, 11, 12], np.int32)), [8]),
                       np.array([0, 11, 0, 10, 9, 0, 0, 12], np.int32)),
    "tensor_scatter_update": (lambda: tf.tensor_scatter_nd_update(c(X3), c(IDX2[:2]), c(A[:2])),
                              _combine_at(X3, IDX2[:2], A[:2], lambda old, new: new)),
    "tensor_scatter_add": (lambda: tf.tensor_scatter_nd_add(c(X3), c(IDX2), c(A)), X3 + _scatter_nd(IDX2, A, (2, 3, 4))),
    "tensor_scatter_sub": (lambda: tf.tensor_scatter_nd_sub(c(X3), c(IDX2), c(A)), X3 - _scatter_nd(IDX2, A, (2, 3, 4))),
    "tensor_scatter_max": (lambda: tf.tensor_scatter_nd_max(c(X3), c(IDX2), c(A)), _combine_at(X3, IDX2, A, np.maximum)),
    "tensor_scatter_min": (lambda: tf.tensor_scatter_nd_min(c(A), c(np.array([[1], [1]])), c(A[:2])),
                           _combine_at(A, np.array([[1], [1]]), A[:2], np.minimum)),
    "batch_gather": (lambda: tf.batch_gather(c(X3), c(np.array([[3, 0], [1, 1], [2, 0]] * 2).reshape(2, 3, 2))),
                     np.take_along_axis(X3, np.array([[3, 0], [1, 1], [2, 0]] * 2).reshape(2, 3, 2), -1)),
    "reverse": (lambda: tf.reverse(c(X3), [0, -1]), X3[::-1, :, ::-1]),
    "reverse_v2": (lambda: tf.reverse_v2(c(A), [1]), A[:, ::-1]),
    "roll": (lambda: tf.roll(c(X3), [1, -2], [1, 2]), np.roll(X3, (1, -2), (1, 2))),
    "reverse_sequence": (lambda: tf.reverse_sequence(c(X3), [2, 0], seq_axis=1, batch_axis=0),
                         _reverse_sequence(X3, [2, 0])),
    "unique_y": (lambda: tf.unique(c(np.array([1, 1, 2, 4, 4, 4, 7, 8, 8])))[0], np.array([1, 2, 4, 7, 8])),
    "unique_idx_order": (lambda: tf.unique(c(np.array([5, 3, 5, 1, 3], np.int32)))[1], np.array([0, 1, 0, 2, 1], np.int32)),
    "unique_counts": (lambda: tf.unique_with_counts(c(np.array([5, 3, 5, 1, 3], np.int32)))[2], np.array([2, 2, 1], np.int32)),
    "setdiff1d": (lambda: tf.setdiff1d([1, 2, 3, 4, 5, 6], [1, 3, 5])[0], np.array([2, 4, 6], np.int32)),
    "setdiff1d_idx": (lambda: tf.setdiff1d([1, 2, 3, 4, 5, 6], [1, 3, 5])[1], np.array([1, 3, 5], np.int32)),
    "searchsorted": (lambda: tf.searchsorted(c(np.sort(A, 1)), c(A[:, :2] + 0.1)),
                     np.stack([np.searchsorted(r, v) for r, v in zip(np.sort(A, 1), A[:, :2] + 0.1)]).astype(np.int32)),
    "searchsorted_right": (lambda: tf.searchsorted([[1, 2, 2, 3]], [[2, 0]], side="right"), np.array([[3, 0]], np.int32)),
    "unravel_index": (lambda: tf.unravel_index(c(np.array([2, 5, 7], np.int32)), c(np.array([3, 3], np.int32))),
                      np.array(np.unravel_index([2, 5, 7], (3, 3)), np.int32)),
    "dynamic_partition": (lambda: tf.dynamic_partition(c(A), c(np.array([1, 0, 1], np.int32)), 2)[1], A[[0, 2]]),
    "dynamic_stitch": (lambda: tf.dynamic_stitch([c(np.array([0, 2])), c(np.array([[1, 3]]))], [c(A[:2]), c(A[None, 1:])]),
                       np.stack([A[0], A[1], A[1], A[2]])),
    "broadcast_to": (lambda: tf.broadcast_to(c(A[:1]), [2, 3, 4]), np.broadcast_to(A[:1], (2, 3, 4))),
    "broadcast_dynamic_shape": (lambda: tf.broadcast_dynamic_shape([2, 1, 4], [3, 1]), np.array([2, 3, 4], np.int32)),
    "where_v2": (lambda: tf.where_v2(c(A[0] > 0), c(A), c(np.float64(-1))), np.where(A[0] > 0, A, -1)),
    "ensure_shape": (lambda: tf.ensure_shape(tf.placeholder_with_default(c(A), [None, 4]), [3, None]), A),
    "sequence_mask": (lambda: tf.sequence_mask([1, 3, 2], 5), np.arange(5) < np.array([[1], [3], [2]])),
    "sequence_mask_float": (lambda: tf.sequence_mask(c(np.array([[1, 3], [2, 0]])), dtype=tf.float32),
                            (np.arange(3) < np.array([[1, 3], [2, 0]])[..., None]).astype(np.float32)),
    "meshgrid_xy": (lambda: tf.meshgrid([1, 2, 3], [4, 5])[0], np.meshgrid([1, 2, 3], [4, 5])[0].astype(np.int32)),
    "meshgrid_ij": (lambda: tf.meshgrid([1, 2, 3], [4, 5], [6], indexing="ij")[1],
                    np.meshgrid([1, 2, 3], [4, 5], [6], indexing="ij")[1].astype(np.int32)),
    "sort": (lambda: tf.sort(c(X3), axis=1), np.sort(X3, axis=1)),
    "sort_descending_int": (lambda: tf.sort(c(I), direction="DESCENDING"), -np.sort(-I, axis=-1)),
    "argsort": (lambda: tf.argsort(c(np.array([3.0, 1.0, 2.0, 1.0]))), np.array([1, 3, 2, 0], np.int32)),
    "space_to_batch_nd": (lambda: tf.space_to_batch_nd(c(IMG), [2, 2], [[0, 0], [2, 0]]),
                          _space_to_batch(IMG, 2, [(0, 0), (2, 0)])),
    "batch_to_space_nd": (lambda: tf.batch_to_space_nd(c(_space_to_batch(IMG, 2, [(0, 0), (2, 0)])), [2, 2], [[0, 0], [2, 0]]),
                          IMG),
    "space_to_batch": (lambda: tf.space_to_batch(c(IMG), [[1, 1], [1, 1]], 2), _space_to_batch(IMG, 2, [(1, 1), (1, 1)])),
    "batch_to_space": (lambda: tf.batch_to_space(tf.space_to_batch(c(IMG), [[1, 1], [1, 1]], 2), [[1, 1], [1, 1]], 2), IMG),
    "space_to_depth_doc": (lambda: tf.space_to_depth(c(np.array([[[[1], [2]], [[3], [4]]]], np.int32)), 2),
                           np.array([[[[1, 2, 3, 4]]]], np.int32)),
    "depth_to_space_doc": (lambda: tf.depth_to_space(c(np.array([[[[1, 2, 3, 4]]]], np.int32)), 2),
                           np.array([[[[1], [2]], [[3], [4]]]], np.int32)),
    "depth_to_space_roundtrip": (lambda: tf.depth_to_space(tf.space_to_depth(c(IMG), 2), 2), IMG),
    "identity_n": (lambda: tf.identity_n([c(A), c(I)])[1], I),
    "parallel_stack": (lambda: tf.parallel_stack([c(A), c(P)]), np.stack([A, P])),
    "shape_n": (lambda: tf.shape_n([c(A), c(X3)])[1], np.array([2, 3, 4], np.int32)),
    "repeat": (lambda: tf.repeat(c(A), [1, 0, 2], axis=0), np.repeat(A, [1, 0, 2], axis=0)),
    "repeat_flat": (lambda: tf.repeat(c(I), 2), np.repeat(I, 2)),
    "saturate_cast": (lambda: tf.saturate_cast(c(np.array([-300.0, 12.7, 300.0])), tf.uint8), np.array([0, 12, 255], np.uint8)),
    "to_complex64": (lambda: tf.to_complex64(c(F)), F.astype(np.complex64)),
    "to_complex128": (lambda: tf.to_complex128(c(A)), A.astype(np.complex128)),
    "clip_by_average_norm": (lambda: tf.clip_by_average_norm(c(A), 0.05),
                             A * 0.05 / max(np.linalg.norm(A) / A.size, 0.05)),
    "strided_slice_masks": (lambda: tf.strided_slice(c(X3), [1, 0, 0], [2, -1, 3], [1, 1, 2], begin_mask=2,
                                                     shrink_axis_mask=1), X3[1, :-1, 0:3:2]),
    "strided_slice_newaxis_ellipsis": (lambda: tf.strided_slice(c(X3), [0, 0, 1], [1, 1, 3], ellipsis_mask=2,
                                                                new_axis_mask=1), X3[None, ..., 1:3]),
    "bitcast": (lambda: tf.bitcast(c(np.array([1.0], np.float32)), tf.int32), np.array([1.0], np.float32).view(np.int32)),
    "bitcast_wider": (lambda: tf.bitcast(c(np.array([[1, 2], [3, 4]], np.int16)), tf.int32),
                      np.array([[1, 2], [3, 4]], np.int16).view(np.int32).reshape(2)),
    "histogram_fixed_width_doc": (lambda: tf.histogram_fixed_width(c(np.array([-1.0, 0.0, 1.5, 2.0, 5.0, 15])),
                                                                   [0.0, 5.0], nbins=5),
                                  np.array([2, 1, 1, 0, 2], np.int32)),
    "histogram_fixed_width_bins": (lambda: tf.histogram_fixed_width_bins(c(np.array([-1.0, 0.0, 1.5, 2.0, 5.0, 15])),
                                                                         [0.0, 5.0], nbins=5),
                                   np.array([0, 0, 1, 2, 4, 4], np.int32)),
}

NHWC = R.normal(size=(2, 3, 3, 2))
GAMMA, BETA = np.array([1.5, 0.5]), np.array([0.1, -0.2])
LABELS01 = (R.uniform(size=(3, 4)) > 0.5).astype(np.float64)
W42 = R.normal(size=(4, 2))


def _bn(x, mean, var, eps=1e-3):
    return (x - mean) / np.sqrt(var + eps) * GAMMA + BETA


NN_CASES = {
    "swish": (lambda: tf.nn.swish(c(A)), A / (1 + np.exp(-A))),
    "silu_beta": (lambda: tf.nn.silu(c(A), beta=2.0), A / (1 + np.exp(-2 * A))),
    "xw_plus_b": (lambda: tf.nn.xw_plus_b(c(A), c(W42), c(np.array([1.0, 2.0]))),
                  A @ W42 + [1.0, 2.0]),
    "relu_layer": (lambda: tf.nn.relu_layer(c(A), c(W42), c(np.array([1.0, 2.0]))),
                   np.maximum(A @ W42 + [1.0, 2.0], 0)),
    "weighted_cross_entropy": (lambda: tf.nn.weighted_cross_entropy_with_logits(labels=c(LABELS01), logits=c(A * 30),
                                                                                pos_weight=3.0),
                               LABELS01 * np.logaddexp(0, -A * 30) * 3 + (1 - LABELS01) * np.logaddexp(0, A * 30)),
    "log_poisson_loss": (lambda: tf.nn.log_poisson_loss(c(P), c(A)), np.exp(A) - A * P),
    "log_poisson_loss_full": (lambda: tf.nn.log_poisson_loss(c(P), c(A), compute_full_loss=True),
                              np.exp(A) - A * P + np.where(P > 1, P * np.log(P) - P + 0.5 * np.log(2 * np.pi * P), 0)),
    "sufficient_statistics_sum": (lambda: tf.nn.sufficient_statistics(c(A), [0], shift=1.0)[1], (A - 1).sum(0)),
    "sufficient_statistics_count": (lambda: tf.nn.sufficient_statistics(tf.placeholder_with_default(c(A), [None, 4]),
                                                                        [0])[0], np.float64(3)),
    "normalize_moments": (lambda: tf.nn.normalize_moments(*tf.nn.sufficient_statistics(c(A), [1], shift=0.5))[1],
                          A.var(1)),
    "weighted_moments_mean": (lambda: tf.nn.weighted_moments(c(A), [1], c(P))[0], (A * P).sum(1) / P.sum(1)),
    "weighted_moments_var": (lambda: tf.nn.weighted_moments(c(A), [0], c(P[:, :1]), keepdims=True)[1],
                             np.average((A - np.average(A, 0, P[:, 0])) ** 2, 0, P[:, 0])[None]),
    "fused_batch_norm_y": (lambda: tf.nn.fused_batch_norm(c(NHWC), c(GAMMA), c(BETA))[0],
                           _bn(NHWC, NHWC.mean((0, 1, 2)), NHWC.var((0, 1, 2)))),
    "fused_batch_norm_var": (lambda: tf.nn.fused_batch_norm(c(NHWC), c(GAMMA), c(BETA))[2],
                             NHWC.reshape(-1, 2).var(0, ddof=1)),
    "fused_batch_norm_inference": (lambda: tf.nn.fused_batch_norm(c(NHWC), c(GAMMA), c(BETA), c(BETA), c(GAMMA),
                                                                  is_training=False)[0], _bn(NHWC, BETA, GAMMA)),
    "batch_norm_global": (lambda: tf.nn.batch_norm_with_global_normalization(c(NHWC), c(BETA), c(GAMMA), c(BETA), c(GAMMA),
                                                                             1e-3, True), _bn(NHWC, BETA, GAMMA)),
    "compute_average_loss": (lambda: tf.nn.compute_average_loss(c(P[:, 0]), global_batch_size=6), P[:, 0].sum() / 6),
    "scale_regularization_loss": (lambda: tf.nn.scale_regularization_loss([c(1.5), c(2.0)]), np.float32(3.5)),
    "nn_zero_fraction": (lambda: tf.nn.zero_fraction(c(Z)), np.float32(1 / 3)),
}

WORDS = np.array([[b"Hello", b"  tf  "], [b"\xc3\xa9t\xc3\xa9", b"a1b22"]], dtype=object)


def _b(*items):
    return np.array(items, dtype=object)


def _vec(t):
    """A scalar string tensor as a vector (a fetched scalar string is a bytes object),
    through a string op, which runs on the host as the op under test does."""
    return tf.strings.join([t, tf.constant([""])])


STRING_CASES = {
    "strings_join": (lambda: tf.strings.join([c(WORDS), "!"], separator="-"),
                     np.vectorize(lambda w: w + b"-!", otypes=[object])(WORDS)),
    "string_join_broadcast": (lambda: tf.string_join([c(_b(b"a", b"b")), c(b"c")]), _b(b"ac", b"bc")),
    "strings_length": (lambda: tf.strings.length(c(WORDS)), np.vectorize(len, otypes=[np.int32])(WORDS)),
    "strings_length_chars": (lambda: tf.strings.length(c(WORDS), unit="UTF8_CHAR"),
                             np.vectorize(lambda w: len(w.decode()), otypes=[np.int32])(WORDS)),
    "strings_lower": (lambda: tf.strings.lower(c(_b(b"HeLLo \xc3\x89"))), _b(b"hello \xc3\x89")),
    "strings_upper_utf8": (lambda: tf.strings.upper(c(_b("été".encode())), encoding="utf-8"), _b("ÉTÉ".encode())),
    "strings_strip": (lambda: tf.strings.strip(c(WORDS)), np.vectorize(bytes.strip, otypes=[object])(WORDS)),
    "reduce_join_doc": (lambda: tf.reduce_join(c(_b(b"a", b"b", b"c", b"d").reshape(2, 2)), 0), _b(b"ac", b"bd")),
    "reduce_join_all_sep": (lambda: _vec(tf.strings.reduce_join(c(_b(b"a", b"b", b"c", b"d").reshape(2, 2)),
                                                                separator=".")), _b(b"a.b.c.d")),
    "reduce_join_keepdims": (lambda: tf.strings.reduce_join(c(_b(b"a", b"b", b"c", b"d").reshape(2, 2)), axis=1,
                                                            keepdims=True), _b(b"ab", b"cd").reshape(2, 1)),
    "regex_full_match": (lambda: tf.strings.regex_full_match(c(WORDS), r"[a-z0-9]+"),
                         np.array([[False, False], [False, True]])),
    "regex_replace": (lambda: tf.regex_replace(c(WORDS), r"(\d)", r"<\1>"),
                      np.vectorize(lambda w: re.sub(rb"(\d)", rb"<\1>", w), otypes=[object])(WORDS)),
    "regex_replace_first": (lambda: tf.strings.regex_replace(c(_b(b"aaa")), "a", "b", replace_global=False), _b(b"baa")),
    "substr": (lambda: tf.substr(c(_b(b"Hello", b"World")), [1, -3], 3), _b(b"ell", b"rld")),
    "substr_chars": (lambda: tf.strings.substr(c(_b("été!".encode())), 1, 2, unit="UTF8_CHAR"), _b("té".encode())),
    "to_number": (lambda: tf.strings.to_number(c(_b(b"1.5", b"-2e3", b" 7 "))), np.array([1.5, -2000.0, 7.0], np.float32)),
    "string_to_number_int": (lambda: tf.string_to_number(c(_b(b"12", b"-3")), out_type=tf.int64), np.array([12, -3])),
    "as_string": (lambda: tf.as_string(c(np.array([1.5, -0.25], np.float32))), _b(b"1.500000", b"-0.250000")),
    "as_string_precision_width": (lambda: tf.strings.as_string(c(np.array([3.14159])), precision=2, width=7, fill="0"),
                                  _b(b"0003.14")),
    "as_string_int_bool": (lambda: tf.as_string(c(np.array([True, False]))), _b(b"true", b"false")),
    "as_string_scientific": (lambda: tf.as_string(c(np.array([12345.678])), scientific=True, precision=3), _b(b"1.235e+04")),
    "as_string_ints": (lambda: tf.as_string(c(I), width=3), np.vectorize(lambda v: b"%3d" % v, otypes=[object])(I)),
    "to_hash_bucket_strong_doc": (lambda: tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]),
                                  np.array([2, 0], np.int64)),
    "format_doc": (lambda: _vec(tf.strings.format("tensor: {}, suffix", tf.range(10))),
                   _b(b"tensor: [0 1 2 ... 7 8 9], suffix")),
    "format_doc_2d": (lambda: _vec(tf.strings.format("tensor: {}, suffix", tf.reshape(tf.range(100), [10, 10]),
                                                     summarize=2)),
                      _b(b"tensor: [[0 1 ... 8 9]\n [10 11 ... 18 19]\n ...\n [80 81 ... 88 89]\n"
                         b" [90 91 ... 98 99]], suffix")),
    "format_scalars": (lambda: _vec(tf.strings.format("{} and {}", [c(2.5), c("x")])), _b(b'2.5 and "x"')),
    "unicode_encode": (lambda: tf.strings.unicode_encode(c(np.array([[72, 233, 0x1F600], [97, 98, 99]], np.int32)), "UTF-8"),
                       _b("Hé\U0001F600".encode(), b"abc")),
    "unicode_encode_utf16": (lambda: tf.strings.unicode_encode(c(np.array([[72, 0x110000]], np.int32)), "UTF-16-BE"),
                             _b("H\ufffd".encode("utf-16-be"))),
    "unicode_transcode": (lambda: tf.strings.unicode_transcode(c(_b("Hé".encode(), b"\xff")), "UTF-8", "UTF-16-BE"),
                          _b("Hé".encode("utf-16-be"), "\ufffd".encode("utf-16-be"))),
    "ngrams": (lambda: tf.strings.ngrams(c(_b(b"A", b"B", b"C", b"D")), 2), _b(b"A B", b"B C", b"C D")),
    "ngrams_padded": (lambda: tf.strings.ngrams(c(_b(b"a", b"b")), 3, separator="|", pad_values=("<", ">"), padding_width=1),
                      _b(b"<|a|b", b"a|b|>")),
    "ngrams_short": (lambda: tf.strings.ngrams(c(_b(b"a", b"b").reshape(1, 2)), 3, preserve_short_sequences=True),
                     _b(b"a b").reshape(1, 1)),
    "unsorted_segment_join_doc": (lambda: tf.strings.unsorted_segment_join(
        c(_b(b"this", b"is", b"a", b"test")), c(np.array([0, 0, 0, 0])), 1, separator=" "),
        _b(b"this is a test")),
    "unsorted_segment_join": (lambda: tf.strings.unsorted_segment_join(c(WORDS), c(np.array([1, 1])), 3, separator=":"),
                              _b(b"", b"", b"Hello:\xc3\xa9t\xc3\xa9", b"  tf  :a1b22", b"", b"").reshape(3, 2)),
}

CX = A + 1j * P
CX3 = X3 + 1j * X3[::-1]
MORE_CASES = {
    "fft": (lambda: tf.fft(c(CX)), np.fft.fft(CX)),
    "ifft": (lambda: tf.ifft(c(CX)), np.fft.ifft(CX)),
    "fft2d": (lambda: tf.fft2d(c(CX3)), np.fft.fft2(CX3)),
    "ifft2d": (lambda: tf.ifft2d(c(CX3)), np.fft.ifft2(CX3)),
    "fft3d": (lambda: tf.fft3d(c(CX3)), np.fft.fftn(CX3)),
    "ifft3d": (lambda: tf.ifft3d(c(CX3)), np.fft.ifftn(CX3)),
    "approx_top_k_min": (lambda: tf.approx_top_k(c(A), 2, is_max_k=False)[0], np.sort(A, axis=1)[:, :2]),
    "required_space_to_batch_paddings": (lambda: tf.concat(tf.required_space_to_batch_paddings([5, 7], [2, 3]), 1),
                                         np.array([[0, 1, 0, 1], [0, 2, 0, 2]], np.int32)),
    "required_space_to_batch_paddings_base": (lambda: tf.concat(tf.required_space_to_batch_paddings(
        [5, 7], [2, 3], [[1, 0], [0, 2]]), 1), np.array([[1, 0, 0, 0], [0, 2, 0, 0]], np.int32)),
    "guarantee_const": (lambda: tf.guarantee_const(c(A)), A),
    "grad_pass_through_value": (lambda: tf.grad_pass_through(tf.round)(c(A)), np.round(A)),
}

CASES = {**MATH_CASES, **LINALG_CASES, **MANIP_CASES, **NN_CASES, **STRING_CASES, **MORE_CASES}

# Ops with session state or randomness: the scatter updates of variables and the
# timestamp (tested in test_api_ops), the samplers (in test_api_random).
TESTED_ELSEWHERE = {f"Scatter{k}" for k in ("Update", "Add", "Sub", "Mul", "Div", "Max", "Min")} | {
    "ScatterNdUpdate", "ScatterNdAdd", "ScatterNdSub", "Timestamp", "RandomGamma", "RandomPoissonV2",
    "Multinomial", "StatelessMultinomial", "StatelessRandomGetKeyCounter", "StatelessRandomUniform",
    "StatelessRandomNormal", "StatelessTruncatedNormal", "StatelessRandomUniformInt",
    "StatelessRandomGammaV2", "StatelessRandomPoisson", "StatelessRandomBinomial",
    "StatelessParameterizedTruncatedNormal"}
