"""Cost of TensorBoard logging: the seed's mini-batch linear regression with a scalar
summary written every 10 steps, against the same loop without summaries.

    python benchmarks/bench_summaries.py

The three variants are built side by side and their epochs alternate inside one process
(medians compared), so the noise of a shared machine hits them alike.
"""
from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets import load_california_housing


def make_epoch(data, target, mode, logdir, batch_size=100):
    """A function running one epoch: mode is "plain", "seed" (an extra summary eval every
    10 steps, as in the seed) or "fused" (the summary fetched with the training step)."""
    m, n = data.shape
    graph = tf.Graph()
    with graph.as_default():
        X = tf.placeholder(tf.float32, shape=(None, n), name="X")
        y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
        theta = tf.Variable(tf.random_uniform([n, 1], -1.0, 1.0, seed=42), name="theta")
        with tf.name_scope("loss"):
            mse = tf.reduce_mean(tf.square(tf.matmul(X, theta) - y), name="mse")
        training_op = tf.train.GradientDescentOptimizer(0.01).minimize(mse)
        mse_summary = tf.summary.scalar("MSE", mse)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph)
    sess.run(init)
    writer = tf.summary.FileWriter(logdir, graph) if mode != "plain" else None
    batches = np.array_split(np.random.default_rng(0).permutation(m), int(np.ceil(m / batch_size)))
    step = [0]

    def epoch():
        for i, idx in enumerate(batches):
            feed = {X: data[idx], y: target[idx]}
            if writer is not None and i % 10 == 0:
                if mode == "fused":
                    _, summary = sess.run([training_op, mse_summary], feed)
                    writer.add_summary(summary, step[0])
                    step[0] += 1
                    continue
                writer.add_summary(mse_summary.eval(feed, session=sess), step[0])
            sess.run(training_op, feed)
            step[0] += 1

    epoch()  # one-time costs: plan compilation, protobuf import
    return epoch, writer


def main(reps=15):
    housing = load_california_housing()
    data = np.c_[np.ones((len(housing.data), 1)),
                 (housing.data - housing.data.mean(0)) / housing.data.std(0)].astype(np.float32)
    target = housing.target.reshape(-1, 1).astype(np.float32)
    with tempfile.TemporaryDirectory() as logdir:
        variants = {mode: make_epoch(data, target, mode, f"{logdir}/{mode}")
                    for mode in ("plain", "seed", "fused")}
        samples = {mode: [] for mode in variants}
        for _ in range(reps):
            for mode, (epoch, _) in variants.items():
                start = time.perf_counter()
                epoch()
                samples[mode].append(time.perf_counter() - start)
        for _, writer in variants.values():
            if writer is not None:
                writer.close()
    t = {mode: statistics.median(v) for mode, v in samples.items()}
    print(f"one epoch without summaries                        {t['plain'] * 1e3:8.1f} ms")
    print(f"summary every 10 steps, seed style (extra eval)    {t['seed'] * 1e3:8.1f} ms   "
          f"ratio {t['seed'] / t['plain']:.3f}x")
    print(f"summary every 10 steps, fetched with the train step {t['fused'] * 1e3:7.1f} ms   "
          f"ratio {t['fused'] / t['plain']:.3f}x")


if __name__ == "__main__":
    main()
