"""``tf.metrics``."""
from tensorflux.ops.metrics import accuracy, mean  # noqa: F401
