"""Conditional accumulators, IdentityReader, partitioners and partitioned variables,
tf.Module, type specs, session tensor handles, tf.custom_gradient and tf.audio, checked
against TF1's documented behaviour, NumPy and Python's wave module."""
import io
import wave

import numpy as np
import pytest

import tensorflux as tf


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


# --- conditional accumulators ------------------------------------------------------------
def test_conditional_accumulator_averages_fresh_gradients():
    acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    assert isinstance(acc, tf.ConditionalAccumulatorBase) and acc.dtype == tf.float32
    assert acc.name == "conditional_accumulator"
    step = tf.placeholder(tf.int64, [])
    grad = tf.placeholder(tf.float32, [2])
    apply = acc.apply_grad(grad, local_step=step)
    take = acc.take_grad(2)
    with tf.Session() as sess:
        for g, s in (([1.0, 2.0], 0), ([3.0, 6.0], 0), ([100.0, 100.0], -1)):  # the last is stale
            sess.run(apply, {grad: g, step: s})
        assert sess.run(acc.num_accumulated()) == 2
        np.testing.assert_array_equal(sess.run(take), [2.0, 4.0])
        assert sess.run(acc.num_accumulated()) == 0
        sess.run(apply, {grad: [5.0, 5.0], step: 0})  # the take advanced the step to 1
        assert sess.run(acc.num_accumulated()) == 0
        sess.run(acc.set_global_step(5))
        sess.run(apply, {grad: [1.0, 1.0], step: 4})
        sess.run(apply, {grad: [1.0, 3.0], step: 5})
        assert sess.run(acc.num_accumulated()) == 1
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_required must be positive"):
            sess.run(acc.take_grad(0))
        with pytest.raises(tf.errors.DeadlineExceededError):  # take_grad waits for gradients
            sess.run(acc.take_grad(3), options=tf.RunOptions(timeout_in_ms=100))
    with pytest.raises(ValueError, match="incompatible"):
        acc.apply_grad([1.0, 2.0, 3.0])
    total = tf.ConditionalAccumulator(tf.float64, shape=[], reduction_type="SUM")
    with tf.Session() as sess:
        sess.run(total.apply_grad(2.0))
        sess.run(total.apply_grad(3.0))
        assert sess.run(total.take_grad(2)) == 5.0


def test_sparse_conditional_accumulator_averages_each_row():
    acc = tf.SparseConditionalAccumulator(tf.float32, shape=[4, 2])
    ops = [acc.apply_grad([0, 2], [[1.0, 1.0], [2.0, 2.0]]),
           acc.apply_indexed_slices_grad(tf.IndexedSlices(tf.constant([[4.0, 4.0], [6.0, 6.0]]),
                                                          tf.constant([2, 3], tf.int64),
                                                          tf.constant([4, 2], tf.int64)))]
    slices = acc.take_indexed_slices_grad(2)
    with tf.Session() as sess:
        sess.run(ops)
        got = sess.run(slices)
    np.testing.assert_array_equal(got.indices, [0, 2, 3])
    np.testing.assert_array_equal(got.values, [[1, 1], [3, 3], [6, 6]])  # row 2: (2 + 4) / 2
    np.testing.assert_array_equal(got.dense_shape, [4, 2])


# --- IdentityReader ---------------------------------------------------------------------------
def test_identity_reader_returns_each_work_unit():
    queue = tf.FIFOQueue(5, [tf.string], shapes=[[]])
    reader = tf.IdentityReader()
    key, value = reader.read(queue)
    with tf.Session() as sess:
        sess.run(queue.enqueue_many([["alpha", "beta"]]))
        sess.run(queue.close())
        assert sess.run([key, value]) == [b"alpha", b"alpha"]
        assert sess.run([key, value]) == [b"beta", b"beta"]
        assert sess.run(reader.num_work_units_completed()) == 1
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(key)


# --- partitioners ---------------------------------------------------------------------------
def test_partitioners_follow_tf1s_formulas():
    assert tf.fixed_size_partitioner(4)(shape=[3, 5], dtype=tf.float32) == [3, 1]
    assert tf.fixed_size_partitioner(2, axis=1)([3, 5], tf.float32) == [1, 2]
    # 100 x 4 float32 = 1600 bytes; slices of >= 64 bytes, at most 8 parts
    assert tf.min_max_variable_partitioner(8, min_slice_size=64)(shape=[100, 4],
                                                                 dtype=tf.float32) == [8, 1]
    assert tf.min_max_variable_partitioner(8, min_slice_size=1024)([100, 4], tf.float32) == [2, 1]
    # rows of 16 bytes, at most 100 bytes a part: 6 rows a part, ceil(100 / 6) = 17 parts
    assert tf.variable_axis_size_partitioner(100)(shape=[100, 4], dtype=tf.float32) == [17, 1]
    assert tf.variable_axis_size_partitioner(100, axis=1, max_shards=2)(
        shape=[3, 40], dtype=tf.string) == [1, 2]
    with pytest.raises(ValueError):
        tf.variable_axis_size_partitioner(0)


def test_create_partitioned_variables_splits_like_tf1():
    value = np.arange(10.0).reshape(5, 2)
    parts = tf.create_partitioned_variables([5, 2], [3, 1], value, name="v")
    assert [p.op.name for p in parts] == ["v/part_0", "v/part_1", "v/part_2"]
    assert [p.shape.as_list() for p in parts] == [[2, 2], [2, 2], [1, 2]]  # first ones longer
    columns = tf.create_partitioned_variables([4, 3], [1, 2], tf.ones_initializer())
    assert [c.shape.as_list() for c in columns] == [[4, 2], [4, 1]]
    assert columns[0].op.name == "PartitionedVariable/part_0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(np.concatenate(sess.run(parts)), value)
        np.testing.assert_array_equal(np.concatenate(sess.run(columns), 1), np.ones((4, 3)))
    with pytest.raises(ValueError, match="one dimension"):
        tf.create_partitioned_variables([4, 4], [2, 2], tf.zeros_initializer())


# --- tf.Module -------------------------------------------------------------------------------
class Dense(tf.Module):
    def __init__(self, units, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tf.Variable(tf.ones([2, units]), name="w")
            self.b = tf.Variable(tf.zeros([units]), name="b", trainable=False)

    @tf.Module.with_name_scope
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class Stack(tf.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(2), Dense(2)]
        self.extra = {"bias": tf.Variable(1.0, name="extra")}


def test_module_tracks_variables_and_submodules():
    model = Stack()
    assert model.name == "stack" and Dense(1, name="d").name == "d"
    assert [v.op.name for v in model.variables] == ["extra", "dense/b", "dense/w",
                                                    "dense_1/b", "dense_1/w"]
    assert [v.op.name for v in model.trainable_variables] == ["extra", "dense/w", "dense_1/w"]
    assert model.submodules == tuple(model.layers)
    out = model.layers[1](tf.ones([1, 2]))
    assert out.op.name.startswith("dense_1/")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(out), [[2.0, 2.0]])
    with pytest.raises(ValueError, match="valid module name"):
        tf.Module(name="not a name")


# --- type specs ------------------------------------------------------------------------------
def test_type_specs_describe_values():
    spec = tf.TensorSpec([None, 3], tf.float32, name="x")
    assert isinstance(spec, tf.TypeSpec) and spec.shape.as_list() == [None, 3]
    assert spec.is_compatible_with(tf.zeros([2, 3]))
    assert spec.is_compatible_with(np.zeros((5, 3), np.float32))
    assert not spec.is_compatible_with(tf.zeros([2, 4]))
    assert not spec.is_compatible_with(tf.zeros([2, 3], tf.int32))
    assert tf.TensorSpec([2, 3]).most_specific_compatible_type(tf.TensorSpec([4, 3])) == \
        tf.TensorSpec([None, 3])
    p = tf.placeholder(tf.int32, [None], name="p")
    assert tf.TensorSpec.from_tensor(p) == tf.TensorSpec([None], tf.int32, name="p")
    assert tf.TensorSpec.from_spec(spec, name="y").name == "y"
    assert tf.type_spec_from_value(tf.constant([1.5])) == tf.TensorSpec([1], tf.float32)
    sparse = tf.type_spec_from_value(tf.SparseTensor([[0, 0]], [1.0], [3, 4]))
    assert sparse == tf.SparseTensorSpec([3, 4], tf.float32)
    assert sparse.value_type is tf.SparseTensor
    array = tf.type_spec_from_value(tf.TensorArray(tf.int32, size=2, element_shape=[2]))
    assert array == tf.TensorArraySpec([2], tf.int32)
    assert tf.type_spec_from_value(None) == tf.NoneTensorSpec()
    slices = tf.IndexedSlices(tf.zeros([1, 2]), tf.constant([0], tf.int64), tf.constant([5, 2]))
    assert tf.type_spec_from_value(slices) == tf.IndexedSlicesSpec(
        [5, 2], tf.float32, tf.int64, tf.int32, [1])
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name='x')"
    with pytest.raises(ValueError, match="No TypeSpec"):
        spec.most_specific_compatible_type(tf.TensorSpec([None, 3], tf.int32))


# --- session tensors --------------------------------------------------------------------------
def test_session_handles_keep_values_between_runs():
    product = tf.constant(10.0) * tf.constant(5.0)
    handle = tf.get_session_handle(product)
    holder, value = tf.get_session_tensor(handle, tf.float32)  # handle ignored, as in TF1
    plus_one = value + 1.0
    deleter_holder, deleter = tf.delete_session_tensor(handle)
    with tf.Session() as sess:
        h = sess.run(handle)
        assert isinstance(h.handle, str)
        assert sess.run(plus_one, {holder: h.handle}) == 51.0
        assert sess.run(plus_one, {holder: h}) == 51.0  # the handle itself can be fed
        with sess.as_default():
            assert h.eval() == 50.0
        sess.run(deleter, {deleter_holder: h.handle})
        with pytest.raises(tf.errors.NotFoundError, match="does not exist"):
            sess.run(plus_one, {holder: h.handle})
    with tf.Session() as other, pytest.raises(tf.errors.NotFoundError):
        other.run(plus_one, {holder: h.handle})  # kept by the first session only


# --- custom_gradient ------------------------------------------------------------------------
def test_custom_gradient_is_tf1s_log1pexp_example():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return tf.log(1 + e), grad

    x = tf.placeholder(tf.float32, [])
    y = log1pexp(x)
    dx = tf.gradients(y, x)[0]
    with tf.Session() as sess:
        assert sess.run(dx, {x: 100.0}) == 1.0  # the automatic gradient would be NaN
        np.testing.assert_allclose(sess.run([y, dx], {x: 0.0}), [np.log(2.0), 0.5], rtol=1e-6)


def test_custom_gradient_with_several_inputs_and_errors():
    @tf.custom_gradient
    def scaled_product(a, b):
        return a * b, lambda dy: (dy * b * 10.0, dy * a)

    a, b = tf.constant(2.0), tf.constant(3.0)
    y = scaled_product(a, b)
    ga, gb = tf.gradients(y * y, [a, b])
    assert run([y, ga, gb]) == [6.0, 2 * 6.0 * 3.0 * 10.0, 2 * 6.0 * 2.0]

    @tf.custom_gradient
    def wrong(x):
        return x * 2.0, lambda dy: (dy, dy)

    with pytest.raises(ValueError, match="expected to return 1 gradients"):
        tf.gradients(wrong(a), a)


# --- tf.audio ---------------------------------------------------------------------------------
def test_wav_round_trip_matches_the_wave_module():
    samples = np.array([[0.5, -1.0], [0.25, 2.0], [-0.3, 0.1]], np.float32)
    data = run(tf.audio.encode_wav(samples, 16000))
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 16000)
        pcm = np.frombuffer(wav.readframes(3), "<i2").reshape(3, 2)
    # round(x * 32768), clamped to int16
    np.testing.assert_array_equal(pcm, [[16384, -32768], [8192, 32767], [-9830, 3277]])
    audio, rate = run(tf.audio.decode_wav(data))
    assert rate == 16000
    np.testing.assert_array_equal(audio, pcm / 32768.0)
    first, _ = run(tf.audio.decode_wav(data, desired_channels=1, desired_samples=5))
    np.testing.assert_array_equal(first, np.concatenate([pcm[:, :1] / 32768.0, np.zeros((2, 1))]))
    mono = run(tf.audio.encode_wav(samples[:, :1], 8000))
    three, _ = run(tf.audio.decode_wav(mono, desired_channels=3, desired_samples=2))
    np.testing.assert_array_equal(three, np.repeat(pcm[:2, :1] / 32768.0, 3, axis=1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="WAV"):
        run(tf.audio.decode_wav(b"RIFF not really"))
    with pytest.raises(ValueError, match="samples, channels"):
        tf.audio.encode_wav([1.0, 2.0], 8000)
