"""Small programs in the style of each section of the seed's chapter 9 (first half)."""
import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets import load_california_housing


def test_lifecycle_of_a_node_value():
    w = tf.constant(3)
    x = w + 2
    y = x + 5
    z = x * 3
    with tf.Session() as sess:
        assert y.eval() == 10
        assert z.eval() == 15
        y_val, z_val = sess.run([y, z])
    assert (y_val, z_val) == (10, 15)


def test_init_node_and_interactive_session():
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    init = tf.global_variables_initializer()
    with tf.Session():
        init.run()
        assert f.eval() == 42
    sess = tf.InteractiveSession()
    init.run()
    assert f.eval() == 42
    sess.close()


def test_normal_equation_on_california_housing():
    housing = load_california_housing()
    m, n = housing.data.shape
    assert (m, n) == (20640, 8)
    data = np.c_[np.ones((m, 1)), housing.data]
    X = tf.constant(data, dtype=tf.float32, name="X")
    y = tf.constant(housing.target.reshape(-1, 1), dtype=tf.float32, name="y")
    XT = tf.transpose(X)
    theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y)
    with tf.Session():
        theta_value = theta.eval()
    reference = np.linalg.lstsq(data, housing.target.reshape(-1, 1), rcond=None)[0]
    assert theta_value.shape == (9, 1)
    # float32 normal equations: compare predictions rather than raw coefficients
    pred, ref_pred = data @ theta_value, data @ reference
    assert np.sqrt(np.mean((pred - ref_pred) ** 2)) < 0.05


def test_batch_gradient_descent_with_manual_gradients():
    housing = load_california_housing()
    m, n = housing.data.shape
    scaled = (housing.data - housing.data.mean(0)) / housing.data.std(0)
    data = np.c_[np.ones((m, 1)), scaled]
    tf.set_random_seed(42)
    X = tf.constant(data, dtype=tf.float32, name="X")
    y = tf.constant(housing.target.reshape(-1, 1), dtype=tf.float32, name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0), name="theta")
    y_pred = tf.matmul(X, theta, name="predictions")
    error = y_pred - y
    mse = tf.reduce_mean(tf.square(error), name="mse")
    gradients = 2 / m * tf.matmul(tf.transpose(X), error)
    training_op = tf.assign(theta, theta - 0.01 * gradients)
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        first = mse.eval()
        for _ in range(300):
            sess.run(training_op)
        last = mse.eval()
    assert last < first and last < 0.75


def test_mini_batches_through_placeholders():
    A = tf.placeholder(tf.float32, shape=(None, 3))
    B = A + 5
    with tf.Session():
        assert B.eval(feed_dict={A: [[1, 2, 3]]}).tolist() == [[6, 7, 8]]
        assert B.eval(feed_dict={A: [[4, 5, 6], [7, 8, 9]]}).tolist() == [[9, 10, 11], [12, 13, 14]]


def test_name_scope_loss():
    y_pred = tf.constant([1.0, 2.0])
    y = tf.constant([1.5, 2.5])
    with tf.name_scope("loss"):
        error = y_pred - y
        mse = tf.reduce_mean(tf.square(error), name="mse")
    assert error.op.name == "loss/sub" and mse.op.name == "loss/mse"


def _relu_unit(X):
    with tf.name_scope("relu"):
        w_shape = (int(X.get_shape()[1]), 1)
        w = tf.Variable(tf.random_normal(w_shape), name="weights")
        b = tf.Variable(0.0, name="bias")
        z = tf.add(tf.matmul(X, w), b, name="z")
        return tf.maximum(z, 0., name="relu")


def test_modularity_five_relus_with_unique_scopes():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    relus = [_relu_unit(X) for _ in range(5)]
    output = tf.add_n(relus, name="output")
    assert [r.op.name for r in relus] == ["relu/relu", "relu_1/relu", "relu_2/relu",
                                          "relu_3/relu", "relu_4/relu"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(output, {X: np.ones((4, 3))})
    assert out.shape == (4, 1) and np.all(out >= 0)


def test_sharing_a_threshold_variable_across_relus():
    def relu(X):
        threshold = tf.get_variable("threshold", shape=(), initializer=tf.constant_initializer(0.0))
        w = tf.Variable(tf.random_normal((int(X.get_shape()[1]), 1)), name="weights")
        b = tf.Variable(0.0, name="bias")
        z = tf.add(tf.matmul(X, w), b, name="z")
        return tf.maximum(z, threshold, name="max")

    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    relus = []
    for i in range(5):
        with tf.variable_scope("relu", reuse=(i >= 1)):
            relus.append(relu(X))
    output = tf.add_n(relus, name="output")
    thresholds = [v for v in tf.global_variables() if "threshold" in v.name]
    assert [v.name for v in thresholds] == ["relu/threshold:0"]
    assert relus[4].op.name == "relu_4/max"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(thresholds[0].assign(100.0))
        out = sess.run(output, {X: np.zeros((2, 3))})
    assert out.tolist() == [[500.0], [500.0]]
