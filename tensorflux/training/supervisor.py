"""``tf.train.Supervisor`` (TF1's training helper before MonitoredTrainingSession) and
``tf.train.basic_train_loop``.

A Supervisor takes its ops from the arguments, else from the graph's collections, else
builds TF1's defaults (init, ready and local-init ops, summary op, saver, global step),
then finalizes the graph. On the chief, ``managed_session()`` restores the latest
checkpoint of ``logdir`` or initializes the model (through a SessionManager), writes the
graph, and starts the standard services: threads that save a checkpoint every
``save_model_secs``, compute the summary op every ``save_summaries_secs`` and write the
steps per second. Queue runners start under the Supervisor's Coordinator. Leaving the
``with`` block stops every thread, re-raising an exception from the block or a thread
(an OutOfRangeError, the end of the input, is a normal stop).
"""
from __future__ import annotations

import contextlib
import logging
import os
import time

from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.training.coordinator import Coordinator, LooperThread
from tensorflux.training.session_manager import SessionManager

logger = logging.getLogger("tensorflux")


class Supervisor:
    """See the module docstring. ``Supervisor.USE_DEFAULT`` asks for TF1's default."""

    USE_DEFAULT = 0

    def __init__(self, graph=None, ready_op=USE_DEFAULT, ready_for_local_init_op=USE_DEFAULT,
                 is_chief=True, init_op=USE_DEFAULT, init_feed_dict=None,
                 local_init_op=USE_DEFAULT, logdir=None, summary_op=USE_DEFAULT,
                 saver=USE_DEFAULT, global_step=USE_DEFAULT, save_summaries_secs=120,
                 save_model_secs=600, recovery_wait_secs=30, stop_grace_secs=120,
                 checkpoint_basename="model.ckpt", session_manager=None,
                 summary_writer=USE_DEFAULT, init_fn=None, local_init_run_options=None):
        self._graph = graph if graph is not None else get_default_graph()
        with self._graph.as_default():
            self._init_ops(ready_op, ready_for_local_init_op, init_op, local_init_op,
                           summary_op, saver, global_step)
        self._graph.finalize()
        self._is_chief, self._init_feed_dict, self._init_fn = is_chief, init_feed_dict, init_fn
        self._coord = Coordinator()
        self._started_threads = []
        self._logdir = logdir
        self._save_summaries_secs, self._save_model_secs = save_summaries_secs, save_model_secs
        self._stop_grace_secs = stop_grace_secs
        self._save_path = self._summary_writer = None
        if is_chief and logdir:
            self._save_path = os.path.join(logdir, checkpoint_basename)
            if summary_writer is Supervisor.USE_DEFAULT:
                from tensorflux.serialization.summary_writer import FileWriter
                summary_writer = FileWriter(logdir)
            self._summary_writer = summary_writer
        self._graph_added_to_summary = False
        self._session_manager = session_manager or SessionManager(
            local_init_op=self._local_init_op, ready_op=self._ready_op,
            ready_for_local_init_op=self._ready_for_local_init_op, graph=self._graph,
            recovery_wait_secs=recovery_wait_secs, local_init_run_options=local_init_run_options)

    # --- the ops ---------------------------------------------------------------------------
    def _first(self, key):
        items = self._graph.get_collection(key)
        return items[0] if items else None

    def _default(self, value, key, build):
        """``value``, or (USE_DEFAULT) the first of collection ``key``, else ``build()``
        added to that collection."""
        if value is not Supervisor.USE_DEFAULT:
            return value
        found = self._first(key)
        if found is None:
            found = build()
            if found is not None:
                self._graph.add_to_collection(key, found)
        return found

    def _init_ops(self, ready_op, ready_for_local_init_op, init_op, local_init_op, summary_op,
                  saver, global_step):
        from tensorflux.ops import variables
        from tensorflux.ops.control_flow_ops import group
        from tensorflux.ops.graph_helpers import tables_initializer
        from tensorflux.ops.summary_ops import merge_all
        from tensorflux.serialization.saver import Saver
        self._ready_op = self._default(ready_op, GraphKeys.READY_OP,
                                       variables.report_uninitialized_variables)
        self._ready_for_local_init_op = self._default(
            ready_for_local_init_op, GraphKeys.READY_FOR_LOCAL_INIT_OP,
            lambda: variables.report_uninitialized_variables(variables.global_variables()))
        self._init_op = self._default(init_op, GraphKeys.INIT_OP,
                                      variables.global_variables_initializer)
        self._local_init_op = self._default(
            local_init_op, GraphKeys.LOCAL_INIT_OP,
            lambda: group(variables.local_variables_initializer(), tables_initializer()))
        self._summary_op = self._default(summary_op, GraphKeys.SUMMARY_OP, merge_all)
        self._saver = self._default(
            saver, GraphKeys.SAVERS, lambda: Saver() if variables.global_variables() else None)
        if global_step is Supervisor.USE_DEFAULT:
            global_step = self._first(GraphKeys.GLOBAL_STEP)
            if global_step is None:
                names = {t.name for op in self._graph.get_operations() for t in op.outputs}
                global_step = (self._graph.get_tensor_by_name("global_step:0")
                               if "global_step:0" in names else None)
        self._global_step = global_step

    is_chief = property(lambda self: self._is_chief)
    session_manager = property(lambda self: self._session_manager)
    coord = property(lambda self: self._coord)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    summary_writer = property(lambda self: self._summary_writer)
    summary_op = property(lambda self: self._summary_op)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step)
    saver = property(lambda self: self._saver)
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path)

    # --- sessions ----------------------------------------------------------------------------
    def prepare_or_wait_for_session(self, master="", config=None, wait_for_checkpoint=False,
                                    max_wait_secs=7200, start_standard_services=True):
        """The chief restores or initializes the model (and starts the services); other
        workers wait until the model is ready. Queue runners start in both cases."""
        if self._is_chief:
            sess = self._session_manager.prepare_session(
                master, init_op=self._init_op, saver=self._saver, checkpoint_dir=self._logdir,
                wait_for_checkpoint=wait_for_checkpoint, max_wait_secs=max_wait_secs,
                config=config, init_feed_dict=self._init_feed_dict, init_fn=self._init_fn)
            self._write_graph()
            if start_standard_services:
                logger.info("Starting standard services.")
                self.start_standard_services(sess)
        else:
            sess = self._session_manager.wait_for_session(master, config=config,
                                                          max_wait_secs=max_wait_secs)
        if start_standard_services:
            logger.info("Starting queue runners.")
            self.start_queue_runners(sess)
        return sess

    def _write_graph(self):
        if not (self._is_chief and self._logdir):
            return
        from tensorflux.interop.graph_util import write_graph
        write_graph(self._graph, self._logdir, "graph.pbtxt")
        if self._summary_writer is not None and not self._graph_added_to_summary:
            self._summary_writer.add_graph(self._graph)
            self._graph_added_to_summary = True

    def _current_step(self, sess):
        return int(sess.run(self._global_step))

    def start_standard_services(self, sess):
        """Start the checkpoint, summary and steps-per-second threads (chief only)."""
        if not self._is_chief:
            raise RuntimeError("Only chief supervisor can start standard services. Because "
                               "only chief supervisors can write events.")
        if not self._logdir:
            logger.warning("Standard services need a 'logdir' passed to the SessionManager")
            return []
        from tensorflux.serialization.summary_writer import SessionLog
        if self._global_step is not None and self._summary_writer is not None:
            self._summary_writer.add_session_log(SessionLog(status=SessionLog.START),
                                                 self._current_step(sess))
        threads = []
        if self._save_summaries_secs and self._summary_writer is not None:
            if self._summary_op is not None:
                threads.append(LooperThread(self._coord, self._save_summaries_secs,
                                            self._write_summaries, (sess,)))
            if self._global_step is not None:
                threads.append(_StepCounter(self, sess))
        if self._saver is not None and self._save_model_secs:
            threads.append(LooperThread(self._coord, self._save_model_secs, self._checkpoint,
                                        (sess,)))
        for thread in threads:
            thread.start()
        self._started_threads.extend(threads)
        return threads

    def _write_summaries(self, sess):
        if self._global_step is not None:
            summary, step = sess.run([self._summary_op, self._global_step])
        else:
            summary, step = sess.run(self._summary_op), None
        self._summary_writer.add_summary(summary, step)

    def _checkpoint(self, sess):
        from tensorflux.serialization.summary_writer import SessionLog
        self._saver.save(sess, self._save_path, global_step=self._global_step)
        if self._summary_writer is not None and self._global_step is not None:
            self._summary_writer.add_session_log(
                SessionLog(status=SessionLog.CHECKPOINT, checkpoint_path=self._save_path),
                self._current_step(sess))

    def start_queue_runners(self, sess, queue_runners=None):
        """Start the graph's queue runners (or ``queue_runners``) under ``coord``."""
        runners = (self._graph.get_collection(GraphKeys.QUEUE_RUNNERS) if queue_runners is None
                   else queue_runners)
        threads = []
        for runner in runners:
            threads.extend(runner.create_threads(sess, coord=self._coord, daemon=True, start=True))
        return threads

    def loop(self, timer_interval_secs, target, args=None, kwargs=None):
        """Call ``target(*args, **kwargs)`` every ``timer_interval_secs`` in a thread
        until the Supervisor stops; returns the started thread."""
        return LooperThread.loop(self._coord, timer_interval_secs, target, args, kwargs)

    def summary_computed(self, sess, summary, global_step=None):
        """Write a summary computed by the caller (at the global step by default)."""
        if self._summary_writer is None:
            raise RuntimeError("Writing a summary requires a summary writer.")
        if global_step is None and self._global_step is not None:
            global_step = self._current_step(sess)
        self._summary_writer.add_summary(summary, global_step)

    # --- stopping ------------------------------------------------------------------------------
    def request_stop(self, ex=None):
        self._coord.request_stop(ex)

    def should_stop(self):
        return self._coord.should_stop()

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def wait_for_stop(self):
        self._coord.wait_for_stop()

    def stop(self, threads=None, close_summary_writer=True, ignore_live_threads=False):
        """Stop and join every thread (re-raising an exception one reported), then close
        the summary writer."""
        from tensorflux.serialization.summary_writer import SessionLog
        self._coord.request_stop()
        try:
            self._coord.join(list(threads or ()) + self._started_threads,
                             stop_grace_period_secs=self._stop_grace_secs,
                             ignore_live_threads=ignore_live_threads)
        finally:
            self._started_threads = []
            if close_summary_writer and self._summary_writer is not None:
                self._summary_writer.add_session_log(SessionLog(status=SessionLog.STOP))
                self._summary_writer.close()
                self._graph_added_to_summary = False

    @contextlib.contextmanager
    def managed_session(self, master="", config=None, start_standard_services=True,
                        close_summary_writer=True):
        """A ready session for the ``with`` block; on leaving, the threads stop and the
        session closes. An exception raised in the block stops the other threads and is
        re-raised, unless it is an OutOfRangeError."""
        sess = None
        try:
            sess = self.prepare_or_wait_for_session(
                master=master, config=config, start_standard_services=start_standard_services)
            yield sess
        except Exception as exc:  # noqa: BLE001 - recorded by the coordinator, re-raised by stop
            self.request_stop(exc)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    sess.close()


class _StepCounter(LooperThread):
    """Writes ``<global step name>/sec``, the steps per second since the last write."""

    def __init__(self, supervisor, sess):
        super().__init__(supervisor.coord, supervisor.save_summaries_secs)
        self._sv, self._sess = supervisor, sess
        self._tag = f"{supervisor.global_step.op.name}/sec"

    def start_loop(self):
        self._last_time, self._last_step = time.time(), self._sv._current_step(self._sess)

    def run_loop(self):
        from tensorboard.compat.proto import summary_pb2
        now, step = time.time(), self._sv._current_step(self._sess)
        elapsed = now - self._last_time
        rate = (step - self._last_step) / elapsed if elapsed > 0 else 0.0
        self._last_time, self._last_step = now, step
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=self._tag,
                                                                       simple_value=rate)])
        self._sv.summary_writer.add_summary(summary, step)
        logger.info("%s: %g", self._tag, rate)


def basic_train_loop(supervisor, train_step_fn, args=None, kwargs=None, master=""):
    """Call ``train_step_fn(session, *args, **kwargs)`` in a ``managed_session`` until
    the supervisor should stop."""
    with supervisor.managed_session(master) as sess:
        while not supervisor.should_stop():
            train_step_fn(sess, *(args or ()), **(kwargs or {}))
