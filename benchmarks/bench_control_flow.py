"""Control-flow overhead: tf.while_loop on a scalar body against a Python loop doing
the same NumPy work, and tf.cond against a Python if, in one interleaved run.

    python benchmarks/bench_control_flow.py [--iterations 1000] [--repeat 15]

Target (issue "Control flow"): a while_loop iteration within 2x of the Python loop's.
Timings are for information only; no test asserts them.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import tensorflux as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import compare, report, try_import  # noqa: E402


def bench_while(iterations, repeat):
    """x <- x * 0.99 + 1 for ``iterations`` steps, with the counter i < n as the cond."""
    graph = tf.Graph()
    with graph.as_default():
        n = tf.placeholder(tf.int32, [])
        x0 = tf.placeholder(tf.float32, [])
        _, x = tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, x * 0.99 + 1.0), [0, x0])
        sess = tf.Session()
    feed = {n: iterations, x0: 0.0}
    limit = np.int32(iterations)
    c1, c2 = np.float32(0.99), np.float32(1.0)

    def by_hand():  # the same ufunc calls on 0-d values, in a Python loop
        i, value = np.int32(0), np.float32(0.0)
        while np.less(i, limit):
            i = np.add(i, np.int32(1))
            value = np.add(np.multiply(value, c1), c2)
        return value

    assert np.isclose(sess.run(x, feed), by_hand())
    ours, ref = compare([lambda: sess.run(x, feed), by_hand], 1, repeat)
    others = []
    torch = try_import("torch")
    if torch is not None:
        def torch_loop():
            value = torch.tensor(0.0)
            for _ in range(iterations):
                value = value * 0.99 + 1.0
            return value
        others.append(("torch eager loop", compare([torch_loop], 1, repeat)[0]))
    report(f"while_loop, {iterations} scalar iterations", ours, ref, "python loop", others)
    print(f"{'':<42} per iteration: tensorflux {ours / iterations * 1e6:.2f} us, "
          f"python loop {ref / iterations * 1e6:.2f} us", flush=True)


def bench_cond(repeat):
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, [])
        y = tf.cond(p > 0, lambda: p * 2.0, lambda: p - 1.0)
        sess = tf.Session()
    value = np.float32(3.0)

    def by_hand():
        return np.multiply(value, 2.0) if np.greater(value, 0) else np.subtract(value, 1.0)

    ours, ref = compare([lambda: sess.run(y, {p: 3.0}), by_hand], 2000, repeat)
    report("sess.run(tf.cond(p > 0, 2p, p - 1))", ours, ref, "python if")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    bench_while(args.iterations, args.repeat)
    bench_cond(args.repeat)


if __name__ == "__main__":
    main()
