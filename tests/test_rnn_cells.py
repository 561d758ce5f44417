"""RNN cells and static RNNs against the hand-written NumPy cells of rnn_reference
(forward and backpropagation through time), and TF1's variable names and initializers."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

import rnn_reference as ref

BACKENDS = backends_to_test()
BATCH, DEPTH, STEPS = 3, 2, 4
LENGTHS = [4, 2, 0]


def _rng(seed=0):
    return np.random.default_rng(seed)


# (make the tensorflux cell, make the reference cell from the variables' values, the
# reference's initial state from the tensorflux state's flat values)
def _basic_rnn():
    return tf.nn.rnn_cell.BasicRNNCell(3), lambda p: ref.BasicRNN(p["kernel"], p["bias"])


def _basic_lstm():
    return (tf.nn.rnn_cell.BasicLSTMCell(3, forget_bias=0.7),
            lambda p: ref.LSTM(p["kernel"], p["bias"], forget_bias=0.7))


def _lstm_full():
    cell = tf.nn.rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=0.9, num_proj=2,
                                   proj_clip=0.6, forget_bias=0.5)
    return cell, lambda p: ref.LSTM(p["kernel"], p["bias"], forget_bias=0.5,
                                    peepholes=[p["w_f_diag"], p["w_i_diag"], p["w_o_diag"]],
                                    cell_clip=0.9, projection=p["projection/kernel"],
                                    proj_clip=0.6)


def _gru():
    return tf.nn.rnn_cell.GRUCell(3), lambda p: ref.GRU(
        p["gates/kernel"], p["gates/bias"], p["candidate/kernel"], p["candidate/bias"])


CELLS = {"BasicRNNCell": _basic_rnn, "BasicLSTMCell": _basic_lstm, "LSTMCell": _lstm_full,
         "GRUCell": _gru}


def test_reference_bptt_matches_finite_differences():
    """The NumPy reference itself: its BPTT against central differences of its forward."""
    rng = _rng(1)
    cell = ref.LSTM(rng.normal(size=(4, 12)) * 0.5, rng.normal(size=12),
                    peepholes=[rng.normal(size=3) for _ in range(3)], cell_clip=0.8,
                    projection=rng.normal(size=(3, 2)), proj_clip=0.7)
    xs = [rng.normal(size=(2, 2)) for _ in range(3)]
    state = (rng.normal(size=(2, 3)), rng.normal(size=(2, 2)))
    outs, final, _ = ref.run(cell, xs, state, [3, 1])
    d_outs = [rng.normal(size=o.shape) for o in outs]
    d_final = [rng.normal(size=f.shape) for f in final]

    def loss():
        o, f, _ = ref.run(cell, xs, state, [3, 1])
        return sum((a * b).sum() for a, b in zip(o + list(f), d_outs + d_final))
    grads, d_xs, _ = ref.bptt(cell, xs, state, [3, 1], d_outs, d_final)
    for value, analytic in [(cell.p["kernel"], grads["kernel"]), (xs[0], d_xs[0]),
                            (cell.p["w_f_diag"], grads["w_f_diag"])]:
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + 1e-6
            up = loss()
            value[idx] = old - 1e-6
            numeric[idx] = (up - loss()) / 2e-6
            value[idx] = old
        np.testing.assert_allclose(analytic, numeric, atol=1e-6)


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_static_rnn_forward_and_bptt_match_numpy(name, backend, device):
    """Outputs, final state and the gradients of every variable, input and the initial
    state, over 4 steps with sequence lengths 4, 2 and 0."""
    rng = _rng(2)
    xs_value = [rng.normal(size=(BATCH, DEPTH)) for _ in range(STEPS)]
    with backend_context(backend), tf.device(device):
        cell, make_ref = CELLS[name]()
        xs = [tf.constant(x) for x in xs_value]
        zero = cell.zero_state(BATCH, tf.float64)
        flat_zero = _flat(zero)
        init_values = [rng.normal(size=z.shape.as_list()) for z in flat_zero]
        init = _pack(zero, [tf.constant(v) for v in init_values])
        outputs, final = tf.nn.static_rnn(cell, xs, initial_state=init, sequence_length=LENGTHS)
        flat_final = _flat(final)
        d_outs = [rng.normal(size=o.shape.as_list()) for o in outputs]
        d_final = [rng.normal(size=f.shape.as_list()) for f in flat_final]
        loss = tf.add_n([tf.reduce_sum(o * d) for o, d in zip(outputs + flat_final, d_outs + d_final)])
        variables = tf.trainable_variables()
        grads = tf.gradients(loss, variables + xs + _flat(init))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            params = {v.op.name.split("/", 2)[2]: rng.normal(size=v.shape.as_list()) * 0.6
                      for v in variables}
            for v in variables:
                v.load(params[v.op.name.split("/", 2)[2]], sess)
            got_outs, got_final, got_grads = sess.run([outputs, flat_final, grads])
    reference = make_ref(params)
    state0 = tuple(init_values) if len(init_values) > 1 else (init_values[0],)
    want_outs, want_final, _ = ref.run(reference, xs_value, state0, LENGTHS)
    want_grads, want_dxs, want_dstate = ref.bptt(reference, xs_value, state0, LENGTHS, d_outs, d_final)
    for got, want in zip(got_outs, want_outs):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    for got, want in zip(got_final, want_final):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    n = len(variables)
    for v, g in zip(variables, got_grads[:n]):
        np.testing.assert_allclose(g, want_grads[v.op.name.split("/", 2)[2]], rtol=1e-9, atol=1e-11,
                                   err_msg=v.name)
    for g, want in zip(got_grads[n:n + STEPS], want_dxs):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-11)
    for g, want in zip(got_grads[n + STEPS:], want_dstate):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-11)


def _flat(state):
    return list(state) if isinstance(state, tuple) else [state]


def _pack(like, flat):
    if isinstance(like, tf.nn.rnn_cell.LSTMStateTuple):
        return tf.nn.rnn_cell.LSTMStateTuple(*flat)
    return flat[0]


# --- TF1's variable names, shapes and initial values --------------------------------------
def _names_after(build):
    x = tf.placeholder(tf.float32, [None, 5])
    build(x)
    return {v.name: v.shape.as_list() for v in tf.global_variables()}


def test_variable_names_and_shapes_are_tf1s():
    def lstm(x):
        cell = tf.nn.rnn_cell.LSTMCell(4, use_peepholes=True, num_proj=3)
        tf.nn.static_rnn(cell, [x, x], dtype=tf.float32)
    assert _names_after(lstm) == {
        "rnn/lstm_cell/kernel:0": [8, 16], "rnn/lstm_cell/bias:0": [16],
        "rnn/lstm_cell/w_f_diag:0": [4], "rnn/lstm_cell/w_i_diag:0": [4],
        "rnn/lstm_cell/w_o_diag:0": [4], "rnn/lstm_cell/projection/kernel:0": [4, 3]}
    tf.reset_default_graph()

    def stacked(x):
        cells = [tf.nn.rnn_cell.BasicRNNCell(3), tf.nn.rnn_cell.GRUCell(2),
                 tf.nn.rnn_cell.BasicLSTMCell(6)]
        tf.nn.static_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), [x], dtype=tf.float32)
    assert _names_after(stacked) == {
        "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel:0": [8, 3],
        "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias:0": [3],
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0": [5, 4],
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0": [4],
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0": [5, 2],
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0": [2],
        "rnn/multi_rnn_cell/cell_2/basic_lstm_cell/kernel:0": [8, 24],
        "rnn/multi_rnn_cell/cell_2/basic_lstm_cell/bias:0": [24]}
    tf.reset_default_graph()

    def wrapped(x):
        fw = tf.contrib.rnn.OutputProjectionWrapper(
            tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(3), output_keep_prob=0.5), 2)
        bw = tf.contrib.rnn.InputProjectionWrapper(tf.nn.rnn_cell.ResidualWrapper(
            tf.nn.rnn_cell.BasicRNNCell(4)), 4)
        tf.nn.static_bidirectional_rnn(fw, bw, [x, x], dtype=tf.float32)
    assert _names_after(wrapped) == {
        "bidirectional_rnn/fw/output_projection_wrapper/basic_lstm_cell/kernel:0": [8, 12],
        "bidirectional_rnn/fw/output_projection_wrapper/basic_lstm_cell/bias:0": [12],
        "bidirectional_rnn/fw/output_projection_wrapper/kernel:0": [3, 2],
        "bidirectional_rnn/fw/output_projection_wrapper/bias:0": [2],
        "bidirectional_rnn/bw/input_projection_wrapper/kernel:0": [5, 4],
        "bidirectional_rnn/bw/input_projection_wrapper/bias:0": [4],
        "bidirectional_rnn/bw/input_projection_wrapper/basic_rnn_cell/kernel:0": [8, 4],
        "bidirectional_rnn/bw/input_projection_wrapper/basic_rnn_cell/bias:0": [4]}


def test_a_cell_called_directly_in_a_scope_and_with_a_scope_argument():
    x = tf.zeros([2, 3])
    cell = tf.nn.rnn_cell.BasicRNNCell(4)
    with tf.variable_scope("rnn"):
        out, state = cell(x, cell.zero_state(2, tf.float32))
        cell(x, state)  # the second call reuses the variables
    other = tf.nn.rnn_cell.GRUCell(2)
    other(x, other.zero_state(2, tf.float32), scope="my_gru")
    assert [v.name for v in tf.global_variables()] == [
        "rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0", "my_gru/gates/kernel:0",
        "my_gru/gates/bias:0", "my_gru/candidate/kernel:0", "my_gru/candidate/bias:0"]
    assert out.op.name == "rnn/basic_rnn_cell/Tanh"
    assert [v.name for v in cell.trainable_weights] == ["rnn/basic_rnn_cell/kernel:0",
                                                       "rnn/basic_rnn_cell/bias:0"]
    assert cell.trainable_variables == cell.trainable_weights


def test_a_new_cell_in_a_reused_scope_shares_the_variables():
    x = tf.zeros([2, 3])
    with tf.variable_scope("model"):
        train_out, _ = tf.nn.static_rnn(tf.nn.rnn_cell.BasicLSTMCell(4), [x], dtype=tf.float32)
    with tf.variable_scope("model", reuse=True):
        test_out, _ = tf.nn.static_rnn(tf.nn.rnn_cell.BasicLSTMCell(4), [x * 2], dtype=tf.float32)
    assert [v.name for v in tf.global_variables()] == ["model/rnn/basic_lstm_cell/kernel:0",
                                                      "model/rnn/basic_lstm_cell/bias:0"]
    with tf.variable_scope("model", reuse=True):
        with pytest.raises(ValueError, match="does not exist"):
            tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(4), [x], dtype=tf.float32)


def test_default_initializers_are_tf1s():
    x = tf.zeros([2, 3])
    rnn_cell, gru = tf.nn.rnn_cell.BasicRNNCell(5), tf.nn.rnn_cell.GRUCell(5)
    lstm = tf.nn.rnn_cell.LSTMCell(5, use_peepholes=True)
    for name, cell in (("a", rnn_cell), ("b", gru), ("c", lstm)):
        with tf.variable_scope(name):
            cell(x, cell.zero_state(2, tf.float32))
    with tf.variable_scope("d", initializer=tf.constant_initializer(0.5)):
        scoped = tf.nn.rnn_cell.BasicRNNCell(2)
        scoped(x, scoped.zero_state(2, tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v = {var.op.name: sess.run(var) for var in tf.global_variables()}
    limit = np.sqrt(6 / (8 + 5))  # Glorot uniform for the [3 + 5, 5] kernel
    kernel = v["a/basic_rnn_cell/kernel"]
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.6 * limit
    assert not v["a/basic_rnn_cell/bias"].any()
    assert (v["b/gru_cell/gates/bias"] == 1).all() and not v["b/gru_cell/candidate/bias"].any()
    assert not v["c/lstm_cell/bias"].any() and v["c/lstm_cell/w_f_diag"].any()
    assert (v["d/basic_rnn_cell/kernel"] == 0.5).all() and not v["d/basic_rnn_cell/bias"].any()


def test_checkpoint_round_trip_by_tf1_names(tmp_path):
    x = tf.constant(np.ones((1, 2), np.float32))
    out, _ = tf.nn.static_rnn(tf.nn.rnn_cell.BasicLSTMCell(3), [x, x], dtype=tf.float32)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(out[-1])
        path = saver.save(sess, str(tmp_path / "model"))
    tf.reset_default_graph()
    with tf.variable_scope("rnn"):  # the names TF1 gives, without building a cell
        kernel = tf.get_variable("basic_lstm_cell/kernel", [5, 12])
        bias = tf.get_variable("basic_lstm_cell/bias", [12])
    with tf.Session() as sess:
        tf.train.Saver([kernel, bias]).restore(sess, path)
        k, b = sess.run([kernel, bias])
    # one LSTM step by hand from the restored values, twice
    c = h = np.zeros((1, 3))
    for _ in range(2):
        i, j, f, o = np.split(np.concatenate([np.ones((1, 2)), h], 1) @ k + b, 4, axis=1)
        c = c * ref.sigmoid(f + 1.0) + ref.sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * ref.sigmoid(o)
    np.testing.assert_allclose(before, h, rtol=1e-5)


# --- wrappers, stacks and state layouts ----------------------------------------------------
def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_projection_and_residual_wrappers_compute_tf1s_formulas():
    x = tf.constant(_rng(3).normal(size=(2, 3)))
    inner = tf.nn.rnn_cell.BasicRNNCell(3)
    proj = tf.contrib.rnn.OutputProjectionWrapper(inner, 2)
    out, state = proj(x, proj.zero_state(2, tf.float64))
    residual = tf.nn.rnn_cell.ResidualWrapper(inner)
    res_out, _ = residual(x, residual.zero_state(2, tf.float64))
    in_proj = tf.contrib.rnn.InputProjectionWrapper(tf.nn.rnn_cell.BasicRNNCell(2), 4)
    in_out, _ = in_proj(x, in_proj.zero_state(2, tf.float64))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, got_state, got_res, got_in = sess.run([out, state, res_out, in_out])
        v = {var.op.name: sess.run(var) for var in tf.global_variables()}
    xv = _rng(3).normal(size=(2, 3))
    h = np.tanh(np.concatenate([xv, np.zeros((2, 3))], 1)
                @ v["output_projection_wrapper/basic_rnn_cell/kernel"]
                + v["output_projection_wrapper/basic_rnn_cell/bias"])
    np.testing.assert_allclose(got_state, h, rtol=1e-12)
    np.testing.assert_allclose(got, h @ v["output_projection_wrapper/kernel"]
                               + v["output_projection_wrapper/bias"], rtol=1e-12)
    np.testing.assert_allclose(got_res, xv + h, rtol=1e-12)  # same inner cell, same weights
    projected = xv @ v["input_projection_wrapper/kernel"] + v["input_projection_wrapper/bias"]
    np.testing.assert_allclose(got_in, np.tanh(np.concatenate([projected, np.zeros((2, 2))], 1)
                                               @ v["input_projection_wrapper/basic_rnn_cell/kernel"]),
                               rtol=1e-12)
    assert [w.op.name for w in proj.trainable_weights] == [
        "output_projection_wrapper/basic_rnn_cell/kernel",
        "output_projection_wrapper/basic_rnn_cell/bias",
        "output_projection_wrapper/kernel", "output_projection_wrapper/bias"]


def test_concatenated_states_give_the_tuple_states_numbers():
    rng = _rng(4)
    xs = [tf.constant(rng.normal(size=(2, 3))) for _ in range(3)]
    with tf.variable_scope("t", initializer=tf.random_uniform_initializer(-0.5, 0.5, seed=1)):
        tup = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3),
                                           tf.nn.rnn_cell.LSTMCell(2, num_proj=1)])
        out_t, state_t = tf.nn.static_rnn(tup, xs, dtype=tf.float64, sequence_length=[3, 1])
    with tf.variable_scope("c", initializer=tf.random_uniform_initializer(-0.5, 0.5, seed=1)):
        cat = tf.nn.rnn_cell.MultiRNNCell(
            [tf.nn.rnn_cell.BasicLSTMCell(3, state_is_tuple=False),
             tf.nn.rnn_cell.LSTMCell(2, num_proj=1, state_is_tuple=False)], state_is_tuple=False)
        out_c, state_c = tf.nn.static_rnn(cat, xs, dtype=tf.float64, sequence_length=[3, 1])
    assert cat.state_size == 6 + 3 and state_c.shape.as_list() == [2, 9]
    variables = tf.trainable_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for a, b in zip(variables[:5], variables[5:]):  # the same weights in both
            b.load(sess.run(a), sess)
        (ot, st), (oc, sc) = sess.run([(out_t, state_t), (out_c, state_c)])
    np.testing.assert_allclose(ot, oc, rtol=1e-12)
    np.testing.assert_allclose(np.concatenate([st[0].c, st[0].h, st[1].c, st[1].h], 1), sc, rtol=1e-12)


def test_zero_state_and_a_batch_size_known_only_when_running():
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3), tf.nn.rnn_cell.GRUCell(2)])
    zero = cell.zero_state(4, tf.float32)
    assert zero[0].c.shape.as_list() == [4, 3] and zero[1].shape.as_list() == [4, 2]
    assert zero[0].c.op.name.startswith("MultiRNNCellZeroState/BasicLSTMCellZeroState")
    x = tf.placeholder(tf.float32, [None, 5])
    outputs, state = tf.nn.static_rnn(cell, [x, x], dtype=tf.float32, sequence_length=[2, 1, 0])
    assert state[0].h.shape.as_list() == [3, 3]  # the batch size comes from sequence_length
    assert tf.nn.static_rnn(cell, [x], dtype=tf.float32)[1][0].h.shape.as_list() == [None, 3]
    got_outputs, got_state = _run([outputs, state], {x: np.ones((3, 5))})
    assert got_outputs[1].shape == (3, 2) and got_state[1].shape == (3, 2)
    assert not got_outputs[1][2].any() and not got_state[0].h[2].any()  # length 0: zeros
    assert got_outputs[1][0].any() and not got_outputs[1][1].any()       # length 2 and 1


# --- dropout -----------------------------------------------------------------------------
def test_dropout_wrapper_drops_outputs_and_h_but_never_c():
    x = tf.constant(_rng(5).uniform(0.5, 1.0, size=(50, 4)), tf.float32)
    cell = tf.nn.rnn_cell.BasicLSTMCell(40)
    zero = cell.zero_state(50, tf.float32)
    raw_out, raw_state = cell(x, zero)
    dropped = tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5, state_keep_prob=0.25, seed=7)
    out, state = dropped(x, zero)  # the same cell: the same weights
    got_raw, got_raw_state, got, got_state = _run([raw_out, raw_state, out, state])
    kept = got != 0
    np.testing.assert_allclose(got[kept], 2 * got_raw[kept], rtol=1e-6)
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_array_equal(got_state.c, got_raw_state.c)
    kept_h = got_state.h != 0
    np.testing.assert_allclose(got_state.h[kept_h], 4 * got_raw_state.h[kept_h], rtol=1e-6)
    assert 0.15 < kept_h.mean() < 0.35


def test_dropout_with_keep_probability_one_adds_no_op_and_a_fed_one_keeps_all():
    x = tf.constant(_rng(6).normal(size=(3, 2)), tf.float32)
    cell = tf.nn.rnn_cell.BasicRNNCell(4)
    n_ops = len(tf.get_default_graph().get_operations())
    tf.nn.rnn_cell.DropoutWrapper(cell)  # every keep probability is the constant 1
    keep = tf.placeholder_with_default(1.0, [])
    wrapped = tf.nn.rnn_cell.DropoutWrapper(cell, input_keep_prob=keep)
    out, _ = wrapped(x, cell.zero_state(3, tf.float32))
    raw, _ = cell(x, cell.zero_state(3, tf.float32))
    ops = [op.type for op in tf.get_default_graph().get_operations()[n_ops:]]
    assert ops.count("Floor") == 1  # one dropout mask: the input one
    got, want = _run([out, raw])
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_variational_dropout_uses_one_mask_for_every_step_and_row():
    x = tf.constant(np.ones((4, 3), np.float32))
    cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(30), output_keep_prob=0.5,
                                         variational_recurrent=True, dtype=tf.float32, seed=3)
    outputs, _ = tf.nn.static_rnn(cell, [x, x, x], dtype=tf.float32)
    got = _run(outputs)
    masks = [o != 0 for o in got]
    assert 0 < masks[0].mean() < 1
    for m in masks:
        np.testing.assert_array_equal(m, masks[0])
        np.testing.assert_array_equal(m, np.broadcast_to(m[0], m.shape))


def test_dropout_wrapper_rejects_bad_arguments():
    cell = tf.nn.rnn_cell.BasicRNNCell(2)
    with pytest.raises(ValueError, match="output_keep_prob must be between 0 and 1"):
        tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=1.5)
    with pytest.raises(ValueError, match="dtype must be provided"):
        tf.nn.rnn_cell.DropoutWrapper(cell, variational_recurrent=True, output_keep_prob=0.5)
    with pytest.raises(ValueError, match="input_size must be provided"):
        tf.nn.rnn_cell.DropoutWrapper(cell, variational_recurrent=True, input_keep_prob=0.5,
                                      dtype=tf.float32)
    with pytest.raises(TypeError, match="is not an RNNCell"):
        tf.nn.rnn_cell.DropoutWrapper(lambda x, s: (x, s))


def test_device_wrapper_places_the_cell_ops():
    x = tf.zeros([2, 3])
    cell = tf.nn.rnn_cell.DeviceWrapper(tf.nn.rnn_cell.GRUCell(2), "/cpu:0")
    out, _ = cell(x, cell.zero_state(2, tf.float32))
    assert "CPU:0" in out.op.device
    assert "CPU:0" in cell.zero_state(2, tf.float32).op.device


# --- bad input -----------------------------------------------------------------------------
def test_bad_inputs_get_tf1s_errors():
    cell = tf.nn.rnn_cell.BasicRNNCell(3)
    x = tf.zeros([2, 4])
    with pytest.raises(ValueError, match="only supports floating point inputs"):
        tf.nn.rnn_cell.BasicRNNCell(3)(tf.zeros([2, 4], tf.int32), tf.zeros([2, 3], tf.int32))
    with pytest.raises(ValueError, match=r"Expected inputs.shape\[-1\] to be known"):
        tf.nn.rnn_cell.GRUCell(3)(tf.placeholder(tf.float32, [2, None]), tf.zeros([2, 3]))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        tf.nn.rnn_cell.LSTMCell(3)(tf.zeros([2, 4, 1]), cell.zero_state(2, tf.float32))
    with pytest.raises(TypeError, match="inputs must be a sequence"):
        tf.nn.static_rnn(cell, x, dtype=tf.float32)
    with pytest.raises(ValueError, match="inputs must not be empty"):
        tf.nn.static_rnn(cell, [], dtype=tf.float32)
    with pytest.raises(ValueError, match="dtype must be specified"):
        tf.nn.static_rnn(cell, [x])
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.static_rnn(cell, [x], dtype=tf.float32, sequence_length=[[1, 2]])
    with pytest.raises(ValueError, match=r"Input size \(dimension 0 of inputs\)"):
        tf.nn.static_rnn(cell, [tf.placeholder(tf.float32, [None, None])], dtype=tf.float32)
    with pytest.raises(ValueError, match="at least one cell"):
        tf.nn.rnn_cell.MultiRNNCell([])
    with pytest.raises(ValueError, match="state_is_tuple is not set"):
        tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(2)], state_is_tuple=False)
    with pytest.raises(ValueError, match="output_size must be > 0"):
        tf.contrib.rnn.OutputProjectionWrapper(cell, 0)
    with pytest.raises(TypeError, match="'cell_bw'.*is not an RNNCell"):
        tf.nn.static_bidirectional_rnn(cell, "not a cell", [x], dtype=tf.float32)


def test_sequence_length_past_the_steps_is_an_error_in_the_bidirectional_rnn():
    x = tf.zeros([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seq_lens\(1\) > input.dims"):
        outputs, _, _ = tf.nn.static_bidirectional_rnn(
            tf.nn.rnn_cell.BasicRNNCell(2), tf.nn.rnn_cell.BasicRNNCell(2), [x, x],
            dtype=tf.float32, sequence_length=[1, 3])
        _run(outputs)


def _reverse_each(steps, lengths):
    """Each sequence's first lengths[b] steps reversed (NumPy)."""
    out = [s.copy() for s in steps]
    for b, n in enumerate(lengths):
        for t in range(n):
            out[t][b] = steps[n - 1 - t][b]
    return out


def test_static_bidirectional_rnn_matches_numpy():
    rng = _rng(8)
    lengths = [3, 1, 2]
    xs_value = [rng.normal(size=(3, 2)) for _ in range(3)]
    xs = [tf.constant(x) for x in xs_value]
    outputs, state_fw, state_bw = tf.nn.static_bidirectional_rnn(
        tf.nn.rnn_cell.BasicRNNCell(2), tf.nn.rnn_cell.GRUCell(3), xs, dtype=tf.float64,
        sequence_length=lengths)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, got_fw, got_bw = sess.run([outputs, state_fw, state_bw])
        p = {v.op.name: sess.run(v) for v in tf.global_variables()}
    fw = ref.BasicRNN(p["bidirectional_rnn/fw/basic_rnn_cell/kernel"],
                      p["bidirectional_rnn/fw/basic_rnn_cell/bias"])
    bw = ref.GRU(*(p[f"bidirectional_rnn/bw/gru_cell/{k}"] for k in (
        "gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")))
    out_fw, final_fw, _ = ref.run(fw, xs_value, (np.zeros((3, 2)),), lengths)
    out_bw, final_bw, _ = ref.run(bw, _reverse_each(xs_value, lengths), (np.zeros((3, 3)),), lengths)
    out_bw = _reverse_each(out_bw, lengths)
    for g, f, b in zip(got, out_fw, out_bw):
        np.testing.assert_allclose(g, np.concatenate([f, b], 1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got_fw, final_fw[0], rtol=1e-12)
    np.testing.assert_allclose(got_bw, final_bw[0], rtol=1e-12)


class LeakyCell(tf.nn.rnn_cell.RNNCell):
    """A TF1-style custom cell: get_variable inside call, as many TF1 programs write."""

    def __init__(self, units):
        super().__init__()
        self._units = units

    state_size = property(lambda self: self._units)
    output_size = property(lambda self: self._units)

    def call(self, inputs, state):
        w = tf.get_variable("w", [inputs.shape.as_list()[1], self._units], dtype=inputs.dtype)
        new = 0.5 * state + tf.matmul(inputs, w)
        return new, new


def test_a_custom_cell_subclass_creates_its_variables_once():
    values = _rng(9).normal(size=(3, 2, 3))
    xs = [tf.constant(v) for v in values]
    cell = LeakyCell(2)
    outputs, state = tf.nn.static_rnn(cell, xs, dtype=tf.float64)
    assert [v.name for v in tf.global_variables()] == ["rnn/leaky_cell/w:0"]
    assert [v.name for v in cell.trainable_weights] == ["rnn/leaky_cell/w:0"]
    got, w = _run([state, tf.global_variables()[0]])
    h = np.zeros((2, 2))
    for x in values:
        h = 0.5 * h + x @ w
    np.testing.assert_allclose(got, h, rtol=1e-12)
