"""``tf.saved_model.builder``."""
from tensorflux.interop.saved_model import SavedModelBuilder  # noqa: F401
