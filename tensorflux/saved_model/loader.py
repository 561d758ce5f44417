"""``tf.saved_model.loader``."""
from tensorflux.interop.saved_model import load, maybe_saved_model_directory  # noqa: F401
