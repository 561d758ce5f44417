import pytest

import tensorflux as tf


def test_get_variable_uses_variable_scope_and_ignores_name_scope():
    with tf.name_scope("ns"):
        with tf.variable_scope("vs"):
            v = tf.get_variable("w", shape=[2], initializer=tf.zeros_initializer())
            c = tf.constant(1, name="c")
    assert v.name == "vs/w:0"
    assert c.op.name == "ns/vs/c"
    assert v.initializer.name == "vs/w/Assign"
    assert tf.get_default_graph().get_operation_by_name("vs/w/Initializer/zeros")


def test_creating_twice_without_reuse_and_reusing_missing_raise():
    with tf.variable_scope("relu"):
        tf.get_variable("threshold", shape=(), initializer=tf.constant_initializer(0.0))
    with pytest.raises(ValueError, match="relu/threshold already exists, disallowed"):
        with tf.variable_scope("relu"):
            tf.get_variable("threshold", shape=())
    with pytest.raises(ValueError, match="relu/missing does not exist"):
        with tf.variable_scope("relu", reuse=True):
            tf.get_variable("missing")


def test_reuse_forms_and_inheritance():
    with tf.variable_scope("relu"):
        t = tf.get_variable("threshold", shape=(), initializer=tf.constant_initializer(0.0))
    with tf.variable_scope("relu", reuse=True):
        assert tf.get_variable("threshold") is t
    with tf.variable_scope("relu") as scope:
        scope.reuse_variables()
        assert tf.get_variable("threshold") is t
    with tf.variable_scope("outer", reuse=True):
        with tf.variable_scope("inner", reuse=False) as inner:
            assert inner.reuse is True  # cannot be turned off inside
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a1 = tf.get_variable("a", shape=[1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a2 = tf.get_variable("a", shape=[1])
    assert a1 is a2


def test_only_get_variable_variables_can_be_reused():
    with tf.variable_scope("s"):
        tf.Variable(1.0, name="plain")
    with pytest.raises(ValueError, match="was not created with tf.get_variable"):
        with tf.variable_scope("s", reuse=True):
            tf.get_variable("plain")


def test_sharing_checks_shape_and_dtype():
    with tf.variable_scope("s"):
        tf.get_variable("w", shape=[2, 3])
    with tf.variable_scope("s", reuse=True):
        with pytest.raises(ValueError, match="specified shape"):
            tf.get_variable("w", shape=[3, 3])
        with pytest.raises(ValueError, match="specified dtype"):
            tf.get_variable("w", shape=[2, 3], dtype=tf.float64)


def test_reentering_a_variable_scope_opens_a_fresh_name_scope():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    outs = []
    for i in range(3):
        with tf.variable_scope("relu", reuse=(i >= 1)):
            t = tf.get_variable("threshold", shape=(), initializer=tf.constant_initializer(0.0))
            outs.append(tf.maximum(X, t, name="max"))
    assert [o.op.name for o in outs] == ["relu/max", "relu_1/max", "relu_2/max"]
    assert len(tf.global_variables()) == 1


def test_scope_object_reenters_its_original_name_scope_and_keeps_settings():
    init = tf.constant_initializer(3.0)
    with tf.variable_scope("model", initializer=init) as scope:
        pass
    with tf.variable_scope(scope):
        v = tf.get_variable("v", shape=[1])
        c = tf.constant(1, name="c")
    assert v.name == "model/v:0" and c.op.name == "model/c"
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(v).tolist() == [3.0]


def test_default_name_is_made_unique():
    names = []
    for _ in range(3):
        with tf.variable_scope(None, default_name="dense") as s:
            names.append(s.name)
    assert names == ["dense", "dense_1", "dense_2"]
    with pytest.raises(ValueError, match="reuse=True cannot be used"):
        tf.variable_scope(None, default_name="x", reuse=True)


def test_defaults_for_get_variable_from_scope():
    reg_calls = []

    def reg(w):
        reg_calls.append(w)
        return tf.reduce_sum(w)

    with tf.variable_scope("s", dtype=tf.float64, regularizer=reg):
        w = tf.get_variable("w", shape=[2])
        i = tf.get_variable("i", shape=[2], dtype=tf.int32)
    assert w.dtype == tf.float64 and i.dtype == tf.int32
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 2
    with pytest.raises(ValueError, match="must be fully defined"):
        tf.get_variable("noshape")
    with tf.Session() as sess:
        sess.run(i.initializer)
        assert sess.run(i).tolist() == [0, 0]


def test_get_variable_scope_and_nested_names():
    assert tf.get_variable_scope().name == ""
    with tf.variable_scope("a"):
        with tf.variable_scope("b") as b:
            assert tf.get_variable_scope() is b
            assert b.name == "a/b" and b.original_name_scope == "a/b/"
