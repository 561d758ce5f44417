"""``tf.saved_model.main_op``."""
from tensorflux.interop.saved_model import main_op, main_op_with_restore  # noqa: F401
