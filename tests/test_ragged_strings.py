"""tf.RaggedTensor (fetched as tf.ragged.RaggedTensorValue) and the string ops that
return ragged rows: bytes_split, unicode_decode, unicode_split (with offsets) and
tf.strings.split(result_type="RaggedTensor"), against TF1's documented examples and
Python's own decoding."""
import numpy as np
import pytest

import tensorflux as tf

GOODNIGHT = [s.encode("utf8") for s in ("G\xf6\xf6dnight", "\U0001f60a")]


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_documented_unicode_examples():
    decoded = run(tf.strings.unicode_decode(GOODNIGHT, "UTF-8"))
    assert decoded.to_list() == [[71, 246, 246, 100, 110, 105, 103, 104, 116], [128522]]
    chars, offsets = run(tf.strings.unicode_split_with_offsets(GOODNIGHT, "UTF-8"))
    assert chars.to_list() == [[b"G", b"\xc3\xb6", b"\xc3\xb6", b"d", b"n", b"i", b"g", b"h", b"t"],
                               [b"\xf0\x9f\x98\x8a"]]
    assert offsets.to_list() == [[0, 1, 3, 5, 6, 7, 8, 9, 10], [0]]
    points, starts = run(tf.strings.unicode_decode_with_offsets(GOODNIGHT, "UTF-8"))
    assert points.to_list() == decoded.to_list() and starts.to_list() == offsets.to_list()
    assert run(tf.strings.unicode_split(GOODNIGHT, "UTF-8")).to_list() == chars.to_list()
    np.testing.assert_array_equal(run(tf.strings.bytes_split("hello")), [b"h", b"e", b"l", b"l", b"o"])


def test_decoding_matches_python_and_keeps_the_input_shape():
    words = [["ab", "c"], ["", "d\u00e9\u20ac"]]
    got = run(tf.strings.unicode_decode(words, "UTF-8"))
    assert got.to_list() == [[[ord(c) for c in w] for w in row] for row in words]
    assert run(tf.strings.bytes_split(["ab", "c"])).to_list() == [[b"a", b"b"], [b"c"]]
    utf16 = run(tf.strings.unicode_decode_with_offsets(tf.constant(["H\u00e9".encode("utf-16-be")]),
                                                       "UTF-16-BE")[1])
    assert utf16.to_list() == [[0, 2]]


def test_invalid_bytes_follow_errors():
    bad = tf.constant([b"a\xffb"])
    assert run(tf.strings.unicode_decode(bad, "UTF-8")).to_list() == [[97, 0xFFFD, 98]]
    assert run(tf.strings.unicode_decode(bad, "UTF-8", errors="ignore")).to_list() == [[97, 98]]
    assert run(tf.strings.unicode_decode(bad, "UTF-8", replacement_char=63)).to_list() == [[97, 63, 98]]
    control = tf.constant([b"a\x01b"])
    assert run(tf.strings.unicode_decode(control, "UTF-8", replace_control_characters=True)).to_list() == \
        [[97, 0xFFFD, 98]]
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Invalid formatting"):
        sess.run(tf.strings.unicode_decode(bad, "UTF-8", errors="strict").flat_values)
    with pytest.raises(ValueError, match="input_encoding"):
        tf.strings.unicode_decode(bad, "latin-1")
    with pytest.raises(TypeError, match="string"):
        tf.strings.bytes_split(tf.constant([1]))


def test_ragged_tensor_conversions():
    rt = tf.RaggedTensor.from_row_splits([1, 2, 3, 4, 5], [0, 2, 2, 5])
    lengths = tf.RaggedTensor.from_row_lengths([1, 2, 3], [1, 0, 2])
    rowids = tf.RaggedTensor.from_value_rowids([7, 8, 9], [0, 0, 2], nrows=4)
    nested = tf.ragged.constant([[[1, 2], []], [[3]]])
    got = run({"rt": rt, "dense": rt.to_tensor(), "filled": rt.to_tensor(default_value=-1),
               "sparse": rt.to_sparse(), "lengths": lengths, "rowids": rowids,
               "row_lengths": rt.row_lengths(), "value_rowids": rt.value_rowids(),
               "nrows": rt.nrows(), "nested": nested, "nested_dense": nested.to_tensor(),
               "segments": tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5]),
               "splits": tf.ragged.segment_ids_to_row_splits([0, 0, 2, 2, 2])})
    assert got["rt"].to_list() == [[1, 2], [], [3, 4, 5]]
    np.testing.assert_array_equal(got["dense"], [[1, 2, 0], [0, 0, 0], [3, 4, 5]])
    np.testing.assert_array_equal(got["filled"], [[1, 2, -1], [-1, -1, -1], [3, 4, 5]])
    np.testing.assert_array_equal(got["sparse"].indices, [[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]])
    assert got["lengths"].to_list() == [[1], [], [2, 3]]
    assert got["rowids"].to_list() == [[7, 8], [], [9], []]
    np.testing.assert_array_equal(got["row_lengths"], [2, 0, 3])
    np.testing.assert_array_equal(got["value_rowids"], [0, 0, 2, 2, 2])
    assert got["nrows"] == 3 and rt.ragged_rank == 1 and nested.ragged_rank == 2
    assert got["nested"].to_list() == [[[1, 2], []], [[3]]]
    np.testing.assert_array_equal(got["nested_dense"], [[[1, 2], [0, 0]], [[3, 0], [0, 0]]])
    np.testing.assert_array_equal(got["segments"], [0, 0, 2, 2, 2])
    np.testing.assert_array_equal(got["splits"], [0, 2, 2, 5])
    assert rt.shape.as_list() == [3, None] and rt.dtype == tf.int32
    with pytest.raises(ValueError, match="private"):
        tf.RaggedTensor([1], [0, 1])


def test_ragged_fill_empty_rows_and_its_gradient():
    ids, values, empty, where = run(tf.ragged_fill_empty_rows([1, 1, 3], [1.0, 2.0, 3.0], 5, -1.0))
    np.testing.assert_array_equal(ids, [0, 1, 1, 2, 3, 4])          # rows 0, 2, 4 were empty
    np.testing.assert_array_equal(values, [-1, 1, 2, -1, 3, -1])
    np.testing.assert_array_equal(empty, [True, False, True, False, True])
    np.testing.assert_array_equal(where, [1, 2, 4])
    d_values, d_default = run(tf.ragged_fill_empty_rows_grad(where, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    np.testing.assert_array_equal(d_values, [2.0, 3.0, 5.0])
    assert d_default == 1.0 + 4.0 + 6.0


def test_random_index_shuffle_is_a_seeded_bijection():
    index = np.arange(37, dtype=np.int64)
    first = run(tf.random_index_shuffle(index, np.array([1, 2, 3], np.int64), 36))
    again = run(tf.random.experimental.index_shuffle(index, np.array([1, 2, 3], np.int64), 36))
    other = run(tf.random_index_shuffle(index, np.array([4, 2, 3], np.int64), 36))
    assert sorted(first.tolist()) == list(range(37)) and sorted(other.tolist()) == list(range(37))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other) and not np.array_equal(first, index)
    assert first.dtype == np.int64
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="not in"):
        sess.run(tf.random_index_shuffle(np.int64(40), np.array([1, 2, 3], np.int64), 36))
    with pytest.raises(ValueError, match="rounds"):
        tf.random_index_shuffle(np.int64(1), np.array([1, 2, 3], np.int64), 36, rounds=3)
