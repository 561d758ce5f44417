"""Issue 12, point by point: every file detects corruption, every bad input gets a
named error. Loads that once hung or flooded memory run in the fuzz harness's worker
process (``fuzz_files.Worker``), which bounds their time and measures their memory."""
import errno
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import tensorflux as tf
from fuzz_files import FORMATS, Worker, rewrite_graph_document
from tensorflux.contrib.datasets import idx
from tensorflux.examples.tutorials.mnist import input_data
from tensorflux.serialization import h5safe
from tensorflux.serialization.events import masked_crc32c
from tensorflux.serialization.graph_format import GraphFormatError


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def save_variable(path, value, name="v"):
    """Save a variable of ``value`` (or of what ``value()`` builds) alone in a graph."""
    with tf.Graph().as_default():
        v = tf.Variable(value() if callable(value) else value, name=name)
        with tf.Session() as sess:
            sess.run(v.initializer)
            tf.train.Saver().save(sess, path)


def restore_variable(path, value, name="v"):
    with tf.Graph().as_default():
        v = tf.Variable(np.zeros_like(value), name=name)
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, path)
            return sess.run(v)


# --- 1. a flipped bit in a variable's data --------------------------------------------------
def test_1_a_flipped_data_byte_is_data_loss_naming_file_and_variable(tmp_path):
    path = str(tmp_path / "model.ckpt")
    value = np.array([1, 2, 3, 4], np.float32)
    save_variable(path, value)
    data = bytearray(open(path, "rb").read())
    at = data.find(value.tobytes())
    assert data.count(value.tobytes()) == 1
    data[at] ^= 0x01  # was restored silently as [1.0000001, 2, 3, 4]
    open(path, "wb").write(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match=r"checksum mismatch in variable 'v'") as info:
        restore_variable(path, value)
    assert path in str(info.value)


# --- 2. a damaged global heap made restore loop forever -------------------------------------
def test_2_new_checkpoints_have_no_global_heap_and_metadata_damage_is_detected(tmp_path):
    path = str(tmp_path / "model.ckpt")
    save_variable(path, lambda: tf.zeros([2]))  # the variable
    data = bytearray(open(path, "rb").read())
    assert b"GCOL" not in data  # nothing variable-length: no heap the HDF5 library can loop on
    at = data.find(b"float32")  # the dtype attribute, inside a checksummed object header
    assert at > 0
    data[at] = ord("x")
    open(path, "wb").write(bytes(data))
    with pytest.raises(tf.errors.DataLossError) as info:
        restore_variable(path, np.zeros(2, np.float32))
    assert path in str(info.value)


def write_version_1_checkpoint(path, key, value):
    """A checkpoint as tensorflux wrote format version 1 (docs/file-formats.md): the
    earliest HDF5 format, variable-length string attributes, no checksums."""
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["format"] = "tensorflux-checkpoint"
        f.attrs["format_version"] = np.int64(1)
        f.attrs["global_step"] = np.int64(-1)
        f.attrs["tensorflux_version"] = "0.1.0"
        data = f.create_group("variables").create_dataset(key + ":0", data=value)
        data.attrs["name"] = key
        data.attrs["dtype"] = value.dtype.name
        data.attrs["shape"] = np.asarray(value.shape, dtype=np.int64)
        data.attrs["trainable"] = np.uint8(1)


def test_2_the_hanging_heap_damage_in_a_version_1_file_raises_within_a_second(tmp_path, worker):
    path = str(tmp_path / "model.ckpt")
    write_version_1_checkpoint(path, "v", np.zeros(2, np.float32))  # the variable
    assert worker.run(FORMATS["checkpoint-v1"], path).error is None  # (imports paid here)
    data = bytearray(open(path, "rb").read())
    at = data.find(struct.pack("<Q", 7) + b"float32")  # a heap object: its length, "float32"
    assert at > 0 and b"GCOL" in data
    data[at] = 150
    open(path, "wb").write(bytes(data))
    outcome = worker.run(FORMATS["checkpoint-v1"], path)  # was: never returned
    assert outcome.error == "tensorflux.core.errors.DataLossError", outcome.message
    assert "global heap" in outcome.message and path in outcome.message
    assert outcome.seconds < 1.0  # it takes milliseconds


# --- 3. a tiny file claiming a huge dataset ------------------------------------------------
def test_3_a_huge_declared_dataset_is_refused_before_allocating(tmp_path, worker):
    path = str(tmp_path / "model.ckpt")
    save_variable(path, np.zeros(2, np.float32))
    with h5py.File(path, "r+", libver=h5safe.LIBVER) as f:
        attrs = dict(f["variables/v:0"].attrs)
        del f["variables/v:0"]
        data = f["variables"].create_dataset("v:0", shape=(200_000_000,), dtype=np.float32,
                                             chunks=(1024,))
        data.attrs.update(attrs)
    assert os.path.getsize(path) < 16_000
    outcome = worker.run(FORMATS["checkpoint"], path)
    assert outcome.error == "tensorflux.core.errors.DataLossError", outcome.message
    assert "far larger than the file" in outcome.message and path in outcome.message
    assert outcome.peak < 2_000_000  # was: 800 MB allocated before the shape check


# --- 4. data from elsewhere: external storage, virtual datasets, links, filters -----------
def _replace_v(path, make):
    with h5py.File(path, "r+", libver=h5safe.LIBVER) as f:
        del f["variables/v:0"]
        make(f["variables"])


SECRET = b"secret!!"


def _external(group, secret):
    group.create_dataset("v:0", shape=(2,), dtype=np.float32, external=[(secret, 0, 8)])


def _virtual(group, secret):
    layout = h5py.VirtualLayout(shape=(2,), dtype=np.float32)
    layout[:] = h5py.VirtualSource(secret, "x", shape=(2,))
    group.create_virtual_dataset("v:0", layout)


def _soft_link(group, secret):
    group.create_dataset("w:0", data=np.zeros(2, np.float32))
    group["v:0"] = h5py.SoftLink("/variables/w:0")


def _external_link(group, secret):
    group["v:0"] = h5py.ExternalLink(secret, "/x")


def _unknown_filter(group, secret):
    group.create_dataset("v:0", data=np.zeros(2, np.float32), chunks=(2,), compression=32015,
                         allow_unknown_filter=True)


@pytest.mark.parametrize("make, reason", [
    (_external, "external files"), (_virtual, "virtual dataset"), (_soft_link, "SoftLink"),
    (_external_link, "ExternalLink"), (_unknown_filter, "filter")])
def test_4_data_from_other_files_or_unknown_filters_is_refused(tmp_path, make, reason):
    path = str(tmp_path / "model.ckpt")
    secret = str(tmp_path / "secret.bin")
    open(secret, "wb").write(SECRET)
    save_variable(path, np.zeros(2, np.float32))
    _replace_v(path, lambda group: make(group, secret))
    with pytest.raises(tf.errors.DataLossError, match=reason) as info:
        restore_variable(path, np.zeros(2, np.float32))
    assert path in str(info.value)


# --- 5. odd dtypes and attributes in NewCheckpointReader ------------------------------------
def test_5_opaque_dtype_and_array_global_step_are_named_errors(tmp_path):
    path = str(tmp_path / "model.ckpt")
    save_variable(path, np.zeros(2, np.float32))
    opaque = str(tmp_path / "opaque.ckpt")
    shutil.copy(path, opaque)
    _replace_v(opaque, lambda g: g.create_dataset("v:0", data=np.array([b"abcd"] * 2, dtype="V4")))
    with pytest.raises(tf.errors.DataLossError, match="unsupported HDF5 type") as info:
        tf.train.NewCheckpointReader(opaque).get_variable_to_dtype_map()
    assert opaque in str(info.value)
    with h5py.File(path, "r+", libver=h5safe.LIBVER) as f:
        f.attrs["global_step"] = np.arange(3, dtype=np.int64)
    with pytest.raises(tf.errors.DataLossError, match="global_step") as info:
        tf.train.NewCheckpointReader(path).global_step
    assert path in str(info.value)


# --- 6. malformed .meta entries ---------------------------------------------------------------
@pytest.fixture
def meta_path(tmp_path):
    path = str(tmp_path / "model.meta")
    with tf.Graph().as_default():
        tf.Variable([1.0, 2.0], name="v")
        tf.train.export_meta_graph(path)
    return path


def _variable_entry(doc):
    return doc["collections"]["variables"][0]


@pytest.mark.parametrize("mutate, entry", [
    (lambda d: d.update(saver=["v"]), "malformed saver entry"),
    (lambda d: _variable_entry(d).update(variable_name=5), "names 5"),
    (lambda d: _variable_entry(d).update(variable_name="v:7"), "names 'v:7'"),
    (lambda d: _variable_entry(d).update(snapshot_name="v:7"), "names 'v:7'"),
    (lambda d: d["collections"].update(extra=[{"kind": "tensor", "name": "v:7"}]), "names 'v:7'"),
    (lambda d: _variable_entry(d).update(initializer_name="v:0"), "not of type Operation"),
    (lambda d: d.update(seed="x"), "seed"),
])
def test_6_malformed_meta_entries_are_graph_format_errors(meta_path, mutate, entry):
    rewrite_graph_document(meta_path, mutate)
    with tf.Graph().as_default():
        with pytest.raises(GraphFormatError, match=entry) as info:
            tf.train.import_meta_graph(meta_path)
    assert meta_path in str(info.value)


def test_6_a_damaged_meta_document_fails_its_checksum(meta_path):
    data = bytearray(open(meta_path, "rb").read())
    at = data.find(b'"VariableV2"')
    data[at + 1] = ord("W")  # still valid JSON naming another op type: only the checksum sees it
    open(meta_path, "wb").write(bytes(data))
    with tf.Graph().as_default():
        with pytest.raises(GraphFormatError, match="checksum mismatch in the graph document"):
            tf.train.import_meta_graph(meta_path)


# --- 7. event files: huge lengths, and tf.train.summary_iterator -------------------------------
def _events_file(tmp_path):
    logdir = str(tmp_path / "logs")
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, name="x")
        summary = tf.summary.scalar("loss", x)
        writer = tf.summary.FileWriter(logdir)
        with tf.Session() as sess:
            for step, value in enumerate([0.5, 0.25]):
                writer.add_summary(sess.run(summary, {x: value}), step)
        writer.close()
    return os.path.join(logdir, os.listdir(logdir)[0])


def test_7_summary_iterator_yields_the_events_written(tmp_path):
    events = list(tf.train.summary_iterator(_events_file(tmp_path)))
    assert events[0].file_version == "brain.Event:2"
    scalars = [(e.step, v.tag, v.simple_value) for e in events[1:] for v in e.summary.value]
    assert scalars == [(0, "loss", 0.5), (1, "loss", 0.25)]


@pytest.mark.parametrize("length", [2 ** 62, 2 ** 63 + 5, 2 ** 64 - 1])
def test_7_huge_record_lengths_are_data_loss_naming_file_and_offset(tmp_path, length):
    path = _events_file(tmp_path)
    good = os.path.getsize(path)
    header = struct.pack("<Q", length)
    with open(path, "ab") as f:  # a valid length checksum around an impossible length
        f.write(header + struct.pack("<I", masked_crc32c(header)) + b"\0" * 16)
    with pytest.raises(tf.errors.DataLossError, match=f"byte offset {good}") as info:
        list(tf.train.summary_iterator(path))
    assert path in str(info.value)


# --- 8. a damaged deflate stream in an MNIST .gz ---------------------------------------------
def test_8_a_damaged_mnist_gz_is_the_data_sets_error_naming_the_file(tmp_path):
    from tensorflux.contrib.datasets import mnist
    directory = str(tmp_path / "mnist")
    os.makedirs(directory)
    images, labels = np.zeros((30, 4, 4), np.uint8) + 7, np.arange(30, dtype=np.uint8) % 10
    idx.write_images(os.path.join(directory, mnist.FILES["train_images"]), images)
    idx.write_labels(os.path.join(directory, mnist.FILES["train_labels"]), labels)
    idx.write_images(os.path.join(directory, mnist.FILES["test_images"]), images)
    idx.write_labels(os.path.join(directory, mnist.FILES["test_labels"]), labels)
    damaged = os.path.join(directory, mnist.FILES["test_images"])
    data = bytearray(open(damaged, "rb").read())
    data[-12:-8] = b"\xff\x07\x00\xff"  # inside the deflate stream, before the gzip trailer
    open(damaged, "wb").write(bytes(data))
    with pytest.raises(idx.IDXError) as info:
        input_data.read_data_sets(directory, validation_size=5)
    assert damaged in str(info.value)


# --- 9. large uniform initializers are Fills, not constants --------------------------------
def test_9_large_uniform_tensors_are_fills_and_meta_files_stay_small(tmp_path):
    ones = tf.ones([700, 1000], name="ones")
    zeros = tf.zeros([700, 1000], tf.int32)
    small = tf.zeros([3, 5])
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [700, 1000], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [700, 1000], initializer=tf.ones_initializer())
        c = tf.get_variable("c", [700, 1000], initializer=tf.constant_initializer(0.5))
    grads = tf.gradients(w * 2.0, [w])  # grad_ys of a [700, 1000] output
    assert ones.op.type == "Fill" and zeros.op.type == "Fill" and small.op.type == "Const"
    path = str(tmp_path / "g.meta")
    tf.train.export_meta_graph(path)
    assert os.path.getsize(path) < 200_000  # a full [700, 1000] float32 constant is 2.8 MB
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run([ones, zeros, small, w, b, c, grads[0]])
    expected = [np.ones((700, 1000)), np.zeros((700, 1000)), np.zeros((3, 5)),
                np.zeros((700, 1000)), np.ones((700, 1000)), np.full((700, 1000), 0.5),
                np.full((700, 1000), 2.0)]
    for value, reference in zip(got, expected):
        np.testing.assert_array_equal(value, reference)
    assert got[1].dtype == np.int32


def test_9_fill_of_constants_is_known_while_building():
    from tensorflux.ops.shape_fns import constant_value
    np.testing.assert_array_equal(constant_value(tf.ones([40, 30], tf.int64)),
                                  np.ones((40, 30), np.int64))
    assert tf.reshape(tf.zeros([50, 40]), [-1]).shape.as_list() == [2000]


# --- 10 and 11. saving onto a full disk ---------------------------------------------------------
def _listed(directory):
    state = tf.train.get_checkpoint_state(directory)
    paths = [] if state is None else state.all_model_checkpoint_paths
    return {os.path.basename(p) for path in paths for p in (path, path + ".meta")} | {"checkpoint"}


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.05, 0.3, 0.6, 0.9, 0.99, 0.999, 1.0, 1.1, 2.0])
def test_10_11_a_full_disk_is_resource_exhausted_and_leaves_nothing_unlisted(tmp_path, monkeypatch,
                                                                           fraction):
    """A disk that fills up after ``fraction`` of the bytes a save writes (checkpoint,
    then .meta, then state file): the save either completes or raises
    ResourceExhaustedError naming a path; the previous checkpoint restores; no file is
    left that the state file does not list."""
    directory = str(tmp_path)
    v = tf.Variable(np.arange(6, dtype=np.float32), name="v")
    tf.train.get_or_create_global_step()
    nines = v.assign(np.full(6, 9.0, np.float32))  # (the graph is the same for both saves)
    saver = tf.train.Saver()
    real_write, left = os.write, [None]

    def write(fd, data):  # counts down the free space; None: unlimited
        if left[0] is None:
            return real_write(fd, data)
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = min(len(data), left[0])
        left[0] -= n
        return real_write(fd, bytes(memoryview(data)[:n]))

    monkeypatch.setattr(os, "write", write)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        left[0] = 10 ** 9
        first = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=1)
        needed = 10 ** 9 - left[0]
        sess.run(nines)
        left[0] = int(needed * fraction)
        try:
            second = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=2)
        except tf.errors.ResourceExhaustedError as exc:
            assert directory in str(exc) and "No space left" in str(exc)
            second = None
        left[0] = None
    if fraction != 1.0:  # (the second save writes a little more: its state file lists two)
        assert (second is not None) == (fraction > 1.0)
    assert sorted(os.listdir(directory)) == sorted(_listed(directory))
    latest = tf.train.latest_checkpoint(directory)
    assert latest == (second or first)
    tf.reset_default_graph()
    v = tf.Variable(np.zeros(6, np.float32), name="v")
    with tf.Session() as sess:
        tf.train.Saver([v]).restore(sess, latest)
        expected = np.full(6, 9.0) if second else np.arange(6)
        np.testing.assert_array_equal(sess.run(v), expected)


FILE_SIZE_LIMIT = textwrap.dedent("""
    import os, resource, sys
    import numpy as np
    import tensorflux as tf
    v = tf.Variable(np.arange(4096, dtype=np.float32), name="v")  # a checkpoint of ~17 KB
    tf.constant(np.arange(8192, dtype=np.float32))  # a .meta of ~50 KB
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        saver.save(sess, os.path.join(sys.argv[1], "model.ckpt"), global_step=1)
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
        try:
            saver.save(sess, os.path.join(sys.argv[1], "model.ckpt"), global_step=2)
        except tf.errors.ResourceExhaustedError as exc:
            print("ResourceExhaustedError", exc)
""")


@pytest.mark.parametrize("limit", [4_000, 30_000])  # in the checkpoint, or in its .meta
def test_10_11_a_file_size_limit_is_resource_exhausted_and_leaves_nothing_unlisted(tmp_path, limit):
    out = subprocess.run([sys.executable, "-c", FILE_SIZE_LIMIT, str(tmp_path), str(limit)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ResourceExhaustedError") and "File too large" in out.stdout
    assert str(tmp_path) in out.stdout
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-1", "model.ckpt-1.meta"]
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-1")


def test_10_the_state_file_on_a_full_disk_is_resource_exhausted_naming_it(tmp_path, monkeypatch):
    from tensorflux.serialization import atomic
    v = tf.Variable(1.0, name="v")
    disk_full, real_write = [False], os.write

    def write(fd, data):
        if disk_full[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    def state_file_on_full_disk(target, text):
        disk_full[0] = True
        atomic.write_text_atomic(target, text)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr("tensorflux.serialization.saver.write_text_atomic", state_file_on_full_disk)
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.ResourceExhaustedError, match="checkpoint'") as info:
            tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"), global_step=3)
    assert str(tmp_path / "checkpoint") in str(info.value)
    assert os.listdir(tmp_path) == []  # the checkpoint and .meta it wrote are gone again


# --- 12. bad input to the API ------------------------------------------------------------------
def test_12_out_of_range_python_ints_fed_to_int32_are_type_errors():
    x = tf.placeholder(tf.int32, name="x")
    with tf.Session() as sess:
        for value in (2 ** 40, [1, 2 ** 40], -2 ** 31 - 1):
            with pytest.raises(TypeError, match="not compatible with Tensor type int32"):
                sess.run(x, {x: value})
        assert sess.run(x, {x: 2 ** 31 - 1}) == 2 ** 31 - 1


def test_12_integer_division_by_zero_is_invalid_argument():
    a, b = tf.constant([7, -7], tf.int32), tf.constant([2, 0], tf.int32)
    with tf.Session() as sess:
        for op in (tf.floordiv(a, b), tf.floormod(a, b), tf.div(a, b), a // b, a % b):
            with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
                sess.run(op)
        np.testing.assert_array_equal(sess.run(tf.floordiv(a, tf.constant([2, 3]))), [3, -3])


def test_12_fetching_a_missing_tensor_name_is_a_value_error():
    tf.constant(1.0, name="c")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="'nope:0' refers to a Tensor which does not exist"):
            sess.run("nope:0")
        with pytest.raises(ValueError, match="cannot be interpreted as a Tensor"):
            sess.run(["c:0", "c:3"])


def test_12_strings_fed_to_number_tensors_parse_as_tf1_does():
    x = tf.placeholder(tf.float32, name="x")
    with tf.Session() as sess:
        assert sess.run(x, {x: "1.5"}) == np.float32(1.5)
        with pytest.raises(ValueError, match="'x:0'"):
            sess.run(x, {x: "abc"})


def test_12_a_ragged_feed_is_a_value_error_naming_the_tensor():
    x = tf.placeholder(tf.float32, [None, None], name="batch")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="'batch:0'"):
            sess.run(x, {x: [[1.0, 2.0], [3.0]]})


def test_meta_files_stay_plain_hdf5_and_json(meta_path):
    """The checksums change nothing for other readers: plain h5py and json read the file."""
    with h5py.File(meta_path, "r") as f:
        doc = json.loads(f["graph"][()])
    assert doc["format"] == "tensorflux-graph" and doc["nodes"]
