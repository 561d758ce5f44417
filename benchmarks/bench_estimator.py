"""The seed's high-level API run: DNNClassifier(hidden_units=[300, 100]) on 9,000 real
MNIST images (scaled to [0, 1]), batch 50, 6,000 steps; test accuracy on the other 1,000
and fit time, next to the low-level API training the same network (same optimizer,
Adagrad 0.05, same steps) in the same run.

    python benchmarks/bench_estimator.py [--steps 6000]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

import tensorflux as tf
from tensorflux.contrib.datasets.mnist import split_sample


def load():
    Xtr, ytr, Xte, yte = split_sample(1000)
    return (Xtr.reshape(-1, 784).astype(np.float32) / 255, ytr.astype(np.int32),
            Xte.reshape(-1, 784).astype(np.float32) / 255, yte.astype(np.int32))


def high_level(X_train, y_train, X_test, y_test, steps):
    with tempfile.TemporaryDirectory() as model_dir:
        feature_cols = tf.contrib.learn.infer_real_valued_columns_from_input(X_train)
        dnn_clf = tf.contrib.learn.DNNClassifier(hidden_units=[300, 100], n_classes=10,
                                                 feature_columns=feature_cols, model_dir=model_dir,
                                                 config=tf.contrib.learn.RunConfig(progress_bar=False))
        dnn_clf = tf.contrib.learn.SKCompat(dnn_clf)
        start = time.perf_counter()
        dnn_clf.fit(X_train, y_train, batch_size=50, steps=steps)
        elapsed = time.perf_counter() - start
        y_pred = dnn_clf.predict(X_test)
    return float(np.mean(y_pred["classes"] == y_test)), elapsed


def low_level(X_train, y_train, X_test, y_test, steps):
    tf.reset_default_graph()
    X = tf.placeholder(tf.float32, shape=(None, 784), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    hidden1 = tf.layers.dense(X, 300, activation=tf.nn.relu)
    hidden2 = tf.layers.dense(hidden1, 100, activation=tf.nn.relu)
    logits = tf.layers.dense(hidden2, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    training_op = tf.train.AdagradOptimizer(0.05).minimize(loss)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X_train))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = time.perf_counter()
        pos = 0
        for _ in range(steps):
            if pos + 50 > len(order):
                order, pos = rng.permutation(len(X_train)), 0
            idx = order[pos:pos + 50]
            pos += 50
            sess.run(training_op, {X: X_train[idx], y: y_train[idx]})
        elapsed = time.perf_counter() - start
        pred = np.argmax(sess.run(logits, {X: X_test}), axis=1)
    return float(np.mean(pred == y_test)), elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6000)
    args = parser.parse_args()
    data = load()
    acc, t = high_level(*data, args.steps)
    print(f"DNNClassifier (contrib.learn + SKCompat): test accuracy {acc:.4f}, fit {t:.1f} s")
    acc2, t2 = low_level(*data, args.steps)
    print(f"low-level API, same network and steps:   test accuracy {acc2:.4f}, fit {t2:.1f} s "
          f"(estimator/low-level time ratio {t / t2:.2f}x)")


if __name__ == "__main__":
    main()
