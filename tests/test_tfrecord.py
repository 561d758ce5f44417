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
