"""More random ops (``tf.random``): gamma, Poisson and categorical sampling, and TF's
stateless random ops, whose numbers are a pure function of a ``seed`` tensor of shape
[2] (the same seed gives the same numbers in any session; the streams are NumPy's
Philox generator, not bit-for-bit TF's)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.random_ops import _seed_attrs, _shape_tensor
from tensorflux.ops.shape_fns import shape_from_tensor


def _shape_then_param(op):
    """Samples of shape ``shape + param.shape`` (TF's gamma and Poisson)."""
    return [shape_from_tensor(op.inputs[0]).concatenate(op.inputs[1].shape)]


defop("RandomGamma", ("shape", "alpha"), attrs={"seed": 0, "seed2": 0},
      shape_fn=_shape_then_param, dtype_fn=lambda op: [op.inputs[1].dtype], stateful=True,
      doc="Gamma(alpha, 1) samples of shape shape + alpha.shape.")
defop("RandomPoissonV2", ("shape", "rate"), attrs={"seed": 0, "seed2": 0, "dtype": dtypes.int64},
      shape_fn=_shape_then_param, dtype_fn=lambda op: [op.attrs["dtype"]], stateful=True,
      doc="Poisson(rate) samples of shape shape + rate.shape.")


def _multinomial_shape(op):
    logits = op.inputs[0].shape.as_tuple()
    from tensorflux.ops.shape_fns import constant_value
    n = constant_value(op.inputs[1])
    if logits is not None and len(logits) != 2:
        raise ValueError(f"{op.type}: logits must be 2-D [batch, classes], got {op.inputs[0].shape}")
    return [TensorShape([None if logits is None else logits[0], None if n is None else int(n)])]


defop("Multinomial", ("logits", "num_samples"), attrs={"seed": 0, "seed2": 0,
                                                       "output_dtype": dtypes.int64},
      shape_fn=_multinomial_shape, dtype_fn=lambda op: [op.attrs["output_dtype"]], stateful=True,
      doc="Class indices drawn from the categorical distributions softmax(logits) per row.")

# Stateless ops: (shape, seed, *params); the kernel draws from Philox keyed by seed.
STATELESS = {
    "StatelessRandomUniform": (), "StatelessRandomNormal": (),
    "StatelessTruncatedNormal": (), "StatelessRandomUniformInt": ("minval", "maxval"),
    "StatelessRandomGammaV2": ("alpha",), "StatelessRandomPoisson": ("lam",),
    "StatelessRandomBinomial": ("counts", "probs"),
    "StatelessParameterizedTruncatedNormal": ("means", "stddevs", "minvals", "maxvals"),
}
for _name, _params in STATELESS.items():
    defop(_name, ("shape", "seed") + _params, attrs={"dtype": dtypes.float32},
          shape_fn=lambda op: [shape_from_tensor(op.inputs[0])],
          dtype_fn=lambda op: [op.attrs["dtype"]],
          doc="Random numbers that are a pure function of `seed` (shape [2]).")
defop("StatelessMultinomial", ("logits", "num_samples", "seed"), attrs={"output_dtype": dtypes.int64},
      shape_fn=_multinomial_shape, dtype_fn=lambda op: [op.attrs["output_dtype"]])
defop("StatelessRandomGetKeyCounter", ("seed",), attrs={"num": 2},
      shape_fn=lambda op: [TensorShape([op.attrs["num"], 2])], dtype_fn=lambda op: [dtypes.int64],
      doc="`num` new seeds (shape [num, 2]) derived from `seed`; `seed` may carry extra "
          "data to fold in as a third entry.")
not_differentiable("RandomGamma", "RandomPoissonV2", "Multinomial", "StatelessMultinomial",
                   "StatelessRandomGetKeyCounter", *STATELESS)


def _create(op_type, inputs, attrs, name):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type).outputs[0]


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Gamma(alpha, beta) samples of shape ``shape + broadcast(alpha, beta).shape``."""
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"random_gamma: dtype must be a float type, got {dtype.name}")
    with name_scope(name, "random_gamma", [shape, alpha, beta]) as scope:
        alpha = convert_to_tensor(alpha, dtype=dtype, name="alpha")
        beta = convert_to_tensor(1 if beta is None else beta, dtype=dtype, name="beta")
        alpha = alpha + math_ops.cast(0, dtype) * beta  # the broadcast parameter shape
        sample = _create("RandomGamma", [_shape_tensor(shape), alpha], _seed_attrs(seed), None)
        return math_ops.truediv(sample, beta, name=scope)


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """Poisson(lam) samples of shape ``shape + lam.shape`` (TF1 argument order)."""
    with name_scope(name, "random_poisson", [lam, shape]) as scope:
        lam = convert_to_tensor(lam, preferred_dtype="float32", name="lam")
        if not lam.dtype.is_floating and not lam.dtype.is_integer:
            raise TypeError(f"random_poisson: lam must be numeric, got {lam.dtype.name}")
        return _create("RandomPoissonV2", [_shape_tensor(shape), lam],
                       {"dtype": dtypes.as_dtype(dtype), **_seed_attrs(seed)}, scope)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """``num_samples`` class indices per row of the unnormalized log-probabilities ``logits``."""
    return categorical(logits, num_samples, dtype=output_dtype, seed=seed, name=name)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    logits = convert_to_tensor(logits, preferred_dtype="float32")
    if not logits.dtype.is_floating:
        raise TypeError(f"categorical: logits must be floats, got {logits.dtype.name}")
    n = convert_to_tensor(num_samples, dtype=dtypes.int32)
    dtype = dtypes.as_dtype(dtype or dtypes.int64)
    return _create("Multinomial", [logits, n], {"output_dtype": dtype, **_seed_attrs(seed)},
                   name or "Multinomial")


# --- stateless -------------------------------------------------------------------------------
def _seed(seed):
    s = convert_to_tensor(seed, preferred_dtype="int64")
    if not s.dtype.is_integer or not s.shape.is_compatible_with(TensorShape([2])):
        raise ValueError(f"seed must be an integer tensor of shape [2], got {s.dtype.name} "
                         f"of shape {s.shape}")
    return s


def _stateless(op_type, shape, seed, params, dtype, name):
    dtype = dtypes.as_dtype(dtype)
    return _create(op_type, [_shape_tensor(shape), _seed(seed), *params], {"dtype": dtype}, name)


def stateless_random_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None):
    """Uniform values in [minval, maxval), a pure function of ``seed``."""
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "stateless_random_uniform", [shape, seed, minval, maxval]) as scope:
        if dtype.is_integer:
            if maxval is None:
                raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
            lo, hi = (convert_to_tensor(v, dtype=dtype) for v in (minval, maxval))
            return _stateless("StatelessRandomUniformInt", shape, seed, [lo, hi], dtype, scope)
        rnd = _stateless("StatelessRandomUniform", shape, seed, [], dtype, None)
        lo = convert_to_tensor(minval, dtype=dtype)
        hi = convert_to_tensor(1 if maxval is None else maxval, dtype=dtype)
        return math_ops.add(rnd * (hi - lo), lo, name=scope)


def _scaled(op_type, shape, seed, mean, stddev, dtype, name, default_name):
    with name_scope(name, default_name, [shape, seed, mean, stddev]) as scope:
        rnd = _stateless(op_type, shape, seed, [], dtype, None)
        m, s = (convert_to_tensor(v, dtype=dtype) for v in (mean, stddev))
        return math_ops.add(rnd * s, m, name=scope)


def stateless_random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
    return _scaled("StatelessRandomNormal", shape, seed, mean, stddev, dtype, name,
                   "stateless_random_normal")


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
    return _scaled("StatelessTruncatedNormal", shape, seed, mean, stddev, dtype, name,
                   "stateless_truncated_normal")


def stateless_random_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None):
    """Gamma(alpha, beta) samples of ``shape`` (alpha and beta broadcast to it)."""
    with name_scope(name, "stateless_random_gamma", [shape, seed, alpha, beta]) as scope:
        alpha = convert_to_tensor(alpha, dtype=dtype)
        sample = _stateless("StatelessRandomGammaV2", shape, seed, [alpha], dtype, None)
        if beta is None:
            return array_ops.identity(sample, name=scope)
        return math_ops.truediv(sample, convert_to_tensor(beta, dtype=dtype), name=scope)


def stateless_random_poisson(shape, seed, lam, dtype=dtypes.int32, name=None):
    lam = convert_to_tensor(lam, preferred_dtype="float32")
    return _stateless("StatelessRandomPoisson", shape, seed, [lam], dtype, name)


def stateless_random_binomial(shape, seed, counts, probs, output_dtype=dtypes.int32, name=None):
    """Binomial(counts, probs) samples of ``shape``."""
    counts = convert_to_tensor(counts, preferred_dtype="float32")
    probs = convert_to_tensor(probs, dtype=counts.dtype if not hasattr(probs, "op") else None)
    return _stateless("StatelessRandomBinomial", shape, seed, [counts, probs], output_dtype, name)


def stateless_parameterized_truncated_normal(shape, seed, means=0.0, stddevs=1.0, minvals=-2.0,
                                             maxvals=2.0, name=None):
    """Normal(means, stddevs) samples kept within [minvals, maxvals]."""
    params = [convert_to_tensor(means, preferred_dtype="float32")]
    params += [convert_to_tensor(v, dtype=params[0].dtype) for v in (stddevs, minvals, maxvals)]
    return _stateless("StatelessParameterizedTruncatedNormal", shape, seed, params, params[0].dtype, name)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    logits = convert_to_tensor(logits, preferred_dtype="float32")
    n = convert_to_tensor(num_samples, dtype=dtypes.int32)
    return _create("StatelessMultinomial", [logits, n, _seed(seed)],
                   {"output_dtype": dtypes.as_dtype(dtype)}, name)


def stateless_multinomial(logits, num_samples, seed, output_dtype=dtypes.int64, name=None):
    return stateless_categorical(logits, num_samples, seed, dtype=output_dtype, name=name)


def split(seed, num=2, alg="auto_select"):
    """``num`` new seeds (shape [num, 2]) derived from ``seed``, for stateless ops."""
    return _create("StatelessRandomGetKeyCounter", [_seed(seed)], {"num": int(num)}, "split")


def fold_in(seed, data, alg="auto_select"):
    """A new seed (shape [2]) derived from ``seed`` and the integer ``data``."""
    with name_scope(None, "fold_in", [seed, data]):
        s = math_ops.cast(_seed(seed), dtypes.int64)
        d = math_ops.cast(convert_to_tensor(data), dtypes.int64)
        mixed = array_ops.concat([s, array_ops.reshape(d, [1])], 0)
        return _create("StatelessRandomGetKeyCounter", [mixed], {"num": 1}, "fold_in")[0]
