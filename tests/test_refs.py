"""Variables as TF1 refs: a variable's own output tensor is accepted wherever TF1 takes a
ref (assign*, scatter_*, optimizers' var_list); regularizers receive the variable; the
book's chapter-11 max-norm regularization trains end to end."""
import numpy as np
import pytest

import tensorflux as tf


def test_assign_family_accepts_the_variable_ref_tensor():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    ref = tf.get_default_graph().get_tensor_by_name("w:0")
    assert ref.op.type == "VariableV2"
    set_op = tf.assign(ref, tf.zeros([2, 3]))
    add_op = tf.assign_add(ref, tf.ones([2, 3]))
    sub_op = tf.assign_sub(ref, 0.5 * tf.ones([2, 3]))
    with tf.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(set_op), np.zeros((2, 3)))
        np.testing.assert_array_equal(sess.run(add_op), np.ones((2, 3)))
        np.testing.assert_array_equal(sess.run(sub_op), np.full((2, 3), 0.5))
        np.testing.assert_array_equal(sess.run(w), np.full((2, 3), 0.5))


def test_ordinary_tensors_are_refused_with_a_clear_error():
    w = tf.Variable(np.ones(3, np.float32), name="w")
    for not_a_ref in (w.value(), w * 2.0, tf.constant([1.0, 2.0, 3.0])):
        for fn in (tf.assign, tf.assign_add, tf.assign_sub):
            with pytest.raises(TypeError, match=r"needs a variable.*got tensor .*\(op "):
                fn(not_a_ref, [1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="needs a variable"):
            tf.scatter_update(not_a_ref, [0], [5.0])
    with pytest.raises(TypeError, match="needs a variable"):
        tf.assign(np.zeros(3), [1.0, 2.0, 3.0])
    x = tf.placeholder(tf.float32, [3])
    with pytest.raises(TypeError, match="var_list needs a variable"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w * x), var_list=[x])


@pytest.mark.parametrize("via_ref", [False, True])
def test_scatter_ops_match_numpy(via_ref):
    start = np.arange(12, dtype=np.float32).reshape(4, 3)
    v = tf.Variable(start, name="v")
    ref = v._as_graph_element() if via_ref else v
    idx = np.array([2, 0, 2])  # a duplicate index: add and sub accumulate both rows
    upd = np.arange(9, dtype=np.float32).reshape(3, 3) * 10
    update = tf.scatter_update(ref, [3, 1], upd[:2])
    add = tf.scatter_add(ref, idx, upd)
    sub = tf.scatter_sub(ref, tf.constant(idx, tf.int64), upd)
    expect = start.copy()
    expect[[3, 1]] = upd[:2]
    with tf.Session() as sess:
        sess.run(v.initializer)
        got = sess.run(update)
        np.testing.assert_array_equal(got, expect)
        np.add.at(expect, idx, upd)
        np.testing.assert_array_equal(sess.run(add), expect)
        np.subtract.at(expect, idx, upd)
        np.testing.assert_array_equal(sess.run(sub), expect)
        np.testing.assert_array_equal(sess.run(v), expect)
        got[:] = -1  # a fetched value is the caller's own copy, never the variable
        np.testing.assert_array_equal(sess.run(v), expect)


def test_scatter_checks_shapes_at_build_time_and_indices_at_run_time():
    v = tf.Variable(np.zeros((4, 3), np.float32), name="v")
    with pytest.raises(ValueError, match=r"updates of shape \(2, 2\).*indices of shape \(2,\)"
                                         r".*variable v of shape \(4, 3\)"):
        tf.scatter_update(v, [0, 1], np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError, match="indices must be int32 or int64"):
        tf.scatter_add(v, [0.5], np.zeros((1, 3), np.float32))
    bad = tf.scatter_update(v, [1, 4], np.zeros((2, 3), np.float32))
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 4 is not in \[0, 4\)"):
            sess.run(bad)


def test_optimizer_var_list_accepts_ref_tensors():
    x = tf.constant([[1.0, 2.0]])
    w = tf.Variable([[0.5], [-1.0]], name="w")
    b = tf.Variable([0.0], name="b")
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b - 3.0))
    w_ref = tf.get_default_graph().get_tensor_by_name("w:0")
    opt = tf.train.GradientDescentOptimizer(0.1)
    pairs = opt.compute_gradients(loss, var_list=[w_ref])
    assert [v for _, v in pairs] == [w]
    step = opt.apply_gradients([(g, w_ref) for g, _ in pairs])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        # d/dw (x.w + b - 3)^2 = 2 (x.w - 3) x^T = 2 * (-4.5) * [1, 2]
        np.testing.assert_allclose(sess.run(w), [[0.5 + 0.9], [-1.0 + 1.8]], rtol=1e-6)
        assert sess.run(b) == [0.0]  # not in var_list


def test_regularizers_receive_the_variable():
    seen = []

    def record(v):
        seen.append(v)
        return None

    X = tf.placeholder(tf.float32, (None, 4))
    tf.layers.dense(X, 3, kernel_regularizer=record, bias_regularizer=record,
                    activity_regularizer=record, name="hidden1")
    tf.get_variable("solo", [2], regularizer=record)
    kinds = [type(v).__name__ for v in seen]
    assert kinds == ["Variable", "Variable", "Tensor", "Variable"]
    assert [v.name for v in seen] == ["hidden1/kernel:0", "hidden1/bias:0",
                                      "hidden1/BiasAdd:0", "solo:0"]
    # a loss-returning regularizer still lands in the collection
    tf.layers.dense(X, 2, kernel_regularizer=tf.contrib.layers.l2_regularizer(0.1), name="h2")
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 1


def test_batch_normalization_creates_variables_in_tf1_order():
    x = tf.placeholder(tf.float32, (None, 3))
    tf.layers.batch_normalization(x, training=True, name="bn")
    assert [v.name for v in tf.global_variables()] == [
        "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"]


def max_norm_regularizer(threshold, axes=1, name="max_norm", collection="max_norm"):
    """The book's chapter-11 function, verbatim."""
    def max_norm(weights):
        clipped = tf.clip_by_norm(weights, clip_norm=threshold, axes=axes)
        clip_weights = tf.assign(weights, clipped, name=name)
        tf.add_to_collection(collection, clip_weights)
        return None  # there is no regularization loss term
    return max_norm


def _blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 8)).astype(np.float32) + 3.0 * np.eye(3, 8, dtype=np.float32)[y]
    return X, y


def test_chapter_11_max_norm_regularization_end_to_end():
    """Train a small MLP with the regularizer function and, separately, with the book's
    first form (``get_tensor_by_name`` + ``tf.assign``); after every step every row of
    each clipped kernel has an L2 norm <= the threshold, and the network learns."""
    threshold = 0.5
    X = tf.placeholder(tf.float32, shape=(None, 8), name="X")
    y = tf.placeholder(tf.int64, shape=(None,), name="y")
    max_norm_reg = max_norm_regularizer(threshold=threshold)
    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, 16, activation=tf.nn.relu,
                                  kernel_regularizer=max_norm_reg, name="hidden1")
        hidden2 = tf.layers.dense(hidden1, 16, activation=tf.nn.relu, name="hidden2")
        logits = tf.layers.dense(hidden2, 3, name="outputs")
    # the book's first form, on hidden2
    weights2 = tf.get_default_graph().get_tensor_by_name("hidden2/kernel:0")
    clip_weights2 = tf.assign(weights2, tf.clip_by_norm(weights2, clip_norm=threshold, axes=1))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    training_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    clip_all_weights = tf.get_collection("max_norm")
    assert len(clip_all_weights) == 1
    Xv, yv = _blobs()
    with tf.Session() as sess:
        tf.set_random_seed(1)
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {X: Xv, y: yv})
        for step in range(30):
            batch = slice((step * 40) % 200, (step * 40) % 200 + 40)
            sess.run(training_op, feed_dict={X: Xv[batch], y: yv[batch]})
            sess.run(clip_all_weights)
            clip_weights2.eval()
            for name in ("hidden1/kernel:0", "hidden2/kernel:0"):
                kernel = sess.run(name)
                assert np.linalg.norm(kernel, axis=1).max() <= threshold * (1 + 1e-5), (step, name)
        # unclipped layers are free to grow; the clipped rows sit at the threshold
        k1 = sess.run("hidden1/kernel:0")
        assert np.isclose(np.linalg.norm(k1, axis=1).max(), threshold, rtol=1e-4)
        assert sess.run(loss, {X: Xv, y: yv}) < 0.5 * first
