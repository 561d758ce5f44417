"""The chapter-13 MNIST CNN (conv 32 3x3 SAME ReLU, conv 64 3x3 stride 2 SAME ReLU, max
pool 2x2, dense 64 ReLU, dense 10; Adam; batch 100): training throughput of tensorflux
next to a hand-written NumPy im2col implementation of the same network (and PyTorch on
the CPU when installed), in one process, the cases alternating in short chunks so that
the noise of a shared machine hits them alike.

    python benchmarks/bench_cnn.py [--reps 12] [--chunk 3] [--check]

``--check`` first starts the NumPy step from tensorflux's initial weights and compares
their losses over a few steps, to show that the reference does the same work.
Target (issue 14): tensorflux at least 0.9x the NumPy reference's throughput.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_mnist import interleaved  # noqa: E402

BATCH = 100


def data(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28 * 28), dtype=np.float32), rng.integers(0, 10, n)


# --- the hand-written NumPy reference ------------------------------------------------------
def windows(xpad, k, stride, out):
    """The (n, out, out, k, k, c) view of every k x k window of an NHWC array."""
    sn, sh, sw, sc = xpad.strides
    n, _, _, c = xpad.shape
    return as_strided(xpad, (n, out, out, k, k, c), (sn, sh * stride, sw * stride, sh, sw, sc))


def col2im(dcols, shape, k, stride, out):
    dx = np.zeros(shape, dtype=dcols.dtype)
    span = stride * (out - 1) + 1
    for i in range(k):
        for j in range(k):
            dx[:, i:i + span:stride, j:j + span:stride] += dcols[:, :, :, i, j]
    return dx


class NumpyCNN:
    """Forward, backward and Adam written by hand: im2col by strided views, one GEMM per
    convolution (the im2col matrices kept from the forward pass for the filter
    gradients), col2im by the nine tap adds, 2x2 pooling by a reshape."""

    def __init__(self, params=None, seed=1):
        rng = np.random.default_rng(seed)

        def glorot(shape, fan_in, fan_out):
            limit = np.sqrt(6 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, shape).astype(np.float32)

        self.p = params or {
            "W1": glorot((3, 3, 1, 32), 9, 288), "b1": np.zeros(32, np.float32),
            "W2": glorot((3, 3, 32, 64), 288, 576), "b2": np.zeros(64, np.float32),
            "W3": glorot((3136, 64), 3136, 64), "b3": np.zeros(64, np.float32),
            "W4": glorot((64, 10), 64, 10), "b4": np.zeros(10, np.float32)}
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0

    def step(self, x, y, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        p = self.p
        n = len(x)
        # forward
        xp = np.zeros((n, 30, 30, 1), np.float32)                     # SAME pad 1
        xp[:, 1:29, 1:29, 0] = x.reshape(n, 28, 28)
        cols1 = windows(xp, 3, 1, 28).reshape(-1, 9)
        h1 = cols1 @ p["W1"].reshape(9, 32)
        h1 += p["b1"]
        np.maximum(h1, 0, out=h1)
        h1p = np.zeros((n, 29, 29, 32), np.float32)                   # SAME, stride 2: pad 0/1
        h1p[:, :28, :28] = h1.reshape(n, 28, 28, 32)
        cols2 = windows(h1p, 3, 2, 14).reshape(-1, 288)
        h2 = cols2 @ p["W2"].reshape(288, 64)
        h2 += p["b2"]
        np.maximum(h2, 0, out=h2)
        h2 = h2.reshape(n, 7, 2, 7, 2, 64)
        pooled = h2.max(axis=(2, 4))
        flat = pooled.reshape(n, 3136)
        h3 = flat @ p["W3"]
        h3 += p["b3"]
        np.maximum(h3, 0, out=h3)
        logits = h3 @ p["W4"]
        logits += p["b4"]
        # softmax cross entropy
        logits -= logits.max(1, keepdims=True)
        e = np.exp(logits)
        total = e.sum(1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - logits[np.arange(n), y]))
        d4 = e / total
        d4[np.arange(n), y] -= 1
        d4 /= np.float32(n)
        # backward
        g = {"W4": h3.T @ d4, "b4": d4.sum(0)}
        d3 = d4 @ p["W4"].T
        d3 *= h3 > 0
        g["W3"], g["b3"] = flat.T @ d3, d3.sum(0)
        dpool = (d3 @ p["W3"].T).reshape(n, 7, 1, 7, 1, 64)
        d2 = (h2 == pooled[:, :, None, :, None]) * dpool              # to each window's max
        d2 *= h2 > 0
        d2 = d2.reshape(-1, 64)
        g["W2"], g["b2"] = (cols2.T @ d2).reshape(3, 3, 32, 64), d2.sum(0)
        dcols2 = (d2 @ p["W2"].reshape(288, 64).T).reshape(n, 14, 14, 3, 3, 32)
        d1 = col2im(dcols2, (n, 29, 29, 32), 3, 2, 14)[:, :28, :28].reshape(-1, 32)
        d1 *= h1 > 0
        g["W1"], g["b1"] = (cols1.T @ d1).reshape(3, 3, 1, 32), d1.sum(0)
        # Adam, in place
        self.t += 1
        lr_t = lr * np.sqrt(1 - beta2 ** self.t) / (1 - beta1 ** self.t)
        for k, grad in g.items():
            m, v = self.m[k], self.v[k]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            p[k] -= np.float32(lr_t) * m / (np.sqrt(v) + eps)
        return loss


def numpy_step(params=None):
    net = NumpyCNN(params)
    return net.step


# --- tensorflux: the book's chapter-13 code ---------------------------------------------------
def tensorflux_model():
    import tensorflux as tf
    graph = tf.Graph()
    with graph.as_default():
        X = tf.placeholder(tf.float32, shape=[None, 28 * 28], name="X")
        X_reshaped = tf.reshape(X, shape=[-1, 28, 28, 1])
        y = tf.placeholder(tf.int32, shape=[None], name="y")
        conv1 = tf.layers.conv2d(X_reshaped, filters=32, kernel_size=3, strides=1,
                                 padding="SAME", activation=tf.nn.relu, name="conv1")
        conv2 = tf.layers.conv2d(conv1, filters=64, kernel_size=3, strides=2, padding="SAME",
                                 activation=tf.nn.relu, name="conv2")
        pool3 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
        pool3_flat = tf.reshape(pool3, shape=[-1, 64 * 7 * 7])
        fc1 = tf.layers.dense(pool3_flat, 64, activation=tf.nn.relu, name="fc1")
        logits = tf.layers.dense(fc1, 10, name="output")
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y)
        loss = tf.reduce_mean(xentropy)
        training_op = tf.train.AdamOptimizer().minimize(loss)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph)
    sess.run(init)
    return sess, X, y, loss, training_op


def tensorflux_step():
    sess, X, y, loss, training_op = tensorflux_model()

    def step(x, labels):
        sess.run(training_op, {X: x, y: labels})
    return step


# --- PyTorch (CPU) ------------------------------------------------------------------------------
def torch_step():
    # PyTorch's OpenMP threads spin after each op by default and would slow whichever
    # case runs next in the interleaved loop; passive waiting keeps the comparison fair.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch
    torch.set_num_threads(2)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, labels):
        opt.zero_grad()
        loss_fn(model(torch.from_numpy(x).reshape(-1, 1, 28, 28)), torch.from_numpy(labels)).backward()
        opt.step()
    return step


STEPS = {"numpy": numpy_step, "tensorflux": tensorflux_step, "torch": torch_step}


def check(steps=5):
    """The NumPy reference, started from tensorflux's initial weights, gives the same
    losses: it does the same work."""
    sess, X, y, loss, training_op = tensorflux_model()
    names = {"W1": "conv1/kernel:0", "b1": "conv1/bias:0", "W2": "conv2/kernel:0",
             "b2": "conv2/bias:0", "W3": "fc1/kernel:0", "b3": "fc1/bias:0",
             "W4": "output/kernel:0", "b4": "output/bias:0"}
    net = NumpyCNN({k: sess.run(v) for k, v in names.items()})
    xs, ys = data()
    for i in range(steps):
        batch = slice(i * BATCH, (i + 1) * BATCH)
        ours, _ = sess.run([loss, training_op], {X: xs[batch], y: ys[batch].astype(np.int32)})
        theirs = net.step(xs[batch], ys[batch])
        print(f"step {i}: loss tensorflux {ours:.6f}  numpy {theirs:.6f}")
        assert abs(ours - theirs) < 1e-4 * max(1.0, abs(theirs)), (ours, theirs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=12)
    parser.add_argument("--chunk", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        check()
    times = interleaved(BATCH, args.reps, args.chunk, makers=STEPS, data_fn=data, warmup=3)
    for name, t in times.items():
        print(f"batch {BATCH}  {name:<10} {BATCH / t:8,.0f} examples/s  "
              f"({times['numpy'] / t:.2f}x the NumPy im2col throughput)", flush=True)


if __name__ == "__main__":
    main()
