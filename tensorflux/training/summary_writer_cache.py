"""``tf.summary.FileWriterCache``: one FileWriter per log directory, shared by hooks."""
from __future__ import annotations

import threading

from tensorflux.serialization.summary_writer import FileWriter


class FileWriterCache:
    _cache: dict = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        """The FileWriter for ``logdir`` (created on first use)."""
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriterCache._cache[logdir] = FileWriter(logdir)
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
