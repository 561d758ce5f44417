"""``tf.saved_model.utils``."""
from tensorflux.interop.saved_model import (build_tensor_info,  # noqa: F401
                                            get_tensor_from_tensor_info)
