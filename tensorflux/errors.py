"""``tf.errors``: the TF1 error classes (re-exported from tensorflux.core.errors)."""
from tensorflux.core.errors import *  # noqa: F401,F403
from tensorflux.core.errors import (OpError, error_code_from_exception_type,  # noqa: F401
                                    exception_type_from_error_code)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
