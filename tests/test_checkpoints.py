import json
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.serialization import h5safe
from tensorflux.serialization.graph_format import GraphFormatError

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")


def linear_model():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.random_uniform([3, 1], -1.0, 1.0, seed=1), name="theta")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(tf.matmul(X, theta) - y), name="mse")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(mse)
    return X, y, theta, mse, train


DATA = (np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32),
        np.random.default_rng(1).normal(size=(8, 1)).astype(np.float32))


def test_seed_style_save_and_restore(tmp_path):
    X, y, theta, mse, train = linear_model()
    saver = tf.train.Saver()
    path = str(tmp_path / "my_model_final.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {X: DATA[0], y: DATA[1]})
        assert saver.save(sess, path) == path
        best = theta.eval()
    assert os.path.exists(path) and os.path.exists(path + ".meta")
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(theta.eval(), best)


def test_dict_var_list_global_step_and_state_file(tmp_path):
    theta = tf.Variable([1.0, 2.0], name="theta")
    saver = tf.train.Saver({"weights": theta}, max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(theta.initializer)
        paths = [saver.save(sess, prefix, global_step=s) for s in (10, 20, 30)]
    assert paths == [prefix + "-10", prefix + "-20", prefix + "-30"]
    assert not os.path.exists(paths[0]) and not os.path.exists(paths[0] + ".meta")
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[2]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == paths[2]
    assert state.all_model_checkpoint_paths == paths[1:]
    assert tf.train.checkpoint_exists(paths[2]) and not tf.train.checkpoint_exists(paths[0])
    assert tf.train.list_variables(str(tmp_path)) == [("weights", [2])]
    np.testing.assert_array_equal(tf.train.load_variable(paths[2], "weights"), [1.0, 2.0])
    reader = tf.train.NewCheckpointReader(paths[2])
    assert reader.has_tensor("weights") and reader.global_step == 30
    assert reader.get_variable_to_dtype_map() == {"weights": tf.float32}
    reader.close()
    assert 'model_checkpoint_path: "model.ckpt-30"' in (tmp_path / "checkpoint").read_text()


def test_restore_errors_name_variable_file_and_shapes(tmp_path):
    a = tf.Variable(np.zeros((2, 3), np.float32), name="a")
    path = str(tmp_path / "ck")
    with tf.Session() as sess:
        sess.run(a.initializer)
        tf.train.Saver([a]).save(sess, path)
    tf.reset_default_graph()
    b = tf.Variable(np.zeros(2, np.float32), name="b")
    with tf.Session() as sess, pytest.raises(tf.errors.NotFoundError, match=f"Key b not found in checkpoint.*{path}"):
        tf.train.Saver([b]).restore(sess, path)
    tf.reset_default_graph()
    a2 = tf.Variable(np.zeros((3, 3), np.float32), name="a")
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match=r"a.*\[3, 3\].*\[2, 3\]"):
        tf.train.Saver([a2]).restore(sess, path)
    tf.reset_default_graph()
    a3 = tf.Variable(np.zeros((2, 3), np.float64), name="a")
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="float64.*float32"):
        tf.train.Saver([a3]).restore(sess, path)
    junk = tmp_path / "junk"
    junk.write_bytes(b"not an hdf5 file at all" * 10)
    truncated = tmp_path / "truncated"
    truncated.write_bytes(open(path, "rb").read()[:500])
    for bad in (junk, truncated):
        with tf.Session() as sess, pytest.raises(tf.errors.DataLossError, match=str(bad)):
            tf.train.Saver([a3]).restore(sess, str(bad))


PLAIN_H5PY = """
import sys, crc32c, h5py
assert "tensorflux" not in sys.modules
with h5py.File(sys.argv[1], "r") as f:
    d = f["variables/theta:0"]
    print(f.attrs["format"].decode(), int(f.attrs["format_version"]), d.attrs["name"].decode(),
          d.attrs["dtype"].decode(), d.attrs["shape"].tolist(), int(d.attrs["trainable"]),
          d[()].ravel().tolist(), int(d.attrs["crc32c"]) == crc32c.crc32c(d[()].astype("<f4").tobytes()))
"""


def test_checkpoint_is_plain_hdf5_readable_without_tensorflux(tmp_path):
    theta = tf.Variable([[1.5], [2.5]], name="theta")
    path = str(tmp_path / "ck")
    with tf.Session() as sess:
        sess.run(theta.initializer)
        tf.train.Saver().save(sess, path)
    out = subprocess.run([sys.executable, "-c", PLAIN_H5PY, path], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["tensorflux-checkpoint", "2", "theta", "float32", "[2,", "1]", "1", "[1.5,", "2.5]",
                   "True"]
    if shutil.which("h5dump"):
        dump = subprocess.run(["h5dump", "-d", "/variables/theta:0", path], capture_output=True,
                              text=True, check=True).stdout
        assert "(0,0): 1.5" in dump and "(1,0): 2.5" in dump


SAVER_LOOP = """
import sys, numpy as np, tensorflux as tf
big = tf.Variable(np.zeros((512, 512), np.float32), name="big")
step = tf.Variable(0, name="step", dtype=tf.int64)
fill = big.assign(tf.fill([512, 512], tf.cast(step + 1, tf.float32)))
with tf.control_dependencies([fill]):
    advance = step.assign_add(1)
saver = tf.train.Saver(max_to_keep=3)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    latest = tf.train.latest_checkpoint(sys.argv[1])
    if latest:  # carry on from the last good checkpoint, so steps keep increasing
        saver.restore(sess, latest)
    print("ready", flush=True)
    while True:
        n = sess.run(advance)
        saver.save(sess, sys.argv[1] + "/model", global_step=n)
"""


def test_sigkill_while_saving_never_loses_the_last_good_checkpoint(tmp_path):
    rng = np.random.default_rng(7)
    restored_steps = []
    for trial in range(8):
        proc = subprocess.Popen([sys.executable, "-c", SAVER_LOOP, str(tmp_path)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 0.4)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        latest = tf.train.latest_checkpoint(str(tmp_path))
        if latest is None:
            continue
        tf.reset_default_graph()
        big = tf.Variable(np.zeros((512, 512), np.float32), name="big")
        step = tf.Variable(0, name="step", dtype=tf.int64)
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, latest)
            n, values = sess.run([step, big])
        assert latest.endswith(f"-{n}")
        assert np.all(values == n)  # complete and consistent: written at one step
        restored_steps.append(int(n))
    assert restored_steps, "no checkpoint survived any kill"
    assert restored_steps == sorted(restored_steps)


def test_meta_graph_reloads_in_a_fresh_process_and_training_continues(tmp_path):
    X, y, theta, mse, train = linear_model()
    tf.add_to_collection("train_op", train)
    saver = tf.train.Saver()
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saved_mse = sess.run(mse, {X: DATA[0], y: DATA[1]})
        saver.save(sess, path)
    np.save(tmp_path / "X.npy", DATA[0])
    np.save(tmp_path / "y.npy", DATA[1])
    program = f"""
import numpy as np, tensorflux as tf
saver = tf.train.import_meta_graph({path + '.meta'!r})
g = tf.get_default_graph()
X, y = g.get_tensor_by_name("X:0"), g.get_tensor_by_name("y:0")
mse = g.get_tensor_by_name("loss/mse:0")
train = tf.get_collection("train_op")[0]
feed = {{X: np.load({str(tmp_path / 'X.npy')!r}), y: np.load({str(tmp_path / 'y.npy')!r})}}
with tf.Session() as sess:
    saver.restore(sess, {path!r})
    first = sess.run(mse, feed)
    for _ in range(20):
        sess.run(train, feed)
    print(first, sess.run(mse, feed), [v.name for v in tf.trainable_variables()])
"""
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    first, last, names = out.stdout.split(maxsplit=2)
    assert float(first) == pytest.approx(float(saved_mse), rel=1e-6)
    assert float(last) < float(first)
    assert names.strip() == "['theta:0']"


def test_import_scope_clear_devices_and_graph_def_round_trip(tmp_path):
    with tf.device("/cpu:0"):
        a = tf.constant([1.0, 2.0], name="a")
        b = tf.multiply(a, 3.0, name="b")
    v = tf.Variable(5.0, name="v")
    path = str(tmp_path / "g.meta")
    tf.train.export_meta_graph(path)
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(path, import_scope="copy", clear_devices=True)
    g = tf.get_default_graph()
    b2 = g.get_tensor_by_name("copy/b:0")
    assert b2.op.device == "" and [t.name for t in b2.op.inputs][0] == "copy/a:0"
    assert [x.name for x in tf.global_variables()] == ["copy/v:0"]
    assert saver is not None
    with tf.Session() as sess:
        assert sess.run(b2).tolist() == [3.0, 6.0]
    gd = g.as_graph_def()
    tf.reset_default_graph()
    x = tf.constant([10.0, 20.0], name="x")
    (out,) = tf.import_graph_def(gd, input_map={"copy/a:0": x}, return_elements=["copy/b:0"])
    assert out.name == "import/copy/b:0"
    with tf.Session() as sess:
        assert sess.run(out).tolist() == [30.0, 60.0]


def test_golden_files_of_format_version_1_still_load():
    saver = tf.train.import_meta_graph(os.path.join(GOLDEN, "v1_model.ckpt.meta"))
    g = tf.get_default_graph()
    with tf.Session() as sess:
        saver.restore(sess, os.path.join(GOLDEN, "v1_model.ckpt"))
        w = sess.run("linear/w:0")
        pred = sess.run("pred:0", {"X:0": [[1.0, 1.0]]})
        train = g.get_collection(tf.GraphKeys.TRAIN_OP)[0]
        sess.run(train, {"X:0": [[1.0, 2.0]], "y:0": [[1.0]]})
        assert sess.run("global_step:0") == 2
    np.testing.assert_allclose(w, [[0.7], [0.15]], rtol=1e-6)
    np.testing.assert_allclose(pred, [[0.85 + sess_b_value()]], rtol=1e-5)


def sess_b_value():
    return float(tf.train.load_variable(os.path.join(GOLDEN, "v1_model.ckpt"), "linear/b")[0])


def _rewrite_graph(src, dst, mutate):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        doc = json.loads(f["graph"][()])
        mutate(doc, f)
        del f["graph"]  # written back as the writer does, with a valid checksum
        h5safe.write_array(f, "graph", np.array(json.dumps(doc).encode(), dtype=object))


def test_version_unknown_op_and_plugin_errors(tmp_path):
    tf.constant(1.0, name="c")
    src = str(tmp_path / "g.meta")
    tf.train.export_meta_graph(src)
    newer = str(tmp_path / "newer.meta")
    _rewrite_graph(src, newer, lambda d, f: d.update(min_consumer=99))
    with pytest.raises(GraphFormatError, match="newer tensorflux.*Upgrade"):
        tf.train.import_meta_graph(newer)
    unknown = str(tmp_path / "unknown.meta")
    _rewrite_graph(src, unknown, lambda d, f: d["nodes"][0].update(op="mylib>Fancy"))
    with pytest.raises(GraphFormatError, match="op 'c' has type 'mylib>Fancy'.*plugin"):
        tf.train.import_meta_graph(unknown)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    import pickle
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("pickle used"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("pickle used"))
    test_golden_files_of_format_version_1_still_load()


def test_save_removes_temporaries_a_killed_save_left_behind(tmp_path):
    v = tf.Variable(1.0, name="v")
    saver = tf.train.Saver()
    stale = [tmp_path / "model.ckpt-3.tmp-abc123", tmp_path / "checkpoint.tmp-def456"]
    fresh = tmp_path / "model.ckpt-4.tmp-inprogress"   # maybe another process saving now
    unrelated = tmp_path / "notes.tmp-keep"
    for p in stale + [fresh, unrelated]:
        p.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    for p in stale + [unrelated]:
        os.utime(p, (hour_ago, hour_ago))
    with tf.Session() as sess:
        sess.run(v.initializer)
        saver.save(sess, str(tmp_path / "model.ckpt"), global_step=5)
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and unrelated.exists()
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-5")


def test_keep_checkpoint_every_n_hours_keeps_one_per_period(tmp_path, monkeypatch):
    import tensorflux.serialization.saver as saver_module
    clock = [1_000_000.0]
    monkeypatch.setattr(saver_module.time, "time", lambda: clock[0])
    v = tf.Variable(1.0, name="v")
    saver = tf.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1.0)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(v.initializer)
        for step, hours in enumerate([0.5, 1.9, 2.05, 2.5, 3.2]):
            clock[0] = 1_000_000.0 + hours * 3600
            saver.save(sess, prefix, global_step=step)
    kept = sorted(int(p.name.split("-")[1]) for p in tmp_path.glob("model.ckpt-*") if p.suffix != ".meta")
    # As in TF: the first checkpoint past 1 h (1.9 h) and the first past 2 h (2.05 h) are
    # kept for good, besides the most recent; TF counts from the Saver's creation, not
    # from the last kept checkpoint (which would have dropped 2.05 h).
    assert kept == [1, 2, 4]
    assert saver.last_checkpoints == [f"{prefix}-4"]
