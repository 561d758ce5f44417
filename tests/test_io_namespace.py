"""tf.io: TF1's aliases of the parsing, file, queue and image-codec ops, used through
their tf.io names (aliases checked by identity, then used)."""
import io as pyio
import os

import numpy as np
import pytest
from PIL import Image

import tensorflux as tf


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_aliases_are_the_top_level_objects():
    assert tf.io.FixedLenFeature is tf.FixedLenFeature
    assert tf.io.FixedLenSequenceFeature is tf.FixedLenSequenceFeature
    assert tf.io.VarLenFeature is tf.VarLenFeature
    assert tf.io.parse_example is tf.parse_example
    assert tf.io.decode_csv is tf.decode_csv
    assert tf.io.write_file is tf.write_file
    assert tf.io.QueueBase is tf.QueueBase
    assert tf.io.PaddingFIFOQueue is tf.PaddingFIFOQueue
    assert tf.io.RandomShuffleQueue is tf.RandomShuffleQueue
    assert tf.io.TFRecordCompressionType is tf.python_io.TFRecordCompressionType
    assert tf.io.TFRecordOptions is tf.python_io.TFRecordOptions
    assert tf.io.match_filenames_once is tf.train.match_filenames_once
    assert tf.io.write_graph is tf.train.write_graph
    for name in ("decode_and_crop_jpeg", "decode_bmp", "decode_gif", "decode_image",
                 "decode_jpeg", "decode_png", "decode_webp", "encode_jpeg", "encode_png",
                 "extract_jpeg_shape", "is_jpeg"):
        assert getattr(tf.io, name) is getattr(tf.image, name), name


def _example(**features):
    feats = {}
    for key, (kind, values) in features.items():
        if kind == "int":
            feats[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
        elif kind == "float":
            feats[key] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
        else:
            feats[key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    return tf.train.Example(features=tf.train.Features(feature=feats)).SerializeToString()


def test_gzip_tfrecords_parsed_with_tf_io_names(tmp_path):
    path = str(tmp_path / "data.tfrecord.gz")
    options = tf.io.TFRecordOptions(tf.io.TFRecordCompressionType.GZIP)
    records = [_example(label=("int", [1]), xy=("float", [0.5, 1.5]), tags=("bytes", [b"a", b"b"]),
                        seq=("int", [1, 2, 3, 4])),
               _example(label=("int", [0]), xy=("float", [2.0, -1.0]), tags=("bytes", [b"c"]),
                        seq=("int", [5, 6]))]
    with tf.io.TFRecordWriter(path, options) as writer:
        for r in records:
            writer.write(r)
    with open(path, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"  # a gzip stream
    read_back = list(tf.io.tf_record_iterator(path, options))
    assert read_back == records
    parsed = tf.io.parse_example(read_back, {
        "label": tf.io.FixedLenFeature([], tf.int64),
        "xy": tf.io.FixedLenFeature([2], tf.float32),
        "missing": tf.io.FixedLenFeature([], tf.float32, default_value=-1.0),
        "tags": tf.io.VarLenFeature(tf.string),
        "seq": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True, default_value=0)})
    out = run(parsed)
    np.testing.assert_array_equal(out["label"], [1, 0])
    np.testing.assert_array_equal(out["xy"], [[0.5, 1.5], [2.0, -1.0]])
    np.testing.assert_array_equal(out["missing"], [-1.0, -1.0])
    np.testing.assert_array_equal(out["tags"].indices, [[0, 0], [0, 1], [1, 0]])
    assert list(out["tags"].values) == [b"a", b"b", b"c"]
    np.testing.assert_array_equal(out["seq"], [[[1, 2], [3, 4]], [[5, 6], [0, 0]]])
    one = run(tf.io.parse_single_example(records[1], {"label": tf.io.FixedLenFeature([], tf.int64)}))
    assert one["label"] == 0


def test_decode_csv_files_and_filename_matching(tmp_path):
    cols = tf.io.decode_csv(["1,2.5,x", "3,,y"], record_defaults=[[0], [9.0], ["?"]])
    a, b, c = run(cols)
    np.testing.assert_array_equal(a, [1, 3])
    np.testing.assert_array_equal(b, np.float32([2.5, 9.0]))
    assert list(c) == [b"x", b"y"]
    target = str(tmp_path / "out.txt")
    run(tf.io.write_file(target, "hello"))
    with open(target, "rb") as f:
        assert f.read() == b"hello"
    assert run(tf.io.read_file(target)) == b"hello"
    (tmp_path / "other.txt").write_bytes(b"")
    files = tf.io.match_filenames_once(os.path.join(str(tmp_path), "*.txt"))
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        names = sorted(os.path.basename(n.decode()) for n in sess.run(files))
    assert names == ["other.txt", "out.txt"]


def test_queues_through_tf_io():
    assert issubclass(tf.io.PaddingFIFOQueue, tf.io.QueueBase)
    q = tf.io.PaddingFIFOQueue(4, [tf.int32], shapes=[[None]])
    with tf.Session() as sess:
        sess.run(q.enqueue([[1, 2, 3]]))
        sess.run(q.enqueue([[4]]))
        np.testing.assert_array_equal(sess.run(q.dequeue_many(2)), [[1, 2, 3], [4, 0, 0]])
    tf.set_random_seed(3)
    shuffle = tf.io.RandomShuffleQueue(10, min_after_dequeue=0, dtypes=[tf.int32], shapes=[[]])
    with tf.Session() as sess:
        sess.run(shuffle.enqueue_many([list(range(10))]))
        assert sorted(sess.run(shuffle.dequeue_many(10))) == list(range(10))


def _pil_bytes(array, fmt):
    out = pyio.BytesIO()
    Image.fromarray(array).save(out, format=fmt)
    return out.getvalue()


def test_image_codecs_through_tf_io():
    rng = np.random.RandomState(0)
    img = rng.randint(0, 256, (6, 5, 3)).astype(np.uint8)
    png = run(tf.io.encode_png(img))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(run(tf.io.decode_png(png)), img)
    np.testing.assert_array_equal(run(tf.io.decode_image(png)), img)
    np.testing.assert_array_equal(run(tf.io.decode_bmp(_pil_bytes(img, "BMP"))), img)
    assert run(tf.io.decode_gif(_pil_bytes(img, "GIF"))).shape == (1, 6, 5, 3)
    np.testing.assert_array_equal(
        run(tf.io.decode_webp(_pil_bytes(np.dstack([img, np.full((6, 5), 255, np.uint8)]),
                                         "WEBP"), channels=4)).shape, (6, 5, 4))
    smooth = np.tile(np.linspace(0, 255, 16).astype(np.uint8)[None, :, None], (12, 1, 3))
    jpeg = run(tf.io.encode_jpeg(smooth, quality=95))
    assert run(tf.io.is_jpeg(jpeg)) and not run(tf.io.is_jpeg(png))
    np.testing.assert_array_equal(run(tf.io.extract_jpeg_shape(jpeg)), [12, 16, 3])
    whole = run(tf.io.decode_jpeg(jpeg))
    reference = np.asarray(Image.open(pyio.BytesIO(jpeg)).convert("RGB"))
    assert np.abs(whole.astype(int) - reference.astype(int)).max() <= 1
    crop = run(tf.io.decode_and_crop_jpeg(jpeg, [2, 3, 5, 7]))
    np.testing.assert_array_equal(crop, whole[2:7, 3:10])
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.io.decode_png(b"not an image"))
