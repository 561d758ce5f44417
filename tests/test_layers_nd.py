"""tf.layers in 1-D and 3-D, the separable convolutions and the layer classes, against
direct loop references (tests/conv_nd_reference.py)."""
import numpy as np
import pytest

import conv_nd_reference as ref
import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

RNG = np.random.RandomState(0)


def run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def variables():
    return {v.op.name: v.shape.as_list() for v in tf.global_variables()}


def _init(value):
    return tf.constant_initializer(value)


@pytest.mark.parametrize("padding,strides,dilation,first", [
    ("valid", 1, 1, False), ("same", 2, 1, False), ("valid", 1, 2, True),
    ("same", 1, 3, True), ("causal", 1, 2, False)])
def test_conv1d_matches_the_reference(padding, strides, dilation, first):
    x = RNG.randn(2, 9, 3)
    w, b = RNG.randn(3, 3, 4), RNG.randn(4)
    inp = np.transpose(x, (0, 2, 1)) if first else x
    out = tf.layers.conv1d(tf.constant(inp, tf.float32), 4, 3, strides=strides, padding=padding,
                           data_format="channels_first" if first else "channels_last",
                           dilation_rate=dilation, kernel_initializer=_init(w),
                           bias_initializer=_init(b))
    assert variables() == {"conv1d/kernel": [3, 3, 4], "conv1d/bias": [4]}
    got = run(out)
    if padding == "causal":  # output t sees inputs up to t: pad the front, then "valid"
        expected = ref.conv(np.pad(x, [(0, 0), (2 * dilation, 0), (0, 0)]), w, (strides,),
                            "VALID", (dilation,))
    else:
        expected = ref.conv(x, w, (strides,), padding.upper(), (dilation,))
    expected = expected + b
    if first:
        expected = np.transpose(expected, (0, 2, 1))
    assert out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding,strides,dilations,first", [
    ("valid", (1, 1, 1), (1, 1, 1), False), ("same", (2, 1, 2), (1, 1, 1), False),
    ("same", (1, 1, 1), (2, 1, 2), True), ("valid", (2, 2, 1), (1, 1, 1), True)])
def test_conv3d_matches_the_reference(padding, strides, dilations, first):
    x = RNG.randn(2, 5, 6, 4, 2)
    w, b = RNG.randn(3, 2, 3, 2, 3), RNG.randn(3)
    inp = np.moveaxis(x, -1, 1) if first else x
    out = tf.layers.conv3d(tf.constant(inp, tf.float32), 3, (3, 2, 3), strides=strides,
                           padding=padding, dilation_rate=dilations,
                           data_format="channels_first" if first else "channels_last",
                           kernel_initializer=_init(w), bias_initializer=_init(b),
                           activation=tf.nn.relu)
    assert variables() == {"conv3d/kernel": [3, 2, 3, 2, 3], "conv3d/bias": [3]}
    expected = np.maximum(ref.conv(x, w, strides, padding.upper(), dilations) + b, 0)
    if first:
        expected = np.moveaxis(expected, -1, 1)
    assert out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(run(out), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding,strides,kernel", [
    ("valid", (1, 1, 1), (2, 2, 2)), ("same", (2, 2, 1), (3, 2, 3)),
    ("valid", (2, 1, 2), (3, 3, 2)), ("valid", (3, 2, 2), (2, 1, 1)), ("same", (2, 2, 2), (1, 2, 3))])
def test_conv3d_transpose_matches_the_reference(padding, strides, kernel):
    v = RNG.randn(2, 3, 4, 2, 3)
    w, b = RNG.randn(*kernel, 2, 3), RNG.randn(2)
    out = tf.layers.conv3d_transpose(tf.constant(v, tf.float32), 2, kernel, strides=strides,
                                     padding=padding, kernel_initializer=_init(w),
                                     bias_initializer=_init(b))
    assert variables() == {"conv3d_transpose/kernel": [*kernel, 2, 3],
                           "conv3d_transpose/bias": [2]}
    sizes = [n * s + (max(k - s, 0) if padding == "valid" else 0)
             for n, k, s in zip(v.shape[1:4], kernel, strides)]
    expected = ref.conv_transpose(v, w, sizes, strides, padding.upper()) + b
    assert out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(run(out), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("padding,pool,strides", [
    ("valid", (2, 2, 2), (2, 2, 2)), ("same", (3, 2, 3), (2, 1, 2)), ("same", (2, 3, 1), (1, 2, 1))])
def test_pooling3d_matches_the_reference(kind, padding, pool, strides):
    x = RNG.randn(2, 5, 4, 5, 3)
    layer = tf.layers.max_pooling3d if kind == "max" else tf.layers.average_pooling3d
    out = layer(tf.constant(x, tf.float32), pool, strides, padding=padding)
    expected = ref.pool(x, pool, strides, padding.upper(), kind)
    assert out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(run(out), expected, rtol=1e-5, atol=1e-5)
    first = layer(tf.constant(np.moveaxis(x, -1, 1), tf.float32), pool, strides, padding=padding,
                  data_format="channels_first")
    np.testing.assert_allclose(run(first), np.moveaxis(expected, -1, 1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("padding,pool,stride", [("valid", 2, 2), ("same", 3, 2), ("same", 2, 1)])
def test_pooling1d_matches_the_reference(kind, padding, pool, stride):
    x = RNG.randn(2, 7, 3)
    layer = tf.layers.max_pooling1d if kind == "max" else tf.layers.average_pooling1d
    expected = ref.pool(x, (pool,), (stride,), padding.upper(), kind)
    out = layer(tf.constant(x, tf.float32), pool, stride, padding=padding)
    np.testing.assert_allclose(run(out), expected, rtol=1e-5, atol=1e-5)
    first = layer(tf.constant(np.moveaxis(x, -1, 1), tf.float32), pool, stride, padding=padding,
                  data_format="channels_first")
    np.testing.assert_allclose(run(first), np.moveaxis(expected, -1, 1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rank,padding,strides,dilation", [
    (2, "same", 1, 2), (2, "valid", 2, 1), (1, "same", 2, 1), (1, "valid", 1, 2)])
def test_separable_convolutions_match_depthwise_then_pointwise(rank, padding, strides, dilation):
    x = RNG.randn(2, *([7] * rank), 3)
    dw = RNG.randn(*([3] * rank), 3, 2)
    pw, b = RNG.randn(*([1] * rank), 6, 4), RNG.randn(4)
    layer = tf.layers.separable_conv2d if rank == 2 else tf.layers.separable_conv1d
    out = layer(tf.constant(x, tf.float32), 4, 3, strides=strides, padding=padding,
                dilation_rate=dilation, depth_multiplier=2, depthwise_initializer=_init(dw),
                pointwise_initializer=_init(pw), bias_initializer=_init(b))
    scope = f"separable_conv{rank}d"
    assert variables() == {f"{scope}/depthwise_kernel": [*([3] * rank), 3, 2],
                           f"{scope}/pointwise_kernel": [*([1] * rank), 6, 4], f"{scope}/bias": [4]}
    mid = ref.depthwise(x, dw, (strides,) * rank, padding.upper(), (dilation,) * rank)
    expected = mid @ pw.reshape(6, 4) + b
    np.testing.assert_allclose(run(out), expected, rtol=1e-4, atol=1e-4)


def test_unknown_depth_and_batch_give_the_same_numbers():
    x = RNG.randn(2, 5, 4, 4, 2).astype(np.float32)
    p = tf.placeholder(tf.float32, [None, None, 4, 4, 2])
    with tf.variable_scope("s"):
        static = [tf.layers.conv3d(x, 2, 3, strides=2, padding="same"),
                  tf.layers.conv3d_transpose(x, 2, 3, strides=2, padding="same"),
                  tf.layers.conv3d_transpose(x, 2, 3, strides=2, padding="valid"),
                  tf.layers.average_pooling3d(x, 3, 2, padding="same")]
    with tf.variable_scope("s", reuse=True):
        dynamic = [tf.layers.conv3d(p, 2, 3, strides=2, padding="same"),
                   tf.layers.conv3d_transpose(p, 2, 3, strides=2, padding="same"),
                   tf.layers.conv3d_transpose(p, 2, 3, strides=2, padding="valid"),
                   tf.layers.average_pooling3d(p, 3, 2, padding="same")]
    assert dynamic[0].shape.as_list() == [None, None, 2, 2, 2]
    a, b = run([static, dynamic], {p: x})
    for s, d in zip(a, b):
        np.testing.assert_allclose(s, d, rtol=1e-6)


def test_layers_are_differentiable_against_finite_differences():
    x = tf.constant(RNG.randn(1, 4, 3, 3, 2), tf.float64)
    y = tf.layers.conv3d(x, 2, 2, strides=(2, 1, 1), padding="same", use_bias=False)
    z = tf.layers.conv3d_transpose(y, 2, (2, 2, 1), strides=(2, 1, 1), use_bias=False)
    out = tf.layers.max_pooling3d(tf.layers.average_pooling3d(z, 2, 1, padding="same"), 2, 2)
    kernels = tf.trainable_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for t in [x] + kernels:
            error = tf.test.compute_gradient_error(t, t.shape.as_list(), out, out.shape.as_list(),
                                                   delta=1e-6)
            assert error < 1e-6, (t.name, error)


def test_layer_classes_match_the_functions_and_reuse_their_variables():
    x = tf.constant(RNG.randn(2, 6, 6, 3), tf.float32)
    conv = tf.layers.Conv2D(4, 3, padding="same", activation=tf.nn.relu)
    first, second = conv(x), conv(x)
    assert conv.name == "conv2d" and conv.kernel.op.name == "conv2d/kernel"
    assert conv.bias.shape.as_list() == [4] and len(tf.trainable_variables()) == 2
    functional = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu,
                                  name="conv2d", reuse=True)
    a, b, c = run([first, second, functional])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=1e-6)
    assert tf.layers.Conv2DTranspose(2, 3, strides=2).name == "conv2d_transpose"
    assert tf.layers.MaxPooling2D(2, 2).name == "max_pooling2d"
    assert tf.layers.SeparableConv1D(2, 3).name == "separable_conv1d"


@pytest.mark.parametrize("cls,args,shape", [
    (tf.layers.Conv1D, (4, 3), (2, 9, 3)),
    (tf.layers.Conv1D, dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2), (2, 9, 3)),
    (tf.layers.Conv2D, dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 7, 6, 3)),
    (tf.layers.Conv3D, (4, (2, 3, 1)), (2, 5, 6, 4, 3)),
    (tf.layers.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2), (2, 3, 4, 3)),
    (tf.layers.Conv3DTranspose, dict(filters=2, kernel_size=2, strides=(2, 1, 2), padding="same"),
     (2, 3, 4, 2, 3)),
    (tf.layers.SeparableConv1D, dict(filters=5, kernel_size=3, depth_multiplier=2), (2, 8, 3)),
    (tf.layers.SeparableConv2D, dict(filters=5, kernel_size=3, data_format="channels_first"),
     (2, 3, 8, 7)),
    (tf.layers.MaxPooling1D, (2, 2), (2, 9, 3)),
    (tf.layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 7, 7, 3)),
    (tf.layers.MaxPooling3D, (2, 2), (2, 4, 5, 6, 3)),
    (tf.layers.AveragePooling1D, dict(pool_size=3, strides=1, padding="same"), (2, 9, 3)),
    (tf.layers.AveragePooling2D, (2, 1), (2, 5, 5, 3)),
    (tf.layers.AveragePooling3D, dict(pool_size=3, strides=2, padding="same",
                                      data_format="channels_first"), (2, 3, 5, 6, 7)),
])
def test_every_layer_class_runs_and_predicts_its_output_shape(cls, args, shape):
    layer = cls(**args) if isinstance(args, dict) else cls(*args)
    x = tf.constant(RNG.randn(*shape), tf.float32)
    out = layer(x)
    assert layer.compute_output_shape(shape).as_list() == out.shape.as_list()
    assert run(out).shape == tuple(out.shape.as_list())
    variables = {v.op.name.split("/")[-1] for v in layer.weights}
    if "Pooling" in cls.__name__:
        assert variables == set()
    elif "Separable" in cls.__name__:
        assert variables == {"depthwise_kernel", "pointwise_kernel", "bias"}
    else:
        assert variables == {"kernel", "bias"}
    out_again = layer(x)
    assert len(layer.weights) == len(variables)
    np.testing.assert_array_equal(*run([out, out_again]))


def test_bad_arguments_raise_tf1s_errors():
    x3 = tf.zeros([2, 5, 3])
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=3"):
        tf.layers.conv3d(x3, 2, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        tf.layers.conv1d(x3, 2, (3, 3))
    with pytest.raises(ValueError, match="padding"):
        tf.layers.max_pooling1d(x3, 2, 2, padding="causal")
    with pytest.raises(ValueError, match="data_format"):
        tf.layers.conv1d(x3, 2, 3, data_format="NWC")
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        tf.layers.conv1d(x3, 2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="channel dimension"):
        tf.layers.conv1d(tf.placeholder(tf.float32, [2, 5, None]), 2, 3)
    with pytest.raises(TypeError, match="missing"):
        tf.layers.Conv3D(4)


BACKENDS = backends_to_test()


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_every_backend_gives_the_reference_numbers(backend, device):
    x, x1 = RNG.randn(2, 4, 5, 3, 2), RNG.randn(2, 7, 2)
    w, wt, w1 = RNG.randn(2, 3, 2, 2, 3), RNG.randn(2, 2, 2, 3, 2), RNG.randn(3, 2, 2)
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        xs = tf.placeholder(tf.float64, x.shape)
        conv = tf.layers.conv3d(xs, 3, (2, 3, 2), strides=(2, 1, 1), padding="same",
                                kernel_initializer=_init(w), use_bias=False)
        transposed = tf.layers.conv3d_transpose(xs, 3, 2, strides=2, use_bias=False,
                                                kernel_initializer=_init(wt))
        pooled = [tf.layers.max_pooling3d(xs, 2, (1, 2, 2), padding="same"),
                  tf.layers.average_pooling3d(xs, (3, 1, 2), 2, padding="same")]
        causal = tf.layers.conv1d(tf.constant(x1), 2, 3, padding="causal", use_bias=False,
                                  kernel_initializer=_init(w1))
        with tf.Session() as sess:
            assert sess._backend_for(conv.op) == backend
            sess.run(tf.global_variables_initializer())
            got = sess.run([conv, transposed, pooled, causal], {xs: x})
    np.testing.assert_allclose(got[0], ref.conv(x, w, (2, 1, 1), "SAME"), rtol=1e-10)
    np.testing.assert_allclose(got[1], ref.conv_transpose(x, wt, (8, 10, 6), (2, 2, 2), "VALID"),
                               rtol=1e-10)
    np.testing.assert_allclose(got[2][0], ref.pool(x, (2, 2, 2), (1, 2, 2), "SAME", "max"))
    np.testing.assert_allclose(got[2][1], ref.pool(x, (3, 1, 2), (2, 2, 2), "SAME", "avg"),
                               rtol=1e-10)
    np.testing.assert_allclose(got[3], ref.conv(np.pad(x1, [(0, 0), (2, 0), (0, 0)]), w1, (1,),
                                                "VALID"), rtol=1e-10)
