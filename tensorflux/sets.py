"""``tf.sets``: set operations on the last dimension of dense or sparse tensors."""
from tensorflux.ops.set_ops import (set_difference, set_intersection, set_size,  # noqa: F401
                                    set_union)
from tensorflux.ops.set_ops import set_difference as difference  # noqa: F401
from tensorflux.ops.set_ops import set_intersection as intersection  # noqa: F401
from tensorflux.ops.set_ops import set_size as size  # noqa: F401
from tensorflux.ops.set_ops import set_union as union  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
