"""``tf.train.QueueRunner``: threads that keep running enqueue ops, and
``start_queue_runners``."""
from __future__ import annotations

import logging
import threading
import weakref

from tensorflux.core import errors
from tensorflux.core.graph import GraphKeys, get_default_graph

logger = logging.getLogger("tensorflux")


class QueueRunner:
    """Runs each of ``enqueue_ops`` in its own thread until the input runs out
    (OutOfRangeError: the last thread closes the queue) or the coordinator stops (the
    queue is closed with its pending enqueues cancelled)."""

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None):
        if queue is None or not enqueue_ops:
            raise ValueError("QueueRunner needs a queue and a list of enqueue ops")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        self._queue_closed_exception_types = tuple(queue_closed_exception_types or (errors.OutOfRangeError,))
        self._lock = threading.Lock()
        self._runs_per_session = weakref.WeakKeyDictionary()
        self._exceptions_raised = []

    queue = property(lambda self: self._queue)
    enqueue_ops = property(lambda self: list(self._enqueue_ops))
    close_op = property(lambda self: self._close_op)
    cancel_op = property(lambda self: self._cancel_op)
    queue_closed_exception_types = property(lambda self: self._queue_closed_exception_types)
    name = property(lambda self: self._queue.name)

    @property
    def exceptions_raised(self):
        """Exceptions raised by threads that had no coordinator to report to."""
        return list(self._exceptions_raised)

    def _run(self, sess, enqueue_op, coord):
        decremented = False
        try:
            enqueue = sess.make_callable(enqueue_op)
            while not (coord and coord.should_stop()):
                try:
                    enqueue()
                except self._queue_closed_exception_types:
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        if self._runs_per_session[sess] == 0:
                            try:
                                sess.run(self._close_op)
                            except Exception as exc:  # the session may be closing
                                logger.debug("Ignored exception closing %s: %s", self.name, exc)
                    return
        except Exception as exc:
            if coord:
                coord.request_stop(exc)
            else:
                logger.error("Exception in QueueRunner: %s", exc)
                with self._lock:
                    self._exceptions_raised.append(exc)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess, coord):
        coord.wait_for_stop()
        try:
            sess.run(self._cancel_op)
        except Exception as exc:  # the session may already be closed
            logger.debug("Ignored exception cancelling %s: %s", self.name, exc)

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """The threads of this runner for ``sess`` (none if they already run there),
        registered with ``coord``, plus one that cancels the queue when ``coord`` stops."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [threading.Thread(target=self._run, args=(sess, op, coord),
                                    name=f"QueueRunnerThread-{self.name}-{op.name}")
                   for op in self._enqueue_ops]
        if coord:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, coord),
                                            name=f"QueueRunnerCloser-{self.name}"))
        for t in threads:
            if coord:
                coord.register_thread(t)
            t.daemon = daemon
            if start:
                t.start()
        return threads


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    """Add ``qr`` to the graph collection that ``start_queue_runners`` starts."""
    get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True,
                        collection=GraphKeys.QUEUE_RUNNERS):
    """Start the threads of every QueueRunner in the graph's collection; returns them."""
    if sess is None:
        from tensorflux.core.session import get_default_session
        sess = get_default_session()
        if sess is None:
            raise ValueError("Cannot start queue runners: No default session is registered. Use "
                             "`with sess.as_default()` or pass an explicit session to "
                             "tf.train.start_queue_runners(sess=sess)")
    sess = getattr(sess, "_tf_sess", lambda: sess)()  # a MonitoredSession's raw session
    threads = []
    for qr in sess.graph.get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
