"""Ops that consume a whole dataset in one run: ``Dataset.reduce``,
``tf.data.experimental.get_single_element`` and ``cardinality``."""
from __future__ import annotations

from tensorflux.core import nest
from tensorflux.core.graph import get_default_graph
from tensorflux.data import structure
from tensorflux.data.function import DatasetFunction
from tensorflux.data.iterator_ops import _structure_attrs


def _graph(tensors):
    return tensors[0].graph if tensors else get_default_graph()


def reduce_dataset(dataset, initial_state, reduce_func):
    state = structure.normalize(initial_state, "Dataset.reduce()")
    spec = structure.spec_of(state)
    fn = DatasetFunction(reduce_func, "reduce", (spec, dataset._structure))
    new = fn.output_structure
    try:
        relaxed = structure.common(spec, new, "Dataset.reduce()")
    except TypeError as exc:
        raise TypeError(f"The reduce function must return a state of the structure and types "
                        f"of initial_state {structure.describe_types(spec)}, but returned "
                        f"{structure.describe_types(new)} ({exc})") from None
    if relaxed != spec:  # the state's shape changes: trace again with the common shape
        spec = relaxed
        fn = DatasetFunction(reduce_func, "reduce", (spec, dataset._structure))
    inputs = nest.flatten(state) + dataset._captures() + list(fn.captured)
    op = _graph(inputs).create_op("ReduceDataset", inputs,
                                  {**_structure_attrs(spec), "dataset": dataset, "f": fn},
                                  name="ReduceDataset")
    return nest.pack_sequence_as(spec, op.outputs)


def get_single_element(dataset):
    """The only element of ``dataset`` as tensors (InvalidArgumentError when it has none
    or more than one)."""
    captures = dataset._captures()
    op = _graph(captures).create_op("DatasetToSingleElement", captures,
                                    {**_structure_attrs(dataset._structure), "dataset": dataset},
                                    name="DatasetToSingleElement")
    return nest.pack_sequence_as(dataset._structure, op.outputs)


def cardinality(dataset):
    """An int64 scalar: the number of elements, ``INFINITE_CARDINALITY`` (-1) or
    ``UNKNOWN_CARDINALITY`` (-2, e.g. after a filter), computed when it runs."""
    captures = dataset._captures()
    return _graph(captures).create_op("DatasetCardinality", captures, {"dataset": dataset},
                                      name="DatasetCardinality").outputs[0]
