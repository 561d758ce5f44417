"""``tf.contrib.opt``: LazyAdamOptimizer."""
from tensorflux.ops.optimizers import LazyAdamOptimizer  # noqa: F401
