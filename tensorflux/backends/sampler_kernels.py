"""Kernels of the candidate samplers and ``ComputeAccidentalHits``, which run on the host
as TF's do (they draw from the session's per-op generator and use hash lookups;
``HOST_MEMORY`` says so).

Sampling follows TF1's ``range_sampler.cc``: log-uniform draws
``floor(exp(u * log(range_max + 1))) - 1``; with ``unique`` draws repeat until
``num_sampled`` distinct values are found, and expected counts are
``p * num_sampled`` when every draw was kept, else ``-expm1(num_tries * log1p(-p))``.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors

_SAMPLERS = ("LogUniformCandidateSampler", "UniformCandidateSampler",
             "FixedUnigramCandidateSampler", "LearnedUnigramCandidateSampler",
             "AllCandidateSampler")
HOST_MEMORY = {name: (True, True) for name in _SAMPLERS + ("ComputeAccidentalHits",)}


def make_sampler_kernels(xp):
    K = KernelTable()
    for name in _SAMPLERS:
        K[name] = ("builder", _sampler_builder)
    K["ComputeAccidentalHits"] = ("builder", _accidental_hits_builder)
    return K


class _LearnedCounts:
    """The class counts a LearnedUnigramCandidateSampler learns, kept per session (TF's
    sampler starts every weight at 1 and adds 1 for each true class it sees)."""

    def __init__(self, n):
        self.weights = np.ones(n, np.float64)

    def cancel(self):
        pass


def _distribution(op, ctx):
    """(probability of each id as a function, a sampler drawing n ids from rng, a
    function called with each run's true classes after sampling)."""
    a = op.attrs
    n = a["range_max"]
    if op.type == "LearnedUnigramCandidateSampler":
        counts = ctx.resources.setdefault(("LearnedUnigram", op.name), _LearnedCounts(n))

        def learned_prob(ids):
            ids = np.asarray(ids, np.int64)
            inside = (ids >= 0) & (ids < n)
            return np.where(inside, counts.weights[np.clip(ids, 0, n - 1)], 0.0) / counts.weights.sum()

        def learn(true_classes):
            ids = true_classes.reshape(-1)
            np.add.at(counts.weights, ids[(ids >= 0) & (ids < n)], 1.0)
        return learned_prob, (lambda rng, k: rng.choice(
            n, size=k, p=counts.weights / counts.weights.sum())), learn
    if op.type == "AllCandidateSampler":
        return (lambda ids: np.full(np.shape(ids), 1.0 / n)), None, None
    if op.type == "LogUniformCandidateSampler":
        log_range = np.log(n + 1.0)

        def prob(ids):
            return (np.log(ids + 2.0) - np.log(ids + 1.0)) / log_range

        def draw(rng, k):
            v = np.exp(rng.random(k) * log_range).astype(np.int64) - 1
            return np.minimum(v, n - 1)  # guards rounding at the top of the range
        return prob, draw, None
    if op.type == "UniformCandidateSampler":
        return (lambda ids: np.full(np.shape(ids), 1.0 / n)), (lambda rng, k: rng.integers(0, n, k)), None
    ids = np.arange(a["num_reserved_ids"] + len(a["unigrams"]))
    counts = np.concatenate([np.zeros(a["num_reserved_ids"]),
                             np.asarray(a["unigrams"], np.float64) ** a["distortion"]])
    mine = ids % a["num_shards"] == a["shard"]
    weights = counts[mine]
    p = weights / weights.sum()

    def prob(ids):
        ids = np.asarray(ids)
        inside = (ids >= 0) & (ids < p.size)
        return np.where(inside, p[np.clip(ids, 0, p.size - 1)], 0.0)
    return prob, (lambda rng, k: rng.choice(p.size, size=k, p=p)), None


def _sampler_builder(op, ctx):
    a = op.attrs
    k, unique, num_true = a["num_sampled"], a["unique"], a["num_true"]
    prob, draw, learn = _distribution(op, ctx)
    rng = ctx.rng(op)
    if op.type == "AllCandidateSampler":
        def every_class(true_classes):
            ones = np.ones(true_classes.shape, np.float32)
            return np.arange(k, dtype=np.int64), ones, np.ones(k, np.float32)
        return every_class

    def run(true_classes):
        if true_classes.ndim != 2 or true_classes.shape[1] != num_true:
            raise errors.InvalidArgumentError(
                None, None, f"true_classes must be [batch_size, num_true={num_true}], got "
                            f"shape {true_classes.shape}")
        if unique:
            picked, seen, tries = [], set(), 0
            while len(picked) < k:
                for v in draw(rng, max(2 * (k - len(picked)), 16)).tolist():
                    tries += 1
                    if v not in seen:
                        seen.add(v)
                        picked.append(v)
                        if len(picked) == k:
                            break
            sampled = np.array(picked, np.int64)
        else:
            sampled, tries = np.asarray(draw(rng, k), np.int64), k

        def expected(ids):
            p = prob(np.asarray(ids, np.float64) if op.type != "FixedUnigramCandidateSampler"
                     else np.asarray(ids))
            if tries == k:
                return (p * k).astype(np.float32)
            return (-np.expm1(tries * np.log1p(-p))).astype(np.float32)
        out = sampled, expected(true_classes), expected(sampled)
        if learn is not None:
            learn(true_classes)
        return out
    return run


def _accidental_hits_builder(op, ctx):
    num_true = op.attrs["num_true"]

    def run(true_classes, sampled):
        if true_classes.ndim != 2 or true_classes.shape[1] != num_true:
            raise errors.InvalidArgumentError(
                None, None, f"true_classes must be [batch_size, num_true={num_true}], got "
                            f"shape {true_classes.shape}")
        position = {int(c): j for j, c in enumerate(sampled.tolist())}  # the last one wins
        rows, ids = [], []
        for i, row in enumerate(true_classes.tolist()):
            for c in row:
                j = position.get(int(c))
                if j is not None:
                    rows.append(i)
                    ids.append(j)
        weights = np.full(len(rows), -np.finfo(np.float32).max, np.float32)
        return np.array(rows, np.int32), np.array(ids, np.int64), weights
    return run
