"""The seed's MNIST network (784-300-100-10, ReLU) trained on the bundled images: one
process with the plain optimizer, or one rank of an MPI job with DistributedOptimizer.
Shared by the scripts run under mpiexec and by tests/test_mpi.py's one-process
reference."""
import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets.mnist import split_sample

# Rates where float32 training is not chaotic over 100 steps: at SGD 0.1 or Adam 0.001,
# scaling one process's initial weights by 1 + 1e-7 noise already moves the weights by
# 1e-3 / 5e-5 after 100 steps, so no two summation orders could agree to 1e-5.
OPTIMIZERS = {
    "sgd": lambda: tf.train.GradientDescentOptimizer(0.01),
    "momentum": lambda: tf.train.MomentumOptimizer(0.01, 0.9),
    "adam": lambda: tf.train.AdamOptimizer(0.0001),
}


def data(n):
    """The first ``n`` bundled training images (float32 in [0, 1]) and their labels."""
    images, labels, _, _ = split_sample()
    return images[:n].reshape(n, 784).astype(np.float32) / 255, labels[:n].astype(np.int64)


def build(optimizer, seed, wrap=None):
    """The network, its loss and training op; ``wrap`` wraps the optimizer."""
    tf.set_random_seed(seed)
    X = tf.placeholder(tf.float32, (None, 784), name="X")
    y = tf.placeholder(tf.int64, (None,), name="y")
    with tf.name_scope("dnn"):
        h1 = tf.layers.dense(X, 300, activation=tf.nn.relu, name="hidden1")
        h2 = tf.layers.dense(h1, 100, activation=tf.nn.relu, name="hidden2")
        logits = tf.layers.dense(h2, 10, name="outputs")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    opt = OPTIMIZERS[optimizer]()
    if wrap is not None:
        opt = wrap(opt)
    global_step = tf.train.get_or_create_global_step()
    return X, y, loss, opt.minimize(loss, global_step=global_step)


def train(optimizer, steps, global_batch, rank=0, size=1, seed=0, wrap=None, hook=None):
    """Train ``steps`` steps on global batches of ``global_batch`` images, of which this
    rank takes rows rank, rank + size, ...; returns {variable name: value}."""
    images, labels = data(steps * global_batch)
    with tf.Graph().as_default():
        X, y, loss, train_op = build(optimizer, seed, wrap)
        if hook is not None:
            hook.begin()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if hook is not None:
                hook.after_create_session(sess, None)
            for step in range(steps):
                rows = slice(step * global_batch + rank, (step + 1) * global_batch, size)
                sess.run(train_op, {X: images[rows], y: labels[rows]})
            return {v.op.name: sess.run(v) for v in tf.global_variables()}
