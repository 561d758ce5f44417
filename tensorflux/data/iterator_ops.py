"""``tf.data.Iterator``: reading a dataset in graph mode, as TF1 does.

- ``dataset.make_one_shot_iterator()``: a ``OneShotIterator`` op that starts the
  iterator the first time it runs in a session (the dataset's tensors are computed
  then, so it may not depend on placeholders);
- ``dataset.make_initializable_iterator()``: an ``IteratorV2`` op and a ``MakeIterator``
  op (``iterator.initializer``) that takes the dataset's tensors as inputs, so the
  placeholders in the dataset are fed when the initializer runs; running it again
  restarts the iterator with the new values;
- ``Iterator.from_structure(types, shapes)`` + ``make_initializer(dataset)``: one
  iterator that several datasets of the same structure initialize in turn;
- ``Iterator.from_string_handle(handle, types, shapes)``: the iterator whose
  ``string_handle()`` is fed for ``handle``.

``get_next()`` returns the element's tensors in the dataset's structure; running it
past the end raises ``tf.errors.OutOfRangeError``. The iterator itself lives in the
session (two sessions iterate independently).
"""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.graph import Operation, get_default_graph
from tensorflux.data import structure


def _structure_attrs(specs):
    flat = structure.flat_specs(specs)
    return {"output_types": tuple(s.dtype for s in flat),
            "output_shapes": tuple(s.shape.as_tuple() for s in flat)}


class Iterator:
    """TF1's ``tf.data.Iterator``: see the module docstring for how to make one."""

    def __init__(self, iterator_resource, initializer, element_structure):
        self._iterator_resource = iterator_resource
        self._initializer = initializer
        self._structure = element_structure

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        """An iterator for datasets of this structure, started by ``make_initializer``."""
        specs = structure.from_types_and_shapes(output_types, output_shapes)
        _check_classes(output_classes, specs)
        handle = get_default_graph().create_op(
            "IteratorV2", [], {**_structure_attrs(specs), "shared_name": shared_name or ""},
            name="Iterator").outputs[0]
        return Iterator(handle, None, specs)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        """The iterator named by the string ``string_handle`` (usually a placeholder fed
        with another iterator's ``string_handle()``): a feedable iterator."""
        from tensorflux.ops.constant_op import convert_to_tensor
        specs = structure.from_types_and_shapes(output_types, output_shapes)
        _check_classes(output_classes, specs)
        handle = convert_to_tensor(string_handle, dtype=dtypes.string, name="string_handle")
        if not handle.shape.is_compatible_with([]):
            raise ValueError(f"string_handle must be a scalar string, got shape {handle.shape}")
        op = handle.graph.create_op("IteratorFromStringHandleV2", [handle],
                                    _structure_attrs(specs), name="IteratorFromStringHandle")
        return Iterator(op.outputs[0], None, specs)

    # --- structure -------------------------------------------------------------------
    element_spec = property(lambda self: self._structure)
    output_types = property(lambda self: structure.types_of(self._structure))
    output_shapes = property(lambda self: structure.shapes_of(self._structure))
    output_classes = property(lambda self: structure.classes_of(self._structure))

    @property
    def initializer(self) -> Operation:
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    # --- ops --------------------------------------------------------------------------
    def make_initializer(self, dataset, name=None):
        """An op that (re)starts this iterator over ``dataset``, whose structure must
        match the iterator's (TypeError naming both otherwise)."""
        from tensorflux.data.dataset import Dataset
        if not isinstance(dataset, Dataset):
            raise TypeError(f"make_initializer needs a tf.data.Dataset, got {dataset!r}")
        structure.check_compatible(self._structure, dataset._structure, "the iterator",
                                   f"the dataset {dataset!r}")
        graph = self._iterator_resource.graph
        with graph.name_scope(name or "make_initializer") as scope:
            return graph.create_op("MakeIterator", [self._iterator_resource, *dataset._captures()],
                                   {"dataset": dataset}, name=scope)

    def get_next(self, name=None):
        """The next element (nested like the dataset's elements); its run raises
        OutOfRangeError once the dataset is exhausted."""
        op = self._iterator_resource.graph.create_op(
            "IteratorGetNext", [self._iterator_resource], _structure_attrs(self._structure),
            name=name or "IteratorGetNext")
        return nest.pack_sequence_as(self._structure, op.outputs)

    def string_handle(self, name=None):
        """A string tensor naming this iterator, to feed ``from_string_handle``."""
        return self._iterator_resource.graph.create_op(
            "IteratorToStringHandle", [self._iterator_resource],
            name=name or "IteratorToStringHandle").outputs[0]


def _check_classes(output_classes, specs):
    if output_classes is None:
        return
    from tensorflux.core.graph import Tensor
    for cls in nest.flatten(output_classes):
        if cls is not Tensor:
            raise TypeError(f"tensorflux iterators hold dense tensors only (output_classes "
                            f"tf.Tensor), got {cls!r}")


def one_shot_iterator(dataset):
    captures = dataset._captures()
    placeholder = _placeholder_behind(captures)
    if placeholder is not None:
        raise ValueError(f"Cannot capture a placeholder (name:{placeholder.name}, "
                         f"type:{placeholder.type}) by value: a one-shot iterator computes its "
                         f"dataset once, without feeds. Use make_initializable_iterator() and "
                         f"feed the placeholder when running its initializer.")
    graph = captures[0].graph if captures else get_default_graph()
    handle = graph.create_op("OneShotIterator", [], {**_structure_attrs(dataset._structure),
                                                     "dataset": dataset},
                             name="OneShotIterator").outputs[0]
    return Iterator(handle, None, dataset._structure)


def _placeholder_behind(tensors):
    """A Placeholder op that ``tensors`` depend on, or None."""
    seen, stack = set(), [t.op for t in tensors]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type == "Placeholder":
            return op
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return None


def initializable_iterator(dataset, shared_name=None):
    captures = dataset._captures()
    graph = captures[0].graph if captures else get_default_graph()
    attrs = _structure_attrs(dataset._structure)
    handle = graph.create_op("IteratorV2", [], {**attrs, "shared_name": shared_name or ""},
                             name="Iterator").outputs[0]
    init = graph.create_op("MakeIterator", [handle, *captures], {"dataset": dataset},
                           name="MakeIterator")
    return Iterator(handle, init, dataset._structure)


def make_one_shot_iterator(dataset):
    """``tf.data.make_one_shot_iterator(dataset)``."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    """``tf.data.make_initializable_iterator(dataset, shared_name=None)``."""
    return dataset.make_initializable_iterator(shared_name)


class NumpyIterator:
    """``dataset.as_numpy_iterator()``: the elements as NumPy values (nested like the
    dataset's), computed in a private session of the dataset's graph."""

    def __init__(self, dataset):
        from tensorflux.core.executor import compile_plan
        from tensorflux.core.session import Session
        from tensorflux.data.function import FunctionEnv, all_functions
        captures = dataset._captures()
        self._session = session = Session(graph=captures[0].graph if captures else get_default_graph())
        self._plans = []
        if captures:
            plan = compile_plan(session, captures, [])
            self._plans.append(plan)
            values = self._call(plan.fn, session._variables)
        else:
            values = ()
        env = FunctionEnv(session, None, all_functions(dataset), dataset.options())
        self._iterator = self._call(lambda: dataset._instantiate(iter(values), env).iterator())
        self._structure = dataset._structure

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except StopIteration:
            raise
        except Exception as exc:
            translated = self._plans[0].translate_error(exc) if self._plans else None
            if translated is None:
                raise
            raise translated from exc

    def __iter__(self):
        return self

    def __next__(self):
        element = self._call(next, self._iterator)
        values = [v[()] if getattr(v, "ndim", 1) == 0 else v for v in element]
        return nest.pack_sequence_as(self._structure, values)

    def __repr__(self):
        return f"<NumpyIterator {structure.describe_types(self._structure)}>"
