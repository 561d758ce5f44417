import numpy as np
import pytest

import tensorflux as tf


def run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_dense_variables_names_reuse_and_activation():
    X = tf.placeholder(tf.float32, shape=(None, 4), name="X")
    h = tf.layers.dense(X, 3, name="hidden1", activation=tf.nn.relu)
    h2 = tf.layers.dense(X, 3, name="hidden1", reuse=True)
    d1 = tf.layers.dense(X, 2)
    d2 = tf.layers.dense(X, 2)
    names = [v.name for v in tf.global_variables()]
    assert names[:2] == ["hidden1/kernel:0", "hidden1/bias:0"]
    assert "dense/kernel:0" in names and "dense_1/kernel:0" in names
    assert h.shape.as_list() == [None, 3] and d1.shape.as_list() == [None, 2]
    x = np.random.default_rng(0).normal(size=(5, 4))
    hv, h2v, kernel, bias = run([h, h2, "hidden1/kernel:0", "hidden1/bias:0"], {X: x})
    np.testing.assert_allclose(h2v, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hv, np.maximum(h2v, 0), rtol=1e-6)
    limit = np.sqrt(6 / (4 + 3))
    assert np.abs(kernel).max() <= limit and np.all(bias == 0)
    with pytest.raises(ValueError, match="should be defined"):
        tf.layers.dense(tf.placeholder(tf.float32, shape=(None, None)), 2)
    _ = d2


def test_dense_on_rank_3_inputs_applies_to_last_axis():
    x = tf.constant(np.ones((2, 3, 4), np.float32))
    y = tf.layers.dense(x, 5, kernel_initializer=tf.ones_initializer())
    assert y.shape.as_list() == [2, 3, 5]
    assert np.all(run(y) == 4.0)


def test_dropout_layer_and_nn_dropout():
    x = tf.ones([1000, 10])
    training = tf.placeholder_with_default(False, shape=())
    d = tf.layers.dropout(x, rate=0.3, training=training)
    off, on = run([d, d], None)[0], None
    with tf.Session() as sess:
        on = sess.run(d, {training: True})
    assert np.all(off == 1.0)
    kept = on != 0
    assert 0.65 < kept.mean() < 0.75 and np.allclose(on[kept], 1 / 0.7)
    k = run(tf.nn.dropout(x, keep_prob=0.5))
    assert 0.45 < (k != 0).mean() < 0.55 and set(np.unique(k)) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="exactly one"):
        tf.nn.dropout(x)
    assert tf.layers.dropout(x, training=False).op.type == "Identity"


def test_batch_normalization_training_updates_and_inference():
    rng = np.random.default_rng(1)
    data = rng.normal(5.0, 3.0, size=(64, 2)).astype(np.float32)
    X = tf.placeholder(tf.float32, shape=(None, 2))
    training = tf.placeholder_with_default(False, shape=())
    out = tf.layers.batch_normalization(X, training=training, momentum=0.9)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        normalized, _ = sess.run([out, updates], {X: data, training: True})
        moving_mean = sess.run("batch_normalization/moving_mean:0")
        inference = sess.run(out, {X: data})
        sess.run(updates, {X: data})  # training False: moving stats stay
        assert np.allclose(sess.run("batch_normalization/moving_mean:0"), moving_mean)
    np.testing.assert_allclose(normalized.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(normalized.std(0), 1, atol=1e-2)
    np.testing.assert_allclose(moving_mean, 0.1 * data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(inference, (data - moving_mean) / np.sqrt(0.9 + 0.1 * data.var(0) + 1e-3), rtol=1e-4)


def test_flatten_conv2d_and_pooling_layers():
    images = tf.placeholder(tf.float32, shape=(None, 8, 8, 1))
    conv = tf.layers.conv2d(images, filters=4, kernel_size=3, padding="same", activation=tf.nn.relu)
    pool = tf.layers.max_pooling2d(conv, pool_size=2, strides=2)
    flat = tf.layers.flatten(pool)
    assert conv.shape.as_list() == [None, 8, 8, 4]
    assert pool.shape.as_list() == [None, 4, 4, 4] and flat.shape.as_list() == [None, 64]
    assert [v.name for v in tf.trainable_variables()] == ["conv2d/kernel:0", "conv2d/bias:0"]
    out = run(flat, {images: np.ones((3, 8, 8, 1))})
    assert out.shape == (3, 64) and np.all(out >= 0)


def test_losses_match_numpy_and_fill_the_collection():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(4, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    onehot = np.eye(3, dtype=np.float32)[labels]
    probs = rng.uniform(0.05, 0.95, size=(4, 1)).astype(np.float32)
    targets = (rng.uniform(size=(4, 1)) > 0.5).astype(np.float32)
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    xent = -log_p[range(4), labels]
    got = run([
        tf.losses.sparse_softmax_cross_entropy(labels, logits),
        tf.losses.softmax_cross_entropy(onehot, logits),
        tf.losses.mean_squared_error(targets, probs),
        tf.losses.log_loss(targets, probs),
        tf.losses.sigmoid_cross_entropy(targets, probs),
        tf.losses.sparse_softmax_cross_entropy(labels, logits, weights=[1.0, 0.0, 2.0, 1.0]),
    ])
    expected = [xent.mean(), xent.mean(), ((targets - probs) ** 2).mean(),
                (-targets * np.log(probs + 1e-7) - (1 - targets) * np.log(1 - probs + 1e-7)).mean(),
                (np.maximum(probs, 0) - probs * targets + np.log1p(np.exp(-np.abs(probs)))).mean(),
                (xent * [1, 0, 2, 1]).sum() / 3]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert len(tf.losses.get_losses()) == 6


def test_regularization_and_total_loss():
    X = tf.constant(np.ones((2, 3), np.float32))
    out = tf.contrib.layers.fully_connected(X, 2, weights_initializer=tf.ones_initializer(),
                                            weights_regularizer=tf.contrib.layers.l2_regularizer(0.5),
                                            scope="fc")
    tf.layers.dense(X, 2, kernel_initializer=tf.ones_initializer(),
                    kernel_regularizer=tf.contrib.layers.l1_regularizer(0.1))
    assert [v.name for v in tf.global_variables()][:2] == ["fc/weights:0", "fc/biases:0"]
    data_loss = tf.losses.mean_squared_error(tf.zeros([2, 2]), out)
    reg = tf.losses.get_regularization_loss()
    total = tf.losses.get_total_loss()
    o, r, t, d = run([out, reg, total, data_loss])
    assert np.all(o == 3.0)
    assert r == pytest.approx(0.5 * 6 / 2 + 0.1 * 6)
    assert t == pytest.approx(d + r)


def test_contrib_initializers():
    he = tf.get_variable("he", [400, 300], initializer=tf.contrib.layers.variance_scaling_initializer())
    xavier = tf.get_variable("xa", [400, 300], initializer=tf.contrib.layers.xavier_initializer())
    h, x = run([he, xavier])
    assert h.std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    assert np.abs(x).max() <= np.sqrt(6 / 700) and x.std() == pytest.approx(np.sqrt(2 / 700), rel=0.05)


def test_nn_errors_are_clear():
    logits = tf.constant(np.zeros((2, 3), np.float32))
    with pytest.raises(TypeError, match="integers"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0.5, 1.0], logits=logits)
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 7]), logits=logits)
    cpu_only = tf.ConfigProto(device_count={"GPU": 0})  # a GPU gives NaN rows, as in TF
    with tf.Session(config=cpu_only) as sess, pytest.raises(tf.errors.InvalidArgumentError, match="label value of 7.*\\[0, 3\\)"):
        sess.run(xent)
    with pytest.raises(ValueError, match="padding"):
        tf.nn.max_pool(tf.zeros([1, 2, 2, 1]), [1, 2, 2, 1], [1, 1, 1, 1], "FULL")
    with pytest.raises(ValueError, match="channels"):
        tf.nn.conv2d(tf.zeros([1, 4, 4, 2]), tf.zeros([2, 2, 3, 1]), [1, 1, 1, 1], "SAME")
