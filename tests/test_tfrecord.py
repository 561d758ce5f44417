"""TFRecord files and Example protos against files written by real TensorFlow
(tests/golden/tensorflow, made by make_tf_golden.py there)."""
import json
import os
import struct

import numpy as np
import pytest

import tensorflux as tf

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "tensorflow")
with open(os.path.join(GOLDEN, "expected.json")) as _f:
    EXPECTED = json.load(_f)
RECORDS = [bytes.fromhex(r) for r in EXPECTED["records"]]


@pytest.mark.parametrize("name, options", [
    ("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP"),
    ("examples.tfrecord.zlib", tf.python_io.TFRecordOptions(tf.python_io.TFRecordCompressionType.ZLIB))])
def test_reads_tensorflow_written_tfrecords(name, options):
    got = list(tf.python_io.tf_record_iterator(os.path.join(GOLDEN, name), options))
    assert got == RECORDS


def test_example_protos_parse_tensorflow_bytes_and_serialize_them_back():
    ex = tf.train.Example.FromString(RECORDS[2])
    feature = ex.features.feature
    assert list(feature["id"].int64_list.value) == [2, -2000000000000]
    assert list(feature["tags"].bytes_list.value) == [b"t0", b"t1"]
    np.testing.assert_allclose(feature["score"].float_list.value, [2.5, -2.5, 3e-3], rtol=1e-6)
    assert feature["name"].WhichOneof("kind") == "bytes_list"
    again = tf.train.Example.FromString(ex.SerializeToString())
    assert again == ex
    # Built from scratch with the same values it encodes to TensorFlow's bytes (one
    # feature, so map ordering cannot differ).
    one = tf.train.Example(features=tf.train.Features(feature={
        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[2, -2000000000000]))}))
    want = tf.train.Example(features=tf.train.Features(feature={"id": feature["id"]}))
    assert one.SerializeToString() == want.SerializeToString()
    assert one.SerializeToString().hex() == "0a170a150a026964120f1a0d0a0b0280c0d7b5e5c5ffffff01"


def test_sequence_example_from_tensorflow():
    path = os.path.join(GOLDEN, "sequence_examples.tfrecord")
    seqs = [tf.train.SequenceExample.FromString(r) for r in tf.io.tf_record_iterator(path)]
    assert [s.context.feature["length"].int64_list.value[0] for s in seqs] == [1, 2]
    steps = seqs[1].feature_lists.feature_list["steps"].feature
    assert [list(f.int64_list.value) for f in steps] == [[0, 0], [1, 10]]


@pytest.mark.parametrize("options", [None, "GZIP", "ZLIB",
                                     tf.python_io.TFRecordOptions(compression_type="GZIP", compression_level=9)])
def test_writer_round_trip(tmp_path, options):
    path = str(tmp_path / "out.tfrecord")
    payloads = [b"", b"a", os.urandom(100000), "text"]
    with tf.python_io.TFRecordWriter(path, options) as w:
        for p in payloads:
            w.write(p)
    assert list(tf.python_io.tf_record_iterator(path, options)) == payloads[:3] + [b"text"]


def test_uncompressed_writer_matches_tensorflow_bytes(tmp_path):
    path = str(tmp_path / "same.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for r in RECORDS:
            w.write(r)
    with open(path, "rb") as mine, open(os.path.join(GOLDEN, "examples.tfrecord"), "rb") as theirs:
        assert mine.read() == theirs.read()


def _framed_offsets(records):
    offsets, pos = [], 0
    for r in records:
        offsets.append(pos)
        pos += 16 + len(r)
    return offsets


@pytest.mark.parametrize("damage", ["length_crc", "data_crc", "truncated_data", "truncated_header"])
def test_damaged_tfrecord_raises_data_loss_naming_file_and_offset(tmp_path, damage):
    data = bytearray(open(os.path.join(GOLDEN, "examples.tfrecord"), "rb").read())
    start = _framed_offsets(RECORDS)[1]  # damage the second record
    if damage == "length_crc":
        data[start + 9] ^= 0xFF
    elif damage == "data_crc":
        data[start + 12 + 5] ^= 0x01
    elif damage == "truncated_data":
        data = data[:start + 12 + 10]
    else:
        data = data[:start + 5]
    path = tmp_path / "bad.tfrecord"
    path.write_bytes(bytes(data))
    it = tf.python_io.tf_record_iterator(str(path))
    assert next(it) == RECORDS[0]
    with pytest.raises(tf.errors.DataLossError, match=rf"bad\.tfrecord.*offset {start}\b"):
        next(it)


def test_absurd_length_is_a_truncated_record_not_a_huge_allocation(tmp_path):
    length = struct.pack("<Q", 1 << 60)
    from tensorflux.serialization.tfrecord import masked_crc32c
    path = tmp_path / "huge.tfrecord"
    path.write_bytes(length + struct.pack("<I", masked_crc32c(length)) + b"xyz")
    with pytest.raises(tf.errors.DataLossError, match="offset 0"):
        list(tf.python_io.tf_record_iterator(str(path)))


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="nope.tfrecord"):
        list(tf.python_io.tf_record_iterator(str(tmp_path / "nope.tfrecord")))


def test_corrupt_gzip_stream_is_data_loss(tmp_path):
    data = bytearray(open(os.path.join(GOLDEN, "examples.tfrecord.gz"), "rb").read())
    data[30] ^= 0xFF
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="bad.gz"):
        list(tf.python_io.tf_record_iterator(str(path), "GZIP"))



@pytest.mark.parametrize("damage", ["extra-field flag", "cut"])
def test_gzip_stream_without_its_end_is_data_loss_not_an_empty_file(tmp_path, damage):
    # A header flag that makes zlib wait for a long extra field, or a file cut short,
    # leaves the stream unfinished: zlib yields no bytes and no error, so it must be caught.
    data = bytearray(open(os.path.join(GOLDEN, "examples.tfrecord.gz"), "rb").read())
    if damage == "cut":
        data = data[:len(data) // 2]
    else:
        data[3] |= 0x04  # FLG.FEXTRA
    path = tmp_path / "cut.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="cut.gz.*ends before its end marker"):
        list(tf.python_io.tf_record_iterator(str(path), "GZIP"))

# --- parsing, against what TensorFlow's own ops returned for the same records -----------------
FEATURES = {
    "id": tf.FixedLenFeature([2], tf.int64),
    "score": tf.FixedLenFeature([3], tf.float32),
    "name": tf.FixedLenFeature([], tf.string),
    "missing": tf.FixedLenFeature([2], tf.float32, default_value=[7.0, 8.0]),
    "tags": tf.VarLenFeature(tf.string),
    "frames": tf.FixedLenSequenceFeature([2], tf.float32, allow_missing=True, default_value=-1.0),
}


def _as_json(value):
    if isinstance(value, tf.SparseTensorValue):
        return {"indices": value.indices.tolist(), "values": _as_json(value.values),
                "dense_shape": value.dense_shape.tolist()}
    value = np.asarray(value)
    if value.dtype.kind in "OS":
        return np.vectorize(bytes.decode, otypes=[object])(value).tolist()
    return value.tolist()


def _assert_parsed(got, want):
    assert set(got) == set(want)
    for key, value in got.items():
        a, b = _as_json(value), want[key]
        if key == "score":
            np.testing.assert_allclose(a, b, rtol=1e-7)
        else:
            assert a == b, key


def test_parse_example_matches_tensorflow():
    parsed = tf.parse_example(tf.constant(RECORDS), FEATURES)
    assert parsed["frames"].shape.as_list() == [3, None, 2]
    assert parsed["id"].shape.as_list() == [3, 2] and parsed["id"].dtype == tf.int64
    assert isinstance(parsed["tags"], tf.SparseTensor)
    with tf.Session() as sess:
        _assert_parsed(sess.run(parsed), EXPECTED["parse_example"])


def test_parse_single_example_matches_tensorflow():
    serialized = tf.placeholder(tf.string, shape=[])
    parsed = tf.io.parse_single_example(serialized, FEATURES)
    assert parsed["score"].shape.as_list() == [3]
    with tf.Session() as sess:
        _assert_parsed(sess.run(parsed, {serialized: RECORDS[2]}), EXPECTED["parse_single_example"])


def test_decode_raw_and_decode_csv_match_tensorflow():
    raw = tf.parse_example(RECORDS, {"raw": tf.FixedLenFeature([], tf.string)})["raw"]
    csv = tf.decode_csv(["1,2.5,a", '4,,"b,c"'], [[0], [9.5], ["z"]])
    assert [c.dtype for c in csv] == [tf.int32, tf.float32, tf.string]
    with tf.Session() as sess:
        got_raw, got_csv = sess.run([tf.decode_raw(raw, tf.float32), csv])
    assert got_raw.tolist() == EXPECTED["decode_raw"]
    assert [_as_json(c) for c in got_csv] == EXPECTED["decode_csv"]


def test_decode_raw_byte_order_and_errors():
    data = np.array([1, 256, -2], dtype=">i2").tobytes()
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.decode_raw(data, tf.int16, little_endian=False)), [1, 256, -2])
        np.testing.assert_array_equal(sess.run(tf.io.decode_raw([b"\x01\x02", b"\x03\x04"], tf.uint8)),
                                      [[1, 2], [3, 4]])
        with pytest.raises(tf.errors.InvalidArgumentError, match="not a multiple of 4"):
            sess.run(tf.decode_raw(b"abcdef", tf.float32))
        with pytest.raises(tf.errors.InvalidArgumentError, match="element 1 has size 2 != 4"):
            sess.run(tf.decode_raw([b"abcd", b"ab"], tf.uint8))


def test_decode_csv_defaults_required_fields_and_errors():
    lines = tf.placeholder(tf.string, shape=[None])
    a, b = tf.decode_csv(lines, [tf.constant([], dtype=tf.int64), ["NA"]], na_value="?")
    c, = tf.decode_csv(lines, [[0.0]], select_cols=[1])
    semi = tf.decode_csv(["x;1"], [[""], [0]], field_delim=";")
    with tf.Session() as sess:
        got_a, got_b = sess.run([a, b], {lines: ["1,x", "2,", "3,?"]})
        assert got_a.tolist() == [1, 2, 3] and got_a.dtype == np.int64
        assert got_b.tolist() == [b"x", b"NA", b"NA"]
        assert sess.run(c, {lines: ["1,2.5", "3,"]}).tolist() == [2.5, 0.0]
        assert [v.tolist() for v in sess.run(semi)] == [[b"x"], [1]]
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expect 2 fields but have 3 in record 1: '4,5,6'"):
            sess.run(a, {lines: ["1,2", "4,5,6"]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Field 0 is required but missing in record 0"):
            sess.run(a, {lines: [",x"]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Field 0 in record 0 is not a valid int64: 'x'"):
            sess.run(a, {lines: ["x,y"]})
    with pytest.raises(ValueError, match="no dtype"):
        tf.decode_csv(["1"], [[]])


def test_parse_example_errors_name_the_feature():
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Feature: id.*Data types don't match"):
            sess.run(tf.parse_example(RECORDS, {"id": tf.FixedLenFeature([2], tf.float32)}))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Feature: absent .*required"):
            sess.run(tf.parse_example(RECORDS, {"absent": tf.FixedLenFeature([1], tf.float32)}))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Key: score.*Values size: 3"):
            sess.run(tf.parse_example(RECORDS, {"score": tf.FixedLenFeature([2], tf.float32)}))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse example input 0"):
            sess.run(tf.parse_example([b"\xff\xff\xff"], {"id": tf.VarLenFeature(tf.int64)}))
    with pytest.raises(ValueError, match="fully defined"):
        tf.parse_example(RECORDS, {"x": tf.FixedLenFeature([None], tf.float32)})
    with pytest.raises(ValueError, match="dtype int32"):
        tf.parse_example(RECORDS, {"x": tf.VarLenFeature(tf.int32)})


def test_write_examples_then_parse_them(tmp_path):
    path = str(tmp_path / "mine.tfrecord.gz")
    rng = np.random.default_rng(0)
    rows = [rng.normal(size=3).astype(np.float32) for _ in range(4)]
    with tf.python_io.TFRecordWriter(path, tf.python_io.TFRecordOptions(tf.python_io.TFRecordCompressionType.GZIP)) as w:
        for i, row in enumerate(rows):
            w.write(tf.train.Example(features=tf.train.Features(feature={
                "value": tf.train.Feature(float_list=tf.train.FloatList(value=row)),
                "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))})).SerializeToString())
    records = list(tf.python_io.tf_record_iterator(path, "GZIP"))
    parsed = tf.parse_example(records, {"value": tf.FixedLenFeature([3], tf.float32),
                                        "label": tf.FixedLenFeature([], tf.int64)})
    with tf.Session() as sess:
        got = sess.run(parsed)
    np.testing.assert_array_equal(got["value"], np.stack(rows))
    np.testing.assert_array_equal(got["label"], np.arange(4))
    if os.environ.get("TFX_WRITE_FOR_TF"):  # for make_tf_golden.py --check (see there)
        import shutil
        shutil.copy(path, os.path.join(os.environ["TFX_WRITE_FOR_TF"], "mine.tfrecord.gz"))


def test_strings_keep_trailing_nul_bytes_as_constants_and_feeds():
    """Serialized protos often end in a zero byte; NumPy's fixed-width bytes would drop it."""
    data = [b"ab\x00", b"\x00"]
    fed = tf.placeholder(tf.string, [None])
    with tf.Session() as sess:
        assert sess.run(tf.constant(data)).tolist() == data
        assert sess.run(tf.identity(fed), {fed: data}).tolist() == data
        assert sess.run(tf.constant("x\x00")) == b"x\x00"
