import numpy as np
import pytest

import tensorflux as tf


def test_variable_ops_are_named_like_tf1():
    v = tf.Variable([1.0, 2.0], name="w")
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names == ["w/initial_value", "w", "w/Assign", "w/read"]
    assert v.name == "w:0" and v.op.name == "w" and v.op.type == "VariableV2"
    assert v.initializer.name == "w/Assign"
    assert v.value().name == "w/read:0"
    assert v.shape.as_list() == [2] and v.dtype == tf.float32
    w2 = tf.Variable(1, name="w")
    assert w2.name == "w_1:0"


def test_initial_values_from_python_arrays_tensors_and_callables():
    a = tf.Variable(3)
    b = tf.Variable(np.arange(4, dtype=np.float64).reshape(2, 2))
    c = tf.Variable(tf.zeros([2, 3]))
    d = tf.Variable(lambda: tf.ones([2]), name="d")
    e = tf.Variable(1, dtype=tf.float32)
    assert [x.dtype for x in (a, b, c, d, e)] == [tf.int32, tf.float64, tf.float32, tf.float32, tf.float32]
    assert tf.get_default_graph().get_operation_by_name("d/Initializer/ones") is not None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(a) == 3
        assert sess.run(b).tolist() == [[0, 1], [2, 3]]
        assert sess.run(c).shape == (2, 3)
        assert sess.run(d).tolist() == [1, 1]
    with pytest.raises(ValueError, match="initial_value must be specified"):
        tf.Variable()


def test_assign_family_and_operators():
    v = tf.Variable(10.0, name="v")
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(v.assign(4.0)) == 4.0
        assert sess.run(v.assign_add(1.5)) == 5.5
        assert sess.run(v.assign_sub(0.5)) == 5.0
        assert sess.run(tf.assign(v, 2.0)) == 2.0
        assert sess.run(tf.assign_add(v, 2.0)) == 4.0
        assert sess.run(tf.assign_sub(v, 1.0)) == 3.0
        assert sess.run(v * 2 + 1) == 7.0
        assert sess.run(2 - v) == -1.0
        assert v.eval() == 3.0
        v.load(42.0)
        assert sess.run(v) == 42.0
        assert sess.run(v.read_value()) == 42.0


def test_assign_checks_shape_and_dtype():
    v = tf.Variable(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="incompatible"):
        tf.assign(v, np.zeros((3, 3), np.float32))
    p = tf.placeholder(tf.float32, shape=None)
    op = tf.assign(v, p)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="lhs shape= \\[2, 2\\] rhs shape= \\[3\\]"):
            sess.run(op, {p: np.zeros(3)})
    i = tf.Variable(1)
    with pytest.raises(TypeError):
        tf.assign(i, 2.5)


def test_collections_and_initializers():
    a = tf.Variable(1, name="a")
    b = tf.Variable(2, name="b", trainable=False)
    c = tf.Variable(3, name="c", trainable=False, collections=[tf.GraphKeys.LOCAL_VARIABLES])
    assert tf.global_variables() == [a, b]
    assert tf.trainable_variables() == [a]
    assert tf.local_variables() == [c]
    with tf.Session() as sess:
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"a", b"b", b"c"]
        assert not sess.run(tf.is_variable_initialized(a))
        sess.run(tf.variables_initializer([a]))
        assert sess.run(tf.is_variable_initialized(a))
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"c"]
        sess.run(tf.local_variables_initializer())
        assert sess.run(tf.report_uninitialized_variables()).tolist() == []
        assert sess.run(tf.variables_initializer([])) is None


@pytest.mark.parametrize("init, check", [
    (tf.zeros_initializer(), lambda v: np.all(v == 0)),
    (tf.ones_initializer(), lambda v: np.all(v == 1)),
    (tf.constant_initializer(2.5), lambda v: np.all(v == 2.5)),
    (tf.random_uniform_initializer(-0.1, 0.1), lambda v: v.min() >= -0.1 and v.max() < 0.1),
    (tf.random_normal_initializer(0, 1), lambda v: abs(v.mean()) < 0.1 and 0.9 < v.std() < 1.1),
    (tf.truncated_normal_initializer(0, 1), lambda v: np.abs(v).max() <= 2 and 0.7 < v.std() < 1.0),
    (tf.glorot_uniform_initializer(), lambda v: np.abs(v).max() <= np.sqrt(6 / 600) and v.std() > 0.04),
    (tf.glorot_normal_initializer(), lambda v: 0.04 < v.std() < 0.07),
    (tf.variance_scaling_initializer(2.0, "fan_in", "uniform"),
     lambda v: np.abs(v).max() <= np.sqrt(6 / 300)),
])
def test_initializers(init, check):
    v = tf.get_variable("v", shape=[300, 300], initializer=init)
    with tf.Session() as sess:
        sess.run(v.initializer)
        value = sess.run(v)
    assert value.dtype == np.float32 and value.shape == (300, 300)
    assert check(value)


def test_variable_lives_until_session_closes():
    v = tf.Variable(1.0)
    sess = tf.Session()
    sess.run(v.initializer)
    assert sess.run(v) == 1.0
    sess.close()
    sess2 = tf.Session()
    with pytest.raises(tf.errors.FailedPreconditionError):
        sess2.run(v)


def test_variables_ignore_enclosing_control_dependencies():
    p = tf.placeholder(tf.float32, name="p")
    side = tf.identity(p)
    with tf.control_dependencies([side]):
        v = tf.Variable(1.0, name="v")
        w = tf.Variable(lambda: tf.zeros([2]), name="w")
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(tf.reduce_sum(w) * v)
    assert v.initializer.control_inputs == [] and v.initial_value.op.control_inputs == []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())  # needs no feed for p
        sess.run(train, {p: 1.0})


def test_optimizer_updates_a_scalar_variable_after_assign_add():
    # AssignAdd once stored a NumPy scalar, which the in-place update then left alone.
    v = tf.Variable(1.0)
    bump = v.assign_add(1.0)
    step = tf.train.GradientDescentOptimizer(0.25).minimize(v * v)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(bump)
        sess.run(step)
        assert sess.run(v) == 1.0  # 2 - 0.25 * d(v^2)/dv = 2 - 0.25 * 4
