"""``tf.io.gfile``: the lower-case names of ``tf.gfile``."""
from tensorflux.serialization.gfile import Copy as copy  # noqa: F401
from tensorflux.serialization.gfile import DeleteRecursively as rmtree  # noqa: F401
from tensorflux.serialization.gfile import Exists as exists  # noqa: F401
from tensorflux.serialization.gfile import GFile  # noqa: F401
from tensorflux.serialization.gfile import Glob as glob  # noqa: F401
from tensorflux.serialization.gfile import IsDirectory as isdir  # noqa: F401
from tensorflux.serialization.gfile import ListDirectory as listdir  # noqa: F401
from tensorflux.serialization.gfile import MakeDirs as makedirs  # noqa: F401
from tensorflux.serialization.gfile import MkDir as mkdir  # noqa: F401
from tensorflux.serialization.gfile import Remove as remove  # noqa: F401
from tensorflux.serialization.gfile import Rename as rename  # noqa: F401
from tensorflux.serialization.gfile import Stat as stat  # noqa: F401
from tensorflux.serialization.gfile import Walk as walk  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
