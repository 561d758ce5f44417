"""``tf.errors``: the TF1 error classes (re-exported from tensorflux.core.errors)."""
from tensorflux.core.errors import *  # noqa: F401,F403
from tensorflux.core.errors import OpError  # noqa: F401
