import collections

import numpy as np
import pytest

import tensorflux as tf


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("value, dtype", [
    (1, tf.int32), (1.5, tf.float32), (True, tf.bool), ([1, 2], tf.int32),
    ([1.0, 2], tf.float32), (2 ** 40, tf.int64), ("hi", tf.string),
    (np.float64(1.0), tf.float64), (np.arange(3, dtype=np.int16), tf.int16),
    (np.ones(2), tf.float64),
])
def test_convert_to_tensor_default_dtypes(value, dtype):
    assert tf.convert_to_tensor(value).dtype == dtype


def test_python_scalars_take_the_tensor_dtype_and_mismatches_raise():
    x = tf.constant(2.0, dtype=tf.float64)
    assert (x + 1).dtype == tf.float64
    assert (1 + x).dtype == tf.float64
    i = tf.constant(2)
    with pytest.raises(TypeError, match="Expected int32"):
        i + 2.5
    f = tf.constant(1.0)
    with pytest.raises(TypeError, match=r"int32.*float32|float32.*int32") as exc:
        f + i
    assert f.name in str(exc.value) and i.name in str(exc.value)


def test_convert_requested_dtype_of_tensor_must_match():
    with pytest.raises(ValueError, match="requested dtype float64"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)


def test_arithmetic_operators_including_reflected_ones():
    x = tf.constant([6.0, 8.0])
    y = tf.constant([2.0, 4.0])
    results = run([x + y, x - y, x * y, x / y, x // y, x % y, x ** y, -x, abs(-x),
                   2 - x, 2 / x, 10 // y, 3 * x, 1 + x, 2 ** y])
    expected = [[8, 12], [4, 4], [12, 32], [3, 2], [3, 2], [0, 0], [36, 4096], [-6, -8],
                [6, 8], [-4, -6], [1 / 3, 0.25], [5, 2], [18, 24], [7, 9], [4, 16]]
    for r, e in zip(results, expected):
        np.testing.assert_allclose(r, e, rtol=1e-6)
        assert r.dtype == np.float32


def test_integer_true_division_gives_float64_like_tf1():
    r = run(tf.constant(7) / tf.constant(2))
    assert r == 3.5 and r.dtype == np.float64


def test_comparison_and_logical_operators_return_tensors():
    x = tf.constant([1, 5, 3])
    lt, le, gt, ge = run([x < 3, x <= 3, x > 3, x >= 3])
    np.testing.assert_array_equal(lt, [True, False, False])
    np.testing.assert_array_equal(le, [True, False, True])
    np.testing.assert_array_equal(gt, [False, True, False])
    np.testing.assert_array_equal(ge, [False, True, True])
    a = tf.constant([True, False])
    b = tf.constant([True, True])
    np.testing.assert_array_equal(run(a & b), [True, False])
    np.testing.assert_array_equal(run(a | b), [True, True])
    np.testing.assert_array_equal(run(a ^ b), [False, True])
    np.testing.assert_array_equal(run(~a), [False, True])
    # == stays identity comparison, as in TF1, so tensors can be dict keys.
    assert (x == x) is True and hash(x) == hash(x)


def test_matmul_operator():
    a = tf.constant([[1.0, 2.0]])
    b = tf.constant([[3.0], [4.0]])
    assert run(a @ b).tolist() == [[11.0]]
    assert (a @ b).get_shape().as_list() == [1, 1]


def test_indexing_with_ints_slices_ellipsis_and_newaxis():
    v = np.arange(24).reshape(2, 3, 4)
    x = tf.constant(v)
    cases = [
        (x[1], v[1]), (x[:, 1:], v[:, 1:]), (x[..., ::2], v[..., ::2]),
        (x[tf.newaxis, 0, :, -1], v[None, 0, :, -1]), (x[::-1, 1], v[::-1, 1]),
        (x[0, ..., tf.newaxis], v[0, ..., None]),
    ]
    results = run([c[0] for c in cases])
    for (t, expected), r in zip(cases, results):
        np.testing.assert_array_equal(r, expected)
        assert t.get_shape().as_list() == list(expected.shape)


def test_indexing_with_tensors_computed_at_run_time():
    v = np.arange(24.0).reshape(2, 3, 4)
    x = tf.constant(v)
    i, j = tf.placeholder(tf.int32, []), tf.placeholder(tf.int32, [])
    cases = [(x[i], v[1]), (x[:, i], v[:, 1]), (x[..., i], v[..., 1]), (x[i, 1:, j], v[1, 1:, 3]),
             (x[:, i:j], v[:, 1:3]), (x[-1, :, i:], v[-1, :, 1:]), (x[i, tf.newaxis], v[1, None]),
             (x[:, j:i], v[:, 3:1]), (x[:, :j], v[:, :3])]
    with tf.Session() as sess:
        results = sess.run([c[0] for c in cases], {i: 1, j: 3})
        assert np.array_equal(sess.run(x[i], {i: -1}), v[-1])
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(x[i], {i: 2})
        g = sess.run(tf.gradients(tf.reduce_sum(x[:, i] * 2.0), x)[0], {i: 2})
    for (_, expected), r in zip(cases, results):
        np.testing.assert_array_equal(r, expected)
    assert (g[:, 2] == 2).all() and g.sum() == 2 * 2 * 4
    with pytest.raises(TypeError, match="integer scalars"):
        x[tf.placeholder(tf.float32, [])]


def test_bad_indices_raise_at_construction():
    x = tf.constant(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="out of bounds"):
        x[5]
    with pytest.raises(ValueError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(TypeError, match="valid indices"):
        x["a"]


def test_shape_api_and_set_shape():
    p = tf.placeholder(tf.float32, shape=(None, 3))
    assert p.get_shape().as_list() == [None, 3]
    assert p.shape[1].value == 3 and int(p.get_shape()[1]) == 3
    assert p.shape.ndims == 2 and not p.shape.is_fully_defined()
    p.set_shape([5, 3])
    assert p.shape.as_list() == [5, 3]
    with pytest.raises(ValueError):
        p.set_shape([4, 3])
    u = tf.placeholder(tf.float32)
    assert u.shape.ndims is None
    assert str(tf.TensorShape([None, 3])) == "(?, 3)"


def test_tensor_cannot_be_used_as_bool_or_iterated():
    x = tf.constant([1, 2])
    with pytest.raises(TypeError, match="bool"):
        if x:
            pass
    with pytest.raises(TypeError, match="not iterable"):
        list(x)


def test_eval_needs_a_session():
    x = tf.constant(1)
    with pytest.raises(ValueError, match="no default session"):
        x.eval()
    sess = tf.Session()
    assert x.eval(session=sess) == 1
    Point = collections.namedtuple("Point", "a b")
    out = sess.run(Point(x, [x, {"k": x}]))
    assert out == Point(1, [1, {"k": 1}])
