"""``tf.gfile`` / ``tf.io.gfile`` on the local file system, with TF1's error classes:
a missing path raises ``NotFoundError``, an existing target ``AlreadyExistsError``,
other OS failures the class TensorFlow maps their errno to. (glob and shutil are
imported when used: shutil pulls in the compression modules.)"""
from __future__ import annotations

import contextlib
import errno
import os

from tensorflux.core import errors

_ERRNO_CLASSES = {
    errno.ENOENT: errors.NotFoundError, errno.ENOTDIR: errors.FailedPreconditionError,
    errno.EEXIST: errors.AlreadyExistsError, errno.EACCES: errors.PermissionDeniedError,
    errno.EPERM: errors.PermissionDeniedError, errno.EISDIR: errors.FailedPreconditionError,
    errno.ENOTEMPTY: errors.FailedPreconditionError, errno.ENOSPC: errors.ResourceExhaustedError,
}


@contextlib.contextmanager
def _translated(path):
    """Re-raise OSError as the tf.errors class TensorFlow uses, naming ``path``."""
    try:
        yield
    except errors.OpError:
        raise
    except OSError as exc:
        cls = _ERRNO_CLASSES.get(exc.errno, errors.UnknownError)
        raise cls(None, None, f"{path}; {exc.strerror or exc}") from exc


def _path(p) -> str:
    p = os.fspath(p)
    return p.decode() if isinstance(p, bytes) else p


class GFile:
    """A file object like Python's, opened lazily: ``GFile(name, mode='r')``.

    Text modes return ``str``, binary modes ``bytes``; ``read(n=-1)``, ``readline()``,
    ``readlines()``, iteration, ``write``, ``seek``/``tell``, ``size()``, ``flush``,
    ``close`` and use as a context manager."""

    def __init__(self, name, mode="r"):
        self.__name = _path(name)
        self.__mode = mode
        if mode.replace("b", "").replace("+", "") not in ("r", "w", "a"):
            raise errors.InvalidArgumentError(None, None, f"mode is not 'r' or 'w' or 'a': {mode}")
        self._file = None

    name = property(lambda self: self.__name)
    mode = property(lambda self: self.__mode)

    def _f(self):
        if self._file is None:
            with _translated(self.__name):
                self._file = open(self.__name, self.__mode, **({} if "b" in self.__mode else {"encoding": "utf-8"}))
        return self._file

    def size(self):
        with _translated(self.__name):
            return os.stat(self.__name).st_size

    def read(self, n=-1):
        with _translated(self.__name):
            return self._f().read(n)

    def readline(self):
        with _translated(self.__name):
            return self._f().readline()

    def readlines(self):
        with _translated(self.__name):
            return self._f().readlines()

    def __iter__(self):
        return iter(self._f())

    def __next__(self):
        return next(self._f())

    next = __next__

    def write(self, data):
        with _translated(self.__name):
            f = self._f()
            if "b" in self.__mode and isinstance(data, str):
                data = data.encode()
            elif "b" not in self.__mode and isinstance(data, bytes):
                data = data.decode()
            f.write(data)

    def seek(self, offset=None, whence=0, position=None):
        if position is not None:
            offset = position
        with _translated(self.__name):
            return self._f().seek(offset, whence)

    def tell(self):
        return self._f().tell()

    def seekable(self):
        return True

    def flush(self):
        if self._file is not None:
            self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


Open = GFile
FastGFile = GFile


def Exists(filename):  # noqa: N802 - TF1 names
    return os.path.exists(_path(filename))


def IsDirectory(dirname):  # noqa: N802
    return os.path.isdir(_path(dirname))


def MakeDirs(dirname):  # noqa: N802
    """Create ``dirname`` and its parents; no error if it exists."""
    dirname = _path(dirname)
    with _translated(dirname):
        os.makedirs(dirname, exist_ok=True)


def MkDir(dirname):  # noqa: N802
    """Create ``dirname``; its parent must exist (AlreadyExistsError if it exists)."""
    dirname = _path(dirname)
    with _translated(dirname):
        os.mkdir(dirname)


def ListDirectory(dirname):  # noqa: N802
    """The names of the entries of ``dirname`` (NotFoundError if it does not exist)."""
    dirname = _path(dirname)
    if not os.path.isdir(dirname):
        raise errors.NotFoundError(None, None, f"Could not find directory {dirname}")
    with _translated(dirname):
        return sorted(os.listdir(dirname))


def Glob(filename):  # noqa: N802
    """The paths matching a pattern (or each of a list of patterns)."""
    import glob
    patterns = [filename] if isinstance(filename, (str, bytes, os.PathLike)) else filename
    return [m for p in patterns for m in sorted(glob.glob(_path(p)))]


def Remove(filename):  # noqa: N802
    filename = _path(filename)
    with _translated(filename):
        os.remove(filename)


def DeleteRecursively(dirname):  # noqa: N802
    """Delete a directory tree (or a file); NotFoundError if it does not exist."""
    dirname = _path(dirname)
    with _translated(dirname):
        if os.path.isdir(dirname) and not os.path.islink(dirname):
            import shutil
            shutil.rmtree(dirname)
        else:
            os.remove(dirname)


def _check_target(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise errors.AlreadyExistsError(None, None, f"{path}; File already exists")


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    oldname, newname = _path(oldname), _path(newname)
    _check_target(newname, overwrite)
    with _translated(oldname):
        os.replace(oldname, newname)


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    oldpath, newpath = _path(oldpath), _path(newpath)
    _check_target(newpath, overwrite)
    import shutil
    with _translated(oldpath):
        shutil.copyfile(oldpath, newpath)


def Walk(top, in_order=True):  # noqa: N802
    """(dirname, subdirectory names, file names) for each directory under ``top``,
    parents first with ``in_order`` (else children first); nothing if ``top`` is missing."""
    return os.walk(_path(top), topdown=in_order)


class FileStatistics:
    """``length`` in bytes, ``mtime_nsec`` and ``is_directory``."""

    def __init__(self, length, mtime_nsec, is_directory):
        self.length = length
        self.mtime_nsec = mtime_nsec
        self.is_directory = is_directory


def Stat(filename):  # noqa: N802
    filename = _path(filename)
    with _translated(filename):
        st = os.stat(filename)
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(filename))
