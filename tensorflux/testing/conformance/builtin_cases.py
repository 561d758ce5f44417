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


def _conv(draw):
    x = _images(draw)
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    w = values(draw, (kh, kw, x.shape[3], draw(st.integers(1, 2))))
    strides = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and (kh > x.shape[1] or kw > x.shape[2]):
        padding = "SAME"
    return [x, w], lambda a, b: tf.nn.conv2d(a, b, strides, padding)


def _conv_backprop(kind):
    def make(draw):
        x = _images(draw)
        w = values(draw, (2, 2, x.shape[3], 2))
        strides = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
        padding = "SAME"
        with tf.Graph().as_default():
            y_shape = tf.nn.conv2d(tf.constant(x), tf.constant(w), strides, padding).shape.as_list()
        dy = values(draw, y_shape)
        attrs = {"strides": tuple(strides), "padding": padding}
        if kind == "input":
            return [w, dy], lambda w_, dy_: tf.get_default_graph().create_op(
                "Conv2DBackpropInput", [tf.constant(x), w_, dy_], attrs).outputs[0]
        return [x, dy], lambda x_, dy_: tf.get_default_graph().create_op(
            "Conv2DBackpropFilter", [x_, tf.constant(w), dy_], attrs).outputs[0]
    return make


def _pool(fn):
    def make(draw):
        n, h, w, ch = draw(st.integers(1, 2)), draw(st.integers(2, 5)), draw(st.integers(2, 5)), 2
        x = distinct(draw, (n, h, w, ch))  # no ties inside a window
        k = [1, draw(st.integers(1, 3)), draw(st.integers(1, 3)), 1]
        s = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
        padding = draw(st.sampled_from(["SAME", "VALID"]))
        if padding == "VALID" and (k[1] > h or k[2] > w):
            padding = "SAME"
        return [x], lambda t: fn(t, k, s, padding)
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


CASES = {
    # differentiable ops: float64 inputs, checked against central differences too
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
}


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
TOLERANCE = {"Cast": (1e-2, 1e-3)}

