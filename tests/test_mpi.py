"""tensorflux.contrib.mpi: Horovod's API over MPI, and TF1's cluster names.

The multi-rank tests launch ``mpiexec -n 2`` and ``-n 3`` (mpiexec comes with the mpich
wheel of the test extra, next to this Python) on the scripts in tests/mpi/, with
timeouts; the scripts check their own results against NumPy where one rank can compute
the reference, and leave what needs every rank (or a one-process reference) in files
checked here.
"""
import gc
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import tensorflux as tf
import tensorflux.contrib.mpi as hvd
from tensorflux.contrib.mpi import runtime
from tensorflux.core import threads
from tensorflux.core.executor import compile_plan

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "mpi")
sys.path.insert(0, SCRIPTS)
import mlp  # noqa: E402

MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
ALL_VARIABLES = ["global_step", "hidden1/bias", "hidden1/kernel", "hidden2/bias", "hidden2/kernel",
                 "outputs/bias", "outputs/kernel"]


def mpirun(n, script, *args, timeout=180, check=True, env=None):
    """Run ``script`` under ``mpiexec -n n``; returns (CompletedProcess, seconds)."""
    assert MPIEXEC, "mpiexec not found: pip install -e '.[test]' installs the mpich wheel"
    start = time.monotonic()
    result = subprocess.run([MPIEXEC, "-n", str(n), sys.executable, os.path.join(SCRIPTS, script),
                             *map(str, args)], capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    elapsed = time.monotonic() - start
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return result, elapsed


@pytest.fixture
def one_rank():
    hvd.init()
    yield
    hvd.shutdown()


# --- one process -----------------------------------------------------------------------------
def test_import_tensorflux_and_the_module_leave_mpi4py_alone():
    code = ("import sys, tensorflux, tensorflux.contrib.mpi as hvd\n"
            "print('mpi4py' in sys.modules)\n"
            "hvd.init()\n"
            "print('mpi4py' in sys.modules, hvd.size(), hvd.rank(), hvd.local_size(), hvd.local_rank())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "True 1 0 1 0"], out.stdout + out.stderr


def test_without_the_extra_using_the_module_names_the_extra():
    code = ("import sys\n"
            "sys.modules['mpi4py'] = None  # as if mpi4py were not installed\n"
            "import tensorflux as tf, tensorflux.contrib.mpi as hvd\n"
            "for use in (hvd.init, hvd.size, lambda: hvd.allreduce(tf.constant(1.0))):\n"
            "    try:\n"
            "        use()\n"
            "    except ImportError as exc:\n"
            "        print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().split("\n")
    assert len(lines) == 3, out.stdout + out.stderr
    assert all("pip install 'tensorflux[mpi]'" in line and "mpi4py" in line for line in lines)


def test_use_before_init_says_to_call_init():
    hvd.shutdown()
    for use in (hvd.size, hvd.rank, hvd.local_rank, lambda: hvd.allreduce(tf.constant(1.0)),
                lambda: hvd.DistributedOptimizer(tf.train.AdamOptimizer()).compute_gradients(
                    tf.Variable(1.0) * 2.0)):
        with pytest.raises(ValueError, match=r"hvd.init\(\)"):
            use()


def test_one_rank_collectives_are_identities_and_gradients_flow(one_rank):
    assert (hvd.size(), hvd.rank(), hvd.local_size(), hvd.local_rank()) == (1, 0, 1, 0)
    assert hvd.mpi_threads_supported() in (True, False)
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    y = [hvd.allreduce(x), hvd.allreduce(x, average=False), hvd.allgather(x), hvd.broadcast(x, 0)]
    grads = tf.gradients(tf.add_n([tf.reduce_sum(t * t) for t in y]), x)[0]
    with tf.Session() as sess:
        values = sess.run(y + [grads])
    for v in values[:4]:
        np.testing.assert_array_equal(v, np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(values[4], 8 * np.arange(6.0).reshape(2, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="root_rank 3 is not a rank"):
        with tf.Session() as sess:
            sess.run(hvd.broadcast(x, 3))


def test_bad_collectives_fail_where_they_are_built(one_rank):
    with pytest.raises(TypeError, match="allreduce cannot move bool tensors"):
        hvd.allreduce(tf.constant([True]))
    with pytest.raises(TypeError, match="average=True.*int64.*would not be exact"):
        hvd.allreduce(tf.constant([1], tf.int64))
    with pytest.raises(TypeError, match="cannot move string"):
        hvd.broadcast(tf.constant("a"), 0)
    with pytest.raises(ValueError, match="is a scalar"):
        hvd.allgather(tf.constant(1.0))
    with pytest.raises(ValueError, match="unknown compression 'zip'"):
        hvd.DistributedOptimizer(tf.train.AdamOptimizer(), compression="zip")
    with pytest.raises(TypeError, match="wraps a tensorflux optimizer"):
        hvd.DistributedOptimizer("adam")


class _SparseGradient:
    """Stands in for the IndexedSlices of an embedding lookup's gradient."""


class _SparseOptimizer(tf.train.GradientDescentOptimizer):
    def compute_gradients(self, loss, var_list=None, **kwargs):
        return [(_SparseGradient(), v) for v in var_list]


def test_other_gradient_types_are_a_clear_error_naming_the_variable(one_rank):
    table = tf.Variable(np.zeros((4, 2), np.float32), name="embeddings")
    opt = hvd.DistributedOptimizer(_SparseOptimizer(0.1))
    with pytest.raises(TypeError, match="gradient of embeddings:0 is a _SparseGradient"):
        opt.compute_gradients(tf.reduce_sum(table), var_list=[table])


def test_sparse_gradients_stay_sparse_or_become_dense_as_asked(one_rank):
    table = tf.Variable(np.zeros((4, 2), np.float32), name="embeddings")
    loss = tf.reduce_sum(tf.nn.embedding_lookup(table, [1, 3]))
    (g, _), = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1)).compute_gradients(loss)
    (d, _), = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1),
                                       sparse_as_dense=True).compute_gradients(loss)
    assert isinstance(g, tf.IndexedSlices) and isinstance(d, tf.Tensor)


def test_distributed_optimizer_with_one_rank_is_the_wrapped_optimizer(one_rank):
    w = tf.Variable([1.0, 2.0], name="w")
    inner = tf.train.MomentumOptimizer(0.1, 0.9)
    opt = hvd.DistributedOptimizer(inner)
    assert opt.get_name() == "DistributedMomentumOptimizer"
    train_op = opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot(w, "momentum") is inner.get_slot(w, "momentum") is not None
    assert opt.get_slot_names() == ["momentum"] and opt.variables() == inner.variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        sess.run(train_op)
        # momentum by hand: accum = 0.9 accum + 2w; w -= 0.1 accum
        w0, acc = np.array([1.0, 2.0]), np.zeros(2)
        for _ in range(2):
            acc = 0.9 * acc + 2 * w0
            w0 = w0 - 0.1 * acc
        np.testing.assert_allclose(sess.run(w), w0, rtol=1e-6)


def test_fusion_threshold_comes_from_the_horovod_variable(monkeypatch):
    monkeypatch.delenv("HOROVOD_FUSION_THRESHOLD", raising=False)
    assert runtime.fusion_threshold_from_env() == 64 * 1024 * 1024
    monkeypatch.setenv("HOROVOD_FUSION_THRESHOLD", "0")
    assert runtime.fusion_threshold_from_env() == 0
    monkeypatch.setenv("HOROVOD_FUSION_THRESHOLD", "lots")
    with pytest.raises(ValueError, match="HOROVOD_FUSION_THRESHOLD must be a number of bytes"):
        runtime.fusion_threshold_from_env()


def test_pieces_are_as_few_as_the_threshold_allows():
    bounds = [(0, 10), (10, 10), (10, 13)]  # float32 arrays of 10, 0 and 3 elements
    assert runtime._pieces(bounds, 4, 0) == [(0, 10), (10, 13)]  # no fusion: one per array
    assert runtime._pieces(bounds, 4, 64 * 2 ** 20) == [(0, 13)]
    assert runtime._pieces(bounds, 4, 20) == [(0, 5), (5, 10), (10, 13)]  # ceil(52 / 20)
    assert runtime._pieces(bounds, 4, 1) == [(i, i + 1) for i in range(13)]  # at least one value


def test_plans_run_ops_in_the_same_order_in_every_process():
    """Ranks must start the same collectives in the same order: the plan's order may
    depend only on the graph, not on where its ops happen to live in memory."""
    def order(seed):
        with tf.Graph().as_default() as junk_graph:  # fragment the heap
            junk = [tf.constant(1.0) for _ in range(400)]
        random.Random(seed).shuffle(junk)
        del junk[:200], junk_graph
        gc.collect()
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, (3,))
            h = tf.square(x)
            outs = [tf.negative(h, name=f"out{i}") for i in range(30)]
            with tf.Session() as sess:
                plan = compile_plan(sess, outs[::-1], [x])
        return [op.name for op in plan.line_ops.values()], junk

    assert len({tuple(order(seed)[0]) for seed in range(8)}) == 1


def test_get_or_create_global_step_returns_the_existing_step():
    step = tf.train.get_or_create_global_step()
    assert tf.train.get_or_create_global_step() is step


# --- TF1's cluster runtime points to the MPI path ---------------------------------------------
@pytest.mark.parametrize("use", [
    lambda: tf.train.ClusterSpec({"ps": ["ps0:2222"], "worker": ["w0:2222"]}),
    lambda: tf.train.Server({"worker": ["localhost:2222"]}, job_name="worker", task_index=0),
    lambda: tf.train.replica_device_setter(ps_tasks=1),
], ids=["ClusterSpec", "Server", "replica_device_setter"])
def test_cluster_names_raise_pointing_to_mpi(use):
    with pytest.raises(AttributeError, match=r"(?s)not supported.*tensorflux.contrib.mpi.*docs/distributed.md"):
        use()


def test_a_grpc_session_target_points_to_mpi():
    with pytest.raises(tf.errors.UnimplementedError, match=r"(?s)tensorflux.contrib.mpi.*docs/distributed.md"):
        tf.Session("grpc://localhost:2222")


def test_ps_devices_raise_when_a_session_places_them():
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(1.0, name="w")
    with tf.device("/job:localhost/replica:0/task:0/device:CPU:0"):
        local = tf.constant(2.0) * 3.0
    with tf.Session() as sess:
        assert sess.run(local) == 6.0  # the in-process job is fine
        with pytest.raises(tf.errors.UnimplementedError, match=r"'w'.*/job:ps.*tensorflux.contrib.mpi"):
            sess.run(w.initializer)


# --- several ranks ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def one_process():
    """The variables after 100 steps of 60 images in one process, per optimizer (with one
    BLAS thread: two OpenBLAS threads on a loaded 2-core machine are 10x slower)."""
    with threads.limited(1):
        return {name: mlp.train(name, steps=100, global_batch=60) for name in mlp.OPTIMIZERS}


@pytest.mark.parametrize("n", [2, 3])
def test_n_ranks_train_the_same_parameters_as_one_process(n, tmp_path, one_process):
    """SGD, Momentum and Adam on the seed's network, 100 steps of 60 images: every rank
    starts from other random weights (the hook broadcasts rank 0's), trains on its rows
    of each global batch, and ends within 1e-5 of one process on the whole batch."""
    mpirun(n, "train_mlp.py", tmp_path)
    for name, reference in one_process.items():
        ranks = [np.load(tmp_path / f"{name}-rank{r}.npz") for r in range(n)]
        assert sorted(ranks[0].files) == sorted(reference)
        assert reference["global_step"] == 100
        for key, expected in reference.items():
            np.testing.assert_allclose(ranks[0][key], expected, rtol=0, atol=1e-5, err_msg=f"{name} {key}")
            for other in ranks[1:]:  # the replicas are identical, bit for bit
                np.testing.assert_array_equal(other[key], ranks[0][key], err_msg=f"{name} {key}")


@pytest.mark.parametrize("n", [2, 3])
def test_collectives_dtypes_gradients_mismatches_threads_and_estimator_hook(n, tmp_path):
    mpirun(n, "collectives.py", tmp_path)  # the script asserts values against NumPy
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(n)]
    others = lambda: ", ".join(str(r) for r in range(n) if r != 1)  # noqa: E731
    one_or_more = "rank" if n == 2 else "ranks"
    for r, rep in enumerate(reports):
        assert (rep["size"], rep["rank"], rep["local_size"], rep["local_rank"]) == (n, r, n, r)
        assert rep["sparse_ok"]  # embedding gradients allgathered: the script checks values
        # each rank's BLAS pool holds its share of the cores, and a ConfigProto overrides it
        assert rep["blas_threads_after_init"] == [max(1, rep["cores"] // n)]
        assert rep["blas_threads_with_config"] == [2]
        m = rep["mismatch"]
        assert f"tensor 'grad_a:0' has dtype float32 shape [2] on {one_or_more} {others()} but dtype float32 shape [3] on rank 1" in m["shape"]
        assert f"tensor 'grad_b:0' has dtype float32 shape [2] on {one_or_more} {others()} but dtype float64 shape [2] on rank 1" in m["dtype"]
        assert "tensor 'rows:0' has dtype float32 shape [?, 3]" in m["gather"] and "shape [?, 4] on rank 1" in m["gather"]
        assert f"tensor 'only_on_rank1' is on rank 1 but not on {one_or_more} {others()}" in m["variables"]
        assert m["variables"].startswith("MPIBroadcast 'broadcast_global_variables/MPIBroadcast'")
        assert "ranks ran different collectives" in m["collective"] and "MPIBroadcast 'odd_one'" in m["collective"]
        assert all("created at" in msg and "collectives.py" in msg for msg in m.values())
    weights = [rep["estimator_w"] for rep in reports]
    assert all(w == weights[0] for w in weights)  # different seeds, broadcast by the hook
    assert all(rep["mts_v"] == reports[0]["mts_v"] for rep in reports)  # MonitoredTrainingSession too
    np.testing.assert_allclose(weights[0], [1.0, -2.0, 0.5], atol=0.15)  # and it learned
    assert os.path.isdir(tmp_path / "model") and tf.train.latest_checkpoint(str(tmp_path / "model"))


def _checkpoint_step(directory):
    reader = tf.train.NewCheckpointReader(tf.train.latest_checkpoint(str(directory)))
    return int(reader.get_tensor("global_step"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("uninterrupted")
    mpirun(2, "faults.py", directory)
    return np.load(directory / "final.npz")


@pytest.mark.parametrize("fault", ["raise", "kill"])
def test_a_failing_rank_ends_the_job_and_a_restart_resumes(fault, tmp_path, uninterrupted):
    result, elapsed = mpirun(2, "faults.py", tmp_path, "--fail", fault, "--at-step", 12, check=False)
    assert result.returncode != 0 and elapsed < 60, result.stdout + result.stderr
    if fault == "raise":
        assert "RuntimeError: injected fault on rank 1 at step 12" in result.stderr
        assert "uncaught RuntimeError on rank 1; aborting all 2 ranks" in result.stderr
    assert _checkpoint_step(tmp_path) == 10  # rank 0's last checkpoint, intact
    result, _ = mpirun(2, "faults.py", tmp_path)
    assert "starting at step 10" in result.stdout and "finished at step 20" in result.stdout
    resumed = np.load(tmp_path / "final.npz")
    for key in uninterrupted.files:
        np.testing.assert_allclose(resumed[key], uninterrupted[key], rtol=0, atol=1e-6, err_msg=key)


def test_a_hanging_rank_makes_the_others_fail_within_the_timeout(tmp_path):
    result, elapsed = mpirun(2, "faults.py", tmp_path, "--fail", "hang", "--at-step", 3,
                             "--timeout", 3, "--catch", check=False)
    assert result.returncode != 0 and 3 <= elapsed < 60, result.stdout + result.stderr
    assert ("caught DeadlineExceededError: MPIAllreduce 'DistributedMomentumOptimizer_Allreduce/MPIAllreduce'"
            " (metadata) did not complete within 3 s on rank 0 of 2") in result.stdout
    assert "then AbortedError" in result.stdout and "Restart it from the last checkpoint" in result.stdout


def test_tensor_fusion_packs_a_step_into_as_few_calls_as_the_threshold_allows(tmp_path):
    result, _ = mpirun(2, "calls_per_step.py")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    calls, payload = report["calls"], report["bytes"]
    n_bytes = 4 * sum(i * o + o for i, o in zip([784, 300, 100], [300, 100, 10]))
    assert payload["fused"] == payload["unfused"] == n_bytes and payload["fp16"] == n_bytes // 2
    assert calls["fused"] == calls["fp16"] == 1 + 1  # metadata, then one buffer
    assert calls["unfused"] == 1 + 6  # metadata, then one call per gradient
    assert calls["threshold_100000"] == 1 + math.ceil(n_bytes / 100000)


def test_distributed_mnist_example_rank_0_writes(tmp_path):
    start = time.monotonic()
    result = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-m", "tensorflux.examples.mnist",
                             "--distributed", "--epochs", "1", "--no-progress",
                             "--output-dir", str(tmp_path)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - start < 180
    out = result.stdout
    assert out.count("data: 4000 train / 1000 validation / 1000 test") == 2  # a shard each
    assert out.count("epoch   1  validation accuracy") == 1 and out.count("test accuracy") == 1
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.5
    assert len(os.listdir(tmp_path / "tf_logs")) == 1
    assert len(os.listdir(next((tmp_path / "tf_logs").iterdir()))) == 1
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("my_model_final.ckpt")


def test_each_rank_reads_its_shard_of_the_training_set(tmp_path):
    from tensorflux.contrib.datasets.mnist import write_sample_dir
    from tensorflux.examples.tutorials.mnist import input_data
    train = input_data.read_data_sets(write_sample_dir(str(tmp_path)), validation_size=1000,
                                      seed=1).train
    shards = [train.shard(3, i) for i in range(3)]
    assert [s.num_examples for s in shards] == [2667, 2667, 2666]
    for i, s in enumerate(shards):
        np.testing.assert_array_equal(s.images, train.images[i::3])
        images, labels = s.next_batch(s.num_examples)  # one shuffled epoch of the shard
        assert sorted(labels.tolist()) == sorted(train.labels[i::3].tolist())
        assert s.epochs_completed == 0 and train.epochs_completed == 0
    with pytest.raises(ValueError, match=r"shard index must be in \[0, 3\), got 3"):
        train.shard(3, 3)


def _scaling_model():
    """The python block of docs/distributed.md that models ring-allreduce scaling, and
    the table the page shows."""
    text = open(os.path.join(os.path.dirname(HERE), "docs", "distributed.md")).read()
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    block = next(b for b in blocks if "def scaling_table" in b)
    namespace = {}
    exec(block.replace("print(scaling_table())", ""), namespace)
    shown = text.split("<!-- scaling-table -->\n")[1].split("\n<!-- /scaling-table -->")[0]
    return namespace, shown


def test_docs_scaling_table_is_what_its_model_computes():
    model, shown = _scaling_model()
    assert shown == model["scaling_table"]()
    # the ring formula by hand: 8 ranks, 1 MB, 10 Gbit/s: 2 * 7/8 * 8e6 bits / 1e10 = 1.4 ms
    assert model["allreduce_seconds"](8, 1e6, 10e9, 0.0, 1) == pytest.approx(1.4e-3)
    assert model["allreduce_seconds"](8, 0, 10e9, 20e-6, 3) == pytest.approx(3 * 14 * 20e-6)
    assert model["MODELS"]["seed MLP"][0] == 266610  # 784-300-100-10 with biases
    # fusion removes latency, fp16 halves bytes: each can only help
    for name in model["MODELS"]:
        for net in model["NETWORKS"]:
            for n in (8, 64, 512):
                e = [model["efficiency"](n, name, net, fused, fp16)
                     for fused, fp16 in ((False, False), (True, False), (True, True))]
                assert e[0] <= e[1] <= e[2] <= 1
