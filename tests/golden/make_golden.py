"""Writes the golden checkpoint and graph files kept in tests/golden/ (format version 1).

Run once per format version; later versions of tensorflux must keep reading these
files (tests/test_checkpoints.py). Do not regenerate them for an existing version.
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


if __name__ == "__main__":
    main()
