"""Kernels of ``tensorflux.ops.random_dist_ops``. Like the other random kernels they
draw on the host, from the session's generator of the op (or, for the stateless ops,
from Philox keyed by the seed input), and move the result to the op's backend."""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors

_PARAMS = {"RandomGamma": (0, 1), "RandomPoissonV2": (0, 1), "Multinomial": (0, 1),
           "StatelessMultinomial": (0, 1, 2), "StatelessRandomGetKeyCounter": (0,)}
_STATELESS_INPUTS = {"StatelessRandomUniform": 2, "StatelessRandomNormal": 2,
                     "StatelessTruncatedNormal": 2, "StatelessRandomUniformInt": 4,
                     "StatelessRandomGammaV2": 3, "StatelessRandomPoisson": 3,
                     "StatelessRandomBinomial": 4, "StatelessParameterizedTruncatedNormal": 6}
# every input of these kernels is read on the host (the parameters are small)
HOST_MEMORY = {**{k: (v, False) for k, v in _PARAMS.items()},
               **{k: (tuple(range(n)), False) for k, n in _STATELESS_INPUTS.items()}}
HOST_MEMORY["StatelessRandomGetKeyCounter"] = ((0,), True)


def stateless_generator(seed) -> np.random.Generator:
    """The Philox generator keyed by a seed tensor's values."""
    words = [int(s) & 0xFFFFFFFFFFFFFFFF for s in np.ravel(seed)]
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(words)))


def truncated(draw, lo, hi):
    """Samples of ``draw(n)`` redrawn until they are within [lo, hi] (arrays or scalars)."""
    out = draw(None)
    bad = (out < lo) | (out > hi)
    while bad.any():
        fresh = draw(None)
        out = np.where(bad, fresh, out)
        bad = (out < lo) | (out > hi)
    return out


def categorical_samples(rng, logits, n):
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(shifted / shifted.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((logits.shape[0], n))
    return np.minimum((u[..., None] >= cdf[:, None, :]).sum(-1), logits.shape[1] - 1)


def make_random_kernels(xp):
    K = KernelTable()
    builder = K.builder

    def shape_of(shape):
        return tuple(int(d) for d in shape)

    @builder("RandomGamma")
    def _gamma(op, ctx):
        rng = ctx.rng(op)

        def run(shape, alpha):
            size = shape_of(shape) + alpha.shape
            return xp.asarray(rng.standard_gamma(alpha, size=size).astype(alpha.dtype))
        return run

    @builder("RandomPoissonV2")
    def _poisson(op, ctx):
        rng, dt = ctx.rng(op), op.attrs["dtype"].np_dtype
        return lambda shape, rate: xp.asarray(rng.poisson(rate, size=shape_of(shape) + rate.shape).astype(dt))

    def multinomial(rng, logits, n, dt, op):
        if int(n) < 0:
            raise errors.InvalidArgumentError(None, op, f"num_samples should be nonnegative, got {int(n)}")
        return xp.asarray(categorical_samples(rng, logits, int(n)).astype(dt))

    @builder("Multinomial")
    def _multinomial(op, ctx):
        rng, dt = ctx.rng(op), op.attrs["output_dtype"].np_dtype
        return lambda logits, n: multinomial(rng, logits, n, dt, op)

    @builder("StatelessMultinomial")
    def _stateless_multinomial(op, ctx):
        dt = op.attrs["output_dtype"].np_dtype
        return lambda logits, n, seed: multinomial(stateless_generator(seed), logits, n, dt, op)

    def stateless(sample):
        def b(op, ctx):
            dt = op.attrs["dtype"].np_dtype

            def run(shape, seed, *params):
                size = shape_of(shape)
                out = sample(stateless_generator(seed), size, *[np.broadcast_to(p, size) for p in params])
                return xp.asarray(np.asarray(out).astype(dt))
            return run
        return b

    def uniform_int(rng, size, lo, hi):
        if (lo >= hi).any():
            raise errors.InvalidArgumentError(None, None, "Need minval < maxval")
        return rng.integers(lo, hi, size=size)

    for op_type, sample in {
        "StatelessRandomUniform": lambda rng, size: rng.random(size),
        "StatelessRandomNormal": lambda rng, size: rng.standard_normal(size),
        "StatelessTruncatedNormal": lambda rng, size: truncated(lambda _: rng.standard_normal(size), -2, 2),
        "StatelessRandomUniformInt": uniform_int,
        "StatelessRandomGammaV2": lambda rng, size, alpha: rng.standard_gamma(alpha, size=size),
        "StatelessRandomPoisson": lambda rng, size, lam: rng.poisson(lam, size=size),
        "StatelessRandomBinomial": lambda rng, size, n, p: rng.binomial(n.astype(np.int64), p, size=size),
        "StatelessParameterizedTruncatedNormal": lambda rng, size, mean, std, lo, hi: truncated(
            lambda _: mean + std * rng.standard_normal(size), lo, hi),
    }.items():
        K[op_type] = ("builder", stateless(sample))

    @builder("StatelessRandomGetKeyCounter")
    def _split(op, ctx):
        num = op.attrs["num"]

        def run(seed):
            words = stateless_generator(seed).integers(0, 2 ** 63 - 1, size=(num, 2), dtype=np.int64)
            return words
        return run

    return K
