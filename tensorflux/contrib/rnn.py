"""``tf.contrib.rnn``: the cells of ``tf.nn.rnn_cell``, the projection wrappers, and the
static RNNs."""
from tensorflux.ops.rnn import static_bidirectional_rnn, static_rnn  # noqa: F401
from tensorflux.ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper,  # noqa: F401
                                          DropoutWrapper, GRUCell, InputProjectionWrapper,
                                          LayerRNNCell, LSTMCell, LSTMStateTuple, MultiRNNCell,
                                          OutputProjectionWrapper, ResidualWrapper, RNNCell)
