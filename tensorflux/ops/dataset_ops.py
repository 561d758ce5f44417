"""The graph ops of ``tf.data``: iterators and the ops that consume a whole dataset.

A dataset is not an op here: it is a Python description (``tensorflux.data``) whose
parameters and functions' captured values are graph tensors. The ops that use one name
it in their ``dataset`` attr and take those tensors as inputs, so placeholders in a
dataset are fed when the op runs, as TF1's ``MakeIterator`` takes the dataset's value.
An iterator op outputs a handle (a string scalar naming the iterator) and the iterator
itself lives in the session that runs it, like a queue (per-session state). The kernels
are ``tensorflux.backends.iterator_kernels``; they run on the host wherever placed.

The ``dataset`` attr holds Python objects (the pipeline, its traced functions, maybe a
generator), so graph files never contain these ops (see ``graph_format``).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.op_def import defop, not_differentiable

_HANDLE = {"dtype_fn": lambda op: [dtypes.string], "shape_fn": lambda op: [TensorShape(())]}
_STRUCTURE = {"output_types": (), "output_shapes": ()}
_NOTHING = {"num_outputs": 0, "dtype_fn": lambda op: [], "shape_fn": lambda op: []}


def _components(op):
    return list(op.attrs["output_types"])


def _component_shapes(op):
    return [TensorShape(s) for s in op.attrs["output_shapes"]]


_ELEMENT = {"num_outputs": lambda attrs: len(attrs["output_types"]),
            "dtype_fn": _components, "shape_fn": _component_shapes}

defop("IteratorV2", (), attrs={**_STRUCTURE, "shared_name": "", "container": ""},
      stateful=True, **_HANDLE,
      doc="An iterator of this session (its handle), filled by MakeIterator.")
defop("OneShotIterator", (), attrs={**_STRUCTURE, "dataset": None, "shared_name": "",
                                    "container": ""},
      stateful=True, **_HANDLE,
      doc="An iterator over its dataset attr, started the first time it runs in a session.")
defop("MakeIterator", ("iterator", "*captures"), attrs={"dataset": None}, stateful=True,
      **_NOTHING,
      doc="(Re)starts the iterator over the dataset attr; inputs are the dataset's tensors.")
defop("IteratorGetNext", ("iterator",), attrs=_STRUCTURE, stateful=True, **_ELEMENT,
      doc="The next element of the iterator; OutOfRangeError at its end.")
defop("IteratorToStringHandle", ("resource_handle",), stateful=True, **_HANDLE,
      doc="The iterator's handle as a string to feed to IteratorFromStringHandleV2.")
defop("IteratorFromStringHandleV2", ("string_handle",), attrs=_STRUCTURE, stateful=True,
      **_HANDLE, doc="The iterator a string handle names (a feedable iterator).")
defop("DatasetToSingleElement", ("*captures",), attrs={**_STRUCTURE, "dataset": None},
      stateful=True, **_ELEMENT,
      doc="The only element of the dataset attr (InvalidArgumentError otherwise).")
defop("ReduceDataset", ("*inputs",), attrs={**_STRUCTURE, "dataset": None, "f": None},
      stateful=True, **_ELEMENT,
      doc="Folds the function f over the dataset from the initial state (the first "
          "inputs; the rest are the dataset's and f's tensors).")
defop("DatasetCardinality", ("*captures",), attrs={"dataset": None}, stateful=True,
      dtype_fn=lambda op: [dtypes.int64], shape_fn=lambda op: [TensorShape(())],
      doc="The number of elements of the dataset attr (-1 infinite, -2 unknown).")
not_differentiable("IteratorV2", "OneShotIterator", "MakeIterator", "IteratorGetNext",
                   "IteratorToStringHandle", "IteratorFromStringHandleV2",
                   "DatasetToSingleElement", "ReduceDataset", "DatasetCardinality")
