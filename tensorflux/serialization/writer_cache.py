"""``tf.summary.FileWriterCache``: one FileWriter per log directory, shared."""
from __future__ import annotations

import threading

from tensorflux.core.graph import get_default_graph
from tensorflux.serialization.summary_writer import FileWriter


class FileWriterCache:
    """A process-wide cache of FileWriters, so that several parts of a program (hooks,
    estimators) write to one event file per directory."""

    _cache = {}
    _lock = threading.RLock()

    @staticmethod
    def get(logdir):
        """The FileWriter of ``logdir``, created (with the default graph) if needed, and
        reopened if a hook closed it at the end of an earlier training loop."""
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriterCache._cache[logdir] = FileWriter(
                    logdir, graph=get_default_graph())
            else:
                writer.reopen()
            return writer

    @staticmethod
    def clear():
        """Close and forget every cached writer."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache = {}
