"""``tf.manip``: TF1's aliases of array manipulation ops."""
from tensorflux.ops.array_ops import reshape, tile  # noqa: F401
from tensorflux.ops.manip_ops import (batch_to_space_nd, gather_nd, reverse, roll,  # noqa: F401
                                      scatter_nd, space_to_batch_nd)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
