"""Conformance cases for every op of the built-in op library (plugin ``ops``).

Each entry is ``make(draw) -> (inputs, build)`` (see ``strategies``). The differentiable
ops' cases draw float64 inputs away from kinks and ties, so the same case serves the
forward comparison and the gradient check; the others draw the dtypes the op is for
(integers, booleans, strings, seeded random ops, variables and optimizer updates).
``tests/test_gradient_checks.py`` checks the gradients of the same cases on the NumPy
backend.
"""
import numpy as np
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.testing.conformance.strategies import (binary, broadcastable, distinct, minmax,
                                                       reduction, rng, shape_op, shapes,
                                                       unary, values)


def _matmul(draw):
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    a = values(draw, (k, m) if ta else (m, k))
    b = values(draw, (n, k) if tb else (k, n))
    return [a, b], lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb)


def _square_matrix(fn):
    def make(draw):
        n = draw(st.integers(1, 3))
        return [values(draw, (n, n), -0.5, 0.5) + 2 * np.eye(n)], fn
    return make


def _sum_to(draw):
    s = draw(shapes(1))
    like = np.zeros(broadcastable(draw, s))
    return [values(draw, s)], lambda x: tf.get_default_graph().create_op(
        "SumToShape", [x, tf.constant(like)]).outputs[0]


def _broadcast_like(draw):
    s = draw(shapes(1))
    return [values(draw, broadcastable(draw, s))], lambda x: tf.get_default_graph().create_op(
        "BroadcastLike", [x, tf.constant(np.zeros(s))]).outputs[0]


def _mean_grad(draw):
    s = draw(shapes(1))
    axis = draw(st.sampled_from([None, (0,), (len(s) - 1,)]))
    keep = draw(st.booleans())
    g_shape = np.zeros(s).mean(axis=axis, keepdims=keep).shape
    return [values(draw, g_shape)], lambda g: tf.get_default_graph().create_op(
        "MeanGrad", [g, tf.constant(np.zeros(s))], {"axis": axis, "keep_dims": keep}).outputs[0]


def _strided_slice_grad(draw):
    s = draw(shapes(1))
    spec = (("slice", None, None, -1),) + (("int", 0),) * (len(s) > 1)
    g_shape = tuple(np.zeros(s)[::-1, 0].shape) if len(s) > 1 else s
    return [values(draw, g_shape)], lambda g: tf.get_default_graph().create_op(
        "StridedSliceGrad", [g, tf.constant(np.zeros(s))], {"spec": spec}).outputs[0]


def _scatter_add(draw):
    n = draw(st.integers(1, 4))
    idx = np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4)))
    return [values(draw, (len(idx), 2))], lambda u: tf.get_default_graph().create_op(
        "ScatterAddLike", [u, tf.constant(idx), tf.constant(np.zeros((n, 2)))], {"axis": 0}).outputs[0]


def _gather(draw):
    s = draw(shapes(1))
    axis = draw(st.integers(0, len(s) - 1))
    idx = draw(st.lists(st.integers(0, s[axis] - 1), min_size=1, max_size=4))
    return [values(draw, s)], lambda x: tf.gather(x, idx, axis=axis)


def _select(draw):
    s = draw(shapes())
    cond = values(draw, s) > 0
    return [values(draw, s), values(draw, s)], lambda x, y: tf.where(tf.constant(cond), x, y)


def _images(draw, channels=None):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(2, 5)), draw(st.integers(2, 5))
    return values(draw, (n, h, w, channels or draw(st.integers(1, 2))))


def _conv(draw, op=None, multiplier=False):
    """A convolution of random geometry: strides, dilations, padding, data format."""
    op = op or tf.nn.conv2d
    x = _images(draw)
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    w = values(draw, (kh, kw, x.shape[3], draw(st.integers(1, 2))))
    strides = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    dilations = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and ((kh - 1) * dilations[0] >= x.shape[1] or (kw - 1) * dilations[1] >= x.shape[2]):
        padding = "SAME"
    fmt = draw(st.sampled_from(["NHWC", "NCHW"]))
    if fmt == "NCHW":
        x = x.transpose(0, 3, 1, 2)
    return [x, w], lambda a, b: op(a, b, strides, padding, data_format=fmt, dilations=dilations)


def _conv_backprop(kind, forward=None, op_prefix="Conv2D"):
    """The backprop ops of a convolution (Conv2D's, or with ``forward`` and ``op_prefix``
    another's, such as DepthwiseConv2dNative's)."""
    forward = forward or tf.nn.conv2d

    def make(draw):
        x = _images(draw)
        w = values(draw, (2, 2, x.shape[3], 2))
        strides = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
        padding = "SAME"
        with tf.Graph().as_default():
            y_shape = forward(tf.constant(x), tf.constant(w), strides, padding).shape.as_list()
        dy = values(draw, y_shape)
        attrs = {"strides": tuple(strides), "padding": padding}
        if kind == "input":
            return [w, dy], lambda w_, dy_: tf.get_default_graph().create_op(
                op_prefix + "BackpropInput", [tf.constant(x), w_, dy_], attrs).outputs[0]
        return [x, dy], lambda x_, dy_: tf.get_default_graph().create_op(
            op_prefix + "BackpropFilter", [x_, tf.constant(w), dy_], attrs).outputs[0]
    return make


def _pool(fn):
    def make(draw):
        n, h, w, ch = draw(st.integers(1, 2)), draw(st.integers(2, 5)), draw(st.integers(2, 5)), 2
        x = distinct(draw, (n, h, w, ch))  # no ties inside a window
        k = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
        s = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
        padding = draw(st.sampled_from(["SAME", "VALID"]))
        if padding == "VALID" and (k[0] > h or k[1] > w):
            padding = "SAME"
        fmt = draw(st.sampled_from(["NHWC", "NCHW"]))
        if fmt == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        return [x], lambda t: fn(t, k, s, padding, data_format=fmt)
    return make


def _pool_grad(op_type):
    def make(draw):
        x = distinct(draw, (1, 4, 4, 2))
        attrs = {"ksize": (1, 2, 2, 1), "strides": (1, 2, 2, 1), "padding": "SAME"}
        g = values(draw, (1, 2, 2, 2))

        def build(g_):
            xt = tf.constant(x)
            if op_type == "MaxPoolGrad":
                y = tf.nn.max_pool(xt, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
                return tf.get_default_graph().create_op(op_type, [xt, y, g_], attrs).outputs[0]
            if op_type == "MaxPoolGradGrad":
                y = tf.nn.max_pool(xt, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
                return tf.get_default_graph().create_op(
                    op_type, [xt, y, tf.reshape(tf.tile(tf.reshape(g_, [-1]), [4]), [1, 4, 4, 2])], attrs).outputs[0]
            return tf.get_default_graph().create_op(op_type, [xt, g_], attrs).outputs[0]
        return [g], build
    return make


def _conv_transpose(draw):
    """conv2d_transpose: a random output geometry; value has the shape of its conv2d."""
    out = _images(draw)
    w = values(draw, (draw(st.integers(1, 3)), draw(st.integers(1, 3)), out.shape[3], draw(st.integers(1, 2))))
    strides = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and (w.shape[0] > out.shape[1] or w.shape[1] > out.shape[2]):
        padding = "SAME"
    with tf.Graph().as_default():
        v_shape = tf.nn.conv2d(tf.constant(out), tf.constant(w), strides, padding).shape.as_list()
    return [values(draw, v_shape), w], lambda v, f: tf.nn.conv2d_transpose(
        v, f, list(out.shape), strides, padding)


def _lrn(draw):
    x = _images(draw, channels=draw(st.integers(1, 6)))
    radius, bias = draw(st.integers(0, 3)), draw(st.sampled_from([1.0, 2.0]))
    alpha, beta = draw(st.sampled_from([0.5, 1.0])), draw(st.sampled_from([0.5, 0.75]))
    return [x], lambda t: tf.nn.local_response_normalization(t, radius, bias, alpha, beta)


def _xent(sparse):
    def make(draw):
        b, k = draw(st.integers(1, 3)), draw(st.integers(2, 4))
        logits = values(draw, (b, k))
        labels = np.array(draw(st.lists(st.integers(0, k - 1), min_size=b, max_size=b)))
        if sparse:
            return [logits], lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x)
        probs = np.abs(values(draw, (b, k))) + 0.1
        probs /= probs.sum(1, keepdims=True)
        return [logits, probs], lambda x, p: tf.nn.softmax_cross_entropy_with_logits_v2(labels=p, logits=x)
    return make


def _top_k(draw):
    x = distinct(draw, (draw(st.integers(1, 3)), draw(st.integers(2, 5))))
    k = draw(st.integers(1, x.shape[1]))
    return [x], lambda t: tf.nn.top_k(t, k)[0]


def _top_k_grad(draw):
    like = np.zeros((2, 4))
    idx = np.array([[3, 1], [0, 2]], np.int32)
    return [values(draw, (2, 2))], lambda g: tf.get_default_graph().create_op(
        "TopKGrad", [g, tf.constant(idx), tf.constant(like)]).outputs[0]


def _gather_last(draw):
    idx = np.array([[2], [0]])
    return [values(draw, (2, 3))], lambda p: tf.get_default_graph().create_op(
        "GatherLastAxis", [p, tf.constant(idx)]).outputs[0]


def _relu_grad(draw):
    s = draw(shapes())
    y = values(draw, s, away_from_zero=0.2)
    return [values(draw, s), y], lambda g, yy: tf.get_default_graph().create_op("ReluGrad", [g, yy]).outputs[0]


def _segment_sum(draw):
    n = draw(st.integers(1, 4))
    ids = np.array(draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=4)))
    return [values(draw, (len(ids), 2))], lambda x: tf.unsorted_segment_sum(x, ids, n)


def _dynamic_partition(draw):
    parts = np.array(draw(st.lists(st.integers(0, 2), min_size=1, max_size=5)), np.int32)
    return [values(draw, (len(parts), 2))], lambda x: tf.concat(
        tf.dynamic_partition(x, parts, 3), 0) * tf.constant(np.arange(1.0, len(parts) + 1)[:, None])


def _dynamic_stitch(draw):
    n = draw(st.integers(1, 4))  # a writes every row; b overwrites some (the last one wins)
    a = np.arange(n, dtype=np.int32)
    b = np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3)), np.int32)
    return [values(draw, (n, 2)), values(draw, (len(b), 2))], lambda x, y: tf.dynamic_stitch(
        [tf.constant(a), tf.constant(b)], [x, y])


def _reverse_sequence(draw):
    b, t = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    lengths = np.array(draw(st.lists(st.integers(0, t), min_size=b, max_size=b)))
    return [values(draw, (t, b, 2))], lambda x: tf.reverse_sequence(x, lengths, seq_axis=0, batch_axis=1)


# The RNN issue's ops (a block of its own).
RNN_CASES = {
    "UnsortedSegmentSum": _segment_sum, "DynamicPartition": _dynamic_partition,
    "DynamicStitch": _dynamic_stitch, "ReverseSequence": _reverse_sequence,
}




# --- sparse ops (tests/test_sparse.py has the values) ----------------------------------------
def _sparse_entries(draw, shape):
    """Distinct index rows inside ``shape`` in a random (unsorted) order."""
    n = int(np.prod(shape))
    k = draw(st.integers(1, n))
    flat = np.random.default_rng(draw(st.integers(0, 2 ** 31))).permutation(n)[:k]
    return np.stack(np.unravel_index(flat, shape), axis=1).astype(np.int64)


def _sparse_matmul(draw):
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    adj_a, adj_b = draw(st.booleans()), draw(st.booleans())
    a_shape = (k, m) if adj_a else (m, k)
    idx = _sparse_entries(draw, a_shape)
    idx = idx[np.lexsort(idx.T[::-1])]
    b = values(draw, (n, k) if adj_b else (k, n))
    return [values(draw, (len(idx),)), b], lambda v, bb: tf.sparse_tensor_dense_matmul(
        tf.SparseTensor(idx, v, a_shape), bb, adjoint_a=adj_a, adjoint_b=adj_b)


def _sparse_values(build, sort=True):
    def make(draw):
        shape = draw(shapes(1, 3))
        idx = _sparse_entries(draw, shape)
        if sort:
            idx = idx[np.lexsort(idx.T[::-1])]
        return [values(draw, (len(idx),))], lambda v: build(tf.SparseTensor(idx, v, shape), shape, draw)
    return make


SPARSE_CASES = {
    "SparseToDense": _sparse_values(lambda sp, s, d: tf.sparse_tensor_to_dense(sp)),
    "SparseTensorDenseMatMul": _sparse_matmul,
    "SparseReduceSum": _sparse_values(lambda sp, s, d: tf.sparse_reduce_sum(
        sp, axis=d(st.one_of(st.none(), st.integers(0, len(s) - 1))), keepdims=d(st.booleans()))),
    "SparseReorder": _sparse_values(lambda sp, s, d: tf.sparse_reorder(sp).values * tf.constant(
        np.arange(1.0, 1 + sp.values.shape.as_list()[0])), sort=False),  # weights tell positions apart
    "SparseTensorDenseAdd": _sparse_values(lambda sp, s, d: tf.sparse_add(sp, tf.ones(s, tf.float64))),
}

CASES = {
    "Abs": unary(tf.abs, away=0.2), "Neg": unary(tf.negative), "Square": unary(tf.square),
    "Sqrt": unary(tf.sqrt, 0.5, 2.0), "Rsqrt": unary(tf.rsqrt, 0.5, 2.0),
    "Exp": unary(tf.exp), "Expm1": unary(tf.expm1), "Log": unary(tf.log, 0.5, 2.0),
    "Log1p": unary(tf.log1p, 0.0, 2.0), "Sin": unary(tf.sin), "Cos": unary(tf.cos),
    "Tan": unary(tf.tan, -1.0, 1.0), "Tanh": unary(tf.tanh), "Sigmoid": unary(tf.sigmoid),
    "Reciprocal": unary(tf.reciprocal, 0.5, 2.0),
    "Identity": unary(tf.identity),
    "PlaceholderWithDefault": unary(lambda x: tf.placeholder_with_default(x, x.shape)),
    "Cast": unary(lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64) * 1.0),
    "Add": binary(tf.add), "Sub": binary(tf.subtract), "Mul": binary(tf.multiply),
    "RealDiv": binary(tf.divide, 0.5, 2.0), "Pow": binary(tf.pow, x_lo=0.5, x_hi=2.0),
    "SquaredDifference": binary(tf.squared_difference),
    "Maximum": minmax(tf.maximum), "Minimum": minmax(tf.minimum),
    "AddN": binary(lambda x, y: tf.add_n([x, x * 2.0, x])),
    "MatMul": _matmul,
    "MatrixInverse": _square_matrix(tf.matrix_inverse),
    "MatrixDeterminant": _square_matrix(tf.matrix_determinant),
    "Sum": reduction(tf.reduce_sum), "Mean": reduction(tf.reduce_mean),
    "Prod": reduction(tf.reduce_prod), "Max": reduction(tf.reduce_max, distinct),
    "Min": reduction(tf.reduce_min, distinct),
    "Reshape": shape_op(lambda x, s, d: tf.reshape(x, [-1])),
    "Squeeze": shape_op(lambda x, s, d: tf.squeeze(tf.expand_dims(x, 0), axis=0)),
    "ExpandDims": shape_op(lambda x, s, d: tf.expand_dims(x, -1)),
    "Transpose": shape_op(lambda x, s, d: tf.transpose(x, list(d(st.permutations(range(len(s))))))),
    "ConcatV2": shape_op(lambda x, s, d: tf.concat([x, x * 3.0], axis=d(st.integers(0, len(s) - 1)))),
    "Pack": shape_op(lambda x, s, d: tf.stack([x, x * 2.0], axis=1)),
    "Unpack": shape_op(lambda x, s, d: tf.unstack(x)[0] * 2.0 + tf.unstack(x)[-1]),
    "SplitV": shape_op(lambda x, s, d: tf.split(tf.concat([x, x], 0), [s[0], s[0]])[1] * 2.0),
    "Slice": shape_op(lambda x, s, d: tf.slice(x, [0] * len(s), [1] * len(s))),
    "StridedSlice": shape_op(lambda x, s, d: x[::-1, ...]),
    "GatherV2": _gather,
    "Tile": shape_op(lambda x, s, d: tf.tile(x, [2] + [1] * (len(s) - 1))),
    "Pad": shape_op(lambda x, s, d: tf.pad(x, [[1, 2]] + [[0, 1]] * (len(s) - 1))),
    "Fill": unary(lambda x: tf.fill([2, 3], tf.reduce_sum(x))),
    "Select": _select,
    "SumToShape": _sum_to, "BroadcastLike": _broadcast_like, "MeanGrad": _mean_grad,
    "StridedSliceGrad": _strided_slice_grad, "ScatterAddLike": _scatter_add,
    "Relu": unary(tf.nn.relu, away=0.2), "Relu6": unary(lambda x: tf.nn.relu6(x * 4.0), away=0.2),
    "Elu": unary(tf.nn.elu, away=0.2), "Selu": unary(tf.nn.selu, away=0.2),
    "Softplus": unary(tf.nn.softplus), "Softsign": unary(tf.nn.softsign),
    "LeakyRelu": unary(lambda x: tf.nn.leaky_relu(x, 0.3), away=0.2), "ReluGrad": _relu_grad,
    "Softmax": shape_op(lambda x, s, d: tf.nn.softmax(x)),
    "LogSoftmax": shape_op(lambda x, s, d: tf.nn.log_softmax(x)),
    "SparseSoftmaxCrossEntropyWithLogits": _xent(True),
    "SoftmaxCrossEntropyWithLogits": _xent(False),
    "BiasAdd": shape_op(lambda x, s, d: tf.nn.bias_add(x, tf.constant(np.arange(s[-1], dtype=np.float64)))),
    "BiasAddGrad": shape_op(lambda x, s, d: tf.get_default_graph().create_op("BiasAddGrad", [x]).outputs[0]),
    "TopKV2": _top_k, "TopKGrad": _top_k_grad, "GatherLastAxis": _gather_last,
    "Conv2D": _conv, "Conv2DBackpropInput": _conv_backprop("input"),
    "Conv2DBackpropFilter": _conv_backprop("filter"),
    "MaxPool": _pool(tf.nn.max_pool), "AvgPool": _pool(tf.nn.avg_pool),
    "MaxPoolGrad": _pool_grad("MaxPoolGrad"), "AvgPoolGrad": _pool_grad("AvgPoolGrad"),
    "MaxPoolGradGrad": _pool_grad("MaxPoolGradGrad"),
    **RNN_CASES,
    **SPARSE_CASES,


    # convolutions of every geometry and format, their transposes, depthwise, LRN
    "Conv2DTranspose": _conv_transpose,
    "DepthwiseConv2dNative": lambda draw: _conv(draw, tf.nn.depthwise_conv2d),
    "DepthwiseConv2dNativeBackpropInput": _conv_backprop("input", tf.nn.depthwise_conv2d,
                                                         "DepthwiseConv2dNative"),
    "DepthwiseConv2dNativeBackpropFilter": _conv_backprop("filter", tf.nn.depthwise_conv2d,
                                                          "DepthwiseConv2dNative"),
    "LRN": _lrn,
}


# --- control flow: random small branches and loop bodies of differentiable ops ----------
_SMOOTH = [tf.sin, tf.tanh, tf.sigmoid, lambda t: t * t * 0.5, lambda t: t * 0.7 + 0.2,
           lambda t: tf.exp(t * 0.3)]


def _chain(draw):
    fs = [draw(st.sampled_from(_SMOOTH)) for _ in range(draw(st.integers(1, 3)))]

    def apply(t):
        for f in fs:
            t = f(t)
        return t
    return apply


def _cond(draw):
    s = draw(shapes())
    take = draw(st.booleans())
    f, g = _chain(draw), _chain(draw)
    nested = draw(st.booleans())

    def build(a, b):
        def true_fn():
            inner = tf.cond(tf.constant(not take), lambda: g(a), lambda: a * b) if nested else a
            return f(inner) * b
        return tf.cond(tf.constant(take), true_fn, lambda: g(b) + a)
    return [values(draw, s), values(draw, s)], build


def _while(draw):
    s = draw(shapes())
    n = draw(st.integers(0, 3))
    f = _chain(draw)
    with_cond, with_inner = draw(st.booleans()), draw(st.booleans())

    def build(a, b):
        def body(i, v):
            v = f(v) * b
            if with_cond:
                v = tf.cond(tf.equal(i % 2, 0), lambda: v + b, lambda: v * 0.9)
            if with_inner:
                v = tf.while_loop(lambda j, u: j < 2, lambda j, u: (j + 1, tf.sin(u) + b * 0.1), [0, v])[1]
            return i + 1, v
        return tf.while_loop(lambda i, v: i < n, body, [0, a])[1]
    return [values(draw, s, -1.0, 1.0), values(draw, s, -1.0, 1.0)], build


def _tensor_array(op_type):
    """A graph using ``op_type`` on a TensorArray of the rows of a (2..3, k) input."""
    def make(draw):
        x = values(draw, (draw(st.integers(2, 3)), draw(st.integers(1, 3))))
        n = x.shape[0]

        def build(a):
            ta = tf.TensorArray(tf.float64, size=n, clear_after_read=False)
            if op_type in ("TensorArraySplitV3", "TensorArrayConcatV3"):
                return tf.TensorArray(tf.float64, size=2).split(a, [1, n - 1]).concat()
            if op_type == "TensorArrayWriteV3":
                return ta.write(0, a[0] * 2.0).write(1, tf.sin(a[1])).stack()
            if op_type == "TensorArrayScatterV3":
                return ta.scatter(list(range(n))[::-1], a).stack()
            rows = ta.unstack(a)
            if op_type == "TensorArrayGatherV3":
                return rows.gather([n - 1, 0])
            if op_type == "TensorArrayMergeFlows":
                from tensorflux.ops.tensor_array_ops import merge_flows
                rows = rows._with_flow(merge_flows([rows.flow, rows.flow]))
            if op_type in ("TensorArrayReadV3", "TensorArrayMergeFlows"):
                return rows.read(0) * rows.read(1) + rows.read(0)
            return rows.stack() * 3.0  # Unstack, Stack
        return [x], build
    return make


CASES.update({"If": _cond, "While": _while})
CASES.update({op: _tensor_array(op) for op in (
    "TensorArrayWriteV3", "TensorArrayReadV3", "TensorArrayGatherV3", "TensorArrayStack",
    "TensorArrayScatterV3", "TensorArrayUnstack", "TensorArrayConcatV3", "TensorArraySplitV3",
    "TensorArrayMergeFlows")})
CASES["CheckNumerics"] = unary(lambda x: tf.check_numerics(x * 2.0, "x"))


# --- API breadth: tf.math, tf.linalg, array manipulation, tf.nn extras ---------------------
def _const_first(fn, a_lo, a_hi, x_lo, x_hi):
    """Ops differentiable in their last argument only: the others are constants."""
    def make(draw):
        s = draw(shapes())
        a = values(draw, s, a_lo, a_hi)
        return [values(draw, s, x_lo, x_hi)], lambda x: fn(tf.constant(a), x)
    return make


def _complex_part(part, min_rank=0):
    def make(draw):
        s = draw(shapes(min_rank))
        return [values(draw, s, away_from_zero=0.2), values(draw, s, away_from_zero=0.2)], \
            lambda x, y: part(tf.complex(x, y))
    return make


def _cumulative(fn):
    def make(draw):
        s = draw(shapes(1))
        axis = draw(st.integers(-len(s), len(s) - 1))
        exclusive, reverse = draw(st.booleans()), draw(st.booleans())
        return [values(draw, s, 0.5, 2.0)], lambda x: fn(x, axis, exclusive=exclusive, reverse=reverse)
    return make


def _segment(fn, sorted_ids=True, gen=values):
    def make(draw):
        n = draw(st.integers(1, 5))
        ids = sorted(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
        if not sorted_ids:
            ids = list(np.random.default_rng(draw(st.integers(0, 99))).permutation(ids))
        data = gen(draw, (n, 2)) if gen is distinct else values(draw, (n, 2), 0.5, 2.0)
        if sorted_ids:
            return [data], lambda d: fn(d, tf.constant(ids))
        return [data], lambda d: fn(d, tf.constant(ids), 5)
    return make


def _segment_gather(draw):
    idx = np.array(draw(st.lists(st.integers(-1, 4), min_size=1, max_size=5)))
    return [values(draw, (3, 2))], lambda p: tf.get_default_graph().create_op(
        "SegmentGather", [p, tf.constant(idx)]).outputs[0]


def _spd(x):
    """A symmetric positive definite matrix made from x (so perturbations stay symmetric)."""
    n = x.shape.as_list()[-1]
    return (x + tf.linalg.matrix_transpose(x)) * 0.5 + tf.constant(2.0 * np.eye(n))


def _matrices(build, shape_of=lambda d: (d(st.integers(1, 3)),) * 2, n_inputs=1):
    def make(draw):
        shape = shape_of(draw)
        return [values(draw, shape, -0.5, 0.5) for _ in range(n_inputs)], build
    return make


def _tall(draw):
    n = draw(st.integers(1, 3))
    return (n + draw(st.integers(0, 2)), n)


def _solve(fn):
    def make(draw):
        n, k = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        return [values(draw, (n, n), -0.5, 0.5) + 2 * np.eye(n), values(draw, (n, k))], fn
    return make


def _svd_parts(x):
    s, u, v = tf.svd(x)
    return tf.concat([s, tf.reshape(u * u, [-1]), tf.reshape(v * v, [-1])], 0)


def _einsum(draw):
    equation, shapes_ = draw(st.sampled_from([
        ("ij,jk->ik", [(2, 3), (3, 2)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]),
        ("ij->j", [(3, 2)]), ("i,j->ij", [(2,), (3,)]), ("ijk->kji", [(1, 2, 3)])]))
    return [values(draw, s) for s in shapes_], lambda *xs: tf.einsum(equation, *xs)


def _nd_indices(draw, shape, depth, n):
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    return np.stack([rng.integers(0, shape[k], n) for k in range(depth)], -1)


def _gather_nd(draw):
    s = draw(shapes(2, 3))
    idx = _nd_indices(draw, s, draw(st.integers(1, len(s))), draw(st.integers(1, 4)))
    return [values(draw, s)], lambda x: tf.gather_nd(x, idx)


def _scatter_nd_check(draw):
    s = draw(shapes(1, 3))
    idx = _nd_indices(draw, s, 1, draw(st.integers(1, 4)))
    return [values(draw, (len(idx),) + s[1:])], lambda u: tf.scatter_nd(idx, u, s)


def _tensor_scatter(fn, distinct_values=False, unique=False):
    def make(draw):
        s = draw(shapes(1, 3))
        n = draw(st.integers(1, s[0] if unique else 3))
        idx = _nd_indices(draw, s, 1, n)
        if unique:  # which of two updates of one entry wins is undefined, as in TF
            idx = np.random.default_rng(draw(st.integers(0, 99))).permutation(s[0])[:n, None]
        gen = distinct(draw, (s[0] + n,) + s[1:]) if distinct_values else values(draw, (s[0] + n,) + s[1:])
        return [gen[:s[0]], gen[s[0]:]], lambda x, u: fn(x, idx, u)
    return make


def _reverse_sequence_check(draw):
    b, t = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(0, t), min_size=b, max_size=b))
    return [values(draw, (b, t, 2))], lambda x: tf.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0)


def _dynamic_partition(draw):
    n = draw(st.integers(1, 4))
    parts = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), np.int32)
    return [values(draw, (n, 2))], lambda x: tf.concat(tf.dynamic_partition(x, parts, 3), 0)


def _dynamic_stitch(draw):
    perm = np.random.default_rng(draw(st.integers(0, 99))).permutation(5)
    return [values(draw, (2, 3)), values(draw, (3, 3))], lambda a, b: tf.dynamic_stitch(
        [perm[:2], perm[2:]], [a, b])


def _select_v2(draw):
    s = draw(shapes())
    cond = values(draw, broadcastable(draw, s)) > 0
    return [values(draw, s), values(draw, broadcastable(draw, s))], lambda x, y: tf.where_v2(cond, x, y)


CASES.update({
    "Acos": unary(tf.acos, -0.8, 0.8), "Asin": unary(tf.asin, -0.8, 0.8), "Atan": unary(tf.atan),
    "Sinh": unary(tf.sinh), "Cosh": unary(tf.cosh), "Asinh": unary(tf.asinh),
    "Acosh": unary(tf.acosh, 1.2, 3.0), "Atanh": unary(tf.atanh, -0.8, 0.8),
    "Erf": unary(tf.erf), "Erfc": unary(tf.erfc), "Erfinv": unary(tf.math.erfinv, -0.8, 0.8),
    "Ndtri": unary(tf.math.ndtri, 0.1, 0.9), "Lgamma": unary(tf.lgamma, 0.5, 3.0),
    "Digamma": unary(tf.digamma, 0.5, 3.0),
    "BesselI0": unary(tf.math.bessel_i0), "BesselI0e": unary(tf.math.bessel_i0e, away=0.2),
    "BesselI1": unary(tf.math.bessel_i1), "BesselI1e": unary(tf.math.bessel_i1e, away=0.2),
    "Atan2": binary(tf.atan2, 0.5, 2.0),
    "Xlogy": binary(tf.math.xlogy, 0.5, 2.0), "Xlog1py": binary(tf.math.xlog1py, 0.5, 2.0),
    "Xdivy": binary(tf.math.xdivy, 0.5, 2.0), "DivNoNan": binary(tf.div_no_nan, 0.5, 2.0),
    "MulNoNan": binary(tf.math.multiply_no_nan, 0.5, 2.0),
    "Polygamma": _const_first(lambda a, x: tf.polygamma(tf.round(a), x), 0.0, 2.0, 0.5, 3.0),
    "Zeta": _const_first(tf.zeta, 2.0, 4.0, 0.5, 3.0),
    "Igamma": _const_first(tf.igamma, 0.5, 3.0, 0.5, 3.0),
    "Igammac": _const_first(tf.igammac, 0.5, 3.0, 0.5, 3.0),
    "Betainc": _const_first(lambda a, x: tf.betainc(a, a + 0.5, x), 0.5, 3.0, 0.1, 0.9),
    "Complex": _complex_part(lambda z: tf.real(z) * 2.0 + tf.imag(z) * 3.0),
    "Real": _complex_part(tf.real), "Imag": _complex_part(tf.imag),
    "Conj": _complex_part(lambda z: tf.imag(tf.conj(z))), "Angle": _complex_part(tf.angle),
    "Cumsum": _cumulative(tf.cumsum), "Cumprod": _cumulative(tf.cumprod),
    "SegmentSum": _segment(tf.segment_sum), "SegmentMean": _segment(tf.segment_mean),
    "SegmentMax": _segment(tf.segment_max, gen=distinct),
    "SegmentMin": _segment(tf.segment_min, gen=distinct), "SegmentProd": _segment(tf.segment_prod),
    "UnsortedSegmentSum": _segment(tf.unsorted_segment_sum, False),
    "UnsortedSegmentMax": _segment(tf.unsorted_segment_max, False, distinct),
    "UnsortedSegmentMin": _segment(tf.unsorted_segment_min, False, distinct),
    "UnsortedSegmentProd": _segment(tf.unsorted_segment_prod, False),
    "SegmentGather": _segment_gather,
    "Cholesky": _matrices(lambda x: tf.cholesky(_spd(x))),
    "MatrixSolve": _solve(lambda a, b: tf.matrix_solve(a, b) + tf.matrix_solve(a, b, adjoint=True)),
    "MatrixTriangularSolve": _solve(lambda a, b: tf.matrix_triangular_solve(a, b) + tf.matrix_triangular_solve(
        a, b, lower=False, adjoint=True)),
    "LogMatrixDeterminant": _matrices(lambda x: tf.linalg.slogdet(x + tf.constant(np.eye(x.shape.as_list()[0])))[1]),
    "Qr": _matrices(lambda x: tf.concat(tf.qr(x), 0), _tall),
    "Svd": _matrices(_svd_parts, _tall),
    "SelfAdjointEigV2": _matrices(lambda x: (lambda e, v: tf.concat([e[None], v * v], 0))(*tf.self_adjoint_eig(
        _spd(x) + tf.constant(np.diag(np.arange(x.shape.as_list()[0]) * 1.0))))),
    "MatrixBandPart": _matrices(lambda x: tf.matrix_band_part(x, 1, 0), _tall),
    "MatrixDiag": shape_op(lambda x, s, d: tf.matrix_diag(x)),
    "MatrixDiagPart": _matrices(tf.matrix_diag_part, _tall),
    "MatrixSetDiag": _matrices(lambda x, y: tf.matrix_set_diag(x, tf.matrix_diag_part(y) * 2.0), n_inputs=2),
    "Diag": shape_op(lambda x, s, d: tf.diag(x)),
    "DiagPart": shape_op(lambda x, s, d: tf.diag_part(tf.diag(x) * 3.0)),
    "Cross": _matrices(tf.cross, lambda d: (d(st.integers(1, 2)), 3), n_inputs=2),
    "Einsum": _einsum,
    "MatrixExponential": _matrices(tf.linalg.expm),
    **{op: _complex_part(lambda z, f=f: tf.real(f(z)) * 2.0 + tf.imag(f(z)) * 3.0, min_rank=1)
       for op, f in (("FFT", tf.fft), ("IFFT", tf.ifft))},
    **{op: _matrices(lambda x, y, f=f: (lambda z: tf.real(z) * 2.0 + tf.imag(z) * 3.0)(f(tf.complex(x, y))),
                     lambda d: (d(st.integers(1, 2)),) * 3, n_inputs=2)
       for op, f in (("FFT2D", tf.fft2d), ("IFFT2D", tf.ifft2d), ("FFT3D", tf.fft3d), ("IFFT3D", tf.ifft3d))},
    "GatherNd": _gather_nd, "ScatterNd": _scatter_nd_check,
    "TensorScatterUpdate": _tensor_scatter(tf.tensor_scatter_nd_update, unique=True),
    "TensorScatterAdd": _tensor_scatter(tf.tensor_scatter_nd_add),
    "TensorScatterSub": _tensor_scatter(tf.tensor_scatter_nd_sub),
    "TensorScatterMax": _tensor_scatter(tf.tensor_scatter_nd_max, True),
    "TensorScatterMin": _tensor_scatter(tf.tensor_scatter_nd_min, True),
    "ReverseV2": shape_op(lambda x, s, d: tf.reverse(x, [0, -1]), min_rank=2),
    "Roll": shape_op(lambda x, s, d: tf.roll(x, [1, -1], [0, -1])),
    "ReverseSequence": _reverse_sequence_check,
    "DynamicPartition": _dynamic_partition, "DynamicStitch": _dynamic_stitch,
    "BroadcastTo": binary(lambda x, y: tf.broadcast_to(y, x.shape) * x),
    "SelectV2": _select_v2,
    "EnsureShape": unary(lambda x: tf.ensure_shape(x, x.shape)),
})


def _mpi(build):
    """An MPI collective in one process (hvd.init() with one rank): the op is the
    identity and its gradient an allreduce of the gradient; tests/test_mpi.py checks
    the collectives and their gradients across 2 and 3 ranks."""
    def make(draw):
        import tensorflux.contrib.mpi as hvd
        hvd.init()
        return [values(draw, draw(shapes(1)))], lambda x: build(hvd, x)
    return make


CASES.update({  # tensorflux.contrib.mpi
    "MPIAllreduce": _mpi(lambda hvd, x: hvd.allreduce(x) * 2.0 + hvd.allreduce(x, average=False)),
    "MPIAllgather": _mpi(lambda hvd, x: hvd.allgather(x)),
    "MPIBroadcast": _mpi(lambda hvd, x: hvd.broadcast(x, 0)),
})




# tf.Print, tf.image and friends (the non-op part of the API breadth issue).
def _resize(fn):
    def make(draw):
        x = _images(draw)
        size = [draw(st.integers(1, 6)), draw(st.integers(1, 6))]
        align = draw(st.booleans())
        half = not align and draw(st.booleans())
        return [x], lambda t: fn(t, size, align_corners=align, half_pixel_centers=half)
    return make


def _patches(draw):
    x = _images(draw)
    k = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
    s = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
    r = [1, draw(st.integers(1, 2)), 1, 1]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    return [x], lambda t: tf.image.extract_image_patches(t, k, s, r, padding)


def _patches_grad(draw):
    x = np.zeros((1, 3, 4, 2))
    attrs = {"ksizes": (1, 2, 2, 1), "strides": (1, 1, 2, 1), "rates": (1, 1, 1, 1),
             "padding": "SAME"}
    return [values(draw, (1, 3, 2, 8))], lambda g: tf.get_default_graph().create_op(
        "ExtractImagePatchesGrad", [g, tf.constant(x)], attrs).outputs[0]


CASES.update({
    "Print": unary(lambda x: tf.Print(x, [x], first_n=0) * 2.0),
    "ResizeBilinear": _resize(tf.image.resize_bilinear),
    "ResizeBicubic": _resize(tf.image.resize_bicubic),
    "ResizeNearestNeighbor": _resize(tf.image.resize_nearest_neighbor),
    "ExtractImagePatches": _patches, "ExtractImagePatchesGrad": _patches_grad,
    "CropAndResize": lambda draw: ([_images(draw)], lambda t: tf.image.crop_and_resize(
        t, [[0.1, 0.0, 0.9, 0.8], [-0.2, 0.3, 0.7, 1.2]], [0, 0], [3, 2],
        method=draw(st.sampled_from(["bilinear", "nearest"])))),
})



# --- ops without a gradient: forward values, dtypes and shapes only --------------------
def _ints(draw, shape, lo=-2, hi=3, dtype=np.int32):
    return rng(draw).integers(lo, hi, size=shape).astype(dtype)


def _bools(draw, shape):
    return rng(draw).random(shape) < 0.5


def _numbers(draw, shape):
    """Small integers as int32, int64 or float32: ties and equal elements occur."""
    return _ints(draw, shape).astype(draw(st.sampled_from([np.int32, np.int64, np.float32])))


def _compare(fn):
    def make(draw):
        s = draw(shapes())
        x = _numbers(draw, s)
        return [x, _ints(draw, broadcastable(draw, s)).astype(x.dtype)], fn
    return make


def _logical(fn):
    def make(draw):
        s = draw(shapes())
        return [_bools(draw, s), _bools(draw, broadcastable(draw, s))], fn
    return make


def _float32(fn, scale=3.0):
    def make(draw):
        return [(values(draw, draw(shapes())) * scale).astype(np.float32)], fn
    return make


def _any_dtype(fn):
    def make(draw):
        return [_numbers(draw, draw(shapes()))], fn
    return make


def _division(fn, dtypes):
    """x / y rounded down (FloorDiv: tf.floordiv makes it for integers only) or its
    remainder, with y nonzero."""
    def make(draw):
        s = draw(shapes())
        x = _ints(draw, s, -7, 8)
        y = _ints(draw, broadcastable(draw, s), 1, 4) * np.where(draw(st.booleans()), 1, -1)
        dtype = draw(st.sampled_from(dtypes))
        return [x.astype(dtype), y.astype(dtype)], fn
    return make


def _non_finite(fn):
    def make(draw):
        s = draw(shapes())
        gen = rng(draw)
        x = gen.choice(np.array([0.5, -1.0, np.nan, np.inf, -np.inf], np.float32), size=s)
        return [x], fn
    return make


def _bool_reduction(fn):
    def make(draw):
        s = draw(shapes(1))
        axis = draw(st.one_of(st.none(), st.integers(0, len(s) - 1)))
        keep = draw(st.booleans())
        return [_bools(draw, s)], lambda x: fn(x, axis=axis, keepdims=keep)
    return make


def _arg(fn):
    def make(draw):
        s = draw(shapes(1))
        axis = draw(st.integers(0, len(s) - 1))
        dtype = draw(st.sampled_from([tf.int32, tf.int64]))
        return [distinct(draw, s).astype(np.float32)], lambda x: fn(x, axis=axis, output_type=dtype)
    return make


def _in_top_k(draw):
    b, n = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    k = draw(st.integers(1, n))
    return ([distinct(draw, (b, n)).astype(np.float32), _ints(draw, (b,), 0, n)],
            lambda p, t: tf.nn.in_top_k(p, t, k))


def _one_hot(draw):
    depth = draw(st.integers(1, 4))
    axis = draw(st.sampled_from([-1, 0]))
    return [_ints(draw, draw(shapes(1, 2)), -1, depth)], lambda i: tf.one_hot(
        i, depth, on_value=2.5, off_value=-1.0, axis=axis)


def _scalars(*dtypes_and_ranges):
    """0-d inputs drawn from (dtype, lo, hi) ranges, for Range and LinSpace."""
    def draw_all(draw):
        gen = rng(draw)
        return [np.array(gen.integers(lo, hi), dtype) for dtype, lo, hi in dtypes_and_ranges]
    return draw_all


def _range(draw):
    start, delta = _scalars((np.int32, -3, 3), (np.int32, 1, 3))(draw)
    limit = np.array(start + draw(st.integers(0, 6)), np.int32)
    return [start, limit, delta], lambda a, b, c: tf.range(a, b, c)


def _linspace(draw):
    start, stop, num = _scalars((np.float32, -3, 3), (np.float32, 3, 6), (np.int32, 1, 5))(draw)
    return [start, stop, num], tf.linspace


def _random(build):
    """A seeded random op: the same numbers on every backend (they are drawn on the host)."""
    def make(draw):
        seed = draw(st.integers(1, 1000))
        dtype = draw(st.sampled_from([tf.float32, tf.float64]))
        shape = np.array(draw(shapes(1)), np.int32)
        return [shape], lambda s: build(s, dtype, seed)
    return make


def _random_shuffle(draw):
    seed = draw(st.integers(1, 1000))
    return [_numbers(draw, draw(shapes(1)))], lambda x: tf.random_shuffle(x, seed=seed)


def _variable(update):
    """``update(variable, value)`` on a variable initialized from the first input."""
    def make(draw):
        s = draw(shapes())
        return [values(draw, s), values(draw, s)], lambda x0, x1: update(tf.Variable(x0), x1)
    return make


def _uninitialized(draw):
    s = draw(shapes())

    def build(x):
        kept_out = tf.Variable(x * 2.0, collections=[], name="kept_out")
        return tf.report_uninitialized_variables([tf.Variable(x, name="v"), kept_out])
    return [values(draw, s)], build


def _apply(optimizer):
    """The Apply* op an optimizer makes for one variable, fetched: it runs the update
    and returns the updated value."""
    def make(draw):
        s = draw(shapes())

        def build(x0, grad):
            variable = tf.Variable(x0)
            optimizer().apply_gradients([(grad, variable)])
            graph = tf.get_default_graph()
            return [op for op in graph.get_operations() if op.type.startswith("Apply")][0].outputs[0]
        return [values(draw, s), values(draw, s)], build
    return make


def _summary(kind):
    def make(draw):
        if kind == "text":
            words = np.array(draw(st.lists(st.sampled_from([b"tensor", b"flux", b""]),
                                           min_size=1, max_size=3)), dtype=object)
            return [words], lambda t: tf.summary.text("words", t)
        if kind == "image":
            n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
            images = rng(draw).random((n, h, w, draw(st.sampled_from([1, 3])))).astype(np.float32)
            return [images], lambda t: tf.summary.image("images", t, max_outputs=2)
        x = values(draw, draw(shapes())).astype(np.float32)
        if kind == "scalar":
            return [x.reshape(-1)[:1].reshape(())], lambda t: tf.summary.scalar("loss", t)
        if kind == "histogram":
            return [x], lambda t: tf.summary.histogram("weights", t)
        return [x], lambda t: tf.summary.merge([tf.summary.histogram("weights", t),
                                                tf.summary.scalar("mean", tf.reduce_mean(t))])
    return make


CASES.update({
    "Equal": _compare(tf.equal), "NotEqual": _compare(tf.not_equal),
    "Less": _compare(tf.less), "LessEqual": _compare(tf.less_equal),
    "Greater": _compare(tf.greater), "GreaterEqual": _compare(tf.greater_equal),
    "LogicalAnd": _logical(tf.logical_and), "LogicalOr": _logical(tf.logical_or),
    "LogicalNot": _logical(lambda x, y: tf.logical_not(x)),
    "Floor": _float32(tf.floor), "Ceil": _float32(tf.ceil), "Round": _float32(tf.round),
    "Sign": _float32(tf.sign),
    "FloorDiv": _division(tf.floordiv, [np.int32, np.int64]),
    "FloorMod": _division(tf.floormod, [np.int32, np.int64, np.float32, np.float64]),
    "IsFinite": _non_finite(tf.is_finite), "IsNan": _non_finite(tf.is_nan),
    "All": _bool_reduction(tf.reduce_all), "Any": _bool_reduction(tf.reduce_any),
    "ArgMax": _arg(tf.argmax), "ArgMin": _arg(tf.argmin),
    "InTopK": _in_top_k, "OneHot": _one_hot,
    "OnesLike": _any_dtype(lambda x: tf.ones_like(x, optimize=False)),
    "ZerosLike": _any_dtype(lambda x: tf.zeros_like(x, optimize=False)),
    "StopGradient": _any_dtype(tf.stop_gradient),
    "Rank": _any_dtype(lambda x: tf.rank(x) * 1), "Shape": _any_dtype(lambda x: tf.shape(x) * 1),
    "Size": _any_dtype(lambda x: tf.size(x) * 1),
    "Where": _logical(lambda x, y: tf.where(x)),
    "Range": _range, "LinSpace": _linspace,
    "RandomUniform": _random(lambda s, d, seed: tf.random_uniform(s, dtype=d, seed=seed)),
    "RandomStandardNormal": _random(lambda s, d, seed: tf.random_normal(s, dtype=d, seed=seed)),
    "TruncatedNormal": _random(lambda s, d, seed: tf.truncated_normal(s, dtype=d, seed=seed)),
    "RandomUniformInt": _random(lambda s, d, seed: tf.random_uniform(
        s, minval=-3, maxval=9, dtype=tf.int32, seed=seed)),
    "RandomShuffle": _random_shuffle,
    "Assign": _variable(tf.assign), "AssignAdd": _variable(tf.assign_add),
    "AssignSub": _variable(tf.assign_sub),
    "IsVariableInitialized": _variable(lambda v, x: tf.is_variable_initialized(v)),
    "ReportUninitializedVariables": _uninitialized,
    "ApplyGradientDescent": _apply(lambda: tf.train.GradientDescentOptimizer(0.1)),
    "ApplyMomentum": _apply(lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)),
    "ApplyAdagrad": _apply(lambda: tf.train.AdagradOptimizer(0.1)),
    "ApplyAdadelta": _apply(lambda: tf.train.AdadeltaOptimizer(0.5)),
    "ApplyAdam": _apply(lambda: tf.train.AdamOptimizer(0.1)),
    "ApplyRMSProp": _apply(lambda: tf.train.RMSPropOptimizer(0.1, momentum=0.5)),
    "ApplyCenteredRMSProp": _apply(lambda: tf.train.RMSPropOptimizer(0.1, centered=True)),
    "ApplyFtrlV2": _apply(lambda: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01,
                                                       l2_shrinkage_regularization_strength=0.1)),
    "ScalarSummary": _summary("scalar"), "HistogramSummary": _summary("histogram"),
    "ImageSummary": _summary("image"), "TextSummary": _summary("text"),
    "MergeSummary": _summary("merge"),
})


# (delta, rtol) where float64 central differences need more room: Cast goes through float32.
# Resizes and crops compute in float32 but are linear in the image, so a large delta is
# exact and keeps float32 rounding out of the differences.
TOLERANCE = {"Cast": (1e-2, 1e-3), "ResizeBilinear": (0.5, 1e-4), "ResizeBicubic": (0.5, 1e-4),
             "CropAndResize": (0.5, 1e-4)}


# --- more ops without a gradient: integers and bits, sets, seeded and stateless random
# numbers, the gradient kernels of image ops, variable scatters, sparse optimizer
# updates, and the TensorArray ops that make, size, close and differentiate arrays ------
def _int_binary(fn, lo=-6, hi=7, y_lo=None, y_hi=None, nonzero=False):
    def make(draw):
        s = draw(shapes())
        dtype = draw(st.sampled_from([np.int32, np.int64]))
        y = _ints(draw, broadcastable(draw, s), lo if y_lo is None else y_lo,
                  hi if y_hi is None else y_hi)
        if nonzero:
            y = np.where(y == 0, 1, y)
        return [_ints(draw, s, lo, hi).astype(dtype), y.astype(dtype)], fn
    return make


def _int_unary(fn, lo=-6, hi=7):
    def make(draw):
        return [_ints(draw, draw(shapes()), lo, hi, draw(st.sampled_from([np.int32, np.int64])))], fn
    return make


def _permutation(draw):
    n = draw(st.integers(1, 5))
    return [rng(draw).permutation(n).astype(np.int32)], tf.invert_permutation


def _vector_ints(fn, n_inputs=1):
    def make(draw):
        return [_ints(draw, (draw(st.integers(1, 6)),), 0, 4) for _ in range(n_inputs)], fn
    return make


def _search_sorted(draw):
    seq = np.sort(_ints(draw, (2, draw(st.integers(1, 5))), 0, 6), axis=1).astype(np.float32)
    vals = _ints(draw, (2, draw(st.integers(1, 4))), -1, 7).astype(np.float32)
    side = draw(st.sampled_from(["left", "right"]))
    return [seq, vals], lambda a, v: tf.searchsorted(a, v, side=side)


def _unravel(draw):
    dims = np.array(draw(shapes(1, 3)), np.int32)
    idx = rng(draw).integers(0, int(np.prod(dims)), size=draw(st.integers(1, 4))).astype(np.int32)
    return [idx], lambda i: tf.unravel_index(i, dims)


def _seeded(build, inputs=None):
    """A random op with a seed: drawn on the host, the same numbers on every backend."""
    def make(draw):
        seed = draw(st.integers(1, 1000))
        xs = inputs(draw) if inputs else []
        return xs, lambda *a: build(seed, *a)
    return make


def _positive(draw):
    return [values(draw, draw(shapes(1, 2)), 0.5, 3.0).astype(np.float32)]


def _logits(draw):
    return [values(draw, (draw(st.integers(1, 3)), draw(st.integers(2, 4)))).astype(np.float32)]


def _stateless(build):
    def make(draw):
        seed = np.array([draw(st.integers(0, 100)), draw(st.integers(0, 100))], np.int64)
        return [seed], build
    return make


def _image_grad(forward):
    """The gradient kernel of an image op, through tf.gradients of the forward op."""
    def make(draw):
        x = (values(draw, (1, draw(st.integers(2, 4)), draw(st.integers(2, 4)), 2)))
        return [x], lambda t: tf.gradients(tf.reduce_sum(forward(t) * 1.5), t)[0]
    return make


def _scatter(fn):
    """``fn(variable, indices, updates)`` on a variable of shape (3, k)."""
    def make(draw):
        k = draw(st.integers(1, 3))
        return [values(draw, (3, k), 0.5, 2.0), values(draw, (2, k), 0.5, 2.0)], \
            lambda x0, u: fn(tf.Variable(x0), [2, 0], u)
    return make


def _sparse_apply(optimizer):
    """The SparseApply* op an optimizer makes for an IndexedSlices gradient, fetched."""
    def make(draw):
        k = draw(st.integers(1, 3))

        def build(x0, rows):
            variable = tf.Variable(x0)
            grad = tf.IndexedSlices(rows, tf.constant([2, 0, 2]), tf.constant([4, k]))
            optimizer().apply_gradients([(grad, variable)])
            graph = tf.get_default_graph()
            return [op for op in graph.get_operations() if op.type.startswith("SparseApply")][0].outputs[0]
        return [values(draw, (4, k), 0.5, 2.0), values(draw, (3, k))], build
    return make


def _tensor_array_case(use):
    """``use(tensor_array_of_the_rows, x)``, on the rows of a (2..3, k) input."""
    def make(draw):
        x = values(draw, (draw(st.integers(2, 3)), draw(st.integers(1, 3))))

        def build(t):
            return use(tf.TensorArray(tf.float64, size=x.shape[0]).unstack(t), t)
        return [x], build
    return make


def _closed(ta, t):
    with tf.control_dependencies([ta.close()]):
        return tf.identity(t * 2.0)


def _activation_grad(op_type, activation):
    """TanhGrad/SigmoidGrad(y, dy) on y an activation's output (inside its range)."""
    def make(draw):
        s = draw(shapes())
        return [values(draw, s), values(draw, s)], lambda x, dy: tf.get_default_graph().create_op(
            op_type, [activation(x), dy]).outputs[0]
    return make


CASES.update({
    "TanhGrad": _activation_grad("TanhGrad", tf.tanh),
    "SigmoidGrad": _activation_grad("SigmoidGrad", tf.sigmoid),
})


CASES.update({
    "BitwiseAnd": _int_binary(tf.bitwise.bitwise_and), "BitwiseOr": _int_binary(tf.bitwise.bitwise_or),
    "BitwiseXor": _int_binary(tf.bitwise.bitwise_xor), "Invert": _int_unary(tf.bitwise.invert),
    "LeftShift": _int_binary(tf.bitwise.left_shift, 0, 9, 0, 5),
    "RightShift": _int_binary(tf.bitwise.right_shift, -64, 64, 0, 5),
    "PopulationCount": _int_unary(tf.bitwise.population_count),
    "TruncateDiv": _int_binary(tf.truncatediv, nonzero=True),
    "TruncateMod": _int_binary(tf.truncatemod, nonzero=True),
    "Bitcast": _float32(lambda x: tf.bitcast(x, tf.int32)),
    "IsInf": _non_finite(tf.math.is_inf),
    "NextAfter": lambda draw: ([values(draw, (3,)).astype(np.float32), values(draw, (3,)).astype(np.float32)],
                               tf.math.nextafter),
    "InvertPermutation": _permutation,
    "ListDiff": _vector_ints(lambda x, y: tf.setdiff1d(x, y)[0] * 10 + tf.setdiff1d(x, y)[1], 2),
    "Unique": _vector_ints(lambda x: tf.unique(x)[0] * 10 + tf.reduce_sum(tf.unique(x)[1])),
    "UniqueWithCounts": _vector_ints(lambda x: tf.concat(list(tf.unique_with_counts(x)), 0)),
    "SearchSorted": _search_sorted, "UnravelIndex": _unravel,
    "Lu": lambda draw: ([values(draw, (3, 3), -0.5, 0.5) + 2 * np.eye(3)],
                        lambda m: tf.linalg.lu(m)[0]),
    "OrthonormalColumns": lambda draw: ([values(draw, (draw(st.integers(2, 4)), 2))],
                                        lambda m: tf.abs(tf.get_default_graph().create_op(
                                            "OrthonormalColumns", [m]).outputs[0])),
    "Multinomial": _seeded(lambda seed, logits: tf.multinomial(logits, 5, seed=seed), _logits),
    "RandomGamma": _seeded(lambda seed, a: tf.random_gamma([2], a, seed=seed), _positive),
    "RandomPoissonV2": _seeded(lambda seed, lam: tf.random_poisson(lam, [3], seed=seed), _positive),
    "StatelessRandomUniform": _stateless(lambda s: tf.random.stateless_uniform([2, 3], s)),
    "StatelessRandomUniformInt": _stateless(lambda s: tf.random.stateless_uniform(
        [4], s, minval=-5, maxval=9, dtype=tf.int32)),
    "StatelessRandomNormal": _stateless(lambda s: tf.random.stateless_normal([3], s)),
    "StatelessTruncatedNormal": _stateless(lambda s: tf.random.stateless_truncated_normal([3], s)),
    "StatelessParameterizedTruncatedNormal": _stateless(
        lambda s: tf.random.stateless_parameterized_truncated_normal([3], s)),
    "StatelessMultinomial": _stateless(lambda s: tf.random.stateless_categorical(
        tf.constant([[0.0, 1.0, -1.0]]), 4, s)),
    "StatelessRandomBinomial": _stateless(lambda s: tf.random.stateless_binomial(
        [3], s, counts=10.0, probs=0.3)),
    "StatelessRandomGammaV2": _stateless(lambda s: tf.random.stateless_gamma([3], s, alpha=2.0)),
    "StatelessRandomPoisson": _stateless(lambda s: tf.random.stateless_poisson([3], s, lam=3.0)),
    "StatelessRandomGetKeyCounter": _stateless(lambda s: tf.random.split(s, 3)),
    "ResizeArea": lambda draw: ([_images(draw)], lambda t: tf.image.resize_area(t, [2, 3])),
    "ResizeBilinearGrad": _image_grad(lambda t: tf.image.resize_bilinear(t, [3, 5])),
    "ResizeBicubicGrad": _image_grad(lambda t: tf.image.resize_bicubic(t, [3, 5])),
    "ResizeNearestNeighborGrad": _image_grad(lambda t: tf.image.resize_nearest_neighbor(t, [3, 5])),
    "CropAndResizeGradImage": _image_grad(lambda t: tf.image.crop_and_resize(
        t, [[0.1, 0.0, 0.9, 0.8]], [0], [2, 2])),
    "LRNGrad": _image_grad(lambda t: tf.nn.local_response_normalization(t, depth_radius=1)),
    "ScatterUpdate": _scatter(tf.scatter_update), "ScatterAdd": _scatter(tf.scatter_add),
    "ScatterSub": _scatter(tf.scatter_sub), "ScatterMul": _scatter(tf.scatter_mul),
    "ScatterDiv": _scatter(tf.scatter_div), "ScatterMax": _scatter(tf.scatter_max),
    "ScatterMin": _scatter(tf.scatter_min),
    "ScatterNdUpdate": _scatter(lambda v, i, u: tf.scatter_nd_update(v, [[j] for j in i], u)),
    "ScatterNdAdd": _scatter(lambda v, i, u: tf.scatter_nd_add(v, [[j] for j in i], u)),
    "ScatterNdSub": _scatter(lambda v, i, u: tf.scatter_nd_sub(v, [[j] for j in i], u)),
    "SparseApplyMomentum": _sparse_apply(lambda: tf.train.MomentumOptimizer(0.1, 0.9)),
    "SparseApplyAdagrad": _sparse_apply(lambda: tf.train.AdagradOptimizer(0.1)),
    "SparseApplyAdadelta": _sparse_apply(lambda: tf.train.AdadeltaOptimizer(0.5)),
    "SparseApplyAdam": _sparse_apply(lambda: tf.train.AdamOptimizer(0.1)),
    "SparseApplyRMSProp": _sparse_apply(lambda: tf.train.RMSPropOptimizer(0.1, momentum=0.5)),
    "SparseApplyCenteredRMSProp": _sparse_apply(lambda: tf.train.RMSPropOptimizer(0.1, centered=True)),
    "SparseApplyFtrlV2": _sparse_apply(lambda: tf.train.FtrlOptimizer(0.1)),
    "TensorArrayV3": _tensor_array_case(lambda ta, t: ta.stack()),
    "TensorArraySizeV3": _tensor_array_case(lambda ta, t: ta.size()),
    "TensorArrayCloseV3": _tensor_array_case(_closed),
    "TensorArrayGradV3": _tensor_array_case(lambda ta, t: tf.gradients(ta.stack() * 2.0, t)[0]),
})


# --- the graph optimizer's fused ops (tensorflux.ops.fused_ops) ------------------------------
def _fused(draw):
    """A fused matmul + bias + ReLU, or an elementwise chain reading one input twice."""
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    graph = tf.get_default_graph

    def fused(inputs, program, shape):
        return graph().create_op("_Fused", inputs, {"program": program, "dtype": tf.float64,
                                                    "shape": shape}, name="fused").outputs[0]
    if draw(st.booleans()):
        program = (("MatMul", (0, 1), (False, True)), ("BiasAdd", (3, 2), ()), ("Relu", (4,), ()))
        return ([values(draw, (m, k)), values(draw, (n, k)), values(draw, (n,))],
                lambda a, b, bias: fused([a, b, bias], program, (m, n)))
    program = (("Mul", (0, 1), ()), ("Tanh", (2,), ()), ("Sub", (3, 0), ()), ("ReluGrad", (4, 0), ()))
    return ([values(draw, (m, n)), values(draw, (n,))],
            lambda x, y: fused([x, y], program, (m, n)))


def _gradient_descent_in_place(draw):
    s = draw(shapes())

    def build(x0, grad):
        variable = tf.Variable(x0)
        return tf.get_default_graph().create_op(
            "_ApplyGradientDescentInPlace",
            [variable._variable, tf.constant(0.1, tf.float64), grad * 2.0],
            name="update").outputs[0]
    return [values(draw, s), values(draw, s)], build


def _xent_with_grad(draw):
    """A softmax cross entropy whose gradient is scaled by mean(loss)'s or per row."""
    sparse, mean = draw(st.booleans()), draw(st.booleans())
    inputs, xent = _xent(sparse)(draw)
    b = inputs[0].shape[0]
    scale = values(draw, () if mean else (b,))
    op_type = "SparseSoftmaxCrossEntropyWithLogits" if sparse else "SoftmaxCrossEntropyWithLogits"

    def build(*xs):
        plain = xent(*xs[:-1]).op  # gives the labels (a constant when sparse)
        return tf.get_default_graph().create_op(
            "_XentWithGrad", [xs[0], plain.inputs[1], xs[-1]], {"xent": op_type, "mean": mean},
            name="xent_with_grad").outputs
    return [*inputs, scale], build


CASES.update({"_Fused": _fused, "_ApplyGradientDescentInPlace": _gradient_descent_in_place,
              "_XentWithGrad": _xent_with_grad})


def _matmul_gradient_descent(draw):
    """var -= 0.1 * matmul(a, b), either operand transposed."""
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    ta, tb = draw(st.booleans()), draw(st.booleans())

    def build(x0, a, b):
        variable = tf.Variable(x0)
        return tf.get_default_graph().create_op(
            "_MatMulGradientDescent", [variable._variable, tf.constant(0.1, tf.float64), a, b],
            {"transpose_a": ta, "transpose_b": tb}, name="update").outputs[0]
    return [values(draw, (m, n)), values(draw, (k, m) if ta else (m, k)),
            values(draw, (n, k) if tb else (k, n))], build


CASES["_MatMulGradientDescent"] = _matmul_gradient_descent


# --- tf.custom_gradient: sin(x) with its exact derivative given by hand ------------------------
@tf.custom_gradient
def _sin_with_its_gradient(x):
    return tf.sin(x), lambda dy: dy * tf.cos(x)


CASES["CustomGradient"] = unary(_sin_with_its_gradient)


# --- API breadth: tf.nn, tf.math, tf.linalg, tf.sparse, tf.strings (breadth_cases.py) ----
from tensorflux.testing.conformance.breadth_cases import BREADTH_CASES, BREADTH_TOLERANCE  # noqa: E402

CASES.update(BREADTH_CASES)
TOLERANCE.update(BREADTH_TOLERANCE)
