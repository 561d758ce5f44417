"""``tf.summary``: summary ops and the FileWriter for TensorBoard."""
from tensorflux.ops.summary_ops import histogram, image, merge, merge_all, scalar, text  # noqa: F401
from tensorflux.serialization.summary_writer import FileWriter, SessionLog  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
