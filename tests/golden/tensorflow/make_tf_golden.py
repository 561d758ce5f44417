"""Writes the TFRecord / Example golden files in this folder with real TensorFlow.

Run it with TensorFlow installed (in a throwaway virtual environment, not the project's):

    python -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu
    /tmp/tf/bin/python tests/golden/tensorflow/make_tf_golden.py

It writes three TFRecord files of the same serialized ``tf.train.Example``s (plain, GZIP
and ZLIB), one of ``SequenceExample``s, and ``expected.json``: what TensorFlow's own
``parse_example`` / ``parse_single_example`` / ``decode_raw`` / ``decode_csv`` return for
them. tests/test_tfrecord.py reads these files with tensorflux and compares.

With ``--check DIR`` it instead reads the files that tensorflux wrote into DIR
(``tests/test_tfrecord.py::test_write_files_for_tensorflow`` with TFX_WRITE_FOR_TF=DIR)
with TensorFlow and prints what it parsed.
"""
import json
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

HERE = os.path.dirname(os.path.abspath(__file__))
tf.disable_eager_execution()


def example(i):
    f = tf.train.Feature
    return tf.train.Example(features=tf.train.Features(feature={
        "id": f(int64_list=tf.train.Int64List(value=[i, -i * 1000000000000])),
        "score": f(float_list=tf.train.FloatList(value=[0.5 + i, -1.25 * i, 3.0e-3])),
        "name": f(bytes_list=tf.train.BytesList(value=[b"ex%d" % i])),
        "tags": f(bytes_list=tf.train.BytesList(value=[b"t%d" % j for j in range(i)])),
        "raw": f(bytes_list=tf.train.BytesList(value=[np.arange(4, dtype=np.float32).tobytes()])),
        "frames": f(float_list=tf.train.FloatList(value=[float(j) for j in range(2 * i)])),
    }))


def sequence_example(i):
    f = tf.train.Feature
    steps = [f(int64_list=tf.train.Int64List(value=[j, j * 10])) for j in range(i + 1)]
    return tf.train.SequenceExample(
        context=tf.train.Features(feature={"length": f(int64_list=tf.train.Int64List(value=[i + 1]))}),
        feature_lists=tf.train.FeatureLists(feature_list={"steps": tf.train.FeatureList(feature=steps)}))


def write_all():
    records = [example(i).SerializeToString() for i in range(3)]
    for name, options in [("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP"),
                          ("examples.tfrecord.zlib", "ZLIB")]:
        with tf.python_io.TFRecordWriter(os.path.join(HERE, name), options) as w:
            for r in records:
                w.write(r)
    with tf.python_io.TFRecordWriter(os.path.join(HERE, "sequence_examples.tfrecord")) as w:
        for i in range(2):
            w.write(sequence_example(i).SerializeToString())

    features = {
        "id": tf.FixedLenFeature([2], tf.int64),
        "score": tf.FixedLenFeature([3], tf.float32),
        "name": tf.FixedLenFeature([], tf.string),
        "missing": tf.FixedLenFeature([2], tf.float32, default_value=[7.0, 8.0]),
        "tags": tf.VarLenFeature(tf.string),
        "frames": tf.FixedLenSequenceFeature([2], tf.float32, allow_missing=True, default_value=-1.0),
    }
    serialized = tf.constant(records)
    parsed = tf.parse_example(serialized, features)
    single = tf.parse_single_example(records[2], features)
    raw = tf.decode_raw(tf.parse_example(serialized, {"raw": tf.FixedLenFeature([], tf.string)})["raw"], tf.float32)
    csv = tf.decode_csv(["1,2.5,a", "4,,\"b,c\""], [[0], [9.5], ["z"]])
    with tf.Session() as sess:
        p, s, r, c = sess.run([parsed, single, raw, csv])

    def jsonable(v):
        if isinstance(v, tf.SparseTensorValue):
            return {"indices": v.indices.tolist(), "values": jsonable(v.values),
                    "dense_shape": v.dense_shape.tolist()}
        v = np.asarray(v)
        if v.dtype.kind in "OS":
            return np.vectorize(bytes.decode, otypes=[object])(v).tolist()
        return v.tolist()

    expected = {"records": [r.hex() for r in records],
                "parse_example": {k: jsonable(v) for k, v in p.items()},
                "parse_single_example": {k: jsonable(v) for k, v in s.items()},
                "decode_raw": jsonable(r), "decode_csv": [jsonable(x) for x in c],
                "tensorflow_version": tf.__version__}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, sort_keys=True)
        f.write("\n")


def check(folder):
    """Read what tensorflux wrote into ``folder`` with TensorFlow and print it."""
    for name in sorted(os.listdir(folder)):
        options = "GZIP" if name.endswith(".gz") else "ZLIB" if name.endswith(".zlib") else None
        records = list(tf.python_io.tf_record_iterator(os.path.join(folder, name), options))
        print(name, len(records), "records")
        for r in records:
            print(" ", tf.train.Example.FromString(r).features.feature["value"])


if __name__ == "__main__":
    check(sys.argv[2]) if sys.argv[1:2] == ["--check"] else write_all()
