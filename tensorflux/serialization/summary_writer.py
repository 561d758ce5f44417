"""``tf.summary.FileWriter``: summaries, the graph and session logs into event files
that the real TensorBoard reads."""
from __future__ import annotations

import time

import numpy as np

from tensorflux.serialization.events import EventFileWriter, graph_def_proto


def _event_pb2():
    from tensorboard.compat.proto import event_pb2
    return event_pb2


class FileWriter:
    """Writes events to ``logdir`` (created with its parents if needed)."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        self._logdir = str(logdir)
        self._args = (max_queue, flush_secs, filename_suffix)
        self._writer = EventFileWriter(self._logdir, max_queue, flush_secs, filename_suffix)
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self):
        return self._logdir

    def add_event(self, event):
        self._writer.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Add a serialized Summary (the value of a summary op) or a Summary proto."""
        pb = _event_pb2()
        if isinstance(summary, np.ndarray):
            summary = summary[()]
        if isinstance(summary, (bytes, bytearray)):
            event = pb.Event(wall_time=time.time())
            event.summary.ParseFromString(bytes(summary))
        else:
            event = pb.Event(wall_time=time.time(), summary=summary)
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Write the graph so TensorBoard's Graphs tab can draw it."""
        pb = _event_pb2()
        proto = graph_def if graph_def is not None and hasattr(graph_def, "SerializeToString") \
            else graph_def_proto(graph)
        event = pb.Event(wall_time=time.time(), graph_def=proto.SerializeToString())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_session_log(self, session_log, global_step=None):
        pb = _event_pb2()
        event = pb.Event(wall_time=time.time(), session_log=session_log)
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()

    def reopen(self):
        if self._writer.closed:
            self._writer = EventFileWriter(self._logdir, *self._args)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SessionLog:
    """``tf.SessionLog``: builds a SessionLog proto. ``status`` is ``SessionLog.START``,
    ``STOP`` or ``CHECKPOINT`` (or its name as a string)."""

    STATUS_UNSPECIFIED, START, STOP, CHECKPOINT = 0, 1, 2, 3

    def __new__(cls, status="START", checkpoint_path="", msg=""):
        pb = _event_pb2()
        if isinstance(status, str):
            status = getattr(pb.SessionLog, status)
        return pb.SessionLog(status=status, checkpoint_path=checkpoint_path, msg=msg)
