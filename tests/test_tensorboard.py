"""Event files read back by TensorBoard's own EventAccumulator and by the real server."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import tensorflux as tf
from tensorflux.serialization.events import read_records


def build_and_log(logdir, steps=30):
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.random_uniform([3, 1], -1.0, 1.0, seed=3), name="theta")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(tf.matmul(X, theta) - y), name="mse")
    train = tf.train.GradientDescentOptimizer(0.05).minimize(mse)
    mse_summary = tf.summary.scalar("MSE", mse)
    tf.summary.histogram("weights", theta)
    merged = tf.summary.merge_all()
    rng = np.random.default_rng(0)
    data = rng.normal(size=(32, 3)).astype(np.float32)
    target = data @ np.array([[1.0], [2.0], [-1.0]], np.float32)
    values = []
    with tf.summary.FileWriter(logdir, tf.get_default_graph()) as writer, tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            if step % 10 == 0:
                summary_str = mse_summary.eval({X: data, y: target})
                writer.add_summary(summary_str, step)
                writer.add_summary(sess.run(merged, {X: data, y: target}), step)
                values.append(float(mse.eval({X: data, y: target})))
            sess.run(train, {X: data, y: target})
    return values


def test_event_file_name_framing_and_contents(tmp_path):
    logdir = tmp_path / "tf_logs" / "run-1"
    values = build_and_log(str(logdir))
    files = os.listdir(logdir)
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")
    assert files[0].endswith(socket.gethostname())
    records = list(read_records(str(logdir / files[0])))  # checks both crc32c per record
    assert len(records) >= 1 + 1 + 3 * 2
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert tags["scalars"] == ["MSE"] and tags["histograms"] == ["weights"] and tags["graph"]
    scalars = [(e.step, e.value) for e in acc.Scalars("MSE")]
    assert [s for s, _ in scalars[::2]] == [0, 10, 20]
    np.testing.assert_allclose([v for _, v in scalars[::2]], values, rtol=1e-6)
    histo = acc.Histograms("weights")[0].histogram_value
    assert histo.num == 3 and sum(histo.bucket) == 3
    names = {n.name: n for n in acc.Graph().node}
    assert "loss/mse" in names and "theta" in names
    assert any(n.startswith("gradients/loss/mse_grad/") for n in names)
    assert any(n.startswith("GradientDescent/update_theta/") for n in names)
    assert names["loss/mse"].op == "Mean"
    assert any(i.startswith("^") for n in names.values() for i in n.input)  # control inputs


def test_tag_carries_name_scope_and_other_summaries(tmp_path):
    with tf.name_scope("train"):
        s = tf.summary.scalar("loss", tf.constant(1.5))
    img = tf.summary.image("digits", tf.ones([2, 5, 5, 1]) * 0.5, max_outputs=2)
    txt = tf.summary.text("notes", tf.constant("**hello**"))
    assert s.op.name == "train/loss"
    assert tf.summary.merge_all(scope="train") is not None
    with tf.summary.FileWriter(str(tmp_path)) as writer, tf.Session() as sess:
        for value in sess.run([s, img, txt]):
            writer.add_summary(value, 1)
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert acc.Scalars("train/loss")[0].value == 1.5
    assert acc.Tags()["images"] == ["digits/image/0", "digits/image/1"]
    image = acc.Images("digits/image/0")[0]
    assert (image.width, image.height) == (5, 5)
    assert image.encoded_image_string.startswith(b"\x89PNG")
    assert "notes" in acc.Tags()["tensors"]
    with pytest.raises(ValueError, match="4-D"):
        tf.summary.image("bad", tf.ones([5, 5]))


def test_histogram_of_nan_is_a_clear_error():
    h = tf.summary.histogram("w", tf.constant([1.0, np.nan]))
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Nan or Inf.*w"):
        sess.run(h)


def test_flush_policy_and_close(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path), max_queue=3, flush_secs=600)
    path = writer._writer.path
    size = os.path.getsize(path)
    s = tf.summary.scalar("x", tf.constant(1.0))
    with tf.Session() as sess:
        value = sess.run(s)
    writer.add_summary(value, 1)
    writer.add_summary(value, 2)
    assert os.path.getsize(path) == size  # still queued
    writer.add_summary(value, 3)
    assert os.path.getsize(path) > size  # third event filled the queue
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_summary(value, 4)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def test_real_tensorboard_server_shows_runs_scalars_and_graph(tmp_path):
    build_and_log(str(tmp_path / "run-1"))
    port = _free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "tensorboard.main"]
    proc = subprocess.Popen(cmd + ["--logdir", str(tmp_path), "--host", "127.0.0.1",
                                   "--port", str(port), "--reload_interval", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        runs = None
        while time.time() < deadline:
            try:
                runs = json.loads(_get(f"{base}/data/runs"))
                if runs:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert runs == ["run-1"]
        tags = json.loads(_get(f"{base}/data/plugin/scalars/tags"))
        assert "MSE" in tags["run-1"]
        points = json.loads(_get(f"{base}/data/plugin/scalars/scalars?run=run-1&tag=MSE"))
        assert sorted({p[1] for p in points}) == [0, 10, 20]
        graph = _get(f"{base}/data/plugin/graphs/graph?run=run-1").decode()
        assert 'name: "loss/mse"' in graph and 'op: "MatMul"' in graph
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_session_log_events(tmp_path):
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_session_log(tf.summary.SessionLog("START"), global_step=0)
        writer.add_session_log(tf.summary.SessionLog("CHECKPOINT", checkpoint_path="ck"), 5)
    from tensorboard.compat.proto import event_pb2
    events = [event_pb2.Event.FromString(r) for r in read_records(str(next(tmp_path.iterdir())))]
    logs = [e.session_log for e in events if e.HasField("session_log")]
    assert [log.status for log in logs] == [event_pb2.SessionLog.START, event_pb2.SessionLog.CHECKPOINT]
    assert logs[1].checkpoint_path == "ck"
