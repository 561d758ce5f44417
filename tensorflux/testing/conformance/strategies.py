"""Drawing op inputs with hypothesis, for conformance cases and gradient checks.

A case is ``make(draw) -> (inputs, build)``: ``draw`` is hypothesis' ``data.draw``,
``inputs`` a list of NumPy arrays and ``build(*placeholders)`` builds the op under test
from one placeholder per input and returns the tensor to fetch. The helpers below draw
float64 inputs (shapes of up to 3 dims, values away from kinks and ties) for the common
kinds of op, so a case is often one line: ``unary(tf.tanh)``,
``binary(tf.divide, 0.5, 2.0)``.
"""
import numpy as np
from hypothesis import strategies as st


def rng(draw):
    """A NumPy generator seeded by hypothesis (so failures shrink and replay)."""
    return np.random.default_rng(draw(st.integers(0, 2 ** 31)))


def shapes(min_rank=0, max_rank=3):
    """A strategy for shapes of ``min_rank`` to ``max_rank`` dims of 1 to 3."""
    return st.lists(st.integers(1, 3), min_size=min_rank, max_size=max_rank).map(tuple)


def values(draw, shape, lo=-2.0, hi=2.0, away_from_zero=0.0):
    """Uniform float64 values in [lo, hi), at least ``away_from_zero`` from 0."""
    v = rng(draw).uniform(lo, hi, size=shape)
    if away_from_zero:
        v = np.where(np.abs(v) < away_from_zero, np.sign(v + 1e-12) * away_from_zero, v)
    return v


def distinct(draw, shape):
    """Values with no ties (for max/min)."""
    n = int(np.prod(shape))
    gen = rng(draw)
    return (gen.permutation(n) * 0.5 + gen.uniform(0, 0.1, n)).reshape(shape)


def broadcastable(draw, shape):
    """A shape that broadcasts against ``shape`` (a suffix, some dims set to 1)."""
    k = draw(st.integers(0, len(shape)))
    tail = shape[len(shape) - k:]
    return tuple(1 if draw(st.booleans()) else d for d in tail)


def unary(fn, lo=-2.0, hi=2.0, away=0.0):
    """A case for ``fn(x)`` on values in [lo, hi) at least ``away`` from 0."""
    def make(draw):
        return [values(draw, draw(shapes()), lo, hi, away)], lambda x: fn(x)
    return make


def binary(fn, y_lo=-2.0, y_hi=2.0, y_away=0.0, x_lo=-2.0, x_hi=2.0):
    """A case for ``fn(x, y)`` with y of a shape that broadcasts against x's."""
    def make(draw):
        s = draw(shapes())
        return [values(draw, s, x_lo, x_hi), values(draw, broadcastable(draw, s), y_lo, y_hi, y_away)], fn
    return make


def minmax(fn):
    """A case for ``fn(x, y)`` where no element of x and y ties (maximum, minimum)."""
    def make(draw):
        s = draw(shapes())
        x = values(draw, s)
        offset = values(draw, s, 0.2, 1.0) * np.where(values(draw, s) > 0, 1, -1)
        return [x, x + offset], fn
    return make


def reduction(fn, gen=values):
    """A case for ``fn(x, axis=..., keepdims=...)`` with a drawn axis (or None)."""
    def make(draw):
        s = draw(shapes(1))
        axis = draw(st.one_of(st.none(), st.integers(0, len(s) - 1)))
        keep = draw(st.booleans())
        x = gen(draw, s) if gen is distinct else gen(draw, s, 0.5, 2.0)
        return [x], lambda t: fn(t, axis=axis, keepdims=keep)
    return make


def shape_op(build, min_rank=1):
    """A case for ``build(x, shape, draw)``, for ops whose attrs depend on x's shape."""
    def make(draw):
        s = draw(shapes(min_rank))
        return [values(draw, s)], lambda x: build(x, s, draw)
    return make

