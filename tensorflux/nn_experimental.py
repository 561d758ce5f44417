"""``tf.nn.experimental``: dropout with a given uniform sampler or a stateless seed."""
from tensorflux.ops.rnn_extra import general_dropout, stateless_dropout  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
