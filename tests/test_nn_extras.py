"""More of tf.nn: the learned-unigram and all-candidate samplers (and tf.random's names
of the samplers), embedding_lookup_sparse and safe_embedding_lookup_sparse, grayscale
dilation and erosion, max_pool_with_argmax; against NumPy loop references and
TensorFlow 2.21's numbers on every backend."""
import numpy as np
import pytest

import conv_nd_reference as ref
import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
R = np.random.default_rng(9)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def on(backend, device, build, *arrays):
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        xs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in arrays]
        with tf.Session() as sess:
            return sess.run(build(*xs), dict(zip(xs, arrays)))


# --- samplers -------------------------------------------------------------------------------
TRUE = np.array([[0, 3], [7, 9]], np.int64)


def test_random_namespace_names_the_samplers():
    assert (tf.random.all_candidate_sampler, tf.random.fixed_unigram_candidate_sampler,
            tf.random.learned_unigram_candidate_sampler, tf.random.log_uniform_candidate_sampler,
            tf.random.uniform_candidate_sampler) == (
        tf.nn.all_candidate_sampler, tf.nn.fixed_unigram_candidate_sampler,
        tf.nn.learned_unigram_candidate_sampler, tf.nn.log_uniform_candidate_sampler,
        tf.nn.uniform_candidate_sampler)


def test_all_candidate_sampler_returns_every_class_once():
    sampled, true_count, sampled_count = run(tf.nn.all_candidate_sampler(TRUE, 2, 6, True))
    np.testing.assert_array_equal(sampled, np.arange(6))
    np.testing.assert_array_equal(true_count, np.ones((2, 2)))
    np.testing.assert_array_equal(sampled_count, np.ones(6))


def test_learned_unigram_sampler_learns_the_true_classes():
    true = tf.placeholder(tf.int64, [None, 1])
    sampled, true_count, _ = tf.nn.learned_unigram_candidate_sampler(
        true, 1, 4000, unique=False, range_max=5, seed=2)
    with tf.Session() as sess:
        # every class starts at a count of 1: a uniform first draw
        first, expected = sess.run([sampled, true_count], {true: [[3]] * 95})
        np.testing.assert_allclose(expected, np.full((95, 1), 4000 / 5), rtol=1e-6)
        np.testing.assert_allclose(np.bincount(first, minlength=5) / 4000, [0.2] * 5, atol=0.03)
        # that run saw class 3 95 times: counts [1, 1, 1, 96, 1] of 100
        second, expected = sess.run([sampled, true_count], {true: [[3], [0]]})
        np.testing.assert_allclose(expected.ravel(), [96 / 100 * 4000, 1 / 100 * 4000], rtol=1e-6)
        np.testing.assert_allclose(np.bincount(second, minlength=5) / 4000,
                                   [0.01, 0.01, 0.01, 0.96, 0.01], atol=0.02)


# --- sparse embeddings ----------------------------------------------------------------------
PARAMS = np.arange(20.0).reshape(5, 4)
IDS = tf.SparseTensorValue([[0, 0], [0, 1], [2, 0], [2, 2]], np.int64([1, 3, 1, 4]), [4, 3])
WEIGHTS = tf.SparseTensorValue(IDS.indices, np.array([0.5, 2.0, 1.0, -1.0]), [4, 3])


def test_embedding_lookup_sparse_combiners():
    rows = {0: [(1, 0.5), (3, 2.0)], 2: [(1, 1.0), (4, -1.0)]}

    def reference(combiner, weighted):
        out = np.zeros((3, 4))
        for r, pairs in rows.items():
            w = np.array([p[1] if weighted else 1.0 for p in pairs])
            e = PARAMS[[p[0] for p in pairs]]
            total = (w[:, None] * e).sum(0)
            norm = {"sum": 1.0, "mean": w.sum(), "sqrtn": np.sqrt((w ** 2).sum())}[combiner]
            out[r] = total / norm if norm else 0.0
        return out
    ids, weights = tf.SparseTensor.from_value(IDS), tf.SparseTensor.from_value(WEIGHTS)
    for combiner in ("sum", "mean", "sqrtn"):
        got = run([tf.nn.embedding_lookup_sparse(PARAMS, ids, None, combiner=combiner),
                   tf.nn.embedding_lookup_sparse(PARAMS, ids, weights, combiner=combiner),
                   tf.nn.embedding_lookup_sparse([PARAMS[:3], PARAMS[3:]], ids, weights,
                                                 combiner=combiner, partition_strategy="div")])
        np.testing.assert_allclose(got[0], reference(combiner, False), err_msg=combiner)
        np.testing.assert_allclose(got[1], reference(combiner, True), err_msg=combiner)
        np.testing.assert_allclose(got[2], reference(combiner, True), err_msg=combiner)
    with pytest.raises(ValueError, match="combiner"):
        tf.nn.embedding_lookup_sparse(PARAMS, ids, None, combiner="max")


def test_safe_embedding_lookup_sparse_drops_bad_ids_and_fills_empty_rows():
    ids = tf.SparseTensor([[0, 0, 0], [0, 1, 1], [1, 0, 0]], tf.constant([2, -1, 0], tf.int64), [2, 2, 2])
    params = tf.constant(PARAMS)
    got = run([tf.nn.safe_embedding_lookup_sparse(params, ids, None, default_id=4),
               tf.nn.safe_embedding_lookup_sparse([params[:3], params[3:]], ids, None)])
    # rows [0, 0]: id 2; [0, 1]: only -1 (dropped); [1, 0]: id 0; [1, 1]: empty
    np.testing.assert_allclose(got[0], [[PARAMS[2], PARAMS[4]], [PARAMS[0], PARAMS[4]]])
    np.testing.assert_allclose(got[1], [[PARAMS[2], np.zeros(4)], [PARAMS[0], np.zeros(4)]])
    # TensorFlow 2.21, weights with a non-positive one (dropped for "mean")
    weighted = tf.nn.safe_embedding_lookup_sparse(params, tf.SparseTensor.from_value(IDS),
                                                  tf.SparseTensor.from_value(WEIGHTS))
    np.testing.assert_allclose(run(weighted), [[10.4, 11.4, 12.4, 13.4], [0, 0, 0, 0],
                                               [4, 5, 6, 7], [0, 0, 0, 0]])


def test_embedding_gradients_reach_the_params():
    params = tf.Variable(PARAMS)
    out = tf.nn.embedding_lookup_sparse(params, tf.SparseTensor.from_value(IDS), None, combiner="sum")
    grad = tf.gradients(tf.reduce_sum(out), params)[0]
    with tf.Session() as sess:
        sess.run(params.initializer)
        dense = sess.run(tf.convert_to_tensor(grad))
    np.testing.assert_allclose(dense[:, 0], [0, 2, 0, 1, 1])  # id 1 used twice


# --- morphology and argmax pooling ---------------------------------------------------------------
def dilation_reference(x, f, strides, rates, padding):
    n, H, W, c = x.shape
    kh, kw, _ = f.shape
    top, oh = ref.geometry(H, kh, strides[0], rates[0], padding)
    left, ow = ref.geometry(W, kw, strides[1], rates[1], padding)
    out = np.full((n, oh, ow, c), -np.inf)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    y, xx = i * strides[0] + a * rates[0] - top, j * strides[1] + b * rates[1] - left
                    if 0 <= y < H and 0 <= xx < W:
                        out[:, i, j] = np.maximum(out[:, i, j], x[:, y, xx] + f[a, b])
    return out


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("strides, rates, padding", [((1, 1), (1, 1), "VALID"), ((2, 1), (1, 2), "SAME"),
                                                     ((1, 2), (2, 1), "SAME")])
def test_dilation_and_erosion_match_the_loop_reference(backend, device, strides, rates, padding):
    x, f = R.normal(size=(2, 6, 7, 3)), R.normal(size=(3, 2, 3))
    s4, r4 = [1, *strides, 1], [1, *rates, 1]
    got = on(backend, device, lambda a, b: [tf.nn.dilation2d(a, b, s4, r4, padding),
                                            tf.nn.erosion2d(a, b, s4, r4, padding)], x, f)
    np.testing.assert_allclose(got[0], dilation_reference(x, f, strides, rates, padding))
    np.testing.assert_allclose(got[1], -dilation_reference(-x, f[::-1, ::-1], strides, rates, padding))


def test_dilation_gradients_go_to_the_winning_entries():
    x = np.array([[[[1.0], [5.0], [2.0]], [[0.0], [3.0], [4.0]]]])     # 1 x 2 x 3 x 1
    f = np.array([[[0.0], [1.0]]])                                      # 1 x 2 x 1
    xt, ft = tf.constant(x), tf.constant(f)
    y = tf.nn.dilation2d(xt, ft, [1, 1, 1, 1], [1, 1, 1, 1], "VALID")  # windows of 2 columns
    weights = tf.constant(np.array([[[[1.0], [10.0]], [[100.0], [1000.0]]]]))
    gx, gf = run(tf.gradients(tf.reduce_sum(y * weights), [xt, ft]))
    # row 0: max(1+0, 5+1) = 6 from x[0,1]; max(5+0, 2+1) = 5 from x[0,1]
    # row 1: max(0+0, 3+1) = 4 from x[1,1]; max(3+0, 4+1) = 5 from x[1,2]
    np.testing.assert_array_equal(run(y).ravel(), [6, 5, 4, 5])
    np.testing.assert_array_equal(gx.ravel(), [0, 11, 0, 0, 100, 1000])
    np.testing.assert_array_equal(gf.ravel(), [10, 1101])


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("with_batch", [False, True])
def test_max_pool_with_argmax(backend, device, with_batch):
    x = R.permutation(2 * 5 * 6 * 3).reshape(2, 5, 6, 3).astype(np.float64)  # no ties
    pooled, argmax = on(backend, device, lambda a: tf.nn.max_pool_with_argmax(
        a, [1, 2, 3, 1], [1, 2, 2, 1], "SAME", include_batch_in_index=with_batch), x)
    np.testing.assert_array_equal(pooled, ref.pool(x, [2, 3], [2, 2], "SAME", "max"))
    assert argmax.dtype == np.int64
    flat = x.reshape(2, -1)
    for b in range(2):
        index = argmax[b] - (b * flat.shape[1] if with_batch else 0)
        np.testing.assert_array_equal(flat[b][index], pooled[b])  # it points at the maximum


def test_max_pool_with_argmax_gradient_and_errors():
    x = tf.constant(np.arange(16.0).reshape(1, 4, 4, 1))
    pooled, _ = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", Targmax=tf.int32)
    grad = run(tf.gradients(tf.reduce_sum(pooled), x)[0])
    want = np.zeros((4, 4))
    want[1::2, 1::2] = 1
    np.testing.assert_array_equal(grad[0, :, :, 0], want)
    with pytest.raises(ValueError, match="NHWC"):
        tf.nn.max_pool_with_argmax(x, 2, 2, "VALID", data_format="NCHW")
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.nn.max_pool_with_argmax(x, 2, 2, "VALID", output_dtype=tf.float32)


@pytest.mark.parametrize("build, match", [
    (lambda: tf.nn.dilation2d(tf.zeros([1, 4, 4, 2]), tf.zeros([2, 2, 3]), [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
     "Dimensions must be equal"),
    (lambda: tf.nn.dilation2d(tf.zeros([1, 4, 4, 2]), tf.zeros([2, 2, 2]), [1, 1, 1], [1, 1, 1, 1], "SAME"),
     "strides"),
    (lambda: tf.nn.dilation2d(tf.zeros([1, 2, 2, 2]), tf.zeros([3, 3, 2]), [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
     "Negative dimension"),
    (lambda: tf.nn.dilation2d(tf.zeros([4, 4, 2]), tf.zeros([2, 2, 2]), [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
     "rank 4"),
])
def test_dilation_shape_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


# --- raw_rnn, static_state_saving_rnn, experimental dropouts ---------------------------------------
def test_raw_rnn_matches_a_numpy_loop():
    inputs = R.normal(size=(5, 3, 2)).astype(np.float32)   # time, batch, depth
    lengths = np.array([5, 2, 3], np.int32)
    cell = tf.nn.rnn_cell.BasicRNNCell(4)

    def loop_fn(time, cell_output, cell_state, loop_state):
        next_state = cell.zero_state(3, tf.float32) if cell_output is None else cell_state
        finished = time >= lengths
        step = tf.cond(tf.reduce_all(finished), lambda: tf.zeros([3, 2]),
                       lambda: tf.constant(inputs)[tf.minimum(time, 4)])
        counter = tf.constant(0) if loop_state is None else loop_state + 1
        return finished, step, next_state, cell_output, counter

    emit_ta, final_state, steps = tf.nn.raw_rnn(cell, loop_fn)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = sess.run(cell.variables)
        emitted, final, count = sess.run([emit_ta.stack(), final_state, steps])
    h = np.zeros((3, 4), np.float32)
    want = np.zeros((5, 3, 4), np.float32)
    for t in range(5):
        new = np.tanh(np.concatenate([inputs[t], h], 1) @ kernel + bias)
        alive = (t < lengths)[:, None]
        want[t] = np.where(alive, new, 0.0)      # zeros once an entry is finished
        h = np.where(alive, new, h)              # and its state stays
    np.testing.assert_allclose(emitted, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final, h, rtol=1e-5, atol=1e-6)
    assert count == 5
    with pytest.raises(TypeError, match="callable"):
        tf.nn.raw_rnn(cell, None)


class DictStateSaver:
    """A state saver keeping each named state in a variable."""

    def __init__(self, batch, units):
        self.variables = {}
        self.batch, self.units = batch, units

    def state(self, name):
        if name not in self.variables:
            self.variables[name] = tf.Variable(np.full((self.batch, self.units), 0.5, np.float32),
                                               name=name)
        return self.variables[name].read_value()

    def save_state(self, name, value):
        return tf.assign(self.variables[name], value)


def test_static_state_saving_rnn_carries_the_state_between_runs():
    saver = DictStateSaver(2, 3)
    cell = tf.nn.rnn_cell.LSTMCell(3)
    inputs = [tf.constant(R.normal(size=(2, 4)).astype(np.float32)) for _ in range(2)]
    outputs, state = tf.nn.static_state_saving_rnn(cell, inputs, saver, ("c", "h"))
    plain_outputs, plain_state = tf.nn.static_rnn(
        cell, inputs, initial_state=tf.nn.rnn_cell.LSTMStateTuple(saver.state("c"), saver.state("h")))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        expected_first = sess.run(plain_outputs[-1])   # from the saved 0.5 states
        got_first, first_state = sess.run([outputs[-1], state])
        np.testing.assert_allclose(got_first, expected_first, rtol=1e-6)
        np.testing.assert_allclose(sess.run(saver.variables["h"]), first_state.h, rtol=1e-6)
        # the next run starts from the saved state
        expected_second = sess.run(plain_outputs[-1])
        assert not np.allclose(expected_second, expected_first)
        np.testing.assert_allclose(sess.run(outputs[-1]), expected_second, rtol=1e-6)
    with pytest.raises(ValueError, match="same type"):
        tf.nn.static_state_saving_rnn(cell, inputs, saver, "c")


def test_experimental_dropouts():
    x = tf.ones([1000])
    seed = tf.constant([3, 4], tf.int64)
    a = tf.nn.experimental.stateless_dropout(x, 0.25, seed)
    b = tf.nn.experimental.stateless_dropout(x, 0.25, seed)
    half = tf.nn.experimental.general_dropout(x, 0.5, lambda shape, dtype: tf.fill(shape, tf.constant(0.7, dtype)))
    with tf.Session() as sess:
        va, vb, vh = sess.run([a, b, half])
    np.testing.assert_array_equal(va, vb)                   # a pure function of the seed
    assert set(np.unique(va)) == {0.0, np.float32(1 / 0.75)}
    assert abs((va == 0).mean() - 0.25) < 0.05
    np.testing.assert_allclose(vh, np.full(1000, 2.0))     # 0.7 >= 0.5: all kept, scaled by 2
    with pytest.raises(ValueError, match="range"):
        tf.nn.experimental.stateless_dropout(x, 1.5, seed)
