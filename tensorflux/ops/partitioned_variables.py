"""Partitioners (``tf.fixed_size_partitioner``, ``tf.variable_axis_size_partitioner``,
``tf.min_max_variable_partitioner``) and ``tf.create_partitioned_variables``.

A partitioner maps a variable's shape and dtype to the number of parts along each axis
(one axis only). ``create_partitioned_variables`` makes the parts, named ``part_0``,
``part_1``, ... in a variable scope: the first ``size % parts`` parts are one row longer,
as in TF1. (``tf.get_variable`` accepts a ``partitioner`` and keeps one whole variable:
on one machine partitioning changes nothing but names.)
"""
from __future__ import annotations

import math

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor
from tensorflux.core.shapes import as_shape


def _element_size(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype)
    return bytes_per_string_element if dtype == dtypes.string else dtype.np_dtype.itemsize


def _axis_size(shape, axis):
    shape = as_shape(shape)
    if shape.ndims is None or not -shape.ndims <= axis < shape.ndims:
        raise ValueError(f"axis {axis} is out of range for a variable of shape {shape}")
    size = shape.as_tuple()[axis]
    if size is None:
        raise ValueError(f"The partitioned axis {axis} of shape {shape} must be known")
    return shape, size


def fixed_size_partitioner(num_shards, axis=0):
    """``num_shards`` parts along ``axis`` (fewer if the axis is shorter)."""
    def partitioner(shape, dtype=None, **unused):
        shape, size = _axis_size(shape, axis)
        parts = [1] * shape.ndims
        parts[axis] = min(num_shards, size)
        return parts
    return partitioner


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16,
                                   max_shards=None):
    """Parts along ``axis`` of at most ``max_shard_bytes`` each (at least one slice of
    the axis per part; at most ``max_shards`` parts)."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError("Both max_shard_bytes and bytes_per_string_element must be positive.")
    if max_shards is not None and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def partitioner(shape, dtype, **unused):
        shape, size = _axis_size(shape, axis)
        slice_bytes = shape.num_elements() / size * _element_size(dtype, bytes_per_string_element)
        slices_per_shard = max(1, math.floor(max_shard_bytes / slice_bytes))
        shards = int(math.ceil(size / slices_per_shard))
        if max_shards is not None:
            shards = min(shards, max_shards)
        parts = [1] * shape.ndims
        parts[axis] = shards
        return parts
    return partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10,
                                 bytes_per_string_element=16):
    """As many parts along ``axis`` as keep each at least ``min_slice_size`` bytes,
    between 1 and ``max_partitions`` (and the axis length)."""
    def partitioner(shape, dtype, **unused):
        shape, size = _axis_size(shape, axis)
        total = shape.num_elements() * _element_size(dtype, bytes_per_string_element)
        parts = [1] * shape.ndims
        parts[axis] = max(1, min(size, max_partitions, int(math.ceil(total / min_slice_size))))
        return parts
    return partitioner


def _part_sizes(size, parts):
    """TF1's split: the first ``size % parts`` parts one longer."""
    return [size // parts + (1 if i < size % parts else 0) for i in range(parts)]


def create_partitioned_variables(shape, slicing, initializer, dtype=dtypes.float32,
                                 trainable=True, collections=None, name=None, reuse=None):
    """The parts of a variable of ``shape`` split ``slicing[axis]`` ways along its one
    sliced axis, as a list of Variables ``<name>/part_<i>``. ``initializer`` is an
    initializer (called with each part's shape) or a value of the full shape (each part
    takes its slice)."""
    from tensorflux.ops.variable_scope import get_variable, variable_scope
    shape = [int(d) for d in shape]
    slicing = [int(s) for s in slicing]
    if len(slicing) != len(shape):
        raise ValueError(f"The 'shape' and 'slicing' of a partitioned Variable must have the "
                         f"same length: shape: {shape}, slicing: {slicing}")
    sliced = [i for i, s in enumerate(slicing) if s > 1]
    if len(sliced) > 1 or any(s < 1 for s in slicing):
        raise ValueError(f"Can only slice a variable along one dimension, with positive "
                         f"counts: shape: {shape}, slicing: {slicing}")
    axis = sliced[0] if sliced else 0
    if slicing[axis] > shape[axis]:
        raise ValueError(f"Cannot slice axis {axis} of size {shape[axis]} into "
                         f"{slicing[axis]} parts")
    value = None if callable(initializer) else initializer
    if value is not None and not isinstance(value, Tensor):
        value = np.broadcast_to(np.asarray(value, dtypes.as_dtype(dtype).np_dtype), shape)
    variables, offset = [], 0
    with variable_scope(name, default_name="PartitionedVariable", reuse=reuse):
        for i, size in enumerate(_part_sizes(shape[axis], slicing[axis])):
            part_shape = shape[:axis] + [size] + shape[axis + 1:]
            if value is None:
                var = get_variable(f"part_{i}", part_shape, dtype, initializer,
                                   trainable=trainable, collections=collections)
            else:
                index = (slice(None),) * axis + (slice(offset, offset + size),)
                var = get_variable(f"part_{i}", dtype=dtype, initializer=value[index],
                                   trainable=trainable, collections=collections)
            variables.append(var)
            offset += size
    return variables
