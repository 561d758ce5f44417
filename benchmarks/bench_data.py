"""tf.data input pipelines: training throughput fed by a pipeline vs fed by feed_dict,
and a parallel map, each interleaved in one process (timing.compare).

    python benchmarks/bench_data.py [--repeat 30] [--tf-python /path/to/python-with-tensorflow]

- MNIST: the seed's network (784-300-100-10, ReLU, SGD 0.01) trained on 8,000
  MNIST-shaped examples, batch 50, (a) fed by feed_dict with a new permutation each
  epoch (what a TF1 loop does by hand), (b) from a pipeline ``from_tensor_slices((X,
  y)).shuffle(8000).repeat().batch(50).prefetch(1)``, next to a hand-written NumPy step
  on gathered batches. Target (issue 15): (b) at least 0.95x the throughput of (a).
- A map doing per-example NumPy work through ``tf.py_func`` (a chain of ufuncs on a
  1 MiB array, which release the GIL), drained with ``num_parallel_calls`` 1 and 2,
  next to the same work in a Python loop. Target: 2 calls faster than 1 on two cores.

With ``--tf-python``, the same graphs (built by the same code) run in TensorFlow
compat.v1 in a subprocess, interleaved step by step (the pipe's round trip, tens of
microseconds, is charged to TensorFlow; its idle threads share the cores). Ratios are of
the median chunks and of the best chunks, the least disturbed on a shared machine.
Multi-threaded OpenBLAS makes a loaded machine much noisier: ``OPENBLAS_NUM_THREADS=1``
gives steadier numbers. Timings are for information only; no test asserts them.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import RemoteStep, compare_median_and_best, report  # noqa: E402

BATCH, EXAMPLES, MAP_ELEMENTS = 50, 8000, 40


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((EXAMPLES, 784), dtype=np.float32), rng.integers(0, 10, EXAMPLES)


def mlp_training_op(tf, X, y):
    """The seed's network and SGD step on tensors ``X``, ``y`` (the same code builds it
    in tensorflux and in TensorFlow's compat.v1)."""
    inputs, sizes = X, [784, 300, 100, 10]
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        w = tf.Variable(tf.truncated_normal([n_in, n_out], stddev=2 / np.sqrt(n_in + n_out), seed=i))
        b = tf.Variable(tf.zeros([n_out]))
        inputs = tf.matmul(inputs, w) + b
        if n_out != 10:
            inputs = tf.nn.relu(inputs)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=inputs))
    return tf.train.GradientDescentOptimizer(0.01).minimize(loss)


def shuffled_batches():
    """Endless (X, y) batches, a new permutation each epoch: a TF1 feed loop by hand."""
    X_all, y_all = data()
    rng = np.random.default_rng(1)
    while True:
        order = rng.permutation(EXAMPLES)
        for start in range(0, EXAMPLES - BATCH + 1, BATCH):
            idx = order[start:start + BATCH]
            yield X_all[idx], y_all[idx]


def feed_dict_step(tf):
    """One training step fed with feed_dict."""
    graph = tf.Graph()
    with graph.as_default():
        X = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.int64, [None])
        train = mlp_training_op(tf, X, y)
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    batches = shuffled_batches()

    def step():
        x_batch, y_batch = next(batches)
        sess.run(train, {X: x_batch, y: y_batch})
    return step


def pipeline_step(tf):
    """One training step reading its batch from a tf.data pipeline."""
    X_all, y_all = data()
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        dataset = (tf.data.Dataset.from_tensor_slices((X_all, y_all)).shuffle(EXAMPLES)
                   .repeat().batch(BATCH).prefetch(1))
        X, y = tf.data.make_one_shot_iterator(dataset).get_next()
        train = mlp_training_op(tf, X, y)
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    return lambda: sess.run(train)


def numpy_step():
    from bench_mnist import array_step
    step, batches = array_step(np), shuffled_batches()
    return lambda: step(*next(batches))


_scratch = threading.local()


def example_work(x):
    """Per-example NumPy work: ufuncs on a 1 MiB array, in place in a buffer of the
    calling thread (NumPy releases the GIL in them; a new array per step would measure
    the allocator's page faults instead)."""
    v = getattr(_scratch, "v", None)
    if v is None:
        v = _scratch.v = np.empty(262144, np.float32)
    v.fill(x)
    for _ in range(6):
        np.multiply(v, np.float32(1.01), out=v)
        np.add(v, np.float32(0.1), out=v)
        np.tanh(v, out=v)
    return v[:1].copy()


def map_drain(tf, calls):
    """Draining MAP_ELEMENTS elements of range().map(py_func(example_work)); returns
    a function that runs one whole pass."""
    graph = tf.Graph()
    with graph.as_default():
        dataset = tf.data.Dataset.range(MAP_ELEMENTS).map(
            lambda i: tf.py_func(example_work, [tf.cast(i, tf.float32)], tf.float32),
            num_parallel_calls=calls)
        iterator = tf.data.make_initializable_iterator(dataset)
        nxt = iterator.get_next()
        sess = tf.Session(graph=graph)

    def run():
        sess.run(iterator.initializer)
        for _ in range(MAP_ELEMENTS):
            sess.run(nxt)
    return run


def python_map():
    return lambda: [example_work(np.float32(i)) for i in range(MAP_ELEMENTS)]


CASES = {"feed_dict": feed_dict_step, "pipeline": pipeline_step,
         "map1": lambda tf: map_drain(tf, 1), "map2": lambda tf: map_drain(tf, 2)}


def _with_tensorflow(fns, cases, tf_python, number, repeat):
    tf_cases = [RemoteStep(tf_python, [__file__, "--serve", c], f"the TensorFlow case {c}")
                for c in cases] if tf_python else []
    try:
        return compare_median_and_best(fns + tf_cases, number=number, repeat=repeat)
    finally:
        for case in tf_cases:
            case.close()


def _ratio_line(label, slow, fast, tf_slow=None, tf_fast=None, tf_label=""):
    """``slow / fast`` for the medians and the best chunks (and TensorFlow's)."""
    line = f"{'':<42} {label}: {slow[0] / fast[0]:.2f}x (best chunks {slow[1] / fast[1]:.2f}x)"
    if tf_slow is not None:
        line += f"; tensorflow {tf_label}: {tf_slow[0] / tf_fast[0]:.2f}x"
    return line


def bench_mnist_pipeline(repeat, tf_python=None):
    import tensorflux as tf
    fed, piped, ref, *tf_times = _with_tensorflow(
        [feed_dict_step(tf), pipeline_step(tf), numpy_step()], ["feed_dict", "pipeline"],
        tf_python, number=10, repeat=repeat)
    others = [("feed_dict", fed[0])] + [
        (name, t[0]) for name, t in zip(("tensorflow feed_dict", "tensorflow tf.data"), tf_times)]
    report("MNIST step from tf.data (batch 50)", piped[0], ref[0], others=others)
    print(_ratio_line("tf.data throughput vs feed_dict", fed, piped, *tf_times,
                      tf_label="tf.data vs feed_dict"), flush=True)
    if tf_times:
        print(_ratio_line("tensorflux tf.data vs tensorflow tf.data", tf_times[1], piped), flush=True)


def bench_parallel_map(repeat, tf_python=None):
    import tensorflux as tf
    one, two, ref, *tf_times = _with_tensorflow(
        [map_drain(tf, 1), map_drain(tf, 2), python_map()], ["map1", "map2"], tf_python,
        number=1, repeat=repeat)
    n = MAP_ELEMENTS
    others = [("num_parallel_calls=1", one[0] / n)] + [
        (name, t[0] / n) for name, t in zip(("tensorflow 1", "tensorflow 2"), tf_times)]
    report("py_func map, num_parallel_calls=2, per element", two[0] / n, ref[0] / n,
           ref_name="python loop", others=others)
    print(_ratio_line("2 calls vs 1, faster by", one, two, *tf_times, tf_label="2 calls vs 1"),
          flush=True)


def serve(case):
    """The TensorFlow side of ``RemoteStep``: one step of ``case`` per line read."""
    import tensorflow.compat.v1 as tf1
    tf1.disable_v2_behavior()
    step = CASES[case](tf1)
    print("ready", flush=True)
    for _ in sys.stdin:
        step()
        print("done", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--tf-python", help="a Python with TensorFlow, to time it too")
    parser.add_argument("--serve", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    bench_mnist_pipeline(args.repeat, args.tf_python)
    bench_parallel_map(args.repeat, args.tf_python)


if __name__ == "__main__":
    main()
