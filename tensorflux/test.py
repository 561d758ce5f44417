"""``tf.test``: gradient checking helpers."""
from tensorflux.ops.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
