"""tf.train.LooperThread, tf.train.SessionManager, tf.train.Supervisor and
tf.train.basic_train_loop, checked against TF1's documented behaviour."""
import glob
import os
import time

import numpy as np
import pytest

import tensorflux as tf


def events(logdir):
    found = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        found.extend(tf.train.summary_iterator(path))
    return found


# --- LooperThread ------------------------------------------------------------------------
def test_looper_thread_calls_its_target_until_the_coordinator_stops():
    coord = tf.train.Coordinator()
    calls = []
    looper = tf.train.LooperThread.loop(coord, 0.01, calls.append, args=("tick",))
    assert looper.daemon
    deadline = time.time() + 5
    while len(calls) < 3 and time.time() < deadline:
        time.sleep(0.01)
    coord.request_stop()
    coord.join()  # the looper registered itself: join waits for it
    assert not looper.is_alive() and calls[:3] == ["tick"] * 3


def test_looper_thread_reports_exceptions_and_runs_back_to_back_without_a_timer():
    class Counting(tf.train.LooperThread):
        def __init__(self, coord):
            super().__init__(coord, None)
            self.count, self.events = 0, []

        def start_loop(self):
            self.events.append("start")

        def run_loop(self):
            self.count += 1
            if self.count == 50:
                raise ValueError("fifty")

        def stop_loop(self):
            self.events.append("stop")

    coord = tf.train.Coordinator()
    looper = Counting(coord)
    looper.start()
    with pytest.raises(ValueError, match="fifty"):
        coord.join()
    assert looper.count == 50 and looper.events == ["start"]  # the exception ended it
    with pytest.raises(ValueError, match="target"):
        tf.train.LooperThread(tf.train.Coordinator(), 1, args=(1,))


# --- SessionManager ------------------------------------------------------------------------
def model():
    v = tf.Variable(1.0, name="v")
    local = tf.Variable(0.0, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    manager = tf.train.SessionManager(
        local_init_op=tf.local_variables_initializer(),
        ready_op=tf.report_uninitialized_variables(),
        ready_for_local_init_op=tf.report_uninitialized_variables(tf.global_variables()),
        recovery_wait_secs=0.01)
    return v, local, manager


def test_prepare_session_initializes_or_restores(tmp_path):
    v, local, manager = model()
    saver = tf.train.Saver([v])
    sess = manager.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver,
                                   checkpoint_dir=str(tmp_path))
    assert sess.run([v, local]) == [1.0, 0.0]  # no checkpoint yet: initialized
    sess.run(tf.assign(v, 7.0))
    saver.save(sess, str(tmp_path / "model.ckpt"), global_step=3)
    sess.close()
    sess = manager.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver,
                                   checkpoint_dir=str(tmp_path))
    assert sess.run([v, local]) == [7.0, 0.0]  # restored, and the local init ran
    sess.close()
    sess = manager.prepare_session("", saver=saver, checkpoint_filename_with_path=str(
        tmp_path / "model.ckpt-3"))
    assert sess.run(v) == 7.0
    sess.close()
    restored, ok = manager.recover_session("", saver=saver, checkpoint_dir=str(tmp_path))
    assert ok and restored.run(v) == 7.0
    restored.close()
    fresh, ok = manager.recover_session("", saver=saver, checkpoint_dir=str(tmp_path / "none"))
    assert not ok
    fresh.close()
    with pytest.raises(ValueError, match="both"):
        manager.prepare_session("", saver=saver, checkpoint_dir=str(tmp_path),
                                checkpoint_filename_with_path=str(tmp_path / "model.ckpt-3"))


def test_prepare_session_errors_say_what_is_not_ready():
    v, local, manager = model()
    with pytest.raises(RuntimeError, match="did not make model ready for local_init.*v"):
        manager.prepare_session("", init_op=tf.no_op())
    bare = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables())
    with pytest.raises(RuntimeError, match="no init_op or init_fn or local_init_op"):
        bare.prepare_session("")
    init_fn_calls = []
    sess = bare.prepare_session("", init_fn=lambda s: init_fn_calls.append(
        s.run(tf.global_variables_initializer()) or s.run(local.initializer)))
    assert len(init_fn_calls) == 1 and sess.run(v) == 1.0
    with pytest.raises(ValueError, match="local_init_op"):
        tf.train.SessionManager(ready_for_local_init_op=tf.report_uninitialized_variables())


def test_wait_for_session_returns_a_ready_model_or_times_out():
    local = tf.Variable(2.0, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    manager = tf.train.SessionManager(local_init_op=tf.local_variables_initializer(),
                                      ready_op=tf.report_uninitialized_variables(),
                                      recovery_wait_secs=0.01)
    sess = manager.wait_for_session("", max_wait_secs=1)
    assert sess.run(local) == 2.0
    tf.Variable(1.0, name="global_one")
    waiting = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables(),
                                      recovery_wait_secs=0.01)
    with pytest.raises(tf.errors.DeadlineExceededError, match="not ready after waiting"):
        waiting.wait_for_session("", max_wait_secs=0.05)


# --- Supervisor ----------------------------------------------------------------------------
def training_graph():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(10.0, name="w")
    loss = tf.square(w, name="objective")
    tf.summary.scalar("loss", loss)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return step, w, train


def test_supervisor_trains_checkpoints_summarizes_and_restores(tmp_path):
    logdir = str(tmp_path)
    step, w, train = training_graph()
    sv = tf.train.Supervisor(logdir=logdir, save_model_secs=3600, save_summaries_secs=3600)
    assert tf.get_default_graph().finalized
    with pytest.raises(RuntimeError):
        tf.constant(1.0)
    assert sv.global_step is step and sv.is_chief
    assert sv.save_path == os.path.join(logdir, "model.ckpt")
    with sv.managed_session() as sess:
        deadline = time.time() + 10
        while tf.train.latest_checkpoint(logdir) is None and time.time() < deadline:
            time.sleep(0.01)  # the checkpoint thread saves once when it starts
        assert tf.train.latest_checkpoint(logdir).endswith("model.ckpt-0")
        for _ in range(5):
            sess.run(train)
        w_after = sess.run(w)
        sv.saver.save(sess, sv.save_path, global_step=sv.global_step)
        sv.summary_computed(sess, sess.run(sv.summary_op))
    assert sv.should_stop()
    np.testing.assert_allclose(w_after, 10.0 * 0.8 ** 5, rtol=1e-6)  # w -= 0.1 * 2w
    assert os.path.exists(os.path.join(logdir, "graph.pbtxt"))
    assert tf.train.latest_checkpoint(logdir).endswith("model.ckpt-5")
    logs = [e.session_log.status for e in events(logdir) if e.HasField("session_log")]
    assert logs[0] == tf.SessionLog.START and logs[-1] == tf.SessionLog.STOP
    assert tf.SessionLog.CHECKPOINT in logs
    losses = {e.step: v.simple_value for e in events(logdir) for v in e.summary.value
              if v.tag == "loss"}
    np.testing.assert_allclose(losses[5], w_after ** 2, rtol=1e-5)
    assert any(v.tag == "global_step/sec" for e in events(logdir) for v in e.summary.value)

    tf.reset_default_graph()
    step, w, train = training_graph()
    sv = tf.train.Supervisor(logdir=logdir, save_model_secs=0, save_summaries_secs=0)
    with sv.managed_session() as sess:
        assert sess.run(step) == 5
        np.testing.assert_allclose(sess.run(w), w_after, rtol=1e-6)


def test_managed_session_reraises_errors_but_not_the_end_of_input(tmp_path):
    training_graph()
    sv = tf.train.Supervisor(logdir=None)
    with pytest.raises(ValueError, match="boom"):
        with sv.managed_session():
            raise ValueError("boom")
    tf.reset_default_graph()
    training_graph()
    sv = tf.train.Supervisor(logdir=None)
    with sv.managed_session():
        raise tf.errors.OutOfRangeError(None, None, "input ran out")
    assert sv.should_stop()


def test_supervisor_runs_queue_runners_and_loops(tmp_path):
    x = tf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
    tf.Variable(0.0, name="unused")
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
    ticks = []
    seen = []
    with sv.managed_session() as sess:
        sv.loop(0.01, ticks.append, args=(1,))
        while not sv.should_stop():
            seen.append(sess.run(x))  # the OutOfRangeError at the end stops cleanly
    assert seen == list(range(6)) and ticks
    non_chief = tf.train.Supervisor(graph=tf.Graph(), is_chief=False)
    with pytest.raises(RuntimeError, match="Only chief"):
        non_chief.start_standard_services(None)


def test_basic_train_loop_calls_the_step_until_stopped():
    step, w, train = training_graph()
    sv = tf.train.Supervisor(logdir=None)
    seen = []

    def train_step(sess, scale, stop_at):
        sess.run(train)
        seen.append(scale * sess.run(step))
        if sess.run(step) >= stop_at:
            sv.request_stop()

    tf.train.basic_train_loop(sv, train_step, args=(1,), kwargs={"stop_at": 3})
    assert seen == [1, 2, 3] and sv.should_stop()
