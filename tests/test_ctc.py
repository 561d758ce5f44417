"""CTC: the loss (and its gradient), the greedy and beam search decoders,
collapse_repeated and ctc_unique_labels, against brute force over every alignment of
small problems and TF1's documented examples."""
import itertools

import numpy as np
import pytest

import tensorflux as tf

R = np.random.default_rng(8)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def labeling(path, blank, merge=True):
    """The labels an alignment stands for: repeats merged (with merge), blanks removed."""
    out, previous = [], None
    for k in path:
        if k != blank and not (merge and k == previous):
            out.append(k)
        previous = k
    return tuple(out)


def brute_force(logits, blank, merge=True):
    """{labeling: its probability}, summed over all alignments of one sequence."""
    y = softmax(logits.astype(np.float64))
    probs = {}
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        p = np.prod(y[np.arange(len(path)), path])
        key = labeling(path, blank, merge)
        probs[key] = probs.get(key, 0.0) + p
    return probs


T, B, C = 5, 3, 4
LOGITS = (R.normal(size=(T, B, C)) * 1.5).astype(np.float32)
LENGTHS = np.array([5, 3, 4], np.int32)
LABELS = [[1, 1], [2], [0, 2, 0]]


def sparse_labels(rows=LABELS):
    indices = [[b, j] for b, row in enumerate(rows) for j in range(len(row))]
    values = [v for row in rows for v in row]
    return tf.SparseTensor(indices, tf.constant(values, tf.int32), [len(rows), max(map(len, rows))])


@pytest.mark.parametrize("merge", [True, False])
def test_loss_is_the_negative_log_of_the_alignments_probability(merge):
    loss = tf.nn.ctc_loss(sparse_labels(), LOGITS, LENGTHS, ctc_merge_repeated=merge)
    with tf.Session() as sess:
        got = sess.run(loss)
    for b in range(B):
        probs = brute_force(LOGITS[:LENGTHS[b], b], C - 1, merge)
        np.testing.assert_allclose(got[b], -np.log(probs[tuple(LABELS[b])]), rtol=1e-5)


def test_loss_gradient_and_options():
    x = tf.constant(LOGITS)
    weights = tf.constant([1.0, 2.0, 0.5])
    loss = tf.nn.ctc_loss(sparse_labels(), x, LENGTHS)
    grad = tf.gradients(tf.reduce_sum(loss * weights), x)[0]
    batch_major = tf.nn.ctc_loss(sparse_labels(), tf.transpose(x, [1, 0, 2]), LENGTHS, time_major=False)
    collapsed = tf.nn.ctc_loss(sparse_labels(), x, LENGTHS, preprocess_collapse_repeated=True)
    with tf.Session() as sess:
        g, l, bm, col = sess.run([grad, loss, batch_major, collapsed])
        analytic, numeric = tf.test.compute_gradient(x, LOGITS.shape, loss, (B,), x_init_value=LOGITS, delta=1e-2)
    np.testing.assert_allclose(bm, l)
    assert np.all(g[LENGTHS[1]:, 1] == 0)             # no gradient past a sequence's end
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=2e-3)
    probs = brute_force(LOGITS[:5, 0], C - 1)
    np.testing.assert_allclose(col[0], -np.log(probs[(1,)]), rtol=1e-5)   # [1, 1] became [1]


def test_loss_errors_and_ignoring_sequences_too_short():
    short = sparse_labels([[1, 1, 1], [2], [0]])  # [1, 1, 1] needs 5 steps with merging
    x = tf.constant(LOGITS[:4])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Not enough time"):
            sess.run(tf.nn.ctc_loss(short, x, [4, 3, 4]))
        np.testing.assert_array_equal(sess.run(tf.nn.ctc_loss(short, x, [4, 3, 4],
                                                              ignore_longer_outputs_than_inputs=True))[0], 0)
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_classes - 1"):
            sess.run(tf.nn.ctc_loss(sparse_labels([[3], [2], [0]]), x, [4, 3, 4]))
        with pytest.raises(tf.errors.InvalidArgumentError, match="sequence_length"):
            sess.run(tf.nn.ctc_loss(sparse_labels(), x, [9, 3, 4]))
    with pytest.raises(TypeError, match="SparseTensor"):
        tf.nn.ctc_loss([[1]], x, [4, 3, 4])


def test_loss_v2_moves_the_blank_and_takes_dense_labels():
    dense = np.array([[2, 2, 0], [3, 0, 0], [1, 3, 1]], np.int32)   # blank 0: labels 1..3
    loss = tf.nn.ctc_loss_v2(dense, LOGITS, [2, 1, 3], LENGTHS)
    sparse = tf.nn.ctc_loss_v2(sparse_labels(), LOGITS, None, LENGTHS, blank_index=-1)
    with tf.Session() as sess:
        got, got_sparse = sess.run([loss, sparse])
    for b, row in enumerate([[2, 2], [3], [1, 3, 1]]):
        probs = brute_force(LOGITS[:LENGTHS[b], b], 0)
        np.testing.assert_allclose(got[b], -np.log(probs[tuple(row)]), rtol=1e-5)
        probs = brute_force(LOGITS[:LENGTHS[b], b], C - 1)
        np.testing.assert_allclose(got_sparse[b], -np.log(probs[tuple(LABELS[b])]), rtol=1e-5)


def test_greedy_decoder():
    decoded, neg_sum = tf.nn.ctc_greedy_decoder(LOGITS, LENGTHS)
    plain, _ = tf.nn.ctc_greedy_decoder(LOGITS, LENGTHS, merge_repeated=False, blank_index=0)
    with tf.Session() as sess:
        d, s, p = sess.run([decoded[0], neg_sum, plain[0]])
    for b in range(B):
        best = LOGITS[:LENGTHS[b], b].argmax(1)
        assert list(d.values[d.indices[:, 0] == b]) == list(labeling(best, C - 1))
        assert list(p.values[p.indices[:, 0] == b]) == list(labeling(best, 0, merge=False))
        np.testing.assert_allclose(s[b, 0], -LOGITS[:LENGTHS[b], b].max(1).sum(), rtol=1e-6)


@pytest.mark.parametrize("decoder, merge", [(tf.nn.ctc_beam_search_decoder, True),
                                            (tf.nn.ctc_beam_search_decoder_v2, False)])
def test_a_wide_beam_finds_the_most_probable_labelings(decoder, merge):
    decoded, log_probs = decoder(LOGITS, LENGTHS, beam_width=100, top_paths=2)
    with tf.Session() as sess:
        paths, scores = sess.run([decoded, log_probs])
    for b in range(B):
        probs = brute_force(LOGITS[:LENGTHS[b], b], C - 1)
        best = sorted(probs.items(), key=lambda kv: -kv[1])[:2]
        for i, (labels, p) in enumerate(best):
            got = list(paths[i].values[paths[i].indices[:, 0] == b])
            # merge_repeated (TF1's default) merges repeats of the labeling once more
            want = list(labeling(labels, None, merge=True)) if merge else list(labels)
            assert got == want, (b, i)
            np.testing.assert_allclose(scores[b, i], np.log(p), rtol=1e-5)


def test_collapse_repeated_and_unique_labels_as_documented():
    a, b, c, d, e = 1, 2, 3, 4, 5
    collapsed, lengths = tf.nn.collapse_repeated([[a, a, b, b, a], [a, b, c, d, e]], [5, 5])
    unique, index = tf.nn.ctc_unique_labels([[3, 4, 4, 3]])
    with tf.Session() as sess:
        got, got_len, u, i = sess.run([collapsed, lengths, unique, index])
    np.testing.assert_array_equal(got, [[a, b, a, 0, 0], [a, b, c, d, e]])
    np.testing.assert_array_equal(got_len, [3, 5])
    np.testing.assert_array_equal(u, [[3, 4, 0, 0]])
    np.testing.assert_array_equal(i, [[0, 1, 1, 0]])
