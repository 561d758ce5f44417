"""Sparse gradients (tf.IndexedSlices) and the optimizers' sparse row updates, against
NumPy versions of TF1's ``_apply_sparse`` formulas."""
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
W0 = np.arange(12, dtype=np.float64).reshape(6, 2) / 10 - 0.5
# (ids looked up, gradient of each looked-up row) per step; ids repeat within a step
STEPS = [(np.array([1, 4, 1]), np.array([[1.0, -2.0], [0.5, 0.5], [3.0, 1.0]])),
         (np.array([4, 0]), np.array([[-1.0, 2.0], [0.25, -0.75]])),
         (np.array([1, 1, 5]), np.array([[0.1, 0.2], [0.3, 0.4], [-2.0, 1.5]]))]


def summed_rows(ids, grads):
    """TF1's _deduplicate_indexed_slices: the distinct ids and their summed rows."""
    unique = np.unique(ids)
    return unique, np.stack([grads[ids == i].sum(0) for i in unique])


# --- NumPy versions of TF1's sparse updates: (w, slots, ids, rows, step t) -> w -----------
def sgd(w, s, ids, g, t):
    np.subtract.at(w, ids, 0.1 * g)  # scatter_sub: repeats add up
    return w


def momentum(w, s, ids, g, t, nesterov=False):
    i, g = summed_rows(ids, g)
    a = s.setdefault("a", np.zeros_like(w))
    a[i] = a[i] * 0.9 + g
    w[i] -= 0.1 * (g + 0.9 * a[i]) if nesterov else 0.1 * a[i]
    return w


def adagrad(w, s, ids, g, t):
    i, g = summed_rows(ids, g)
    a = s.setdefault("a", np.full_like(w, 0.1))
    a[i] += g * g
    w[i] -= 0.1 * g / np.sqrt(a[i])
    return w


def adadelta(w, s, ids, g, t, rho=0.95, eps=1e-8):
    i, g = summed_rows(ids, g)
    a, u = s.setdefault("a", np.zeros_like(w)), s.setdefault("u", np.zeros_like(w))
    a[i] = rho * a[i] + (1 - rho) * g * g
    update = np.sqrt(u[i] + eps) / np.sqrt(a[i] + eps) * g
    u[i] = rho * u[i] + (1 - rho) * update * update
    w[i] -= 1.0 * update
    return w


def rmsprop(w, s, ids, g, t, centered=False):
    i, g = summed_rows(ids, g)
    ms, mom = s.setdefault("ms", np.ones_like(w)), s.setdefault("mom", np.zeros_like(w))
    ms[i] = 0.9 * ms[i] + 0.1 * g * g
    denom = ms[i]
    if centered:
        mg = s.setdefault("mg", np.zeros_like(w))
        mg[i] = 0.9 * mg[i] + 0.1 * g
        denom = denom - mg[i] ** 2
    mom[i] = 0.5 * mom[i] + 0.01 * g / np.sqrt(denom + 1e-10)
    w[i] -= mom[i]
    return w


def ftrl(w, s, ids, g, t, l1=0.05, l2=0.1, lr=0.5):
    i, g = summed_rows(ids, g)
    acc, lin = s.setdefault("acc", np.full_like(w, 0.1)), s.setdefault("lin", np.zeros_like(w))
    new_acc = acc[i] + g * g
    lin[i] += g - (np.sqrt(new_acc) - np.sqrt(acc[i])) / lr * w[i]
    quad = np.sqrt(new_acc) / lr + 2 * l2
    w[i] = np.where(np.abs(lin[i]) > l1, (np.sign(lin[i]) * l1 - lin[i]) / quad, 0.0)
    acc[i] = new_acc
    return w


def adam(w, s, ids, g, t, lazy=False, b1=0.9, b2=0.999, eps=1e-8):
    i, g = summed_rows(ids, g)
    m, v = s.setdefault("m", np.zeros_like(w)), s.setdefault("v", np.zeros_like(w))
    lr = 0.1 * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    if lazy:  # LazyAdam: only the rows with a gradient
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        w[i] -= lr * m[i] / (np.sqrt(v[i]) + eps)
        return w
    m *= b1  # TF1's AdamOptimizer._apply_sparse: every row of m and v decays
    m[i] += (1 - b1) * g
    v *= b2
    v[i] += (1 - b2) * g * g
    return w - lr * m / (np.sqrt(v) + eps)


OPTIMIZERS = {
    "sgd": (lambda: tf.train.GradientDescentOptimizer(0.1), sgd),
    "momentum": (lambda: tf.train.MomentumOptimizer(0.1, 0.9), momentum),
    "nesterov": (lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
                 lambda *a: momentum(*a, nesterov=True)),
    "adagrad": (lambda: tf.train.AdagradOptimizer(0.1), adagrad),
    "adadelta": (lambda: tf.train.AdadeltaOptimizer(1.0), adadelta),
    "rmsprop": (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5), rmsprop),
    "centered_rmsprop": (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
                         lambda *a: rmsprop(*a, centered=True)),
    "ftrl": (lambda: tf.train.FtrlOptimizer(0.5, l1_regularization_strength=0.05,
                                            l2_regularization_strength=0.1), ftrl),
    "adam": (lambda: tf.train.AdamOptimizer(0.1), adam),
    "lazy_adam": (lambda: tf.contrib.opt.LazyAdamOptimizer(0.1), lambda *a: adam(*a, lazy=True)),
}


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_sparse_updates_match_tf1s_formulas(name, backend, device):
    make, reference = OPTIMIZERS[name]
    with backend_context(backend), tf.device(device):
        emb = tf.Variable(W0, name="emb")
        ids = tf.placeholder(tf.int32, [None])
        rows = tf.placeholder(tf.float64, [None, 2])
        loss = tf.reduce_sum(tf.nn.embedding_lookup(emb, ids) * rows)
        opt = make()
        grads_and_vars = opt.compute_gradients(loss)
        assert isinstance(grads_and_vars[0][0], tf.IndexedSlices)
        train = opt.apply_gradients(grads_and_vars)
        built = {op.type for op in tf.get_default_graph().get_operations()}
        assert not built & {"UnsortedSegmentSum", "ScatterAddLike", "AddN"}, "a dense gradient"
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            w, slots = W0.copy(), {}
            for t, (i, g) in enumerate(STEPS, start=1):
                sess.run(train, {ids: i, rows: g})
                w = reference(w, slots, i, g, t)
                np.testing.assert_allclose(sess.run(emb), w, rtol=1e-12, atol=1e-14,
                                           err_msg=f"{name} step {t}")


def test_rows_without_gradient_stay_untouched_except_under_adam():
    emb = tf.Variable(W0)
    loss = tf.reduce_sum(tf.gather(emb, [2, 3]))
    momentum = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(momentum)
        sess.run(momentum)
        w = sess.run(emb)
    np.testing.assert_array_equal(np.delete(w, [2, 3], 0), np.delete(W0, [2, 3], 0))
    assert (w[[2, 3]] != W0[[2, 3]]).all()


def test_a_custom_optimizer_gets_distinct_indices_in_apply_sparse():
    seen = {}

    class PlainSparse(tf.train.Optimizer):
        def __init__(self):
            super().__init__(False, "PlainSparse")

        def _apply_sparse(self, grad, var):
            seen["indices"], seen["values"] = grad.indices, grad.values
            return tf.scatter_sub(var, grad.indices, grad.values * 0.5).op

    emb = tf.Variable(W0)
    i, g = STEPS[0]
    train = PlainSparse().minimize(tf.reduce_sum(tf.gather(emb, i) * tf.constant(g)))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, got_ids, got_rows = sess.run([train, seen["indices"], seen["values"]])
        w = sess.run(emb)
    unique, summed = summed_rows(i, g)
    np.testing.assert_array_equal(got_ids, [1, 4])  # first-occurrence order, as tf.unique
    np.testing.assert_allclose(got_rows[np.argsort(got_ids)], summed)
    want = W0.copy()
    want[unique] -= 0.5 * summed
    np.testing.assert_allclose(w, want)


# --- IndexedSlices ---------------------------------------------------------------------------
def test_gather_gradient_is_indexed_slices_and_fetches_as_a_value():
    params = tf.constant(W0)
    g = tf.gradients(tf.reduce_sum(tf.gather(params, [[3, 1], [3, 0]]) * 2.0), params)[0]
    assert isinstance(g, tf.IndexedSlices) and g.dtype == tf.float64
    with tf.Session() as sess:
        value, dense = sess.run([g, tf.convert_to_tensor(g)])
    assert isinstance(value, tf.IndexedSlicesValue)
    np.testing.assert_array_equal(value.indices, [3, 1, 3, 0])
    np.testing.assert_array_equal(value.values, np.full((4, 2), 2.0))
    np.testing.assert_array_equal(value.dense_shape, [6, 2])
    want = np.zeros((6, 2))
    np.add.at(want, [3, 1, 3, 0], 2.0)
    np.testing.assert_array_equal(dense, want)


def test_gradients_of_several_lookups_add_up():
    emb = tf.Variable(W0)
    a, b = tf.gather(emb, [0, 2]), tf.gather(emb, [2, 5])
    sparse = tf.gradients(tf.reduce_sum(a) + 3 * tf.reduce_sum(b), emb)[0]
    mixed = tf.gradients(tf.reduce_sum(a) + tf.reduce_sum(emb * emb), emb)[0]
    assert isinstance(sparse, tf.IndexedSlices) and isinstance(mixed, tf.Tensor)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        s, m = sess.run([sparse, mixed])
    pairs = sorted(zip(s.indices.tolist(), s.values[:, 0].tolist()))  # rows concatenated
    assert pairs == [(0, 1.0), (2, 1.0), (2, 3.0), (5, 3.0)] and s.values.shape == (4, 2)
    want = 2 * W0
    want[[0, 2]] += 1
    np.testing.assert_allclose(m, want)


def test_converting_indexed_slices_warns_when_the_dense_tensor_may_be_huge():
    values = tf.constant(np.ones((2, 3)))
    indices = tf.constant([0, 4])
    unknown = tf.IndexedSlices(values, indices, tf.placeholder(tf.int32, [2]))
    with pytest.warns(UserWarning, match="dense Tensor of unknown shape"):
        tf.convert_to_tensor(unknown)
    huge = tf.IndexedSlices(values, indices, tf.constant([100000000, 3]))
    with pytest.warns(UserWarning, match="with 300000000 elements"):
        tf.convert_to_tensor(huge)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = tf.convert_to_tensor(tf.IndexedSlices(values, indices, tf.constant([5, 3])))
    with pytest.raises(ValueError, match="without dense_shape"):
        tf.convert_to_tensor(tf.IndexedSlices(values, indices))
    with tf.Session() as sess:
        assert sess.run(tf.IndexedSlices(values, indices)).dense_shape is None
        np.testing.assert_array_equal(sess.run(small)[[0, 4]], np.ones((2, 3)))


def test_clip_by_global_norm_keeps_indexed_slices_sparse():
    emb = tf.Variable(W0)
    w = tf.Variable([3.0, 4.0], dtype=tf.float64)
    loss = tf.reduce_sum(tf.gather(emb, [1, 1]) * 6.0) + tf.reduce_sum(w * w)
    grads = tf.gradients(loss, [emb, w])
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    assert isinstance(clipped[0], tf.IndexedSlices)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        c, n = sess.run([clipped, norm])
    want_norm = np.sqrt(4 * 36.0 + 36 + 64)  # TF1: the norm of the rows as they are
    np.testing.assert_allclose(n, want_norm)
    np.testing.assert_allclose(c[0].values, np.full((2, 2), 6.0) / want_norm)
    np.testing.assert_allclose(c[1], np.array([6.0, 8.0]) / want_norm)


# --- scatter updates ---------------------------------------------------------------------------
@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_scatter_updates(backend, device):
    with backend_context(backend), tf.device(device):
        v = tf.Variable(W0)
        add = tf.scatter_add(v, [1, 1, 3], np.ones((3, 2)))
        sub = tf.scatter_sub(v, [[0], [5]], np.full((2, 1, 2), 2.0))
        upd = tf.scatter_update(v, [2], [[7.0, 8.0]])
        with tf.Session() as sess:
            sess.run(v.initializer)
            got_add = sess.run(add)
            got_sub = sess.run(sub)
            got_upd = sess.run(upd)
    want = W0.copy()
    want[1] += 2
    want[3] += 1
    np.testing.assert_allclose(got_add, want)
    want[[0, 5]] -= 2
    np.testing.assert_allclose(got_sub, want)
    want[2] = [7, 8]
    np.testing.assert_allclose(got_upd, want)


def test_scatter_errors():
    v = tf.Variable(W0)
    with pytest.raises(ValueError, match=r"updates of shape \(3, 2\) do not match indices of shape \(2,\)"):
        tf.scatter_add(v, [1, 2], np.ones((3, 2)))
    with pytest.raises(ValueError, match="requested dtype float64 for Tensor with dtype float32"):
        tf.scatter_add(v, [1], tf.ones([1, 2], tf.float32))
    bad = tf.scatter_add(v, [1, 6], np.ones((2, 2)))
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 6 is not in \[0, 6\)"):
            sess.run(bad)
