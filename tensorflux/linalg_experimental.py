"""``tf.linalg.experimental``: the conjugate gradient solver."""
from tensorflux.ops.linalg_extra import conjugate_gradient  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
