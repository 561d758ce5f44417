"""Device placement and cross-device transfers, with a fake GPU backend whose kernels
insist that their inputs already live on the "device" (a marked ndarray subclass)."""
import contextlib

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.core.registry import Backend, registry

FAKE = "fakegpu"


class DeviceArray(np.ndarray):
    """An array that lives on the fake GPU."""


def on_device(x):
    return np.array(x).view(DeviceArray)


def to_host(x):
    assert type(x) is DeviceArray, f"to_host got {type(x).__name__}"
    return np.array(x.view(np.ndarray), copy=True)


def require(x):
    assert type(x) is DeviceArray, f"a fake-GPU kernel received a {type(x).__name__}: no transfer"
    return x.view(np.ndarray)


def kernel(f):
    def run(*args, transpose_a=False, transpose_b=False):
        assert not (transpose_a or transpose_b)
        return on_device(f(*[require(a) for a in args]))
    return run


FAKE_KERNELS = {"Add": np.add, "Mul": np.multiply, "Sub": np.subtract, "MatMul": np.matmul,
                "Square": np.square}


@contextlib.contextmanager
def hide_accelerators(keep=()):
    """Make every non-CPU backend but ``keep`` unavailable (a real or simulated GPU
    would otherwise take the ops these tests place)."""
    registry.ensure_loaded()
    saved = dict(registry._available)
    for b in registry.backends.values():
        if b.device_type != "CPU" and b.name not in keep:
            registry._available[b.name] = False
    try:
        yield
    finally:
        registry._available.clear()
        registry._available.update(saved)


@pytest.fixture()
def no_accelerators():
    with hide_accelerators():
        yield


@pytest.fixture()
def fake_gpu():
    registry.ensure_loaded()
    registry.register_backend(Backend(FAKE, device_type="GPU", is_available=lambda: True,
                                      to_host=to_host, from_host=on_device, priority=1000),
                              plugin="tests")
    for op_type, f in FAKE_KERNELS.items():
        registry.register_kernel(op_type, FAKE, fn=kernel(f), plugin="tests")
    with hide_accelerators(keep=(FAKE,)):
        yield
    del registry._backends[FAKE]
    registry._available.pop(FAKE, None)
    for op_type in FAKE_KERNELS:
        del registry._kernels[(op_type, FAKE)]


def test_explicit_gpu_placement_transfers_inputs_and_returns_numpy(fake_gpu):
    x = tf.placeholder(tf.float32, shape=(2,))
    with tf.device("/gpu:0"):
        y = x * 3.0 + 1.0
    with tf.device("/cpu:0"):
        z = tf.square(y)
    with tf.Session() as sess:
        out_y, out_z = sess.run([y, z], {x: np.array([1.0, 2.0], np.float32)})
        assert sess._backend_for(y.op) == FAKE and sess._backend_for(z.op) == "numpy"
    assert type(out_y) is np.ndarray and out_y.tolist() == [4.0, 7.0]
    assert out_z.tolist() == [16.0, 49.0]


def test_default_placement_prefers_the_accelerator_with_soft_fallback(fake_gpu):
    a = tf.constant([[1.0, 2.0]])
    b = tf.constant([[3.0], [4.0]])
    prod = tf.matmul(a, b)                     # fake GPU has MatMul
    total = tf.reduce_sum(prod * prod)         # Mul on GPU, Sum falls back to the CPU
    with tf.Session() as sess:
        assert sess.run(total) == 121.0
        assert sess._backend_for(prod.op) == FAKE
        assert sess._backend_for(total.op) == "numpy"
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
        assert sess.run(total) == 121.0 and sess._backend_for(prod.op) == "numpy"


def test_hard_placement_without_a_kernel_is_an_error(fake_gpu):
    with tf.device("/gpu:0"):
        s = tf.reduce_sum(tf.constant([1.0, 2.0]))
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=False)) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device"):
            sess.run(s)
    with tf.Session() as sess:
        assert sess.run(s) == 3.0


def test_log_device_placement(fake_gpu, capsys):
    with tf.device("/gpu:0"):
        y = tf.add(tf.constant(1.0), tf.constant(2.0), name="sum_on_gpu")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(y)
    assert "sum_on_gpu: (Add): /device:GPU:0 [fakegpu]" in capsys.readouterr().out


def test_without_accelerators_gpu_requests_run_on_the_cpu(no_accelerators):
    with tf.device("/device:GPU:0"):
        y = tf.constant(2.0) * 4.0
    with tf.Session() as sess:
        assert sess.run(y) == 8.0 and sess._backend_for(y.op) == "numpy"


def test_cupy_backend_is_listed_and_unavailable_without_a_gpu():
    from tensorflux.__main__ import collect_info
    info = collect_info()
    cupy = [b for b in info["backends"] if b["name"] == "cupy"]
    assert cupy and cupy[0]["device_type"] == "GPU"
    assert info["kernels"]["cupy"] >= 100
    try:
        import cupy as cp  # noqa: F401
        has_gpu = cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        has_gpu = False
    assert cupy[0]["available"] == has_gpu


def test_a_variable_goes_where_all_its_updates_have_kernels(fake_gpu):
    def assign(op, ctx):
        name = ctx.var_name(op)

        def run(value):
            ctx.variables[name] = stored = on_device(require(value))
            return stored
        return run

    registry.register_kernel("Assign", FAKE, builder=assign, plugin="tests")
    try:
        w = tf.Variable([1.0, 2.0], name="w")          # the fake GPU can assign ...
        v = tf.Variable([1.0, 2.0], name="v")
        step = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(v * v))  # ... but not Adam
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)
            assert sess._backend_for(w.op) == FAKE and sess._backend_for(v.op) == "numpy"
            assert type(sess._variables["w"]) is DeviceArray
            assert sess.run(w).tolist() == [1.0, 2.0]
            assert sess.run(v) == pytest.approx([0.9, 1.9])
    finally:
        del registry._kernels[("Assign", FAKE)]


@contextlib.contextmanager
def toy_backend(priority, opt_in=False):
    """A backend of device type TOY with kernels for Add and Mul."""
    registry.ensure_loaded()
    registry.register_backend(Backend("toy", device_type="TOY", to_host=to_host,
                                      from_host=on_device, priority=priority, opt_in=opt_in),
                              plugin="tests")
    for op_type in ("Add", "Mul"):
        registry.register_kernel(op_type, "toy", fn=kernel(FAKE_KERNELS[op_type]), plugin="tests")
    try:
        with hide_accelerators(keep=("toy",)):
            yield
    finally:
        registry.unregister_backend("toy")


def placements(*ops):
    with tf.Session() as sess:
        return [sess._backend_for(op) for op in ops]


@pytest.mark.parametrize("priority, opt_in, unplaced", [
    (-5, False, "numpy"),   # below the CPU backend: unplaced ops stay on the CPU
    (0, False, "numpy"),    # a tie goes to the CPU backend
    (5, False, "toy"),      # above it: unplaced ops with a kernel move to it
    (1000, True, "numpy"),  # opt-in: never, whatever its priority
])
def test_placement_honours_priority_and_opt_in(priority, opt_in, unplaced):
    with toy_backend(priority, opt_in):
        a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
        free = a + b
        with tf.device("/device:TOY:0"):
            placed = a * b
        no_kernel = tf.square(a)
        assert placements(free.op, placed.op, no_kernel.op) == [unplaced, "toy", "numpy"]
        with tf.Session() as sess:
            assert sess.run([free, placed]) == [pytest.approx([4.0, 6.0]), pytest.approx([3.0, 8.0])]


def test_an_op_only_a_low_priority_backend_has_a_kernel_for_runs_there():
    from tensorflux.core.registry import OpDef
    registry.register_op(OpDef("test>ToyOnly", inputs=("x",)), plugin="tests")
    try:
        with toy_backend(-5):
            registry.register_kernel("test>ToyOnly", "toy", fn=kernel(np.negative), plugin="tests")
            y = tf.get_default_graph().create_op("test>ToyOnly", [tf.constant([1.0, -2.0])]).outputs[0]
            assert placements(y.op) == ["toy"]
            with tf.Session() as sess:
                assert sess.run(y).tolist() == [-1.0, 2.0]
    finally:
        del registry._ops["test>ToyOnly"], registry._op_owner["test>ToyOnly"]
