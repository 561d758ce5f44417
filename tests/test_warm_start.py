"""tf.train.init_from_checkpoint, tf.train.warm_start, tf.train.VocabInfo and
tf.train.SaverDef, checked against the values written into the checkpoints (NumPy)."""
import os

import numpy as np
import pytest

import tensorflux as tf

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_fixtures")
RNG = np.random.RandomState(0)
W, B, V = RNG.randn(3, 2).astype(np.float32), RNG.randn(2).astype(np.float32), np.float32(4.5)


@pytest.fixture
def checkpoint(tmp_path):
    """A checkpoint holding old/w, old/b (trainable), old/count (not) and other/v."""
    with tf.Graph().as_default():
        with tf.variable_scope("old"):
            tf.get_variable("w", initializer=W)
            tf.get_variable("b", initializer=B)
            tf.get_variable("count", dtype=tf.int64, initializer=np.int64(7), trainable=False)
        with tf.variable_scope("other"):
            tf.get_variable("v", initializer=V)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, str(tmp_path / "model.ckpt"), global_step=1)
    return str(tmp_path)


def values(*variables):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(list(variables))


def test_init_from_checkpoint_scope_to_scope_and_one_to_one(checkpoint):
    with tf.variable_scope("new"):
        w = tf.get_variable("w", [3, 2])
        b = tf.get_variable("b", [2])
        count = tf.get_variable("count", [], tf.int64, trainable=False)
    v = tf.Variable(0.0, name="plain")
    kept = tf.get_variable("kept", initializer=1.25)
    tf.train.init_from_checkpoint(checkpoint, {"old/": "new/", "other/v": v})
    got = values(w, b, count, v, kept)
    np.testing.assert_array_equal(got[0], W)
    np.testing.assert_array_equal(got[1], B)
    assert got[2] == 7 and got[3] == V and got[4] == 1.25  # kept keeps its initializer
    assert w.initializer.inputs[1].op.type == "RestoreV2"


def test_init_from_checkpoint_by_name_and_from_the_root(checkpoint):
    with tf.variable_scope("renamed"):
        only_w = tf.get_variable("weights", [3, 2])
    tf.train.init_from_checkpoint(os.path.join(checkpoint, "model.ckpt-1"),
                                  {"old/w": "renamed/weights"})
    with tf.variable_scope("root"):
        with tf.variable_scope("old"):
            rw = tf.get_variable("w", [3, 2])
        with tf.variable_scope("other"):
            rv = tf.get_variable("v", [])
    tf.train.init_from_checkpoint(checkpoint, {"/": "root/"})
    got = values(only_w, rw, rv)
    np.testing.assert_array_equal(got[0], W)
    np.testing.assert_array_equal(got[1], W)
    assert got[2] == V


def test_init_from_a_tensorflow_checkpoint():
    expected = tf.train.load_variable(os.path.join(FIXTURES, "mlp", "model.ckpt"),
                                      "dnn/hidden2/kernel")
    with tf.variable_scope("mine"):
        kernel = tf.get_variable("kernel", [32, 16])
    tf.train.init_from_checkpoint(os.path.join(FIXTURES, "mlp", "model.ckpt"),
                                  {"dnn/hidden2/kernel": "mine/kernel"})
    np.testing.assert_array_equal(values(kernel)[0], expected)


def test_init_from_checkpoint_errors(checkpoint):
    with tf.variable_scope("new"):
        tf.get_variable("w", [2, 2])
        tf.get_variable("z", [2])
    with pytest.raises(ValueError, match="doesn't match"):
        tf.train.init_from_checkpoint(checkpoint, {"old/w": "new/w"})
    with pytest.raises(ValueError, match="not found"):
        tf.train.init_from_checkpoint(checkpoint, {"old/missing": "new/z"})
    with pytest.raises(ValueError, match="scope only"):
        tf.train.init_from_checkpoint(checkpoint, {"old/w": "new/"})
    with pytest.raises(ValueError, match="Couldn't find"):
        tf.train.init_from_checkpoint(os.path.join(checkpoint, "nothing"), {})


def test_restored_value_is_read_when_the_initializer_runs(checkpoint):
    with tf.variable_scope("old"):
        w = tf.get_variable("w", [3, 2])
    tf.train.init_from_checkpoint(checkpoint, {"old/": "old/"})
    for name in os.listdir(checkpoint):
        os.remove(os.path.join(checkpoint, name))
    with tf.Session() as sess, pytest.raises(tf.errors.NotFoundError, match="model.ckpt-1"):
        sess.run(w.initializer)


def test_warm_start_selects_variables_like_tf1(checkpoint):
    with tf.variable_scope("old"):
        w = tf.get_variable("w", [3, 2])
        b = tf.get_variable("b", [2])
        count = tf.get_variable("count", [], tf.int64, trainable=False)
    tf.train.warm_start(checkpoint, vars_to_warm_start="old/w")  # a regex over trainables
    got = values(w, b, count)
    np.testing.assert_array_equal(got[0], W)
    assert not np.array_equal(got[1], B) and got[2] == 0
    tf.reset_default_graph()
    with tf.variable_scope("old"):
        w = tf.get_variable("w", [3, 2])
        count = tf.get_variable("count", [], tf.int64, trainable=False)
    with tf.variable_scope("new"):
        renamed = tf.get_variable("v", [])
    tf.train.warm_start(checkpoint, vars_to_warm_start=["old/", "new/v"],  # global variables
                        var_name_to_prev_var_name={"new/v": "other/v"})
    got = values(w, count, renamed)
    np.testing.assert_array_equal(got[0], W)
    assert got[1] == 7 and got[2] == V


def test_warm_start_errors(checkpoint):
    with tf.variable_scope("fresh"):
        tf.get_variable("v", [])
    with pytest.raises(ValueError, match="fresh/v is not found"):
        tf.train.warm_start(checkpoint)
    with pytest.raises(ValueError, match="did not get used: \\['nowhere'\\]"):
        tf.train.warm_start(checkpoint, vars_to_warm_start=[],
                            var_name_to_prev_var_name={"nowhere": "old/w"})


def _vocab(path, words):
    with open(path, "w") as f:
        f.write("\n".join(words) + "\n")
    return path


def test_warm_start_with_a_changed_vocabulary(tmp_path):
    old_rows = np.arange(8, dtype=np.float32).reshape(4, 2)  # rows of a, b, c, d
    with tf.Graph().as_default():
        tf.get_variable("emb", initializer=old_rows)
        tf.get_variable("out", initializer=old_rows.T.copy())  # a class per column
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, str(tmp_path / "model.ckpt"))
    old = _vocab(str(tmp_path / "old.txt"), ["a", "b", "c", "d"])
    new = _vocab(str(tmp_path / "new.txt"), ["c", "x", "a", "unused"])
    emb = tf.get_variable("emb", [4, 2])  # 3 words + 1 OOV bucket
    out = tf.get_variable("out", [2, 3])  # 3 words, no OOV, only a and b were in the old model
    rows = tf.train.VocabInfo(new, 3, 1, old, backup_initializer=tf.constant_initializer(-1.0))
    cols = tf.train.VocabInfo(new, 3, 0, old, old_vocab_size=2, axis=1)
    assert rows.axis == 0 and rows.old_vocab_size == -1 and cols.backup_initializer is None
    tf.train.warm_start(str(tmp_path), vars_to_warm_start=None,
                        var_name_to_vocab_info={"emb": rows, "out": cols})
    got_emb, got_out = values(emb, out)
    np.testing.assert_array_equal(got_emb, [old_rows[2], [-1, -1], old_rows[0], [-1, -1]])
    # c was beyond old_vocab_size: zeros (the default backup); a is column 0
    np.testing.assert_array_equal(got_out, np.stack([np.zeros(2), np.zeros(2), old_rows[0]], 1))
    with pytest.raises(ValueError, match="axis"):
        tf.train.VocabInfo(new, 3, 0, old, axis=2)


def test_saver_def_is_tensorflows_proto():
    saver_def = tf.train.SaverDef(filename_tensor_name="save/Const:0",
                                  save_tensor_name="save/control_dependency:0",
                                  restore_op_name="save/restore_all", max_to_keep=5,
                                  version=tf.train.SaverDef.V2)
    assert (tf.train.SaverDef.LEGACY, tf.train.SaverDef.V1, tf.train.SaverDef.V2) == (0, 1, 2)
    again = tf.train.SaverDef.FromString(saver_def.SerializeToString())
    assert again == saver_def and again.restore_op_name == "save/restore_all"
