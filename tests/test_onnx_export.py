"""ONNX export: onnx.checker accepts the models and onnxruntime computes what tensorflux
computes (within 1e-5). Skipped when onnx / onnxruntime are not installed."""
import os
import sys

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.interop.graph_import import read_graph_def
from tensorflux.interop.onnx_export import OnnxExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_models import MODELS  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_fixtures")


def run_onnx(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def assert_close(got, expected):
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_onnxruntime_computes_what_tensorflux_computes(model, tmp_path):
    feeds, outputs = MODELS[model]()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        expected = sess.run(outputs, feeds)
        path = str(tmp_path / "model.onnx")
        proto = tf.export_onnx(sess, list(feeds), outputs, path)
    loaded = onnx.load(path)
    onnx.checker.check_model(loaded, full_check=True)
    assert [i.name for i in loaded.graph.input] == list(feeds)
    assert [o.name for o in loaded.graph.output] == outputs == [o.name for o in proto.graph.output]
    assert_close(run_onnx(loaded, feeds), expected)


def test_inference_mode_drops_dropout_and_batch_statistics():
    feeds, outputs = MODELS["layers_net"]()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        model = tf.export_onnx(sess, list(feeds), outputs)
    types = {n.op_type for n in model.graph.node}
    assert not types & {"RandomUniform", "RandomUniformLike", "Where", "ReduceMean"}


def test_rnn_written_by_tensorflow_reaches_onnxruntime_as_a_loop():
    """TensorFlow's frozen dynamic_rnn (v1 while loop) -> tensorflux -> ONNX Loop."""
    data = np.load(os.path.join(FIXTURES, "rnn", "expected.npz"))
    tf.import_graph_def(read_graph_def(os.path.join(FIXTURES, "rnn", "frozen.pb")), name="")
    with tf.Session() as sess:
        model = tf.export_onnx(sess, ["X:0", "seq_len:0"], ["outputs:0", "logits:0"])
    assert "Loop" in {n.op_type for n in model.graph.node}
    got = run_onnx(model, {"X:0": data["in:X"], "seq_len:0": data["in:seq_len"]})
    assert_close(got, [data["out:outputs"], data["out:logits"]])


def test_export_onnx_command_with_a_tensorflow_checkpoint(tmp_path):
    from tensorflux.__main__ import main
    out = str(tmp_path / "mlp.onnx")
    assert main(["export-onnx", os.path.join(FIXTURES, "mlp", "model.ckpt.meta"), out,
                 "--checkpoint", os.path.join(FIXTURES, "mlp", "model.ckpt"),
                 "--inputs", "X:0", "--outputs", "probabilities:0,prediction:0"]) == 0
    data = np.load(os.path.join(FIXTURES, "mlp", "expected.npz"))
    got = run_onnx(onnx.load(out), {"X:0": data["in:X"]})
    assert_close(got, [data["out:probabilities"], data["out:prediction"]])


def test_unsupported_ops_are_listed_in_one_error():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.matrix_inverse(tf.matmul(x, x, transpose_a=True))
    z = tf.matrix_determinant(y) + 1.0
    with tf.Session() as sess, pytest.raises(
            OnnxExportError, match=r"2 op type\(s\).*MatrixDeterminant .*MatrixInverse"):
        tf.export_onnx(sess, [x], [z])


def test_an_unfed_placeholder_is_named():
    x = tf.placeholder(tf.float32, [None], name="x")
    k = tf.placeholder(tf.float32, [], name="k")
    with tf.Session() as sess, pytest.raises(OnnxExportError, match="'k'"):
        tf.export_onnx(sess, [x], [x * k])


def test_tensorflow_conds_and_loops_reach_onnxruntime():
    """TF1's v1 conds (batch norm switched by `training`, nested, inside a loop)."""
    data = np.load(os.path.join(FIXTURES, "cond", "expected.npz"))
    tf.import_graph_def(read_graph_def(os.path.join(FIXTURES, "cond", "frozen.pb")), name="")
    with tf.Session() as sess:
        model = tf.export_onnx(sess, ["X:0"], ["normalized:0", "looped:0"])
    assert {"If", "Loop"} <= {n.op_type for n in model.graph.node}
    assert_close(run_onnx(model, {"X:0": data["in:X"]}),
                 [data["out:normalized"], data["out:looped"]])


def test_floor_division_and_modulo_follow_python_signs():
    ints = tf.placeholder(tf.int32, [None], name="i"), tf.placeholder(tf.int32, [None], name="j")
    floats = tf.placeholder(tf.float32, [None], name="f"), tf.placeholder(tf.float32, [None], name="g")
    outs = [ints[0] // ints[1], ints[0] % ints[1], floats[0] // floats[1], floats[0] % floats[1]]
    x, y = np.int32([7, -7, 7, -7, 6, 0]), np.int32([2, 2, -2, -2, 3, 5])
    with tf.Session() as sess:
        model = tf.export_onnx(sess, list(ints) + list(floats), outs)
    got = run_onnx(model, {"i:0": x, "j:0": y, "f:0": x.astype(np.float32), "g:0": y.astype(np.float32)})
    expected = [np.floor_divide(x, y), np.mod(x, y)]
    expected += [e.astype(np.float32) for e in expected]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
