"""The transformations of ``tf.data.Dataset``: each a Dataset holding its input, its
parameters and functions, and building its runtime dataset in ``_make``."""
from __future__ import annotations

import os

from tensorflux.core import dtypes, nest
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.data import structure
from tensorflux.data.dataset import AUTOTUNE, Dataset, scalar_param, static_bool, static_value
from tensorflux.data.function import DatasetFunction
from tensorflux.data.runtime import threaded
from tensorflux.data.runtime import transforms as rt
from tensorflux.data.runtime.base import as_int


def _parallelism(value, what):
    """``num_parallel_calls`` as a thread count (AUTOTUNE: the cores this process has)."""
    if value is None:
        return 1
    if hasattr(value, "op"):
        value = static_value(value)
        if value is None:
            raise ValueError(f"{what} must be known when the graph is built")
    value = int(value)
    if value == AUTOTUNE:
        from tensorflux.core.threads import available_cores
        return available_cores()
    if value <= 0:
        raise ValueError(f"{what} must be positive or tf.data.AUTOTUNE, got {value}")
    return value


class MapDataset(Dataset):
    def __init__(self, input_dataset, map_func, num_parallel_calls):
        fn = DatasetFunction(map_func, "map", input_dataset._structure)
        super().__init__(fn.output_structure, functions=[fn], inputs=[input_dataset])
        self._calls = _parallelism(num_parallel_calls, "num_parallel_calls")

    def _make(self, params, functions, inputs, env):
        calls = self._calls
        limit = env.options.threading.private_threadpool_size if env.options else None
        if limit:
            calls = min(calls, limit)
        if calls > 1:
            return threaded.ParallelMap(inputs[0], functions[0], calls)
        return rt.Map(inputs[0], functions[0])


class FilterDataset(Dataset):
    def __init__(self, input_dataset, predicate):
        fn = DatasetFunction(predicate, "filter", input_dataset._structure, kind="predicate")
        super().__init__(input_dataset._structure, functions=[fn], inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        return rt.Filter(inputs[0], functions[0])


class FlatMapDataset(Dataset):
    def __init__(self, input_dataset, map_func, transformation="flat_map"):
        fn = DatasetFunction(map_func, transformation, input_dataset._structure, kind="dataset")
        super().__init__(fn.output_dataset._structure, functions=[fn], inputs=[input_dataset])
        self._fn = fn

    def _inner(self, env):
        inner = self._fn.output_dataset
        return lambda values: inner._instantiate(iter(values), env)

    def _make(self, params, functions, inputs, env):
        return rt.FlatMap(inputs[0], functions[0], self._inner(env))


class InterleaveDataset(FlatMapDataset):
    def __init__(self, input_dataset, map_func, cycle_length, block_length):
        super().__init__(input_dataset, map_func, "interleave")
        if hasattr(cycle_length, "op") or cycle_length != AUTOTUNE:
            self._params = [scalar_param(cycle_length, "cycle_length")]
        self._params.append(scalar_param(block_length, "block_length"))

    def _make(self, params, functions, inputs, env):
        if len(params) == 2:
            cycle = as_int(params[0])
        else:
            from tensorflux.core.threads import available_cores
            cycle = available_cores()
        return rt.Interleave(inputs[0], functions[0], self._inner(env), cycle, as_int(params[-1]))


def _batched(specs, size):
    return nest.map_structure(
        lambda s: structure.TensorSpec(TensorShape([size]).concatenate(s.shape), s.dtype), specs)


class BatchDataset(Dataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        size = scalar_param(batch_size, "batch_size")
        self._drop = static_bool(drop_remainder, "drop_remainder")
        known = static_value(size) if self._drop else None
        super().__init__(_batched(input_dataset._structure, known), params=[size],
                         inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        return rt.Batch(inputs[0], as_int(params[0]), self._drop)


class PaddedBatchDataset(Dataset):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values, drop_remainder):
        specs = input_dataset._structure
        size = scalar_param(batch_size, "batch_size")
        self._drop = static_bool(drop_remainder, "drop_remainder")
        shapes = _padded_shapes(specs, padded_shapes)
        values = _padding_values(specs, padding_values)
        known = static_value(size) if self._drop else None
        out = nest.map_structure(
            lambda s, shape: structure.TensorSpec(TensorShape([known]).concatenate(shape), s.dtype),
            specs, shapes)
        super().__init__(out, params=[size] + nest.flatten(values), inputs=[input_dataset])
        self._shapes = [s.as_tuple() for s in nest.flatten(shapes)]

    def _make(self, params, functions, inputs, env):
        return rt.PaddedBatch(inputs[0], as_int(params[0]), self._drop, self._shapes, params[1:])


def _padded_shapes(specs, padded_shapes):
    """``padded_shapes`` as TensorShapes in ``specs``' structure, checked against the
    elements' static shapes (a shape may be a list of ints and None/-1)."""
    try:
        shapes = nest.map_structure_up_to(specs, _static_shape,
                                          structure._shape_leaves(specs, padded_shapes))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"padded_shapes {padded_shapes!r} do not match the structure of the "
                         f"elements {structure.describe_types(specs)}: {exc}") from None
    for spec, shape in zip(nest.flatten(specs), nest.flatten(shapes)):
        if shape.ndims is None:
            raise ValueError(f"padded_shapes must give the rank of each component, got {shape}")
        if spec.shape.ndims is not None and spec.shape.ndims != shape.ndims:
            raise ValueError(f"The padded shape {shape} is not compatible with the "
                             f"corresponding input component shape {spec.shape}.")
        if spec.shape.ndims is not None and any(
                want is not None and have is not None and have > want
                for have, want in zip(spec.shape.as_tuple(), shape.as_tuple())):
            raise ValueError(f"The padded shape {shape} is not compatible with the "
                             f"corresponding input component shape {spec.shape}.")
    return shapes


def _static_shape(value):
    if hasattr(value, "op"):
        known = static_value(value)
        if known is None:
            raise ValueError("padded shapes given as tensors must be constants")
        value = list(known) if hasattr(known, "__len__") else known
    return as_shape(value)


def _padding_values(specs, padding_values):
    from tensorflux.ops.constant_op import convert_to_tensor

    def default(spec):
        return convert_to_tensor(b"" if spec.dtype == dtypes.string else 0, dtype=spec.dtype,
                                 name="padding_value")
    if padding_values is None:
        return nest.map_structure(default, specs)
    try:
        nest.assert_same_structure(specs, padding_values)
    except ValueError:
        raise ValueError(f"padding_values {padding_values!r} do not match the structure of the "
                         f"elements {structure.describe_types(specs)}") from None

    def one(spec, value):
        tensor = convert_to_tensor(value, dtype=spec.dtype, name="padding_value")
        if not tensor.shape.is_compatible_with([]):
            raise ValueError(f"padding values must be scalars, got {tensor.shape}")
        return tensor
    return nest.map_structure(one, specs, padding_values)


class UnbatchDataset(Dataset):
    def __init__(self, input_dataset):
        specs = input_dataset._structure
        for spec in nest.flatten(specs):
            if spec.shape.ndims == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
        super().__init__(nest.map_structure(
            lambda s: structure.TensorSpec(s.shape[1:], s.dtype), specs), inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        return rt.Unbatch(inputs[0])


class ShuffleDataset(Dataset):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        from tensorflux.ops.random_ops import get_seed
        size = scalar_param(buffer_size, "buffer_size")
        if hasattr(seed, "op"):
            seed = static_value(seed)
        self._seeds = get_seed(None if seed is None else int(seed))
        self._reshuffle = True if reshuffle_each_iteration is None else \
            static_bool(reshuffle_each_iteration, "reshuffle_each_iteration")
        super().__init__(input_dataset._structure, params=[size], inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        return rt.Shuffle(inputs[0], as_int(params[0]), *self._seeds, self._reshuffle)


class CountDataset(Dataset):
    """``repeat``, ``take`` or ``skip`` (``kind``) with an int64 count."""

    KINDS = {"repeat": rt.Repeat, "take": rt.Take, "skip": rt.Skip}

    def __init__(self, kind, input_dataset, count):
        super().__init__(input_dataset._structure, params=[scalar_param(count, "count")],
                         inputs=[input_dataset])
        self._kind = kind
        self._repr_name = f"{kind.capitalize()}Dataset"  # TF1's class name

    def _make(self, params, functions, inputs, env):
        return self.KINDS[self._kind](inputs[0], as_int(params[0]))


class ShardDataset(Dataset):
    def __init__(self, input_dataset, num_shards, index):
        params = [scalar_param(num_shards, "num_shards"), scalar_param(index, "index")]
        known = [static_value(p) for p in params]
        if None not in known and (known[0] <= 0 or not 0 <= known[1] < known[0]):
            raise ValueError(f"shard: num_shards ({known[0]}) must be positive and index "
                             f"({known[1]}) in [0, num_shards)")
        super().__init__(input_dataset._structure, params=params, inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        return rt.Shard(inputs[0], *(as_int(p) for p in params))


class PrefetchDataset(Dataset):
    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset._structure, params=[scalar_param(buffer_size, "buffer_size")],
                         inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        size = as_int(params[0])
        return threaded.Prefetch(inputs[0], 2 if size == AUTOTUNE else size)


class CacheDataset(Dataset):
    def __init__(self, input_dataset, filename):
        name = scalar_param(filename, "filename", dtypes.string)
        super().__init__(input_dataset._structure, params=[name], inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        from tensorflux.data.runtime.base import as_list_of_strings
        (filename,) = as_list_of_strings(params[0])
        if not filename:
            return rt.MemoryCache(inputs[0])
        from tensorflux.data.runtime.files import FileCache
        types = [s.dtype for s in structure.flat_specs(self._structure)]
        return FileCache(inputs[0], os.fspath(filename), types)


class OptionsDataset(Dataset):
    """``with_options``: the same elements; the options apply to the whole pipeline."""

    def __init__(self, input_dataset, options):
        from tensorflux.data.options import Options
        if not isinstance(options, Options):
            raise TypeError(f"with_options needs a tf.data.Options, got {options!r}")
        super().__init__(input_dataset._structure, inputs=[input_dataset], options=options)

    def _make(self, params, functions, inputs, env):
        return inputs[0]


class IgnoreErrorsDataset(Dataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset._structure, inputs=[input_dataset])

    def _make(self, params, functions, inputs, env):
        return rt.IgnoreErrors(inputs[0])
