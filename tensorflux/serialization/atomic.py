"""Durable, atomic file replacement: a crash leaves either the old file or the new one.

The new content is written to a temporary file in the same directory, flushed and
fsynced, renamed over the target with ``os.replace`` (atomic on POSIX), and the
directory is fsynced so the rename itself survives a power loss.
"""
from __future__ import annotations

import contextlib
import os
import time


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
def atomic_path(target: str):
    """Yield a temporary path next to ``target``; on success it replaces ``target``."""
    import tempfile  # only when saving: keeps ``import tensorflux`` lean
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(target) + ".tmp-", dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; use normal permissions
        fsync_path(tmp)
        os.replace(tmp, target)
        fsync_dir(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
