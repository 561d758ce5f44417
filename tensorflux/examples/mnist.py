"""Train the seed's MNIST network with a progress bar, a checkpoint and TensorBoard logs,
then restore the checkpoint and report test accuracy and training speed.

The network is the one of chapter 10 of the TF1 book this project started from (the
"seed"): 784 inputs (the 28x28 pixels of a digit), two fully connected hidden layers of
300 and 100 ReLU units, and 10 outputs (one logit per digit), trained with plain
gradient descent on softmax cross entropy. TensorBoard gets the loss every 50 batches,
the validation accuracy after each epoch, and histograms of the weights and of the
layers' activations (on the validation images) before training and after each epoch.

Without --data-dir it trains on the bundled sample: 10,000 real MNIST images split into
8,000 train / 1,000 validation / 1,000 test. With --data-dir it reads the four standard
MNIST .gz files from DIR (for example the full 60,000-image set).

    mpiexec -n 2 python -m tensorflux.examples.mnist --distributed

trains data-parallel over MPI (pip install 'tensorflux[mpi]'): each rank trains on its
shard of the training set with --batch-size examples per step, and only rank 0 writes
the checkpoint and the TensorBoard logs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone

import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets.mnist import write_sample_dir
from tensorflux.examples.tutorials.mnist import input_data


def build_network(n_inputs=28 * 28, n_hidden1=300, n_hidden2=100, n_outputs=10, learning_rate=0.01,
                  wrap_optimizer=lambda opt: opt):
    """The seed's construction phase; returns a namespace of the tensors the loop uses.
    ``wrap_optimizer`` wraps the optimizer (hvd.DistributedOptimizer)."""
    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, n_hidden1, name="hidden1", activation=tf.nn.relu)
        hidden2 = tf.layers.dense(hidden1, n_hidden2, name="hidden2", activation=tf.nn.relu)
        logits = tf.layers.dense(hidden2, n_outputs, name="outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
        loss_summary = tf.summary.scalar("log_loss", loss)
    with tf.name_scope("train"):
        training_op = wrap_optimizer(tf.train.GradientDescentOptimizer(learning_rate)).minimize(loss)
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
        accuracy_summary = tf.summary.scalar("accuracy", accuracy)
    with tf.name_scope("weights"):
        weights = [tf.summary.histogram(v.op.name, v) for v in tf.trainable_variables()]
    with tf.name_scope("activations"):
        activations = [tf.summary.histogram(name, t) for name, t in
                       (("hidden1", hidden1), ("hidden2", hidden2), ("outputs", logits))]
    histograms = tf.summary.merge(weights + activations)
    return argparse.Namespace(X=X, y=y, logits=logits, loss=loss, training_op=training_op,
                              accuracy=accuracy, loss_summary=loss_summary,
                              accuracy_summary=accuracy_summary, histograms=histograms)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The description as written, and each option's default (unless it has none)."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _tensorboard_command():
    """``tensorboard``, with the path of the one beside this Python when there is one
    (a virtual environment's bin/ is often not on PATH)."""
    beside = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    return beside if os.path.exists(beside) else "tensorboard"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tensorflux.examples.mnist",
                                     description=__doc__, formatter_class=_HelpFormatter)
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training images")
    parser.add_argument("--batch-size", type=int, default=50, help="images per training step")
    parser.add_argument("--learning-rate", type=float, default=0.01,
                        help="step size of gradient descent")
    parser.add_argument("--data-dir", help="directory with the four MNIST .gz files "
                                           "(default: the bundled 10,000-image sample)")
    parser.add_argument("--output-dir", default="mnist_run",
                        help="where the checkpoint, the TensorBoard logs (tf_logs/) and the "
                             "unpacked sample (data/) go")
    parser.add_argument("--seed", type=int, default=42,
                        help="random seed of the weights and of the data split and shuffling")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over MPI: run under mpiexec -n N (see above)")
    args = parser.parse_args(argv)
    hvd = _distributed() if args.distributed else None
    rank = hvd.rank() if hvd else 0

    sample_dir = os.path.join(args.output_dir, f"data-{rank}" if hvd else "data")
    data_dir = args.data_dir or write_sample_dir(sample_dir)
    mnist = input_data.read_data_sets(data_dir, validation_size=1000 if not args.data_dir else 5000,
                                      seed=args.seed)
    if hvd:
        mnist.train = mnist.train.shard(hvd.size(), rank)
    print(f"data: {mnist.train.num_examples} train / {mnist.validation.num_examples} "
          f"validation / {mnist.test.num_examples} test images from {data_dir}")

    tf.reset_default_graph()
    tf.set_random_seed(args.seed)
    net = build_network(learning_rate=args.learning_rate,
                        wrap_optimizer=hvd.DistributedOptimizer if hvd else lambda opt: opt)
    init = tf.global_variables_initializer()
    broadcast = hvd.broadcast_global_variables(0) if hvd else tf.no_op()
    saver = tf.train.Saver()
    now = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    logdir = os.path.join(args.output_dir, "tf_logs", f"run-{now}")
    checkpoint = os.path.join(args.output_dir, "my_model_final.ckpt")
    writer = tf.summary.FileWriter(logdir, tf.get_default_graph()) if rank == 0 else _NoWriter()

    from tqdm import tqdm
    n_batches = mnist.train.num_examples // args.batch_size
    val_feed = {net.X: mnist.validation.images, net.y: mnist.validation.labels}
    train_time = 0.0
    with tf.Session() as sess:
        init.run()
        broadcast.run()
        writer.add_summary(sess.run(net.histograms, val_feed), 0)
        for epoch in range(args.epochs):
            bar = tqdm(range(n_batches), desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch",
                       leave=False, disable=args.no_progress or rank != 0)
            start = time.perf_counter()
            for iteration in bar:
                X_batch, y_batch = mnist.train.next_batch(args.batch_size)
                feed = {net.X: X_batch, net.y: y_batch}
                if iteration % 50 == 0:
                    _, summary = sess.run([net.training_op, net.loss_summary], feed)
                    writer.add_summary(summary, epoch * n_batches + iteration)
                else:
                    sess.run(net.training_op, feed)
            train_time += time.perf_counter() - start
            acc_val, summary, histograms = sess.run(
                [net.accuracy, net.accuracy_summary, net.histograms], val_feed)
            writer.add_summary(summary, (epoch + 1) * n_batches)
            writer.add_summary(histograms, (epoch + 1) * n_batches)
            if rank == 0:
                print(f"epoch {epoch + 1:3d}  validation accuracy {acc_val:.4f}", flush=True)
        if rank != 0:
            return None
        save_path = saver.save(sess, checkpoint)
    writer.close()

    with tf.Session() as sess:
        saver.restore(sess, save_path)
        Z = net.logits.eval(feed_dict={net.X: mnist.test.images})
        test_accuracy = float(np.mean(np.argmax(Z, axis=1) == mnist.test.labels))
    examples = args.epochs * n_batches * args.batch_size * (hvd.size() if hvd else 1)
    print(f"test accuracy {test_accuracy:.4f} (restored from {save_path})")
    print(f"training: {examples / train_time:,.0f} examples/s; TensorBoard logs in {logdir} "
          f"(see them with: {_tensorboard_command()} --logdir {os.path.join(args.output_dir, 'tf_logs')})")
    return test_accuracy


class _NoWriter:
    """Ranks other than 0 write no summaries."""

    def add_summary(self, summary, step=None):
        pass


def _distributed():
    import tensorflux.contrib.mpi as hvd
    hvd.init()
    return hvd


if __name__ == "__main__":
    main()
