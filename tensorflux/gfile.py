"""``tf.gfile``: files and directories on the local file system, with TF1's errors."""
from tensorflux.serialization.gfile import (Copy, DeleteRecursively, Exists, FastGFile,  # noqa: F401
                                            GFile, Glob, IsDirectory, ListDirectory,
                                            MakeDirs, MkDir, Open, Remove, Rename, Stat,
                                            Walk)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
