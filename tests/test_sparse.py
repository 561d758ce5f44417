"""SparseTensor fetch/feed and the sparse ops, against dense NumPy computations."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()


def dense_of(indices, values, shape):
    out = np.zeros(shape, dtype=np.asarray(values).dtype)
    for i, v in zip(indices, values):
        out[tuple(i)] += v
    return out


def random_sparse(rng, shape, k):
    flat = rng.choice(int(np.prod(shape)), size=k, replace=False)
    idx = np.stack(np.unravel_index(np.sort(flat), shape), 1).astype(np.int64)
    return idx, rng.normal(size=k)


def test_session_fetches_a_sparse_tensor_value():
    sp = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    assert sp.dtype == tf.float32 and sp.shape.as_list() == [3, 4]
    with tf.Session() as sess:
        value, nested = sess.run([sp, {"v": sp.values}])
        again = sp.eval()
    assert isinstance(value, tf.SparseTensorValue)
    np.testing.assert_array_equal(value.indices, [[0, 0], [1, 2]])
    np.testing.assert_array_equal(value.values, [1.0, 2.0])
    np.testing.assert_array_equal(value.dense_shape, [3, 4])
    assert value.indices.dtype == np.int64 and value.dense_shape.dtype == np.int64
    np.testing.assert_array_equal(nested["v"], [1.0, 2.0])
    np.testing.assert_array_equal(again.values, value.values)


def test_sparse_placeholder_fed_a_value_or_a_tuple():
    sp = tf.sparse_placeholder(tf.float64)
    total = tf.sparse_reduce_sum(sp)
    dense = tf.sparse_tensor_to_dense(sp)
    fixed = tf.sparse_placeholder(tf.float32, shape=[2, 2], name="fixed")
    assert fixed.shape.as_list() == [2, 2]
    value = tf.SparseTensorValue(np.array([[0, 1], [1, 0]]), np.array([2.0, 5.0]), np.array([2, 3]))
    with tf.Session() as sess:
        assert sess.run(total, {sp: value}) == 7.0
        np.testing.assert_array_equal(sess.run(dense, {sp: ([[1, 2]], [4.0], [2, 3])}),
                                      [[0, 0, 0], [0, 0, 4.0]])
        out = sess.run(sp, {sp: value})
        np.testing.assert_array_equal(out.values, [2.0, 5.0])
        np.testing.assert_array_equal(sess.run(tf.sparse_tensor_to_dense(fixed),
                                               {fixed: ([[1, 1]], [3.0], [2, 2])}), [[0, 0], [0, 3]])
        with pytest.raises(TypeError, match="SparseTensorValue"):
            sess.run(total, {sp: np.ones(3)})


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_sparse_ops_match_dense_numpy(backend, device):
    rng = np.random.default_rng(0)
    shape = (4, 5)
    idx, vals = random_sparse(rng, shape, 7)
    a = dense_of(idx, vals, shape)
    b = rng.normal(size=(5, 3))
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        sp = tf.SparseTensor(idx, vals, shape)
        ops = {
            "dense": tf.sparse_tensor_to_dense(sp, default_value=-1.0),
            "to_dense": tf.sparse.to_dense(sp),
            "matmul": tf.sparse_tensor_dense_matmul(sp, b),
            "matmul_adj": tf.sparse.matmul(sp, b.T.copy(), adjoint_b=True),
            "matmul_adj_a": tf.sparse.sparse_dense_matmul(sp, b[:4, :2].copy(), adjoint_a=True),
            "sum": tf.sparse_reduce_sum(sp),
            "sum0": tf.sparse_reduce_sum(sp, axis=0),
            "sum1k": tf.sparse.reduce_sum(sp, axis=-1, keepdims=True),
            "plus_dense": tf.sparse_add(sp, np.ones(shape)),
            "gather_nd": tf.gather_nd(a, [[1, 2], [3, 4]]),
            "gather_rows": tf.gather_nd(a, [[2], [0]]),
            "scatter_nd": tf.scatter_nd([[0], [2], [0]], [1.0, 2.0, 3.0], [4]),
        }
        with tf.Session() as sess:
            out = sess.run(ops)
    dense = np.where(a == 0, -1.0, a)
    dense[tuple(idx.T)] = vals
    np.testing.assert_allclose(out["dense"], dense)
    np.testing.assert_allclose(out["to_dense"], a)
    np.testing.assert_allclose(out["matmul"], a @ b)
    np.testing.assert_allclose(out["matmul_adj"], a @ b)
    np.testing.assert_allclose(out["matmul_adj_a"], a.T @ b[:4, :2])
    np.testing.assert_allclose(out["sum"], a.sum())
    np.testing.assert_allclose(out["sum0"], a.sum(0))
    np.testing.assert_allclose(out["sum1k"], a.sum(-1, keepdims=True))
    np.testing.assert_allclose(out["plus_dense"], a + 1)
    np.testing.assert_allclose(out["gather_nd"], [a[1, 2], a[3, 4]])
    np.testing.assert_allclose(out["gather_rows"], a[[2, 0]])
    np.testing.assert_allclose(out["scatter_nd"], [4.0, 0, 2.0, 0])


def test_sparse_matmul_adjoint_a_matches_numpy():
    rng = np.random.default_rng(1)
    idx, vals = random_sparse(rng, (3, 4), 5)
    a = dense_of(idx, vals, (3, 4))
    b = rng.normal(size=(3, 2))
    with tf.Session() as sess:
        got = sess.run(tf.sparse_tensor_dense_matmul(tf.SparseTensor(idx, vals, [3, 4]), b, adjoint_a=True))
    np.testing.assert_allclose(got, a.T @ b)


def test_gradients_of_sparse_dense_matmul_match_dense_formula():
    rng = np.random.default_rng(2)
    idx, vals = random_sparse(rng, (3, 4), 6)
    b = rng.normal(size=(4, 2))
    values = tf.constant(vals)
    bt = tf.constant(b)
    out = tf.sparse_tensor_dense_matmul(tf.SparseTensor(idx, values, [3, 4]), bt)
    g = rng.normal(size=(3, 2))
    grads = tf.gradients(out, [values, bt], grad_ys=tf.constant(g))
    with tf.Session() as sess:
        d_values, d_b = sess.run(grads)
    a = dense_of(idx, vals, (3, 4))
    np.testing.assert_allclose(d_b, a.T @ g)
    np.testing.assert_allclose(d_values, (g @ b.T)[tuple(idx.T)])


def test_reorder_transpose_retain_concat_expand_eye_from_dense():
    unordered = tf.SparseTensor([[2, 1], [0, 3], [0, 1]], [1.0, 2.0, 3.0], [3, 4])
    a = dense_of([[2, 1], [0, 3], [0, 1]], [1.0, 2.0, 3.0], (3, 4))
    second = tf.SparseTensor([[1, 0]], [5.0], [3, 2])
    with tf.Session() as sess:
        reordered = sess.run(tf.sparse_reorder(unordered))
        transposed = sess.run(tf.sparse.transpose(unordered))
        retained = sess.run(tf.sparse_retain(unordered, [True, False, True]))
        concat = sess.run(tf.sparse.to_dense(tf.sparse_concat(1, [unordered, second])))
        expanded = sess.run(tf.sparse.expand_dims(unordered, 1))
        eye = sess.run(tf.sparse.to_dense(tf.sparse.eye(2, 3)))
        back = sess.run(tf.sparse.from_dense(a))
    np.testing.assert_array_equal(reordered.indices, [[0, 1], [0, 3], [2, 1]])
    np.testing.assert_array_equal(reordered.values, [3.0, 2.0, 1.0])
    np.testing.assert_allclose(dense_of(transposed.indices, transposed.values, transposed.dense_shape), a.T)
    assert transposed.indices.tolist() == sorted(transposed.indices.tolist())
    np.testing.assert_array_equal(retained.values, [1.0, 3.0])
    np.testing.assert_allclose(concat, np.concatenate([a, dense_of([[1, 0]], [5.0], (3, 2))], 1))
    np.testing.assert_array_equal(expanded.dense_shape, [3, 1, 4])
    np.testing.assert_array_equal(expanded.indices[:, 1], 0)
    np.testing.assert_array_equal(eye, np.eye(2, 3))
    np.testing.assert_array_equal(back.indices, np.argwhere(a))
    np.testing.assert_array_equal(back.values, a[a != 0])


def test_sparse_plus_sparse_sums_overlaps_and_thresholds():
    a = tf.SparseTensor([[0, 0], [1, 1]], [1.0, 2.0], [2, 2])
    b = tf.SparseTensor([[0, 1], [1, 1]], [0.05, -1.5], [2, 2])
    with tf.Session() as sess:
        both = sess.run(tf.sparse_add(a, b))
        kept = sess.run(tf.sparse.add(a, b, thresh=0.1))
    np.testing.assert_array_equal(both.indices, [[0, 0], [0, 1], [1, 1]])
    np.testing.assert_allclose(both.values, [1.0, 0.05, 0.5])
    np.testing.assert_array_equal(kept.indices, [[0, 0], [1, 1]])
    np.testing.assert_allclose(kept.values, [1.0, 0.5])


def test_bad_sparse_input_errors():
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = \[5, 0\] is out of bounds"):
            sess.run(tf.sparse_tensor_to_dense(tf.SparseTensor([[0, 0], [5, 0]], [1.0, 2.0], [3, 3])))
        with pytest.raises(tf.errors.InvalidArgumentError, match="lexicographic order"):
            sess.run(tf.sparse_tensor_to_dense(tf.SparseTensor([[1, 0], [0, 0]], [1.0, 2.0], [3, 3])))
        # validate_indices=False accepts any order, as TF1
        np.testing.assert_array_equal(sess.run(tf.sparse_tensor_to_dense(
            tf.SparseTensor([[1, 0], [0, 0]], [1.0, 2.0], [2, 1]), validate_indices=False)), [[2.0], [1.0]])
        with pytest.raises(tf.errors.InvalidArgumentError, match="inner dimension"):
            b = tf.placeholder(tf.float32)
            sess.run(tf.sparse_tensor_dense_matmul(tf.SparseTensor([[0, 0]], [1.0], [2, 3]), b),
                     {b: np.ones((2, 2), np.float32)})
    with pytest.raises(TypeError, match="SparseTensor"):
        tf.sparse_reduce_sum(tf.constant([1.0]))
    with pytest.raises(ValueError, match="matrix"):
        tf.sparse_tensor_dense_matmul(tf.SparseTensor([[0, 0]], [1.0], [2, 3]), tf.ones([3]))


def test_convert_to_tensor_or_sparse_tensor_and_sparse_matmul_alias():
    value = tf.SparseTensorValue([[0]], [1.0], [2])
    assert isinstance(tf.convert_to_tensor_or_sparse_tensor(value), tf.SparseTensor)
    assert isinstance(tf.convert_to_tensor_or_sparse_tensor([1.0]), tf.Tensor)
    with pytest.raises(TypeError, match="Sparse dtype"):
        tf.convert_to_tensor_or_sparse_tensor(value, dtype=tf.int32)
    a, b = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(tf.sparse_matmul(a, b, a_is_sparse=True)), a @ b)


def test_more_tf_sparse_ops_match_tensorflow():
    """Expected values are what TensorFlow 2.21's compat.v1 ops returned for these inputs."""
    sp = tf.SparseTensor([[0, 1], [2, 0], [2, 3]], [1.0, 2.0, 3.0], [4, 5])
    sp2 = tf.SparseTensor([[0, 1], [1, 1], [2, 3]], [-1.0, 5.0, 4.0], [4, 5])
    ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([3, 1, 2], tf.int64), [2, 2])
    vals = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [0.5, 0.25, 0.75], [2, 2])
    data = tf.constant([[1.0, 2], [3, 4], [5, 6]])
    with tf.Session() as sess:
        out = sess.run({
            "slice": tf.sparse.slice(sp, [1, 0], [2, 2]),
            "fill": tf.sparse.fill_empty_rows(sp, -1.0),
            "max": tf.sparse.maximum(sp, sp2), "min": tf.sparse.minimum(sp, sp2),
            "reset": tf.sparse.reset_shape(sp), "reset2": tf.sparse.reset_shape(sp, [5, 6]),
            "ind": tf.sparse.to_indicator(ids, 4), "merge": tf.sparse.merge(ids, vals, 4),
            "seg_sum": tf.sparse.segment_sum(data, [0, 2, 1], [0, 0, 2]),
            "seg_mean": tf.sparse.segment_mean(data, [0, 2, 1], [0, 0, 2]),
            "seg_sqrt": tf.sparse.segment_sqrt_n(data, [0, 2, 1], [0, 0, 2]),
            "seg_sum_n": tf.sparse.segment_sum(data, [0, 2], [0, 0], num_segments=3),
        })

    def check(value, indices, values, shape):
        assert value.indices.tolist() == indices and value.dense_shape.tolist() == shape
        np.testing.assert_allclose(value.values, values)

    check(out["slice"], [[1, 0]], [2.0], [2, 2])
    filled, empty = out["fill"]
    check(filled, [[0, 1], [1, 0], [2, 0], [2, 3], [3, 0]], [1.0, -1.0, 2.0, 3.0, -1.0], [4, 5])
    assert empty.tolist() == [False, True, False, True]
    check(out["max"], [[0, 1], [1, 1], [2, 0], [2, 3]], [1.0, 5.0, 2.0, 4.0], [4, 5])
    check(out["min"], [[0, 1], [1, 1], [2, 0], [2, 3]], [-1.0, 0.0, 0.0, 3.0], [4, 5])
    check(out["reset"], [[0, 1], [2, 0], [2, 3]], [1.0, 2.0, 3.0], [3, 4])
    check(out["reset2"], [[0, 1], [2, 0], [2, 3]], [1.0, 2.0, 3.0], [5, 6])
    assert out["ind"].tolist() == [[False, True, False, True], [False, False, True, False]]
    check(out["merge"], [[0, 1], [0, 3], [1, 2]], [0.25, 0.5, 0.75], [2, 4])
    np.testing.assert_allclose(out["seg_sum"], [[6, 8], [0, 0], [3, 4]])
    np.testing.assert_allclose(out["seg_mean"], [[3, 4], [0, 0], [3, 4]])
    np.testing.assert_allclose(out["seg_sqrt"], [[6 / np.sqrt(2), 8 / np.sqrt(2)], [0, 0], [3, 4]], rtol=1e-6)
    np.testing.assert_allclose(out["seg_sum_n"], [[6, 8], [0, 0], [0, 0]])


def test_gradients_flow_through_the_composed_sparse_ops():
    values = tf.constant([1.0, 2.0, 3.0])
    sp = tf.SparseTensor([[0, 1], [2, 0], [2, 3]], values, [4, 5])
    data = tf.constant([[1.0, 2], [3, 4], [5, 6]])
    loss = (tf.reduce_sum(tf.sparse.slice(sp, [1, 0], [2, 2]).values * 10.0)
            + tf.reduce_sum(tf.sparse.fill_empty_rows(sp, 0.0)[0].values)
            + tf.reduce_sum(tf.sparse.segment_mean(data, [0, 2], [0, 0])))
    g_values, g_data = tf.gradients(loss, [values, data])
    assert isinstance(g_data, tf.IndexedSlices)  # rows gathered by the segment op, as in TF1
    with tf.Session() as sess:
        gv, gd = sess.run([g_values, tf.convert_to_tensor(g_data)])
    assert gv.tolist() == [1.0, 11.0, 1.0]  # the sliced entry counts 10 more times
    assert gd.tolist() == [[0.5, 0.5], [0, 0], [0.5, 0.5]]
