"""tf.random: gamma, Poisson and categorical sampling and the stateless ops, checked
against the moments of their distributions (with seeds, so the checks are exact
repeats) on every backend, and the stateless ops' determinism."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
N = 20000


def _run(backend, device, build):
    with backend_context(backend), tf.Graph().as_default(), tf.device(device):
        tf.set_random_seed(5)
        t = build()
        with tf.Session() as sess:
            value = sess.run(t)
            for op in tf.get_default_graph().get_operations():
                if op.type.startswith(("Random", "Stateless", "Multinomial")):
                    assert sess._backend_for(op) == backend, f"{op.type} did not run on {backend}"
        return value


def _softmax(x):
    e = np.exp(x - np.max(x, -1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


LOGITS = np.log(np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]))
SEED = [17, -4]

# name -> (build, check(value))
SAMPLERS = {
    "gamma": (lambda: tf.random.gamma([N], [0.5, 3.0], beta=[1.0, 2.0]),
              lambda v: v.shape == (N, 2) and v.dtype == np.float32
              and np.allclose(v.mean(0), [0.5, 1.5], rtol=0.05) and np.allclose(v.var(0), [0.5, 0.75], rtol=0.1)),
    "random_gamma_float64": (lambda: tf.random_gamma([N], 2.0, dtype=tf.float64),
                             lambda v: v.dtype == np.float64 and abs(v.mean() - 2.0) < 0.05),
    "poisson": (lambda: tf.random_poisson([1.5, 10.0], [N]),
                lambda v: v.shape == (N, 2) and v.dtype == np.float32
                and np.allclose(v.mean(0), [1.5, 10.0], rtol=0.05) and np.allclose(v.var(0), [1.5, 10.0], rtol=0.1)),
    "multinomial": (lambda: tf.multinomial(LOGITS, N),
                    lambda v: v.shape == (2, N) and v.dtype == np.int64
                    and np.allclose([np.bincount(r, minlength=3) / N for r in v], _softmax(LOGITS), atol=0.02)),
    "categorical": (lambda: tf.random.categorical(LOGITS * 1.0, 5, dtype=tf.int32),
                    lambda v: v.shape == (2, 5) and v.dtype == np.int32 and v.min() >= 0 and v.max() <= 2),
    "stateless_uniform": (lambda: tf.random.stateless_uniform([N], SEED, minval=2.0, maxval=4.0),
                          lambda v: 2 <= v.min() and v.max() < 4 and abs(v.mean() - 3) < 0.02),
    "stateless_uniform_int": (lambda: tf.random.stateless_uniform([N], SEED, 3, 7, dtype=tf.int64),
                              lambda v: v.dtype == np.int64 and set(np.unique(v)) == {3, 4, 5, 6}),
    "stateless_normal": (lambda: tf.random.stateless_normal([N], SEED, mean=1.0, stddev=2.0, dtype=tf.float64),
                         lambda v: abs(v.mean() - 1) < 0.05 and abs(v.std() - 2) < 0.05),
    "stateless_truncated_normal": (lambda: tf.random.stateless_truncated_normal([N], SEED, stddev=3.0),
                                   lambda v: np.abs(v).max() <= 6.0 and abs(v.std() - 3 * 0.8796) < 0.05),
    "stateless_gamma": (lambda: tf.random.stateless_gamma([N, 2], SEED, alpha=[1.0, 4.0]),
                        lambda v: np.allclose(v.mean(0), [1.0, 4.0], rtol=0.05)),
    "stateless_poisson": (lambda: tf.random.stateless_poisson([N], SEED, lam=3.0),
                          lambda v: v.dtype == np.int32 and abs(v.mean() - 3) < 0.06),
    "stateless_binomial": (lambda: tf.random.stateless_binomial([N], SEED, counts=10.0, probs=0.3),
                           lambda v: v.dtype == np.int32 and abs(v.mean() - 3) < 0.05 and abs(v.var() - 2.1) < 0.1),
    "stateless_parameterized_truncated_normal": (
        lambda: tf.random.stateless_parameterized_truncated_normal([N], SEED, means=1.0, stddevs=1.0,
                                                                   minvals=0.5, maxvals=3.0),
        lambda v: 0.5 <= v.min() and v.max() <= 3.0),
    "stateless_categorical": (lambda: tf.random.stateless_categorical(LOGITS, N, SEED),
                              lambda v: np.allclose([np.bincount(r, minlength=3) / N for r in v],
                                                    _softmax(LOGITS), atol=0.02)),
}


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_samples_follow_their_distribution(name, backend, device):
    build, check = SAMPLERS[name]
    assert check(_run(backend, device, build)), name


def test_stateless_ops_are_pure_functions_of_the_seed():
    seed = tf.placeholder(tf.int64, [2])
    u = tf.random.stateless_uniform([5], seed)
    n = tf.random.stateless_multinomial(LOGITS, 4, seed)
    with tf.Session() as s1, tf.Session() as s2:
        a = s1.run([u, n], {seed: [1, 2]})
        b = s2.run([u, n], {seed: [1, 2]})
        c = s1.run(u, {seed: [1, 3]})
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c)


def test_split_and_fold_in_derive_distinct_deterministic_seeds():
    seeds = tf.random.split([1, 2], num=3)
    folded = [tf.random.fold_in([1, 2], d) for d in (0, 1)]
    with tf.Session() as sess:
        s = sess.run(seeds)
        f0, f1 = sess.run(folded)
        again = sess.run(seeds)
    assert s.shape == (3, 2) and s.dtype == np.int64 and len({tuple(r) for r in s}) == 3
    np.testing.assert_array_equal(s, again)
    assert f0.shape == (2,) and not np.array_equal(f0, f1)


def test_seeded_stateful_samplers_repeat_across_sessions():
    tf.set_random_seed(3)
    g = tf.random_gamma([4], 2.0)
    m = tf.multinomial(LOGITS, 6)
    with tf.Session() as s1, tf.Session() as s2:
        a, b = s1.run([g, m]), s2.run([g, m])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_random_aliases_and_errors():
    assert tf.random.normal is tf.random_normal and tf.random.uniform is tf.random_uniform
    assert tf.random.shuffle is tf.random_shuffle and tf.random.set_random_seed is tf.set_random_seed
    assert tf.random.gamma is tf.random_gamma and tf.random.poisson is tf.random_poisson
    assert tf.random.multinomial is tf.multinomial and tf.random.get_seed is tf.get_seed
    with pytest.raises(ValueError, match="shape \\[2\\]"):
        tf.random.stateless_normal([3], [1, 2, 3])
    with pytest.raises(ValueError, match="2-D"):
        tf.multinomial([0.0, 1.0], 3)
    with pytest.raises(TypeError, match="float"):
        tf.random_gamma([3], 1, dtype=tf.int32)
    with pytest.raises(ValueError, match="maxval"):
        tf.random.stateless_uniform([3], [1, 2], dtype=tf.int32)
