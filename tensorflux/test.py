"""``tf.test``: gradient checking helpers."""
from tensorflux.ops.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401
