"""tf.io's encodings (base64, compressed strings, TensorProtos of dense and sparse
tensors, JSON Examples), PriorityQueue, SparseFeature and SequenceExample parsing,
against Python's own codecs, TensorFlow's serialized bytes and hand-written results."""
import base64
import gzip
import json
import zlib

import numpy as np
import pytest

import tensorflux as tf


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_top_level_aliases():
    assert tf.decode_base64 is tf.io.decode_base64 and tf.encode_base64 is tf.io.encode_base64
    assert tf.decode_compressed is tf.io.decode_compressed
    assert tf.decode_json_example is tf.io.decode_json_example
    assert tf.serialize_tensor is tf.io.serialize_tensor and tf.parse_tensor is tf.io.parse_tensor
    assert tf.serialize_sparse is tf.io.serialize_sparse
    assert tf.serialize_many_sparse is tf.io.serialize_many_sparse
    assert tf.deserialize_many_sparse is tf.io.deserialize_many_sparse
    assert tf.parse_single_sequence_example is tf.io.parse_single_sequence_example
    assert tf.SparseFeature is tf.io.SparseFeature and tf.PriorityQueue is tf.io.PriorityQueue
    assert tf.queue.PriorityQueue is tf.PriorityQueue
    assert tf.matching_files is tf.io.matching_files


def test_base64_is_url_safe_and_padding_is_optional():
    data = [b"hello world?", b"\xff\xfe\xfd", b"", b"ab"]
    plain = run(tf.io.encode_base64(data))
    padded = run(tf.io.encode_base64(np.array(data, dtype=object).reshape(2, 2), pad=True))
    assert list(plain) == [base64.urlsafe_b64encode(d).rstrip(b"=") for d in data]
    assert padded.shape == (2, 2)
    assert list(padded.ravel()) == [base64.urlsafe_b64encode(d) for d in data]
    assert list(run(tf.io.decode_base64(plain))) == data
    assert list(run(tf.io.decode_base64(padded.ravel()))) == data
    with pytest.raises(tf.errors.InvalidArgumentError, match="base64"):
        run(tf.io.decode_base64(["a+b/"]))  # not the URL-safe alphabet


def test_decode_compressed_reads_zlib_and_gzip():
    text = [b"some text " * 20, b""]
    z = [zlib.compress(t) for t in text]
    g = [gzip.compress(t) for t in text]
    assert list(run(tf.io.decode_compressed(z, "ZLIB"))) == text
    assert list(run(tf.io.decode_compressed(g, compression_type="GZIP"))) == text
    assert list(run(tf.io.decode_compressed(text))) == text
    with pytest.raises(tf.errors.DataLossError, match="GZIP"):
        run(tf.io.decode_compressed(z, "GZIP"))
    with pytest.raises(ValueError, match="compression_type"):
        tf.io.decode_compressed(z, "BZIP2")


# Written by TensorFlow 2.21: tf.io.serialize_tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
TF_SERIALIZED_FLOATS = (b'\x08\x01\x12\x08\x12\x02\x08\x02\x12\x02\x08\x03"\x18\x00\x00\x00\x00\x00'
                        b'\x00\x80?\x00\x00\x00@\x00\x00@@\x00\x00\x80@\x00\x00\xa0@')


def test_serialize_and_parse_tensor_match_tensorflow():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert run(tf.io.serialize_tensor(x)) == TF_SERIALIZED_FLOATS
    np.testing.assert_array_equal(run(tf.io.parse_tensor(TF_SERIALIZED_FLOATS, tf.float32)), x)
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2
    proto = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_INT64, int64_val=[4, -5],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[{"size": 2}]))
    np.testing.assert_array_equal(run(tf.io.parse_tensor(proto.SerializeToString(), tf.int64)),
                                  [4, -5])
    for value in (np.array([[b"a", b"bc"]], dtype=object), np.array(True), np.int32(-3)):
        t = tf.constant(value)
        back = run(tf.io.parse_tensor(tf.io.serialize_tensor(t), t.dtype))
        np.testing.assert_array_equal(back, value)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Type mismatch"):
        run(tf.io.parse_tensor(TF_SERIALIZED_FLOATS, tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="TensorProto"):
        run(tf.io.parse_tensor(b"\xff\xff\xff", tf.float32))


# Written by TensorFlow 2.21 for SparseTensor([[0, 1], [1, 0], [1, 2]], [1.5, 2.5, 3.5], [2, 3]).
TF_SPARSE = [b'\x08\t\x12\x08\x12\x02\x08\x03\x12\x02\x08\x02"0' + bytes(8) + b'\x01' + bytes(7)
             + b'\x01' + bytes(15) + b'\x01' + bytes(7) + b'\x02' + bytes(7),
             b'\x08\x01\x12\x04\x12\x02\x08\x03"\x0c\x00\x00\xc0?\x00\x00 @\x00\x00`@',
             b'\x08\t\x12\x04\x12\x02\x08\x02"\x10\x02' + bytes(7) + b'\x03' + bytes(7)]
TF_MANY_SPARSE = [[b'\x08\t\x12\x08\x12\x02\x08\x01\x12\x02\x08\x01"\x08\x01' + bytes(7),
                   b'\x08\x01\x12\x04\x12\x02\x08\x01"\x04\x00\x00\xc0?',
                   b'\x08\t\x12\x04\x12\x02\x08\x01"\x08\x03' + bytes(7)],
                  [b'\x08\t\x12\x08\x12\x02\x08\x02\x12\x02\x08\x01"\x10' + bytes(8) + b'\x02'
                   + bytes(7), b'\x08\x01\x12\x04\x12\x02\x08\x02"\x08\x00\x00 @\x00\x00`@',
                   b'\x08\t\x12\x04\x12\x02\x08\x01"\x08\x03' + bytes(7)]]


def test_sparse_serialization_matches_tensorflow():
    sp = tf.SparseTensor([[0, 1], [1, 0], [1, 2]], np.float32([1.5, 2.5, 3.5]), [2, 3])
    assert list(run(tf.io.serialize_sparse(sp))) == TF_SPARSE
    assert run(tf.io.serialize_many_sparse(sp)).tolist() == TF_MANY_SPARSE
    back = run(tf.io.deserialize_many_sparse(np.array(TF_MANY_SPARSE, dtype=object), tf.float32))
    np.testing.assert_array_equal(back.indices, [[0, 1], [1, 0], [1, 2]])
    np.testing.assert_array_equal(back.values, [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(back.dense_shape, [2, 3])


def test_deserialize_many_sparse_batches_and_checks():
    a = tf.SparseTensor([[0, 0], [2, 1]], [b"x", b"y"], [3, 2])
    b = tf.SparseTensor([[1, 4]], [b"z"], [2, 5])
    batch = tf.stack([tf.io.serialize_sparse(a), tf.io.serialize_sparse(b)])
    out = tf.io.deserialize_many_sparse(batch, tf.string, rank=3)
    assert out.indices.shape.as_list() == [None, 3]
    got = run(out)
    np.testing.assert_array_equal(got.indices, [[0, 0, 0], [0, 2, 1], [1, 1, 4]])
    assert list(got.values) == [b"x", b"y", b"z"]
    np.testing.assert_array_equal(got.dense_shape, [2, 3, 5])  # the largest of each dimension
    with pytest.raises(tf.errors.InvalidArgumentError, match="type float32"):
        run(tf.io.deserialize_many_sparse(batch, tf.float32))
    with pytest.raises(ValueError, match=r"\[N, 3\]"):
        tf.io.deserialize_many_sparse(tf.io.serialize_sparse(a), tf.string)
    with pytest.raises(TypeError, match="tf.string"):
        tf.io.serialize_sparse(a, out_type=tf.variant)


def test_decode_json_example_gives_the_binary_proto():
    text = json.dumps({"features": {"feature": {
        "age": {"int64List": {"value": ["29"]}},
        "name": {"bytesList": {"value": [base64.b64encode(b"ann").decode()]}}}}})
    binary = run(tf.io.decode_json_example([text]))[0]
    expected = tf.train.Example(features=tf.train.Features(feature={
        "age": tf.train.Feature(int64_list=tf.train.Int64List(value=[29])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"ann"]))}))
    assert tf.train.Example.FromString(binary) == expected
    with pytest.raises(tf.errors.InvalidArgumentError, match="JSON"):
        run(tf.io.decode_json_example(["{not json"]))


def test_priority_queue_dequeues_lowest_priority_first():
    q = tf.io.PriorityQueue(10, [tf.string, tf.float32], shapes=[[], [2]])
    assert q.dtypes == [tf.int64, tf.string, tf.float32]
    with tf.Session() as sess:
        sess.run(q.enqueue_many([[5, 1, 3, 1], [b"e", b"a", b"c", b"a2"],
                                 np.arange(8, dtype=np.float32).reshape(4, 2)]))
        sess.run(q.enqueue((2, b"b", [9.0, 9.0])))
        priorities, names, values = sess.run(q.dequeue_many(4))
        assert priorities.tolist() == [1, 1, 2, 3]
        assert names.tolist() == [b"a", b"a2", b"b", b"c"]  # equal priorities: first in, first out
        np.testing.assert_array_equal(values, [[2, 3], [6, 7], [9, 9], [4, 5]])
        assert sess.run(q.size()) == 1
        last = sess.run(q.dequeue())
        assert last[0] == 5 and last[1] == b"e"
    with pytest.raises(TypeError, match="int64"):  # the priority is an int64
        tf.io.PriorityQueue(10, [tf.int32]).enqueue((1.5, 2))


def _example(**features):
    feats = {}
    for key, values in features.items():
        if isinstance(values[0], float):
            feats[key] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
        else:
            feats[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    return tf.train.Example(features=tf.train.Features(feature=feats)).SerializeToString()


def test_sparse_feature_joins_indices_and_values():
    records = [_example(ix=[3, 1], iy=[0, 2], val=[0.5, 1.5]), _example(ix=[0], iy=[1], val=[2.0])]
    parsed = run(tf.io.parse_example(records, {
        "sp": tf.io.SparseFeature("ix", "val", tf.float32, 5),
        "ix": tf.io.VarLenFeature(tf.int64)}))
    np.testing.assert_array_equal(parsed["sp"].indices, [[0, 1], [0, 3], [1, 0]])  # sorted
    np.testing.assert_array_equal(parsed["sp"].values, [1.5, 0.5, 2.0])
    np.testing.assert_array_equal(parsed["sp"].dense_shape, [2, 5])
    np.testing.assert_array_equal(parsed["ix"].values, [3, 1, 0])  # also asked for itself
    assert set(parsed) == {"sp", "ix"}
    two_d = run(tf.io.parse_single_example(records[0], {
        "sp": tf.io.SparseFeature(["ix", "iy"], "val", tf.float32, [5, 3],
                                  already_sorted=True)}))["sp"]
    np.testing.assert_array_equal(two_d.indices, [[3, 0], [1, 2]])  # kept in the given order
    np.testing.assert_array_equal(two_d.dense_shape, [5, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="as many values"):
        run(tf.io.parse_example([_example(ix=[1, 2], val=[1.0])],
                                {"sp": tf.io.SparseFeature("ix", "val", tf.float32, 5)}))
    with pytest.raises(ValueError, match="also requested"):
        tf.io.parse_example(records, {"sp": tf.io.SparseFeature("ix", "val", tf.float32, 5),
                                      "ix": tf.io.FixedLenFeature([], tf.int64)})


def _sequence_example(length, tokens, frames):
    def feature_list(rows, kind):
        return tf.train.FeatureList(feature=[
            tf.train.Feature(int64_list=tf.train.Int64List(value=r)) if kind == "int"
            else tf.train.Feature(float_list=tf.train.FloatList(value=r)) for r in rows])
    return tf.train.SequenceExample(
        context=tf.train.Features(feature={
            "length": tf.train.Feature(int64_list=tf.train.Int64List(value=[length]))}),
        feature_lists=tf.train.FeatureLists(feature_list={
            "tokens": feature_list(tokens, "int"),
            "frames": feature_list(frames, "float")})).SerializeToString()


A = _sequence_example(3, [[1], [2], [3]], [[0.5, 1], [2, 3], [4, 5]])
B = _sequence_example(1, [[7, 8]], [[9, 9]])


def test_parse_single_sequence_example():
    context, lists = tf.io.parse_single_sequence_example(
        A, context_features={"length": tf.io.FixedLenFeature([], tf.int64),
                             "extra": tf.io.FixedLenFeature([2], tf.float32, default_value=[1, 2])},
        sequence_features={"frames": tf.io.FixedLenSequenceFeature([2], tf.float32),
                           "tokens": tf.io.VarLenFeature(tf.int64),
                           "absent": tf.io.FixedLenSequenceFeature([], tf.int64,
                                                                   allow_missing=True)})
    assert lists["frames"].shape.as_list() == [None, 2]
    context, lists = run([context, lists])
    assert context["length"] == 3
    np.testing.assert_array_equal(context["extra"], [1, 2])
    np.testing.assert_array_equal(lists["frames"], [[0.5, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(lists["tokens"].indices, [[0, 0], [1, 0], [2, 0]])
    np.testing.assert_array_equal(lists["tokens"].values, [1, 2, 3])
    np.testing.assert_array_equal(lists["tokens"].dense_shape, [3, 1])
    assert lists["absent"].shape == (0,)


def test_parse_sequence_example_pads_the_batch_and_gives_lengths():
    context, lists, lengths = tf.io.parse_sequence_example(
        [A, B], context_features={"length": tf.io.FixedLenFeature([], tf.int64)},
        sequence_features={"frames": tf.io.FixedLenSequenceFeature([2], tf.float32),
                           "tokens": tf.io.VarLenFeature(tf.int64)})
    context, lists, lengths = run([context, lists, lengths])
    np.testing.assert_array_equal(context["length"], [3, 1])
    np.testing.assert_array_equal(lists["frames"], [[[0.5, 1], [2, 3], [4, 5]],
                                                    [[9, 9], [0, 0], [0, 0]]])
    np.testing.assert_array_equal(lengths["frames"], [3, 1])
    np.testing.assert_array_equal(lists["tokens"].indices,
                                  [[0, 0, 0], [0, 1, 0], [0, 2, 0], [1, 0, 0], [1, 0, 1]])
    np.testing.assert_array_equal(lists["tokens"].values, [1, 2, 3, 7, 8])
    np.testing.assert_array_equal(lists["tokens"].dense_shape, [2, 3, 2])


def test_sequence_parsing_errors_are_tf1s():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Feature list 'absent' is required"):
        run(tf.io.parse_single_sequence_example(
            A, sequence_features={"absent": tf.io.FixedLenSequenceFeature([], tf.int64)}))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Key: frames, Index: 0"):
        run(tf.io.parse_single_sequence_example(
            A, sequence_features={"frames": tf.io.FixedLenSequenceFeature([3], tf.float32)}))
    with pytest.raises(ValueError, match="must be None"):
        tf.io.parse_sequence_example([A], sequence_features={
            "frames": tf.io.FixedLenSequenceFeature([2], tf.float32, default_value=-1.0)})
    with pytest.raises(ValueError, match="scalar"):
        tf.io.parse_single_sequence_example([A, B])
    with pytest.raises(ValueError, match="unsupported"):
        tf.io.parse_sequence_example([A], sequence_features={
            "frames": tf.io.FixedLenFeature([2], tf.float32)})
