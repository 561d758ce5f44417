"""tf.saved_model's top-level names: TF1's constants, the aliases of its submodules'
functions, and an export/load round trip spelled with the top-level names only."""
import os

import numpy as np
import pytest

import tensorflux as tf

# TensorFlow 1.x's documented values of the tf.saved_model constants.
TF1_CONSTANTS = {
    "ASSETS_DIRECTORY": "assets", "ASSETS_KEY": "saved_model_assets",
    "CLASSIFY_INPUTS": "inputs", "CLASSIFY_METHOD_NAME": "tensorflow/serving/classify",
    "CLASSIFY_OUTPUT_CLASSES": "classes", "CLASSIFY_OUTPUT_SCORES": "scores",
    "DEBUG_DIRECTORY": "debug", "DEBUG_INFO_FILENAME_PB": "saved_model_debug_info.pb",
    "DEFAULT_SERVING_SIGNATURE_DEF_KEY": "serving_default", "GPU": "gpu",
    "LEGACY_INIT_OP_KEY": "legacy_init_op", "MAIN_OP_KEY": "saved_model_main_op",
    "PREDICT_INPUTS": "inputs", "PREDICT_METHOD_NAME": "tensorflow/serving/predict",
    "PREDICT_OUTPUTS": "outputs", "REGRESS_INPUTS": "inputs",
    "REGRESS_METHOD_NAME": "tensorflow/serving/regress", "REGRESS_OUTPUTS": "outputs",
    "SAVED_MODEL_FILENAME_PB": "saved_model.pb", "SAVED_MODEL_FILENAME_PBTXT": "saved_model.pbtxt",
    "SAVED_MODEL_SCHEMA_VERSION": 1, "SERVING": "serve", "TPU": "tpu", "TRAINING": "train",
    "VARIABLES_DIRECTORY": "variables", "VARIABLES_FILENAME": "variables",
}


def test_constants_have_tf1_values():
    sm = tf.saved_model
    got = {
        "ASSETS_DIRECTORY": tf.saved_model.ASSETS_DIRECTORY, "ASSETS_KEY": tf.saved_model.ASSETS_KEY,
        "CLASSIFY_INPUTS": tf.saved_model.CLASSIFY_INPUTS,
        "CLASSIFY_METHOD_NAME": tf.saved_model.CLASSIFY_METHOD_NAME,
        "CLASSIFY_OUTPUT_CLASSES": tf.saved_model.CLASSIFY_OUTPUT_CLASSES,
        "CLASSIFY_OUTPUT_SCORES": tf.saved_model.CLASSIFY_OUTPUT_SCORES,
        "DEBUG_DIRECTORY": tf.saved_model.DEBUG_DIRECTORY,
        "DEBUG_INFO_FILENAME_PB": tf.saved_model.DEBUG_INFO_FILENAME_PB,
        "DEFAULT_SERVING_SIGNATURE_DEF_KEY": tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY,
        "GPU": tf.saved_model.GPU, "LEGACY_INIT_OP_KEY": tf.saved_model.LEGACY_INIT_OP_KEY,
        "MAIN_OP_KEY": tf.saved_model.MAIN_OP_KEY, "PREDICT_INPUTS": tf.saved_model.PREDICT_INPUTS,
        "PREDICT_METHOD_NAME": tf.saved_model.PREDICT_METHOD_NAME,
        "PREDICT_OUTPUTS": tf.saved_model.PREDICT_OUTPUTS,
        "REGRESS_INPUTS": tf.saved_model.REGRESS_INPUTS,
        "REGRESS_METHOD_NAME": tf.saved_model.REGRESS_METHOD_NAME,
        "REGRESS_OUTPUTS": tf.saved_model.REGRESS_OUTPUTS,
        "SAVED_MODEL_FILENAME_PB": tf.saved_model.SAVED_MODEL_FILENAME_PB,
        "SAVED_MODEL_FILENAME_PBTXT": tf.saved_model.SAVED_MODEL_FILENAME_PBTXT,
        "SAVED_MODEL_SCHEMA_VERSION": tf.saved_model.SAVED_MODEL_SCHEMA_VERSION,
        "SERVING": tf.saved_model.SERVING, "TPU": tf.saved_model.TPU,
        "TRAINING": tf.saved_model.TRAINING,
        "VARIABLES_DIRECTORY": tf.saved_model.VARIABLES_DIRECTORY,
        "VARIABLES_FILENAME": tf.saved_model.VARIABLES_FILENAME,
    }
    assert got == TF1_CONSTANTS
    # ... and the submodules hold the same values, as in TF1
    assert tf.saved_model.constants.ASSETS_KEY == sm.ASSETS_KEY
    assert tf.saved_model.tag_constants.TPU == sm.TPU
    assert tf.saved_model.signature_constants.REGRESS_OUTPUTS == sm.REGRESS_OUTPUTS


def test_top_level_functions_are_the_submodules():
    sm = tf.saved_model
    assert tf.saved_model.Builder is sm.builder.SavedModelBuilder
    assert tf.saved_model.load is sm.loader.load
    assert tf.saved_model.maybe_saved_model_directory is sm.loader.maybe_saved_model_directory
    assert tf.saved_model.build_tensor_info is sm.utils.build_tensor_info
    assert tf.saved_model.get_tensor_from_tensor_info is sm.utils.get_tensor_from_tensor_info
    assert tf.saved_model.regression_signature_def is sm.signature_def_utils.regression_signature_def
    assert tf.saved_model.main_op_with_restore is sm.main_op.main_op_with_restore


def test_round_trip_with_top_level_names(tmp_path):
    export = str(tmp_path / "model")
    examples = tf.placeholder(tf.string, [None], name="examples")
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable([[2.0], [-1.0]], name="w")
    y = tf.matmul(x, w, name="y")
    counter = tf.Variable(7, name="counter", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    builder = tf.saved_model.Builder(export)
    predict = tf.saved_model.predict_signature_def({"x": x}, {"y": y})
    regress = tf.saved_model.regression_signature_def(examples, y)
    assert set(regress.inputs) == {tf.saved_model.REGRESS_INPUTS}
    assert set(regress.outputs) == {tf.saved_model.REGRESS_OUTPUTS}
    with tf.Session() as sess:
        sess.run([w.initializer, counter.initializer])
        sess.run(tf.assign(counter, 99))
        builder.add_meta_graph_and_variables(
            sess, [tf.saved_model.SERVING],
            {tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY: predict, "regress": regress},
            main_op=tf.saved_model.main_op.main_op())
    builder.save()
    assert sorted(os.listdir(export)) == [tf.saved_model.SAVED_MODEL_FILENAME_PB,
                                          tf.saved_model.VARIABLES_DIRECTORY]
    assert tf.saved_model.maybe_saved_model_directory(export)
    assert not tf.saved_model.maybe_saved_model_directory(str(tmp_path))

    tf.reset_default_graph()
    with tf.Session() as sess:
        meta = tf.saved_model.load(sess, [tf.saved_model.SERVING], export)
        sig = meta.signature_def[tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        assert sig.method_name == tf.saved_model.PREDICT_METHOD_NAME
        x_in = tf.saved_model.get_tensor_from_tensor_info(sig.inputs["x"])
        y_out = tf.saved_model.get_tensor_from_tensor_info(sig.outputs["y"])
        np.testing.assert_allclose(sess.run(y_out, {x_in: [[1.0, 1.0], [3.0, 2.0]]}),
                                   [[1.0], [4.0]])
        assert sess.run("counter:0") == 7  # the main op re-initialized the local variable
        info = tf.saved_model.build_tensor_info(y_out)
        assert info.name == "y:0" and [d.size for d in info.tensor_shape.dim] == [-1, 1]


def test_main_op_with_restore_runs_after_the_restore_op():
    v = tf.Variable(1.0, name="v")
    local = tf.Variable(3.0, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    restore = tf.assign(v, 5.0, name="restore_all").op
    init = tf.saved_model.main_op_with_restore("restore_all")
    assert restore in init.control_inputs or any(
        restore in op.control_inputs for op in init.control_inputs)
    with tf.Session() as sess:
        sess.run(init)
        assert sess.run([v, local]) == [5.0, 3.0]
    with pytest.raises((KeyError, ValueError)):
        tf.saved_model.main_op_with_restore("no_such_op")
