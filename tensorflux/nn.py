"""``tf.nn``: neural-network ops (activations so far; more arrive with the NN issue)."""
from tensorflux.ops.math_ops import sigmoid, tanh  # noqa: F401
