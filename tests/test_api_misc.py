"""The smaller non-op names of TF1's API: top level, tf.errors, tf.summary,
tf.initializers, tf.losses, tf.layers and tf.train, against NumPy and TF1's documented
formulas and behaviour."""
import io
import logging
import os
import wave

import numpy as np
import pytest

import tensorflux as tf

RNG = np.random.default_rng(11)


def run(fetch, feed=None, init=True):
    with tf.Session() as sess:
        if init:
            sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        return sess.run(fetch, feed)


# --- top level ---------------------------------------------------------------------------------
def test_behaviour_queries_and_switches():
    assert tf.executing_eagerly() is False
    assert tf.executing_eagerly_outside_functions() is False
    assert tf.resource_variables_enabled() is False
    for switch in (tf.disable_eager_execution, tf.disable_v2_behavior,
                   tf.disable_resource_variables, tf.disable_tensor_equality,
                   tf.disable_v2_tensorshape):
        assert switch() is None
    x = tf.constant(1.0)
    assert {x: 1}[x] == 1 and (x == x) is True            # identity semantics kept
    assert isinstance(tf.TensorShape([3])[0], tf.Dimension)


def test_versions_and_build_constants():
    assert tf.VERSION == tf.__version__
    assert tf.GRAPH_DEF_VERSION >= tf.GRAPH_DEF_VERSION_MIN_CONSUMER >= 0
    assert tf.GRAPH_DEF_VERSION_MIN_PRODUCER == 0
    assert tf.get_default_graph().as_graph_def().versions.producer == tf.GRAPH_DEF_VERSION


def test_get_seed_follows_tf1():
    assert tf.get_seed(None) == (None, None)
    assert tf.get_seed(5) == (87654321, 5)
    tf.set_random_seed(3)
    tf.constant(1.0)
    assert tf.get_seed(None) == (3, tf.get_default_graph()._last_id)
    assert tf.get_seed(7) == (3, 7)
    tf.set_random_seed(0)
    assert tf.get_seed(0) == (0, 2 ** 31 - 1)          # never (0, 0), which means random


def test_make_template_shares_variables():
    def scale(x):
        w = tf.get_variable("w", [], initializer=tf.constant_initializer(3.0))
        return x * w
    template = tf.make_template("scale", scale)
    a, b = template(tf.constant(1.0)), template(tf.constant(2.0))
    assert [v.name for v in tf.global_variables()] == ["scale/w:0"]
    assert template.variable_scope_name == "scale"
    assert [v.name for v in template.trainable_variables] == ["scale/w:0"]
    assert run([a, b]) == [3.0, 6.0]
    other = tf.make_template("scale", scale)
    other(tf.constant(1.0))
    assert "scale_1/w:0" in [v.name for v in tf.global_variables()]

    def fresh(x):
        return x * tf.Variable(1.0)
    bad = tf.make_template("bad", fresh)
    bad(tf.constant(1.0))
    with pytest.raises(ValueError, match="Trainable variable created when calling a template"):
        bad(tf.constant(1.0))
    early = tf.make_template("early", scale, create_scope_now_=True)
    assert early.variable_scope_name == "early"
    early(tf.constant(1.0))
    assert "early/w:0" in [v.name for v in tf.global_variables()]


def test_scopes_and_local_variables():
    x = tf.constant(1.0)
    with tf.control_dependencies([x]):
        with tf.init_scope():
            free = tf.constant(2.0)
        bound = tf.constant(3.0)
    assert free.op.control_inputs == [] and bound.op.control_inputs == [x.op]
    with tf.container("experiment"):
        tf.constant(0.0)
    with tf.device("/cpu:0"):
        placed = tf.constant(1.0)
    with tf.colocate_with(placed):
        near = tf.constant(2.0)
    assert near.op.device == placed.op.device == "/device:CPU:0"
    with tf.op_scope([x], None, "legacy"):
        assert tf.constant(1.0).name == "legacy/Const:0"
    with tf.variable_op_scope([x], None, "vlegacy"):
        v = tf.get_variable("v", [], initializer=tf.zeros_initializer())
    assert v.name == "vlegacy/v:0"
    local = tf.get_local_variable("counter", [], initializer=tf.zeros_initializer())
    assert local in tf.local_variables() and local not in tf.trainable_variables()
    assert local not in tf.global_variables()
    with tf.Session() as sess:
        sess.run(tf.initialize_local_variables())
        sess.run(tf.initialize_variables([v]))
        sess.run(tf.initialize_all_tables())
        assert sess.run(local) == 0.0
    assert tf.tables_initializer().name.startswith("init_all_tables")


def test_regularizers_and_static_values():
    with tf.variable_scope("s", regularizer=lambda w: tf.reduce_sum(w)):
        tf.get_variable("a", [2], initializer=tf.ones_initializer())
        tf.get_variable("b", [2], initializer=tf.ones_initializer(), regularizer=tf.no_regularizer)
    assert len(tf.losses.get_regularization_losses()) == 1
    assert tf.no_regularizer(tf.constant(1.0)) is None
    assert tf.is_tensor(tf.constant(1.0)) and tf.is_tensor(tf.Variable(1.0))
    assert not tf.is_tensor(np.ones(2))
    np.testing.assert_array_equal(tf.get_static_value(tf.shape(tf.zeros([2, 3]))), [2, 3])
    assert tf.get_static_value(tf.placeholder(tf.float32)) is None
    assert tf.get_static_value(5) == 5
    assert tf.dimension_value(tf.Dimension(4)) == 4 and tf.dimension_value(None) is None
    assert tf.dimension_at_index(tf.TensorShape([2, None]), 0).value == 2
    assert tf.dimension_at_index(tf.TensorShape(None), 3).value is None


def test_device_spec():
    spec = tf.DeviceSpec.from_string("/job:ps/replica:0/task:1/device:GPU:2")
    assert (spec.job, spec.replica, spec.task, spec.device_type, spec.device_index) == \
        ("ps", 0, 1, "GPU", 2)
    assert spec.to_string() == "/job:ps/replica:0/task:1/device:GPU:2"
    assert tf.DeviceSpec.from_string("/gpu:1").to_string() == "/device:GPU:1"
    assert tf.DeviceSpec(device_type="cpu").to_string() == "/device:CPU:*"
    merged = tf.DeviceSpec(job="w")
    merged.merge_from(tf.DeviceSpec(device_type="GPU", device_index=0))
    assert str(merged) == "/job:w/device:GPU:0"
    assert merged.replace(job="ps").job == "ps" and merged.job == "w"
    with tf.device(tf.DeviceSpec(device_type="CPU", device_index=0)):
        assert tf.constant(1.0).op.device == "/device:CPU:0"
    with pytest.raises(ValueError, match="Unknown attribute"):
        tf.DeviceSpec.from_string("/whatever")


def test_enums_and_accepted_arguments():
    assert tf.AggregationMethod.DEFAULT == tf.AggregationMethod.ADD_N == 0
    assert tf.AggregationMethod.EXPERIMENTAL_TREE == 1
    v = tf.Variable(1.0, synchronization=tf.VariableSynchronization.ON_READ,
                    aggregation=tf.VariableAggregation.MEAN)
    assert run(v) == 1.0
    assert tf.VariableAggregation.SUM.value == 1 and tf.VariableSynchronization.AUTO.value == 0
    x = tf.constant(2.0)
    g, = tf.gradients(x * x, x, aggregation_method=tf.AggregationMethod.ADD_N)
    assert run(g) == 4.0


def test_logger_and_protos():
    assert tf.get_logger() is logging.getLogger("tensorflux")
    summary = tf.Summary(value=[tf.Summary.Value(tag="a", simple_value=1.0)])
    event = tf.Event(step=3, summary=summary)
    assert tf.Event.FromString(event.SerializeToString()).summary.value[0].tag == "a"
    assert tf.SummaryMetadata(display_name="x").display_name == "x"
    assert tf.HistogramProto(min=1.0).min == 1.0
    assert tf.LogMessage(message="m").message == "m"
    log = tf.SessionLog(status=tf.SessionLog.CHECKPOINT, checkpoint_path="p")
    assert log.status == 3 and log.checkpoint_path == "p"
    assert tf.SessionLog is tf.summary.SessionLog


def test_core_types_and_dtypes_by_name():
    assert tf.as_dtype("float16") == tf.float16 == tf.half
    assert tf.dtypes.as_dtype is tf.as_dtype and tf.dtypes.float32 is tf.float32
    assert tf.is_symbolic_tensor(tf.constant(1.0)) and not tf.is_symbolic_tensor(1.0)
    assert tf.no_gradient is tf.NotDifferentiable
    assert tf.as_dtype(np.float64) == tf.double == tf.float64
    for dtype, np_type in ((tf.int8, np.int8), (tf.uint16, np.uint16), (tf.uint32, np.uint32),
                           (tf.uint64, np.uint64), (tf.complex64, np.complex64),
                           (tf.complex128, np.complex128)):
        assert isinstance(dtype, tf.DType) and dtype.np_dtype == np.dtype(np_type)
    x = tf.constant(1.0)
    assert isinstance(x, tf.Tensor) and isinstance(x.op, tf.Operation)
    assert isinstance(tf.get_variable_scope(), tf.VariableScope)
    assert tf.Dimension(3) + 1 == 4
    tf.NoGradient("Const")                                   # accepted for a known op
    a = tf.Variable(1.0)
    m = tf.Variable(2.0, collections=[tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.MODEL_VARIABLES])
    assert tf.all_variables() == tf.global_variables() == [a, m]
    assert tf.model_variables() == [m]
    pair = tf.tuple([x, x * 2])
    with tf.Session() as sess:
        sess.run(tf.initialize_all_variables())
        assert list(sess.run(tf.assert_variables_initialized())) == []
        assert sess.run(pair) == [1.0, 2.0]
        sess.run(a, options=tf.RunOptions(), run_metadata=tf.RunMetadata())
    assert tf.initializers.global_variables is tf.global_variables_initializer


# --- tf.errors ---------------------------------------------------------------------------------
CODES = [(tf.errors.OK, None, 0), (tf.errors.CANCELLED, tf.errors.CancelledError, 1),
         (tf.errors.UNKNOWN, tf.errors.UnknownError, 2),
         (tf.errors.INVALID_ARGUMENT, tf.errors.InvalidArgumentError, 3),
         (tf.errors.DEADLINE_EXCEEDED, tf.errors.DeadlineExceededError, 4),
         (tf.errors.NOT_FOUND, tf.errors.NotFoundError, 5),
         (tf.errors.ALREADY_EXISTS, tf.errors.AlreadyExistsError, 6),
         (tf.errors.PERMISSION_DENIED, tf.errors.PermissionDeniedError, 7),
         (tf.errors.RESOURCE_EXHAUSTED, tf.errors.ResourceExhaustedError, 8),
         (tf.errors.FAILED_PRECONDITION, tf.errors.FailedPreconditionError, 9),
         (tf.errors.ABORTED, tf.errors.AbortedError, 10),
         (tf.errors.OUT_OF_RANGE, tf.errors.OutOfRangeError, 11),
         (tf.errors.UNIMPLEMENTED, tf.errors.UnimplementedError, 12),
         (tf.errors.INTERNAL, tf.errors.InternalError, 13),
         (tf.errors.UNAVAILABLE, tf.errors.UnavailableError, 14),
         (tf.errors.DATA_LOSS, tf.errors.DataLossError, 15),
         (tf.errors.UNAUTHENTICATED, tf.errors.UnauthenticatedError, 16)]


@pytest.mark.parametrize("constant, cls, code", CODES, ids=[str(c[2]) for c in CODES])
def test_error_codes_and_classes(constant, cls, code):
    """The canonical codes TF documents (tensorflow/core/protobuf/error_codes.proto)."""
    assert constant == code
    if cls is None:
        return
    assert issubclass(cls, tf.errors.OpError) and tf.OpError is tf.errors.OpError
    assert tf.errors.error_code_from_exception_type(cls) == code
    assert tf.errors.exception_type_from_error_code(code) is cls
    err = cls(None, None, "message")
    assert err.error_code == code and str(err) == "message" and err.op is None


def test_unknown_error_code_raises_key_error():
    with pytest.raises(KeyError):
        tf.errors.exception_type_from_error_code(99)


# --- tf.summary --------------------------------------------------------------------------------
def parse_summary(serialized):
    summary = tf.summary.Summary()
    summary.ParseFromString(serialized)
    return summary


def test_audio_summary_writes_16_bit_wav():
    clips = np.stack([np.sin(np.linspace(0, 20, 100)), np.linspace(-1.2, 1.2, 100)]).astype(np.float32)
    summary = parse_summary(run(tf.summary.audio("sound", clips, 8000, max_outputs=2), init=False))
    assert [v.tag for v in summary.value] == ["sound/audio/0", "sound/audio/1"]
    audio = summary.value[1].audio
    assert (audio.sample_rate, audio.num_channels, audio.length_frames) == (8000, 1, 100)
    assert audio.content_type == "audio/wav"
    with wave.open(io.BytesIO(audio.encoded_audio_string)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (8000, 2, 1)
        samples = np.frombuffer(wav.readframes(100), "<i2")
    np.testing.assert_array_equal(samples, np.clip(np.round(clips[1] * 32768), -32768, 32767))
    assert tf.summary.audio("a", clips, 8000) in tf.get_collection(tf.GraphKeys.SUMMARIES)


def test_tensor_summary_and_its_description():
    from tensorboard.util import tensor_util
    value = RNG.normal(size=(2, 3)).astype(np.float32)
    description = tf.summary.SummaryDescription(type_hint="matrix")
    op = tf.summary.tensor_summary("t", value, summary_description=description,
                                   display_name="shown")
    summary = parse_summary(run(op, init=False))
    np.testing.assert_array_equal(tensor_util.make_ndarray(summary.value[0].tensor), value)
    assert summary.value[0].tag == "t" and summary.value[0].metadata.display_name == "shown"
    assert tf.summary.get_summary_description(op.op).type_hint == "matrix"
    node = [n for n in tf.get_default_graph().as_graph_def().node if n.op == "TensorSummaryV2"][0]
    assert tf.summary.get_summary_description(node).type_hint == "matrix"
    with pytest.raises(ValueError, match="Can't get_summary_description"):
        tf.summary.get_summary_description(tf.constant(1.0).op)
    assert tf.summary.TaggedRunMetadata(tag="x").tag == "x"
    assert tf.summary.Event is tf.Event


def test_file_writer_cache_and_reading_events_back(tmp_path):
    writer = tf.summary.FileWriterCache.get(str(tmp_path))
    assert tf.summary.FileWriterCache.get(str(tmp_path)) is writer
    writer.add_summary(run(tf.summary.scalar("loss", 0.5), init=False), global_step=7)
    writer.add_session_log(tf.summary.SessionLog(status=tf.summary.SessionLog.START), 7)
    tf.summary.FileWriterCache.clear()
    assert tf.summary.FileWriterCache.get(str(tmp_path)) is not writer
    tf.summary.FileWriterCache.clear()
    files = sorted(os.listdir(tmp_path))
    events = [e for f in files for e in tf.train.summary_iterator(str(tmp_path / f))]
    assert events[0].file_version.startswith("brain.Event")
    scalar = [e for e in events if e.summary.value]
    assert scalar[0].step == 7 and scalar[0].summary.value[0].simple_value == 0.5
    assert any(e.session_log.status == tf.summary.SessionLog.START for e in events)


# --- tf.initializers ---------------------------------------------------------------------------
def sample(initializer, shape):
    v = tf.get_variable(f"v{len(tf.global_variables())}", shape, initializer=initializer)
    return run(v)


@pytest.mark.parametrize("fn, scale, uniform", [
    (tf.initializers.he_normal, 2.0, False), (tf.initializers.he_uniform, 2.0, True),
    (tf.initializers.lecun_normal, 1.0, False), (tf.initializers.lecun_uniform, 1.0, True)])
def test_variance_scaling_shortcuts(fn, scale, uniform):
    x = sample(fn(seed=1), [200, 300])
    np.testing.assert_allclose(x.std(), np.sqrt(scale / 200), rtol=0.03)
    limit = np.sqrt(3 * scale / 200)
    if uniform:
        assert np.abs(x).max() <= limit
    else:                                       # truncated at two standard deviations
        assert np.abs(x).max() <= 2 * np.sqrt(scale / 200) / 0.87962566103423978 + 1e-6


def test_identity_orthogonal_and_uniform_unit_scaling():
    np.testing.assert_array_equal(sample(tf.initializers.identity(gain=2.0), [2, 3]),
                                  2 * np.eye(2, 3))
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        sample(tf.initializers.identity(), [2, 2, 2])
    tall = sample(tf.initializers.orthogonal(gain=1.5, seed=3), [6, 4])
    np.testing.assert_allclose(tall.T @ tall, 2.25 * np.eye(4), atol=1e-5)
    wide = sample(tf.orthogonal_initializer(seed=3), [3, 5])
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-5)
    conv = sample(tf.initializers.orthogonal(seed=4), [2, 2, 3, 4]).reshape(12, 4)
    np.testing.assert_allclose(conv.T @ conv, np.eye(4), atol=1e-5)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        sample(tf.initializers.orthogonal(), [3])
    u = sample(tf.initializers.uniform_unit_scaling(factor=2.0, seed=5), [50, 40])
    limit = 2.0 * np.sqrt(3 / 50)
    assert np.abs(u).max() <= limit and np.abs(u).max() > 0.9 * limit
    u = sample(tf.uniform_unit_scaling_initializer(seed=5), [4, 5, 10])
    assert np.abs(u).max() <= np.sqrt(3 / 20)


def test_initializer_aliases_by_name():
    np.testing.assert_array_equal(sample(tf.initializers.zeros(), [2]), [0.0, 0.0])
    np.testing.assert_array_equal(sample(tf.initializers.ones(), [2]), [1.0, 1.0])
    np.testing.assert_array_equal(sample(tf.initializers.constant(3.0), [2]), [3.0, 3.0])
    for init in (tf.initializers.random_normal(seed=1), tf.initializers.random_uniform(seed=1),
                 tf.initializers.truncated_normal(seed=1), tf.initializers.glorot_normal(seed=1),
                 tf.initializers.glorot_uniform(seed=1),
                 tf.initializers.variance_scaling(seed=1)):
        assert sample(init, [3, 3]).std() > 0
    v = tf.Variable(1.0)
    assert tf.initializers.variables([v]).type == "NoOp"
    assert tf.initializers.local_variables().type == "NoOp"
    assert tf.initializers.tables_initializer is tf.tables_initializer


# --- tf.losses ---------------------------------------------------------------------------------
def weighted_mean(losses, weights):
    weights = np.broadcast_to(weights, losses.shape)
    return (losses * weights).sum() / max((weights != 0).sum(), 1)


def test_new_losses_match_numpy():
    y = RNG.normal(size=(4, 3)).astype(np.float32)
    p = RNG.normal(size=(4, 3)).astype(np.float32)
    w = np.array([[1.0], [0.0], [2.0], [0.5]], np.float32)
    err = np.abs(p - y)
    huber = np.where(err <= 0.7, 0.5 * err ** 2, 0.7 * (err - 0.35))
    bits = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float32)
    hinge = np.maximum(0, 1 - (2 * bits - 1) * p)
    unit_y = y / np.linalg.norm(y, axis=1, keepdims=True)
    unit_p = p / np.linalg.norm(p, axis=1, keepdims=True)
    got = run([tf.losses.absolute_difference(y, p, w), tf.losses.huber_loss(y, p, w, delta=0.7),
               tf.losses.hinge_loss(bits, p, w), tf.losses.cosine_distance(unit_y, unit_p, axis=1),
               tf.losses.absolute_difference(y, p, reduction=tf.losses.Reduction.SUM)], init=False)
    np.testing.assert_allclose(got[0], weighted_mean(err, w), rtol=1e-5)
    np.testing.assert_allclose(got[1], weighted_mean(huber, w), rtol=1e-5)
    np.testing.assert_allclose(got[2], weighted_mean(hinge, w), rtol=1e-5)
    np.testing.assert_allclose(got[3], np.mean(1 - np.sum(unit_y * unit_p, 1)), rtol=1e-5)
    np.testing.assert_allclose(got[4], err.sum(), rtol=1e-5)
    assert len(tf.losses.get_losses()) == 5
    with pytest.raises(ValueError, match="You must specify 'axis'"):
        tf.losses.cosine_distance(y, p)


def test_huber_gradient_is_continuous_at_delta():
    p = tf.constant([1.0, 3.0, 0.5])
    loss = tf.losses.huber_loss(tf.constant([0.0, 0.0, 0.0]), p, delta=1.0,
                                reduction=tf.losses.Reduction.SUM)
    np.testing.assert_allclose(run(tf.gradients(loss, p)[0], init=False), [1.0, 1.0, 0.5])


def test_mean_pairwise_squared_error_is_the_mean_over_pairs():
    y = RNG.normal(size=(3, 4)).astype(np.float32)
    p = RNG.normal(size=(3, 4)).astype(np.float32)
    weights = np.array([1.0, 2.0, 0.0], np.float32)
    got = run(tf.losses.mean_pairwise_squared_error(y, p, weights), init=False)
    d = p - y
    per_example = [np.mean([(d[b, i] - d[b, j]) ** 2 for i in range(4) for j in range(4) if i != j])
                   for b in range(3)]
    np.testing.assert_allclose(got, np.dot(per_example, weights), rtol=1e-5)
    assert tf.losses.get_losses()[-1].name.startswith("mean_pairwise_squared_error")


def test_weighted_loss_helpers():
    losses = tf.constant([1.0, 2.0, 3.0, 4.0])
    weights = tf.constant([1.0, 0.0, 1.0, 2.0])
    out = {r: tf.losses.compute_weighted_loss(losses, weights, reduction=r, loss_collection=None)
           for r in (tf.losses.Reduction.NONE, tf.losses.Reduction.SUM, tf.losses.Reduction.MEAN,
                     tf.losses.Reduction.SUM_OVER_BATCH_SIZE,
                     tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS)}
    got = run(out, init=False)
    assert list(got[tf.losses.Reduction.NONE]) == [1.0, 0.0, 3.0, 8.0]
    assert got[tf.losses.Reduction.SUM] == 12.0 and got[tf.losses.Reduction.MEAN] == 3.0
    assert got[tf.losses.Reduction.SUM_OVER_BATCH_SIZE] == 3.0
    assert got[tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS] == 4.0
    assert tf.losses.get_losses() == []
    tf.losses.add_loss(losses[0])
    assert len(tf.losses.get_losses()) == 1


# --- tf.layers classes ---------------------------------------------------------------------------
def test_dense_layer_object_shares_its_variables():
    layer = tf.layers.Dense(3, activation=tf.nn.relu, kernel_initializer=tf.ones_initializer(),
                            bias_initializer=tf.constant_initializer(-1.0))
    x = tf.placeholder(tf.float32, [None, 2])
    y1, y2 = layer(x), layer.apply(x * 2.0)
    assert [v.name for v in layer.weights] == ["dense/kernel:0", "dense/bias:0"]
    assert layer.kernel.shape.as_list() == [2, 3] and layer.bias.shape.as_list() == [3]
    assert layer.trainable_weights == layer.weights == layer.variables
    assert layer.non_trainable_weights == []
    a, b = run([y1, y2], {x: [[1.0, 2.0]]})
    np.testing.assert_allclose(a, [[2.0] * 3])
    np.testing.assert_allclose(b, [[5.0] * 3])
    assert layer.compute_output_shape([None, 2]).as_list() == [None, 3]
    assert tf.layers.Dense(1)(x).name.startswith("dense_1/")
    functional = tf.layers.dense(x, 1)
    assert functional.name.startswith("dense_2/")
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        tf.layers.Dense(2)(tf.zeros([3]))


def test_dropout_flatten_and_batch_normalization_layers():
    x = tf.placeholder(tf.float32, [None, 2, 3])
    flat = tf.layers.Flatten()
    assert flat(x).shape.as_list() == [None, 6]
    assert flat.compute_output_shape([None, 2, 3]).as_list() == [None, 6]
    drop = tf.layers.Dropout(rate=0.5, seed=1)
    values = np.ones((50, 2, 3), np.float32)
    kept = run(drop(x, training=True), {x: values}, init=False)
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0 < (kept == 0).mean() < 1
    np.testing.assert_array_equal(run(drop(x, training=False), {x: values}, init=False), values)
    bn = tf.layers.BatchNormalization(momentum=0.5)
    h = tf.placeholder(tf.float32, [None, 2])
    out = bn(h, training=True)
    assert [v.name for v in bn.weights] == ["batch_normalization/gamma:0",  # TF1's order
                                            "batch_normalization/beta:0",
                                            "batch_normalization/moving_mean:0",
                                            "batch_normalization/moving_variance:0"]
    assert bn.trainable_weights == [bn.gamma, bn.beta]
    assert bn.non_trainable_weights == [bn.moving_mean, bn.moving_variance]
    assert len(bn.updates) == 2
    data = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        normed, _ = sess.run([out, bn.updates], {h: data})
        np.testing.assert_allclose(normed, (data - data.mean(0)) / np.sqrt(data.var(0) + 1e-3),
                                   rtol=1e-5)
        np.testing.assert_allclose(sess.run(bn.moving_mean), 0.5 * data.mean(0), rtol=1e-6)
    again = bn(h, training=False)
    assert len(tf.global_variables()) == 4 and again.name.startswith("batch_normalization/")


def test_custom_layer_with_add_weight_and_input_spec():
    class Scale(tf.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = tf.layers.InputSpec(ndim=2, axes={-1: 3})

        def build(self, input_shape):
            self.w = self.add_weight("w", [int(input_shape[-1])], initializer=tf.ones_initializer(),
                                     regularizer=lambda w: tf.reduce_sum(w))
            self.steps = self.add_weight("steps", [], trainable=False,
                                         initializer=tf.zeros_initializer())
            super().build(input_shape)

        def call(self, inputs):
            return inputs * self.w

    layer = Scale(name="scaler")
    x = tf.constant([[1.0, 2.0, 3.0]])
    y = layer(x)
    layer(x)
    assert layer.name == "scaler" and layer.built
    assert [v.name for v in layer.trainable_weights] == ["scaler/w:0"]
    assert [v.name for v in layer.non_trainable_weights] == ["scaler/steps:0"]
    assert len(layer.losses) == 1
    np.testing.assert_allclose(run(y), [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        Scale()(tf.zeros([2, 4]))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        Scale()(tf.zeros([2, 2, 3]))
    spec = tf.layers.InputSpec(dtype=tf.float32, shape=(None, 3))
    assert spec.ndim == 2 and "shape=(None, 3)" in repr(spec)


def test_average_pooling_layer_matches_numpy():
    x = RNG.normal(size=(1, 4, 4, 2)).astype(np.float32)
    got = run(tf.layers.average_pooling2d(x, 2, 2), init=False)
    np.testing.assert_allclose(got, x.reshape(1, 2, 2, 2, 2, 2).mean(axis=(2, 4)), rtol=1e-6)


# --- tf.train ------------------------------------------------------------------------------------
def test_exponential_moving_average_of_variables_and_tensors():
    v = tf.Variable(10.0)
    t = tf.placeholder(tf.float32, [])
    ema = tf.train.ExponentialMovingAverage(0.9)
    update_v = ema.apply([v])
    debiased = tf.train.ExponentialMovingAverage(0.5, zero_debias=True)
    tensor_avg = tf.identity(t)
    update_t = debiased.apply([tensor_avg])
    assert ema.average(v).name == "Variable/ExponentialMovingAverage:0"
    assert ema.average_name(v) == "Variable/ExponentialMovingAverage"
    assert tf.moving_average_variables() == [v] and ema.average(t) is None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        shadow, biased, step = 10.0, 0.0, 0
        for value in (2.0, 4.0, -1.0):
            sess.run(v.assign(value))
            sess.run([update_v, update_t], {t: value})
            shadow = 0.9 * shadow + 0.1 * value
            biased, step = 0.5 * biased + 0.5 * value, step + 1
            np.testing.assert_allclose(sess.run(ema.average(v)), shadow, rtol=1e-6)
            np.testing.assert_allclose(sess.run(debiased.average(tensor_avg)),
                                       biased / (1 - 0.5 ** step), rtol=1e-6)
    with pytest.raises(ValueError, match="already computed"):
        ema.apply([v])
    with pytest.raises(TypeError, match="half, float, or double"):
        ema.apply([tf.Variable(1)])


def test_moving_average_num_updates_and_restoring_averages(tmp_path):
    step = tf.Variable(0, trainable=False)
    w = tf.Variable(1.0, name="w")
    ema = tf.train.ExponentialMovingAverage(0.999, num_updates=step)
    update = ema.apply()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign(3.0))
        sess.run(update)          # decay = min(0.999, 1/10) at step 0
        np.testing.assert_allclose(sess.run(ema.average(w)), 0.1 * 1.0 + 0.9 * 3.0, rtol=1e-6)
        path = tf.train.Saver().save(sess, str(tmp_path / "m.ckpt"))
    mapping = ema.variables_to_restore()
    assert mapping["w/ExponentialMovingAverage"] is w and mapping["Variable"] is step
    with tf.Session() as sess:
        tf.train.Saver(mapping).restore(sess, path)
        np.testing.assert_allclose(sess.run(w), 2.8, rtol=1e-6)


def optimize(optimizer, grads, start):
    var = tf.Variable(np.array(start, np.float32))
    g = tf.placeholder(tf.float32, var.shape)
    train = optimizer.apply_gradients([(g, var)])
    out = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for grad in grads:
            sess.run(train, {g: grad})
            out.append(sess.run(var))
    return out, var


def test_proximal_gradient_descent_matches_tf1_formula():
    grads = RNG.normal(size=(4, 5)).astype(np.float32)
    got, _ = optimize(tf.train.ProximalGradientDescentOptimizer(
        0.1, l1_regularization_strength=0.05, l2_regularization_strength=0.2), grads, np.ones(5) * 0.3)
    w = np.ones(5) * 0.3
    for grad, value in zip(grads, got):
        prox = w - 0.1 * grad
        w = np.sign(prox) * np.maximum(np.abs(prox) - 0.1 * 0.05, 0) / (1 + 0.1 * 0.2)
        np.testing.assert_allclose(value, w, rtol=1e-5, atol=1e-7)
    plain, _ = optimize(tf.train.ProximalGradientDescentOptimizer(0.1), grads[:1], np.ones(5))
    np.testing.assert_allclose(plain[0], 1 - 0.1 * grads[0], rtol=1e-6)


def test_proximal_adagrad_matches_tf1_formula():
    grads = RNG.normal(size=(3, 4)).astype(np.float32)
    opt = tf.train.ProximalAdagradOptimizer(0.5, initial_accumulator_value=0.2,
                                            l1_regularization_strength=0.01,
                                            l2_regularization_strength=0.1)
    got, var = optimize(opt, grads, np.zeros(4))
    assert opt.get_slot(var, "accumulator").name == "Variable/ProximalAdagrad:0"
    w, accum = np.zeros(4), np.full(4, 0.2)
    for grad, value in zip(grads, got):
        accum = accum + grad ** 2
        rate = 0.5 / np.sqrt(accum)
        prox = w - rate * grad
        w = np.sign(prox) * np.maximum(np.abs(prox) - rate * 0.01, 0) / (1 + rate * 0.1)
        np.testing.assert_allclose(value, w, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="must be positive"):
        tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_adagrad_da_matches_tf1_formula():
    step = tf.train.get_or_create_global_step()
    grads = RNG.normal(size=(3, 4)).astype(np.float32)
    opt = tf.train.AdagradDAOptimizer(0.3, step, initial_gradient_squared_accumulator_value=0.1,
                                      l1_regularization_strength=0.05,
                                      l2_regularization_strength=0.2)
    var = tf.Variable(np.zeros(4, np.float32))
    g = tf.placeholder(tf.float32, [4])
    train = opt.apply_gradients([(g, var)], global_step=step)
    assert [opt.get_slot(var, n).name for n in ("gradient_accumulator",
                                                "gradient_squared_accumulator")] == \
        ["Variable/AdagradDA:0", "Variable/AdagradDA_1:0"]
    acc, sq = np.zeros(4), np.full(4, 0.1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for t, grad in enumerate(grads):
            sess.run(train, {g: grad})
            acc, sq = acc + grad, sq + grad ** 2
            T = t + 1
            w = -0.3 * np.sign(acc) * np.maximum(np.abs(acc) - 0.05 * T, 0) / (0.2 * T * 0.3 + np.sqrt(sq))
            np.testing.assert_allclose(sess.run(var), w, rtol=1e-5, atol=1e-7)


def test_optimizer_base_class_is_subclassable():
    class Halve(tf.train.Optimizer):
        def __init__(self):
            super().__init__(False, "Halve")

        def _apply_dense(self, grad, var):
            return var.assign(var.value() * 0.5).op

    got, _ = optimize(Halve(), [np.zeros(2)], [4.0, 2.0])
    np.testing.assert_allclose(got[0], [2.0, 1.0])


def test_cosine_family_of_learning_rates():
    step = tf.placeholder(tf.int64, [])
    linear = tf.train.linear_cosine_decay(0.1, step, 100, num_periods=2, alpha=0.1, beta=0.01)
    restarts = tf.train.cosine_decay_restarts(1.0, step, 10, t_mul=2.0, m_mul=0.5, alpha=0.1)
    flat = tf.train.cosine_decay_restarts(1.0, step, 10, t_mul=1.0)
    quiet = tf.train.noisy_linear_cosine_decay(0.1, step, 100, initial_variance=0.0)
    noisy = tf.train.noisy_linear_cosine_decay(0.1, step, 100, initial_variance=1.0)
    assert tf.train.piecewise_constant_decay is tf.train.piecewise_constant

    def linear_ref(s):
        s = min(s, 100)
        return 0.1 * ((0.1 + (100 - s) / 100) * 0.5 * (1 + np.cos(np.pi * 2 * 2 * s / 100)) + 0.01)

    def restart_ref(s, t_mul, m_mul, alpha):
        start, length, i = 0, 10, 0
        while s >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
        frac = (s - start) / length
        return (1 - alpha) * 0.5 * m_mul ** i * (1 + np.cos(np.pi * frac)) + alpha

    with tf.Session() as sess:
        draws = set()
        for s in (0, 5, 9, 10, 25, 29, 31, 70, 150):
            got = sess.run([linear, restarts, flat, quiet, noisy], {step: s})
            np.testing.assert_allclose(got[0], linear_ref(s), rtol=1e-5)
            np.testing.assert_allclose(got[1], restart_ref(s, 2.0, 0.5, 0.1), rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(got[2], restart_ref(s, 1.0, 1.0, 0.0), rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(got[3], linear_ref_plain(s), rtol=1e-5)
            draws.add(float(got[4]))
        assert len(draws) > 1


def linear_ref_plain(s):
    s = min(s, 100)
    return 0.1 * (((100 - s) / 100) * 0.5 * (1 + np.cos(np.pi * 2 * 0.5 * s / 100)) + 0.001)


def test_checkpoint_helpers(tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        paths = [saver.save(sess, str(tmp_path / "model"), global_step=s) for s in (1, 2)]
    mtimes = tf.train.get_checkpoint_mtimes(paths + [str(tmp_path / "missing")])
    assert len(mtimes) == 2 and all(abs(m - os.path.getmtime(p)) < 1 for m, p in zip(mtimes, paths))
    reader = tf.train.load_checkpoint(str(tmp_path))
    np.testing.assert_array_equal(reader.get_tensor("v"), [1.0, 2.0])
    assert list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0)) == [paths[-1]]
    tf.train.remove_checkpoint(paths[0])
    assert not os.path.exists(paths[0]) and not os.path.exists(paths[0] + ".meta")
    assert os.path.exists(paths[1])
    state = tf.train.generate_checkpoint_state_proto("run", "run/model-3", ["run/model-2"])
    assert state.model_checkpoint_path == "model-3"
    assert state.all_model_checkpoint_paths == ["model-2", "model-3"]
    tf.train.update_checkpoint_state(str(tmp_path), paths[1], [paths[1]])
    assert tf.train.get_checkpoint_state(str(tmp_path)).model_checkpoint_path == paths[1]


def test_assert_global_step():
    tf.train.assert_global_step(tf.train.get_or_create_global_step())
    tf.train.assert_global_step(tf.constant(3))
    with pytest.raises(TypeError, match="does not have integer type"):
        tf.train.assert_global_step(tf.Variable(1.0))
    with pytest.raises(TypeError, match="is not scalar"):
        tf.train.assert_global_step(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="must be a Variable or Tensor"):
        tf.train.assert_global_step(3)


# --- tf.app and tf.flags -------------------------------------------------------------------------
def test_app_run_parses_flags_and_calls_main(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import tensorflux as tf\n"
        "flags = tf.app.flags\n"
        "flags.DEFINE_integer('epochs', 10, 'how many epochs', lower_bound=1)\n"
        "tf.flags.DEFINE_float('learning_rate', 0.1, 'step size')\n"
        "flags.DEFINE_boolean('shuffle', True, 'shuffle the data')\n"
        "flags.DEFINE_string('name', 'run', 'run name')\n"
        "flags.DEFINE_enum('mode', 'train', ['train', 'eval'], 'what to do')\n"
        "flags.DEFINE_list('layers', '300,100', 'hidden sizes')\n"
        "FLAGS = flags.FLAGS\n"
        "def main(argv):\n"
        "    print(FLAGS.epochs, FLAGS.learning_rate, FLAGS.shuffle, FLAGS.name, FLAGS.mode,\n"
        "          FLAGS.layers, argv[1:])\n"
        "    return 3\n"
        "if __name__ == '__main__':\n"
        "    tf.app.run()\n")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(script), "--epochs=5", "--learning_rate",
                             "0.01", "--noshuffle", "--mode=eval", "--layers=64,32", "extra"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    assert result.stdout.split("\n")[0] == "5 0.01 False run eval ['64', '32'] ['extra']"
    bad = subprocess.run([sys.executable, str(script), "--epochs=0"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode != 0 and "Illegal value for flag --epochs" in bad.stderr


def test_flags_defaults_and_errors():
    values = tf.flags.FlagValues()
    tf.flags.DEFINE_string("out", "/tmp/x", "where", flag_values=values)
    tf.flags.DEFINE_bool("verbose", False, "talk", flag_values=values)
    assert values.out == "/tmp/x" and not values.is_parsed()
    assert values(["prog", "--out", "/data", "--verbose"]) == ["prog"]
    assert values.out == "/data" and values.verbose is True
    assert values.flag_values_dict() == {"out": "/data", "verbose": True}
    with pytest.raises(tf.flags.Error, match="Unknown command line flag 'nope'"):
        values(["prog", "--nope=1"])
    with pytest.raises(tf.flags.Error, match="defined twice"):
        tf.flags.DEFINE_string("out", "", "again", flag_values=values)
    with pytest.raises(AttributeError, match="Unknown flag --missing"):
        values.missing
    assert tf.app.flags is tf.flags
