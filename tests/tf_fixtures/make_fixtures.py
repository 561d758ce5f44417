"""Regenerate the TensorFlow-written golden fixtures in this folder.

Run with a Python that has TensorFlow (2.x, used through ``tensorflow.compat.v1`` with
v2 behaviour off, so graphs use TF1's ops, reference variables and v1 control flow)::

    /path/to/tf-venv/bin/python tests/tf_fixtures/make_fixtures.py

For each model it writes, under ``<model>/``: a V2 checkpoint (``model.ckpt.index`` and
``model.ckpt.data-00000-of-00001``), the ``.meta`` written by the same ``Saver.save``,
a frozen inference graph (``frozen.pb``; the linear regression also as ``frozen.pbtxt``)
and ``expected.npz``: the inputs fed and what TensorFlow computed from them. tensorflux
never imports TensorFlow; the tests read these files.

The models are the seed's (chapter 9's linear regression, chapter 10's MNIST MLP), made
small so the fixtures stay small (an 8x8 image instead of 28x28), a small CNN and a
dynamic_rnn with a hand-written GRU-style cell (Keras 3 removed tf.nn.rnn_cell; the cell
is TF1's GRUCell formula with tf.get_variable), and v1 tf.conds (``cond/``). ``kitchen/`` is a checkpoint of many
dtypes and shapes; ``saved_model_mlp/`` is ``tf.saved_model.simple_save`` of the MLP.
"""
import os
import shutil

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
HERE = os.path.dirname(os.path.abspath(__file__))


def fresh(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def save_all(sess, out, outputs, feeds, extra=None, pbtxt=False):
    """Checkpoint + .meta, frozen graph of ``outputs`` (op names) and expected values."""
    tf.train.Saver().save(sess, os.path.join(out, "model.ckpt"), write_state=False)
    frozen = tf.graph_util.convert_variables_to_constants(
        sess, sess.graph.as_graph_def(), outputs)
    tf.train.write_graph(frozen, out, "frozen.pb", as_text=False)
    if pbtxt:
        tf.train.write_graph(frozen, out, "frozen.pbtxt", as_text=True)
    values = sess.run([f"{o}:0" for o in outputs], {f"{k}:0": v for k, v in feeds.items()})
    arrays = {f"in:{k}": v for k, v in feeds.items()}
    arrays.update({f"out:{o}": v for o, v in zip(outputs, values)})
    arrays.update(extra or {})
    np.savez(os.path.join(out, "expected.npz"), **arrays)


def linear_regression():
    """Chapter 9: mini-batch gradient descent on a linear model (8 features + bias)."""
    out = fresh("linreg")
    rng = np.random.RandomState(0)
    data = np.c_[np.ones((64, 1)), rng.randn(64, 8)].astype(np.float32)
    target = (data @ rng.randn(9, 1) + 0.1 * rng.randn(64, 1)).astype(np.float32)
    with tf.Graph().as_default():
        tf.set_random_seed(42)
        X = tf.placeholder(tf.float32, shape=(None, 9), name="X")
        y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
        theta = tf.Variable(tf.random_uniform([9, 1], -1.0, 1.0, seed=42), name="theta")
        y_pred = tf.matmul(X, theta, name="predictions")
        error = y_pred - y
        mse = tf.reduce_mean(tf.square(error), name="mse")
        training_op = tf.train.GradientDescentOptimizer(0.01).minimize(mse)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(5):
                sess.run(training_op, {X: data, y: target})
            save_all(sess, out, ["predictions", "mse"], {"X": data[:16], "y": target[:16]},
                     pbtxt=True)


def dense(x, n, name, activation=None):
    """Chapter 10's neuron_layer."""
    with tf.name_scope(name):
        n_inputs = int(x.get_shape()[1])
        init = tf.truncated_normal((n_inputs, n), stddev=2 / np.sqrt(n_inputs + n), seed=1)
        W = tf.Variable(init, name="kernel")
        b = tf.Variable(tf.zeros([n]), name="bias")
        Z = tf.matmul(x, W) + b
        return activation(Z) if activation is not None else Z


def mnist_mlp():
    """Chapter 10's DNN (64-32-16-10 here) with sparse softmax cross entropy and SGD."""
    out = fresh("mlp")
    rng = np.random.RandomState(1)
    images = rng.rand(32, 64).astype(np.float32)
    labels = rng.randint(0, 10, size=32).astype(np.int64)
    with tf.Graph().as_default():
        tf.set_random_seed(7)
        X = tf.placeholder(tf.float32, shape=(None, 64), name="X")
        y = tf.placeholder(tf.int64, shape=(None,), name="y")
        with tf.name_scope("dnn"):
            hidden1 = dense(X, 32, "hidden1", tf.nn.relu)
            hidden2 = dense(hidden1, 16, "hidden2", tf.nn.relu)
            logits = dense(hidden2, 10, "outputs")
        with tf.name_scope("loss"):
            xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            loss = tf.reduce_mean(xentropy, name="loss")
        with tf.name_scope("train"):
            training_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.name_scope("eval"):
            correct = tf.nn.in_top_k(logits, y, 1)
            tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
        tf.nn.softmax(logits, name="probabilities")
        tf.argmax(logits, axis=1, name="prediction")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(5):
                sess.run(training_op, {X: images, y: labels})
            save_all(sess, out, ["dnn/outputs/add", "probabilities", "prediction",
                                 "loss/loss", "eval/accuracy"],
                     {"X": images[:8], "y": labels[:8]})
            builder_dir = os.path.join(HERE, "saved_model_mlp")
            shutil.rmtree(builder_dir, ignore_errors=True)
            tf.saved_model.simple_save(sess, builder_dir, inputs={"images": X},
                                       outputs={"probabilities": sess.graph.get_tensor_by_name(
                                           "probabilities:0")})


def small_cnn():
    """Two convolutions (SAME and strided VALID), max pooling, a dense softmax layer."""
    out = fresh("cnn")
    rng = np.random.RandomState(2)
    images = rng.rand(4, 8, 8, 1).astype(np.float32)
    with tf.Graph().as_default():
        tf.set_random_seed(3)
        X = tf.placeholder(tf.float32, shape=(None, 8, 8, 1), name="X")
        k1 = tf.Variable(tf.truncated_normal([3, 3, 1, 4], stddev=0.5, seed=1), name="conv1/kernel")
        b1 = tf.Variable(tf.fill([4], 0.1), name="conv1/bias")
        c1 = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(X, k1, [1, 1, 1, 1], "SAME"), b1))
        p1 = tf.nn.max_pool(c1, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", name="pool1")
        k2 = tf.Variable(tf.truncated_normal([2, 2, 4, 6], stddev=0.5, seed=2), name="conv2/kernel")
        c2 = tf.nn.relu(tf.nn.conv2d(p1, k2, [1, 2, 2, 1], "VALID"))
        flat = tf.reshape(c2, [-1, 2 * 2 * 6], name="flat")
        w = tf.Variable(tf.truncated_normal([24, 5], stddev=0.3, seed=3), name="fc/kernel")
        b = tf.Variable(tf.zeros([5]), name="fc/bias")
        logits = tf.add(tf.matmul(flat, w), b, name="logits")
        tf.nn.softmax(logits, name="probabilities")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            save_all(sess, out, ["logits", "probabilities"], {"X": images})


class GRUCell:
    """TF1's GRUCell formula as a duck-typed cell (Keras 3 removed tf.nn.rnn_cell)."""

    def __init__(self, num_units):
        self._n = num_units
        self.state_size = num_units
        self.output_size = num_units

    def zero_state(self, batch_size, dtype):
        return tf.zeros([batch_size, self._n], dtype)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return self.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        n, depth = self._n, int(inputs.get_shape()[1])
        with tf.variable_scope("gru_cell"):
            gate_k = tf.get_variable("gates/kernel", [depth + n, 2 * n])
            gate_b = tf.get_variable("gates/bias", [2 * n], initializer=tf.ones_initializer())
            cand_k = tf.get_variable("candidate/kernel", [depth + n, n])
            cand_b = tf.get_variable("candidate/bias", [n], initializer=tf.zeros_initializer())
        gates = tf.sigmoid(tf.nn.bias_add(tf.matmul(tf.concat([inputs, state], 1), gate_k), gate_b))
        r, u = tf.split(gates, 2, axis=1)
        c = tf.tanh(tf.nn.bias_add(tf.matmul(tf.concat([inputs, r * state], 1), cand_k), cand_b))
        h = u * state + (1 - u) * c
        return h, h


def rnn():
    """dynamic_rnn (v1 while loop over TensorArrays) of a GRU cell, then a dense layer."""
    out = fresh("rnn")
    rng = np.random.RandomState(4)
    seqs = rng.randn(3, 5, 2).astype(np.float32)
    lengths = np.array([5, 3, 4], dtype=np.int32)
    with tf.Graph().as_default():
        tf.set_random_seed(5)
        X = tf.placeholder(tf.float32, shape=(None, 5, 2), name="X")
        seq_len = tf.placeholder(tf.int32, shape=(None,), name="seq_len")
        with tf.variable_scope("rnn", initializer=tf.glorot_uniform_initializer(seed=6)):
            outputs, state = tf.nn.dynamic_rnn(GRUCell(4), X, sequence_length=seq_len,
                                               dtype=tf.float32)
        w = tf.Variable(tf.truncated_normal([4, 3], stddev=0.5, seed=7), name="out/kernel")
        tf.identity(outputs, name="outputs")
        tf.matmul(state, w, name="logits")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            save_all(sess, out, ["outputs", "logits"], {"X": seqs, "seq_len": lengths})


def conds():
    """TF1's v1 tf.cond (Switch / Merge): batch norm switched by a `training` flag
    (FusedBatchNorm in both modes), a nested cond, and a cond inside a while loop."""
    out = fresh("cond")
    rng = np.random.RandomState(8)
    images = rng.randn(2, 3, 3, 2).astype(np.float32)
    with tf.Graph().as_default():
        X = tf.placeholder(tf.float32, shape=(None, 3, 3, 2), name="X")
        training = tf.placeholder_with_default(False, [], name="training")
        scale = tf.Variable([1.5, 0.5], name="bn/gamma")
        offset = tf.Variable([0.1, -0.2], name="bn/beta")
        mean = tf.Variable([0.3, -0.1], name="bn/moving_mean")
        var = tf.Variable([2.0, 0.5], name="bn/moving_variance")
        y = tf.cond(training,
                    lambda: tf.nn.fused_batch_norm(X, scale, offset, epsilon=1e-3,
                                                   is_training=True)[0],
                    lambda: tf.nn.fused_batch_norm(X, scale, offset, mean, var, epsilon=1e-3,
                                                   is_training=False)[0], name="bn_cond")
        total = tf.reduce_sum(y, axis=[1, 2, 3])
        z = tf.cond(tf.reduce_mean(total) > 0.0,
                    lambda: tf.cond(training, lambda: total * 2.0, lambda: total - 1.0),
                    lambda: tf.abs(total), name="outer")
        counter = tf.while_loop(
            lambda i, acc: i < 4,
            lambda i, acc: (i + 1, tf.cond(tf.equal(i % 2, 0), lambda: acc + z,
                                           lambda: acc * 0.5)),
            [tf.constant(0), tf.zeros_like(z)])[1]
        tf.identity(y, name="normalized")
        tf.identity(counter, name="looped")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            save_all(sess, out, ["normalized", "looped"], {"X": images},
                     extra={"out:normalized_training": sess.run(
                         y, {X: images, training: True}),
                            "out:looped_training": sess.run(
                         counter, {X: images, training: True})})


def kitchen():
    """A checkpoint of many dtypes and shapes, and one tensor spanning many blocks."""
    out = fresh("kitchen")
    with tf.Graph().as_default():
        values = {
            "f32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
            "f64": np.array([np.pi, -np.e]),
            "f16": np.array([0.5, 1.5, -2.0], dtype=np.float16),
            "i32": np.array([[1, -2], [3, 2 ** 31 - 1]], dtype=np.int32),
            "i64": np.array([2 ** 40, -5], dtype=np.int64),
            "u8": np.arange(5, dtype=np.uint8),
            "flag": np.array([True, False, True]),
            "scalar": np.float32(2.5),
            "empty": np.zeros((0, 3), np.float32),
            "words": np.array([b"hello", b"", b"tensor\x00flux"], dtype=object),
            "scope/a/deep/name": np.ones((2, 2, 2), np.float32),
            "big": np.linspace(-1, 1, 5000, dtype=np.float32).reshape(50, 100),
        }
        for i in range(200):  # enough keys that the index spans several blocks
            values[f"many/v{i:03d}"] = np.full([2], i, np.int32)
        variables = {k: tf.Variable(v, name=k) for k, v in values.items()}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver(variables).save(sess, os.path.join(out, "model.ckpt"),
                                           write_state=False, write_meta_graph=False)
        values["words"] = values["words"].astype("S")  # np.load never unpickles
        np.savez(os.path.join(out, "expected.npz"),
                 **{k.replace("/", "|"): v for k, v in values.items()})


if __name__ == "__main__":
    linear_regression()
    mnist_mlp()
    small_cnn()
    rnn()
    conds()
    kitchen()
    print("fixtures written to", HERE)
