"""tf.random.Generator and friends: TF's state layout, repeatable sequences from a seed,
new numbers on every run and for every draw op, the distributions' moments, splits,
resets and the global generator; tf.random.experimental's names."""
import numpy as np
import pytest

import tensorflux as tf


def test_create_rng_state_is_tfs_layout():
    # TensorFlow 2.21: tf.random.create_rng_state(seed, "philox")
    np.testing.assert_array_equal(tf.random.create_rng_state(1234, "philox"), [1234, 0, 0])
    np.testing.assert_array_equal(tf.random.create_rng_state(2 ** 70 + 5, 1), [5, 64, 0])
    np.testing.assert_array_equal(tf.random.create_rng_state(-1, "philox"), [-1, -1, -1])
    assert tf.random.Algorithm.PHILOX.value == 1 and tf.random.Algorithm.THREEFRY.value == 2
    with pytest.raises(ValueError, match="algorithm"):
        tf.random.create_rng_state(1, "mt19937")


def test_a_seed_gives_a_sequence_that_advances_and_repeats():
    g = tf.random.Generator.from_seed(7)
    a, b = g.normal([4]), g.normal([4])
    with tf.Session() as sess:
        sess.run(g.state.initializer)
        first_a, first_b = sess.run([a, b])
        second_a = sess.run(a)
        assert not np.allclose(first_a, first_b)      # two draws of one run differ
        assert not np.allclose(first_a, second_a)     # each run gives new numbers
        # TF's layout: from_seed puts the seed in the counter's low word; one count per draw
        np.testing.assert_array_equal(sess.run(g.state), [7 + 3, 0, 0])
        sess.run(g.reset_from_seed(7))
        np.testing.assert_array_equal(sess.run(a), first_a)
        sess.run(g.skip(5))
        np.testing.assert_array_equal(sess.run(g.state)[0], 7 + 1 + 5)
    other = tf.random.Generator.from_seed(7)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(other.normal([4])), first_a)


def test_distributions():
    g = tf.random.Generator.from_key_counter(key=3, counter=[0, 0], alg="philox")
    n = 20000
    draws = {"normal": g.normal([n], mean=1.0, stddev=2.0), "uniform": g.uniform([n], 2.0, 4.0),
             "truncated": g.truncated_normal([n]), "ints": g.uniform([n], 0, 10, dtype=tf.int64),
             "full32": g.uniform_full_int([n], tf.int32), "full64": g.uniform_full_int([n]),
             "binomial": g.binomial([n], counts=10.0, probs=0.3), "seeds": g.make_seeds(3)}
    with tf.Session() as sess:
        sess.run(g.state.initializer)
        got = sess.run(draws)
    assert abs(got["normal"].mean() - 1.0) < 0.05 and abs(got["normal"].std() - 2.0) < 0.05
    assert got["uniform"].min() >= 2.0 and got["uniform"].max() < 4.0
    assert abs(got["uniform"].mean() - 3.0) < 0.02
    assert np.abs(got["truncated"]).max() <= 2.0
    assert set(np.unique(got["ints"])) == set(range(10))
    assert got["full32"].dtype == np.int32 and got["full32"].min() < -2 ** 30 and got["full32"].max() > 2 ** 30
    assert got["full64"].dtype == np.uint64 and got["full64"].max() > 2 ** 63
    assert abs(got["binomial"].mean() - 3.0) < 0.05
    assert got["seeds"].shape == (2, 3) and got["seeds"].dtype == np.int64


def test_split_and_the_global_generator():
    g = tf.random.Generator.from_seed(1)
    left, right = g.split(2)
    copy = tf.random.Generator(copy_from=g)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        x, y = sess.run([left.uniform([5]), right.uniform([5])])
        assert not np.allclose(x, y)
        np.testing.assert_array_equal(sess.run(copy.state), sess.run(g.state))
    tf.random.set_global_generator(g)
    assert tf.random.get_global_generator() is g
    with tf.Graph().as_default():
        fresh = tf.random.get_global_generator()
        assert fresh is not g and isinstance(fresh, tf.random.Generator)
    with pytest.raises(TypeError, match="Generator"):
        tf.random.set_global_generator(3)
    with pytest.raises(ValueError, match="state"):
        tf.random.Generator()


def test_experimental_names():
    assert (tf.random.experimental.Generator, tf.random.experimental.Algorithm,
            tf.random.experimental.create_rng_state, tf.random.experimental.get_global_generator,
            tf.random.experimental.set_global_generator, tf.random.experimental.stateless_split,
            tf.random.experimental.stateless_fold_in) == (
        tf.random.Generator, tf.random.Algorithm, tf.random.create_rng_state,
        tf.random.get_global_generator, tf.random.set_global_generator, tf.random.split,
        tf.random.fold_in)
