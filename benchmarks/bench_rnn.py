"""Recurrent-network and embedding benchmarks: tensorflux vs hand-written NumPy in the
same process, alternating in chunks (bench_core.compare).

    python benchmarks/bench_rnn.py [--repeat 9]

- dynamic_rnn and static_rnn: one Adam training step of a 28-step BasicRNNCell(150) over
  MNIST-shaped rows (28 inputs, batch 150, softmax on the last state), against NumPy
  forward and backpropagation through time with the same Adam update. Target (issue
  "Control flow"): dynamic_rnn at least 0.8x the NumPy throughput (a time ratio of at
  most 1.25x). With ``--tf-python PATH`` (an interpreter with TensorFlow), the same
  training step in TensorFlow compat.v1's dynamic_rnn runs in a subprocess, interleaved
  with the others step by step (target: faster than TensorFlow).
- sparse Adagrad: one step of an embedding (50,000 x 128) looked up by 512 ids, loss
  sum(rows * target), against NumPy's lookup and sparse update (sum repeated ids, update
  those rows); the dense update of the whole matrix, what a dense gradient would cost,
  is printed for scale.

Timings are for information only; no test asserts them.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import RemoteStep, compare, report  # noqa: E402

STEPS, INPUTS, UNITS, CLASSES, BATCH = 28, 28, 150, 10, 150


def rnn_data(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((BATCH, STEPS, INPUTS), dtype=np.float32),
            rng.integers(0, CLASSES, BATCH))


def tensorflux_rnn_step(X_value, y_value, dynamic=True, tf=None):
    """One training step of the benchmark network (``tf`` may be TensorFlow's compat.v1:
    the same code builds it there)."""
    if tf is None:
        import tensorflux as tf
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        X = tf.placeholder(tf.float32, [None, STEPS, INPUTS])
        y = tf.placeholder(tf.int32, [None])
        cell = tf.nn.rnn_cell.BasicRNNCell(UNITS)
        if dynamic:
            _, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        else:
            _, state = tf.nn.static_rnn(cell, tf.unstack(tf.transpose(X, [1, 0, 2])),
                                        dtype=tf.float32)
        logits = tf.layers.dense(state, CLASSES)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.AdamOptimizer(0.001).minimize(loss)
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    feed = {X: X_value, y: y_value}
    return lambda: sess.run(train, feed)


class NumpyRNN:
    """The same network by hand: forward, BPTT, Adam (TF1's update)."""

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        lim = np.sqrt(6 / (INPUTS + 2 * UNITS))
        self.p = {"W": rng.uniform(-lim, lim, (INPUTS + UNITS, UNITS)).astype(np.float32),
                  "b": np.zeros(UNITS, np.float32),
                  "V": rng.uniform(-0.2, 0.2, (UNITS, CLASSES)).astype(np.float32),
                  "c": np.zeros(CLASSES, np.float32)}
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0

    def step(self, X, y):
        p = self.p
        n = X.shape[0]
        h = np.zeros((n, UNITS), np.float32)
        xhs, hs = [], []
        for t in range(STEPS):
            xh = np.concatenate([X[:, t], h], 1)
            h = np.tanh(xh @ p["W"] + p["b"])
            xhs.append(xh)
            hs.append(h)
        logits = h @ p["V"] + p["c"]
        e = np.exp(logits - logits.max(1, keepdims=True))
        dlogits = e / e.sum(1, keepdims=True)
        dlogits[np.arange(n), y] -= 1
        dlogits /= n
        g = {"V": h.T @ dlogits, "c": dlogits.sum(0), "W": np.zeros_like(p["W"]),
             "b": np.zeros_like(p["b"])}
        dh = dlogits @ p["V"].T
        for t in reversed(range(STEPS)):
            da = dh * (1 - hs[t] ** 2)
            g["W"] += xhs[t].T @ da
            g["b"] += da.sum(0)
            dh = (da @ p["W"].T)[:, INPUTS:]
        self.t += 1
        lr = 0.001 * np.sqrt(1 - 0.999 ** self.t) / (1 - 0.9 ** self.t)
        for k in p:
            self.m[k] = 0.9 * self.m[k] + 0.1 * g[k]
            self.v[k] = 0.999 * self.v[k] + 0.001 * g[k] * g[k]
            p[k] -= lr * self.m[k] / (np.sqrt(self.v[k]) + 1e-8)


def bench_rnn(repeat, tf_python=None):
    X, y = rnn_data()
    net = NumpyRNN()
    fns = [tensorflux_rnn_step(X, y), tensorflux_rnn_step(X, y, False), lambda: net.step(X, y)]
    tf_step = TensorFlowStep(tf_python) if tf_python else None
    if tf_step:
        fns.append(tf_step)
    try:
        dynamic, static, ref, *tf_time = compare(fns, number=3, repeat=repeat)
    finally:
        if tf_step:
            tf_step.close()
    others = [("static_rnn", static)] + [("tensorflow dynamic_rnn", t) for t in tf_time]
    report("dynamic_rnn BasicRNNCell(150) Adam step", dynamic, ref, others=others)
    line = (f"{'':<42} throughput vs numpy: dynamic_rnn {ref / dynamic:.2f}x, static_rnn "
            f"{ref / static:.2f}x")
    if tf_time:
        line += f"; dynamic_rnn vs tensorflow: {tf_time[0] / dynamic:.2f}x"
    print(line, flush=True)


class TensorFlowStep(RemoteStep):
    """The same training step in TensorFlow compat.v1, run in another interpreter."""

    CODE = ("import sys; sys.path.insert(0, {here!r})\n"
            "import tensorflow.compat.v1 as tf1; tf1.disable_v2_behavior()\n"
            "from bench_rnn import rnn_data, tensorflux_rnn_step\n"
            "X, y = rnn_data(); step = tensorflux_rnn_step(X, y, tf=tf1)\n"
            "print('ready', flush=True)\n"
            "for line in sys.stdin:\n"
            "    step(); print('done', flush=True)\n")

    def __init__(self, python):
        here = os.path.dirname(os.path.abspath(__file__))
        super().__init__(python, ["-c", self.CODE.format(here=here)])


VOCAB, DIM, IDS = 50_000, 128, 512


def bench_sparse_adagrad(repeat):
    import tensorflux as tf
    rng = np.random.default_rng(0)
    table = rng.normal(size=(VOCAB, DIM)).astype(np.float32)
    ids_value = rng.integers(0, VOCAB, IDS)
    target_value = rng.normal(size=(IDS, DIM)).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        emb = tf.Variable(table)
        ids = tf.placeholder(tf.int32, [None])
        target = tf.placeholder(tf.float32, [None, DIM])
        loss = tf.reduce_sum(tf.nn.embedding_lookup(emb, ids) * target)
        train = tf.train.AdagradOptimizer(0.1).minimize(loss)
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    feed = {ids: ids_value, target: target_value}
    w, acc = table.copy(), np.full_like(table, 0.1)

    def numpy_sparse():
        (w[ids_value] * target_value).sum()  # the loss, as the graph computes it
        rows, inverse = np.unique(ids_value, return_inverse=True)
        g = np.zeros((rows.size, DIM), np.float32)
        np.add.at(g, inverse, target_value)
        a = acc[rows] + g * g
        acc[rows] = a
        w[rows] -= 0.1 * g / np.sqrt(a)

    def numpy_dense():
        g = np.zeros_like(w)
        np.add.at(g, ids_value, target_value)
        acc[...] += g * g
        w[...] -= 0.1 * g / np.sqrt(acc)

    ours, ref, dense = compare([lambda: sess.run(train, feed), numpy_sparse, numpy_dense],
                               number=5, repeat=repeat)
    report("sparse Adagrad, 50k x 128 table, 512 ids", ours, ref,
           others=[("numpy dense update", dense)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--tf-python", help="a Python with TensorFlow, to time it too")
    args = parser.parse_args()
    bench_rnn(args.repeat, args.tf_python)
    bench_sparse_adagrad(args.repeat)


if __name__ == "__main__":
    main()
