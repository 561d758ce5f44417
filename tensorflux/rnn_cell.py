"""``tf.nn.rnn_cell``: the RNN cells and wrappers."""
from tensorflux.ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper,  # noqa: F401
                                          DropoutWrapper, GRUCell, LSTMCell, LSTMStateTuple,
                                          MultiRNNCell, ResidualWrapper, RNNCell)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
