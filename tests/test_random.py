import subprocess
import sys

import numpy as np
import pytest

import tensorflux as tf


def test_random_ops_shapes_ranges_and_dtypes():
    u = tf.random_uniform([1000], -1.0, 1.0)
    i = tf.random_uniform([1000], 0, 10, dtype=tf.int32)
    n = tf.random_normal([1000], mean=5.0, stddev=0.1, dtype=tf.float64)
    t = tf.truncated_normal([1000], stddev=2.0)
    s = tf.random_shuffle(tf.range(10))
    with tf.Session() as sess:
        uv, iv, nv, tv, sv = sess.run([u, i, n, t, s])
    assert uv.dtype == np.float32 and -1 <= uv.min() and uv.max() < 1
    assert iv.dtype == np.int32 and set(iv) <= set(range(10)) and len(set(iv)) == 10
    assert nv.dtype == np.float64 and abs(nv.mean() - 5) < 0.02
    assert np.abs(tv).max() <= 4.0
    assert sorted(sv) == list(range(10))
    assert u.op.name == "random_uniform" and u.shape.as_list() == [1000]
    with pytest.raises(ValueError, match="maxval"):
        tf.random_uniform([2], dtype=tf.int32)


def test_each_run_draws_new_numbers_and_sessions_restart_the_sequence():
    tf.set_random_seed(42)
    r = tf.random_normal([3])
    with tf.Session() as s1:
        a, b = s1.run(r), s1.run(r)
    with tf.Session() as s2:
        c = s2.run(r)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_op_seed_alone_is_deterministic():
    r1 = tf.random_uniform([4], seed=7)
    r2 = tf.random_uniform([4], seed=7)
    r3 = tf.random_uniform([4])
    with tf.Session() as sess:
        a, b, c = sess.run([r1, r2, r3])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


PROGRAM = """
import tensorflux as tf
tf.set_random_seed(123)
x = tf.Variable(tf.random_uniform([3], -1.0, 1.0))
y = tf.truncated_normal([2]) + tf.random_normal([2])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run(x).tolist(), sess.run(y).tolist(), sess.run(y).tolist())
"""


def test_graph_seed_gives_same_numbers_in_every_run_of_a_program():
    outs = [subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert outs[0] == outs[1] and outs[0].strip()
