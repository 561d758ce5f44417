"""Linear regression on California housing with mini-batch gradient descent.

    python -m tensorflux.examples.housing [--epochs 10] [--batch-size 100] [--lr 0.01]

The seed chapter's program: placeholders fed with mini-batches, a GradientDescent
optimizer minimizing the MSE, progress printed per epoch, and the result compared with
the exact least-squares solution.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets import load_california_housing


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    housing = load_california_housing()
    m, n = housing.data.shape
    scaled = (housing.data - housing.data.mean(0)) / housing.data.std(0)
    data = np.c_[np.ones((m, 1)), scaled].astype(np.float32)
    target = housing.target.reshape(-1, 1).astype(np.float32)

    tf.reset_default_graph()
    tf.set_random_seed(args.seed)
    X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0), name="theta")
    y_pred = tf.matmul(X, theta, name="predictions")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(y_pred - y), name="mse")
    training_op = tf.train.GradientDescentOptimizer(args.lr).minimize(mse)

    rng = np.random.default_rng(args.seed)
    n_batches = int(np.ceil(m / args.batch_size))
    start = time.perf_counter()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(args.epochs):
            for idx in np.array_split(rng.permutation(m), n_batches):
                sess.run(training_op, {X: data[idx], y: target[idx]})
            print(f"epoch {epoch + 1:3d}/{args.epochs}  MSE = {mse.eval({X: data, y: target}):.4f}",
                  flush=True)
        final = float(mse.eval({X: data, y: target}))
    elapsed = time.perf_counter() - start
    exact = np.linalg.lstsq(data.astype(np.float64), target, rcond=None)[0]
    best = float(np.mean((data @ exact - target) ** 2))
    print(f"final MSE {final:.4f} (least squares: {best:.4f}); "
          f"{args.epochs * m / elapsed:,.0f} examples/s")
    return final


if __name__ == "__main__":
    main()
