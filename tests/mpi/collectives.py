"""Under mpiexec: every collective, dtype and gradient against NumPy, mismatches between
ranks, thread limits, fusion call counts and BroadcastGlobalVariablesHook in an
estimator. Each rank computes what every rank contributed (the inputs are functions of
the rank), so it checks its results itself against NumPy; what pytest checks across
ranks (error messages, thread counts, estimator weights) goes to OUT/rank<r>.json.
"""
import json
import math
import os
import sys

import numpy as np
from threadpoolctl import threadpool_info

import tensorflux as tf
import tensorflux.contrib.mpi as hvd
from tensorflux.contrib.mpi import runtime
from tensorflux.core import threads
from tensorflux.ops import mpi_ops

out_dir = sys.argv[1]
hvd.init()
r, n = hvd.rank(), hvd.size()
report = {"size": n, "rank": r, "local_size": hvd.local_size(), "local_rank": hvd.local_rank(),
          "threads_supported": hvd.mpi_threads_supported()}

NUMERIC = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
           np.float16, np.float32, np.float64, np.complex64, np.complex128]


def value(rank, dtype, rows=2):
    v = np.arange(rows * 3).reshape(rows, 3) * (rank + 1) + rank
    if np.dtype(dtype).kind == "c":
        v = v + 1j * (rank - v)
    return v.astype(dtype)


def run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def blas_threads():
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})


# --- thread limits -------------------------------------------------------------------
report["blas_threads_after_init"] = blas_threads()
report["cores"] = threads.available_cores()
tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2)).close()
report["blas_threads_with_config"] = blas_threads()
threads.set_intra_op_threads(max(1, report["cores"] // n))

# --- every dtype ---------------------------------------------------------------------
for dtype in NUMERIC:
    every = [value(s, dtype) for s in range(n)]
    tol = dict(rtol=1e-3) if dtype == np.float16 else dict(rtol=1e-6)
    x = tf.constant(every[r])
    summed, gathered, root = run([hvd.allreduce(x, average=False),
                                  hvd.allgather(tf.constant(value(r, dtype, rows=r + 1))),
                                  hvd.broadcast(x, n - 1)])
    np.testing.assert_allclose(summed, np.sum(every, axis=0, dtype=dtype), **tol)
    assert summed.dtype == dtype and gathered.dtype == dtype and root.dtype == dtype
    np.testing.assert_array_equal(gathered, np.concatenate([value(s, dtype, rows=s + 1) for s in range(n)]))
    np.testing.assert_array_equal(root, every[n - 1])
    if np.dtype(dtype).kind in "fc":
        mean = run(hvd.allreduce(x))
        np.testing.assert_allclose(mean, np.mean(np.array(every, dtype=np.complex128), axis=0), **tol)
flags = np.array([r % 2 == 0, True, False])
gathered, root = run([hvd.allgather(tf.constant(flags)), hvd.broadcast(tf.constant(flags), n - 1)])
np.testing.assert_array_equal(gathered, np.concatenate([[s % 2 == 0, True, False] for s in range(n)]))
np.testing.assert_array_equal(root, [(n - 1) % 2 == 0, True, False])
for build in (lambda: hvd.allreduce(tf.constant(flags)), lambda: hvd.allreduce(tf.constant([1, 2]))):
    try:
        build()
        raise AssertionError("allreduce of bool, or averaging int32, must raise")
    except TypeError as exc:
        report.setdefault("build_errors", []).append(str(exc))

# --- fused allreduce of mixed dtypes, in pieces of 8 bytes -----------------------------
parts = [np.arange(5, dtype=np.float32) * (r + 1), np.full((3, 2), r, np.float64),
         np.arange(7, dtype=np.float32) - r]
runtime.get().stats.reset()
fused = run(mpi_ops.allreduce_n([tf.constant(p) for p in parts], fusion_threshold=8))
for got, i in zip(fused, range(3)):
    every = [[np.arange(5, dtype=np.float32) * (s + 1), np.full((3, 2), s, np.float64),
              np.arange(7, dtype=np.float32) - s][i] for s in range(n)]
    np.testing.assert_allclose(got, np.mean(every, axis=0), rtol=1e-6)
# one metadata call, then float32: 12 values of 4 bytes in pieces of 2 values; float64:
# 6 values of 8 bytes, one per piece
assert runtime.get().stats.calls == 1 + 6 + 6, runtime.get().stats.calls

# --- fp16 compression: half the bytes, values rounded to float16 on the way ------------
base = np.array([1.0, 1000.0001, -3.0002], np.float32)
runtime.get().stats.reset()
compressed = run(mpi_ops.allreduce_n([tf.constant(base * (r + 1))], compression="fp16"))[0]
assert runtime.get().stats.bytes == 3 * 2 and compressed.dtype == np.float32
wire = [(base * (s + 1)).astype(np.float16) for s in range(n)]
expected = wire[0]
for w in wire[1:]:
    expected = (expected + w).astype(np.float16)  # every partial sum is a float16
np.testing.assert_allclose(compressed, expected.astype(np.float32) / n, rtol=1e-3)
assert not np.allclose(compressed, base * (n + 1) / 2, rtol=1e-6, atol=0)  # it was rounded

# --- gradients: each rank's loss is sum(w_r * y); tf.gradients gives d(sum over ranks)/dx
x = tf.placeholder(tf.float64, (2, 3))
weight = float(r + 1)
total_weight = sum(s + 1 for s in range(n))
g_reduce = tf.gradients(tf.reduce_sum(weight * hvd.allreduce(x)), x)[0]
xg = tf.placeholder(tf.float64, (r + 1, 2))
gathered = hvd.allgather(xg)
row_weight = tf.cast(tf.reshape(tf.range(tf.shape(gathered)[0]) + 1, [-1, 1]), tf.float64)
g_gather = tf.gradients(tf.reduce_sum(weight * row_weight * gathered), xg)[0]
g_bcast = tf.gradients(tf.reduce_sum(weight * hvd.broadcast(x, n - 1)), x)[0]
a, b, c = run([g_reduce, g_gather, g_bcast], {x: value(r, np.float64), xg: np.ones((r + 1, 2))})
np.testing.assert_allclose(a, np.full((2, 3), total_weight / n))
first = sum(s + 1 for s in range(r))  # rows of lower ranks come first
np.testing.assert_allclose(b, total_weight * np.repeat(np.arange(first + 1, first + r + 2), 2).reshape(r + 1, 2))
np.testing.assert_allclose(c, np.full((2, 3), total_weight if r == n - 1 else 0.0))


# --- mismatches: every rank raises the same clear error, and the job goes on -----------
def mismatch(key, build):
    tf.reset_default_graph()
    try:
        run(build())
        raise AssertionError(f"{key}: no error")
    except tf.errors.InvalidArgumentError as exc:
        report.setdefault("mismatch", {})[key] = str(exc)
    tf.reset_default_graph()
    np.testing.assert_allclose(run(hvd.allreduce(tf.constant([float(r)]), average=False)),
                               [n * (n - 1) / 2])


odd = r == 1
mismatch("shape", lambda: hvd.allreduce(tf.zeros((3 if odd else 2,), name="grad_a")))
mismatch("dtype", lambda: hvd.allreduce(tf.zeros((2,), tf.float64 if odd else tf.float32, name="grad_b")))
mismatch("gather", lambda: hvd.allgather(tf.zeros((2, 4 if odd else 3), name="rows")))


def variable_sets():
    tf.Variable(1.0, name="shared")
    if odd:
        tf.Variable([1, 2], name="only_on_rank1")
    return hvd.broadcast_global_variables(0)


mismatch("variables", variable_sets)
mismatch("collective", lambda: hvd.broadcast(tf.zeros(2), 0, name="odd_one") if odd
         else hvd.allreduce(tf.zeros(2)))

# --- sparse (embedding) gradients are allgathered and averaged -----------------------------
tf.reset_default_graph()
table0 = np.arange(12.0, dtype=np.float32).reshape(6, 2)
ids_of = [[k % 6, (2 * k + 1) % 6, k % 6] for k in range(n)]  # repeats within and across ranks
table = tf.Variable(table0)
weights = tf.constant(np.array([[1.0], [2.0], [3.0]], np.float32) * (r + 1))
loss = tf.reduce_sum(tf.nn.embedding_lookup(table, ids_of[r]) * weights)
opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.5))
(grad, _), = opt.compute_gradients(loss, var_list=[table])
assert isinstance(grad, tf.IndexedSlices), type(grad)
with tf.Session() as sess:
    sess.run(table.initializer)
    sess.run(opt.apply_gradients([(grad, table)]))
    got = sess.run(table)
expected = table0.copy()
for k in range(n):
    for row, w in zip(ids_of[k], [1.0, 2.0, 3.0]):
        expected[row] -= 0.5 * w * (k + 1) / n
np.testing.assert_allclose(got, expected, rtol=1e-6)
report["sparse_ok"] = True

# --- BroadcastGlobalVariablesHook in an estimator, every rank from another seed ---------
tf.reset_default_graph()
data_rng = np.random.default_rng(7)
features = data_rng.normal(size=(120, 3)).astype(np.float32)
targets = features @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3


def model_fn(features, labels, mode):
    w = tf.get_variable("w", (3, 1), tf.float32, tf.random_normal_initializer())
    prediction = tf.matmul(features["x"], w)
    loss = tf.reduce_mean(tf.square(prediction[:, 0] - labels))
    opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1))
    train_op = opt.minimize(loss, global_step=tf.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


model_dir = os.path.join(out_dir, "model") if r == 0 else None
estimator = tf.estimator.Estimator(model_fn, model_dir=model_dir, config=tf.estimator.RunConfig(
    tf_random_seed=r, progress_bar=False))
shard = slice(r, None, n)
estimator.train(tf.estimator.inputs.numpy_input_fn({"x": features[shard]}, targets[shard],
                                                   batch_size=40 // n, num_epochs=None, shuffle=False),
                steps=30, hooks=[hvd.BroadcastGlobalVariablesHook(0)])
report["estimator_w"] = estimator.get_variable_value("w").ravel().tolist()

# --- BroadcastGlobalVariablesHook in MonitoredTrainingSession ----------------------------
tf.reset_default_graph()
tf.set_random_seed(100 + r)
v = tf.get_variable("v", (4,), tf.float32, tf.random_normal_initializer())
step = tf.train.get_or_create_global_step()
with tf.train.MonitoredTrainingSession(hooks=[hvd.BroadcastGlobalVariablesHook(0)],
                                       save_checkpoint_secs=None, log_step_count_steps=None) as mts:
    report["mts_v"] = mts.run(v).tolist()
with open(os.path.join(out_dir, f"rank{r}.json"), "w") as f:
    json.dump(report, f)
assert math.isfinite(report["estimator_w"][0])
