"""tf.TensorArray, map_fn/scan/foldl/foldr, py_func and check_numerics against NumPy."""
import os
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.serialization.graph_format import GraphFormatError

X = np.arange(12.0).reshape(4, 3)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


# --- TensorArray --------------------------------------------------------------------
def test_write_read_stack_unstack_gather_scatter_concat_split_size():
    ta = tf.TensorArray(tf.float64, size=4, clear_after_read=False).unstack(X)
    written = tf.TensorArray(tf.float64, size=2).write(0, X[1]).write(1, X[0])
    scattered = tf.TensorArray(tf.float64, size=4).scatter([3, 0, 2, 1], X)
    split = tf.TensorArray(tf.float64, size=2, clear_after_read=False).split(X, [1, 3])
    got = run([ta.read(2), ta.stack(), ta.gather([3, 1]), written.stack(), scattered.stack(),
               split.read(1), split.concat(), ta.size()])
    np.testing.assert_array_equal(got[0], X[2])
    np.testing.assert_array_equal(got[1], X)
    np.testing.assert_array_equal(got[2], X[[3, 1]])
    np.testing.assert_array_equal(got[3], X[[1, 0]])
    np.testing.assert_array_equal(got[4], X[[1, 3, 2, 0]])
    np.testing.assert_array_equal(got[5], X[1:])
    np.testing.assert_array_equal(got[6], X)
    assert got[7] == 4


def test_static_element_shapes_are_inferred_and_checked():
    ta = tf.TensorArray(tf.float32, size=3)
    ta = ta.write(0, tf.zeros([2, 5]))
    assert ta.read(1).shape.as_list() == [2, 5]
    assert ta.stack().shape.as_list() == [None, 2, 5]
    with pytest.raises(ValueError, match="Inconsistent shapes"):
        ta.write(1, tf.zeros([3, 5]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="dtype is float32"):
        ta.write(1, tf.zeros([2, 5], tf.int32))


def test_dynamic_size_grows_and_fixed_size_refuses():
    def fill(ta):
        return tf.while_loop(lambda i, t: i < 5, lambda i, t: (i + 1, t.write(i, i * 2)),
                             [0, ta])[1]
    grown = fill(tf.TensorArray(tf.int32, size=0, dynamic_size=True))
    fixed = fill(tf.TensorArray(tf.int32, size=3))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(grown.stack()), [0, 2, 4, 6, 8])
        assert sess.run(grown.size()) == 5
        with pytest.raises(tf.errors.InvalidArgumentError, match="not resizeable and size is: 3"):
            sess.run(fixed.stack())


@pytest.mark.parametrize("build, words", [
    (lambda: tf.TensorArray(tf.float32, size=2).unstack(tf.ones([2])).read(5), "size is: 2"),
    (lambda: tf.TensorArray(tf.float32, size=2).read(0), "not yet been written"),
    (lambda: tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(0, 2.0).stack(), "already been written"),
    (lambda: _read_twice(), "cleared after a previous read"),
    (lambda: tf.TensorArray(tf.float32, size=0).stack(), "not fully defined"),
    (lambda: tf.TensorArray(tf.float32, size=2).split(tf.ones([3]), [1, 1]).concat(), "sum of lengths"),
])
def test_bad_tensor_array_use_raises_invalid_argument(build, words):
    t = build()
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match=words):
        sess.run(t)


def _read_twice():
    ta = tf.TensorArray(tf.float32, size=1).write(0, 1.0)
    return ta.read(0) + ta.read(0)


def test_unwritten_elements_stack_as_zeros_when_the_element_shape_is_known():
    ta = tf.TensorArray(tf.float32, size=3, element_shape=[2]).write(1, [1.0, 2.0])
    np.testing.assert_array_equal(run(ta.stack()), [[0, 0], [1, 2], [0, 0]])


def test_tensor_array_gradients_match_numpy():
    x = tf.placeholder(tf.float64, [4, 3])
    ta = tf.TensorArray(tf.float64, size=4, clear_after_read=False).unstack(x)
    # two reads of one element, a gather, and a loop writing into another array
    y = ta.read(0) * ta.read(0) + ta.read(2)
    z = ta.gather([1, 3])
    out = tf.while_loop(lambda i, o: i < 4,
                        lambda i, o: (i + 1, o.write(i, tf.sin(ta.read(i)) * tf.cast(i + 1, tf.float64))),
                        [0, tf.TensorArray(tf.float64, size=4)])[1].stack()
    loss = tf.reduce_sum(y) + tf.reduce_sum(z * z) + tf.reduce_sum(out)
    g = tf.gradients(loss, x)[0]
    got = run(g, {x: X})
    expected = np.zeros_like(X)
    expected[0] += 2 * X[0]
    expected[2] += 1
    expected[[1, 3]] += 2 * X[[1, 3]]
    expected += np.cos(X) * np.arange(1, 5)[:, None]
    np.testing.assert_allclose(got, expected)


# --- map_fn, scan, foldl, foldr -------------------------------------------------------
def test_map_fn_scan_and_folds_match_numpy():
    x = tf.constant(X)
    got = run([
        tf.map_fn(lambda r: r * r + 1.0, x),
        tf.map_fn(lambda e: (e[0] + e[1], e[0] * e[1]), (x, x * 2.0), dtype=(tf.float64, tf.float64)),
        tf.map_fn(lambda r: tf.cast(tf.reduce_sum(r) > 10, tf.int32), x, dtype=tf.int32),
        tf.scan(lambda a, r: a + r, x),
        tf.scan(lambda a, r: a * 0.5 + r, x, initializer=tf.ones([3], tf.float64)),
        tf.scan(lambda a, r: a + r, x, reverse=True),
        tf.foldl(lambda a, r: a - r, x),
        tf.foldr(lambda a, r: a - r, x, initializer=tf.constant(100.0, tf.float64) * tf.ones([3], tf.float64)),
    ])
    np.testing.assert_array_equal(got[0], X * X + 1)
    np.testing.assert_array_equal(got[1][0], X + 2 * X)
    np.testing.assert_array_equal(got[1][1], X * 2 * X)
    np.testing.assert_array_equal(got[2], (X.sum(1) > 10).astype(np.int32))
    np.testing.assert_array_equal(got[3], np.cumsum(X, 0))
    a, rows = np.ones(3), []
    for r in X:
        a = a * 0.5 + r
        rows.append(a)
    np.testing.assert_allclose(got[4], rows)
    np.testing.assert_array_equal(got[5], np.cumsum(X[::-1], 0)[::-1])
    np.testing.assert_array_equal(got[6], X[0] - X[1] - X[2] - X[3])
    np.testing.assert_array_equal(got[7], 100 - X[3] - X[2] - X[1] - X[0])


def test_scan_gradient_is_the_cumulative_product_rule():
    x = tf.placeholder(tf.float64, [4, 3])
    g = tf.gradients(tf.reduce_sum(tf.scan(lambda a, r: a * r, x)), x)[0]
    got = run(g, {x: X + 1.0})
    cp = np.cumprod(X + 1.0, 0)
    expected = np.stack([sum(cp[j] / (X[i] + 1.0) for j in range(i, 4)) for i in range(4)])
    np.testing.assert_allclose(got, expected)


def test_map_fn_bad_input():
    with pytest.raises(ValueError, match="not scalars"):
        tf.map_fn(lambda t: t, tf.constant(1.0))
    with pytest.raises(ValueError, match="same length"):
        tf.map_fn(lambda e: e[0], (tf.ones([2]), tf.ones([3])))
    with pytest.raises(TypeError, match="callable"):
        tf.scan(None, tf.ones([2]))


# --- py_func and check_numerics --------------------------------------------------------
def test_py_func_runs_numpy_code_and_maps_exceptions():
    x = tf.placeholder(tf.float32, [None])
    sorted_and_sum = tf.py_func(lambda a: (np.sort(a), a.sum()), [x], [tf.float32, tf.float32])
    as_int = tf.py_func(lambda a: a.astype(np.int64), [x], tf.int64)
    failing = tf.py_func(lambda a: int("not a number"), [x], tf.float32)
    unknown = tf.py_func(lambda a: {}["missing"], [x], tf.float32)
    wrong_count = tf.py_func(lambda a: (a, a), [x], tf.float32)
    with tf.Session() as sess:
        s, total = sess.run(sorted_and_sum, {x: [3, 1, 2]})
        np.testing.assert_array_equal(s, [1, 2, 3])
        assert total == 6 and sess.run(as_int, {x: [1.5]}).dtype == np.int64
        with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError.*PyFunc"):
            sess.run(failing, {x: [1]})
        with pytest.raises(tf.errors.UnknownError, match="KeyError"):
            sess.run(unknown, {x: [1]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="returned 2 values"):
            sess.run(wrong_count, {x: [1]})


def test_a_graph_with_py_func_is_never_exported(tmp_path):
    v = tf.Variable(1.0)
    tf.py_func(lambda a: a, [v], tf.float32, name="mine")
    with pytest.raises(GraphFormatError, match="'mine'.*never written"):
        tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.warns(UserWarning, match="without its .meta"):
            path = saver.save(sess, str(tmp_path / "model"))
    assert os.path.exists(path) and not os.path.exists(path + ".meta")
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert sess.run(v) == 1.0


def test_check_numerics_names_the_tensor():
    x = tf.placeholder(tf.float32, [None])
    y = tf.check_numerics(tf.log(x), "log of the input")
    g = tf.gradients(tf.reduce_sum(tf.check_numerics(x * 0.0, "zeroed")), x)[0]
    with tf.Session() as sess, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(sess.run(y, {x: [1.0, np.e]}), [0, 1], atol=1e-6)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"log of the input : Tensor had NaN values \(tensor Log:0\)"):
            sess.run(y, {x: [-1.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Inf values"):
            sess.run(y, {x: [0.0]})
        assert list(sess.run(g, {x: [1.0]})) == [0.0]
    with pytest.raises(TypeError, match="floating"):
        tf.check_numerics(tf.constant(1), "int")


def test_add_check_numerics_ops_finds_the_first_bad_tensor():
    x = tf.placeholder(tf.float32, [2])
    y = tf.sqrt(x, name="root")
    z = tf.cond(x[0] > 0, lambda: y * 2.0, lambda: y)
    checks = tf.add_check_numerics_ops()
    with tf.Session() as sess, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess.run([z, checks], {x: [1.0, 4.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="root:0 : Tensor had NaN"):
            sess.run([z, checks], {x: [1.0, -4.0]})
