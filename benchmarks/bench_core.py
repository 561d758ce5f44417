"""Core executor benchmarks: tensorflux vs hand-written NumPy in the same process,
the two alternating in short chunks so machine noise hits both alike.

    python benchmarks/bench_core.py [--repeat 21]

Prints the median time of each case and the ratio to NumPy. TensorFlow (compat.v1) and
PyTorch are timed too when installed. Timings are for information only; no test asserts
them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import tensorflux as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import compare, median_time, report, try_import  # noqa: E402,F401


def bench_first_graph(repeat):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.Variable(3, name="x")
        y = tf.Variable(4, name="y")
        f = x * x * y + y + 2
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
    a, b = np.array(3, np.int32), np.array(4, np.int32)
    ours, ref = compare([lambda: sess.run(f), lambda: a * a * b + b + 2], 2000, repeat)
    others = []
    torch = try_import("torch")
    if torch is not None:
        ta, tb = torch.tensor(3), torch.tensor(4)
        others.append(("torch", median_time(lambda: ta * ta * tb + tb + 2, 2000, repeat)))
    report("sess.run(f), f = x*x*y + y + 2", ours, ref, others=others)


def bench_add_chain(repeat):
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, shape=(10,))
        z = p
        for _ in range(100):
            z = z + p
        sess = tf.Session()
    v = np.ones(10, np.float32)
    feed = {p: v}

    def by_hand():
        q = v
        for _ in range(100):
            q = q + v
        return q

    ours, ref = compare([lambda: sess.run(z, feed), by_hand], 200, repeat)
    report("100 chained adds on a fed (10,) float32", ours, ref)


def bench_mlp_inference(repeat, batch=512):
    rng = np.random.default_rng(0)
    sizes = [784, 300, 100, 10]
    weights = [rng.normal(0, 0.05, (i, o)).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
    biases = [np.zeros(o, np.float32) for o in sizes[1:]]
    X_value = rng.random((batch, 784), dtype=np.float32)
    graph = tf.Graph()
    with graph.as_default():
        X = tf.placeholder(tf.float32, shape=(None, 784))
        h = X
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = tf.matmul(h, tf.Variable(w)) + tf.Variable(b)
            h = tf.maximum(z, 0.0) if i < 2 else z
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
    feed = {X: X_value}

    def by_hand():
        a = X_value
        for i, (w, b) in enumerate(zip(weights, biases)):
            a = a @ w + b
            if i < 2:
                a = np.maximum(a, 0.0)
        return a

    ours, ref = compare([lambda: sess.run(h, feed), by_hand], 10, repeat)
    report(f"784-300-100-10 inference, batch {batch}", ours, ref)


def bench_import(repeat):
    # As after a normal install: bytecode caches allowed (PYTHONDONTWRITEBYTECODE unset).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def once(module):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)
        return time.perf_counter() - t0

    ours = statistics.median(once("tensorflux") for _ in range(max(3, repeat // 4)))
    ref = statistics.median(once("numpy") for _ in range(max(3, repeat // 4)))
    label = 'python -c "import tensorflux"'
    print(f"{label:<42} tensorflux {ours * 1e3:9.1f} ms   "
          f"numpy alone {ref * 1e3:9.1f} ms", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args(argv)
    bench_first_graph(args.repeat)
    bench_add_chain(args.repeat)
    bench_mlp_inference(args.repeat)
    bench_import(args.repeat)


if __name__ == "__main__":
    main()
