"""``tf.nn.rnn_cell``: the RNN cells and wrappers."""
from tensorflux.ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper,  # noqa: F401
                                          DropoutWrapper, GRUCell, LSTMCell, LSTMStateTuple,
                                          MultiRNNCell, ResidualWrapper, RNNCell)
