"""Recurrent models built the same way with TensorFlow's compat.v1 or with tensorflux
(``tf`` is passed in), for the TF1-number fixtures of tests/test_tf1_rnn_numbers.py."""
import numpy as np

BATCH, STEPS, DEPTH = 3, 5, 2
LENGTHS = [5, 2, 1]


def _cells(tf, name):
    rnn = tf.nn.rnn_cell
    return {
        "basic_rnn": lambda: rnn.BasicRNNCell(4),
        "basic_lstm": lambda: rnn.BasicLSTMCell(4, forget_bias=0.7),
        "lstm_peepholes_projection": lambda: rnn.LSTMCell(4, use_peepholes=True, num_proj=3,
                                                          cell_clip=0.9, proj_clip=0.8),
        "gru": lambda: rnn.GRUCell(4),
        "stacked_lstm_gru": lambda: rnn.MultiRNNCell([rnn.BasicLSTMCell(3), rnn.GRUCell(2)]),
    }[name]()


MODELS = ["basic_rnn", "basic_lstm", "lstm_peepholes_projection", "gru", "stacked_lstm_gru",
          "bidirectional_gru", "time_major_basic_lstm"]


def _inputs():
    return np.linspace(-1.0, 1.0, BATCH * STEPS * DEPTH).reshape(BATCH, STEPS, DEPTH)


def _values(shape, k):
    n = int(np.prod(shape))
    return (np.sin(np.arange(n) * 0.37 + k) * 0.6).reshape(shape)


def _flat(state):
    if isinstance(state, (list, tuple)):
        return [t for s in state for t in _flat(s)]
    return [state]


def build(tf, name):
    """(inputs placeholder, outputs list, states list) of model ``name``."""
    x = tf.placeholder(tf.float64, [BATCH, STEPS, DEPTH], name="x")
    if name == "bidirectional_gru":
        (fw, bw), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(
            tf.nn.rnn_cell.GRUCell(3), tf.nn.rnn_cell.GRUCell(2), x, sequence_length=LENGTHS,
            dtype=tf.float64)
        return x, [fw, bw], [sf, sb]
    if name == "time_major_basic_lstm":
        out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(3), tf.transpose(x, [1, 0, 2]),
                                       sequence_length=LENGTHS, dtype=tf.float64, time_major=True)
        return x, [out], _flat(state)
    out, state = tf.nn.dynamic_rnn(_cells(tf, name), x, sequence_length=LENGTHS, dtype=tf.float64)
    return x, [out], _flat(state)


def run(tf, name):
    """{key: array}: variable names, shapes and values, outputs, states and gradients."""
    graph = tf.Graph()
    with graph.as_default():
        x, outputs, states = build(tf, name)
        variables = tf.global_variables()
        weights = [tf.constant(_values(t.shape.as_list(), 10 + i)) for i, t in enumerate(outputs + states)]
        loss = tf.add_n([tf.reduce_sum(t * w) for t, w in zip(outputs + states, weights)])
        grads = tf.gradients(loss, [x] + variables)
        with tf.Session() as sess:
            for i, v in enumerate(variables):
                v.load(_values(v.shape.as_list(), i), sess)
            got = sess.run(outputs + states + grads, {x: _inputs()})
    n_out, n_state = len(outputs), len(states)
    out = {f"{name}/variables": np.array([v.op.name for v in variables]),
           f"{name}/grad/x": got[n_out + n_state]}
    for i, v in enumerate(outputs):
        out[f"{name}/output/{i}"] = got[i]
    for i, v in enumerate(states):
        out[f"{name}/state/{i}"] = got[n_out + i]
    for v, g in zip(variables, got[n_out + n_state + 1:]):
        out[f"{name}/grad/{v.op.name}"] = g
    return out
