"""Optimizer updates against hand-written NumPy versions of TF1's formulas."""
import numpy as np
import pytest

import tensorflux as tf

W0 = np.array([[0.5, -1.0], [2.0, 0.25]])
X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])


def grad_of(w):
    """d/dw of sum((X @ w)^2) / 2 = X^T X w."""
    return X.T @ (X @ w)


def tf_steps(opt, steps=3):
    w = tf.Variable(W0, name="w")
    loss = tf.reduce_sum(tf.square(tf.matmul(tf.constant(X), w))) / 2
    train = opt.minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
        return sess.run(w), opt, w


def numpy_steps(update, state, steps=3):
    w = W0.copy()
    for t in range(1, steps + 1):
        w = update(w, grad_of(w), state, t)
    return w


def sgd(w, g, s, t):
    return w - 0.1 * g


def momentum(w, g, s, t, nesterov=False):
    s["a"] = s.get("a", 0) * 0.9 + g
    return w - 0.01 * (g + 0.9 * s["a"]) if nesterov else w - 0.01 * s["a"]


def adagrad(w, g, s, t):
    s["a"] = s.get("a", np.full_like(w, 0.1)) + g * g
    return w - 0.1 * g / np.sqrt(s["a"])


def adadelta(w, g, s, t, rho=0.95, eps=1e-8, lr=1.0):
    s["a"] = rho * s.get("a", 0) + (1 - rho) * g * g
    upd = np.sqrt(s.get("u", 0) + eps) / np.sqrt(s["a"] + eps) * g
    s["u"] = rho * s.get("u", 0) + (1 - rho) * upd * upd
    return w - lr * upd


def rmsprop(w, g, s, t, centered=False):
    s["ms"] = 0.9 * s.get("ms", np.ones_like(w)) + 0.1 * g * g
    denom = s["ms"]
    if centered:
        s["mg"] = 0.9 * s.get("mg", 0) + 0.1 * g
        denom = denom - s["mg"] ** 2
    s["mom"] = 0.5 * s.get("mom", 0) + 0.01 * g / np.sqrt(denom + 1e-10)
    return w - s["mom"]


def adam(w, g, s, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return w - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)


def ftrl(w, g, s, t, lr=0.5, l1=0.0, l2=0.0, power=-0.5, shrinkage=0.0):
    """TF1's FtrlOptimizer, one coordinate at a time as its documentation states it."""
    accum = s.setdefault("accum", np.full_like(w, 0.1))
    linear = s.setdefault("linear", np.zeros_like(w))
    out = np.empty_like(w)
    for i in np.ndindex(w.shape):
        new_accum = accum[i] + g[i] ** 2
        sigma = (new_accum ** -power - accum[i] ** -power) / lr
        linear[i] += g[i] + 2 * shrinkage * w[i] - sigma * w[i]
        quadratic = new_accum ** -power / lr + 2 * l2
        out[i] = (np.sign(linear[i]) * l1 - linear[i]) / quadratic if abs(linear[i]) > l1 else 0.0
        accum[i] = new_accum
    return out


@pytest.mark.parametrize("make, update, slots", [
    (lambda: tf.train.FtrlOptimizer(0.5), ftrl, ["w/Ftrl:0", "w/Ftrl_1:0"]),
    (lambda: tf.train.FtrlOptimizer(0.5, learning_rate_power=-1.0, l1_regularization_strength=3.0,
                                    l2_regularization_strength=0.5,
                                    l2_shrinkage_regularization_strength=0.1),
     lambda w, g, s, t: ftrl(w, g, s, t, l1=3.0, l2=0.5, power=-1.0, shrinkage=0.1),
     ["w/Ftrl:0", "w/Ftrl_1:0"]),
    (lambda: tf.train.GradientDescentOptimizer(0.1), sgd, []),
    (lambda: tf.train.MomentumOptimizer(0.01, 0.9), momentum, ["w/Momentum:0"]),
    (lambda: tf.train.MomentumOptimizer(0.01, 0.9, use_nesterov=True),
     lambda w, g, s, t: momentum(w, g, s, t, nesterov=True), ["w/Momentum:0"]),
    (lambda: tf.train.AdagradOptimizer(0.1), adagrad, ["w/Adagrad:0"]),
    (lambda: tf.train.AdadeltaOptimizer(1.0), adadelta, ["w/Adadelta:0", "w/Adadelta_1:0"]),
    (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5), rmsprop,
     ["w/RMSProp:0", "w/RMSProp_1:0"]),
    (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
     lambda w, g, s, t: rmsprop(w, g, s, t, centered=True),
     ["w/RMSProp:0", "w/RMSProp_1:0", "w/RMSProp_2:0"]),
    (lambda: tf.train.AdamOptimizer(0.01), adam,
     ["beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0"]),
])
def test_update_rules_match_numpy(make, update, slots):
    got, opt, w = tf_steps(make())
    expected = numpy_steps(update, {})
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert [v.name for v in opt.variables()] == sorted(slots)
    for v in opt.variables():
        assert v in tf.global_variables() and v not in tf.trainable_variables()
    for name in opt.get_slot_names():
        assert opt.get_slot(w, name) is not None


def test_minimize_with_global_step_and_train_op_collection():
    step = tf.train.get_or_create_global_step()
    assert tf.train.get_global_step() is step and step.dtype == tf.int64
    w = tf.Variable(1.0)
    train = tf.train.GradientDescentOptimizer(0.5).minimize(tf.square(w), global_step=step)
    assert train in tf.get_collection(tf.GraphKeys.TRAIN_OP)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        sess.run(train)
        assert sess.run(step) == 2
        assert tf.train.global_step(sess, step) == 2
        assert sess.run(w) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()


def test_learning_rate_as_tensor_and_exponential_decay():
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, step, decay_steps=10, decay_rate=0.5, staircase=True)
    w = tf.Variable(0.0)
    train = tf.train.GradientDescentOptimizer(lr).minimize(-w, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = []
        for _ in range(25):
            values.append(sess.run(lr))
            sess.run(train)
        assert values[0] == pytest.approx(0.1) and values[10] == pytest.approx(0.05)
        assert values[24] == pytest.approx(0.025)
        assert sess.run(w) == pytest.approx(10 * 0.1 + 10 * 0.05 + 5 * 0.025, rel=1e-6)


STEPS = [0, 3, 10, 15, 25]


@pytest.mark.parametrize("make, formula", [
    (lambda s: tf.train.inverse_time_decay(0.5, s, 10, 0.5),
     lambda t: 0.5 / (1 + 0.5 * t / 10)),
    (lambda s: tf.train.inverse_time_decay(0.5, s, 10, 0.5, staircase=True),
     lambda t: 0.5 / (1 + 0.5 * np.floor(t / 10))),
    (lambda s: tf.train.natural_exp_decay(0.5, s, 10, 0.3),
     lambda t: 0.5 * np.exp(-0.3 * t / 10)),
    (lambda s: tf.train.natural_exp_decay(0.5, s, 10, 0.3, staircase=True),
     lambda t: 0.5 * np.exp(-0.3 * np.floor(t / 10))),
    (lambda s: tf.train.polynomial_decay(0.5, s, 10, end_learning_rate=0.1, power=2.0),
     lambda t: (0.5 - 0.1) * (1 - min(t, 10) / 10) ** 2 + 0.1),
    (lambda s: tf.train.polynomial_decay(0.5, s, 10, end_learning_rate=0.1, cycle=True),
     lambda t: (0.5 - 0.1) * (1 - t / (10 * max(np.ceil(t / 10), 1))) + 0.1),
    (lambda s: tf.train.cosine_decay(0.5, s, 20, alpha=0.2),
     lambda t: 0.5 * (0.8 * 0.5 * (1 + np.cos(np.pi * min(t, 20) / 20)) + 0.2)),
], ids=["inverse_time", "inverse_time_staircase", "natural_exp", "natural_exp_staircase",
        "polynomial", "polynomial_cycle", "cosine"])
def test_learning_rate_schedules_follow_tf1_formulas(make, formula):
    step = tf.placeholder(tf.int64, shape=())
    lr = make(step)
    with tf.Session() as sess:
        got = [sess.run(lr, {step: t}) for t in STEPS]
    np.testing.assert_allclose(got, [formula(t) for t in STEPS], rtol=1e-6)
    with pytest.raises(ValueError, match="global_step is required"):
        make(None)


def test_piecewise_constant():
    x = tf.placeholder(tf.int32, shape=())
    lr = tf.train.piecewise_constant(x, [10, 20], [1.0, 0.5, 0.1])
    with tf.Session() as sess:
        assert [sess.run(lr, {x: v}) for v in (0, 10, 11, 20, 30)] == pytest.approx(
            [1.0, 1.0, 0.5, 0.5, 0.1])


def test_clipping():
    t = tf.constant([3.0, 4.0])
    u = tf.constant([[12.0]])
    clipped, norm = tf.clip_by_global_norm([t, None, u], 6.5)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(tf.clip_by_value(t, 3.5, 3.8)), [3.5, 3.8])
        np.testing.assert_allclose(sess.run(tf.clip_by_norm(t, 1.0)), [0.6, 0.8], rtol=1e-6)
        np.testing.assert_allclose(sess.run(tf.clip_by_norm(t, 10.0)), [3.0, 4.0])
        assert sess.run(tf.global_norm([t, u])) == pytest.approx(13.0)
        assert clipped[1] is None
        c0, c2, n = sess.run([clipped[0], clipped[2], norm])
    assert n == pytest.approx(13.0)
    np.testing.assert_allclose(c0, [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(c2, [[6.0]], rtol=1e-6)


def test_minimize_errors():
    w = tf.Variable(1.0)
    unrelated = tf.constant(3.0) * 2
    with pytest.raises(ValueError, match="No gradients provided"):
        tf.train.GradientDescentOptimizer(0.1).minimize(unrelated, var_list=[w])
    with pytest.raises(ValueError, match="No variables to optimize"):
        with tf.Graph().as_default():
            tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0))


def test_seed_gradient_descent_variants_train_linear_regression():
    from tensorflux.contrib.datasets import load_california_housing
    housing = load_california_housing()
    m, n = housing.data.shape
    scaled = (housing.data - housing.data.mean(0)) / housing.data.std(0)
    data = np.c_[np.ones((m, 1)), scaled]
    reference = np.linalg.lstsq(data, housing.target, rcond=None)[0]
    best_mse = np.mean((data @ reference - housing.target) ** 2)
    for opt in (tf.train.GradientDescentOptimizer(0.01), tf.train.MomentumOptimizer(0.001, 0.9)):
        tf.reset_default_graph()
        tf.set_random_seed(42)
        X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
        y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
        theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0), name="theta")
        mse = tf.reduce_mean(tf.square(tf.matmul(X, theta) - y), name="mse")
        training_op = opt.minimize(mse)
        rng = np.random.default_rng(42)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(3):
                for idx in np.array_split(rng.permutation(m), m // 100):
                    sess.run(training_op, {X: data[idx], y: housing.target[idx].reshape(-1, 1)})
            final = mse.eval({X: data, y: housing.target.reshape(-1, 1)})
        assert final < best_mse * 1.1, type(opt).__name__


def test_ftrl_l1_sets_weights_to_exactly_zero_and_checks_arguments():
    got, _, _ = tf_steps(tf.train.FtrlOptimizer(0.5, l1_regularization_strength=10.0))
    assert (got == 0.0).sum() == 3 and got[1, 0] != 0.0   # L1 keeps one weight only
    for bad in ({"learning_rate_power": 0.5}, {"l1_regularization_strength": -1.0},
                {"initial_accumulator_value": -0.1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            tf.train.FtrlOptimizer(0.1, **bad)
