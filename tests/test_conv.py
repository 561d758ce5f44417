"""Convolution, pooling and LRN against direct-loop NumPy references (tests/conv_reference)
for random shapes, strides, paddings, dilations and both data formats, on every backend;
the chapter-13 image filters on scikit-learn's bundled images; the conv layers; and
TF1's errors for bad shapes."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conv_reference as ref
import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def evaluate(backend, device, build, *arrays):
    """Build ``build(*placeholders)`` on ``device`` and run it with ``arrays`` fed."""
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        xs = [tf.placeholder(tf.float64, a.shape) for a in arrays]
        y = build(*xs)
        with tf.Session() as sess:
            assert {sess._backend_for(y.op)} == {backend}
            return sess.run(y, dict(zip(xs, arrays)))


@st.composite
def conv_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
    n, cin, cout = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    H = draw(st.integers((kh - 1) * dh + 1 if padding == "VALID" else 1, 7))
    W = draw(st.integers((kw - 1) * dw + 1 if padding == "VALID" else 1, 7))
    fmt = draw(st.sampled_from(["NHWC", "NCHW"]))
    x = rng.normal(size=(n, H, W, cin))
    w = rng.normal(size=(kh, kw, cin, cout))
    return x, w, (sh, sw), (dh, dw), padding, fmt


def in_format(x, fmt):
    return ref.to_nchw(x) if fmt == "NCHW" else x


def four(pair, fmt):
    return [1, pair[0], pair[1], 1] if fmt == "NHWC" else [1, 1, pair[0], pair[1]]


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("op, reference", [(tf.nn.conv2d, ref.conv2d),
                                           (tf.nn.depthwise_conv2d, ref.depthwise_conv2d)],
                         ids=["conv2d", "depthwise_conv2d"])
@SETTINGS
@given(case=conv_case())
def test_convolutions_match_the_loop_reference(backend, device, op, reference, case):
    x, w, strides, dilations, padding, fmt = case
    got = evaluate(backend, device, lambda a, b: op(
        a, b, four(strides, fmt), padding, data_format=fmt, dilations=four(dilations, fmt)),
        in_format(x, fmt), w)
    expect = reference(x, w, strides, padding, dilations)
    np.testing.assert_allclose(got, in_format(expect, fmt), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@SETTINGS
@given(case=conv_case(), data=st.data())
def test_conv2d_transpose_matches_the_loop_reference(backend, device, case, data):
    out, w, strides, _, padding, fmt = case  # out: the shape the transpose produces
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 31)))
    n, H, W, _ = out.shape
    oh = ref.geometry(H, w.shape[0], strides[0], 1, padding)[1]
    ow = ref.geometry(W, w.shape[1], strides[1], 1, padding)[1]
    filt = w  # [kh, kw, channels of the output, channels of v]
    v = rng.normal(size=(n, oh, ow, filt.shape[3]))
    shape = list(in_format(out, fmt).shape)
    got = evaluate(backend, device, lambda a, b: tf.nn.conv2d_transpose(
        a, b, shape, four(strides, fmt), padding, data_format=fmt), in_format(v, fmt), filt)
    expect = ref.conv2d_transpose(v, filt, out.shape, strides, padding)
    np.testing.assert_allclose(got, in_format(expect, fmt), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@SETTINGS
@given(case=conv_case(), kind=st.sampled_from(["max", "avg"]))
def test_pooling_matches_the_loop_reference(backend, device, case, kind):
    x, w, strides, _, padding, fmt = case
    k = w.shape[:2]
    pool = tf.nn.max_pool if kind == "max" else tf.nn.avg_pool
    got = evaluate(backend, device, lambda a: pool(a, four(k, fmt), four(strides, fmt), padding,
                                                   data_format=fmt), in_format(x, fmt))
    np.testing.assert_allclose(got, in_format(ref.pool(x, k, strides, padding, kind), fmt),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("radius, bias, alpha, beta", [(5, 1.0, 1.0, 0.5), (2, 2.0, 1e-4, 0.75),
                                                       (0, 1.0, 0.5, 1.0)])
def test_local_response_normalization_matches_the_loop_reference(backend, device, radius, bias,
                                                                 alpha, beta):
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 7))
    got = evaluate(backend, device, lambda a: tf.nn.local_response_normalization(
        a, depth_radius=radius, bias=bias, alpha=alpha, beta=beta), x)
    np.testing.assert_allclose(got, ref.lrn(x, radius, bias, alpha, beta), rtol=1e-10)


def test_atrous_conv2d_is_a_dilated_convolution():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(1, 9, 8, 2)), rng.normal(size=(3, 3, 2, 4))
    for padding in ("SAME", "VALID"):
        got = evaluate("numpy", "/cpu:0", lambda a, b: tf.nn.atrous_conv2d(a, b, 2, padding), x, w)
        np.testing.assert_allclose(got, ref.conv2d(x, w, (1, 1), padding, (2, 2)), rtol=1e-10)
    with pytest.raises(ValueError, match="rate 0 cannot be less than one"):
        tf.nn.atrous_conv2d(tf.zeros([1, 4, 4, 1]), tf.zeros([2, 2, 1, 1]), 0, "SAME")


def test_conv2d_transpose_is_the_gradient_of_conv2d():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(3, 2, 3, 4))
    X, Wt = tf.constant(x), tf.constant(w)
    y = tf.nn.conv2d(X, Wt, [1, 2, 2, 1], "SAME")
    v = rng.normal(size=y.shape.as_list())
    grad = tf.gradients(y, X, grad_ys=tf.constant(v))[0]
    transposed = tf.nn.conv2d_transpose(tf.constant(v), Wt, [2, 7, 6, 3], [1, 2, 2, 1], "SAME")
    with tf.Session() as sess:
        a, b = sess.run([grad, transposed])
    np.testing.assert_allclose(a, b, rtol=1e-10)
    np.testing.assert_allclose(b, ref.conv2d_transpose(v, w, x.shape, (2, 2), "SAME"), rtol=1e-10)


def test_conv2d_transpose_takes_a_dynamic_output_shape():
    v = tf.placeholder(tf.float32, (None, 4, 4, 2))
    w = tf.constant(np.ones((2, 2, 3, 2), np.float32))
    out = tf.nn.conv2d_transpose(v, w, tf.stack([tf.shape(v)[0], 8, 8, 3]), [1, 2, 2, 1], "SAME")
    assert out.shape.as_list() == [None, 8, 8, 3]
    with tf.Session() as sess:
        got = sess.run(out, {v: np.ones((5, 4, 4, 2), np.float32)})
    np.testing.assert_array_equal(got, np.full((5, 8, 8, 3), 2.0))  # each output from one tap


# --- bad input: ValueError at build time naming both shapes, InvalidArgumentError at run time
@pytest.mark.parametrize("build, match", [
    (lambda: tf.nn.conv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 4, 8]), [1, 1, 1, 1], "SAME"),
     r"Dimensions must be equal, but are 3 and 4 .*input shapes: \[1,5,5,3\], \[3,3,4,8\]"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 3, 8]), [1, 0, 1, 1], "SAME"),
     r"strides must be > 0, but got \[1, 0, 1, 1\].*input shapes: \[1,5,5,3\], \[3,3,3,8\]"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 3, 3, 1]), tf.zeros([5, 5, 1, 1]), [1, 1, 1, 1], "VALID"),
     r"Negative dimension size caused by subtracting 5 from 3 .*input shapes: \[1,3,3,1\], \[5,5,1,1\]"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), [1, 1, 1, 1], "VALID",
                          dilations=[1, 3, 3, 1]),
     r"subtracting 7 from 5"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), [2, 1, 1, 1], "SAME"),
     "strides in the batch and depth dimensions"),
    (lambda: tf.nn.max_pool(tf.zeros([1, 3, 3, 1]), [1, 4, 4, 1], [1, 1, 1, 1], "VALID"),
     r"subtracting 4 from 3 .*input shapes: \[1,3,3,1\]"),
    (lambda: tf.nn.max_pool(tf.zeros([1, 3, 3, 1]), [1, 2, 2, 1], [1, 0, 1, 1], "VALID"),
     r"strides must be > 0"),
    (lambda: tf.nn.depthwise_conv2d(tf.zeros([1, 5, 5, 2]), tf.zeros([3, 3, 3, 2]), [1, 1, 1, 1], "SAME"),
     r"but are 2 and 3 .*\[1,5,5,2\], \[3,3,3,2\]"),
    (lambda: tf.nn.conv2d_transpose(tf.zeros([1, 4, 4, 2]), tf.zeros([3, 3, 5, 2]), [1, 9, 9, 5],
                                    [1, 2, 2, 1], "SAME"),
     r"output_shape \[1,9,9,5\] is inconsistent with the input of shape \[1,4,4,2\].*would give "
     r"\[1,5,5,2\]"),
    (lambda: tf.nn.conv2d_transpose(tf.zeros([1, 4, 4, 2]), tf.zeros([3, 3, 5, 2]), [1, 8, 8, 4],
                                    [1, 2, 2, 1], "SAME"),
     r"output_shape \[1,8,8,4\] does not match the filter's output channels: 4 != 5"),
    (lambda: tf.nn.conv2d_transpose(tf.zeros([1, 4, 4, 3]), tf.zeros([3, 3, 5, 2]), [1, 8, 8, 5],
                                    [1, 2, 2, 1], "SAME"),
     r"input channels do not match the filter's input channels: 3 != 2"),
    (lambda: tf.nn.conv2d(tf.zeros([5, 5, 3]), tf.zeros([3, 3, 3, 8]), [1, 1, 1, 1], "SAME"),
     "Shape must be rank 4 but is rank 3"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 3, 8]), [1, 1, 1], "SAME"),
     "strides must be an int or a list of 1, 2 or 4 ints"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 3, 8]), [1, 1, 1, 1], "SAME",
                          data_format="NWHC"),
     "data_format must be 'NHWC' or 'NCHW'"),
])
def test_bad_shapes_raise_value_error_at_build_time(build, match):
    with pytest.raises(ValueError, match=match) as info:
        build()
    if "input shapes" in str(info.value):  # shape-function errors name the user's line
        assert "test_conv.py" in str(info.value)


def test_bad_shapes_known_only_at_run_time_raise_invalid_argument():
    x = tf.placeholder(tf.float32, (None, None, None, None))
    f = tf.placeholder(tf.float32, (None, None, None, None))
    conv = tf.nn.conv2d(x, f, [1, 1, 1, 1], "VALID")
    pool = tf.nn.max_pool(x, [1, 4, 4, 1], [1, 1, 1, 1], "VALID")
    v = tf.placeholder(tf.float32, (None, None, None, None))
    shape = tf.placeholder(tf.int32, (4,))
    transposed = tf.nn.conv2d_transpose(v, f, shape, [1, 2, 2, 1], "SAME")
    z = np.zeros
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"3 vs 4 .*\[1,5,5,3\], \[3,3,4,8\]"):
            sess.run(conv, {x: z((1, 5, 5, 3)), f: z((3, 3, 4, 8))})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"subtracting 5 from 3.*\[1,3,3,1\], \[5,5,1,1\]"):
            sess.run(conv, {x: z((1, 3, 3, 1)), f: z((5, 5, 1, 1))})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"subtracting 4 from 3.*\[1,3,3,2\]"):
            sess.run(pool, {x: z((1, 3, 3, 2))})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"out_backprop of shape \[1,4,4,2\] does not match .* input of shape "
                                 r"\[1,9,9,5\] .* has shape \[1,5,5,2\]"):
            sess.run(transposed, {v: z((1, 4, 4, 2)), f: z((3, 3, 5, 2)), shape: [1, 9, 9, 5]})
        np.testing.assert_array_equal(
            sess.run(transposed, {v: z((1, 4, 4, 2)), f: z((3, 3, 5, 2)), shape: [1, 8, 8, 5]}),
            z((1, 8, 8, 5)))


# --- layers ------------------------------------------------------------------------------
def test_conv_layers_channels_first_and_dilation_match_the_reference():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 9, 9)).astype(np.float32)  # NCHW
    X = tf.placeholder(tf.float32, (None, 3, 9, 9))
    conv = tf.layers.conv2d(X, 4, 3, padding="same", data_format="channels_first",
                            dilation_rate=2, activation=tf.nn.relu, name="c1",
                            bias_initializer=tf.constant_initializer(0.5))
    pool = tf.layers.max_pooling2d(conv, 2, 2, data_format="channels_first")
    avg = tf.layers.average_pooling2d(conv, 3, 2, padding="same", data_format="channels_first")
    flat = tf.layers.flatten(pool)
    assert conv.shape.as_list() == [None, 4, 9, 9] and pool.shape.as_list() == [None, 4, 4, 4]
    assert avg.shape.as_list() == [None, 4, 5, 5] and flat.shape.as_list() == [None, 64]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        c, p, a, fl, k = sess.run([conv, pool, avg, flat, "c1/kernel:0"], {X: x})
    xh = ref.to_nhwc(x).astype(np.float64)
    expect = np.maximum(ref.conv2d(xh, k, (1, 1), "SAME", (2, 2)) + 0.5, 0)
    np.testing.assert_allclose(c, ref.to_nchw(expect), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p, ref.to_nchw(ref.pool(expect, (2, 2), (2, 2), "VALID", "max")), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a, ref.to_nchw(ref.pool(expect, (3, 3), (2, 2), "SAME", "avg")), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fl, p.reshape(2, -1))


@pytest.mark.parametrize("padding, fmt", [("valid", "channels_last"), ("same", "channels_first")])
def test_conv2d_transpose_layer(padding, fmt):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4, 5, 2)).astype(np.float32)
    nchw = fmt == "channels_first"
    X = tf.placeholder(tf.float32, (None,) + (ref.to_nchw(x) if nchw else x).shape[1:])
    out = tf.layers.conv2d_transpose(X, 6, (3, 2), strides=2, padding=padding, data_format=fmt,
                                     name="deconv")
    assert [v.name for v in tf.trainable_variables()] == ["deconv/kernel:0", "deconv/bias:0"]
    assert tf.trainable_variables()[0].shape.as_list() == [3, 2, 6, 2]
    oh, ow = (9, 10) if padding == "valid" else (8, 10)  # in * s + max(k - s, 0) for VALID
    assert out.shape.as_list() == ([None, 6, oh, ow] if nchw else [None, oh, ow, 6])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, k = sess.run([out, "deconv/kernel:0"], {X: ref.to_nchw(x) if nchw else x})
    expect = ref.conv2d_transpose(x.astype(np.float64), k, (3, oh, ow, 6), (2, 2), padding.upper())
    np.testing.assert_allclose(got, ref.to_nchw(expect) if nchw else expect, rtol=1e-4, atol=1e-5)


# --- chapter 13: the book's line filters on scikit-learn's bundled images -------------------
def test_chapter_13_filters_on_sample_images():
    """The book's first CNN example: two 7x7 filters (a vertical and a horizontal white
    line) over the two sample photos, stride 2, SAME; then 2x2 max pooling."""
    from sklearn.datasets import load_sample_image
    china = load_sample_image("china.jpg") / 255
    flower = load_sample_image("flower.jpg") / 255
    images = np.array([china, flower], dtype=np.float32)[:, ::8, ::8]  # smaller, same idea
    batch_size, height, width, channels = images.shape
    filters = np.zeros(shape=(7, 7, channels, 2), dtype=np.float32)
    filters[:, 3, :, 0] = 1  # vertical line
    filters[3, :, :, 1] = 1  # horizontal line
    X = tf.placeholder(tf.float32, shape=(None, height, width, channels))
    convolution = tf.nn.conv2d(X, filters, strides=[1, 2, 2, 1], padding="SAME")
    max_pool = tf.nn.max_pool(convolution, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    with tf.Session() as sess:
        output, pooled = sess.run([convolution, max_pool], feed_dict={X: images})
    expect = ref.conv2d(images.astype(np.float64), filters.astype(np.float64), (2, 2), "SAME")
    assert output.shape == (2, -(-height // 2), -(-width // 2), 2)
    np.testing.assert_allclose(output, expect, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(pooled, ref.pool(expect, (2, 2), (2, 2), "VALID", "max"), rtol=1e-5, atol=1e-4)
    # the vertical filter responds to vertical lines: on a synthetic image with one
    # vertical white line, feature map 0 lights up along it and map 1 barely
    line = np.zeros((1, 20, 20, 3), np.float32)
    line[:, :, 11] = 1  # a column that windows are centred on (stride 2, SAME)
    with tf.Session() as sess:
        maps = sess.run(tf.nn.conv2d(line, filters, strides=[1, 2, 2, 1], padding="SAME"))[0]
    assert maps[:, :, 0].max() == pytest.approx(21.0) and maps[:, :, 1].max() == pytest.approx(3.0)


def test_a_cnn_graph_saves_restores_and_keeps_training(tmp_path):
    X = tf.placeholder(tf.float32, (None, 8, 8, 2), name="X")
    c = tf.layers.conv2d(X, 4, 3, padding="same", dilation_rate=2, activation=tf.nn.relu)
    d = tf.layers.conv2d_transpose(c, 3, 2, strides=2, data_format="channels_last")
    p = tf.nn.lrn(tf.nn.max_pool(d, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), 2)
    loss = tf.reduce_sum(tf.nn.depthwise_conv2d(p, tf.ones([2, 2, 3, 2]), [1, 1, 1, 1], "SAME"))
    train = tf.train.AdamOptimizer().minimize(loss)
    x = np.random.default_rng(0).random((2, 8, 8, 2), dtype=np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {X: x})
        before = sess.run(loss, {X: x})
        tf.train.Saver().save(sess, str(tmp_path / "cnn"))
    tf.reset_default_graph()
    with tf.Session() as sess:
        tf.train.import_meta_graph(str(tmp_path / "cnn.meta")).restore(sess, str(tmp_path / "cnn"))
        g = tf.get_default_graph()
        feed = {g.get_tensor_by_name("X:0"): x}
        assert sess.run(g.get_tensor_by_name(loss.name), feed) == pytest.approx(before, rel=1e-6)
        sess.run(g.get_operation_by_name(train.name), feed)
        assert sess.run(g.get_tensor_by_name(loss.name), feed) < before


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_filter_gradients_in_the_run_that_computes_the_forward(backend, device):
    """A training run hands each convolution's im2col matrix to its filter gradient; the
    gradients must equal the loop reference's, step after step, also for a convolution of
    a variable that an optimizer updates in place (no matrix is shared for it)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 6, 5, 3))
    w1, w2 = rng.normal(size=(3, 3, 3, 4)), rng.normal(size=(2, 2, 4, 2))
    c = rng.normal(size=(2, 3, 2, 2))
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        X = tf.placeholder(tf.float64, x.shape)
        W1, W2 = tf.Variable(w1), tf.Variable(w2)
        image = tf.Variable(x)  # a learned input, updated in place by the optimizer
        h = tf.nn.conv2d(X, W1, [1, 1, 1, 1], "SAME") + tf.nn.conv2d(image, W1, [1, 1, 1, 1], "SAME")
        y = tf.nn.conv2d(h, W2, [1, 2, 2, 1], "VALID")
        loss = tf.reduce_sum(y * c)
        grads = tf.gradients(loss, [W1, W2])
        step = tf.train.GradientDescentOptimizer(0.01).minimize(loss, var_list=[image])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(2):
                img = sess.run(image)
                g1, g2, _ = sess.run(grads + [step], {X: x})
                # reference: loss is linear in each filter: d loss / d w = sum over windows
                hv = ref.conv2d(x, w1, (1, 1), "SAME") + ref.conv2d(img, w1, (1, 1), "SAME")
                eye2 = np.eye(w2.size).reshape((-1,) + w2.shape)
                expect2 = [np.sum(ref.conv2d(hv, e, (2, 2), "VALID") * c) for e in eye2]
                np.testing.assert_allclose(g2.ravel(), expect2, rtol=1e-9, atol=1e-9)
                eye1 = np.eye(w1.size).reshape((-1,) + w1.shape)
                expect1 = [np.sum(ref.conv2d(ref.conv2d(x, e, (1, 1), "SAME") + ref.conv2d(img, e, (1, 1), "SAME"),
                                             w2, (2, 2), "VALID") * c) for e in eye1]
                np.testing.assert_allclose(g1.ravel(), expect1, rtol=1e-9, atol=1e-9)
