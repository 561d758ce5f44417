"""``tf.estimator.inputs.numpy_input_fn``: feed NumPy arrays to an estimator in batches.

The input_fn builds placeholders and registers a feeder in the graph; the estimator asks
the feeder for each step's feed_dict until the epochs run out (or forever with
``num_epochs=None``).
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.ops.array_ops import placeholder

FEEDERS = "_tensorflux_feeders"


class _Feeder:
    def __init__(self, placeholders, arrays, batch_size, num_epochs, shuffle, seed):
        self.placeholders = placeholders
        self.arrays = arrays
        self.n = len(arrays[0])
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.shuffle = shuffle
        self.rng = np.random.RandomState(seed)
        self.epoch = 0
        self.order = self._order()
        self.pos = 0

    def _order(self):
        return self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def next_feed(self):
        """The next batch's feed_dict; raises StopIteration after the last epoch."""
        if self.num_epochs is not None and self.epoch >= self.num_epochs:
            raise StopIteration
        idx = self.order[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        if self.pos >= self.n:
            self.epoch += 1
            self.pos = 0
            self.order = self._order()
        return {p: a[idx] for p, a in zip(self.placeholders, self.arrays)}


def _as_dict(x):
    return dict(x) if isinstance(x, dict) else {"": x}


def _check_array(name, a):
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"Feature {name!r} must be numeric, got dtype {a.dtype}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"Feature {name!r} contains NaN or infinite values")
    return a


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000,
                   num_threads=1, seed=None):
    """An input_fn feeding ``x`` (array or dict of arrays) and ``y`` in batches."""
    if shuffle is None:
        raise ValueError("shuffle must be provided explicitly (True or False)")
    features = {k: _check_array(k, v) for k, v in _as_dict(x).items()}
    lengths = {len(v) for v in features.values()}
    labels = None if y is None else np.asarray(y)
    if labels is not None:
        lengths.add(len(labels))
    if len(lengths) != 1:
        raise ValueError(f"x and y must have the same number of rows, got {sorted(lengths)}")
    if labels is not None and labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("Labels contain NaN or infinite values")

    def input_fn():
        graph = get_default_graph()
        tensors, arrays = {}, []
        for key, value in features.items():
            dtype = dtypes.float32 if value.dtype.kind == "f" else dtypes.as_dtype(value.dtype)
            tensors[key] = placeholder(dtype, shape=(None,) + value.shape[1:],
                                       name=f"input_{key}" if key else "input")
            arrays.append(value.astype(dtype.np_dtype, copy=False))
        label_tensor = None
        if labels is not None:
            ldtype = dtypes.int64 if labels.dtype.kind in "iub" else dtypes.float32
            label_tensor = placeholder(ldtype, shape=(None,) + labels.shape[1:], name="labels")
            arrays.append(labels.astype(ldtype.np_dtype, copy=False))
        phs = list(tensors.values()) + ([label_tensor] if label_tensor is not None else [])
        graph.add_to_collection(FEEDERS, _Feeder(phs, arrays, batch_size, num_epochs, shuffle, seed))
        return tensors, label_tensor

    input_fn.features = features
    input_fn.labels = labels
    return input_fn
