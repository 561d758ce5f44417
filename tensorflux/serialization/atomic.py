"""Durable, atomic file replacement: a crash leaves either the old file or the new one.

The new content is written to a temporary file in the same directory, flushed and
fsynced, renamed over the target with ``os.replace`` (atomic on POSIX), and the
directory is fsynced so the rename itself survives a power loss. Several files can be
staged together (``atomic_paths``): none replaces its target until all are written.

A full disk, a full quota or a file-size limit while writing becomes
``tf.errors.ResourceExhaustedError`` naming the target, as in TF1; the temporary files
are removed and the previous files stay as they were.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import time

_RESOURCE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def resource_exhausted(target: str, exc: OSError):
    """The ResourceExhaustedError for an OSError that means "no room to write"."""
    from tensorflux.core import errors
    return errors.ResourceExhaustedError(
        None, None, f"Cannot write {target!r}: {exc.strerror or exc} (errno {exc.errno}). "
                    f"Nothing was replaced: the previous file, if any, is unchanged.")


def is_out_of_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _RESOURCE_ERRNOS


class RecordingFile(io.FileIO):
    """A file opened for writing whose writes go through ``os.write`` until every byte
    is written, and which remembers the first OSError. Libraries that report a failed
    write as an unrelated error (HDF5 says "Can't decrement id ref count" when a write
    hits the file-size limit) are then explained by ``error``."""

    def __init__(self, path):
        super().__init__(path, "w+b")
        self.error = None

    def _record(self, exc):
        if self.error is None:
            self.error = exc
        return exc

    def write(self, data):
        view = memoryview(data).cast("B")
        total = len(view)
        try:
            while view:
                view = view[os.write(self.fileno(), view):]
        except OSError as exc:
            raise self._record(exc)
        return total

    def truncate(self, size=None):
        try:
            return super().truncate(size)
        except OSError as exc:
            raise self._record(exc)


def fsync_path(path: str):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str):
    try:
        fd = os.open(path or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    """The process umask (read without changing it where the OS allows)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_paths(targets):
    """Yield one temporary path next to each of ``targets``; when the block succeeds,
    all are made durable and then replace their targets, in order. When it fails (or
    making them durable fails), the temporaries are removed and no target is touched."""
    import tempfile  # only when saving: keeps ``import tensorflux`` lean
    tmps, directories = [], []
    current = ""
    try:
        for target in targets:
            current = target
            directory = os.path.dirname(os.path.abspath(target))
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=os.path.basename(target) + ".tmp-", dir=directory)
            os.close(fd)
            tmps.append(tmp)
            directories.append(directory)
        current = ", ".join(targets)  # the block's own writers name the file themselves
        yield list(tmps)
        for tmp, target in zip(tmps, targets):
            current = target
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; use normal permissions
            fsync_path(tmp)
        for i, (tmp, target) in enumerate(zip(tmps, targets)):
            current = target
            os.replace(tmp, target)
            tmps[i] = None
        for directory in dict.fromkeys(directories):
            fsync_dir(directory)
    except BaseException as exc:
        for tmp in tmps:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        if is_out_of_space(exc):
            raise resource_exhausted(current, exc) from None
        raise


@contextlib.contextmanager
def atomic_path(target: str):
    """Yield a temporary path next to ``target``; on success it replaces ``target``."""
    with atomic_paths([target]) as (tmp,):
        yield tmp


def remove_stale_temporaries(directory: str, prefixes, older_than_s: float = 600.0):
    """Delete temporary files that ``atomic_path`` left behind when a process was killed
    mid-write: those of ``prefixes`` untouched for ``older_than_s`` seconds (a younger
    one may belong to a save still running in another process)."""
    deadline = time.time() - older_than_s
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if ".tmp-" in name and name.startswith(tuple(prefixes)):
            path = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if os.path.getmtime(path) < deadline:
                    os.unlink(path)


def write_text_atomic(target: str, text: str):
    with atomic_path(target) as tmp:
        with RecordingFile(tmp) as f:
            f.write(text.encode("utf-8"))
