"""Property-based gradient checks: every differentiable op, on every available backend.

For each op, hypothesis draws float64 inputs (shapes up to 3 dims, values away from
kinks and ties) and the registered gradient is compared with central differences. A
differentiable op without an entry in CHECKS fails ``test_every_differentiable_op_is_checked``.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test, differentiable_ops

BACKENDS = backends_to_test()


def shapes(min_rank=0, max_rank=3):
    return st.lists(st.integers(1, 3), min_size=min_rank, max_size=max_rank).map(tuple)


def values(draw, shape, lo=-2.0, hi=2.0, away_from_zero=0.0):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
    v = rng.uniform(lo, hi, size=shape)
    if away_from_zero:
        v = np.where(np.abs(v) < away_from_zero, np.sign(v + 1e-12) * away_from_zero, v)
    return v


def distinct(draw, shape):
    """Values with no ties (for max/min)."""
    n = int(np.prod(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
    return (rng.permutation(n) * 0.5 + rng.uniform(0, 0.1, n)).reshape(shape)


def broadcastable(draw, shape):
    """A shape that broadcasts against ``shape`` (a suffix, some dims set to 1)."""
    k = draw(st.integers(0, len(shape)))
    tail = shape[len(shape) - k:]
    return tuple(1 if draw(st.booleans()) else d for d in tail)


def unary(fn, lo=-2.0, hi=2.0, away=0.0):
    def make(draw):
        return [values(draw, draw(shapes()), lo, hi, away)], lambda x: fn(x)
    return make


def binary(fn, y_lo=-2.0, y_hi=2.0, y_away=0.0, x_lo=-2.0, x_hi=2.0):
    def make(draw):
        s = draw(shapes())
        return [values(draw, s, x_lo, x_hi), values(draw, broadcastable(draw, s), y_lo, y_hi, y_away)], fn
    return make


def minmax(fn):
    def make(draw):
        s = draw(shapes())
        x = values(draw, s)
        offset = values(draw, s, 0.2, 1.0) * np.where(values(draw, s) > 0, 1, -1)
        return [x, x + offset], fn
    return make


def reduction(fn, gen=values):
    def make(draw):
        s = draw(shapes(1))
        axis = draw(st.one_of(st.none(), st.integers(0, len(s) - 1)))
        keep = draw(st.booleans())
        x = gen(draw, s) if gen is distinct else gen(draw, s, 0.5, 2.0)
        return [x], lambda t: fn(t, axis=axis, keepdims=keep)
    return make


def shape_op(build, min_rank=1):
    def make(draw):
        s = draw(shapes(min_rank))
        return [values(draw, s)], lambda x: build(x, s, draw)
    return make


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


CHECKS = {
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
    # convolutions of every geometry and format, their transposes, depthwise, LRN
    "Conv2DTranspose": _conv_transpose,
    "DepthwiseConv2dNative": lambda draw: _conv(draw, tf.nn.depthwise_conv2d),
    "DepthwiseConv2dNativeBackpropInput": _conv_backprop("input", tf.nn.depthwise_conv2d,
                                                         "DepthwiseConv2dNative"),
    "DepthwiseConv2dNativeBackpropFilter": _conv_backprop("filter", tf.nn.depthwise_conv2d,
                                                          "DepthwiseConv2dNative"),
    "LRN": _lrn,
}


# (delta, rtol) where float64 central differences need more room: Cast goes through float32.
TOLERANCE = {"Cast": (1e-2, 1e-3)}


def test_every_differentiable_op_is_checked():
    missing = set(differentiable_ops()) - set(CHECKS)
    assert not missing, f"differentiable ops without a gradient check: {sorted(missing)}"


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("op_type", sorted(CHECKS))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_gradient_matches_central_differences(op_type, backend, device, data):
    inputs, build = CHECKS[op_type](data.draw)
    with backend_context(backend), tf.Graph().as_default() as g, tf.device(device):
        xs = [tf.placeholder(tf.float64, shape=v.shape) for v in inputs]
        y = build(*xs)
        assert op_type in {op.type for op in g.get_operations()}, f"{op_type} not built"
        with tf.Session() as sess:
            y_shape = tuple(sess.run(y, dict(zip(xs, inputs))).shape)
            placed = {sess._backend_for(op) for op in g.get_operations() if op.type == op_type}
            assert placed == {backend}, f"{op_type} ran on {placed}, not {backend}"
            delta, rtol = TOLERANCE.get(op_type, (1e-6, 1e-5))
            for i, (x, v) in enumerate(zip(xs, inputs)):
                feed = {xx: vv for j, (xx, vv) in enumerate(zip(xs, inputs)) if j != i}
                analytic, numeric = tf.test.compute_gradient(
                    x, v.shape, y, y_shape, x_init_value=v, delta=delta, extra_feed_dict=feed)
                np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=1e-6,
                                           err_msg=f"{op_type} input {i} on {backend}")
                if backend != "numpy":  # the same graph on the CPU backend must agree
                    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as cpu:
                        on_cpu, _ = tf.test.compute_gradient(
                            x, v.shape, y, y_shape, x_init_value=v, delta=delta,
                            extra_feed_dict=feed, session=cpu)
                    np.testing.assert_allclose(analytic, on_cpu, rtol=1e-6, atol=1e-9,
                                               err_msg=f"{op_type} input {i}: {backend} vs numpy")
