"""Feature columns for the estimators: numeric (real-valued) columns and input_layer."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tensorflux.core import dtypes
from tensorflux.ops import array_ops, math_ops


class NumericColumn(NamedTuple):
    key: str
    shape: tuple = (1,)
    default_value: object = None
    dtype: object = dtypes.float32
    normalizer_fn: object = None

    @property
    def name(self):
        return self.key

    @property
    def dimension(self):
        return int(np.prod(self.shape))


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A real-valued feature ``key`` of the given shape (per example)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return NumericColumn(key, shape, default_value, dtypes.as_dtype(dtype), normalizer_fn)


def real_valued_column(column_name, dimension=1, default_value=None, dtype=dtypes.float32,
                       normalizer=None):
    """contrib.layers' spelling of a numeric column."""
    return numeric_column(column_name, (dimension,), default_value, dtype, normalizer)


def input_layer(features, feature_columns):
    """The columns' features as one float32 [batch, sum of dimensions] tensor."""
    parts = []
    for column in sorted(feature_columns, key=lambda c: c.key):
        if column.key not in features:
            raise ValueError(f"Feature {column.key!r} is missing from the input (have "
                             f"{sorted(features)})")
        x = math_ops.cast(features[column.key], dtypes.float32)
        if column.normalizer_fn is not None:
            x = column.normalizer_fn(x)
        parts.append(array_ops.reshape(x, [-1, column.dimension]))
    return parts[0] if len(parts) == 1 else array_ops.concat(parts, axis=1)


def infer_real_valued_columns_from_input(x):
    """One real-valued column named "" covering all features of an array (or one per key
    of a dict of arrays), as contrib.learn does."""
    if isinstance(x, dict):
        return [real_valued_column(k, int(np.prod(np.shape(v)[1:])) or 1) for k, v in x.items()]
    x = np.asarray(x)
    if x.ndim < 1:
        raise ValueError("Cannot infer feature columns from a scalar")
    return [real_valued_column("", int(np.prod(x.shape[1:])) if x.ndim > 1 else 1)]


def infer_real_valued_columns_from_input_fn(input_fn):
    """Columns inferred from the features an input_fn builds (in a scratch graph)."""
    from tensorflux.core.graph import Graph
    with Graph().as_default():
        features, _ = input_fn()
        if not isinstance(features, dict):
            features = {"": features}
        return [real_valued_column(k, int(np.prod(t.shape.as_list()[1:])) or 1)
                for k, t in features.items()]
