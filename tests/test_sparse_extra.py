"""More of tf.sparse (reshape, split, softmax, max and sum reductions, bincount, crosses,
mask) and the string hashes and splits, against NumPy references, TF1's documented
examples and numbers computed by TensorFlow 2.21 for the hashes (FarmHash and TF's
Hash64 are fixed algorithms whose values TF promises never change)."""
import struct

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.backends.hashing import fingerprint64, tf_hash64
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
R = np.random.default_rng(3)


def run(fetches, backend="numpy", device="/cpu:0"):
    with backend_context(backend), tf.device(device), tf.Session() as sess:
        return sess.run(fetches)


def dense_of(value):
    out = np.zeros(value.dense_shape, value.values.dtype)
    for i, v in zip(value.indices, value.values):
        out[tuple(i)] = v
    return out


def random_sparse(shape, density=0.4):
    mask = R.random(shape) < density
    dense = np.where(mask, R.normal(size=shape), 0.0)
    return tf.SparseTensor(np.argwhere(mask), dense[mask], shape), dense, mask


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_reductions_see_only_the_entries_present(backend, device):
    sp, dense, mask = random_sparse((3, 4, 2))
    present_max = np.where(mask, dense, -np.inf)
    fetches = {
        "max1": tf.sparse.reduce_max(sp, 1), "max_all": tf.sparse.reduce_max(sp),
        "max_keep": tf.sparse_reduce_max(sp, [0, 2], keepdims=True),
        "max_sparse": tf.sparse.reduce_max_sparse(sp, 2),
        "sum_sparse": tf.sparse.reduce_sum_sparse(sp, [0], keepdims=True),
        "sum_sparse_all": tf.sparse_reduce_sum_sparse(sp),
        "max_sparse_top": tf.sparse_reduce_max_sparse(sp, -1),
    }
    got = run(fetches, backend, device)

    def present(reduced, axes):
        hit = mask.any(axis=axes, keepdims=np.ndim(reduced) == mask.ndim)
        return np.where(hit, reduced, 0.0), hit
    want_max1, _ = present(present_max.max(axis=1), 1)
    np.testing.assert_allclose(got["max1"], want_max1)
    assert got["max_all"] == present_max.max()
    want_keep, _ = present(present_max.max(axis=(0, 2), keepdims=True), (0, 2))
    np.testing.assert_allclose(got["max_keep"], want_keep)
    want, hit = present(present_max.max(axis=2), 2)
    np.testing.assert_allclose(dense_of(got["max_sparse"]), want)
    assert len(got["max_sparse"].values) == hit.sum()  # no entry where none was present
    np.testing.assert_allclose(dense_of(got["max_sparse_top"]), want)
    np.testing.assert_allclose(dense_of(got["sum_sparse"]), dense.sum(axis=0, keepdims=True))
    assert got["sum_sparse_all"].indices.shape == (1, 0)
    np.testing.assert_allclose(got["sum_sparse_all"].values, [dense.sum()])


def test_reduce_max_of_an_empty_row_is_zero_as_tf1():
    sp = tf.SparseTensor([[0, 0], [0, 2], [2, 1]], [-1.0, -3.0, 2.0], [3, 3])
    np.testing.assert_array_equal(run(tf.sparse.reduce_max(sp, 1)), [-1.0, 0.0, 2.0])


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_softmax_over_each_rows_entries(backend, device):
    sp, dense, mask = random_sparse((2, 3, 4), 0.6)
    got = run(tf.sparse.softmax(sp), backend, device)
    e = np.where(mask, np.exp(dense), 0.0)
    want = e / np.maximum(e.sum(-1, keepdims=True), 1e-300)
    np.testing.assert_allclose(dense_of(got), want, rtol=1e-12)
    np.testing.assert_array_equal(got.indices, np.argwhere(mask))
    assert tf.sparse_softmax is tf.sparse.softmax


def test_softmax_gradient_matches_the_dense_formula():
    values = tf.constant([1.0, 2.0, 0.5, -1.0])
    sp = tf.SparseTensor([[0, 0], [0, 3], [1, 1], [1, 2]], values, [2, 4])
    weights = tf.constant([1.0, -2.0, 3.0, 0.5])
    loss = tf.reduce_sum(tf.sparse.softmax(sp).values * weights)
    got = run(tf.gradients(loss, values)[0])
    want = []
    for row, w in (([1.0, 2.0], [1.0, -2.0]), ([0.5, -1.0], [3.0, 0.5])):
        y = np.exp(row) / np.exp(row).sum()
        want += list(y * (np.array(w) - (y * w).sum()))
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_reshape_and_split(backend, device):
    sp, dense, _ = random_sparse((3, 4, 2))
    got = run({"r": tf.sparse.reshape(sp, [4, -1]), "r2": tf.sparse_reshape(sp, [24]),
               "split": tf.sparse.split(sp_input=sp, num_split=3, axis=1),
               "split_top": tf.sparse_split(sp_input=sp, num_split=2, axis=-1)}, backend, device)
    np.testing.assert_array_equal(dense_of(got["r"]), dense.reshape(4, 6))
    np.testing.assert_array_equal(dense_of(got["r2"]), dense.reshape(24))
    for piece, want in zip(got["split"], [dense[:, :2], dense[:, 2:3], dense[:, 3:]]):
        np.testing.assert_array_equal(dense_of(piece), want)  # 4 = 2 + 1 + 1, as TF1
    for piece, want in zip(got["split_top"], [dense[..., :1], dense[..., 1:]]):
        np.testing.assert_array_equal(dense_of(piece), want)


def test_reshape_and_split_errors():
    sp = tf.SparseTensor([[0, 0]], [1.0], [2, 3])
    with pytest.raises(ValueError, match="Cannot reshape"):
        tf.sparse.reshape(sp, [4, 2])
    with pytest.raises(ValueError, match="keywords"):
        tf.sparse.split(sp, 2, 1)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="dense values"):
        sess.run(tf.sparse.reshape(sp, tf.placeholder_with_default(np.int64([5, -1]), [2])).indices)


def test_bincount_tf1_documented_behaviour():
    values = tf.constant([[1, 1, 5], [2, 5, 7]])
    got = run({"rows": tf.sparse.bincount(values, axis=-1),
               "all": tf.sparse.bincount(values, minlength=9),
               "weighted": tf.sparse.bincount(tf.constant([1, 1, 5]), weights=[0.5, 1.0, 2.0], maxlength=3),
               "binary": tf.sparse.bincount(tf.SparseTensor([[0, 0], [1, 1]], [3, 3], [2, 2]),
                                            binary_output=True, axis=-1)})
    np.testing.assert_array_equal(dense_of(got["rows"]), [[0, 2, 0, 0, 0, 1, 0, 0],
                                                         [0, 0, 1, 0, 0, 1, 0, 1]])
    np.testing.assert_array_equal(dense_of(got["all"]), np.bincount([1, 1, 5, 2, 5, 7], minlength=9))
    np.testing.assert_array_equal(got["weighted"].indices, [[1]])  # 5 >= maxlength dropped
    np.testing.assert_allclose(got["weighted"].values, [1.5])
    np.testing.assert_array_equal(got["weighted"].dense_shape, [3])
    np.testing.assert_array_equal(dense_of(got["binary"]), [[0, 0, 0, 1], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="axis"):
        tf.sparse.bincount(values, axis=1)


def test_crosses():
    ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], ["a", "b", "c"], [2, 2])
    dense = tf.constant([["x", "z"], ["y", "w"]])
    got = run({"cross": tf.sparse.cross([ids, dense]),
               "sep": tf.sparse.cross([dense, tf.SparseTensor([[0, 0], [1, 0]], tf.constant([3, 4], tf.int64), [2, 1])],
                                      separator="|"),
               "hashed": tf.sparse.cross_hashed([ids, tf.constant([["x"], ["y"]])], num_buckets=1000),
               "hashed_full": tf.sparse.cross_hashed([ids, tf.constant([["x"], ["y"]])]),
               "keyed": tf.sparse.cross_hashed([ids, tf.constant([[7], [8]], tf.int64)], num_buckets=100,
                                               hash_key=123)})
    assert got["cross"].values.tolist() == [b"a_X_x", b"a_X_z", b"b_X_x", b"b_X_z", b"c_X_y", b"c_X_w"]
    np.testing.assert_array_equal(got["cross"].indices, [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]])
    assert got["sep"].values.tolist() == [b"3|x", b"3|z", b"4|y", b"4|w"]  # sparse inputs first
    # computed by TensorFlow 2.21's tf.sparse.cross_hashed
    assert got["hashed"].values.tolist() == [892, 4, 360]
    assert got["hashed_full"].values.tolist() == [1484974617627318892, 3552177129620670004,
                                                  6571367263544129360]
    assert got["keyed"].values.tolist() == [38, 21, 98]


def test_mask_of_indexed_slices():
    slices = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([0, 2, 5]),
                              tf.constant([6, 2]))
    for masked in (tf.sparse.mask(slices, [2]), tf.sparse_mask(slices, [2])):
        values, indices = run([masked.values, masked.indices])
        np.testing.assert_array_equal(values, [[1, 2], [5, 6]])
        np.testing.assert_array_equal(indices, [0, 5])
    with pytest.raises(TypeError, match="IndexedSlices"):
        tf.sparse.mask(tf.constant([1.0]), [0])


# --- hashes ----------------------------------------------------------------------------
FINGERPRINTS = {  # FarmHash Fingerprint64, computed by TensorFlow 2.21 (tf.fingerprint)
    b"": 0x9AE16A3B2F90404F, b"a": 0xB3454265B6DF75E3, b"abc": 0x24A5B3A074E7F369,
    b"Hello": 0xD5C87C1E326B2087, b"TensorFlow": 0x3B32A5D4A84A82CE,
    b"0123456789abcdef": 0x54B961E5DC834067, b"x" * 17: 0x9CE745A1F3812FA5,
    b"z" * 33: 0xDB8508360D433B6F, bytes(range(64)): 0xF58504BB53DECC4B,
    bytes(range(65)): 0xC6A3282C3E793DBE, bytes(range(200)): 0x074C7FCC26D66FB3,
    b"q" * 1000: 0x79FE06406449696C,
}
LEGACY = {  # TF's Hash64 modulo 2 ** 62, computed by TensorFlow 2.21 (to_hash_bucket)
    b"": 105434511174508091, b"a": 2996632905371535868, b"abc": 1046625677629754806,
    b"Hello": 1802903312739808229, b"0123456789abcdef": 1490712428580208486,
    b"x" * 17: 4161156153655800118, b"q" * 1000: 687541781398806547,
}


def test_hash_functions_give_tensorflows_numbers():
    for data, want in FINGERPRINTS.items():
        assert fingerprint64(data) == want, data[:20]
    for data, want in LEGACY.items():
        assert tf_hash64(data) % 2 ** 62 == want, data[:20]


def test_hash_buckets_as_tf1_documents():
    words = tf.constant(["Hello", "TensorFlow", "2.x"])
    got = run([tf.strings.to_hash_bucket_fast(words, 3), tf.string_to_hash_bucket_fast(words, 3),
               tf.strings.to_hash_bucket(words, 3), tf.string_to_hash_bucket(words, 3)])
    np.testing.assert_array_equal(got[0], [0, 2, 2])  # the docs' example
    np.testing.assert_array_equal(got[1], [0, 2, 2])
    np.testing.assert_array_equal(got[2], [2, 0, 1])  # TensorFlow 2.21
    np.testing.assert_array_equal(got[3], [2, 0, 1])
    with pytest.raises(ValueError, match="num_buckets"):
        tf.strings.to_hash_bucket_fast(words, 0)
    with pytest.raises(TypeError, match="string"):
        tf.strings.to_hash_bucket_fast(tf.constant([1]), 3)


def test_fingerprint_of_rows():
    ints = np.array([[1, 2], [3, 4]], np.int32)
    got = run({"ints": tf.fingerprint(ints), "strings": tf.fingerprint(tf.constant(["Hello", "a"])),
               "rows": tf.fingerprint(tf.constant([["a", "abc"]]))})
    want_ints = [struct.pack("<Q", fingerprint64(row.tobytes())) for row in ints]
    assert [bytes(r) for r in got["ints"]] == want_ints
    assert [bytes(r) for r in got["strings"]] == [struct.pack("<Q", FINGERPRINTS[b"Hello"]),
                                                  struct.pack("<Q", FINGERPRINTS[b"a"])]
    joined = struct.pack("<Q", FINGERPRINTS[b"a"]) + struct.pack("<Q", FINGERPRINTS[b"abc"])
    assert bytes(got["rows"][0]) == struct.pack("<Q", fingerprint64(joined))
    # TensorFlow 2.21: tf.fingerprint(tf.constant([[1, 2], [3, 4]], tf.int32))
    assert got["ints"].tolist() == [[76, 18, 253, 133, 168, 204, 240, 10],
                                    [254, 162, 60, 240, 103, 244, 53, 255]]
    with pytest.raises(ValueError, match="method"):
        tf.fingerprint(ints, method="md5")


def test_string_splits():
    got = run({"ws": tf.strings.split(tf.constant(["a b  c", " d", ""])),
               "sep": tf.strings.split(tf.constant(["a,b,,c", "d"]), sep=","),
               "max": tf.strings.split(tf.constant(["a,b,,c", "d"]), sep=",", maxsplit=1),
               "ws_max": tf.strings.split(tf.constant(["  a b  c ", "d"]), maxsplit=1),
               "legacy": tf.string_split(tf.constant(["a b,c", "d,,e"]), ", "),
               "keep": tf.string_split(tf.constant(["a b,c", "d,,e"]), ",", skip_empty=False),
               "chars": tf.string_split(tf.constant(["abc", "de"]), "")})

    def rows(v):
        out = [[] for _ in range(v.dense_shape[0])]
        for (r, _), s in zip(v.indices, v.values):
            out[r].append(s.decode())
        return out
    assert rows(got["ws"]) == [["a", "b", "c"], ["d"], []]
    np.testing.assert_array_equal(got["ws"].dense_shape, [3, 3])
    assert rows(got["sep"]) == [["a", "b", "", "c"], ["d"]]
    assert rows(got["max"]) == [["a", "b,,c"], ["d"]]
    assert rows(got["ws_max"]) == [["a", "b  c "], ["d", ""]]  # TF1 keeps the empty rest
    assert rows(got["legacy"]) == [["a", "b", "c"], ["d", "e"]]
    assert rows(got["keep"]) == [["a b", "c"], ["d", "", "e"]]
    assert rows(got["chars"]) == [["a", "b", "c"], ["d", "e"]]
    with pytest.raises(ValueError, match="result_type"):
        tf.strings.split(tf.constant(["a"]), result_type="list")
    with tf.Session() as sess:
        ragged = sess.run(tf.strings.split(tf.constant(["a b", "", "c"]), result_type="RaggedTensor"))
    assert ragged.to_list() == [[b"a", b"b"], [], [b"c"]]
    with pytest.raises(ValueError, match="vector"):
        tf.strings.split(tf.constant([["a"]]))
