"""Random graphs run optimized and unoptimized give the same values.

Each example builds a graph of float32 elementwise chains with broadcasting, matrix
products, reductions, transposes, bias adds, the patterns the simplifier rewrites
(``x * 1``, ``x + 0``, ``-(-x)``, ``x + (-y)``, add chains, ``x - x``) and variable
updates, fetches some intermediates, sometimes feeds one, and runs it twice (with other
fed values the second time, so buffers are reused) in a session with every pass on and
in one with none (``OptimizerOptions.L0``). None of the passes reorders a floating-point
operation, so the values must agree exactly (NaN with NaN, -0.0 with 0.0), except gradient
descent with the product of two values, which the optimizer may fold into the product
(one rounding instead of three): a variable of its own, within 4 ulp of the terms.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorflux as tf

SHAPES = [(3, 4), (4,), (1, 4), (3, 1), ()]


@pytest.fixture(autouse=True)
def default_level(monkeypatch):
    monkeypatch.delenv("TENSORFLUX_OPT_LEVEL", raising=False)


def _value(rng, shape):
    v = rng.normal(size=shape).astype(np.float32)
    return np.asarray(np.where(rng.random(shape) < 0.1, 0.0, v), np.float32)


class RandomGraph:
    """Draws ops over a pool of tensors whose shapes broadcast to (3, 4)."""

    def __init__(self, draw, rng):
        self.draw, self.rng = draw, rng
        self.pool, self.feed, self.placeholders, self.variables, self.updates = [], {}, [], [], []
        self.descents = []  # (variable, its initial value, the product's operands)

    def pick(self, shapes=None):
        choices = [t for t in self.pool if shapes is None or tuple(t.shape.as_list()) in shapes
                   or (t.shape.as_list()[:1] == [None] and (3,) + tuple(t.shape.as_list()[1:]) in shapes)]
        return self.draw(st.sampled_from(choices)) if choices else None

    def leaf(self):
        kind = self.draw(st.sampled_from(["placeholder", "batch", "variable", "constant", "one"]))
        shape = self.draw(st.sampled_from(SHAPES))
        value = _value(self.rng, shape)
        if kind == "placeholder" or (kind == "batch" and len(shape) != 2):
            t = tf.placeholder(tf.float32, shape=shape)
            self.feed[t] = value
            self.placeholders.append(t)
        elif kind == "batch":  # the batch dimension known only when the plan runs
            t = tf.placeholder(tf.float32, shape=(None,) + shape[1:])
            self.feed[t] = np.repeat(value[:1], 3, axis=0) if shape[0] == 1 else value
            self.placeholders.append(t)
        elif kind == "variable":
            var = tf.Variable(value)
            self.variables.append(var)
            t = var
        elif kind == "constant":
            t = tf.constant(value)
        else:
            t = tf.constant(np.full(shape, self.draw(st.sampled_from([0.0, 1.0])), np.float32))
        self.pool.append(tf.convert_to_tensor(t))

    def op(self):
        draw = self.draw
        kind = draw(st.sampled_from(["unary", "binary", "binary", "matmul", "reduce", "bias",
                                     "transpose", "neutral", "negate", "chain", "update",
                                     "descent"]))
        x = self.pick()
        if kind == "unary":
            fn = draw(st.sampled_from([tf.tanh, tf.nn.relu, tf.negative, tf.abs, tf.square,
                                       tf.exp, lambda v: tf.sqrt(tf.abs(v)), tf.sigmoid]))
            out = fn(x)
        elif kind == "binary":
            fn = draw(st.sampled_from([tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum,
                                       tf.divide, lambda a, b: a - a + b]))
            out = fn(x, self.pick())
        elif kind == "matmul":
            a = self.pick([(3, 4)])
            if a is None:
                return
            out = tf.matmul(a, tf.constant(_value(self.rng, (4, 4))), transpose_b=draw(st.booleans()))
        elif kind == "reduce":
            axis = draw(st.sampled_from([None, 0, 1]))
            if axis is not None and x.shape.ndims != 2:
                return
            out = tf.reduce_sum(x, axis=axis, keepdims=axis is not None)
        elif kind == "bias":
            a, b = self.pick([(3, 4)]), self.pick([(4,)])
            if a is None or b is None:
                return
            out = tf.nn.bias_add(a, b)
        elif kind == "transpose":
            if x.shape.ndims != 2:
                return
            out = tf.transpose(tf.transpose(x) * 2.0)
        elif kind == "neutral":
            out = draw(st.sampled_from([lambda v: v * 1.0, lambda v: v + 0.0, lambda v: 0.0 + v,
                                        lambda v: v / 1.0]))(x)
        elif kind == "negate":
            out = draw(st.sampled_from([lambda a, b: -(-a), lambda a, b: a + (-b),
                                        lambda a, b: (-a) + b, lambda a, b: a - (-b)]))(x, self.pick())
        elif kind == "chain":
            out = x
            for _ in range(draw(st.integers(1, 5))):
                out = out + draw(st.sampled_from([x, self.pick()]))
        elif kind == "descent":  # var -= 0.5 * a^T b, on a variable nothing else reads
            a, b = self.pick([(3, 4)]), self.pick([(3, 4)])
            if a is None or b is None:
                return
            w0 = _value(self.rng, (4, 4))
            var = tf.Variable(w0)
            gradient = tf.matmul(a, b, transpose_a=True)
            self.updates.append(tf.train.GradientDescentOptimizer(0.5).apply_gradients(
                [(gradient, var)]))
            self.descents.append((var, w0, a, b))
            return
        else:
            if not self.variables:
                return
            var = draw(st.sampled_from(self.variables))
            value = self.pick([tuple(var.shape.as_list())])
            if value is not None:
                self.updates.append(tf.assign_add(var, value * 0.5))
            return
        self.pool.append(out)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), seed=st.integers(0, 2 ** 31 - 1))
def test_random_graphs_agree_optimized_and_not(data, seed):
    draw, rng = data.draw, np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        g = RandomGraph(draw, rng)
        for _ in range(draw(st.integers(2, 4))):
            g.leaf()
        for _ in range(draw(st.integers(2, 14))):
            g.op()
        computed = [t for t in g.pool if t.op.type not in ("Placeholder", "Const", "VariableV2")]
        fetches = [g.pool[-1]] + draw(st.lists(st.sampled_from(g.pool), max_size=3))
        feed = dict(g.feed)
        if computed and draw(st.booleans()):  # feed an intermediate value
            fed = draw(st.sampled_from(computed))
            if fed.shape.is_fully_defined():
                feed[fed] = _value(rng, tuple(fed.shape.as_list()))
        init = tf.global_variables_initializer()
        variables = [v for v in g.variables]
    results, values = [], []
    for level in (tf.OptimizerOptions.L1, tf.OptimizerOptions.L0):
        config = tf.ConfigProto(graph_options=tf.GraphOptions(
            optimizer_options=tf.OptimizerOptions(opt_level=level)))
        with tf.Session(graph=graph, config=config) as sess, np.errstate(all="ignore"):
            sess.run(init)
            operands = [t for _, _, a, b in g.descents for t in (a, b)]
            first = sess.run(fetches + g.updates + operands, feed)
            second_feed = {t: _value(np.random.default_rng(seed + 1), v.shape) if t in g.feed
                           else v for t, v in feed.items()}
            second = sess.run(fetches, second_feed)
            after = sess.run(variables) if variables else []
            descended = sess.run([var for var, _, _, _ in g.descents])
            results.append((first, second, after))
            values.append((first[len(first) - len(operands):], descended))
    for optimized, plain in zip(*results):
        for a, b in zip(optimized, plain):
            if a is None:
                continue
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_array_equal(a, b)
    (_, optimized), (operands, plain) = values
    for (_, w0, _, _), got, want, a, b in zip(g.descents, optimized, plain,
                                              operands[::2], operands[1::2]):
        scale = np.abs(w0) + 0.5 * (np.abs(a.astype(np.float64)).T @ np.abs(b))
        assert got.dtype == want.dtype == np.float32
        finite = np.isfinite(want)
        np.testing.assert_array_equal(finite, np.isfinite(got))
        tolerance = 4 * np.spacing(scale[finite].astype(np.float32))
        assert np.all(np.abs(got[finite].astype(np.float64) - want[finite]) <= tolerance)
