"""embedding_lookup (sharded, max_norm), the candidate samplers, compute_accidental_hits,
and nce_loss / sampled_softmax_loss against NumPy with fixed sampled values."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
E = np.arange(20, dtype=np.float64).reshape(10, 2) / 7 - 1  # a 10-word embedding
IDS = np.array([[9, 0, 4], [4, 7, 3]])
SHARDS = {"mod": [E[0::3], E[1::3], E[2::3]],          # id i in shard i % 3, row i // 3
          "div": [E[0:4], E[4:7], E[7:10]]}            # contiguous, the first one longer


def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


# --- embedding_lookup ------------------------------------------------------------------------
@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_sharded_lookup_and_its_gradient(strategy, backend, device):
    with backend_context(backend), tf.device(device):
        shards = [tf.Variable(s, name=f"shard_{i}") for i, s in enumerate(SHARDS[strategy])]
        rows = tf.nn.embedding_lookup(shards, IDS, partition_strategy=strategy)
        assert rows.shape.as_list() == [2, 3, 2]
        weights = np.arange(12.0).reshape(2, 3, 2)
        train = tf.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(rows * weights))
        grads = tf.gradients(tf.reduce_sum(rows * weights), shards)
        assert all(isinstance(g, tf.IndexedSlices) for g in grads)
        got = _run(rows)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            after = np.concatenate(sess.run(shards))
    np.testing.assert_allclose(got, E[IDS])
    dense = E.copy()
    np.subtract.at(dense, IDS.ravel(), 0.5 * weights.reshape(-1, 2))
    order = np.concatenate([np.arange(10)[0::3], np.arange(10)[1::3], np.arange(10)[2::3]]) \
        if strategy == "mod" else np.arange(10)
    np.testing.assert_allclose(after, dense[order])


def test_single_lookup_names_and_max_norm():
    params = tf.constant(E * 3)
    rows = tf.nn.embedding_lookup(params, IDS)
    clipped = tf.nn.embedding_lookup(params, IDS, max_norm=1.5)
    assert rows.op.name == "embedding_lookup/Identity"
    assert tf.get_default_graph().get_operation_by_name("embedding_lookup").type == "GatherV2"
    got_rows, got_clipped = _run([rows, clipped])
    np.testing.assert_allclose(got_rows, 3 * E[IDS])
    norms = np.linalg.norm(3 * E[IDS], axis=-1, keepdims=True)
    np.testing.assert_allclose(got_clipped, 3 * E[IDS] * np.minimum(1, 1.5 / norms))


def test_lookup_errors():
    with pytest.raises(ValueError, match="Need at least one param"):
        tf.nn.embedding_lookup([], [0])
    with pytest.raises(ValueError, match="Unrecognized partition strategy: rows"):
        tf.nn.embedding_lookup([tf.constant(E), tf.constant(E)], [0], partition_strategy="rows")
    with pytest.raises(TypeError, match="ids must be int32 or int64"):
        tf.nn.embedding_lookup(tf.constant(E), [0.5])
    bad = tf.nn.embedding_lookup(tf.constant(E), [3, 10])
    with pytest.raises(tf.errors.InvalidArgumentError, match="indices contains 10"):
        _run(bad)


# --- candidate samplers -----------------------------------------------------------------------
def log_uniform_p(k, n):
    return (np.log(k + 2.0) - np.log(k + 1.0)) / np.log(n + 1.0)


TRUE = np.array([[0, 3], [7, 99]], np.int64)


def test_log_uniform_sampler_counts_and_frequencies():
    sampled, true_count, sampled_count = tf.nn.log_uniform_candidate_sampler(
        TRUE, num_true=2, num_sampled=20000, unique=False, range_max=100, seed=5)
    s, t, c = _run([sampled, true_count, sampled_count])
    assert s.dtype == np.int64 and s.min() >= 0 and s.max() < 100
    np.testing.assert_allclose(t, log_uniform_p(TRUE, 100) * 20000, rtol=1e-6)
    np.testing.assert_allclose(c, log_uniform_p(s, 100) * 20000, rtol=1e-6)
    frequency = np.bincount(s, minlength=100) / 20000
    np.testing.assert_allclose(frequency[:5], log_uniform_p(np.arange(5), 100), atol=0.01)


def test_unique_samples_use_the_probability_of_being_drawn_in_num_tries():
    sampled, true_count, sampled_count = tf.nn.log_uniform_candidate_sampler(
        TRUE, num_true=2, num_sampled=30, unique=True, range_max=40, seed=1)
    s, t, c = _run([sampled, true_count, sampled_count])
    assert len(set(s.tolist())) == 30
    p = log_uniform_p(s, 40)
    tries = np.log1p(-c[0]) / np.log1p(-p[0])    # the one num_tries behind every count
    assert tries > 30 and abs(tries - round(tries)) < 1e-3
    np.testing.assert_allclose(c, -np.expm1(round(tries) * np.log1p(-p)), rtol=1e-5)
    np.testing.assert_allclose(t, -np.expm1(round(tries) * np.log1p(-log_uniform_p(TRUE, 40))),
                               rtol=1e-5)


def test_uniform_and_fixed_unigram_samplers():
    s, _, c = _run(tf.nn.uniform_candidate_sampler(TRUE, 2, 8, unique=False, range_max=100))
    np.testing.assert_allclose(c, np.full(8, 8 / 100), rtol=1e-6)
    unigrams = [5.0, 1.0, 4.0, 0.0, 9.0]
    s, t, c = _run(tf.nn.fixed_unigram_candidate_sampler(
        np.array([[2], [6]], np.int64), 1, 5000, unique=False, range_max=7, distortion=0.5,
        num_reserved_ids=2, unigrams=unigrams, seed=3))
    weights = np.concatenate([[0, 0], np.sqrt(unigrams)])
    p = weights / weights.sum()
    assert not np.isin(s, [0, 1, 5]).any()  # reserved ids and a zero count: never drawn
    np.testing.assert_allclose(t.ravel(), p[[2, 6]] * 5000, rtol=1e-6)
    np.testing.assert_allclose(np.bincount(s, minlength=7) / 5000, p, atol=0.03)


def test_samplers_repeat_with_a_seed_and_check_their_arguments():
    def draw():
        with tf.Graph().as_default():
            tf.set_random_seed(4)
            out = tf.nn.log_uniform_candidate_sampler(TRUE, 2, 10, True, 1000)[0]
            return _run(out)
    np.testing.assert_array_equal(draw(), draw())
    with pytest.raises(TypeError, match="not in list of allowed values: int64"):
        tf.nn.log_uniform_candidate_sampler(TRUE.astype(np.int32), 2, 10, True, 1000)
    with pytest.raises(ValueError, match="range_max >= num_sampled"):
        tf.nn.uniform_candidate_sampler(TRUE, 2, 10, True, 5)
    with pytest.raises(ValueError, match="2 columns, num_true is 1"):
        tf.nn.uniform_candidate_sampler(TRUE, 1, 3, True, 5)


def accidental_hits(true, sampled):
    """TF1's kernel: for each true class found in sampled, its last position there."""
    last = {c: j for j, c in enumerate(sampled)}
    hits = [(i, last[c]) for i, row in enumerate(true) for c in row if c in last]
    return [h[0] for h in hits], [h[1] for h in hits]


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_compute_accidental_hits(backend, device):
    rng = np.random.default_rng(0)
    true = rng.integers(0, 6, size=(5, 2)).astype(np.int64)
    sampled = rng.integers(0, 6, size=7).astype(np.int64)  # with repeats
    with backend_context(backend), tf.device(device):
        got = _run(tf.nn.compute_accidental_hits(true, sampled, num_true=2))
    rows, positions = accidental_hits(true.tolist(), sampled.tolist())
    np.testing.assert_array_equal(got[0], rows)
    np.testing.assert_array_equal(got[1], positions)
    np.testing.assert_array_equal(got[2], np.full(len(rows), -np.finfo(np.float32).max, np.float32))


# --- sampled losses ---------------------------------------------------------------------------
def sampled_logits(w, b, labels, x, sampled, true_count, sampled_count, remove_hits):
    """TF1's _compute_sampled_logits in NumPy: (logits, labels). The expected counts are
    float32; they are taken in the inputs' dtype (float64 here) before the log."""
    true_count, sampled_count = true_count.astype(x.dtype), sampled_count.astype(x.dtype)
    num_true = labels.shape[1]
    true_logits = (x[:, None, :] * w[labels]).sum(-1) + b[labels] - np.log(true_count)
    logits = x @ w[sampled].T + b[sampled]
    if remove_hits:
        for i, j in zip(*accidental_hits(labels.tolist(), sampled.tolist())):
            logits[i, j] += -np.finfo(np.float32).max
    logits = logits - np.log(sampled_count)
    targets = np.concatenate([np.full(true_logits.shape, 1 / num_true),
                              np.zeros(logits.shape)], 1)
    return np.concatenate([true_logits, logits], 1), targets


def nce(logits, targets):
    return (np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))).sum(1)


def sampled_softmax(logits, targets):
    shifted = logits - logits.max(1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -(targets * log_softmax).sum(1)


R = np.random.default_rng(7)
W = R.normal(size=(12, 3))
B = R.normal(size=12)
X = R.normal(size=(4, 3))
LABELS = np.array([[1, 5], [2, 2], [11, 0], [3, 7]], np.int64)
SAMPLED = np.array([5, 9, 2, 0, 9], np.int64)  # 5, 2, 0: accidental hits; 9 twice
TRUE_COUNT = R.uniform(0.1, 1.0, size=(4, 2)).astype(np.float32)
SAMPLED_COUNT = R.uniform(0.1, 1.0, size=5).astype(np.float32)
LOSSES = {"nce": (tf.nn.nce_loss, nce, False), "softmax": (tf.nn.sampled_softmax_loss,
                                                           sampled_softmax, True)}


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("remove_hits", [False, True])
def test_sampled_losses_match_numpy(loss_name, remove_hits, backend, device):
    fn, reference, _ = LOSSES[loss_name]
    with backend_context(backend), tf.device(device):
        shards = [tf.Variable(W[0::2]), tf.Variable(W[1::2])]  # "mod" shards of 12 classes
        x = tf.placeholder(tf.float64, [4, 3])
        loss = fn(shards, tf.constant(B), LABELS, x, num_sampled=5, num_classes=12, num_true=2,
                  sampled_values=(SAMPLED, TRUE_COUNT, SAMPLED_COUNT),
                  remove_accidental_hits=remove_hits)
        d_x = tf.gradients(tf.reduce_sum(loss), x)[0]
        d_w = tf.gradients(tf.reduce_sum(loss), shards)
        assert all(isinstance(g, tf.IndexedSlices) for g in d_w)
        got, got_dx = _run([loss, d_x], {x: X})
    logits, targets = sampled_logits(W, B, LABELS, X, SAMPLED, TRUE_COUNT, SAMPLED_COUNT, remove_hits)
    np.testing.assert_allclose(got, reference(logits, targets), rtol=1e-10)

    def numpy_loss(x):
        return reference(*sampled_logits(W, B, LABELS, x, SAMPLED, TRUE_COUNT, SAMPLED_COUNT,
                                         remove_hits)).sum()
    numeric = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        up, down = X.copy(), X.copy()
        up[idx] += 1e-6
        down[idx] -= 1e-6
        numeric[idx] = (numpy_loss(up) - numpy_loss(down)) / 2e-6
    np.testing.assert_allclose(got_dx, numeric, rtol=1e-5, atol=1e-7)


def test_nce_trains_word_vectors():
    """A tiny skip-gram: each word predicts its neighbour; NCE with sparse SGD lowers the
    full softmax loss of the pairs it was trained on."""
    vocab, dim = 20, 8
    centers = np.arange(vocab)
    contexts = ((centers + 1) % vocab).reshape(-1, 1).astype(np.int64)
    tf.set_random_seed(0)
    emb = tf.Variable(tf.random_uniform([vocab, dim], -1.0, 1.0))
    nce_w = tf.Variable(tf.truncated_normal([vocab, dim], stddev=0.3))
    nce_b = tf.Variable(tf.zeros([vocab]))
    embedded = tf.nn.embedding_lookup(emb, centers)
    loss = tf.reduce_mean(tf.nn.nce_loss(nce_w, nce_b, contexts, embedded, num_sampled=5,
                                         num_classes=vocab))
    full = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=contexts[:, 0], logits=tf.matmul(embedded, nce_w, transpose_b=True) + nce_b))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(full)
        for _ in range(200):
            sess.run(train)
        after = sess.run(full)
    assert after < 0.5 * before


def test_accidental_hits_stay_finite_in_float32_with_repeated_labels():
    """A row whose two true classes are one sampled class gets -FLT_MAX once, not twice
    (twice would overflow float32 to -inf and turn the loss into NaN)."""
    loss = tf.nn.sampled_softmax_loss(
        tf.constant(W, tf.float32), tf.constant(B, tf.float32), LABELS,
        tf.constant(X, tf.float32), num_sampled=5, num_classes=12, num_true=2,
        sampled_values=(SAMPLED, TRUE_COUNT, SAMPLED_COUNT))
    got = _run(loss)
    assert np.isfinite(got).all()
    logits, targets = sampled_logits(W, B, LABELS, X, SAMPLED, TRUE_COUNT, SAMPLED_COUNT, True)
    np.testing.assert_allclose(got, sampled_softmax(logits, targets), rtol=1e-5)
