"""Datasets that make elements: ``from_tensors``, ``from_tensor_slices``,
``from_generator``, ``range``, ``zip``, ``concatenate`` and ``list_files``."""
from __future__ import annotations

from collections.abc import Mapping

from tensorflux.core import dtypes, nest
from tensorflux.core.shapes import TensorShape
from tensorflux.data import structure
from tensorflux.data.dataset import Dataset, scalar_param
from tensorflux.data.runtime import sources as rt
from tensorflux.data.runtime.base import as_int


class TensorDataset(Dataset):
    def __init__(self, tensors):
        tensors = structure.normalize(tensors, "Dataset.from_tensors()")
        super().__init__(structure.spec_of(tensors), params=nest.flatten(tensors))

    def _make(self, params, functions, inputs, env):
        return rt.Tensors(params)


class TensorSliceDataset(Dataset):
    def __init__(self, tensors):
        tensors = structure.normalize(tensors, "Dataset.from_tensor_slices()")
        flat = nest.flatten(tensors)
        if not flat:
            raise ValueError("from_tensor_slices needs at least one tensor")
        for t in flat:
            if t.shape.ndims == 0:
                raise ValueError(f"from_tensor_slices: {t.name} is a scalar; every component "
                                 f"needs a first dimension to slice")
        sizes = {t.shape[0].value for t in flat if t.shape.ndims} - {None}
        if len(sizes) > 1:
            raise ValueError(f"from_tensor_slices: all components must have the same size in "
                             f"their first dimension, got {[str(t.shape) for t in flat]}")
        specs = nest.map_structure(
            lambda t: structure.TensorSpec(t.shape[1:] if t.shape.ndims else TensorShape(None),
                                           t.dtype), tensors)
        super().__init__(specs, params=flat)

    def _make(self, params, functions, inputs, env):
        return rt.Slices(params)


class RangeDataset(Dataset):
    def __init__(self, *args):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Dataset.range takes 1 to 3 arguments (start, stop, step), got "
                             f"{len(args)}")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        params = [scalar_param(v, name) for v, name in ((start, "start"), (stop, "stop"),
                                                          (step, "step"))]
        super().__init__(structure.TensorSpec([], dtypes.int64), params=params)

    def _make(self, params, functions, inputs, env):
        return rt.Range(*(as_int(p) for p in params))


class GeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes, args):
        if not callable(generator):
            raise TypeError("`generator` must be callable.")
        specs = structure.from_types_and_shapes(output_types, output_shapes)
        from tensorflux.ops.constant_op import convert_to_tensor
        args = [convert_to_tensor(a, name="generator_arg") for a in (args or ())]
        super().__init__(specs, params=args)
        self._generator = generator

    def _make(self, params, functions, inputs, env):
        specs = self._structure
        flat = structure.flat_specs(specs)
        return rt.Generator(self._generator, params, lambda value: _flatten_up_to(specs, value),
                            [s.dtype for s in flat], [s.shape for s in flat],
                            structure.describe_types(specs))


def _flatten_up_to(shallow, value):
    """The leaves of ``value`` where ``shallow`` (a structure) has leaves; a tuple
    position may be filled by a list."""
    if isinstance(shallow, dict):
        if not isinstance(value, Mapping) or sorted(value) != sorted(shallow):
            raise TypeError("structure mismatch")
        return [leaf for k in sorted(shallow) for leaf in _flatten_up_to(shallow[k], value[k])]
    if isinstance(shallow, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(shallow):
            raise TypeError("structure mismatch")
        return [leaf for s, v in zip(shallow, value) for leaf in _flatten_up_to(s, v)]
    return [value]


class ZipDataset(Dataset):
    def __init__(self, datasets):
        leaves = nest.flatten(datasets)
        if not leaves or not all(isinstance(d, Dataset) for d in leaves):
            raise TypeError(f"The argument to `Dataset.zip()` must be a (nested) structure of "
                            f"`Dataset` objects, got {datasets!r}")
        specs = nest.pack_sequence_as(datasets, [d._structure for d in leaves])
        super().__init__(specs, inputs=leaves)

    def _make(self, params, functions, inputs, env):
        return rt.Zip(inputs)


class ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate needs a Dataset, got {second!r}")
        specs = structure.common(first._structure, second._structure, "Dataset.concatenate()")
        super().__init__(specs, inputs=[first, second])

    def _make(self, params, functions, inputs, env):
        return rt.Concatenate(*inputs)


def list_files(file_pattern, shuffle, seed):
    """TF1's list_files: MatchingFiles, an assertion that something matched, slices,
    and a shuffle of all of them."""
    from tensorflux.core.graph import control_dependencies, name_scope
    from tensorflux.ops.array_ops import identity, shape
    from tensorflux.ops.constant_op import convert_to_tensor
    from tensorflux.ops.io_ops import matching_files
    from tensorflux.ops.logging_ops import Assert
    from tensorflux.ops.math_ops import greater, maximum
    with name_scope("list_files"):
        pattern = convert_to_tensor(file_pattern, dtype=dtypes.string, name="file_pattern")
        matched = matching_files(pattern, name="match_files")
        found = shape(matched, out_type=dtypes.int64)[0]
        check = Assert(greater(found, 0), ["No files matched pattern: ", pattern], summarize=10,
                       name="assert_not_empty")
        with control_dependencies([check]):
            matched = identity(matched)
        dataset = Dataset.from_tensor_slices(matched)
        if shuffle is None or shuffle:
            dataset = dataset.shuffle(maximum(found, 1), seed=seed)
    return dataset
