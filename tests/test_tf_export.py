"""tensorflux graphs as TensorFlow GraphDefs: tf.graph_util, tf.train.write_graph, round
trips, and (when a Python with TensorFlow is available) TensorFlow running them."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.interop.graph_import import read_graph_def
from tensorflux.serialization.graph_format import GraphFormatError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_models import MODELS, build_and_freeze  # noqa: E402

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_fixtures",
                      "run_in_tensorflow.py")


def tensorflow_python():
    """A Python that can import TensorFlow: $TENSORFLUX_TF_PYTHON, or this one."""
    path = os.environ.get("TENSORFLUX_TF_PYTHON")
    if path:
        return path
    return sys.executable if importlib.util.find_spec("tensorflow") else None


@pytest.mark.parametrize("model", sorted(MODELS))
def test_frozen_graph_round_trips_through_a_graph_def_file(model, tmp_path):
    frozen, feeds, outputs, values = build_and_freeze(MODELS[model])
    assert not {n.op for n in frozen.node} & {"VariableV2", "Assign"}
    assert not any("_tensorflux_op" in n.attr for n in frozen.node)  # all TensorFlow ops
    path = tf.train.write_graph(frozen, str(tmp_path), "model.pb", as_text=False)
    with tf.Graph().as_default():
        tf.import_graph_def(read_graph_def(path), name="")
        with tf.Session() as sess:
            again = sess.run(outputs, feeds)
    for a, b in zip(again, values):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(tensorflow_python() is None,
                    reason="needs TensorFlow (set TENSORFLUX_TF_PYTHON to a Python that has it)")
def test_tensorflow_imports_and_runs_what_tensorflux_exports(tmp_path):
    expected = {}
    for model, builder in MODELS.items():
        frozen, feeds, outputs, values = build_and_freeze(builder)
        tf.train.write_graph(frozen, str(tmp_path), f"{model}.pb", as_text=False)
        arrays = {f"in:{k}": v for k, v in feeds.items()}
        arrays.update({f"out:{o}": v for o, v in zip(outputs, values)})
        np.savez(tmp_path / f"{model}.npz", **arrays)
        expected[model] = dict(zip(outputs, values))
    subprocess.run([tensorflow_python(), RUNNER, str(tmp_path)], check=True,
                   capture_output=True, timeout=600)
    for model, values in expected.items():
        error = tmp_path / f"{model}.error"
        assert not error.exists(), f"TensorFlow refused {model}: {error.read_text()}"
        got = np.load(tmp_path / f"{model}.tf.npz")
        for name, value in values.items():
            theirs = got[f"out:{name}"]
            assert theirs.dtype == value.dtype
            np.testing.assert_allclose(theirs, value, rtol=1e-5, atol=1e-6, err_msg=f"{model} {name}")


def test_as_graph_def_is_a_tensorflow_proto_with_tf_op_signatures():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.reduce_mean(tf.transpose(x) * 2.0, axis=1, name="m")
    tf.concat([y, y], 0, name="c")
    graph_def = tf.get_default_graph().as_graph_def()
    assert isinstance(graph_def, tf.GraphDef)
    nodes = {n.name: n for n in graph_def.node}
    assert nodes["m"].op == "Mean" and nodes["m"].input[1] == "m/reduction_indices"
    assert nodes["m/reduction_indices"].attr["value"].tensor.tensor_content == np.int32([1]).tobytes()
    assert nodes["transpose"].op == "Transpose" and nodes["transpose"].attr["T"].type == 1
    assert list(nodes["c"].input) == ["m", "m", "c/axis"] and nodes["c"].attr["N"].i == 2
    with tf.Session() as sess:
        assert len(sess.graph_def.node) == len(graph_def.node)


def test_training_graph_exports_and_freezing_drops_what_only_tensorflux_reads():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable([[1.0], [2.0]], name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w, name="pred")), name="loss")
    tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    tf.global_variables_initializer()
    graph_def = tf.get_default_graph().as_graph_def()
    tensorflux_only = {n.op for n in graph_def.node if "_tensorflux_op" in n.attr}
    assert tensorflux_only  # gradient helpers TensorFlow lacks, kept for tensorflux
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        frozen = tf.graph_util.convert_variables_to_constants(sess, graph_def, ["pred"])
    assert [n.name for n in frozen.node] == ["x", "w", "w/read", "pred"]
    assert frozen.node[1].op == "Const"
    # The whole training graph also comes back into tensorflux and trains.
    with tf.Graph().as_default():
        tf.import_graph_def(graph_def, name="")
        g = tf.get_default_graph()
        with tf.Session() as sess:
            sess.run("init")
            sess.run("train", {"x:0": [[1.0, 1.0]]})
            # d/dw mean((x w)^2) = 2 (x w) x = 2 * 3 * [1, 1]
            np.testing.assert_allclose(sess.run("w:0"), [[0.4], [1.4]], rtol=1e-6)
        assert g.get_operation_by_name("train").type == "NoOp"


def test_extract_sub_graph_and_remove_training_nodes():
    a = tf.placeholder(tf.float32, [], name="a")
    b = tf.identity(a * 2.0, name="b")
    tf.identity(b + 1.0, name="c")
    tf.sin(a, name="unrelated")
    graph_def = tf.get_default_graph().as_graph_def()
    sub = tf.graph_util.extract_sub_graph(graph_def, ["c"])
    assert [n.name for n in sub.node] == [n.name for n in graph_def.node if n.name != "unrelated"]
    with pytest.raises(AssertionError, match="nope is not in graph"):
        tf.graph_util.extract_sub_graph(graph_def, ["nope"])
    with pytest.raises(TypeError):
        tf.graph_util.extract_sub_graph(graph_def, "c")
    slim = tf.graph_util.remove_training_nodes(sub, protected_nodes=["c"])
    nodes = {n.name: n for n in slim.node}
    assert "b" not in nodes and nodes["add"].input[0] == "mul"
    with tf.Graph().as_default():
        out, = tf.import_graph_def(slim, return_elements=["c:0"])
        with tf.Session() as sess:
            assert sess.run(out, {"import/a:0": 3.0}) == 7.0
    with tf.Graph().as_default():  # tf.graph_util's alias, with an input_map
        ten = tf.constant(10.0)
        out, = tf.graph_util.import_graph_def(slim, input_map={"a:0": ten},
                                              return_elements=["c:0"], name="frozen")
        assert out.name == "frozen/c:0"
        with tf.Session() as sess:
            assert sess.run(out) == 21.0


def test_must_run_on_cpu_and_tensor_shape_from_node_def_name():
    s = tf.constant("text", name="s")
    i = tf.constant(3, name="i")
    f = tf.constant(3.0, name="f")
    cast = tf.cast(i, tf.float32)
    v = tf.Variable(1.0, name="v")
    graph_def = tf.get_default_graph().as_graph_def()
    nodes = {n.name: n for n in graph_def.node}
    must_run_on_cpu = tf.graph_util.must_run_on_cpu
    assert must_run_on_cpu(s.op) and must_run_on_cpu(nodes["i"]) and must_run_on_cpu(cast.op)
    assert not must_run_on_cpu(f.op) and not must_run_on_cpu(nodes["f"])
    assert not must_run_on_cpu(v.op) and must_run_on_cpu(v.op, pin_variables_on_cpu=True)
    assert must_run_on_cpu(nodes["Cast"])
    tf.placeholder(tf.float32, [None, 7], name="p")
    g = tf.get_default_graph()
    assert tf.graph_util.tensor_shape_from_node_def_name(g, "p").as_list() == [None, 7]
    assert tf.graph_util.tensor_shape_from_node_def_name(g, "p:0").as_list() == [None, 7]


def test_write_graph_text_and_binary(tmp_path):
    tf.add(tf.constant(1.0, name="one"), 2.0, name="three")
    text = tf.train.write_graph(tf.get_default_graph(), str(tmp_path / "d"), "g.pbtxt")
    binary = tf.train.write_graph(tf.get_default_graph().as_graph_def(), str(tmp_path), "g.pb",
                                  as_text=False)
    assert open(text).read().startswith("node {")
    assert read_graph_def(text) == read_graph_def(binary) == tf.get_default_graph().as_graph_def()
    with pytest.raises(TypeError):
        tf.train.write_graph({"nodes": []}, str(tmp_path), "x.pb")


def test_gradient_loops_export_but_come_back_only_through_meta_files():
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x), [0, x])[1]
    tf.identity(y, name="y")
    tf.gradients(y, x)
    graph_def = tf.get_default_graph().as_graph_def()
    with tf.Graph().as_default(), pytest.raises(GraphFormatError, match="gradient of a tf.while_loop"):
        tf.import_graph_def(graph_def)
    with tf.Session() as sess:  # the inference part freezes into a plain functional loop
        frozen = tf.graph_util.convert_variables_to_constants(sess, graph_def, ["y"])
    with tf.Graph().as_default():
        tf.import_graph_def(frozen, name="")
        with tf.Session() as sess:
            assert sess.run("y:0", {"x:0": 2.0}) == 16.0


def test_graphs_calling_python_are_not_exported():
    tf.py_func(lambda a: a, [tf.constant(1.0)], tf.float32)
    with pytest.raises(GraphFormatError, match="Python functions"):
        tf.get_default_graph().as_graph_def()

