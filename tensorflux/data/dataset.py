"""``tf.data.Dataset`` as TF1 programs use it in graph mode.

A Dataset is a description of a pipeline: each transformation returns a new Dataset
holding its input(s), its parameters (tensors: a batch size, the arrays to slice, a
placeholder of file names) and its functions (traced into graph functions, see
``function``). Nothing runs until an iterator op is run in a session: then the
parameters' values (fed or computed in that run) build the runtime pipeline
(``tensorflux.data.runtime``). The subclasses live in ``sources``, ``transformations``
and ``readers``; their ``_make`` builds their runtime dataset.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.data import structure

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Dataset:
    """A pipeline of elements (nested tuples and dicts of tensors); TF1's DatasetV1.

    Build one with ``from_tensor_slices``, ``from_tensors``, ``from_generator``,
    ``range``, ``zip``, ``list_files`` or a reader (``TextLineDataset``, ...), transform
    it, and read it through ``make_one_shot_iterator()`` or
    ``make_initializable_iterator()``."""

    _python_object = True  # ops holding one are never written into graph files

    def __init__(self, element_structure, params=(), functions=(), inputs=(), options=None):
        self._structure = element_structure
        self._params = list(params)
        self._functions = list(functions)
        self._inputs = list(inputs)
        self._options = options

    # --- what the elements are -------------------------------------------------------
    @property
    def element_spec(self):
        """The elements' structure of ``tf.TensorSpec``s."""
        return self._structure

    @property
    def output_types(self):
        return structure.types_of(self._structure)

    @property
    def output_shapes(self):
        return structure.shapes_of(self._structure)

    @property
    def output_classes(self):
        return structure.classes_of(self._structure)

    def __repr__(self):
        types = structure.describe_types(self._structure)
        shapes = structure._describe(self.output_shapes)
        name = getattr(self, "_repr_name", type(self).__name__)
        return f"<{name} shapes: {shapes}, types: {types}>"

    # --- the runtime pipeline ----------------------------------------------------------------
    def _captures(self) -> list:
        """Every tensor the pipeline needs, in the order ``_instantiate`` takes values."""
        out = list(self._params)
        for fn in self._functions:
            out.extend(fn.captured)
        for d in self._inputs:
            out.extend(d._captures())
        return out

    def _instantiate(self, values, env):
        """The runtime dataset, from an iterator over the values of ``_captures()``."""
        params = [next(values) for _ in self._params]
        functions = [env.bind(fn, [next(values) for _ in fn.captured]) for fn in self._functions]
        inputs = [d._instantiate(values, env) for d in self._inputs]
        return self._make(params, functions, inputs, env)

    def _make(self, params, functions, inputs, env):
        raise NotImplementedError

    # --- sources --------------------------------------------------------------------
    @staticmethod
    def from_tensors(tensors):
        """A dataset of one element, ``tensors``."""
        from tensorflux.data.sources import TensorDataset
        return TensorDataset(tensors)

    @staticmethod
    def from_tensor_slices(tensors):
        """A dataset of the slices of ``tensors`` along their first dimension."""
        from tensorflux.data.sources import TensorSliceDataset
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        """Elements yielded by ``generator(*args)`` (called again for each pass),
        converted to ``output_types`` and checked against ``output_shapes``."""
        from tensorflux.data.sources import GeneratorDataset
        return GeneratorDataset(generator, output_types, output_shapes, args)

    @staticmethod
    def range(*args):
        """``range(stop)``, ``range(start, stop)``, ``range(start, stop, step)``: int64
        scalars, as Python's range."""
        from tensorflux.data.sources import RangeDataset
        return RangeDataset(*args)

    @staticmethod
    def zip(datasets):
        """Elements of a (nested) tuple or dict of datasets, side by side."""
        from tensorflux.data.sources import ZipDataset
        return ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None):
        """The files matching ``file_pattern`` (a glob or a list of them), when the
        iterator is initialized; shuffled unless ``shuffle=False``."""
        from tensorflux.data.sources import list_files
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def from_sparse_tensor_slices(sparse_tensor):
        raise TypeError("tensorflux datasets hold dense tensors only: convert the "
                        "SparseTensor with tf.sparse.to_dense before from_tensor_slices")

    # --- transformations --------------------------------------------------------------
    def concatenate(self, dataset):
        from tensorflux.data.sources import ConcatenateDataset
        return ConcatenateDataset(self, dataset)

    def map(self, map_func, num_parallel_calls=None):
        """``map_func`` applied to each element (a tuple element is passed as separate
        arguments). ``num_parallel_calls`` calls run at once on a thread pool (the
        element order is kept)."""
        from tensorflux.data.transformations import MapDataset
        return MapDataset(self, map_func, num_parallel_calls)

    map_with_legacy_function = map

    def filter(self, predicate):
        """The elements for which ``predicate`` returns a true scalar boolean."""
        from tensorflux.data.transformations import FilterDataset
        return FilterDataset(self, predicate)

    filter_with_legacy_function = filter

    def flat_map(self, map_func):
        """The elements of the datasets ``map_func`` returns, one dataset after another."""
        from tensorflux.data.transformations import FlatMapDataset
        return FlatMapDataset(self, map_func)

    def interleave(self, map_func, cycle_length=AUTOTUNE, block_length=1,
                   num_parallel_calls=None):
        """The datasets ``map_func`` returns, ``block_length`` elements of each of
        ``cycle_length`` open ones in turn (TF1's order; ``num_parallel_calls`` is
        accepted and the datasets are read in the calling thread)."""
        from tensorflux.data.transformations import InterleaveDataset
        return InterleaveDataset(self, map_func, cycle_length, block_length)

    def batch(self, batch_size, drop_remainder=False):
        """Consecutive elements stacked into batches of ``batch_size`` (the last one
        smaller unless ``drop_remainder``)."""
        from tensorflux.data.transformations import BatchDataset
        return BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes, padding_values=None,
                     drop_remainder=False):
        """Batches whose components are padded to ``padded_shapes`` (None or -1: the
        largest in the batch) with ``padding_values`` (0, or b"" for strings)."""
        from tensorflux.data.transformations import PaddedBatchDataset
        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self):
        """The rows of each element (the inverse of ``batch``)."""
        from tensorflux.data.transformations import UnbatchDataset
        return UnbatchDataset(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None):
        """Elements drawn at random from a buffer of ``buffer_size``. Seeds follow
        ``tf.set_random_seed`` as other random ops do; each epoch is shuffled anew
        unless ``reshuffle_each_iteration=False``."""
        from tensorflux.data.transformations import ShuffleDataset
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None):
        """The dataset ``count`` times (None or -1: forever)."""
        from tensorflux.data.transformations import CountDataset
        return CountDataset("repeat", self, -1 if count is None else count)

    def take(self, count):
        """The first ``count`` elements (-1: all)."""
        from tensorflux.data.transformations import CountDataset
        return CountDataset("take", self, count)

    def skip(self, count):
        """All but the first ``count`` elements (-1: none)."""
        from tensorflux.data.transformations import CountDataset
        return CountDataset("skip", self, count)

    def shard(self, num_shards, index):
        """Every ``num_shards``-th element, starting at ``index``."""
        from tensorflux.data.transformations import ShardDataset
        return ShardDataset(self, num_shards, index)

    def prefetch(self, buffer_size):
        """Prepare up to ``buffer_size`` elements ahead on a background thread."""
        from tensorflux.data.transformations import PrefetchDataset
        return PrefetchDataset(self, buffer_size)

    def cache(self, filename=""):
        """Keep the elements of the first complete pass (in memory, or in a file when
        ``filename`` is given) and replay them in later passes."""
        from tensorflux.data.transformations import CacheDataset
        return CacheDataset(self, filename)

    def enumerate(self, start=0):
        """``(index, element)`` pairs, the index an int64 counting from ``start``."""
        return Dataset.zip((Dataset.range(start, 2 ** 63 - 1), self))

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a Dataset."""
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError(f"`transformation_func` must return a Dataset. Got {result!r}.")
        return result

    def reduce(self, initial_state, reduce_func):
        """Tensors: ``reduce_func(state, element)`` folded over every element from
        ``initial_state``."""
        from tensorflux.data.consumers import reduce_dataset
        return reduce_dataset(self, initial_state, reduce_func)

    def with_options(self, options):
        """The dataset with ``tf.data.Options`` set (merged with those of its inputs)."""
        from tensorflux.data.transformations import OptionsDataset
        return OptionsDataset(self, options)

    def options(self):
        """The ``tf.data.Options`` of this dataset and its inputs, merged."""
        from tensorflux.data.options import Options
        merged = Options()
        for d in self._inputs:
            merged = merged.merge(d.options())
        return merged.merge(self._options) if self._options is not None else merged

    # --- iterators -----------------------------------------------------------------
    def make_one_shot_iterator(self):
        """An iterator started the first time ``get_next()`` runs in a session; the
        dataset may not depend on placeholders."""
        from tensorflux.data.iterator_ops import one_shot_iterator
        return one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator started (and restarted) by running its ``initializer``, which
        feeds the placeholders the dataset uses."""
        from tensorflux.data.iterator_ops import initializable_iterator
        return initializable_iterator(self, shared_name)

    def __iter__(self):
        raise RuntimeError("dataset.__iter__() is only supported when eager execution is "
                           "enabled (tensorflux builds graphs: use make_one_shot_iterator() "
                           "or as_numpy_iterator())")

    def as_numpy_iterator(self):
        """The elements as NumPy values, computed in a private session (the dataset may
        not read variables or placeholders). Handy to look at a pipeline."""
        from tensorflux.data.iterator_ops import NumpyIterator
        return NumpyIterator(self)


def scalar_param(value, what, dtype=dtypes.int64):
    """A transformation's scalar parameter as a tensor of ``dtype``."""
    from tensorflux.ops.constant_op import convert_to_tensor
    tensor = convert_to_tensor(value, dtype=dtype, name=what)
    if not tensor.shape.is_compatible_with([]):
        raise ValueError(f"{what} must be a scalar, got {tensor.name} of shape {tensor.shape}")
    return tensor


def static_value(tensor):
    """``tensor``'s value when it is known while building the graph, else None."""
    from tensorflux.ops.shape_fns import constant_value
    value = constant_value(tensor)
    return None if value is None else value.item() if hasattr(value, "item") else value


def static_bool(value, what):
    """A Python bool from a bool or a constant boolean tensor."""
    if hasattr(value, "op"):
        known = static_value(value)
        if known is None:
            raise ValueError(f"{what} must be known when the graph is built (a Python bool "
                             f"or a constant)")
        return bool(known)
    return bool(value)

