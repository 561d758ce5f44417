"""Candidate samplers (``tf.nn.log_uniform_candidate_sampler`` and friends) and
``tf.nn.compute_accidental_hits``, for the sampled losses.

Each sampler draws ``num_sampled`` class ids from ``[0, range_max)`` and returns
``(sampled_candidates, true_expected_count, sampled_expected_count)``: how many times a
class is expected to appear among the samples. Formulas are TF1's (``range_sampler.cc``):
with ``unique=False`` the count is ``p * num_sampled``; with ``unique=True`` samples are
drawn until ``num_sampled`` distinct ones are found, after ``num_tries`` draws, and the
count is the probability of being drawn at least once, ``1 - (1 - p) ** num_tries``.
The samples themselves come from tensorflux's generator (same seed, same samples on
every run, but not TF1's sequence).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.random_ops import get_seed

_SAMPLER_ATTRS = {"num_true": None, "num_sampled": None, "unique": None, "range_max": None,
                  "seed": 0, "seed2": 0}


def _sampler_shapes(op):
    n = op.attrs["num_sampled"]
    true = op.inputs[0].shape
    if true.ndims not in (None, 2):
        raise ValueError(f"true_classes must be a matrix [batch_size, num_true], got {true}")
    if true.ndims == 2 and true.as_tuple()[1] not in (None, op.attrs["num_true"]):
        raise ValueError(f"true_classes has {true.as_tuple()[1]} columns, num_true is "
                         f"{op.attrs['num_true']}")
    return [TensorShape([n]), TensorShape([true.as_tuple()[0] if true.ndims else None,
                                           op.attrs["num_true"]]), TensorShape([n])]


def _sampler_dtypes(op):
    return [dtypes.int64, dtypes.float32, dtypes.float32]


for _name, _extra, _doc in (
        ("LogUniformCandidateSampler", {}, "P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)"),
        ("UniformCandidateSampler", {}, "P(k) = 1 / range_max"),
        ("FixedUnigramCandidateSampler",
         {"distortion": 1.0, "num_reserved_ids": 0, "num_shards": 1, "shard": 0,
          "unigrams": ()}, "P(k) proportional to unigrams[k] ** distortion"),
        ("LearnedUnigramCandidateSampler", {},
         "P(k) proportional to 1 + the times k was a true class in earlier runs"),
        ("AllCandidateSampler", {}, "every class of [0, num_sampled), each expected once")):
    defop(_name, ("true_classes",), attrs={**_SAMPLER_ATTRS, **_extra}, num_outputs=3,
          dtype_fn=_sampler_dtypes, shape_fn=_sampler_shapes, stateful=True, doc=_doc)

defop("ComputeAccidentalHits", ("true_classes", "sampled_candidates"),
      attrs={"num_true": None, "seed": 0, "seed2": 0}, num_outputs=3,
      dtype_fn=lambda op: [dtypes.int32, dtypes.int64, dtypes.float32],
      shape_fn=lambda op: [TensorShape([None])] * 3,
      doc="(row, position in sampled_candidates, -FLT_MAX) for each true class that was sampled")
not_differentiable("LogUniformCandidateSampler", "UniformCandidateSampler",
                   "FixedUnigramCandidateSampler", "ComputeAccidentalHits",
                   "LearnedUnigramCandidateSampler", "AllCandidateSampler")


def _check(true_classes, num_true, num_sampled, range_max):
    t = convert_to_tensor(true_classes, name="true_classes")
    if t.dtype != dtypes.int64:
        raise TypeError(f"Value passed to parameter 'true_classes' has DataType "
                        f"{t.dtype.name} not in list of allowed values: int64 ({t.name})")
    for what, v in (("num_true", num_true), ("num_sampled", num_sampled),
                    ("range_max", range_max)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{what} must be a positive int, got {v!r}")
    return t


def _sampler(op_type, true_classes, num_true, num_sampled, unique, range_max, seed, name,
             **extra):
    t = _check(true_classes, num_true, num_sampled, range_max)
    if unique and num_sampled > range_max:
        raise ValueError(f"Sampling {num_sampled} unique classes needs range_max >= "
                         f"num_sampled, got range_max={range_max}")
    s1, s2 = get_seed(seed)
    attrs = {"num_true": num_true, "num_sampled": num_sampled, "unique": bool(unique),
             "range_max": range_max, "seed": s1, "seed2": s2, **extra}
    return tuple(get_default_graph().create_op(op_type, [t], attrs, name=name or op_type).outputs)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """Sample classes from Zipf's law over ``[0, range_max)`` (ids sorted by decreasing
    frequency, as word ids usually are)."""
    return _sampler("LogUniformCandidateSampler", true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                              seed=None, name=None):
    """Sample classes uniformly from ``[0, range_max)``."""
    return _sampler("UniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                    range_max, seed, name)


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                      seed=None, name=None):
    """Sample classes with probability proportional to how often each was a true class
    so far: every class starts with a count of 1 and each run adds this batch's
    ``true_classes`` after sampling, as TF1's sampler learns (one count per session)."""
    return _sampler("LearnedUnigramCandidateSampler", true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Every class of ``[0, num_sampled)``, each expected once (for testing sampled
    losses against their exact versions)."""
    return _sampler("AllCandidateSampler", true_classes, num_true, num_sampled, True,
                    num_sampled, seed, name)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0,
                                    num_shards=1, shard=0, unigrams=(), seed=None, name=None):
    """Sample classes with probability proportional to ``unigrams[k] ** distortion``
    (ids below ``num_reserved_ids`` are never sampled; with ``num_shards`` > 1, only the
    ids ``k % num_shards == shard`` form this shard's range, numbered from 0)."""
    if vocab_file:
        raise ValueError("fixed_unigram_candidate_sampler: vocab_file is not supported; "
                         "pass the counts as unigrams")
    if not unigrams:
        raise ValueError("fixed_unigram_candidate_sampler needs unigrams")
    if not 0 <= shard < num_shards:
        raise ValueError(f"shard must be in [0, num_shards={num_shards}), got {shard}")
    ids = range(num_reserved_ids + len(unigrams))
    size = sum(1 for k in ids if k % num_shards == shard)
    if size != range_max:
        raise ValueError(f"range_max ({range_max}) must equal the number of ids in this shard "
                         f"({size}: num_reserved_ids + len(unigrams), sharded)")
    return _sampler("FixedUnigramCandidateSampler", true_classes, num_true, num_sampled, unique,
                    range_max, seed, name, distortion=float(distortion),
                    num_reserved_ids=int(num_reserved_ids), num_shards=int(num_shards),
                    shard=int(shard), unigrams=tuple(float(u) for u in unigrams))


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """Where a sampled candidate equals one of a row's true classes: (row indices, positions
    in ``sampled_candidates``, weights of -FLT_MAX to add to those logits). When a
    candidate was sampled several times, the last position is reported, as TF1 does."""
    t = _check(true_classes, num_true, 1, 1)
    sampled = convert_to_tensor(sampled_candidates, name="sampled_candidates")
    if sampled.dtype != dtypes.int64:
        raise TypeError(f"sampled_candidates must be int64, got {sampled.dtype.name}")
    s1, s2 = get_seed(seed)
    return tuple(get_default_graph().create_op(
        "ComputeAccidentalHits", [t, sampled], {"num_true": num_true, "seed": s1, "seed2": s2},
        name=name or "ComputeAccidentalHits").outputs)
