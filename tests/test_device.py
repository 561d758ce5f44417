"""The device (GPU) code path on the CPU: the strict CuPy stand-in of
``tensorflux.testing.strict_device`` runs the CuPy backend's kernels under CuPy's rules."""
import sys
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.core.registry import Backend, registry
from tensorflux.testing import strict_device
from tensorflux.testing.strict_device import NAME, DeviceArray, simulated_gpu


@pytest.fixture()
def gpu():
    with simulated_gpu():
        yield NAME


def test_the_stand_in_follows_cupys_rules():
    xp = strict_device.namespace()
    a = xp.asarray(np.arange(6.0).reshape(2, 3))
    assert type(a) is DeviceArray and type(a + 1) is DeviceArray
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError, match="NumPy array"):
        xp.add(a, np.ones(3))
    with pytest.raises(TypeError, match="NumPy array"):
        a * np.ones(3)
    with pytest.raises(TypeError, match="Unsupported type <class 'list'>"):
        xp.add([1.0, 2.0, 3.0], a)
    with pytest.raises(ValueError, match="numbers only"):
        xp.asarray(np.array(["a"], dtype=object))
    total = xp.sum(a)
    assert type(total) is DeviceArray and total.shape == () and float(total) == 15.0
    assert type(np.exp(a)) is DeviceArray  # NumPy functions dispatch to the device
    assert not hasattr(a.flags, "writeable") and a.flags.c_contiguous
    assert type(xp.asnumpy(a)) is np.ndarray and a.get().tolist() == [[0, 1, 2], [3, 4, 5]]


def _mlp(seed):
    X = tf.placeholder(tf.float32, shape=(None, 4), name="X")
    y = tf.placeholder(tf.int64, shape=(None,), name="y")
    hidden = tf.layers.dense(X, 8, activation=tf.nn.relu, name="hidden",
                             kernel_initializer=tf.random_normal_initializer(seed=seed))
    logits = tf.layers.dense(hidden, 3, name="logits",
                             kernel_initializer=tf.random_normal_initializer(seed=seed + 1))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    return X, y, loss, train


def _train(config):
    rng = np.random.default_rng(3)
    xs, ys = rng.normal(size=(32, 4)).astype(np.float32), rng.integers(0, 3, 32)
    with tf.Graph().as_default():
        X, y, loss, train = _mlp(seed=7)
        init = tf.global_variables_initializer()
        with tf.Session(config=config) as sess:
            sess.run(init)
            losses = [sess.run([train, loss], {X: xs, y: ys})[1] for _ in range(5)]
            kinds = {type(v) for v in sess._variables.values()}
            weights = sess.run(tf.trainable_variables())
            placed = {sess._backend_for(op) for op in tf.get_default_graph().get_operations()
                      if op.type.startswith("Apply")}
    return losses, weights, kinds, placed


def test_training_on_the_device_matches_the_cpu(gpu):
    losses, weights, kinds, placed = _train(None)
    cpu_losses, cpu_weights, cpu_kinds, cpu_placed = _train(tf.ConfigProto(device_count={"GPU": 0}))
    assert kinds == {DeviceArray} and placed == {NAME}, "variables and updates live on the GPU"
    assert cpu_kinds == {np.ndarray} and cpu_placed == {"numpy"}
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(losses, cpu_losses, rtol=1e-5)
    for w, cw in zip(weights, cpu_weights):
        assert type(w) is np.ndarray
        np.testing.assert_allclose(w, cw, rtol=1e-5, atol=1e-6)


def test_feeds_take_numpy_and_fetches_give_numpy(gpu):
    x = tf.placeholder(tf.float32, shape=(2, 2))
    y = tf.matmul(x, x)
    with tf.Session() as sess:
        out, total = sess.run([y, tf.reduce_sum(y)], {x: np.eye(2, dtype=np.float32)})
        assert sess._backend_for(y.op) == NAME
    assert type(out) is np.ndarray and out.tolist() == [[1, 0], [0, 1]]
    assert isinstance(total, np.float32) and total == 2.0


def test_small_host_values_cross_as_tf_host_memory_does(gpu):
    x = tf.placeholder(tf.float32, shape=(None, 3))
    shape = tf.shape(x)                                    # a host output
    zeros = tf.zeros(shape)                                # Fill reads its dims on the host
    paddings = tf.constant([[1, 1], [0, 2]]) * 1           # computed on the device ...
    padded = tf.pad(x, paddings)                           # ... and moved to the host for Pad
    with tf.Session() as sess:
        s, z, p = sess.run([shape, zeros, padded], {x: np.ones((2, 3), np.float32)})
        assert {sess._backend_for(t.op) for t in (shape, zeros, paddings, padded)} == {NAME}
    assert type(s) is np.ndarray and s.tolist() == [2, 3]
    assert z.shape == (2, 3) and p.shape == (4, 5) and p.sum() == 6


def test_updates_run_where_their_variable_lives(gpu):
    with tf.device("/cpu:0"):
        counter = tf.Variable(0.0, name="counter")
    w = tf.Variable([1.0, 2.0], name="w")
    bump = counter.assign_add(1.0)
    step = tf.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([bump, step])
        assert sess._backend_for(bump.op) == "numpy" and sess._backend_for(w.op) == NAME
        assert type(sess._variables["counter"]) is np.ndarray
        assert type(sess._variables["w"]) is DeviceArray
        assert sess.run(counter) == 1.0 and sess.run(w).tolist() == [0.0, 0.0]


def test_checkpoints_move_between_devices(gpu, tmp_path):
    v = tf.Variable(np.arange(4.0).reshape(2, 2), name="v")
    saver = tf.train.Saver()
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(v.assign(v * 3.0))
        saver.save(sess, path)
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as cpu:
        saver.restore(cpu, path)
        assert type(cpu._variables["v"]) is np.ndarray
        np.testing.assert_array_equal(cpu.run(v), np.arange(4.0).reshape(2, 2) * 3)
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert type(sess._variables["v"]) is DeviceArray
        np.testing.assert_array_equal(sess.run(v), np.arange(4.0).reshape(2, 2) * 3)


def test_seeded_random_ops_repeat_on_the_device(gpu):
    def draw():
        with tf.Graph().as_default():
            r = tf.random_normal((3, 4), seed=11)
            with tf.Session() as sess:
                return sess.run(r), sess._backend_for(r.op)
    (a, where_a), (b, _) = draw(), draw()
    assert where_a == NAME
    np.testing.assert_array_equal(a, b)


def test_gpu_options_reach_the_backend():
    seen = []
    registry.register_backend(Backend("recording", device_type="GPU", is_available=lambda: True,
                                      configure=seen.append), plugin="tests")
    try:
        config = tf.ConfigProto(gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.4))
        with tf.Session(config=config) as sess:
            sess.run(tf.constant(1.0) + 1.0)
        with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
            sess.run(tf.constant(1.0) + 1.0)
    finally:
        registry.unregister_backend("recording")
    assert seen == [config], "configured once, and not when GPUs are turned off"


def test_cupy_memory_fraction_caps_cupys_pool(monkeypatch):
    limits = []
    pool = types.SimpleNamespace(set_limit=lambda **kw: limits.append(kw))
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(get_default_memory_pool=lambda: pool))
    from tensorflux.backends.cupy_backend import _configure
    _configure(tf.ConfigProto(gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.25)))
    _configure(tf.ConfigProto(gpu_options=tf.GPUOptions(allow_growth=True)))
    assert limits == [{"fraction": 0.25}]


def test_device_functions_and_nested_scopes_place_ops(gpu):
    with tf.device(lambda op: "/gpu:0" if op.type == "MatMul" else "/cpu:0"):
        a = tf.constant([[1.0, 2.0]])
        product = tf.matmul(a, tf.transpose(a))
        shifted = product + 1.0
    with tf.device("/device:GPU:0"):
        with tf.device("/cpu:0"):
            on_cpu = shifted * 2.0
        on_gpu = shifted * 3.0
    with tf.Session() as sess:
        assert [x.tolist() for x in sess.run([on_cpu, on_gpu])] == [[[12.0]], [[18.0]]]
        where = {t.op.name: sess._backend_for(t.op) for t in (product, shifted, on_cpu, on_gpu)}
    assert where == {product.op.name: NAME, shifted.op.name: "numpy",
                     on_cpu.op.name: "numpy", on_gpu.op.name: NAME}


def test_the_stand_in_checks_keywords_against_cupys_signatures():
    from tensorflux.testing.strict_device import _check_keywords, _keywords

    def compiled(*args):
        """_ndarray_base.argsort(self, axis=-1, kind=None) -> _ndarray_base"""
    compiled.__signature__ = "none"   # like a Cython function: the docstring states it
    assert _keywords(compiled) == {"axis", "kind"}
    _check_keywords(compiled, {"axis": 0, "kind": "stable"}, "cupy.ndarray.argsort")
    with pytest.raises(TypeError, match=r"cupy.ndarray.argsort\(\) .* no keyword argument \['order'\]"):
        _check_keywords(compiled, {"order": "C"}, "cupy.ndarray.argsort")

    def takes_any(a, **kwargs):
        pass
    assert _keywords(takes_any) is None


@pytest.mark.skipif(strict_device._cupy() is None, reason="CuPy is not installed")
def test_cupy_docstring_signatures_are_read():
    import cupy
    assert {"axis", "keepdims"} <= strict_device._keywords(cupy.add.reduce)
    assert "copy" in strict_device._keywords(cupy.ndarray.astype)


def test_invalid_labels_give_nan_rows_on_the_device_as_in_tf(gpu):
    logits = tf.constant(np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3], [3.0, 1.0, 0.0]], np.float32))
    labels = tf.constant(np.array([1, 7, -1]))
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    grad, = tf.gradients(tf.reduce_sum(loss), [logits])
    with tf.Session() as sess:
        got_loss, got_grad = sess.run([loss, grad])
    p = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    np.testing.assert_allclose(got_loss[0], -np.log(p[1]), rtol=1e-5)
    np.testing.assert_allclose(got_grad[0], p - [0, 1, 0], rtol=1e-5, atol=1e-6)
    assert np.isnan(got_loss[1:]).all() and np.isnan(got_grad[1:]).all()


def test_a_singular_matrix_is_an_error_on_the_device_too(gpu):
    singular = tf.constant(np.array([[1.0, 2.0], [2.0, 4.0]]))
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        sess.run(tf.matrix_inverse(singular))


def test_every_op_with_a_numpy_kernel_has_a_cupy_kernel():
    registry.ensure_loaded()
    on = {b: {op for (op, backend) in registry._kernels if backend == b} for b in ("numpy", "cupy")}
    assert on["numpy"] == on["cupy"], sorted(on["numpy"] ^ on["cupy"])


def test_summaries_placed_on_the_gpu_run_on_the_host(gpu, tmp_path):
    with tf.device("/gpu:0"):
        x = tf.constant([1.0, 2.0, 3.0])
        merged = tf.summary.merge([tf.summary.scalar("average", tf.reduce_mean(x)),
                                   tf.summary.histogram("x", x)])
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=False)) as sess:
        data = sess.run(merged)
        assert sess._backend_for(merged.op) == NAME
    from tensorboard.compat.proto import summary_pb2
    summary = summary_pb2.Summary.FromString(data)
    assert [v.tag for v in summary.value] == ["average", "x"]
    assert summary.value[0].simple_value == 2.0


def test_string_ops_run_on_the_cpu_as_tfs_string_kernels_do(gpu):
    words = tf.placeholder(tf.string, shape=(None,))
    hits = tf.equal(tf.reshape(words, [-1, 1]), tf.constant("b"))
    count = tf.reduce_sum(tf.cast(hits, tf.int32))          # numbers: back on the GPU
    names = tf.Variable(["x", "y"], name="names")
    with tf.Session() as sess:
        sess.run(names.initializer)
        assert sess.run(count, {words: np.array([b"a", b"b", b"b"])}) == 2
        assert sess.run(names).tolist() == [b"x", b"y"]
        assert sess._backend_for(hits.op) == "numpy" and sess._backend_for(names.op) == "numpy"
        assert sess._backend_for(count.op) == NAME
    with tf.device("/gpu:0"):
        upper = tf.identity(tf.constant(["q"])) + tf.constant("!")
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=False)) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device"):
            sess.run(upper)

_UNARY = [tf.tanh, tf.square, tf.identity, lambda t: tf.reshape(t, tf.shape(t)),
          lambda t: tf.reduce_sum(t, axis=1, keepdims=True) + t]
_BINARY = [tf.add, tf.multiply, tf.subtract, lambda a, b: tf.matmul(a, b, transpose_b=True)[:, :3]]
_DEVICES = [None, "/cpu:0", "/gpu:0"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(st.booleans(), st.integers(0, 4), st.integers(0, 99),
                                st.integers(0, 99), st.sampled_from(_DEVICES)),
                      min_size=1, max_size=12),
       fetch=st.sets(st.integers(0, 99), min_size=1, max_size=4),
       fed=st.none() | st.integers(0, 99), update=st.none() | st.integers(0, 99))
def test_random_placements_compute_what_the_cpu_computes(steps, fetch, fed, update):
    """Whatever mix of devices the ops of a graph get, the values equal a CPU-only run:
    the executor's transfers, host-memory inputs, aliases, feeds of intermediate tensors
    and a colocated variable update are checked together."""
    with simulated_gpu(), tf.Graph().as_default():
        x = tf.placeholder(tf.float32, shape=(3, 3))
        var = tf.Variable(np.ones((3, 3), np.float32))
        nodes = [x, tf.constant(np.eye(3, dtype=np.float32)), var]
        for binary, which, a, b, device in steps:
            with tf.device(device):
                if binary:
                    nodes.append(_BINARY[which % len(_BINARY)](nodes[a % len(nodes)], nodes[b % len(nodes)]))
                else:
                    nodes.append(_UNARY[which](nodes[a % len(nodes)]))
        fetches = [nodes[i % len(nodes)] for i in sorted(fetch)]
        if update is not None:
            fetches.append(var.assign_add(nodes[update % len(nodes)]))
        value = np.arange(9, dtype=np.float32).reshape(3, 3) / 10
        feeds = {x: value}
        if fed is not None and nodes[fed % len(nodes)] is not x:
            feeds[nodes[fed % len(nodes)]] = value[::-1].copy()
        results = []
        for config in (None, tf.ConfigProto(device_count={"GPU": 0})):
            with tf.Session(config=config) as sess:
                sess.run(tf.global_variables_initializer())
                results.append(sess.run(fetches, feeds) + [sess.run(var)])
        for on_mix, on_cpu in zip(*results):
            assert type(on_mix) is type(on_cpu)
            np.testing.assert_array_equal(on_mix, on_cpu)


def test_optimizer_updates_and_relu_grad_are_fused_on_the_device(gpu, monkeypatch):
    w = tf.Variable(np.ones((4, 3), np.float32))
    g = tf.placeholder(tf.float32, shape=(4, 3))
    updates = {name: make().apply_gradients([(g, w)]) for name, make in {
        "sgd": lambda: tf.train.GradientDescentOptimizer(0.1),
        "adam": lambda: tf.train.AdamOptimizer(0.1),
        "momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)}.items()}
    y = tf.placeholder(tf.float32, shape=(4, 3))
    relu_grad, = tf.gradients(tf.nn.relu(y), [y], grad_ys=g)
    grad = np.full((4, 3), 0.5, np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for name in ("sgd", "momentum"):
            sess.run(updates[name], {g: grad})            # builds the plan
            before = strict_device.operation_count()
            sess.run(updates[name], {g: grad})
            assert strict_device.operation_count() - before == 1, name  # one fused launch
        before_adam = sess.run(w)
        sess.run(updates["adam"], {g: grad})             # fused too, beside its beta updates
        assert (sess.run(w) < before_adam).all()
        sess.run(relu_grad, {y: grad, g: grad})
        before = strict_device.operation_count()
        sess.run(relu_grad, {y: grad, g: grad})
        # Relu, then the fused ReluGrad (one launch for both when the optimizer fuses)
        launches = 1 if "fusion" in sess._graph_passes else 2
        assert strict_device.operation_count() - before == launches
    from tensorflux.backends.kernel_table import fuser
    assert fuser(strict_device.namespace()) is not None and fuser(np) is None
    monkeypatch.setenv("TENSORFLUX_FUSE", "0")
    assert fuser(strict_device.namespace()) is None
