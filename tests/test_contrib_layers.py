"""tf.contrib.layers and tf.contrib.framework.arg_scope as chapter 11 uses them, against
NumPy and TF1's documented formulas and defaults."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.contrib.framework import add_arg_scope, arg_scope
from tensorflux.contrib.layers import batch_norm, fully_connected


def init_values(initializer, shape):
    v = tf.get_variable("v", shape, initializer=initializer)
    with tf.Session() as sess:
        sess.run(v.initializer)
        return sess.run(v)


@pytest.mark.parametrize("kwargs, n", [({}, 400), ({"mode": "FAN_OUT"}, 300),
                                       ({"mode": "FAN_AVG", "factor": 1.0}, 350)])
def test_variance_scaling_initializer_is_contribs_truncated_normal(kwargs, n):
    tf.set_random_seed(0)
    v = init_values(tf.contrib.layers.variance_scaling_initializer(**kwargs), [400, 300])
    stddev = np.sqrt(1.3 * kwargs.get("factor", 2.0) / n)  # contrib's formula
    assert np.abs(v).max() <= 2 * stddev  # truncated at two standard deviations
    # a normal truncated at +-2 sigma has standard deviation 0.8796 sigma
    assert v.std() == pytest.approx(0.87962566103423978 * stddev, rel=0.02)
    assert abs(v.mean()) < 0.01 * stddev * 10


def test_variance_scaling_initializer_uniform_and_conv_fans():
    tf.set_random_seed(0)
    # a conv kernel: fan_in = 3 * 3 * 16
    v = init_values(tf.contrib.layers.variance_scaling_initializer(uniform=True), [3, 3, 16, 32])
    limit = np.sqrt(3 * 2.0 / (3 * 3 * 16))
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.95 * limit
    with pytest.raises(TypeError, match="Unknown mode"):
        tf.contrib.layers.variance_scaling_initializer(mode="fan_in")
    with pytest.raises(TypeError, match="non-floating"):
        tf.contrib.layers.variance_scaling_initializer(dtype=tf.int32)


def test_arg_scope_sets_defaults_that_explicit_arguments_and_nesting_override():
    @add_arg_scope
    def f(a, b=1, c=2):
        return a, b, c

    def plain(a, b=1):
        return a, b

    with arg_scope([f], b=10) as outer:
        assert f(0) == (0, 10, 2)
        assert f(0, b=5) == (0, 5, 2)
        with arg_scope([f], c=20):
            assert f(0) == (0, 10, 20)
        assert f(0) == (0, 10, 2)
    assert f(0) == (0, 1, 2)
    with arg_scope(outer):
        assert f(0) == (0, 10, 2)
    with pytest.raises(ValueError, match="plain is not decorated with @add_arg_scope"):
        with arg_scope([plain], b=3):
            pass
    with pytest.raises(TypeError, match="list_ops_or_scope"):
        with arg_scope(f, b=3):
            pass
    with pytest.raises(ValueError, match="kwargs must be empty"):
        with arg_scope(outer, b=3):
            pass
    assert tf.contrib.framework.has_arg_scope(fully_connected)
    assert not tf.contrib.framework.has_arg_scope(plain)


def test_fully_connected_defaults_and_collections():
    X = tf.placeholder(tf.float32, (None, 6))
    out = fully_connected(X, 4, scope="fc", variables_collections=["mine"],
                          outputs_collections="outs")
    names = [v.name for v in tf.model_variables()]
    assert names == ["fc/weights:0", "fc/biases:0"]
    assert [v.name for v in tf.get_collection("mine")] == names
    assert tf.get_collection("outs") == [out]
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, w, b = sess.run([out, "fc/weights:0", "fc/biases:0"], {X: x})
    limit = np.sqrt(6 / (6 + 4))  # xavier uniform by default
    assert np.abs(w).max() <= limit and np.all(b == 0)
    np.testing.assert_allclose(got, np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)  # ReLU


def bn_reference(x, mean, var, eps=0.001):
    return (x - mean) / np.sqrt(var + eps)


def test_chapter_11_batch_norm_with_arg_scope_and_is_training_placeholder():
    """The book's contrib form: arg_scope([fully_connected], normalizer_fn=batch_norm,
    normalizer_params={'is_training': ..., 'decay': 0.9, 'updates_collections': None})."""
    X = tf.placeholder(tf.float32, shape=(None, 5), name="X")
    is_training = tf.placeholder(tf.bool, shape=(), name="is_training")
    bn_params = {"is_training": is_training, "decay": 0.9, "updates_collections": None}
    with arg_scope([fully_connected], normalizer_fn=batch_norm, normalizer_params=bn_params):
        hidden1 = fully_connected(X, 4, scope="hidden1")
        logits = fully_connected(hidden1, 3, scope="outputs", activation_fn=None)
    assert [v.name for v in tf.global_variables()] == [
        "hidden1/weights:0", "hidden1/BatchNorm/beta:0", "hidden1/BatchNorm/moving_mean:0",
        "hidden1/BatchNorm/moving_variance:0", "outputs/weights:0", "outputs/BatchNorm/beta:0",
        "outputs/BatchNorm/moving_mean:0", "outputs/BatchNorm/moving_variance:0"]
    assert [v.name for v in tf.trainable_variables()] == [
        "hidden1/weights:0", "hidden1/BatchNorm/beta:0", "outputs/weights:0", "outputs/BatchNorm/beta:0"]
    assert not tf.get_collection(tf.GraphKeys.UPDATE_OPS)  # updates run with the output
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(8, 5)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w = sess.run("hidden1/weights:0")
        z = x @ w
        got = sess.run(hidden1, {X: x, is_training: True})
        np.testing.assert_allclose(got, np.maximum(bn_reference(z, z.mean(0), z.var(0)), 0),
                                   rtol=1e-4, atol=1e-4)
        mm, mv = sess.run(["hidden1/BatchNorm/moving_mean:0", "hidden1/BatchNorm/moving_variance:0"])
        np.testing.assert_allclose(mm, 0.1 * z.mean(0), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(mv, 0.9 + 0.1 * z.var(0, ddof=1), rtol=1e-4)  # unbiased, as TF1
        # inference: the moving averages, untouched
        got = sess.run(hidden1, {X: x, is_training: False})
        np.testing.assert_allclose(got, np.maximum(bn_reference(z, mm, mv), 0), rtol=1e-4, atol=1e-4)
        mm2 = sess.run("hidden1/BatchNorm/moving_mean:0")
        np.testing.assert_array_equal(mm2, mm)
        sess.run(logits, {X: x, is_training: True})  # second update
        np.testing.assert_allclose(sess.run("hidden1/BatchNorm/moving_mean:0"),
                                   0.9 * mm + 0.1 * z.mean(0), rtol=1e-4, atol=1e-6)


def test_batch_norm_defaults_update_ops_scale_and_nchw():
    x = np.random.default_rng(1).normal(size=(4, 3, 2, 2)).astype(np.float32)
    out = batch_norm(tf.constant(x), scale=True, data_format="NCHW",
                     param_initializers={"gamma": tf.constant_initializer(2.0)})
    assert [v.name for v in tf.global_variables()] == [
        "BatchNorm/beta:0", "BatchNorm/gamma:0", "BatchNorm/moving_mean:0", "BatchNorm/moving_variance:0"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(out)
        axes = (0, 2, 3)  # every axis but the channels (NCHW)
        mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
        np.testing.assert_allclose(got, 2.0 * bn_reference(x, mean, var), rtol=1e-4, atol=1e-4)
        assert np.all(sess.run("BatchNorm/moving_mean:0") == 0)  # not until the updates run
        sess.run(updates)
        np.testing.assert_allclose(sess.run("BatchNorm/moving_mean:0"), 0.001 * mean.ravel(),
                                   rtol=1e-3, atol=1e-7)
    with pytest.raises(NotImplementedError, match="renorm"):
        batch_norm(tf.constant(x), renorm=True)


def test_batch_norm_center_false_and_epsilon():
    x = np.random.default_rng(2).normal(size=(6, 3)).astype(np.float32)
    out = batch_norm(tf.constant(x), center=False, epsilon=0.5, scope="bn")
    assert [v.name for v in tf.global_variables()] == ["bn/moving_mean:0", "bn/moving_variance:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(out), bn_reference(x, x.mean(0), x.var(0), eps=0.5),
                                   rtol=1e-5, atol=1e-6)


def test_contrib_dropout_follows_is_training():
    x = tf.ones([1000])
    training = tf.placeholder(tf.bool, ())
    out = tf.contrib.layers.dropout(x, keep_prob=0.5, is_training=training)
    with tf.Session() as sess:
        dropped = sess.run(out, {training: True})
        assert set(np.unique(dropped)) <= {0.0, 2.0} and 300 < (dropped == 0).sum() < 700
        np.testing.assert_array_equal(sess.run(out, {training: False}), np.ones(1000))
