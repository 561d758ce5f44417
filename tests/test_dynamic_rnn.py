"""tf.nn.dynamic_rnn and bidirectional_dynamic_rnn against the hand-written NumPy cells of
rnn_reference (forward and backpropagation through time), on every backend."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

import rnn_reference as ref
from test_rnn_cells import BATCH, CELLS, DEPTH, LENGTHS, STEPS, _flat, _pack

BACKENDS = backends_to_test()


def _params(sess, variables, rng, prefix_parts=2):
    """Random values loaded into the variables, keyed by their name inside the cell."""
    params = {}
    for v in variables:
        key = v.op.name.split("/", prefix_parts)[prefix_parts]
        params[key] = rng.normal(size=v.shape.as_list()) * 0.6
        v.load(params[key], sess)
    return params


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("time_major", [False, True], ids=["batch_major", "time_major"])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_dynamic_rnn_forward_and_bptt_match_numpy(name, time_major, backend, device):
    """Outputs, final state and the gradients of every variable, the inputs and the
    initial state, over 4 steps with sequence lengths 4, 2 and 0."""
    rng = np.random.default_rng(5)
    xs_value = [rng.normal(size=(BATCH, DEPTH)) for _ in range(STEPS)]
    stacked = np.stack(xs_value, 0 if time_major else 1)
    with backend_context(backend), tf.device(device):
        cell, make_ref = CELLS[name]()
        inputs = tf.constant(stacked)
        zero = cell.zero_state(BATCH, tf.float64)
        init_values = [rng.normal(size=z.shape.as_list()) for z in _flat(zero)]
        init = _pack(zero, [tf.constant(v) for v in init_values])
        outputs, final = tf.nn.dynamic_rnn(cell, inputs, sequence_length=LENGTHS,
                                           initial_state=init, time_major=time_major)
        assert outputs.shape.as_list() == list(stacked.shape[:2]) + [cell.output_size]
        d_out = rng.normal(size=outputs.shape.as_list())
        d_final = [rng.normal(size=f.shape.as_list()) for f in _flat(final)]
        loss = tf.reduce_sum(outputs * d_out) + tf.add_n(
            [tf.reduce_sum(f * d) for f, d in zip(_flat(final), d_final)])
        variables = tf.trainable_variables()
        grads = tf.gradients(loss, variables + [inputs] + _flat(init))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            params = _params(sess, variables, rng)
            got_out, got_final, got_grads = sess.run([outputs, _flat(final), grads])
    reference = make_ref(params)
    state0 = tuple(init_values)
    d_outs = list(np.moveaxis(d_out, 0 if time_major else 1, 0))
    want_outs, want_final, _ = ref.run(reference, xs_value, state0, LENGTHS)
    want_grads, want_dxs, want_dstate = ref.bptt(reference, xs_value, state0, LENGTHS, d_outs, d_final)
    np.testing.assert_allclose(got_out, np.stack(want_outs, 0 if time_major else 1),
                               rtol=1e-10, atol=1e-12)
    for got, want in zip(got_final, want_final):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    n = len(variables)
    for v, g in zip(variables, got_grads[:n]):
        np.testing.assert_allclose(g, want_grads[v.op.name.split("/", 2)[2]], rtol=1e-9,
                                   atol=1e-11, err_msg=v.name)
    np.testing.assert_allclose(got_grads[n], np.stack(want_dxs, 0 if time_major else 1),
                               rtol=1e-9, atol=1e-11)
    for g, want in zip(got_grads[n + 1:], want_dstate):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-11)


def test_dynamic_and_static_rnn_share_tf1s_variable_names_and_numbers():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    cells = [tf.nn.rnn_cell.BasicLSTMCell(4), tf.nn.rnn_cell.GRUCell(2)]
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
                     "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias"]
    assert isinstance(state[0], tf.nn.rnn_cell.LSTMStateTuple) and outputs.shape.as_list() == [None, 5, 2]
    with tf.variable_scope("", reuse=True):  # the same variables, unrolled statically
        static_out, static_state = tf.nn.static_rnn(
            tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(4), tf.nn.rnn_cell.GRUCell(2)]),
            tf.unstack(x, axis=1), dtype=tf.float32)
    assert [v.op.name for v in tf.global_variables()] == names
    value = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b = sess.run([outputs, tf.stack(static_out, 1)], {x: value})
        c, d = sess.run([state[1], static_state[1]], {x: value})
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(c, d, rtol=1e-6)


def test_bidirectional_dynamic_rnn_matches_numpy():
    rng = np.random.default_rng(7)
    xs_value = [rng.normal(size=(BATCH, DEPTH)) for _ in range(STEPS)]
    inputs = tf.constant(np.stack(xs_value, 1))
    (out_fw, out_bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.BasicRNNCell(3), tf.nn.rnn_cell.BasicRNNCell(3), inputs,
        sequence_length=LENGTHS, dtype=tf.float64)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["bidirectional_rnn/fw/basic_rnn_cell/kernel", "bidirectional_rnn/fw/basic_rnn_cell/bias",
                     "bidirectional_rnn/bw/basic_rnn_cell/kernel", "bidirectional_rnn/bw/basic_rnn_cell/bias"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = {v.op.name: rng.normal(size=v.shape.as_list()) for v in tf.global_variables()}
        for v in tf.global_variables():
            v.load(params[v.op.name], sess)
        got = sess.run([out_fw, out_bw, state_fw, state_bw])
    fw = ref.BasicRNN(params[names[0]], params[names[1]])
    bw = ref.BasicRNN(params[names[2]], params[names[3]])
    zero = (np.zeros((BATCH, 3)),)
    want_fw, want_state_fw, _ = ref.run(fw, xs_value, zero, LENGTHS)
    reversed_xs = [s.copy() for s in xs_value]
    for b, n in enumerate(LENGTHS):
        for t in range(n):
            reversed_xs[t][b] = xs_value[n - 1 - t][b]
    rev_out, want_state_bw, _ = ref.run(bw, reversed_xs, zero, LENGTHS)
    want_bw = [s.copy() for s in rev_out]
    for b, n in enumerate(LENGTHS):
        for t in range(n):
            want_bw[t][b] = rev_out[n - 1 - t][b]
    np.testing.assert_allclose(got[0], np.stack(want_fw, 1), rtol=1e-10)
    np.testing.assert_allclose(got[1], np.stack(want_bw, 1), rtol=1e-10)
    np.testing.assert_allclose(got[2], want_state_fw[0], rtol=1e-10)
    np.testing.assert_allclose(got[3], want_state_bw[0], rtol=1e-10)


def test_dropout_inside_the_loop_uses_the_forward_mask_in_backprop():
    x = tf.constant(np.ones((4, 6, 3)))
    cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(5), output_keep_prob=0.5, seed=1)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
    kernel = tf.trainable_variables()[0]
    g = tf.gradients(tf.reduce_sum(outputs), kernel)[0]
    g_again = tf.gradients(tf.reduce_sum(outputs), kernel)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, gv, gv2 = sess.run([outputs, g, g_again])
    assert 0 < (out == 0).mean() < 1
    np.testing.assert_allclose(gv, gv2)  # both gradients read the one forward run's masks


def test_sequence_length_outputs_zeros_and_keeps_the_state_of_each_sequence():
    x = tf.placeholder(tf.float32, [None, None, 2])
    lengths = tf.placeholder(tf.int32, [None])
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, sequence_length=lengths,
                                       dtype=tf.float32)
    value = np.random.default_rng(1).normal(size=(3, 5, 2)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, last = sess.run([outputs, state], {x: value, lengths: [5, 2, 3]})
        short_out, short_last = sess.run([outputs, state], {x: value[:, :2], lengths: [2, 2, 2]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="sequence_length"):
            sess.run(outputs, {x: value, lengths: [6, 2, 3]})
    assert (out[1, 2:] == 0).all() and (out[2, 3:] == 0).all()
    np.testing.assert_allclose(last, out[[0, 1, 2], [4, 1, 2]], rtol=1e-6)
    np.testing.assert_allclose(short_out, out[:, :2], rtol=1e-6)


@pytest.mark.parametrize("build, error, words", [
    (lambda x: tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), x), ValueError, "dtype"),
    (lambda x: tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), x[:, 0], dtype=tf.float32),
     ValueError, "rank at least 3"),
    (lambda x: tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), tf.placeholder(tf.float32, [2, 3, None]),
                                 dtype=tf.float32), ValueError, "depth"),
    (lambda x: tf.nn.dynamic_rnn(lambda a, b: a, x, dtype=tf.float32), TypeError, "not an RNNCell"),
    (lambda x: tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), x, sequence_length=[[1]],
                                 dtype=tf.float32), ValueError, "vector"),
])
def test_dynamic_rnn_bad_input(build, error, words):
    with pytest.raises(error, match=words):
        build(tf.placeholder(tf.float32, [None, 4, 3]))
