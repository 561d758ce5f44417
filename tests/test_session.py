import threading

import numpy as np
import pytest

import tensorflux as tf


def test_seed_first_graph_gives_int32_42():
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    sess = tf.Session()
    sess.run(x.initializer)
    sess.run(y.initializer)
    result = sess.run(f)
    assert result == 42 and type(result) is np.int32
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(f)


def test_with_block_makes_session_and_graph_default():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(5)
    with tf.Session(graph=g) as sess:
        assert tf.get_default_session() is sess
        assert tf.get_default_graph() is g
        assert c.eval() == 5
    assert tf.get_default_session() is None


def test_interactive_session_installs_itself():
    c = tf.constant(7)
    sess = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is sess
        assert c.eval() == 7
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_fetch_structures_and_names():
    a = tf.constant(1, name="a")
    b = tf.constant(2.0, name="b")
    noop = tf.no_op()
    with tf.Session() as sess:
        assert sess.run("a:0") == 1
        assert sess.run(noop) is None
        out = sess.run({"x": [a, (b, "a:0")], "y": noop})
        assert out == {"x": [1, (2.0, 1)], "y": None}
        with pytest.raises(TypeError, match="invalid type"):
            sess.run(3)


def test_values_are_recomputed_per_run_and_shared_within_one():
    counter = tf.Variable(0, name="counter")
    inc = tf.assign_add(counter, 1)
    double = inc * 2
    with tf.Session() as sess:
        sess.run(counter.initializer)
        assert sess.run([inc, double]) == [1, 2]  # inc ran once for both fetches
        assert sess.run(double) == 4
        assert sess.run(counter) == 2


def test_pruning_skips_unneeded_placeholders():
    p = tf.placeholder(tf.float32, name="p")
    unused = p * 2  # noqa: F841
    c = tf.constant(3.0)
    with tf.Session() as sess:
        assert sess.run(c * 2) == 6.0


def test_any_tensor_can_be_fed():
    a = tf.constant(1.0)
    b = a + 1
    c = b * 10
    with tf.Session() as sess:
        assert sess.run(c, {b: 5.0}) == 50.0
        assert sess.run(c) == 20.0


def test_missing_feed_names_placeholder_dtype_and_shape():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    y = X + 1  # the op that needs X
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as exc:
            sess.run(y)
    msg = str(exc.value)
    assert "'X:0'" in msg and "float32" in msg and "[?,3]" in msg
    assert exc.value.op.name == "X"


def test_wrong_feed_shape_and_dtype():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    i = tf.placeholder(tf.int32, shape=(), name="i")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"shape \(1, 2\).*'X:0'.*\(\?, 3\)"):
            sess.run(X, {X: [[1, 2]]})
        with pytest.raises(TypeError, match="'i:0'.*int32"):
            sess.run(i, {i: 1.5})
        with pytest.raises(TypeError, match="feed_dict key"):
            sess.run(X, {"nope:0": 1})
        # float64 data fed to a float32 placeholder is converted
        out = sess.run(X, {X: np.ones((2, 3))})
        assert out.dtype == np.float32


def test_uninitialized_variable_is_named():
    v = tf.Variable(1.0, name="weights")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value weights"):
            sess.run(v + 1)


def test_runtime_kernel_error_names_op_shapes_and_user_line():
    a = tf.placeholder(tf.float32, shape=None, name="a")
    b = tf.placeholder(tf.float32, shape=None, name="b")
    c = tf.add(a, b, name="sum")  # created here
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as exc:
            sess.run(c, {a: np.ones((2, 3)), b: np.ones((4, 5))})
    msg = str(exc.value)
    assert "'sum'" in msg and "(2, 3)" in msg and "(4, 5)" in msg
    assert __file__ in msg and str(c.op.location.lineno) in msg
    assert exc.value.op is c.op


def test_construction_shape_error_is_raised_at_the_users_line():
    a = tf.constant(np.ones((2, 3)))
    b = tf.constant(np.ones((4, 5)))
    with pytest.raises(ValueError, match="Dimensions must be equal") as exc:
        tf.matmul(a, b)
    assert __file__ in str(exc.value)


def test_sessions_do_not_share_variables():
    v = tf.Variable(1.0)
    inc = v.assign_add(1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0


def test_fetched_arrays_do_not_alias_state():
    v = tf.Variable(np.zeros(3, np.float32))
    c = tf.constant([1.0, 2.0])
    with tf.Session() as sess:
        sess.run(v.initializer)
        out = sess.run(v)
        out[:] = 9
        assert sess.run(v).tolist() == [0, 0, 0]
        cv = sess.run(c)
        cv[:] = 5
        assert sess.run(c).tolist() == [1, 2]
        r = sess.run(tf.reshape(v, [3, 1]))
        r[:] = 7
        assert sess.run(v).tolist() == [0, 0, 0]


def test_plan_is_cached_per_signature():
    p = tf.placeholder(tf.float32)
    y = p * 2
    with tf.Session() as sess:
        sess.run(y, {p: 1.0})
        sess.run(y, {p: 2.0})
        sess.run([y], {p: 2.0})
        assert len(sess._plans) == 2


def test_make_callable():
    p = tf.placeholder(tf.float32)
    y = p * 3
    with tf.Session() as sess:
        f = sess.make_callable(y, [p])
        assert f(2.0) == 6.0


def test_concurrent_training_and_evaluation_threads():
    rng = np.random.default_rng(0)
    X_data = rng.normal(size=(64, 3)).astype(np.float32)
    true_w = np.array([[1.0], [-2.0], [0.5]], np.float32)
    y_data = X_data @ true_w
    X = tf.placeholder(tf.float32, (None, 3))
    y = tf.placeholder(tf.float32, (None, 1))
    w = tf.Variable(tf.zeros([3, 1]))
    err = tf.matmul(X, w) - y
    mse = tf.reduce_mean(tf.square(err))
    grad = 2 / 64 * tf.matmul(tf.transpose(X), err)
    train = tf.assign(w, w - 0.1 * grad)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    errors, evals = [], []

    def trainer():
        try:
            for _ in range(150):
                sess.run(train, {X: X_data, y: y_data})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def evaluator():
        try:
            for _ in range(150):
                value = sess.run(mse, {X: X_data, y: y_data})
                assert np.isfinite(value)
                evals.append(value)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=trainer if i % 2 else evaluator) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(evals) == 4 * 150
    np.testing.assert_allclose(sess.run(w), true_w, atol=1e-3)
    assert sess.run(mse, {X: X_data, y: y_data}) < 1e-5


def test_strings_are_bytes_whether_given_as_str_or_bytes():
    words = tf.placeholder(tf.string, shape=(None,))
    is_b = tf.equal(words, tf.constant("b"))
    with tf.Session() as sess:
        assert sess.run(tf.constant("héllo")) == "héllo".encode("utf-8")
        for fed in ([b"a", b"b"], ["a", "b"], np.array(["a", "b"], dtype=object), np.array([b"a", b"b"])):
            assert sess.run(is_b, {words: fed}).tolist() == [False, True]


def test_identity_under_control_dependencies_reads_the_updated_variable():
    """TF1's idiom: ``with control_dependencies([update]): identity(v)`` sees the update,
    while a read without the dependency sees the value the run started with."""
    v = tf.Variable(1.0)
    update = tf.assign_add(v, 2.0)
    with tf.control_dependencies([update]):
        after = tf.identity(v)
    before = tf.identity(v)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run([before, after]) == [1.0, 3.0]
        assert sess.run(after) == 5.0
    fresh = tf.Variable(0.0, name="fresh")
    with tf.control_dependencies([update]):
        read = tf.identity(fresh)
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value fresh"):
            sess.run(read)
