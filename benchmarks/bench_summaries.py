"""Cost of TensorBoard logging: the seed's mini-batch linear regression with a scalar
summary written every 10 steps, against the same loop without summaries.

    python benchmarks/bench_summaries.py
"""
from __future__ import annotations

import tempfile
import time

import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets import load_california_housing


def run(with_summaries: bool, epochs: int = 10, batch_size: int = 100, same_run=False) -> float:
    housing = load_california_housing()
    m, n = housing.data.shape
    data = np.c_[np.ones((m, 1)), (housing.data - housing.data.mean(0)) / housing.data.std(0)]
    data = data.astype(np.float32)
    target = housing.target.reshape(-1, 1).astype(np.float32)
    tf.reset_default_graph()
    X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(tf.matmul(X, theta) - y), name="mse")
    training_op = tf.train.GradientDescentOptimizer(0.01).minimize(mse)
    mse_summary = tf.summary.scalar("MSE", mse)
    n_batches = int(np.ceil(m / batch_size))
    batches = np.array_split(np.random.default_rng(0).permutation(m), n_batches)
    with tempfile.TemporaryDirectory() as logdir:
        writer = tf.summary.FileWriter(logdir, tf.get_default_graph()) if with_summaries else None
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            warm = {X: data[:batch_size], y: target[:batch_size]}
            sess.run([training_op, mse_summary], warm)  # one-time costs: plans, proto import
            sess.run(tf.global_variables_initializer())
            start = time.perf_counter()
            for epoch in range(epochs):
                for i, idx in enumerate(batches):
                    feed = {X: data[idx], y: target[idx]}
                    step = epoch * n_batches + i
                    if writer is not None and i % 10 == 0:
                        if same_run:  # the summary rides along with the training step
                            _, summary = sess.run([training_op, mse_summary], feed)
                            writer.add_summary(summary, step)
                            continue
                        writer.add_summary(mse_summary.eval(feed), step)
                    sess.run(training_op, feed)
            elapsed = time.perf_counter() - start
        if writer is not None:
            writer.close()
    return elapsed


def main():
    # Alternate the two variants and keep each one's best run: this machine is shared,
    # and the minimum is the least disturbed measurement of each.
    plain, logged, fused = [], [], []
    for _ in range(7):
        plain.append(run(False))
        logged.append(run(True))
        fused.append(run(True, same_run=True))
    plain, logged, fused = min(plain), min(logged), min(fused)
    print(f"training loop without summaries                     {plain * 1e3:8.1f} ms")
    print(f"summary every 10 steps, seed style (extra eval)     {logged * 1e3:8.1f} ms   "
          f"ratio {logged / plain:.3f}x")
    print(f"summary every 10 steps, fetched with the train step {fused * 1e3:8.1f} ms   "
          f"ratio {fused / plain:.3f}x")


if __name__ == "__main__":
    main()
