"""tf.sets (against Python's sets) and tf.edit_distance (against a dynamic-programming
reference and TF1's documented example)."""
import numpy as np
import pytest

import tensorflux as tf

R = np.random.default_rng(23)
A = R.integers(0, 6, size=(2, 3, 4)).astype(np.int64)
B = R.integers(0, 6, size=(2, 3, 5)).astype(np.int64)


def rows_of(value, lead):
    out = {idx: [] for idx in np.ndindex(*lead)}
    for index, v in zip(value.indices, value.values):
        out[tuple(index[:-1])].append(v)
    return out


def sparse(x):
    return tf.SparseTensor(np.argwhere(np.ones(x.shape, bool)), x.reshape(-1), x.shape)


@pytest.mark.parametrize("name, fn, reference", [
    ("intersection", lambda a, b: tf.sets.set_intersection(a, b), set.intersection),
    ("union", lambda a, b: tf.sets.union(a, b), set.union),
    ("difference", lambda a, b: tf.sets.difference(a, b), set.difference),
    ("b_minus_a", lambda a, b: tf.sets.set_difference(a, b, aminusb=False), lambda x, y: y - x),
    ("intersection_alias", lambda a, b: tf.sets.intersection(a, b), set.intersection),
    ("union_set", lambda a, b: tf.sets.set_union(a, b), set.union),
])
@pytest.mark.parametrize("form", ["dense", "dense_sparse", "sparse"])
def test_set_operations_match_python_sets(name, fn, reference, form):
    a = A if form != "sparse" else sparse(A)
    b = B if form == "dense" else sparse(B)
    with tf.Session() as sess:
        got = sess.run(fn(a, b))
    rows = rows_of(got, (2, 3))
    width = 0
    for idx in np.ndindex(2, 3):
        want = sorted(reference(set(A[idx].tolist()), set(B[idx].tolist())))
        assert rows[idx] == want, (name, idx)
        width = max(width, len(want))
    np.testing.assert_array_equal(got.dense_shape, [2, 3, width])


def test_set_size_and_strings():
    with tf.Session() as sess:
        size = sess.run(tf.sets.set_size(sparse(A)))
        alias = sess.run(tf.sets.size(sparse(B)))
        words = sess.run(tf.sets.set_union(tf.constant([["a", "b"]]), tf.constant([["c", "a"]])))
    np.testing.assert_array_equal(size, [[len(set(A[i, j])) for j in range(3)] for i in range(2)])
    np.testing.assert_array_equal(alias, [[len(set(B[i, j])) for j in range(3)] for i in range(2)])
    assert words.values.tolist() == [b"a", b"b", b"c"]
    with pytest.raises(TypeError, match="dtype"):
        tf.sets.set_union(tf.constant([[1.0]]), tf.constant([[2.0]]))
    with pytest.raises(ValueError, match="rank"):
        tf.sets.set_union(tf.constant([1]), tf.constant([2]))


def levenshtein(a, b):
    d = np.zeros((len(a) + 1, len(b) + 1))
    d[:, 0], d[0, :] = np.arange(len(a) + 1), np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1, -1]


def test_edit_distance_documented_example():
    hypothesis = tf.SparseTensor([[0, 0, 0], [1, 0, 0]], ["a", "b"], (2, 1, 1))
    truth = tf.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]], ["a", "b", "c", "a"], (2, 2, 2))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.edit_distance(hypothesis, truth)),
                                      [[np.inf, 1.0], [0.5, 1.0]])


def test_edit_distance_of_words():
    hyp, truth = ["kitten", "flaw", ""], ["sitting", "lawn", "ab"]

    def chars(words):
        indices = [[i, j] for i, w in enumerate(words) for j in range(len(w))]
        return tf.SparseTensor(np.array(indices, np.int64).reshape(-1, 2),
                               [c for w in words for c in w], [len(words), 8])
    with tf.Session() as sess:
        raw, normalized = sess.run([tf.edit_distance(chars(hyp), chars(truth), normalize=False),
                                    tf.edit_distance(chars(hyp), chars(truth))])
    want = [levenshtein(h, t) for h, t in zip(hyp, truth)]
    np.testing.assert_array_equal(raw, want)                        # 3, 2, 2
    np.testing.assert_allclose(normalized, [w / len(t) for w, t in zip(want, truth)])
