"""Every built-in op against a NumPy reference: value, dtype and static shape."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.core.registry import registry
from tensorflux.testing import backend_context, backends_to_test

import api_breadth_cases
import api_op_cases
import nn_reference as ref

R = np.random.default_rng(42)
A = R.normal(size=(3, 4)).astype(np.float32)
B = R.normal(size=(3, 4)).astype(np.float32)
POS = np.abs(A) + 0.5
I = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int32)
SQ = (R.normal(size=(3, 3)) + 3 * np.eye(3)).astype(np.float64)
X4 = R.normal(size=(2, 5, 6, 3))
W4 = R.normal(size=(3, 2, 3, 4))


def c(x):
    return tf.constant(x)


CASES = {
    "neg": (lambda: tf.negative(c(A)), -A),
    "abs": (lambda: tf.abs(c(I)), np.abs(I)),
    "sign": (lambda: tf.sign(c(A)), np.sign(A)),
    "square": (lambda: tf.square(c(A)), A ** 2),
    "sqrt": (lambda: tf.sqrt(c(POS)), np.sqrt(POS)),
    "rsqrt": (lambda: tf.rsqrt(c(POS)), 1 / np.sqrt(POS)),
    "exp": (lambda: tf.exp(c(A)), np.exp(A)),
    "expm1": (lambda: tf.expm1(c(A)), np.expm1(A)),
    "log": (lambda: tf.log(c(POS)), np.log(POS)),
    "log1p": (lambda: tf.log1p(c(POS)), np.log1p(POS)),
    "sin": (lambda: tf.sin(c(A)), np.sin(A)),
    "cos": (lambda: tf.cos(c(A)), np.cos(A)),
    "tan": (lambda: tf.tan(c(A)), np.tan(A)),
    "tanh": (lambda: tf.tanh(c(A)), np.tanh(A)),
    "sigmoid": (lambda: tf.sigmoid(c(A * 40)), 1 / (1 + np.exp(-(A * 40).astype(np.float64)))),
    "reciprocal": (lambda: tf.reciprocal(c(POS)), 1 / POS),
    "floor": (lambda: tf.floor(c(A)), np.floor(A)),
    "ceil": (lambda: tf.ceil(c(A)), np.ceil(A)),
    "round": (lambda: tf.round(c(A * 3)), np.rint(A * 3)),
    "add": (lambda: tf.add(c(A), c(B)), A + B),
    "add_broadcast": (lambda: tf.add(c(A), c(B[0])), A + B[0]),
    "subtract": (lambda: tf.subtract(c(A), c(B)), A - B),
    "multiply": (lambda: tf.multiply(c(A), c(B)), A * B),
    "divide": (lambda: tf.divide(c(A), c(POS)), A / POS),
    "div_int": (lambda: tf.div(c(I), c(np.int32(4))), I // 4),
    "floordiv": (lambda: tf.floordiv(c(I), c(np.int32(4))), I // 4),
    "floordiv_float": (lambda: tf.floordiv(c(A), c(POS)), np.floor(A / POS)),
    "mod": (lambda: tf.mod(c(I), c(np.int32(4))), np.mod(I, 4)),
    "pow": (lambda: tf.pow(c(POS), c(B)), POS ** B),
    "maximum": (lambda: tf.maximum(c(A), c(B)), np.maximum(A, B)),
    "minimum": (lambda: tf.minimum(c(A), c(B)), np.minimum(A, B)),
    "squared_difference": (lambda: tf.squared_difference(c(A), c(B)), (A - B) ** 2),
    "equal": (lambda: tf.equal(c(I), c(np.int32(3))), I == 3),
    "not_equal": (lambda: tf.not_equal(c(I), c(np.int32(3))), I != 3),
    "less": (lambda: tf.less(c(A), c(B)), A < B),
    "less_equal": (lambda: tf.less_equal(c(A), c(B)), A <= B),
    "greater": (lambda: tf.greater(c(A), c(B)), A > B),
    "greater_equal": (lambda: tf.greater_equal(c(A), c(B)), A >= B),
    "logical_and": (lambda: tf.logical_and(c(A > 0), c(B > 0)), (A > 0) & (B > 0)),
    "logical_or": (lambda: tf.logical_or(c(A > 0), c(B > 0)), (A > 0) | (B > 0)),
    "logical_not": (lambda: tf.logical_not(c(A > 0)), ~(A > 0)),
    "is_nan": (lambda: tf.is_nan(c(np.array([1.0, np.nan]))), np.array([False, True])),
    "is_finite": (lambda: tf.is_finite(c(np.array([1.0, np.inf]))), np.array([True, False])),
    "add_n": (lambda: tf.add_n([c(A), c(B), c(A)]), A + B + A),
    "matmul": (lambda: tf.matmul(c(A), c(B), transpose_b=True), A @ B.T),
    "matmul_ta": (lambda: tf.matmul(c(A), c(B), transpose_a=True), A.T @ B),
    "matmul_batch": (lambda: tf.matmul(c(np.stack([A, B])), c(np.stack([B.T, A.T]))),
                     np.stack([A @ B.T, B @ A.T])),
    "matrix_inverse": (lambda: tf.matrix_inverse(c(SQ)), np.linalg.inv(SQ)),
    "matrix_determinant": (lambda: tf.matrix_determinant(c(SQ)), np.linalg.det(SQ)),
    "reduce_sum": (lambda: tf.reduce_sum(c(A), axis=1), A.sum(1)),
    "reduce_sum_int": (lambda: tf.reduce_sum(c(I)), I.sum(dtype=np.int32)),
    "reduce_mean": (lambda: tf.reduce_mean(c(A), axis=0, keepdims=True), A.mean(0, keepdims=True)),
    "reduce_mean_int": (lambda: tf.reduce_mean(c(I), axis=1), np.trunc(I.mean(1)).astype(np.int32)),
    "reduce_max": (lambda: tf.reduce_max(c(A), reduction_indices=[0, 1]), A.max()),
    "reduce_min": (lambda: tf.reduce_min(c(A), axis=-1), A.min(-1)),
    "reduce_prod": (lambda: tf.reduce_prod(c(I), axis=0), I.prod(0, dtype=np.int32)),
    "reduce_all": (lambda: tf.reduce_all(c(A > -5), axis=1), (A > -5).all(1)),
    "reduce_any": (lambda: tf.reduce_any(c(A > 1), keep_dims=True), (A > 1).any(keepdims=True)),
    "argmax": (lambda: tf.argmax(c(A), axis=1), A.argmax(1)),
    "argmin": (lambda: tf.argmin(c(A), 0), A.argmin(0)),
    "cast": (lambda: tf.cast(c(A * 10), tf.int32), (A * 10).astype(np.int32)),
    "clip_by_value": (lambda: tf.clip_by_value(c(A), -0.5, 0.5), np.clip(A, -0.5, 0.5)),
    "identity": (lambda: tf.identity(c(A)), A),
    "stop_gradient": (lambda: tf.stop_gradient(c(A)), A),
    "placeholder_with_default": (lambda: tf.placeholder_with_default(c(A), shape=[None, 4]), A),
    "zeros": (lambda: tf.zeros([2, 3], dtype=tf.int32), np.zeros((2, 3), np.int32)),
    "ones": (lambda: tf.ones((2,)), np.ones(2, np.float32)),
    "zeros_like": (lambda: tf.zeros_like(c(A)), np.zeros_like(A)),
    "ones_like": (lambda: tf.ones_like(c(I)), np.ones_like(I)),
    "fill": (lambda: tf.fill([2, 2], 7), np.full((2, 2), 7, np.int32)),
    "zeros_dynamic": (lambda: tf.zeros(tf.shape(c(A))), np.zeros_like(A)),
    "range": (lambda: tf.range(2, 11, 3), np.arange(2, 11, 3, dtype=np.int32)),
    "range_float": (lambda: tf.range(0.0, 1.0, 0.25), np.arange(0, 1, 0.25, dtype=np.float32)),
    "linspace": (lambda: tf.linspace(0.0, 1.0, 5), np.linspace(0, 1, 5, dtype=np.float32)),
    "transpose": (lambda: tf.transpose(c(A)), A.T),
    "transpose_perm": (lambda: tf.transpose(c(np.zeros((2, 3, 4))), perm=[1, 2, 0]),
                       np.zeros((3, 4, 2))),
    "reshape": (lambda: tf.reshape(c(A), [-1, 2]), A.reshape(-1, 2)),
    "squeeze": (lambda: tf.squeeze(c(A[None, :, None])), A),
    "squeeze_axis": (lambda: tf.squeeze(c(A[None]), axis=0), A),
    "expand_dims": (lambda: tf.expand_dims(c(A), 1), A[:, None]),
    "concat": (lambda: tf.concat([c(A), c(B)], axis=1), np.concatenate([A, B], 1)),
    "stack": (lambda: tf.stack([c(A), c(B)], axis=1), np.stack([A, B], 1)),
    "unstack": (lambda: tf.unstack(c(A), axis=1)[2], A[:, 2]),
    "split": (lambda: tf.split(c(A), 2, axis=1)[1], A[:, 2:]),
    "split_sizes": (lambda: tf.split(c(A), [1, -1], axis=0)[1], A[1:]),
    "slice": (lambda: tf.slice(c(A), [1, 0], [2, -1]), A[1:3, :]),
    "strided_slice": (lambda: c(A)[1:, ::2], A[1:, ::2]),
    "gather": (lambda: tf.gather(c(A), [2, 0]), A[[2, 0]]),
    "gather_axis": (lambda: tf.gather(c(A), [3, 1], axis=1), A[:, [3, 1]]),
    "tile": (lambda: tf.tile(c(I), [2, 1]), np.tile(I, (2, 1))),
    "pad": (lambda: tf.pad(c(I), [[1, 0], [0, 2]]), np.pad(I, [(1, 0), (0, 2)])),
    "pad_reflect": (lambda: tf.pad(c(A), [[1, 1], [2, 2]], mode="REFLECT"),
                    np.pad(A, [(1, 1), (2, 2)], mode="reflect")),
    "shape": (lambda: tf.shape(c(A)), np.array([3, 4], np.int32)),
    "size": (lambda: tf.size(c(A)), np.int32(12)),
    "rank": (lambda: tf.rank(c(A)), np.int32(2)),
    "one_hot": (lambda: tf.one_hot([0, 2], 3), np.eye(3, dtype=np.float32)[[0, 2]]),
    "one_hot_axis0": (lambda: tf.one_hot([0, 2], 3, on_value=5, off_value=-1, axis=0),
                      np.where(np.eye(3, dtype=bool)[[0, 2]].T, 5, -1).astype(np.int32)),
    "where_coords": (lambda: tf.where(c(I > 2)), np.argwhere(I > 2)),
    "where_scalar": (lambda: tf.where(c(np.array(True))), np.argwhere(np.array(True))),
    "where_select": (lambda: tf.where(c(A > 0), c(A), c(B)), np.where(A > 0, A, B)),
    "relu": (lambda: tf.nn.relu(c(A)), np.maximum(A, 0)),
    "relu_grad": (lambda: _raw("ReluGrad", c(B), c(A)), np.where(A > 0, B, 0)),
    "relu6": (lambda: tf.nn.relu6(c(A * 5)), np.clip(A * 5, 0, 6)),
    "elu": (lambda: tf.nn.elu(c(A)), np.where(A > 0, A, np.expm1(A))),
    "selu": (lambda: tf.nn.selu(c(A)), 1.0507009873554805 * np.where(A > 0, A, 1.6732632423543772 * np.expm1(A))),
    "softplus": (lambda: tf.nn.softplus(c(A * 50)), np.logaddexp(0, (A * 50).astype(np.float64))),
    "softsign": (lambda: tf.nn.softsign(c(A)), A / (1 + np.abs(A))),
    "leaky_relu": (lambda: tf.nn.leaky_relu(c(A), 0.1), np.where(A > 0, A, 0.1 * A)),
    "crelu": (lambda: tf.nn.crelu(c(A)), np.concatenate([np.maximum(A, 0), np.maximum(-A, 0)], -1)),
    "softmax": (lambda: tf.nn.softmax(c(A * 100)), np.exp(ref.log_softmax(A * 100))),
    "softmax_axis0": (lambda: tf.nn.softmax(c(A), axis=0), np.exp(ref.log_softmax(A.T)).T),
    "log_softmax": (lambda: tf.nn.log_softmax(c(A * 100)), ref.log_softmax(A * 100)),
    "sparse_xent": (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=[0, 3, 1], logits=c(A * 100)), -ref.log_softmax(A * 100)[[0, 1, 2], [0, 3, 1]]),
    "xent": (lambda: tf.nn.softmax_cross_entropy_with_logits_v2(labels=c(np.eye(4, dtype=np.float32)[[0, 3, 1]]),
                                                               logits=c(A)),
             -ref.log_softmax(A)[[0, 1, 2], [0, 3, 1]]),
    "xent_v1": (lambda: tf.nn.softmax_cross_entropy_with_logits(labels=c(np.full((3, 4), 0.25, np.float32)),
                                                               logits=c(A)), -ref.log_softmax(A).mean(1)),
    "sigmoid_xent": (lambda: tf.nn.sigmoid_cross_entropy_with_logits(labels=c((B > 0).astype(np.float32)),
                                                                      logits=c(A * 100)),
                     np.logaddexp(0, A.astype(np.float64) * 100) - (A.astype(np.float64) * 100) * (B > 0)),
    "bias_add": (lambda: tf.nn.bias_add(c(A), c(B[0])), A + B[0]),
    "bias_add_grad": (lambda: _raw("BiasAddGrad", c(A)), A.sum(0)),
    "l2_loss": (lambda: tf.nn.l2_loss(c(A)), (A ** 2).sum() / 2),
    "moments_mean": (lambda: tf.nn.moments(c(A), [0])[0], A.mean(0)),
    "moments_var": (lambda: tf.nn.moments(c(A), [0])[1], A.var(0)),
    "l2_normalize": (lambda: tf.nn.l2_normalize(c(A), axis=1), A / np.linalg.norm(A, axis=1, keepdims=True)),
    "in_top_k": (lambda: tf.nn.in_top_k(c(A), c(np.array([0, 1, 2])), 2),
                 np.array([np.sum(A[i] > A[i, t]) < 2 for i, t in enumerate([0, 1, 2])])),
    "top_k_values": (lambda: tf.nn.top_k(c(A), 2)[0], -np.sort(-A, axis=1)[:, :2]),
    "top_k_indices": (lambda: tf.nn.top_k(c(A), 2)[1], np.argsort(-A, axis=1)[:, :2].astype(np.int32)),
    "top_k_grad": (lambda: _raw("TopKGrad", c(B[:, :2]), c(np.array([[1, 0], [3, 2], [0, 3]], np.int32)), c(A)),
                   np.array([[B[0, 1], B[0, 0], 0, 0], [0, 0, B[1, 1], B[1, 0]], [B[2, 0], 0, 0, B[2, 1]]], np.float32)),
    "gather_last_axis": (lambda: _raw("GatherLastAxis", c(A), c(np.array([[1], [3], [0]]))), A[[0, 1, 2], [1, 3, 0]][:, None]),
    "conv2d_valid": (lambda: tf.nn.conv2d(c(X4), c(W4), [1, 1, 1, 1], "VALID"),
                     ref.conv2d(X4, W4, (1, 1), "VALID")),
    "conv2d_same_strided": (lambda: tf.nn.conv2d(c(X4), c(W4), [1, 2, 2, 1], "SAME"),
                            ref.conv2d(X4, W4, (2, 2), "SAME")),
    "max_pool": (lambda: tf.nn.max_pool(c(X4), [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
                 ref.pool(X4, (2, 2), (2, 2), "SAME", "max")),
    "avg_pool": (lambda: tf.nn.avg_pool(c(X4), [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
                 ref.pool(X4, (3, 3), (2, 2), "SAME", "avg")),
    "avg_pool_valid": (lambda: tf.nn.avg_pool(c(X4), [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
                       ref.pool(X4, (2, 2), (1, 1), "VALID", "avg")),
    "sum_to_shape": (lambda: _raw("SumToShape", c(A), c(B[:1])), A.sum(0, keepdims=True)),
    "broadcast_like": (lambda: _raw("BroadcastLike", c(B[:1]), c(A)), np.broadcast_to(B[:1], A.shape)),
    "mean_grad": (lambda: _raw("MeanGrad", c(A[:, 0]), c(A), axis=(-1,), keep_dims=False),
                  np.broadcast_to(A[:, :1] / 4, A.shape)),
    "mean_grad_scalar": (lambda: _raw("MeanGrad", c(np.float32(6)), c(A), axis=None, keep_dims=False),
                         np.full(A.shape, 0.5, np.float32)),
    "strided_slice_grad": (lambda: _raw("StridedSliceGrad", c(B[0]), c(A), spec=(("int", 1),)),
                           np.stack([np.zeros(4), B[0], np.zeros(4)]).astype(np.float32)),
    "scatter_add_like": (lambda: _raw("ScatterAddLike", c(B[:2]), c(np.array([2, 2])), c(A), axis=0),
                         np.stack([np.zeros(4), np.zeros(4), B[0] + B[1]]).astype(np.float32)),
    # --- rows by index, sequences (the RNN issue) ---
    "unsorted_segment_sum": (lambda: tf.unsorted_segment_sum(c(A), c(np.array([2, -1, 2])), 4),
                             np.stack([np.zeros(4), np.zeros(4), A[0] + A[2], np.zeros(4)]).astype(np.float32)),
    "dynamic_partition": (lambda: tf.dynamic_partition(c(A), c(np.array([1, 0, 1], np.int32)), 2)[1],
                          A[[0, 2]]),
    "dynamic_stitch": (lambda: tf.dynamic_stitch([c(np.array([2, 0], np.int32)), c(np.array([1, 0], np.int32))],
                                                 [c(A[:2]), c(B[:2])]), np.stack([B[1], B[0], A[0]])),
    "unique": (lambda: tf.unique(c(np.array([5, 3, 5, 7, 3])))[0], np.array([5, 3, 7], np.int32)),
    "unique_idx": (lambda: tf.unique(c(np.array([5, 3, 5, 7, 3])))[1], np.array([0, 1, 0, 2, 1], np.int32)),
    "reverse_sequence": (lambda: tf.reverse_sequence(c(A), c(np.array([2, 4, 0])), seq_axis=1, batch_axis=0),
                         np.stack([A[0, [1, 0, 2, 3]], A[1, ::-1], A[2]])),
    "accidental_hits": (lambda: tf.nn.compute_accidental_hits(
        c(np.array([[3, 9], [1, 4]], np.int64)), c(np.array([4, 3, 8, 4], np.int64)), num_true=2)[1],
        np.array([1, 3], np.int64)),
}


def _unstacked(values=A, **kwargs):
    return tf.TensorArray(tf.float32, size=len(values), **kwargs).unstack(c(values))


def _ta_gradient():
    x = c(A)
    ta = tf.TensorArray(tf.float32, size=3).unstack(x)
    return tf.gradients(ta.read(0) * 2.0 + ta.read(2), x)[0]  # merges two gradient flows


def _closed():
    ta = _unstacked()
    with tf.control_dependencies([ta.close()]):
        return tf.identity(c(B))


# Control flow, TensorArrays, py_func, check_numerics (more in test_control_flow.py and
# test_tensor_array.py).
CASES.update({
    "cond": (lambda: tf.cond(c(True), lambda: c(A) * 2.0, lambda: c(B)), A * 2),
    "while_loop": (lambda: tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + c(A)[i]),
                                         [0, tf.zeros([4])])[1], A.sum(0)),
    "tensor_array_read": (lambda: _unstacked().read(1), A[1]),
    "tensor_array_write_stack": (lambda: tf.TensorArray(tf.float32, size=2).write(0, c(A[0])).write(
        1, c(B[0])).stack(), np.stack([A[0], B[0]])),
    "tensor_array_gather": (lambda: _unstacked().gather([2, 0]), A[[2, 0]]),
    "tensor_array_scatter": (lambda: tf.TensorArray(tf.float32, size=3).scatter(
        [2, 0, 1], c(A)).stack(), A[[1, 2, 0]]),
    "tensor_array_split_concat": (lambda: tf.TensorArray(tf.float32, size=2).split(
        c(A), [1, 2]).concat(), A),
    "tensor_array_size": (lambda: _unstacked().size(), np.int32(3)),
    "tensor_array_gradient": (_ta_gradient, np.stack([np.full(4, 2.0), np.zeros(4), np.ones(4)]).astype(np.float32)),
    "tensor_array_close": (_closed, B),
    "py_func": (lambda: tf.py_func(lambda a: a * 3, [c(A)], tf.float32), A * 3),
    "check_numerics": (lambda: tf.check_numerics(c(A), "A is finite"), A),
    "tanh_grad": (lambda: _raw("TanhGrad", c(np.tanh(A)), c(B)), B * (1 - np.tanh(A) ** 2)),
    "sigmoid_grad": (lambda: _raw("SigmoidGrad", c(POS / 4), c(B)), B * (POS / 4) * (1 - POS / 4)),
})

CASES.update(api_op_cases.CASES)  # the ops of TF1's API breadth (tf.math, tf.linalg, ...)
CASES.update(api_breadth_cases.CASES)  # and more of tf.nn, tf.math, tf.sparse, tf.strings

# Image ops (tests/test_image.py has the full references; here every backend runs them).
def _grad(fn, value):
    """The gradient of sum(fn(x)) at x = value: every weight of a linear op, summed."""
    x = c(value)
    return tf.gradients(tf.reduce_sum(fn(x)), x)[0]



U8 = R.integers(0, 256, (4, 5, 3)).astype(np.uint8)
_NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                       [0, 10.1, 1, 11.1], [0, 100, 1, 101]], np.float32)
_RAMP = np.arange(20, dtype=np.float32).reshape(1, 4, 5, 1)
CASES.update({
    "resize_bilinear": (lambda: tf.image.resize_bilinear(c(_RAMP), [7, 9], align_corners=True),
                        (5 * np.arange(7)[:, None] * 0.5 + np.arange(9)[None, :] * 0.5)
                        .reshape(1, 7, 9, 1)),  # the ramp 5 y + x, sampled every half pixel
    "resize_nearest": (lambda: tf.image.resize_nearest_neighbor(c(_RAMP), [2, 3]),
                       _RAMP[:, [0, 2]][:, :, [0, 1, 3]]),
    "resize_bicubic_same_size": (lambda: tf.image.resize_bicubic(c(_RAMP), [4, 5]), _RAMP),
    "resize_area_halves": (lambda: tf.image.resize_area(c(_RAMP[:, :, :4]), [2, 2]),
                           _RAMP[:, :, :4].reshape(1, 2, 2, 2, 2, 1).mean(axis=(2, 4))),
    "resize_nearest_grad": (lambda: _grad(lambda x: tf.image.resize_nearest_neighbor(x, [3, 3]), X4),
        np.broadcast_to(np.outer(np.isin(np.arange(5), [0, 1, 3]), np.isin(np.arange(6), [0, 2, 4]))
                        [None, :, :, None], X4.shape).astype(np.float64)),
    "resize_bilinear_grad": (lambda: _grad(lambda x: tf.image.resize_bilinear(
        x, [3, 3], align_corners=True), X4),
        np.broadcast_to(np.outer([1, 0, 1, 0, 1], [1, 0, 0.5, 0.5, 0, 1])[None, :, :, None],
                        X4.shape)),
    "resize_bicubic_grad": (lambda: _grad(lambda x: tf.image.resize_bicubic(x, [5, 6]), X4),
                            np.ones(X4.shape)),
    "extract_patches": (lambda: tf.image.extract_image_patches(c(_RAMP), [1, 2, 2, 1],
                                                               [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
                        np.array([[[[0, 1, 5, 6], [2, 3, 7, 8]], [[10, 11, 15, 16],
                                                                   [12, 13, 17, 18]]]], np.float32)),
    "extract_patches_grad": (lambda: _grad(lambda x: tf.image.extract_image_patches(
        x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"), _RAMP),
        np.array([[1, 2, 2, 2, 1], [2, 4, 4, 4, 2], [2, 4, 4, 4, 2], [1, 2, 2, 2, 1]],
                 np.float32).reshape(1, 4, 5, 1)),
    "crop_and_resize": (lambda: tf.image.crop_and_resize(c(_RAMP), [[0.0, 0.0, 1.0, 0.5]], [0],
                                                         [2, 2]),
                        np.array([[[[0], [2]], [[15], [17]]]], np.float32)),
    "crop_and_resize_grad": (lambda: _grad(lambda x: tf.image.crop_and_resize(
        x, [[0.0, 0.0, 1.0, 0.5]], [0], [2, 2]), _RAMP),
        np.array([[1, 0, 1, 0, 0], [0] * 5, [0] * 5, [1, 0, 1, 0, 0]],
                 np.float32).reshape(1, 4, 5, 1)),
    "png_round_trip": (lambda: tf.image.decode_png(tf.image.encode_png(c(U8))), U8),
    "non_max_suppression": (lambda: tf.image.non_max_suppression(
        c(_NMS_BOXES), c(np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)), 3, 0.5),
        np.array([3, 0, 5], np.int32)),
    "orthonormal_columns": (lambda: tf.get_default_graph().create_op(   # A = Q R, R's diag > 0
        "OrthonormalColumns", [c(np.diag([2.0, -3.0, 1.0]))]).outputs[0], np.diag([1.0, -1.0, 1.0])),
})


def _asserted(condition):
    check = tf.get_default_graph().create_op("Assert", [c(condition), c(A)], {"summarize": 2})
    with tf.control_dependencies([check]):
        return tf.identity(c(A))


# Ops that graphs imported from TensorFlow use (tensorflux/interop/tf_only_ops.py).
CASES.update({
    "reduce_dynamic_sum": (lambda: _raw("ReduceDynamic", c(A), c(np.int32([1])), reduction="Sum"),
                           A.sum(axis=1)),
    "reduce_dynamic_mean_keep": (lambda: _raw("ReduceDynamic", c(A), c(np.int64([-1, 0])),
                                              reduction="Mean", keep_dims=True),
                                 A.mean(axis=(0, 1), keepdims=True)),
    "reduce_dynamic_all": (lambda: _raw("ReduceDynamic", c(A > 0), c(np.int32([0])),
                                        reduction="All"), (A > 0).all(axis=0)),
    # [2, 1, 3] with [4, 3] broadcasts to [2, 4, 3]: x's gradient sums over axis 1 (its 1
    # against 4), y's over axis 0 (a dimension y lacks).
    "broadcast_gradient_args_0": (lambda: _raw("BroadcastGradientArgs", c(np.int32([2, 1, 3])),
                                               c(np.int32([4, 3]))), np.int32([1])),
    "broadcast_gradient_args_1": (lambda: tf.get_default_graph().create_op(
        "BroadcastGradientArgs", [c(np.int32([2, 1, 3])), c(np.int32([4, 3]))]).outputs[1],
        np.int32([0])),
    "assert_true": (lambda: _asserted(True), A),
})


# Many rows of few classes: the host kernels compute these on the transposed copy.
TALL = (R.normal(size=(100, 10)) * 10).astype(np.float32)
TALL_LABELS = R.integers(0, 10, size=100)
TALL_SOFTMAX = np.exp(ref.log_softmax(TALL))


def _tall_xent_gradient():
    logits = c(TALL)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=TALL_LABELS, logits=logits)
    return tf.gradients(tf.reduce_sum(loss), logits)[0]


CASES.update({
    "softmax_tall": (lambda: tf.nn.softmax(c(TALL)), TALL_SOFTMAX),
    "log_softmax_tall": (lambda: tf.nn.log_softmax(c(TALL)), ref.log_softmax(TALL)),
    "sparse_xent_tall": (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=TALL_LABELS, logits=c(TALL)), -ref.log_softmax(TALL)[np.arange(100), TALL_LABELS]),
    "sparse_xent_tall_gradient": (_tall_xent_gradient,
                                  TALL_SOFTMAX - np.eye(10, dtype=np.float32)[TALL_LABELS]),
    "bias_add_grad_tall": (lambda: _raw("BiasAddGrad", c(TALL)), TALL.sum(0)),
    "bias_add_grad_int": (lambda: _raw("BiasAddGrad", c(I)), I.sum(0)),
})


def _raw(op_type, *inputs, **attrs):
    return tf.get_default_graph().create_op(op_type, list(inputs), attrs or None).outputs[0]


BACKENDS = backends_to_test()


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_numpy(name, backend, device):
    build, expected = CASES[name]
    with tf.device(device):
        t = build()
    with backend_context(backend), tf.Session() as sess:
        got = sess.run(t)
        if t.op.type not in ("Const", "If", "While"):  # constants are folded when the graph
            # is built; control-flow ops run their branch's or body's ops where those are
            assert sess._backend_for(t.op) == backend, f"{t.op.type} did not run on {backend}"
    expected = np.asarray(expected)
    assert np.asarray(got).dtype == t.dtype.np_dtype, f"{name}: kernel dtype differs from static dtype"
    assert t.shape.is_compatible_with(np.shape(got)), f"{name}: static shape {t.shape} vs {np.shape(got)}"
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, expected)


def test_every_builtin_op_is_exercised():
    """A new op without a test above fails here."""
    used = set()
    for build, _ in CASES.values():
        g = tf.Graph()
        with g.as_default():
            build()
        used |= {op.type for op in g.get_operations()}
    special = {"Placeholder", "VariableV2", "Assign", "AssignAdd", "AssignSub", "NoOp",
               "IsVariableInitialized", "ReportUninitializedVariables", "RandomUniform",
               "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt", "RandomShuffle"}
    special |= {name for name in registry.ops if name.startswith("Apply")}  # test_optimizers
    # test_sparse_updates and test_candidate_sampling (variables, random samples)
    special |= {name for name in registry.ops if name.startswith(("SparseApply", "Scatter"))}
    special |= {name for name in registry.ops if name.endswith("CandidateSampler")}
    special |= {name for name in registry.ops if name.endswith("Summary")}  # test_tensorboard
    special |= api_op_cases.TESTED_ELSEWHERE  # test_api_ops
    special |= api_breadth_cases.TESTED_ELSEWHERE
    special |= {name for name in registry.ops if name.startswith("MPI")}  # test_mpi (mpiexec)
    # Backward kernels of conv/pool are checked against central differences of the
    # forward ops in test_gradient_checks.
    special |= {"Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPoolGrad", "AvgPoolGrad",
                "MaxPoolGradGrad"}
    # Sparse ops (test_sparse), parsing ops (test_tfrecord), queues and readers (test_queues).
    special |= {"GatherNd", "ScatterNd", "SparseToDense", "SparseTensorDenseMatMul",
                "SparseReduceSum", "SparseReorder", "SparseTensorDenseAdd", "ParseExample",
                "DecodeRaw", "DecodeCSV", "CountUpTo", "ReadFile", "WriteFile", "MatchingFiles"}
    special |= {name for name in registry.ops if name.startswith(("Queue", "Reader"))
                or name.endswith(("QueueV2", "ReaderV2"))}
    # tf.data's iterators and the ops that consume a whole dataset (test_data).
    special |= {"IteratorV2", "OneShotIterator", "MakeIterator", "IteratorGetNext",
                "IteratorToStringHandle", "IteratorFromStringHandleV2", "DatasetToSingleElement",
                "ReduceDataset", "DatasetCardinality"}
    # Ops without a value to compare, or with bytes or files as values: tested in
    # test_assertions.py (Assert, Print, PrintV2), test_image.py (codecs, boxes) and
    # test_api_misc.py (the summaries).
    special |= {"Assert", "Print", "PrintV2", "AudioSummaryV2", "TensorSummaryV2",
                "DecodeAndCropJpeg", "DecodeBmp", "DecodeGif", "DecodeImage", "DecodeJpeg",
                "DecodeWebP", "EncodeJpeg", "EncodeJpegVariableQuality", "ExtractJpegShape",
                "IsJpeg", "NonMaxSuppressionV5", "NonMaxSuppressionWithOverlaps",
                "DrawBoundingBoxesV2"}
    # Checked against loop references in test_conv (and their gradients in
    # test_gradient_checks).
    special |= {"Conv2DTranspose", "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                "DepthwiseConv2dNativeBackpropFilter", "LRN", "LRNGrad"}
    # The graph optimizer's fused ops: test_optimizer (and their conformance cases).
    special |= {"_Fused", "_ApplyGradientDescentInPlace", "_MatMulGradientDescent", "_XentWithGrad"}
    # Ops that read checkpoints or files (test_warm_start.py), bytes in and out
    # (test_io_encodings.py).
    special |= {"RestoreV2", "GenerateVocabRemapping", "LoadAndRemapMatrix", "EncodeBase64",
                "DecodeBase64", "DecodeCompressed", "SerializeTensor", "ParseTensor",
                "SerializeSparse", "SerializeManySparse", "DeserializeManySparse",
                "DecodeJSONExample", "ParseSequenceExample"}
    # Accumulators, session tensors, WAV files and custom gradients: test_framework_extras.py.
    special |= {"ConditionalAccumulator", "SparseConditionalAccumulator",
                "AccumulatorApplyGradient", "SparseAccumulatorApplyGradient",
                "AccumulatorTakeGradient", "SparseAccumulatorTakeGradient",
                "AccumulatorNumAccumulated", "AccumulatorSetGlobalStep", "GetSessionHandle",
                "GetSessionTensor", "DeleteSessionTensor", "DecodeWav", "EncodeWav",
                "CustomGradient"}
    builtin = {name for name, owner in registry._op_owner.items() if owner == "ops"}
    missing = builtin - used - special
    assert not missing, f"ops without a numeric test: {sorted(missing)}"


def test_static_shape_inference_handles_unknown_dims():
    X = tf.placeholder(tf.float32, shape=(None, 3))
    w = tf.zeros([3, 5])
    assert tf.matmul(X, w).shape.as_list() == [None, 5]
    assert tf.reduce_sum(X, axis=1).shape.as_list() == [None]
    assert tf.reshape(X, [-1]).shape.as_list() == [None]
    assert tf.concat([X, X], axis=0).shape.as_list() == [None, 3]
    assert tf.concat([X, X], axis=1).shape.as_list() == [None, 6]
    assert tf.transpose(X).shape.as_list() == [3, None]
    assert (X + tf.zeros([1, 3])).shape.as_list() == [None, 3]
    assert tf.placeholder(tf.float32).shape.ndims is None
    assert tf.zeros(tf.shape(X)).shape.as_list() == [None, 3]


@pytest.mark.parametrize("build, match", [
    (lambda: tf.add(tf.zeros([2, 3]), tf.zeros([4])), "cannot be broadcast"),
    (lambda: tf.reshape(tf.zeros([2, 3]), [4, 2]), "Cannot reshape"),
    (lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], axis=0), "must match"),
    (lambda: tf.squeeze(tf.zeros([2, 3]), axis=0), "Can not squeeze"),
    (lambda: tf.transpose(tf.zeros([2, 3]), perm=[0, 0]), "not a permutation"),
    (lambda: tf.matrix_inverse(tf.zeros([2, 3])), "square"),
    (lambda: tf.split(tf.zeros([5]), 2), "not divisible"),
])
def test_construction_time_shape_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_runtime_errors_become_invalid_argument():
    p = tf.placeholder(tf.int64)
    g = tf.gather(tf.constant([1, 2, 3]), p)
    r = tf.reshape(tf.placeholder(tf.float32, name="flat"), [2, 2])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="indices contains 7"):
            sess.run(g, {p: np.array([7])})
        with pytest.raises(tf.errors.InvalidArgumentError, match="5 values"):
            sess.run(r, {"flat:0": np.zeros(5)})
        with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
            sess.run(tf.matrix_inverse(tf.zeros([2, 2])))
