"""tf.saved_model: TensorFlow's SavedModel directories, written and read."""
import os
import subprocess

import numpy as np
import pytest

import tensorflux as tf
from test_tf_export import tensorflow_python

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_fixtures")


def small_model():
    X = tf.placeholder(tf.float32, [None, 4], name="X")
    h = tf.layers.dense(X, 3, activation=tf.nn.relu, name="h")
    y = tf.layers.dense(h, 2, name="y")
    tf.train.AdamOptimizer().minimize(tf.reduce_mean(tf.square(y)))  # stays out of the export
    return X, y


def test_loads_a_saved_model_written_by_tensorflow():
    data = np.load(os.path.join(FIXTURES, "mlp", "expected.npz"))
    with tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING],
                                          os.path.join(FIXTURES, "saved_model_mlp"))
        sig = meta.signature_def[tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        assert sig.method_name == "tensorflow/serving/predict"
        x = tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["images"])
        p = tf.saved_model.utils.get_tensor_from_tensor_info(sig.outputs["probabilities"])
        value = sess.run(p, {x: data["in:X"]})
    ref = data["out:probabilities"]
    assert np.max(np.abs(value - ref)) <= 1e-6 * np.max(np.abs(ref))


def test_simple_save_writes_tensorflows_layout_and_loads_back(tmp_path):
    export = str(tmp_path / "model")
    X, y = small_model()
    x = np.random.RandomState(0).rand(3, 4).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        expected = sess.run(y, {X: x})
        tf.saved_model.simple_save(sess, export, {"x": X}, {"y": y})
    assert sorted(os.listdir(export)) == ["saved_model.pb", "variables"]
    assert sorted(os.listdir(os.path.join(export, "variables"))) == [
        "variables.data-00000-of-00001", "variables.index"]
    assert tf.saved_model.contains_saved_model(export)
    assert not tf.saved_model.contains_saved_model(str(tmp_path))
    weights = dict(tf.train.list_variables(os.path.join(export, "variables", "variables")))
    assert weights["h/kernel"] == [4, 3] and "h/kernel/Adam" in weights
    tf.reset_default_graph()
    with tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], export)
        sig = meta.signature_def["serving_default"]
        assert tf.saved_model.is_valid_signature(sig)
        assert not {n.op for n in meta.graph_def.node if "_tensorflux_op" in n.attr}
        out = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: x})
    np.testing.assert_array_equal(out, expected)


def test_builder_with_several_tag_sets_text_format_and_errors(tmp_path):
    export = str(tmp_path / "m")
    X, y = small_model()
    v = tf.Variable(0, name="counter", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    builder = tf.saved_model.builder.SavedModelBuilder(export)
    with pytest.raises(AssertionError, match="add_meta_graph_and_variables"):
        builder.add_meta_graph(["serve"])
    sig = tf.saved_model.signature_def_utils.predict_signature_def({"x": X}, {"y": y})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(v.initializer)
        sess.run(tf.assign(v, 5))
        init = tf.saved_model.main_op.main_op()
        builder.add_meta_graph_and_variables(sess, ["serve"], {"predict": sig}, main_op=init)
        with pytest.raises(AssertionError, match="already"):
            builder.add_meta_graph_and_variables(sess, ["train"])
        with pytest.raises(AssertionError, match="already added"):
            builder.add_meta_graph(["serve"])
        builder.add_meta_graph(["eval", "gpu"])
    path = builder.save(as_text=True)
    assert path.endswith("saved_model.pbtxt")
    with pytest.raises(AssertionError, match="already exists"):
        tf.saved_model.builder.SavedModelBuilder(export)
    tf.reset_default_graph()
    with tf.Session() as sess:
        with pytest.raises(RuntimeError, match=r"\['train'\] could not be found"):
            tf.saved_model.loader.load(sess, ["train"], export)
    tf.reset_default_graph()
    with tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["gpu", "eval"], export)
        assert sorted(meta.meta_info_def.tags) == ["eval", "gpu"]
    tf.reset_default_graph()
    with tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["serve"], export)
        assert sess.run("counter:0") == 0  # main_op ran local_variables_initializer


def test_signature_helpers():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    examples = tf.placeholder(tf.string, [None], name="examples")
    classes = tf.constant(["a", "b"], name="classes")
    info = tf.saved_model.utils.build_tensor_info(x)
    assert info.name == "x:0" and info.dtype == 1
    assert [d.size for d in info.tensor_shape.dim] == [-1, 3]
    assert tf.saved_model.utils.get_tensor_from_tensor_info(info) is x
    sig = tf.saved_model.signature_def_utils.build_signature_def({"in": info}, {"out": info}, "m")
    assert sig.method_name == "m" and sig.inputs["in"].name == "x:0"
    c = tf.saved_model.signature_def_utils.classification_signature_def(examples, classes, x)
    assert c.method_name == tf.saved_model.CLASSIFY_METHOD_NAME
    assert set(c.outputs) == {"classes", "scores"} and tf.saved_model.is_valid_signature(c)
    r = tf.saved_model.signature_def_utils.regression_signature_def(examples, x)
    assert set(r.inputs) == {"inputs"} and tf.saved_model.is_valid_signature(r)
    with pytest.raises(ValueError, match="string"):
        tf.saved_model.signature_def_utils.regression_signature_def(x, x)
    with pytest.raises(ValueError, match="both be None"):
        tf.saved_model.classification_signature_def(examples, None, None)
    with pytest.raises(ValueError, match="empty"):
        tf.saved_model.predict_signature_def({}, {"y": x})
    bad = tf.saved_model.build_signature_def({"inputs": info}, {"outputs": info},
                                             tf.saved_model.REGRESS_METHOD_NAME)
    assert not tf.saved_model.is_valid_signature(bad)  # regression inputs must be strings
    assert not tf.saved_model.is_valid_signature(tf.saved_model.build_signature_def())


def test_constants_are_tensorflows():
    sm = tf.saved_model
    assert (sm.tag_constants.SERVING, sm.tag_constants.TRAINING, sm.tag_constants.GPU) == \
        ("serve", "train", "gpu")
    assert sm.signature_constants.PREDICT_METHOD_NAME == "tensorflow/serving/predict"
    assert sm.constants.SAVED_MODEL_FILENAME_PB == "saved_model.pb"
    assert (sm.VARIABLES_DIRECTORY, sm.VARIABLES_FILENAME, sm.SAVED_MODEL_SCHEMA_VERSION) == \
        ("variables", "variables", 1)
    assert sm.Builder is sm.builder.SavedModelBuilder


def test_corrupt_saved_model_is_data_loss(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\xff\xff\xff not a proto")
    with tf.Session() as sess, pytest.raises(tf.errors.DataLossError, match="saved_model.pb"):
        tf.saved_model.loader.load(sess, ["serve"], str(tmp_path))
    with tf.Session() as sess, pytest.raises(OSError, match="does not exist"):
        tf.saved_model.loader.load(sess, ["serve"], str(tmp_path / "none"))


TF_LOAD = """
import sys, numpy as np, tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
d = np.load(sys.argv[2])
with tf.Session(graph=tf.Graph()) as s:
    m = tf.saved_model.loader.load(s, ["serve"], sys.argv[1])
    sig = m.signature_def["serving_default"]
    np.save(sys.argv[3], s.run(sig.outputs["y"].name, {sig.inputs["x"].name: d["x"]}))
"""


@pytest.mark.skipif(tensorflow_python() is None,
                    reason="needs TensorFlow (set TENSORFLUX_TF_PYTHON to a Python that has it)")
def test_tensorflow_loads_what_tensorflux_saved(tmp_path):
    X, y = small_model()
    x = np.random.RandomState(1).rand(5, 4).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        expected = sess.run(y, {X: x})
        tf.saved_model.simple_save(sess, str(tmp_path / "m"), {"x": X}, {"y": y})
    np.savez(tmp_path / "in.npz", x=x)
    script = tmp_path / "load.py"
    script.write_text(TF_LOAD)
    subprocess.run([tensorflow_python(), str(script), str(tmp_path / "m"), str(tmp_path / "in.npz"),
                    str(tmp_path / "out.npy")], check=True, capture_output=True, timeout=600)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-6, atol=1e-7)
