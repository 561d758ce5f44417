"""Random ops. With a graph seed (``tf.set_random_seed``) and/or an op seed, every run of
a program draws the same numbers; each session keeps its own generator per op."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import attr_dtype, same_shape, shape_from_tensor

DEFAULT_GRAPH_SEED = 87654321
_SEED_ATTRS = {"dtype": dtypes.float32, "seed": 0, "seed2": 0}


def _shape_input(op):
    return [shape_from_tensor(op.inputs[0])]


for _name in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal"):
    defop(_name, ("shape",), attrs=dict(_SEED_ATTRS), dtype_fn=attr_dtype(),
          shape_fn=_shape_input, stateful=True)
defop("RandomUniformInt", ("shape", "minval", "maxval"), attrs={"seed": 0, "seed2": 0},
      dtype_fn=lambda op: [op.inputs[1].dtype], shape_fn=_shape_input, stateful=True)
defop("RandomShuffle", ("value",), attrs={"seed": 0, "seed2": 0}, shape_fn=same_shape,
      stateful=True)
not_differentiable("RandomUniform", "RandomStandardNormal", "TruncatedNormal",
                   "RandomUniformInt", "RandomShuffle")


def set_random_seed(seed):
    """Set the graph-level seed of the default graph."""
    get_default_graph().seed = seed


def get_seed(op_seed):
    """TF1's rule: (graph seed, op seed) for a new random op; (0, 0) means random."""
    graph_seed = get_default_graph().seed
    if graph_seed is not None:
        if op_seed is None:
            op_seed = get_default_graph()._last_id
        return int(graph_seed), int(op_seed)
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed)
    return 0, 0


def _seed_attrs(seed):
    s1, s2 = get_seed(seed)
    return {"seed": s1, "seed2": s2}


def _shape_tensor(shape):
    return convert_to_tensor(shape, dtype=dtypes.int32) if not hasattr(shape, "op") else shape


def _random(op_type, shape, dtype, seed, name):
    graph = get_default_graph()
    attrs = {"dtype": dtypes.as_dtype(dtype), **_seed_attrs(seed)}
    return graph.create_op(op_type, [_shape_tensor(shape)], attrs, name=name)._outputs[0]


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats)."""
    dtype = dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    with name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        shape_t = _shape_tensor(shape)
        lo = convert_to_tensor(minval, dtype=dtype, name="min")
        hi = convert_to_tensor(maxval, dtype=dtype, name="max")
        if dtype.is_integer:
            return get_default_graph().create_op(
                "RandomUniformInt", [shape_t, lo, hi], _seed_attrs(seed), name=scope)._outputs[0]
        rnd = _random("RandomUniform", shape_t, dtype, seed, "RandomUniform")
        return _add(rnd * (hi - lo), lo, scope)


def _add(x, y, name):
    from tensorflux.ops.math_ops import add
    return add(x, y, name=name)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normally distributed values."""
    with name_scope(name, "random_normal", [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        m = convert_to_tensor(mean, dtype=dtype, name="mean")
        s = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = _random("RandomStandardNormal", shape_t, dtype, seed, "RandomStandardNormal")
        return _add(rnd * s, m, scope)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values, redrawn when more than two standard deviations from the mean."""
    with name_scope(name, "truncated_normal", [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        m = convert_to_tensor(mean, dtype=dtype, name="mean")
        s = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = _random("TruncatedNormal", shape_t, dtype, seed, "TruncatedNormal")
        return _add(rnd * s, m, scope)


def random_shuffle(value, seed=None, name=None):
    """Shuffle along the first dimension."""
    return get_default_graph().create_op("RandomShuffle", [convert_to_tensor(value)],
                                         _seed_attrs(seed), name=name or "RandomShuffle")._outputs[0]
