"""Damaged TensorFlow files (checkpoint index and shards, GraphDefs, MetaGraphDefs,
SavedModels) give TF1's errors naming the file, never crashes or other exceptions
(hypothesis-generated corruptions, as test_corrupt_files.py does for our own formats)."""
import os
import shutil

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.interop.graph_import import read_graph_def
from tensorflux.interop.sstable import TableError, build_table, read_table, snappy_decompress
from tensorflux.serialization.graph_format import GraphFormatError

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_fixtures")
CLEAR = (GraphFormatError, tf.errors.OpError)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
byte_edits = st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), min_size=1,
                      max_size=20)
truncation = st.one_of(st.none(), st.integers(0, 10 ** 6))


def corrupt(data, truncate_at, edits):
    data = bytearray(data)
    for pos, value in edits:
        data[pos % len(data)] = value
    if truncate_at is not None:
        data = data[: truncate_at % len(data)]
    return bytes(data)


def damaged_checkpoint(tmp_path, suffix, truncate_at, edits):
    """A copy of the kitchen checkpoint with one of its files damaged."""
    directory = tmp_path / "ckpt"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir()
    for name in os.listdir(os.path.join(FIXTURES, "kitchen")):
        if name.startswith("model.ckpt"):
            shutil.copy(os.path.join(FIXTURES, "kitchen", name), directory / name)
    target = directory / f"model.ckpt{suffix}"
    target.write_bytes(corrupt(target.read_bytes(), truncate_at, edits))
    return str(directory / "model.ckpt")


@FUZZ
@given(suffix=st.sampled_from([".index", ".data-00000-of-00001"]), truncate_at=truncation,
       edits=byte_edits)
def test_damaged_checkpoint_files(tmp_path_factory, suffix, truncate_at, edits):
    prefix = damaged_checkpoint(tmp_path_factory.mktemp("c"), suffix, truncate_at, edits)
    reference = np.load(os.path.join(FIXTURES, "kitchen", "expected.npz"))
    try:
        reader = tf.train.NewCheckpointReader(prefix)
        for key in reader.get_variable_to_shape_map():
            value = reader.get_tensor(key)
            ref = reference[key.replace("/", "|")] if key.replace("/", "|") in reference.files else None
            if ref is not None and suffix != ".index":  # data damage never goes unnoticed
                if value.dtype == object:
                    value = value.astype("S")
                np.testing.assert_array_equal(value, ref)
    except CLEAR as exc:
        assert "model.ckpt" in str(exc)


@FUZZ
@given(model=st.sampled_from(["linreg", "mlp", "rnn", "cond"]), truncate_at=truncation,
       edits=byte_edits)
def test_damaged_graph_defs(tmp_path_factory, model, truncate_at, edits):
    path = tmp_path_factory.mktemp("g") / "frozen.pb"
    with open(os.path.join(FIXTURES, model, "frozen.pb"), "rb") as f:
        path.write_bytes(corrupt(f.read(), truncate_at, edits))
    with tf.Graph().as_default():
        try:
            tf.import_graph_def(read_graph_def(str(path)), name="")
        except CLEAR:
            pass


@FUZZ
@given(model=st.sampled_from(["linreg", "rnn"]), truncate_at=truncation, edits=byte_edits)
def test_damaged_meta_graphs(tmp_path_factory, model, truncate_at, edits):
    path = tmp_path_factory.mktemp("m") / "model.ckpt.meta"
    with open(os.path.join(FIXTURES, model, "model.ckpt.meta"), "rb") as f:
        path.write_bytes(corrupt(f.read(), truncate_at, edits))
    with tf.Graph().as_default():
        try:
            tf.train.import_meta_graph(str(path))
        except CLEAR:
            pass


@FUZZ
@given(truncate_at=truncation, edits=byte_edits)
def test_damaged_saved_models(tmp_path_factory, truncate_at, edits):
    export = tmp_path_factory.mktemp("s") / "model"
    shutil.copytree(os.path.join(FIXTURES, "saved_model_mlp"), export)
    pb = export / "saved_model.pb"
    pb.write_bytes(corrupt(pb.read_bytes(), truncate_at, edits))
    with tf.Graph().as_default(), tf.Session() as sess:
        try:
            tf.saved_model.loader.load(sess, ["serve"], str(export))
        except CLEAR + (RuntimeError,):  # RuntimeError: the tags were damaged
            pass


@FUZZ
@given(items=st.dictionaries(st.binary(max_size=12), st.binary(max_size=40), max_size=60),
       block_size=st.integers(16, 4096))
@example(items={b"": b"\0" * 5}, block_size=16)  # an empty last key that fills its block was lost
def test_tables_round_trip_across_blocks(items, block_size):
    pairs = sorted(items.items())
    assert read_table(build_table(pairs, block_size=block_size)) == pairs


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_are_never_a_table_or_snappy_data(data):
    for parse in (read_table, lambda d: snappy_decompress(d, 1 << 16)):
        try:
            parse(data)
        except TableError:
            pass


def test_snappy_literals_and_overlapping_copies():
    # "abc" as a literal, then a copy of 9 bytes from 3 back (it overlaps what it writes).
    assert snappy_decompress(b"\x0c\x08abc\x15\x03", 100) == b"abc" * 4
    try:
        snappy_decompress(b"\x0c\x08abc\x15\x07", 100)  # offset past the output
    except TableError as exc:
        assert "offset" in str(exc)
    else:
        raise AssertionError("a copy from before the start must be refused")


def _attr(kind, value):
    from tensorboard.compat.proto import attr_value_pb2
    av = attr_value_pb2.AttrValue()
    if kind == "shape":
        av.shape.dim.add().size = value
    elif kind == "list":
        av.list.i.extend([value, value])
    else:
        setattr(av, kind, value)
    return av


attr_values = st.one_of(
    st.builds(_attr, st.just("i"), st.sampled_from([0, -1, 3, 2 ** 40])),
    st.builds(_attr, st.just("s"), st.sampled_from([b"", b"NCHW", b"\xff", b"SAME"])),
    st.builds(_attr, st.just("type"), st.sampled_from([0, 1, 3, 14, 20, 99])),
    st.builds(_attr, st.just("shape"), st.sampled_from([-5, 3, 2 ** 40])),
    st.builds(_attr, st.just("list"), st.sampled_from([1, -2])),
    st.builds(_attr, st.just("b"), st.booleans()))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(model=st.sampled_from(["linreg", "mlp", "rnn", "cnn", "cond"]),
       edits=st.lists(st.tuples(st.integers(0, 10 ** 4), st.sampled_from(["op", "input", "attr"]),
                                st.integers(0, 10 ** 4), attr_values), min_size=1, max_size=3))
def test_structurally_wrong_graph_defs(model, edits):
    from tensorflux.interop.tf_ops import IMPORT
    op_types = sorted(IMPORT) + ["Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond"]
    graph_def = read_graph_def(os.path.join(FIXTURES, model, "frozen.pb"))
    for index, field, choice, attr in edits:
        node = graph_def.node[index % len(graph_def.node)]
        if field == "op":
            node.op = op_types[choice % len(op_types)]
        elif field == "input":
            node.input.append(graph_def.node[choice % len(graph_def.node)].name + ":1")
        elif node.attr:
            node.attr[sorted(node.attr)[choice % len(node.attr)]].CopyFrom(attr)
    with tf.Graph().as_default():
        try:
            tf.import_graph_def(graph_def, name="")
        except CLEAR:
            pass
