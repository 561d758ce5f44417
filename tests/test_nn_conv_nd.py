"""1-D and 3-D convolution and pooling, the N-D front ends (tf.nn.convolution, pool,
max_pool_v2, conv_transpose), the backprops under their public names, separable and
atrous convolutions and with_space_to_batch, against the direct-loop references of
tests/conv_nd_reference on every backend; TF1's errors for bad arguments."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conv_nd_reference as ref
import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
R = np.random.default_rng(5)


def evaluate(backend, device, build, *arrays):
    """Build ``build(*placeholders)`` on ``device`` and run it with ``arrays`` fed."""
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        xs = [tf.placeholder(tf.float64, a.shape) for a in arrays]
        y = build(*xs)
        with tf.Session() as sess:
            return sess.run(y, dict(zip(xs, arrays)))


def channels_first(a):
    return np.moveaxis(a, -1, 1)


@st.composite
def case_3d(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
    sizes = [draw(st.integers(2, 4)) for _ in range(3)]
    kernel = [draw(st.integers(1, 3)) for _ in range(3)]
    strides = [draw(st.integers(1, 2)) for _ in range(3)]
    dilations = [draw(st.integers(1, 2)) for _ in range(3)]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and any((k - 1) * d >= n for k, d, n in zip(kernel, dilations, sizes)):
        padding = "SAME"
    x = rng.normal(size=(draw(st.integers(1, 2)), *sizes, draw(st.integers(1, 2))))
    w = rng.normal(size=(*kernel, x.shape[-1], draw(st.integers(1, 2))))
    fmt = draw(st.sampled_from(["NDHWC", "NCDHW"]))
    return x, w, strides, dilations, padding, fmt


def five(values, fmt):
    return [1, *values, 1] if fmt == "NDHWC" else [1, 1, *values]


def formatted(a, fmt):
    return channels_first(a) if fmt.startswith("NC") else a


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@SETTINGS
@given(case=case_3d())
def test_conv3d_matches_the_loop_reference(backend, device, case):
    x, w, strides, dilations, padding, fmt = case
    got = evaluate(backend, device, lambda a, b: tf.nn.conv3d(
        a, b, five(strides, fmt), padding, data_format=fmt, dilations=five(dilations, fmt)),
        formatted(x, fmt), w)
    want = ref.conv(x, w, strides, padding, dilations)
    np.testing.assert_allclose(got, formatted(want, fmt), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@SETTINGS
@given(case=case_3d(), data=st.data())
def test_conv3d_transpose_and_filter_backprop_are_the_adjoints(backend, device, case, data):
    x, w, strides, dilations, padding, fmt = case
    y_shape = ref.conv(x, w, strides, padding, dilations).shape
    dy = np.random.default_rng(data.draw(st.integers(0, 99))).normal(size=y_shape)
    attrs = dict(strides=five(strides, fmt), padding=padding, data_format=fmt,
                 dilations=five(dilations, fmt))
    got_x = evaluate(backend, device, lambda d, f: tf.nn.conv3d_transpose(
        d, f, list(formatted(x, fmt).shape), **attrs), formatted(dy, fmt), w)
    want_x = ref.transpose(lambda v: ref.conv(v, w, strides, padding, dilations), x.shape, dy)
    np.testing.assert_allclose(got_x, formatted(want_x, fmt), rtol=1e-9, atol=1e-9)
    got_w = evaluate(backend, device, lambda a, d: tf.nn.conv3d_backprop_filter(
        a, list(w.shape), d, **attrs), formatted(x, fmt), formatted(dy, fmt))
    want_w = ref.transpose(lambda f: ref.conv(x, f, strides, padding, dilations), w.shape, dy)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("kind", ["max", "avg"])
@SETTINGS
@given(case=case_3d())
def test_pool3d_matches_the_loop_reference(backend, device, kind, case):
    x, w, strides, _, padding, fmt = case
    kernel = [min(k, n) for k, n in zip(w.shape[:3], x.shape[1:4])]
    pool = tf.nn.max_pool3d if kind == "max" else tf.nn.avg_pool3d
    got = evaluate(backend, device, lambda a: pool(a, five(kernel, fmt), five(strides, fmt),
                                                   padding, data_format=fmt), formatted(x, fmt))
    np.testing.assert_allclose(got, formatted(ref.pool(x, kernel, strides, padding, kind), fmt),
                               rtol=1e-12)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_one_dimensional_ops(backend, device):
    x, w = R.normal(size=(2, 7, 3)), R.normal(size=(3, 3, 4))
    dy = R.normal(size=(2, 4, 4))
    got = evaluate(backend, device, lambda a, b, d: [
        tf.nn.conv1d(a, b, 2, "SAME"),
        tf.nn.conv1d(tf.transpose(a, [0, 2, 1]), b, 1, "VALID",
                     data_format="NCW", dilations=2),
        tf.nn.conv1d_transpose(d, b, [2, 7, 3], 2, "SAME"),
        tf.nn.max_pool1d(a, 3, 2, "SAME"), tf.nn.avg_pool1d(a, 2, 1, "VALID"),
        tf.nn.max_pool_v2(a, 2, 2, "SAME"), tf.nn.avg_pool_v2(a, [3], [1], "VALID"),
        tf.nn.convolution(a, b, "VALID", strides=[2]),
        tf.nn.conv_transpose(d, b, [2, 7, 3], 2)], x, w, dy)
    want = [ref.conv(x, w, [2], "SAME"),
            channels_first(ref.conv(x, w, [1], "VALID", [2])),
            ref.transpose(lambda v: ref.conv(v, w, [2], "SAME"), x.shape, dy),
            ref.pool(x, [3], [2], "SAME", "max"), ref.pool(x, [2], [1], "VALID", "avg"),
            ref.pool(x, [2], [2], "SAME", "max"), ref.pool(x, [3], [1], "VALID", "avg"),
            ref.conv(x, w, [2], "VALID"),
            ref.transpose(lambda v: ref.conv(v, w, [2], "SAME"), x.shape, dy)]
    for i, (g, e) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10, err_msg=f"output {i}")


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_n_dimensional_front_ends_and_dilated_pooling(backend, device):
    x2, w2 = R.normal(size=(2, 6, 7, 3)), R.normal(size=(3, 3, 3, 4))
    x3, w3 = R.normal(size=(1, 4, 5, 3, 2)), R.normal(size=(2, 2, 2, 2, 3))
    got = evaluate(backend, device, lambda a, b, c, d: [
        tf.nn.convolution(a, b, "SAME", dilation_rate=[2, 1]),
        tf.nn.convolution(c, d, "VALID", strides=[1, 2, 1]),
        tf.nn.convolution(tf.transpose(a, [0, 3, 1, 2]), b, "SAME", strides=[2, 2],
                          data_format="NCHW"),
        tf.nn.max_pool_v2(c, [2, 2, 2], 2, "VALID"), tf.nn.avg_pool_v2(a, 2, 2, "SAME"),
        tf.nn.max_pool2d(a, 2, 1, "VALID"), tf.nn.avg_pool2d(a, [3, 2], [2, 1], "SAME"),
        tf.nn.pool(a, [2, 2], "MAX", "VALID", dilation_rate=[2, 2]),
        tf.nn.pool(a, [2, 3], "AVG", "VALID", dilation_rate=[2, 1]),
        tf.nn.pool(a, [2, 3], "AVG", "SAME", strides=[2, 2]),
        tf.nn.pool(c, [2, 1, 2], "MAX", "SAME")], x2, w2, x3, w3)
    want = [ref.conv(x2, w2, [1, 1], "SAME", [2, 1]), ref.conv(x3, w3, [1, 2, 1], "VALID"),
            channels_first(ref.conv(x2, w2, [2, 2], "SAME")),
            ref.pool(x3, [2, 2, 2], [2, 2, 2], "VALID", "max"),
            ref.pool(x2, [2, 2], [2, 2], "SAME", "avg"),
            ref.pool(x2, [2, 2], [1, 1], "VALID", "max"),
            ref.pool(x2, [3, 2], [2, 1], "SAME", "avg"),
            ref.pool(x2, [2, 2], [1, 1], "VALID", "max", [2, 2]),
            ref.pool(x2, [2, 3], [1, 1], "VALID", "avg", [2, 1]),
            ref.pool(x2, [2, 3], [2, 2], "SAME", "avg"),
            ref.pool(x3, [2, 1, 2], [1, 1, 1], "SAME", "max")]
    for i, (g, e) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10, err_msg=f"output {i}")


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_backprops_are_the_adjoints_of_the_convolutions(backend, device):
    x, w = R.normal(size=(2, 5, 6, 3)), R.normal(size=(3, 2, 3, 4))
    dw = R.normal(size=(3, 3, 3, 2))
    dy = R.normal(size=(2, 3, 3, 4))               # conv2d, strides 2, SAME
    dy_depth = R.normal(size=(2, 5, 6, 6))         # depthwise, strides 1, SAME
    dy_atrous = R.normal(size=(2, 5, 6, 4))        # dilation 2, SAME
    s2 = [1, 2, 2, 1]
    got = evaluate(backend, device, lambda a, f, g, d, dd, da: [
        tf.nn.conv2d_backprop_input([2, 5, 6, 3], f, d, s2, "SAME"),
        tf.nn.conv2d_backprop_filter(a, [3, 2, 3, 4], d, s2, "SAME"),
        tf.conv2d_backprop_input_v2(a, f, d, s2, "SAME"),
        tf.conv2d_backprop_filter_v2(a, f, d, s2, "SAME"),
        tf.nn.depthwise_conv2d_backprop_input([2, 5, 6, 3], g, dd, [1, 1, 1, 1], "SAME"),
        tf.nn.depthwise_conv2d_backprop_filter(a, [3, 3, 3, 2], dd, [1, 1, 1, 1], "SAME"),
        tf.nn.depthwise_conv2d_native_backprop_input([2, 5, 6, 3], g, dd, [1, 1, 1, 1], "SAME"),
        tf.nn.depthwise_conv2d_native_backprop_filter(a, [3, 3, 3, 2], dd, [1, 1, 1, 1], "SAME"),
        tf.nn.atrous_conv2d_transpose(da, f, [2, 5, 6, 3], 2, "SAME"),
        tf.nn.conv_transpose(d, f, [2, 5, 6, 3], [2, 2])], x, w, dw, dy, dy_depth, dy_atrous)
    dx = ref.transpose(lambda v: ref.conv(v, w, [2, 2], "SAME"), x.shape, dy)
    dwf = ref.transpose(lambda f: ref.conv(x, f, [2, 2], "SAME"), w.shape, dy)
    dx_depth = ref.transpose(lambda v: ref.depthwise(v, dw, [1, 1], "SAME"), x.shape, dy_depth)
    dw_depth = ref.transpose(lambda f: ref.depthwise(x, f, [1, 1], "SAME"), dw.shape, dy_depth)
    dx_atrous = ref.transpose(lambda v: ref.conv(v, w, [1, 1], "SAME", [2, 2]), x.shape, dy_atrous)
    want = [dx, dwf, dx, dwf, dx_depth, dw_depth, dx_depth, dw_depth, dx_atrous, dx]
    for i, (g, e) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9, err_msg=f"output {i}")


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_separable_conv2d_and_with_space_to_batch(backend, device):
    x = R.normal(size=(2, 6, 7, 3))
    depthwise, pointwise = R.normal(size=(3, 3, 3, 2)), R.normal(size=(1, 1, 6, 5))
    w = R.normal(size=(3, 2, 3, 4))

    def dilated_conv(inp, num_spatial_dims, padding):
        assert num_spatial_dims == 2
        return tf.nn.conv2d(inp, w, [1, 1, 1, 1], padding)

    got = evaluate(backend, device, lambda a: [
        tf.nn.separable_conv2d(a, depthwise, pointwise, [1, 1, 1, 1], "SAME", rate=[2, 2]),
        tf.nn.separable_conv2d(a, depthwise, pointwise, [1, 2, 2, 1], "VALID"),
        tf.nn.with_space_to_batch(a, [2, 3], "SAME", dilated_conv, filter_shape=[3, 2]),
        tf.nn.with_space_to_batch(a, [2, 1], "VALID", dilated_conv),
        tf.nn.with_space_to_batch(a, [1, 1], "SAME", dilated_conv)], x)

    def separable(strides, padding, rate):
        mid = ref.depthwise(x, depthwise, strides, padding, rate)
        return mid @ pointwise[0, 0]
    want = [separable([1, 1], "SAME", [2, 2]), separable([2, 2], "VALID", None),
            ref.conv(x, w, [1, 1], "SAME", [2, 3]), ref.conv(x, w, [1, 1], "VALID", [2, 1]),
            ref.conv(x, w, [1, 1], "SAME")]
    for i, (g, e) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10, err_msg=f"output {i}")


def test_gradients_of_3d_ops_flow():
    x = tf.constant(R.normal(size=(1, 3, 4, 3, 2)))
    w = tf.constant(R.normal(size=(2, 2, 2, 2, 3)))
    y = tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME")
    loss = tf.reduce_sum(tf.nn.max_pool3d(y, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
                         + tf.nn.avg_pool3d(y, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID"))
    gx, gw = tf.gradients(loss, [x, w])
    assert gx.shape.as_list() == [1, 3, 4, 3, 2] and gw.shape.as_list() == [2, 2, 2, 2, 3]


@pytest.mark.parametrize("build, error, match", [
    (lambda: tf.nn.conv3d(tf.zeros([1, 4, 4, 4, 2]), tf.zeros([2, 2, 2, 3, 1]), [1] * 5, "SAME"),
     ValueError, "Dimensions must be equal"),
    (lambda: tf.nn.conv3d(tf.zeros([1, 4, 4, 2]), tf.zeros([2, 2, 2, 2, 1]), [1] * 5, "SAME"),
     ValueError, "rank 5"),
    (lambda: tf.nn.conv3d(tf.zeros([1, 4, 4, 4, 2]), tf.zeros([2, 2, 2, 2, 1]), [2, 1, 1, 1, 1], "SAME"),
     ValueError, "batch and depth"),
    (lambda: tf.nn.max_pool3d(tf.zeros([1, 2, 2, 2, 1]), [1, 3, 3, 3, 1], [1] * 5, "VALID"),
     ValueError, "Negative dimension size"),
    (lambda: tf.nn.max_pool3d(tf.zeros([1, 2, 2, 2, 1]), 2, 1, "VALID", data_format="NHWC"),
     ValueError, "NDHWC"),
    (lambda: tf.nn.conv1d(tf.zeros([1, 5, 2]), tf.zeros([2, 2, 1]), 1, "SAME", data_format="NCHWC"),
     ValueError, "data_format"),
    (lambda: tf.nn.pool(tf.zeros([1, 5, 5, 1]), [2, 2], "MAX", "SAME", dilation_rate=[2, 2]),
     ValueError, "SAME"),
    (lambda: tf.nn.pool(tf.zeros([1, 5, 5, 1]), [2, 2], "MAX", "VALID", dilation_rate=[2, 2],
                        strides=[2, 2]), ValueError, "strides > 1"),
    (lambda: tf.nn.pool(tf.zeros([1, 5, 5, 1]), [2, 2], "MIN", "VALID"), ValueError, "pooling_type"),
    (lambda: tf.nn.convolution(tf.zeros([1, 5, 5, 1]), tf.zeros([2, 1, 1]), "VALID"),
     ValueError, "filter must have rank 4"),
    (lambda: tf.nn.max_pool_v2(tf.zeros([5, 5]), 2, 2, "VALID"), ValueError, "rank 3, 4 or 5"),
    (lambda: tf.nn.with_space_to_batch(tf.zeros([1, 5, 5, 1]), [2, 2], "SAME", None),
     ValueError, "filter_shape"),
    (lambda: tf.nn.separable_conv2d(tf.zeros([1, 5, 5, 2]), tf.zeros([2, 2, 2, 2]),
                                    tf.zeros([1, 1, 3, 4]), [1, 1, 1, 1], "SAME"),
     ValueError, "in_channels"),
    (lambda: tf.nn.atrous_conv2d_transpose(tf.zeros([1, 5, 5, 2]), tf.zeros([2, 2, 1, 2]),
                                           [1, 5, 5, 1], 0, "SAME"), ValueError, "rate"),
])
def test_bad_arguments_fail_when_the_graph_is_built(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_run_time_shape_errors():
    x = tf.placeholder(tf.float32, [None, None, None, None, 2])
    y = tf.nn.conv3d(x, tf.zeros([2, 2, 2, 2, 1]), [1] * 5, "VALID")
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Negative dimension"):
        sess.run(y, {x: np.zeros((1, 1, 3, 3, 2))})
