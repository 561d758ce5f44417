"""A reusable harness that fuzzes file loaders, bounded in time and memory.

A ``FileFormat`` says how to write sample files, how to load one completely, which
error classes the loader documents, where the regions of a file are, by kind (byte flips
and truncations pick a kind of region first, so that each kind is hit, not only the
large or numerous ones) and which structural edits make a well-formed file that means
something wrong. ``test_fuzz_files.py`` runs every
format in ``FORMATS`` under hypothesis; a new reader (a TFRecord dataset, say) is one
more entry.

Loading runs in a worker process (``Worker``), one case at a time: a case that runs
past ``HANG_SECONDS`` is killed and fails, and each case reports the peak memory that
Python and NumPy allocated (tracemalloc), which must stay within the clean sample's
peak plus ``EXPANSION`` times the file's size (plus ``SLACK``). The worker's address space is limited
too, so an allocation HDF5 makes in C cannot run away either.

Run as ``python fuzz_files.py --worker`` it is that worker: it reads one JSON request
per line (format name, path) and answers one JSON line (error class, message, seconds,
peak bytes, a digest of what was loaded).
"""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import time
from typing import Callable

import numpy as np

HANG_SECONDS = 10.0  # a case still running after this is a hang (the usual case: ~10 ms)
EXPANSION = 16       # memory a case may use beyond the clean load, in file sizes,
SLACK = 1 << 18      # plus this (an error's traceback and message, buffers)


@dataclasses.dataclass(frozen=True)
class FileFormat:
    """What the harness needs to know about one file format."""

    name: str
    write_samples: Callable[[str], list]     # (directory) -> paths written there
    load: Callable[[str], str]               # (path) -> digest of everything loaded
    errors: Callable[[], tuple]              # the documented error classes
    regions: Callable[[str], dict]           # (path) -> {kind of region: [(start, end), ...]}
    edits: tuple = ()                        # (draw, path) -> None: structural edits in place
    silent: frozenset = frozenset()          # mutation kinds it cannot detect ("flip", "truncate")
    fuzzed: bool = True                      # False: only for targeted tests through the Worker


# --- checkpoints ---------------------------------------------------------------------------
def _checkpoint_variables():
    """The sample's variables: every dtype kind, and more than 8 in one group so that
    HDF5 uses its dense link storage (fractal heap and B-tree) as well as the compact."""
    import tensorflux as tf
    with tf.variable_scope("dense"):
        for i in range(10):
            tf.get_variable(f"w{i}", initializer=tf.constant(np.arange(i + 1, dtype=np.float32) / 4))
    tf.Variable(np.array([[1, -2], [3, 4]], np.int64), name="ints")
    tf.Variable(np.array([True, False]), name="flags")
    tf.Variable(np.array([1 + 2j], np.complex64), name="z")
    tf.Variable(np.float16(1.5), name="half")
    tf.Variable(tf.constant([b"ab", b"c\x00"]), name="words")
    return tf.train.get_or_create_global_step()


def write_checkpoint_samples(directory):
    import tensorflux as tf
    path = os.path.join(directory, "model.ckpt")
    with tf.Graph().as_default():
        step = _checkpoint_variables()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step.assign(7))
            tf.train.Saver().save(sess, path, global_step=7, write_meta_graph=False)
    return [path + "-7"]


def load_checkpoint(path):
    """Everything a checkpoint offers: the reader's maps, global step and tensors, and a
    restore into the graph that wrote it."""
    import tensorflux as tf
    digest = hashlib.sha256()
    with tf.train.NewCheckpointReader(path) as reader:
        shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
        digest.update(repr((sorted(shapes.items()), sorted((k, d.name) for k, d in dtypes.items()),
                            reader.global_step)).encode())
        for key in sorted(shapes):
            digest.update(repr(reader.get_tensor(key).tolist()).encode())
    with tf.Graph().as_default():
        _checkpoint_variables()
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, path)
    return digest.hexdigest()


GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")


def read_checkpoint(path):
    """Everything NewCheckpointReader offers, without a graph."""
    import tensorflux as tf
    with tf.train.NewCheckpointReader(path) as reader:
        shapes = reader.get_variable_to_shape_map()
        found = [sorted(shapes.items()), sorted((k, d.name) for k, d in
                                                reader.get_variable_to_dtype_map().items()),
                 reader.global_step] + [reader.get_tensor(k).tolist() for k in sorted(shapes)]
    return hashlib.sha256(repr(found).encode()).hexdigest()


def _checkpoint_errors():
    import tensorflux as tf
    return (tf.errors.DataLossError, tf.errors.NotFoundError, tf.errors.InvalidArgumentError)


_HDF5_STRUCTURES = {b"OHDR": "object header", b"OCHK": "object header", b"FRHP": "heap",
                    b"FHDB": "heap", b"FHIB": "heap", b"HEAP": "heap", b"GCOL": "heap",
                    b"BTHD": "B-tree", b"BTLF": "B-tree", b"BTIN": "B-tree", b"TREE": "B-tree",
                    b"FSHD": "free space", b"FSSE": "free space", b"SNOD": "symbol table"}
_HDF5_SIGNATURES = re.compile(b"|".join(_HDF5_STRUCTURES))


def hdf5_regions(path):
    """The superblock, each metadata structure (from its signature to the next thing)
    by kind, and each dataset's raw data."""
    import h5py
    data = open(path, "rb").read()
    kinds = {0: "superblock"}
    kinds.update((m.start(), _HDF5_STRUCTURES[m.group()]) for m in _HDF5_SIGNATURES.finditer(data))
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.id.get_offset() is not None:
                start = obj.id.get_offset()
                kinds[start] = "raw data"
                kinds.setdefault(start + obj.id.get_storage_size(), "gap")
        f.visititems(visit)
    return _by_kind(kinds, len(data))


def _by_kind(kinds, size):
    """{kind: [(start, end), ...]} from {start: kind}: each region runs to the next."""
    starts = sorted(k for k in kinds if 0 <= k < size)
    found = {}
    for start, end in zip(starts, starts[1:] + [size]):
        if end > start:
            found.setdefault(kinds[start], []).append((start, end))
    return found


def _h5_edit(path, change):
    """Open ``path`` for editing as the writer does (new objects keep checksums)."""
    import h5py

    from tensorflux.serialization import h5safe
    with h5py.File(path, "r+", libver=h5safe.LIBVER) as f:
        change(f)


def _some_dataset(draw, f, group="variables"):
    import h5py
    names = []
    f[group].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return f"{group}/{draw(_sampled(sorted(names)))}"


def _sampled(options):
    from hypothesis import strategies as st
    return st.sampled_from(options)


def _integers(lo, hi):
    from hypothesis import strategies as st
    return st.integers(lo, hi)


def _replace(f, name, make):
    """Replace dataset ``name`` by ``make(group, leaf)``, keeping its attributes."""
    attrs = {k: f[name].attrs[k] for k in f[name].attrs}
    group, leaf = name.rsplit("/", 1)
    del f[name]
    new = make(f[group], leaf)
    if new is not None:
        for k, v in attrs.items():
            new.attrs[k] = v


def edit_huge_unwritten(draw, path):
    """Issue 12 (3): a chunked dataset declaring far more than the file holds."""
    n = draw(_integers(10 ** 6, 10 ** 12))
    _h5_edit(path, lambda f: _replace(f, _some_dataset(draw, f, _data_group(f)), lambda g, leaf:
             g.create_dataset(leaf, shape=(n,), dtype=np.float32, chunks=(1024,))))


def edit_external_storage(draw, path):
    """Issue 12 (4): data read from another local file."""
    target = draw(_sampled([path, "/etc/hostname", "/dev/zero"]))
    _h5_edit(path, lambda f: _replace(f, _some_dataset(draw, f, _data_group(f)), lambda g, leaf:
             g.create_dataset(leaf, shape=(4,), dtype=np.float32, external=[(target, 0, 16)])))


def edit_virtual(draw, path):
    import h5py

    def make(g, leaf):
        layout = h5py.VirtualLayout(shape=(4,), dtype=np.float32)
        layout[:] = h5py.VirtualSource("/etc/hostname", "x", shape=(4,))
        return g.create_virtual_dataset(leaf, layout)
    _h5_edit(path, lambda f: _replace(f, _some_dataset(draw, f, _data_group(f)), make))


def edit_link(draw, path):
    import h5py
    kind = draw(_sampled(["soft", "external", "twice"]))

    def change(f):
        name = _some_dataset(draw, f, _data_group(f))
        other = _some_dataset(draw, f, _data_group(f))
        group, leaf = name.rsplit("/", 1)
        link = {"soft": h5py.SoftLink("/" + other), "external": h5py.ExternalLink("/etc/hostname", "/x"),
                "twice": f[other]}[kind]
        del f[name]
        f[group][leaf] = link
    _h5_edit(path, change)


def edit_odd_type(draw, path):
    """Issue 12 (5): opaque, compound, enum, reference, array and variable-length types."""
    import h5py
    kind = draw(_sampled(["opaque", "compound", "enum", "reference", "array", "vlen"]))

    def make(g, leaf):
        if kind == "opaque":
            return g.create_dataset(leaf, data=np.array([b"abcd"] * 2, dtype="V4"))
        if kind == "compound":
            return g.create_dataset(leaf, data=np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]))
        if kind == "enum":
            return g.create_dataset(leaf, data=np.zeros(2, np.int8),
                                    dtype=h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1"))
        if kind == "reference":
            return g.create_dataset(leaf, shape=(2,), dtype=h5py.ref_dtype)
        if kind == "array":
            return g.create_dataset(leaf, shape=(2,), dtype=np.dtype("(3,)f4"))
        return g.create_dataset(leaf, data=np.array(["a", "b"], dtype=object), dtype=h5py.string_dtype())
    _h5_edit(path, lambda f: _replace(f, _some_dataset(draw, f, _data_group(f)), make))


def edit_unknown_filter(draw, path):
    def make(g, leaf):
        return g.create_dataset(leaf, data=np.zeros(8, np.float32), chunks=(4,),
                                compression=draw(_integers(32000, 32100)), allow_unknown_filter=True)
    _h5_edit(path, lambda f: _replace(f, _some_dataset(draw, f, _data_group(f)), make))


def edit_attribute(draw, path):
    """Attributes of the wrong type, shape or value, or missing (issue 12 (5): an array
    global step)."""
    def change(f):
        target = draw(_sampled(["/", _some_dataset(draw, f, _data_group(f))]))
        obj = f[target]
        names = sorted(obj.attrs)
        if not names:
            return
        name = draw(_sampled(names))
        value = draw(_sampled(["delete", "array", "string", "float", "huge", "negative", "vlen"]))
        if value == "delete":
            del obj.attrs[name]
        else:
            import h5py
            obj.attrs[name] = {"array": np.arange(3, dtype=np.int64), "string": np.bytes_(b"x:0"),
                               "float": np.float64(1.5), "huge": np.int64(2 ** 62),
                               "negative": np.int64(-5),
                               "vlen": np.array("float32", dtype=h5py.string_dtype())}[value]
    _h5_edit(path, change)


def edit_consistent_values(draw, path):
    """New values with a matching checksum, or a new shape: a well-formed file that
    differs from the graph (restore must say so, or restore the new values)."""
    from tensorflux.serialization import h5safe

    def change(f):
        name = _some_dataset(draw, f, _data_group(f))
        old = f[name]
        if old.dtype.kind not in "fiu":
            return
        shape = draw(_sampled([old.shape, (7,), (2, 2, 2)]))
        attrs = {k: old.attrs[k] for k in old.attrs if k != h5safe.CHECKSUM_ATTR}
        value = np.ones(shape, old.dtype)
        group, leaf = name.rsplit("/", 1)
        del f[name]
        new = h5safe.write_array(f[group], leaf, value)
        for k, v in attrs.items():
            new.attrs[k] = v
        if "shape" in attrs:  # a checkpoint variable: its shape attribute agrees
            new.attrs["shape"] = np.asarray(shape, dtype=np.int64)
    _h5_edit(path, change)


def edit_rename_or_delete(draw, path):
    def change(f):
        name = _some_dataset(draw, f, _data_group(f))
        if draw(_sampled([True, False])):
            del f[name]
        else:
            f.move(name, name + "x")
    _h5_edit(path, change)


def _data_group(f):
    return "variables" if "variables" in f else "arrays"


HDF5_EDITS = (edit_huge_unwritten, edit_external_storage, edit_virtual, edit_link, edit_odd_type,
              edit_unknown_filter, edit_attribute, edit_consistent_values, edit_rename_or_delete)


# --- graph files (.meta) ---------------------------------------------------------------------
def _meta_graph():
    import tensorflux as tf
    x = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    with tf.variable_scope("linear"):
        w = tf.get_variable("w", initializer=tf.constant([[0.5], [-0.25], [1.0]]))
        b = tf.get_variable("b", shape=[1], initializer=tf.zeros_initializer())
    table = tf.constant(np.arange(64, dtype=np.float32).reshape(8, 8), name="table")
    tf.constant([b"label", b"x\x00"], name="names")
    pred = tf.add(tf.matmul(x, w), b + tf.reduce_sum(table) * 0.0, name="pred")
    loss = tf.reduce_mean(tf.square(pred - y), name="mse")
    tf.summary.scalar("loss", loss)
    step = tf.train.get_or_create_global_step()
    tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=step)
    return tf.train.Saver()


def write_meta_samples(directory):
    import tensorflux as tf
    path = os.path.join(directory, "model.meta")
    with tf.Graph().as_default():
        _meta_graph()
        tf.train.export_meta_graph(path)
    return [path]


def load_meta(path):
    """The GraphDef read from the file, then imported into a fresh graph."""
    import tensorflux as tf
    from tensorflux.serialization import graph_format
    graph_def = graph_format.read_graph_file(path)
    with tf.Graph().as_default():
        tf.train.import_meta_graph(path)

    def plain(value):
        if isinstance(value, np.ndarray):
            return [str(value.dtype), value.shape, value.tolist()]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    return hashlib.sha256(repr(plain(dict(graph_def))).encode()).hexdigest()


def _meta_errors():
    from tensorflux.serialization.graph_format import GraphFormatError
    return (GraphFormatError,)


def rewrite_graph_document(path, mutate):
    """Apply ``mutate(document)`` to a ``.meta`` file's JSON document and write it back
    as the writer does, with a valid checksum: a well-formed file, wrong inside."""
    import h5py

    from tensorflux.serialization import h5safe
    with h5py.File(path, "r+", libver=h5safe.LIBVER) as f:
        document = json.loads(bytes(f["graph"][()]))  # JSON holds no NUL bytes
        mutate(document)
        del f["graph"]
        h5safe.write_array(f, "graph", np.array(json.dumps(document).encode(), dtype=object))


def _json_values():
    from hypothesis import strategies as st
    return st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(-2 ** 40, 2 ** 40),
                  st.floats(allow_nan=False), st.text(max_size=8),
                  st.sampled_from(["X:0", "X:7", "linear/w:0", "linear/w", "pred:1", "nope:0"])),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(
            st.sampled_from(["t", "v", "ref", "name", "kind", "variable_name", "op"]), inner,
            max_size=3)),
        max_leaves=8)


def edit_document(draw, path):
    """Any field of a node, a collection entry, the saver or the seed set to any JSON
    value (issue 12 (6): a saver list, a variable_name of 5, a tensor "v:7")."""
    where = draw(_sampled(["node", "collection", "saver", "seed", "top"]))
    value = draw(_json_values())

    def mutate(doc):
        if where == "node":
            node = doc["nodes"][draw(_integers(0, len(doc["nodes"]) - 1))]
            field = draw(_sampled(["name", "op", "inputs", "control_inputs", "attrs", "version",
                                   "device", "output_shapes"]))
            if field == "attrs" and node["attrs"] and draw(_sampled([True, False])):
                node["attrs"][draw(_sampled(sorted(node["attrs"])))] = value
            else:
                node[field] = value
        elif where == "collection":
            key = draw(_sampled(sorted(doc["collections"])))
            items = doc["collections"][key]
            if items and draw(_sampled([True, False])):
                item = items[draw(_integers(0, len(items) - 1))]
                item[draw(_sampled(sorted(item) + ["kind"]))] = value
            else:
                doc["collections"][key] = value
        elif where == "saver":
            doc["saver"] = value if draw(_sampled([True, False])) else {"v": value}
        elif where == "seed":
            doc["seed"] = value
        else:
            doc[draw(_sampled(["nodes", "collections", "producer", "min_consumer", "format"]))] = value
    rewrite_graph_document(path, mutate)


# --- event files ---------------------------------------------------------------------------
def write_event_samples(directory):
    import tensorflux as tf
    logdir = os.path.join(directory, "logs")
    with tf.Graph().as_default():
        x = tf.Variable([1.0, 2.0, 3.0], name="x")
        merged = tf.summary.merge([tf.summary.scalar("mean", tf.reduce_mean(x)),
                                   tf.summary.histogram("x", x)])
        writer = tf.summary.FileWriter(logdir, tf.get_default_graph())
        with tf.Session() as sess:
            sess.run(x.initializer)
            for step in range(3):
                writer.add_summary(sess.run(merged), step)
        writer.close()
    return [os.path.join(logdir, name) for name in os.listdir(logdir)]


def load_events(path):
    import tensorflux as tf
    events = [e.SerializeToString() for e in tf.train.summary_iterator(path)]
    return hashlib.sha256(b"".join(events)).hexdigest()


def _event_errors():
    import tensorflux as tf
    return (tf.errors.DataLossError,)


def event_regions(path):
    """Each record's length, length checksum, data and data checksum."""
    data = open(path, "rb").read()
    kinds, offset = {}, 0
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        for kind, size in (("length", 8), ("length crc", 4), ("data", length), ("data crc", 4)):
            kinds.setdefault(offset, kind)
            offset += size
    return _by_kind(kinds or {0: "record"}, len(data))


def edit_record(draw, path):
    """A record with valid checksums around a bad length (issue 12 (7): 2**62, 2**63+5)
    or around bytes that are no Event."""
    from tensorflux.serialization.events import frame_record, masked_crc32c
    kind = draw(_sampled(["length", "payload"]))
    if kind == "length":
        length = struct.pack("<Q", draw(_sampled([2 ** 62, 2 ** 63 + 5, 2 ** 64 - 1, 10 ** 6])))
        record = length + struct.pack("<I", masked_crc32c(length)) + b"\0" * 8
    else:
        record = frame_record(draw(_sampled([b"\xff\xff\xff", b"\x0a\x05abc", b"\x12\x80\x80\x80\x80\x10"])))
    data = open(path, "rb").read()
    cut = draw(_sampled([start for regions in event_regions(path).values()
                         for start, _ in regions] + [len(data)]))
    with open(path, "wb") as f:
        f.write(data[:cut] + record + data[cut:])


# --- TFRecord files ---------------------------------------------------------------------------
def write_tfrecord_samples(directory):
    """tf.train.Example records, plain and GZIP-compressed (the reader picks the
    compression from the ``.gz`` suffix)."""
    import tensorflux as tf
    paths = [os.path.join(directory, "data.tfrecord"), os.path.join(directory, "data.tfrecord.gz")]
    for path in paths:
        options = tf.python_io.TFRecordOptions("GZIP") if path.endswith(".gz") else None
        with tf.python_io.TFRecordWriter(path, options) as writer:
            for i in range(4):
                example = tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i, i / 2])),
                    "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}))
                writer.write(example.SerializeToString())
    return paths


def load_tfrecord(path):
    import tensorflux as tf
    options = tf.python_io.TFRecordOptions("GZIP") if path.endswith(".gz") else None
    records = list(tf.python_io.tf_record_iterator(path, options))
    return hashlib.sha256(b"".join(records)).hexdigest()


def tfrecord_regions(path):
    return gzip_regions(path) if path.endswith(".gz") else event_regions(path)


def edit_tfrecord(draw, path):
    """The event files' record edits, on the uncompressed file."""
    if not path.endswith(".gz"):
        edit_record(draw, path)


# --- tf.data cache files ---------------------------------------------------------------------
_CACHE_TYPES = ("float32", "string", "int64")


def write_tfdata_cache_samples(directory):
    """The file ``Dataset.cache(filename)`` writes: vectors, strings (one empty) and
    int64 scalars."""
    import tensorflux as tf
    prefix = os.path.join(directory, "pipeline")
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices((np.arange(12, dtype=np.float32).reshape(4, 3),
                                                 ["a", "", "ccc", "dd"], np.arange(4)))
        nxt = ds.cache(prefix).make_one_shot_iterator().get_next()
        with tf.Session() as sess:
            for _ in range(4):
                sess.run(nxt)
            try:
                sess.run(nxt)
            except tf.errors.OutOfRangeError:
                pass
    return [prefix + ".tfdata-cache"]


def load_tfdata_cache(path):
    import tensorflux as tf
    from tensorflux.data.runtime.files import read_cache_file
    types = [tf.as_dtype(t) for t in _CACHE_TYPES]
    digest = hashlib.sha256()
    for element in read_cache_file(path, types):
        for value in element:
            digest.update(repr(value.tolist()).encode())
    return digest.hexdigest()


def _tfdata_cache_errors():
    import tensorflux as tf
    return (tf.errors.DataLossError, tf.errors.InvalidArgumentError)


# --- IDX files (MNIST) -----------------------------------------------------------------------
def _idx_sample():
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, size=(20, 6, 5)).astype(np.uint8), rng.randint(0, 10, 20).astype(np.uint8)


def _write_idx_samples(directory, suffix):
    from tensorflux.contrib.datasets import idx
    images, labels = _idx_sample()
    paths = [os.path.join(directory, "images-idx3-ubyte" + suffix),
             os.path.join(directory, "labels-idx1-ubyte" + suffix)]
    idx.write_images(paths[0], images)
    idx.write_labels(paths[1], labels)
    return paths


def load_idx(path):
    from tensorflux.contrib.datasets import idx
    read = idx.read_images if "images" in os.path.basename(path) else idx.read_labels
    return hashlib.sha256(read(path).tobytes()).hexdigest()


def _idx_errors():
    from tensorflux.contrib.datasets.idx import IDXError
    return (IDXError,)


def idx_regions(path):
    """The magic number, each dimension, and the data (in thirds)."""
    size = os.path.getsize(path)
    header = 16 if "images" in os.path.basename(path) else 8
    kinds = {0: "magic", **{i: "dimension" for i in range(4, header, 4)}}
    kinds.update((header + i * (size - header) // 3, "data") for i in range(3))
    return _by_kind(kinds, size)


def gzip_regions(path):
    """The gzip header (with the file name), the deflate stream (in thirds), the trailer."""
    size = os.path.getsize(path)
    data = open(path, "rb").read(512)
    header = data.index(b"\0", 10) + 1 if data[3] & 8 else 10
    body = size - 8 - header
    kinds = {0: "header", 10: "file name"}
    kinds.update((header + i * body // 3, "deflate") for i in range(3))
    kinds[size - 8] = "crc and length"
    return _by_kind(kinds, size)


def _idx_payload(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def _write_idx_payload(path, payload):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def edit_idx_header(draw, path):
    """A header promising far more (or fewer) items than the file holds, or a bad magic."""
    payload = bytearray(_idx_payload(path))
    field = draw(_integers(0, (16 if "images" in os.path.basename(path) else 8) // 4 - 1))
    payload[4 * field:4 * field + 4] = struct.pack(">I", draw(_sampled([0, 1, 2 ** 31, 2 ** 32 - 1, 2051, 2049])))
    _write_idx_payload(path, bytes(payload))


def edit_deflate_stream(draw, path):
    """Issue 12 (8): a damaged deflate stream behind a valid gzip header."""
    data = bytearray(open(path, "rb").read())
    header = data.index(b"\0", 10) + 1 if data[3] & 8 else 10
    start = draw(_integers(header, len(data) - 9))
    data[start:start + 4] = bytes([0xFF, 0x07, 0x00, 0xFF])
    open(path, "wb").write(bytes(data))


FORMATS = {f.name: f for f in (
    FileFormat("checkpoint", write_checkpoint_samples, load_checkpoint, _checkpoint_errors,
               hdf5_regions, HDF5_EDITS),
    FileFormat("meta", write_meta_samples, load_meta, _meta_errors, hdf5_regions,
               HDF5_EDITS + (edit_document,) * 3),
    FileFormat("events", write_event_samples, load_events, _event_errors, event_regions,
               (edit_record,), silent=frozenset({"truncate"})),  # a record boundary is a valid end
    FileFormat("tfrecord", write_tfrecord_samples, load_tfrecord, _event_errors, tfrecord_regions,
               (edit_tfrecord,), silent=frozenset({"truncate"})),  # a record boundary is a valid end
    FileFormat("tfdata-cache", write_tfdata_cache_samples, load_tfdata_cache,
               _tfdata_cache_errors, event_regions, (edit_record,)),
    FileFormat("idx", lambda d: _write_idx_samples(d, ""), load_idx, _idx_errors, idx_regions,
               (edit_idx_header,), silent=frozenset({"flip"})),  # IDX has no checksum
    FileFormat("idx.gz", lambda d: _write_idx_samples(d, ".gz"), load_idx, _idx_errors,
               gzip_regions, (edit_idx_header, edit_deflate_stream)),
    # Format-version-1 checkpoints have no checksums: a damaged metadata byte can hang the
    # HDF5 library (docs/file-formats.md), so they are not fuzzed, only run through the
    # Worker by targeted tests (test_integrity.py).
    FileFormat("checkpoint-v1", lambda d: [shutil.copy(os.path.join(GOLDEN, "v1_model.ckpt"), d)],
               read_checkpoint, _checkpoint_errors, hdf5_regions, fuzzed=False),
)}


# --- the worker -------------------------------------------------------------------------------
@dataclasses.dataclass
class Outcome:
    error: str | None       # the qualified class name of what the loader raised, if anything
    message: str
    documented: bool        # no error, or one of the format's documented classes
    seconds: float
    peak: int               # bytes Python and NumPy allocated at the peak, beyond the start
    digest: str | None      # what was loaded, when it loaded


class Hang(AssertionError):
    pass


class Worker:
    """A process that loads files for the harness, restarted after a hang."""

    def __init__(self):
        self._proc = None

    def _start(self):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self._proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      env=env)

    def run(self, fmt: FileFormat, path: str, timeout: float = HANG_SECONDS) -> Outcome:
        if self._proc is None or self._proc.poll() is not None:
            self._start()
            timeout += 60  # the first request also imports tensorflux, h5py, tensorboard
        self._proc.stdin.write(json.dumps({"format": fmt.name, "path": path}) + "\n")
        self._proc.stdin.flush()
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            self.close()
            raise Hang(f"loading a {fmt.name} file ({os.path.getsize(path)} bytes) ran past "
                       f"{timeout:.0f} s")
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait()
            self._proc = None
            raise AssertionError(f"the worker died loading a {fmt.name} file (exit code {code})")
        return Outcome(**json.loads(line))

    def close(self):
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdin.close()
            self._proc.stdout.close()
            self._proc = None


def _limit_address_space(extra=2 << 30):
    """Cap this process's address space at its current size plus ``extra`` (Linux)."""
    import resource
    try:
        with open("/proc/self/status") as f:
            size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, resource.RLIM_INFINITY))
    except (OSError, ValueError, StopIteration):
        pass


def _serve():
    import tracemalloc
    replies, sys.stdout = sys.stdout, sys.stderr  # loaders that print do not break the protocol
    import tensorflux  # noqa: F401 - imported before the address space is capped
    import h5py  # noqa: F401
    _limit_address_space()
    tracemalloc.start()
    for line in sys.stdin:
        request = json.loads(line)
        fmt = FORMATS[request["format"]]
        tracemalloc.reset_peak()
        start_bytes = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        error, digest = None, None
        try:
            digest = fmt.load(request["path"])
        except BaseException as exc:  # noqa: BLE001 - every escape is reported
            error = exc
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - start_bytes
        outcome = Outcome(
            error=None if error is None else f"{type(error).__module__}.{type(error).__qualname__}",
            message="" if error is None else str(error)[:4000],
            documented=error is None or isinstance(error, fmt.errors()),
            seconds=seconds, peak=peak, digest=digest)
        replies.write(json.dumps(dataclasses.asdict(outcome)) + "\n")
        replies.flush()


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    _serve()
