"""Initializers: callables ``init(shape, dtype=None, partition_info=None) -> Tensor``
used by ``get_variable`` and the layers, as in TF1."""
from __future__ import annotations

import math

import numpy as np

from tensorflux.core import dtypes
from tensorflux.ops import random_ops
from tensorflux.ops.constant_op import constant
from tensorflux.ops.op_def import defop, not_differentiable


class Initializer:
    """Base class: subclasses build the initial value of a variable."""

    dtype = dtypes.float32

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    def _dtype(self, dtype):
        return dtypes.as_dtype(dtype or self.dtype)


class Zeros(Initializer):
    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops.array_ops import zeros
        return zeros(tuple(shape), self._dtype(dtype))


class Ones(Initializer):
    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops.array_ops import ones
        return ones(tuple(shape), self._dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self.verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None):
        if np.ndim(self.value) == 0 and not self.verify_shape:  # a Fill when large (TF1
            from tensorflux.ops.array_ops import _filled  # stores one value in its Const)
            return _filled(tuple(shape), self.value, self._dtype(dtype), None, "Const")
        return constant(self.value, dtype=self._dtype(dtype), shape=tuple(shape),
                        verify_shape=self.verify_shape)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name}


class RandomUniform(Initializer):
    def __init__(self, minval=0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(list(shape), self.minval, self.maxval,
                                         self._dtype(dtype), seed=self.seed)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_normal(list(shape), self.mean, self.stddev,
                                        self._dtype(dtype), seed=self.seed)


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.truncated_normal(list(shape), self.mean, self.stddev,
                                           self._dtype(dtype), seed=self.seed)


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, counting receptive fields for convolutions."""
    shape = [int(d) for d in shape]
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(Initializer):
    """Samples with variance ``scale / n``, n = fan_in, fan_out or their mean."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0:
            raise ValueError("`scale` must be a positive float.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978
            return random_ops.truncated_normal(list(shape), 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(list(shape), 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(list(shape), -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Uniform in [-l, l] with l = sqrt(6 / (fan_in + fan_out)) (Xavier)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal


class UniformUnitScaling(Initializer):
    """Uniform in [-m, m], m = factor * sqrt(3 / input size), the input size being the
    product of all dimensions but the last (TF1's deprecated uniform_unit_scaling)."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor, self.seed = float(factor), seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        input_size = max(float(np.prod([float(d) for d in list(shape)[:-1]])), 1.0)
        limit = math.sqrt(3 / input_size) * self.factor
        return random_ops.random_uniform(list(shape), -limit, limit, self._dtype(dtype),
                                         seed=self.seed)


class Identity(Initializer):
    """gain times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = float(gain)
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = [int(d) for d in shape]
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        value = self.gain * np.eye(*shape)
        return constant(value.astype(self._dtype(dtype).np_dtype), name="identity")


class Orthogonal(Initializer):
    """A (gain-scaled) random orthogonal matrix: the Q of the QR decomposition of a
    normal matrix, signs fixed by R's diagonal; higher-rank shapes are flattened to
    (product of all but the last dimension, last dimension), as TF1 does."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain, self.seed = float(gain), seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.core.graph import get_default_graph
        from tensorflux.ops import array_ops
        shape = [int(d) for d in shape]
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = (cols, rows) if rows < cols else (rows, cols)
        normal = random_ops.random_normal(list(flat), dtype=self._dtype(dtype), seed=self.seed)
        q = get_default_graph().create_op("OrthonormalColumns", [normal]).outputs[0]
        if rows < cols:
            q = array_ops.transpose(q)
        return array_ops.reshape(q, shape) * self.gain


def he_normal(seed=None):
    """Truncated normal with variance 2 / fan_in (He et al., 2015)."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    """Uniform with variance 2 / fan_in (He et al., 2015)."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    """Truncated normal with variance 1 / fan_in (LeCun et al., 1998)."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    """Uniform with variance 1 / fan_in (LeCun et al., 1998)."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


uniform_unit_scaling_initializer = UniformUnitScaling
orthogonal_initializer = Orthogonal


def _orthonormal_shape(op):
    return [op.inputs[0].shape]


defop("OrthonormalColumns", ("matrix",), shape_fn=_orthonormal_shape,
      doc="Q of the reduced QR decomposition of a matrix, columns signed so that R's "
          "diagonal is positive (for the orthogonal initializer).")
not_differentiable("OrthonormalColumns")
