"""``tf.saved_model.tag_constants``."""
from tensorflux.interop.saved_model import EVAL, GPU, SERVING, TPU, TRAINING  # noqa: F401
