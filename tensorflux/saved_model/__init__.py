"""``tf.saved_model``: TensorFlow's SavedModel directories, written and read."""
from tensorflux.interop.saved_model import (  # noqa: F401
    ASSETS_DIRECTORY, ASSETS_KEY, CLASSIFY_INPUTS, CLASSIFY_METHOD_NAME,
    CLASSIFY_OUTPUT_CLASSES, CLASSIFY_OUTPUT_SCORES, DEBUG_DIRECTORY, DEBUG_INFO_FILENAME_PB,
    DEFAULT_SERVING_SIGNATURE_DEF_KEY, GPU, LEGACY_INIT_OP_KEY, MAIN_OP_KEY, PREDICT_INPUTS,
    PREDICT_METHOD_NAME, PREDICT_OUTPUTS, REGRESS_INPUTS, REGRESS_METHOD_NAME, REGRESS_OUTPUTS,
    SAVED_MODEL_FILENAME_PB, SAVED_MODEL_FILENAME_PBTXT, SAVED_MODEL_SCHEMA_VERSION, SERVING, TPU,
    TRAINING, VARIABLES_DIRECTORY, VARIABLES_FILENAME, Builder, build_signature_def,
    build_tensor_info, classification_signature_def, contains_saved_model,
    get_tensor_from_tensor_info, is_valid_signature, load,
    maybe_saved_model_directory, predict_signature_def, regression_signature_def, simple_save)
from tensorflux.saved_model import (builder, constants, loader, main_op,  # noqa: F401,E402
                                    signature_constants, signature_def_utils, tag_constants,
                                    utils)
from tensorflux.saved_model.main_op import main_op_with_restore  # noqa: F401,E402

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
