"""``tf.data.experimental``: the TF1 helpers programs commonly use.

Transformations are functions returning a function of a dataset, for
``dataset.apply(...)``, as in TF1.
"""
from __future__ import annotations

from tensorflux.data.consumers import cardinality, get_single_element  # noqa: F401
from tensorflux.data.dataset import (AUTOTUNE, INFINITE_CARDINALITY,  # noqa: F401
                                     UNKNOWN_CARDINALITY, Dataset)
from tensorflux.data.options import Options, ThreadingOptions  # noqa: F401


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    """``map`` then ``batch`` (the fused form TF1 offered)."""
    calls = num_parallel_calls if num_parallel_calls is not None else num_parallel_batches
    return lambda dataset: dataset.map(map_func, calls).batch(batch_size, drop_remainder)


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """``shuffle`` (a new order each epoch) then ``repeat``."""
    return lambda dataset: dataset.shuffle(buffer_size, seed).repeat(count)


def unbatch():
    return lambda dataset: dataset.unbatch()


def ignore_errors():
    """Drop the elements whose computation raises a tf.errors error (a corrupt record,
    a bad CSV line) instead of stopping the iteration."""
    from tensorflux.data.transformations import IgnoreErrorsDataset
    return IgnoreErrorsDataset


def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False,
                        buffer_output_elements=None, prefetch_input_elements=None):
    """``interleave`` in TF1's deterministic order (``sloppy`` allows any order; the
    elements come in the deterministic one)."""
    return lambda dataset: dataset.interleave(map_func, cycle_length, block_length)


def enumerate_dataset(start=0):
    return lambda dataset: dataset.enumerate(start)


def prefetch_to_device(device, buffer_size=None):
    """A prefetch; the values move to the device of the ops that use them anyway."""
    return lambda dataset: dataset.prefetch(1 if buffer_size is None else buffer_size)


def copy_to_device(target_device, source_device="/cpu:0"):
    """The dataset itself: values move to the device of the ops that use them."""
    return lambda dataset: dataset


def Counter(start=0, step=1, dtype=None):  # noqa: N802 - TF1 name
    """An endless dataset ``start, start + step, ...`` (int64, or ``dtype``)."""
    from tensorflux.core import dtypes
    from tensorflux.ops.math_ops import cast
    counter = Dataset.range(start, 2 ** 63 - 1 if step > 0 else -2 ** 63, step)
    if dtype is not None and dtypes.as_dtype(dtype) != dtypes.int64:
        counter = counter.map(lambda x: cast(x, dtype))
    return counter
