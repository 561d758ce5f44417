"""Graphs with control flow in .meta files (format version 2) and in TensorBoard."""
import copy
import importlib.util
import os

import h5py
import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import tensorflux as tf
from tensorflux.serialization import graph_format
from tensorflux.serialization.graph_format import GraphFormatError

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
# The generator of the golden files builds the same model (imported from its file: adding
# tests/golden to sys.path would shadow packages by its folder names).
_spec = importlib.util.spec_from_file_location("make_golden", os.path.join(GOLDEN, "make_golden.py"))
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


def numpy_recurrent_loss(w, xs):
    """The golden model's forward pass in NumPy."""
    h, outs = np.zeros((2, 5), np.float32), []
    for t in range(4):
        h = np.tanh(np.concatenate([xs[t], h], 1) @ w) if t > 0 else h + 1.0
        outs.append(h)
    return np.mean(np.square(outs))


def test_golden_files_of_format_version_2_load_and_train():
    """Graph format 2 (control flow) and checkpoint format 2 (checksummed HDF5)."""
    xs = make_golden.golden_inputs()
    prefix = os.path.join(GOLDEN, "v2_control_flow.ckpt")
    with h5py.File(prefix, "r") as f:
        assert f.attrs["format_version"] == 2
    assert tf.train.NewCheckpointReader(prefix).get_variable_to_shape_map() == {"W": [8, 5]}
    saver = tf.train.import_meta_graph(prefix + ".meta")
    graph = tf.get_default_graph()
    assert {op.type for op in graph.get_operations()} >= {"If", "While", "TensorArrayReadV3"}
    with tf.Session() as sess:
        saver.restore(sess, prefix)
        w = sess.run("W:0")
        loss = sess.run("loss:0", {"xs:0": xs})
        sess.run("train", {"xs:0": xs})
        after = sess.run(["W:0", "loss:0"], {"xs:0": xs})
    assert loss == pytest.approx(numpy_recurrent_loss(w, xs), rel=1e-6)
    # The same model built from code and restored from the same checkpoint trains alike.
    tf.reset_default_graph()
    fresh_xs, _ = make_golden.recurrent_graph()
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, prefix)
        sess.run("train", {fresh_xs: xs})
        expected = sess.run(["W:0", "loss:0"], {fresh_xs: xs})
    np.testing.assert_allclose(after[0], expected[0], rtol=1e-6)
    assert after[1] == pytest.approx(expected[1], rel=1e-6) and after[1] < loss


def test_min_consumer_is_2_only_for_graphs_with_control_flow():
    tf.constant(1.0) * 2.0
    assert tf.train.export_meta_graph()["min_consumer"] == 1
    tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0])
    exported = tf.train.export_meta_graph()
    assert (exported["producer"], exported["min_consumer"]) == (2, 2)
    assert [c["kind"] for c in exported["contexts"]] == ["while"]


def test_import_graph_def_with_a_prefix_keeps_loops_working():
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.cond(v > 10.0, lambda: v, lambda: v * x)),
                      [0, tf.constant(1.0)])[1]
    tf.identity(y, name="y")
    graph_def = tf.get_default_graph().as_graph_def()
    with tf.Graph().as_default():
        z = tf.placeholder(tf.float32, [], name="z")
        y2, = tf.import_graph_def(graph_def, input_map={"x:0": z}, return_elements=["y:0"],
                                  name="copy")
        assert y2.name == "copy/y:0"
        assert any(op.name.startswith("copy/while/") for op in tf.get_default_graph().get_operations())
        with tf.Session() as sess:
            assert sess.run(y2, {z: 3.0}) == 27.0
            assert sess.run(y2, {z: 4.0}) == 16.0


@pytest.mark.parametrize("corrupt, words", [
    (lambda d: d["contexts"][0].update(parent=0), "invalid parent"),
    (lambda d: d["contexts"][0].update(parent=99), "invalid parent"),
    (lambda d: d["contexts"][0].update(kind="for"), "malformed"),
    (lambda d: d["contexts"][0].update(args=["nope:0"]), "'nope:0' is not defined"),
    (lambda d: d["contexts"][0].update(outputs=[5]), "list of names"),
    (lambda d: d["contexts"][0].update(cond_output=None), "no cond output"),
    (lambda d: d.update(contexts="x"), "must be a list"),
    (lambda d: next(n for n in d["nodes"] if "context" in n).update(context=7), "context 7"),
    (lambda d: next(n for n in d["nodes"] if n["op"] == "While")["attrs"].update(
        body={"t": "context", "v": 3}), "context 3"),
])
def test_corrupt_control_flow_records_raise_graph_format_error(corrupt, words):
    tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0])
    graph_def = copy.deepcopy(graph_format.graph_to_def(tf.get_default_graph()))
    corrupt(graph_def)
    with tf.Graph().as_default(), pytest.raises(GraphFormatError, match=words):
        graph_format.import_graph_def_into(tf.get_default_graph(), graph_def)


def test_loops_and_branches_show_in_tensorboard_grouped_by_scope(tmp_path):
    x = tf.placeholder(tf.float32, [3], name="x")
    with tf.name_scope("model"):
        y = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, tf.sin(v)), [0, x])[1]
        z = tf.cond(tf.reduce_sum(y) > 0, lambda: y * 2.0, lambda: -y)
    tf.gradients(z, x)
    with tf.summary.FileWriter(str(tmp_path), tf.get_default_graph()):
        pass
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    nodes = {n.name: n for n in acc.Graph().node}
    assert nodes["model/while"].op == "While" and nodes["model/cond"].op == "If"
    assert "model/while/Sin" in nodes and "model/cond/true/mul" in nodes
    assert "model/cond/false/Neg" in nodes
    assert any(n.startswith("gradients/model/while_grad/") for n in nodes)
    assert nodes["model/while/Sin"].input == ["model/while/loop_var_1"]
