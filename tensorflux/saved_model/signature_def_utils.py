"""``tf.saved_model.signature_def_utils``."""
from tensorflux.interop.saved_model import (build_signature_def,  # noqa: F401
                                            classification_signature_def, is_valid_signature,
                                            predict_signature_def, regression_signature_def)
