"""Writes the golden checkpoint and graph files kept in tests/golden/.

``v1_model.ckpt*``: checkpoint and graph format version 1 (a linear model trained one
step).
``v2_control_flow.ckpt*``: checkpoint format 2 (checksummed HDF5) and graph format 2 (a
recurrent loop over a TensorArray with a cond inside, its gradient loop and a training
op, trained one step).

Run once per format version (``python tests/golden/make_golden.py v2``); later versions
of tensorflux must keep reading these files (tests/test_checkpoints.py,
tests/test_control_flow_files.py). Do not regenerate the files of an existing version.
"""
import os

import numpy as np

import tensorflux as tf

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    tf.reset_default_graph()
    X = tf.placeholder(tf.float32, shape=(None, 2), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    with tf.variable_scope("linear"):
        w = tf.get_variable("w", initializer=tf.constant([[0.5], [-0.25]]))
        b = tf.get_variable("b", shape=[1], initializer=tf.zeros_initializer())
    pred = tf.add(tf.matmul(X, w), b, name="pred")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(pred - y), name="mse")
    step = tf.train.get_or_create_global_step()
    tf.train.MomentumOptimizer(0.1, 0.9).minimize(mse, global_step=step)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.get_collection(tf.GraphKeys.TRAIN_OP)[0],
                 {X: np.array([[1.0, 2.0]]), y: np.array([[1.0]])})
        saver.save(sess, os.path.join(HERE, "v1_model.ckpt"), write_state=False)


def recurrent_graph():
    """The v2 golden model: h = tanh([x_t, h] W) for t >= 1 (h + 1 at t = 0), over a
    TensorArray of the 4 time steps of ``xs``; loss = mean(outputs ** 2)."""
    xs = tf.placeholder(tf.float32, [4, 2, 3], name="xs")
    W = tf.get_variable("W", initializer=tf.constant(
        np.linspace(-0.5, 0.5, 40, dtype=np.float32).reshape(8, 5)))
    inputs = tf.TensorArray(tf.float32, size=4).unstack(xs)

    def body(t, h, out):
        h = tf.cond(t > 0, lambda: tf.tanh(tf.matmul(tf.concat([inputs.read(t), h], 1), W)),
                    lambda: h + 1.0)
        return t + 1, h, out.write(t, h)

    _, _, out = tf.while_loop(lambda t, h, o: t < 4, body,
                              [0, tf.zeros([2, 5]), tf.TensorArray(tf.float32, size=4)])
    loss = tf.reduce_mean(tf.square(out.stack()), name="loss")
    tf.train.GradientDescentOptimizer(0.5).minimize(loss, name="train")
    return xs, loss


def golden_inputs():
    return np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(4, 2, 3)


def main_v2():
    tf.reset_default_graph()
    xs, _ = recurrent_graph()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run("train", {xs: golden_inputs()})
        saver.save(sess, os.path.join(HERE, "v2_control_flow.ckpt"), write_state=False)


if __name__ == "__main__":
    import sys
    main_v2() if sys.argv[1:] == ["v2"] else main()
