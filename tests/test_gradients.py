import numpy as np
import pytest

import tensorflux as tf
from tensorflux.core.registry import OpDef, registry


def run(*fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(list(fetches), feed)


def test_gradient_of_seed_graph_and_naming_under_gradients_scope():
    theta = tf.Variable([[1.0], [2.0]], name="theta")
    X = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name="X")
    y = tf.constant([[1.0], [0.0], [1.0]], name="y")
    error = tf.matmul(X, theta) - y
    mse = tf.reduce_mean(tf.square(error), name="mse")
    grad = tf.gradients(mse, [theta])[0]
    manual = 2 / 3 * tf.matmul(tf.transpose(X), error)
    g, m = run(grad, manual)
    np.testing.assert_allclose(g, m, rtol=1e-6)
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert any(n.startswith("gradients/mse_grad/") for n in names)


def test_paths_are_summed_and_unrelated_xs_get_none():
    x = tf.Variable(2.0)
    z = tf.Variable(5.0)
    y = x * x + 3 * x + tf.sin(x)
    gx, gz = tf.gradients(y, [x, z])
    assert gz is None
    (value,) = run(gx)
    assert value == pytest.approx(2 * 2 + 3 + np.cos(2.0), rel=1e-6)


def test_broadcasting_is_undone():
    a = tf.constant(np.ones((4, 3), np.float32))
    b = tf.Variable(np.zeros(3, np.float32))
    c = tf.Variable(0.0)
    y = tf.reduce_sum((a + b) * c + b)
    gb, gc = tf.gradients(y, [b, c])
    assert gb.shape.as_list() == [3] and gc.shape.as_list() == []
    vb, vc = run(gb, gc)
    np.testing.assert_allclose(vb, [4, 4, 4])
    assert vc == pytest.approx(12.0)


def test_integer_tensors_and_stop_gradient_carry_nothing():
    x = tf.Variable(3.0)
    i = tf.cast(x, tf.int32)
    assert tf.gradients(tf.cast(i, tf.float32), x) == [None]
    y = tf.stop_gradient(x * 2) + x
    (g,) = run(tf.gradients(y, x)[0])
    assert g == 1.0
    a = x * 2
    b = a * x
    (g2,) = run(tf.gradients(b, x, stop_gradients=[a])[0])
    assert g2 == 6.0  # a treated as a constant


def test_grad_ys_weights_the_outputs():
    x = tf.Variable([1.0, 2.0])
    y = x * x
    (g,) = run(tf.gradients(y, x, grad_ys=tf.constant([10.0, 100.0]))[0])
    np.testing.assert_allclose(g, [20.0, 400.0])


def test_missing_gradient_is_a_lookup_error_naming_the_op():
    registry.register_op(OpDef("test>NoGrad", inputs=("x",)), plugin="tests")
    try:
        x = tf.Variable(1.0)
        y = tf.get_default_graph().create_op("test>NoGrad", [x.value()], name="opaque").outputs[0]
        with pytest.raises(LookupError, match="'opaque' \\(op type: test>NoGrad\\)"):
            tf.gradients(y, x)
        tf.NotDifferentiable("test>NoGrad")
        assert tf.gradients(y, x) == [None]

        @tf.RegisterGradient("test>NoGrad")
        def _grad(op, grad):
            return [grad * 7.0]

        assert registry.get_op("test>NoGrad").gradient is _grad
        g = tf.gradients(y * 1.0, x)[0]
        assert g is not None
    finally:
        del registry._ops["test>NoGrad"]


def test_second_derivatives_and_hessians():
    x = tf.Variable([1.0, 2.0])
    y = tf.reduce_sum(x * x * x) + x[0] * x[1]
    g = tf.gradients(y, x)[0]
    gg = tf.gradients(g, x)[0]
    (h,) = tf.hessians(y, x)
    gv, ggv, hv = run(g, gg, h)
    np.testing.assert_allclose(gv, [3 + 2, 12 + 1])
    np.testing.assert_allclose(ggv, [6 + 1, 12 + 1])
    np.testing.assert_allclose(hv, [[6, 1], [1, 12]])
    W = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    v = tf.constant([[1.0], [1.0]])
    (hw,) = tf.hessians(tf.reduce_sum(tf.square(tf.matmul(W, v))), W)
    (hwv,) = run(hw)
    assert hwv.shape == (2, 2, 2, 2)
    assert hwv[0, 0, 0, 1] == pytest.approx(2.0) and hwv[0, 0, 1, 0] == 0.0


def test_seed_my_func_loop_differentiates_correctly():
    def my_func(a, b, cos, sin):
        z = 0
        for i in range(100):
            z = a * cos(z + i) + z * sin(b - i)
        return z

    a = tf.Variable(0.2)  # float32, as in the seed; z starts as the Python int 0
    b = tf.Variable(0.3)
    z = my_func(a, b, tf.cos, tf.sin)
    ga, gb = tf.gradients(z, [a, b])
    zv, gav, gbv = run(z, ga, gb)
    f = lambda av, bv: my_func(av, bv, np.cos, np.sin)  # noqa: E731 - float64 reference
    eps = 1e-7
    assert zv == pytest.approx(f(0.2, 0.3), rel=1e-4)
    assert gav == pytest.approx((f(0.2 + eps, 0.3) - f(0.2 - eps, 0.3)) / (2 * eps), rel=1e-3)
    assert gbv == pytest.approx((f(0.2, 0.3 + eps) - f(0.2, 0.3 - eps)) / (2 * eps), rel=1e-3)


def test_one_backward_pass_serves_all_xs():
    xs = [tf.Variable(float(i)) for i in range(20)]
    loss = tf.add_n([tf.square(x) for x in xs])
    before = len(tf.get_default_graph().get_operations())
    tf.gradients(loss, xs)
    added = len(tf.get_default_graph().get_operations()) - before
    assert added < 6 * len(xs)  # linear in the graph, not quadratic


def test_compute_gradient_helper():
    x = tf.placeholder(tf.float64, shape=(2, 3))
    y = tf.reduce_sum(tf.tanh(x) * x, axis=1)
    with tf.Session():
        analytic, numeric = tf.test.compute_gradient(x, (2, 3), y, (2,))
        err = tf.test.compute_gradient_error(x, (2, 3), y, (2,), delta=1e-6)
    assert analytic.shape == (6, 2)
    np.testing.assert_allclose(analytic, numeric, atol=1e-5)
    assert err < 1e-8
    with pytest.raises(ValueError, match="default session"):
        tf.test.compute_gradient(x, (2, 3), y, (2,))


def test_compute_gradient_with_a_list_feeds_every_input():
    a = tf.placeholder(tf.float64, shape=(2,))
    b = tf.placeholder(tf.float64, shape=(2,))
    y = a * b
    a0, b0 = np.array([1.5, -2.0]), np.array([3.0, 0.5])
    with tf.Session():
        (ja, na), (jb, nb) = tf.test.compute_gradient([a, b], [(2,), (2,)], y, (2,),
                                                      x_init_value=[a0, b0])
        error = tf.test.compute_gradient_error([a, b], [(2,), (2,)], y, (2,), x_init_value=[a0, b0])
    # d(a*b)/da = diag(b), d(a*b)/db = diag(a): rows index x, columns index y
    for analytic, numeric, expected in ((ja, na, np.diag(b0)), (jb, nb, np.diag(a0))):
        np.testing.assert_allclose(analytic, expected, rtol=1e-12)
        np.testing.assert_allclose(numeric, expected, rtol=1e-6)
    assert error < 1e-6
