"""tf.train.MonitoredSession / MonitoredTrainingSession, Scaffold, session creators and
the standard hooks; recovery after SIGKILL and after a failing hook."""
import glob
import logging
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import tensorflux as tf


def linear_model():
    """Fits y = 2x + 1 by SGD; returns (loss, train_op, global_step)."""
    x = np.linspace(-1, 1, 32).astype(np.float32).reshape(-1, 1)
    w = tf.Variable([[0.0]], name="w")
    b = tf.Variable([0.0], name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - (2 * x + 1)))
    tf.summary.scalar("loss", loss)
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return loss, train, step


def checkpoint_steps(directory):
    """Steps of the complete checkpoints (not temporary files of a save in progress)."""
    names = (os.path.basename(p) for p in glob.glob(os.path.join(directory, "model.ckpt-*")))
    return sorted(int(m.group(1)) for m in map(re.compile(r"model\.ckpt-(\d+)$").match, names) if m)


class Recorder(tf.train.SessionRunHook):
    def __init__(self, fetch=None, feed=None):
        self.calls, self.results, self.fetch, self.feed = [], [], fetch, feed

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        self.calls.append("after_create_session")
        assert isinstance(coord, tf.train.Coordinator)

    def before_run(self, run_context):
        self.calls.append("before_run")
        return tf.train.SessionRunArgs(self.fetch, self.feed)

    def after_run(self, run_context, run_values):
        self.calls.append("after_run")
        self.results.append(run_values.results)

    def end(self, session):
        self.calls.append("end")


def test_monitored_training_session_saves_checkpoints_and_summaries(tmp_path):
    loss, train, step = linear_model()
    hook = Recorder(fetch=step)
    with tf.train.MonitoredTrainingSession(
            checkpoint_dir=str(tmp_path), save_checkpoint_steps=5, save_summaries_steps=4,
            log_step_count_steps=3, hooks=[tf.train.StopAtStepHook(last_step=12), hook]) as sess:
        assert tf.get_default_graph().finalized
        losses = []
        while not sess.should_stop():
            losses.append(sess.run([train, loss])[1])
    assert not tf.get_default_graph().finalized  # given back as it was
    assert len(losses) == 12 and losses[-1] < losses[0]
    assert hook.results == list(range(12))  # the step read in each run
    assert hook.calls[:2] == ["begin", "after_create_session"] and hook.calls[-1] == "end"
    assert checkpoint_steps(tmp_path) == [0, 5, 10, 12]
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-12")
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [e.step for e in acc.Scalars("loss")] == [1, 5, 9]  # the first run, then every 4
    assert "global_step/sec" in acc.Tags()["scalars"]
    assert acc.Graph() is not None


def test_a_new_session_resumes_from_the_latest_checkpoint(tmp_path):
    loss, train, step = linear_model()
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_secs=None,
                                           save_checkpoint_steps=100,
                                           hooks=[tf.train.StopAtStepHook(num_steps=7)]) as sess:
        while not sess.should_stop():
            sess.run(train)
        w_before = sess.run("w:0")
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                           hooks=[tf.train.StopAtStepHook(num_steps=3)]) as sess:
        assert sess.run(step) == 7
        np.testing.assert_array_equal(sess.run("w:0"), w_before)
        while not sess.should_stop():
            sess.run(train)
    assert checkpoint_steps(tmp_path) == [0, 7, 10]


def test_out_of_range_input_ends_the_loop_and_the_last_checkpoint_is_saved(tmp_path):
    data = np.arange(10, dtype=np.float32)
    x = tf.train.slice_input_producer([data], num_epochs=2, shuffle=False)[0]
    batch = tf.train.batch([x], batch_size=4, allow_smaller_final_batch=True)
    total = tf.Variable(0.0, name="total")
    step = tf.train.get_or_create_global_step()
    train = tf.group(tf.assign_add(total, tf.reduce_sum(batch)), tf.assign_add(step, 1))
    runs = 0
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_summaries_steps=None,
                                           log_step_count_steps=None) as sess:
        while not sess.should_stop():
            sess.run(train)
            runs += 1
    assert sess.should_stop()
    assert runs == 5  # 20 elements in batches of 4
    assert tf.train.load_variable(str(tmp_path), "total") == 2 * data.sum()
    assert checkpoint_steps(tmp_path) == [0, 5]


def test_hooks_feed_fetch_and_conflicts():
    a = tf.placeholder(tf.float32, [], name="a")
    b = tf.placeholder(tf.float32, [], name="b")
    out = a + b
    fed = Recorder(fetch={"double": out * 2}, feed={b: 10.0})
    feeder = tf.train.FeedFnHook(lambda: {a: 1.0})
    with tf.train.MonitoredSession(hooks=[fed, feeder]) as sess:
        assert sess.run(out) == 11.0
        assert fed.results == [{"double": 22.0}]
        with pytest.raises(RuntimeError, match="fed by a SessionRunHook and user"):
            sess.run(out, feed_dict={b: 1.0})
    with tf.train.MonitoredSession(hooks=[tf.train.FeedFnHook(lambda: {a: 1.0}),
                                          tf.train.FeedFnHook(lambda: {a: 2.0})]) as sess:
        with pytest.raises(RuntimeError, match="fed by two hooks"):
            sess.run(out, {b: 0.0})
    with pytest.raises(TypeError, match="SessionRunHook"):
        tf.train.MonitoredSession(hooks=[object()])


def test_logging_nan_final_ops_and_summary_saver_hooks(tmp_path, caplog):
    x = tf.placeholder(tf.float32, [], name="value")
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    summary = tf.summary.scalar("x", x)
    total = tf.Variable(0.0)
    add = tf.assign_add(total, x)
    logged = tf.train.LoggingTensorHook({"x": x}, every_n_iter=2)
    final = tf.train.FinalOpsHook(total * 10)
    saver = tf.train.SummarySaverHook(save_steps=2, output_dir=str(tmp_path), summary_op=summary)
    caplog.set_level(logging.INFO, logger="tensorflux")
    with tf.train.SingularMonitoredSession(hooks=[logged, final, saver]) as sess:
        assert isinstance(sess.raw_session(), tf.Session)
        for v in [1.0, 2.0, 3.0, 4.0]:
            sess.run([inc, add], {x: v})
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("x = ")] == ["x = 1.0", "x = 3.0"]
    assert final.final_ops_values == 100.0
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("x")] == [(1, 1.0), (3, 3.0)]

    tf.reset_default_graph()
    loss = tf.placeholder(tf.float32, [])
    with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as sess:
        sess.run(loss, {loss: 1.0})
        with pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss during training"):
            sess.run(loss, {loss: np.nan})
    with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss, fail_on_nan_loss=False)]) as sess:
        sess.run(loss, {loss: np.nan})
        assert sess.should_stop()


def test_step_counter_checkpoint_listener_and_stop_from_listener(tmp_path):
    loss, train, step = linear_model()

    class Listener(tf.train.CheckpointSaverListener):
        def __init__(self):
            self.saves = []

        def after_save(self, session, global_step_value):
            self.saves.append(global_step_value)
            return global_step_value >= 6  # stop training after the save at step 6

    listener = Listener()
    hooks = [tf.train.CheckpointSaverHook(str(tmp_path), save_steps=3, listeners=[listener]),
             tf.train.StepCounterHook(every_n_steps=2, output_dir=str(tmp_path))]
    with tf.train.MonitoredSession(hooks=hooks) as sess:
        while not sess.should_stop():
            sess.run(train)
        final = sess.run(step)
    assert final == 6 and listener.saves == [0, 3, 6]
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert "global_step/sec" in acc.Tags()["scalars"]


def test_scaffold_init_fn_feed_dict_and_chief_restore(tmp_path):
    start = tf.placeholder(tf.float32, [])
    v = tf.Variable(start, name="v")
    other = tf.Variable(0.0, name="other")
    set_other = tf.assign(other, 5.0)
    called = []

    def init_fn(scaffold, sess):
        called.append(scaffold)
        sess.run(set_other)

    scaffold = tf.train.Scaffold(init_feed_dict={start: 3.0}, init_fn=init_fn)
    with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=scaffold)) as sess:
        assert sess.run([v, other]) == [3.0, 5.0]
        assert called == [scaffold] and scaffold.saver is not None
        path = scaffold.saver.save(sess._tf_sess(), str(tmp_path / "model.ckpt"), global_step=1)
    creator = tf.train.ChiefSessionCreator(scaffold=tf.train.Scaffold(init_fn=lambda s, sess: pytest.fail("no init when restoring")),
                                           checkpoint_filename_with_path=path)
    with tf.train.MonitoredSession(creator) as sess:
        assert sess.run([v, other]) == [3.0, 5.0]


def test_worker_session_creator_waits_for_readiness():
    x = tf.constant(1.0)
    with tf.train.MonitoredTrainingSession(is_chief=False) as sess:  # no variables: ready
        assert sess.run(x) == 1.0
    tf.reset_default_graph()
    tf.Variable(1.0)
    start = time.monotonic()
    with pytest.raises(tf.errors.DeadlineExceededError, match="not ready after waiting 1 secs"):
        tf.train.MonitoredSession(tf.train.WorkerSessionCreator(max_wait_secs=1))
    assert time.monotonic() - start < 10


def test_monitored_session_recovers_from_aborted_error(tmp_path):
    loss, train, step = linear_model()

    class AbortOnce(tf.train.SessionRunHook):
        aborted = False
        created = 0

        def after_create_session(self, session, coord):
            self.created += 1

        def after_run(self, run_context, run_values):
            if not self.aborted and run_context.session.run(step) == 4:
                self.aborted = True
                raise tf.errors.AbortedError(None, None, "worker preempted")

    hook = AbortOnce()
    creator = tf.train.ChiefSessionCreator(checkpoint_dir=str(tmp_path))
    saver_hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=3)
    with tf.train.MonitoredSession(creator, hooks=[saver_hook, hook, tf.train.StopAtStepHook(last_step=8)]) as sess:
        while not sess.should_stop():
            sess.run(train)
        assert sess.run(step) == 8
    assert hook.created == 2  # the session was recreated from the step-3 checkpoint


def test_run_step_fn_and_step_context():
    v = tf.Variable(0)
    inc = tf.assign_add(v, 1)
    with tf.train.MonitoredSession() as sess:
        def step_fn(ctx):
            if ctx.session.run(v) >= 2:
                ctx.request_stop()
            return ctx.run_with_hooks(inc)
        results = []
        while not sess.should_stop():
            results.append(sess.run_step_fn(step_fn))
    assert results == [1, 2, None]


def test_global_step_waiter_hook_waits_for_another_thread():
    step = tf.train.get_or_create_global_step()
    bump = tf.assign(step, 5)
    x = tf.constant(1.0)
    with tf.train.SingularMonitoredSession(hooks=[tf.train.GlobalStepWaiterHook(5)]) as sess:
        raw = sess.raw_session()
        timer = threading.Timer(0.3, lambda: raw.run(bump))
        timer.start()
        t0 = time.monotonic()
        assert sess.run(x) == 1.0
        assert time.monotonic() - t0 >= 0.25
        timer.join()


def test_a_failing_hook_stops_cleanly_with_the_last_checkpoint_intact(tmp_path):
    loss, train, step = linear_model()

    class Fails(tf.train.SessionRunHook):
        def after_run(self, run_context, run_values):
            if run_context.session.run(step) == 7:
                raise ValueError("hook failed at step 7")

    with pytest.raises(ValueError, match="hook failed at step 7"):
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=3,
                                               hooks=[Fails()]) as sess:
            while not sess.should_stop():
                sess.run(train)
    assert checkpoint_steps(tmp_path) == [0, 3, 6]
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest.endswith("model.ckpt-6") and tf.train.load_variable(latest, "global_step") == 6
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                           hooks=[tf.train.StopAtStepHook(last_step=9)]) as sess:
        assert sess.run(step) == 6  # resumes from the step-6 checkpoint
        while not sess.should_stop():
            sess.run(train)
    assert tf.train.load_variable(str(tmp_path), "global_step") == 9


TRAINER = textwrap.dedent('''
    import sys, time
    import tensorflux as tf
    counter = tf.Variable(0, dtype=tf.int64, name="counter")  # always equals the global step
    step = tf.train.get_or_create_global_step()
    train = tf.group(tf.assign_add(counter, 1), tf.assign_add(step, 1))

    class Report(tf.train.SessionRunHook):
        def after_create_session(self, session, coord):
            print("start", session.run(step), session.run(counter), flush=True)

    with tf.train.MonitoredTrainingSession(checkpoint_dir=sys.argv[1], save_checkpoint_steps=3,
                                           save_summaries_steps=None,
                                           hooks=[Report(), tf.train.StopAtStepHook(last_step=60)]) as sess:
        while not sess.should_stop():
            sess.run(train)
            time.sleep(0.02)
    print("done", tf.train.load_variable(sys.argv[1], "global_step"), flush=True)
''')


def test_training_killed_with_sigkill_resumes_from_the_latest_checkpoint(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAINER)
    ckpt_dir = str(tmp_path / "run")
    proc = subprocess.Popen([sys.executable, str(script), ckpt_dir], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(checkpoint_steps(ckpt_dir) if os.path.isdir(ckpt_dir) else []) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random(os.getpid()).uniform(0.0, 0.3))  # a random point of training
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    latest = tf.train.latest_checkpoint(ckpt_dir)
    saved = int(tf.train.load_variable(latest, "global_step"))
    # The state file names a complete checkpoint (the newest, or the one before it when
    # the kill fell between writing a checkpoint and updating the state file).
    assert saved in checkpoint_steps(ckpt_dir)[-2:] and saved < 60
    assert int(tf.train.load_variable(latest, "counter")) == saved
    out = subprocess.run([sys.executable, str(script), ckpt_dir], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[0] == f"start {saved} {saved}"  # resumed from the newest checkpoint
    assert lines[1] == "done 60"
    assert int(tf.train.load_variable(ckpt_dir, "counter")) == 60
