"""The structure of a dataset's elements: nested tuples and dicts of ``TensorSpec``s.

tf.data treats tuples, namedtuples and dicts as structure and converts a Python list to
one tensor (``from_tensor_slices([1, 2, 3])`` is one component), as TF1 does. An
element travels through the runtime as a flat tuple of arrays, in ``nest.flatten``
order (dict keys sorted); the structure puts it back together.
"""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.graph import Tensor
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.type_spec import TensorSpec


def normalize(value, what):
    """``value`` (a nested tuple/dict of tensors, arrays, Python values; lists are
    values) as the same structure of tensors."""
    from tensorflux.ops.constant_op import convert_to_tensor

    def one(leaf):
        leaf = _unwrap(leaf)
        if hasattr(leaf, "_composite_tensors"):
            raise TypeError(f"{what}: {type(leaf).__name__} components are not supported in "
                            f"tensorflux datasets; use dense tensors (tf.sparse.to_dense)")
        try:
            return convert_to_tensor(leaf)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{what}: cannot convert {leaf!r} to a tensor: {exc}") from None
    return nest.map_structure(one, lists_as_values(value))


def lists_as_values(value):
    """``value`` with lists turned into leaves (tuples and dicts stay structure)."""
    if isinstance(value, list):
        return _Leaf(value)
    if isinstance(value, dict):
        out = {k: lists_as_values(v) for k, v in value.items()}
        return out if type(value) is dict else type(value)(out)
    if isinstance(value, tuple):
        items = [lists_as_values(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


class _Leaf:
    """A list standing as one value inside a structure (unwrapped by ``normalize``)."""

    def __init__(self, value):
        self.value = value


def _unwrap(leaf):
    return leaf.value if isinstance(leaf, _Leaf) else leaf


def flat_specs(structure):
    return nest.flatten(structure)


def spec_of(tensors):
    """The structure of specs of a structure of tensors."""
    return nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), tensors)


def types_of(structure):
    return nest.map_structure(lambda s: s.dtype, structure)


def shapes_of(structure):
    return nest.map_structure(lambda s: s.shape, structure)


def classes_of(structure):
    return nest.map_structure(lambda s: Tensor, structure)


def from_types_and_shapes(output_types, output_shapes=None, what="output_types"):
    """Specs from TF1's ``output_types`` and ``output_shapes`` structures; a shape
    written as a list or tuple is a leaf where ``output_types`` has one."""
    types = nest.map_structure(dtypes.as_dtype, output_types)
    if output_shapes is None:
        shapes = nest.map_structure(lambda _: TensorShape(None), types)
    else:
        try:
            shapes = nest.map_structure_up_to(types, as_shape, _shape_leaves(types, output_shapes))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"The structure of output_shapes {output_shapes!r} does not match "
                             f"the structure of {what} {output_types!r}: {exc}") from None
    return nest.map_structure(lambda t, s: TensorSpec(s, t), types, shapes)


def _shape_leaves(types, shapes):
    """``shapes`` checked against the structure of ``types`` (shapes may be lists)."""
    if not nest.is_sequence(types):
        if isinstance(shapes, dict):
            raise ValueError("a dict where a shape was expected")
        return shapes
    if isinstance(types, dict):
        if not isinstance(shapes, dict) or sorted(shapes) != sorted(types):
            raise ValueError("different keys" if isinstance(shapes, dict) else "not a dict")
        return {k: _shape_leaves(types[k], shapes[k]) for k in types}
    if not isinstance(shapes, (list, tuple)) or len(shapes) != len(types):
        raise ValueError(f"expected a sequence of {len(types)} shapes")
    return type(types)(*[_shape_leaves(t, s) for t, s in zip(types, shapes)]) \
        if hasattr(types, "_fields") else tuple(_shape_leaves(t, s) for t, s in zip(types, shapes))


def check_compatible(expected, got, expected_what, got_what):
    """TypeError/ValueError naming both structures unless the specs ``got`` fit
    ``expected`` (same nesting, same dtypes, compatible shapes), as TF1 checks a
    dataset against an iterator."""
    try:
        nest.assert_same_structure(expected, got)
    except ValueError:
        raise TypeError(f"{got_what[:1].upper()}{got_what[1:]} has structure "
                        f"{_describe(types_of(got))}, which does not "
                        f"match the structure {_describe(types_of(expected))} of "
                        f"{expected_what}") from None
    want, have = nest.flatten(expected), nest.flatten(got)
    if any(a.dtype != b.dtype for a, b in zip(want, have)):
        raise TypeError(f"Expected output types {_describe(types_of(expected))} of "
                        f"{expected_what} but got {got_what} with output types "
                        f"{_describe(types_of(got))}")
    if any(not a.shape.is_compatible_with(b.shape) for a, b in zip(want, have)):
        raise TypeError(f"Expected output shapes compatible with {_describe(shapes_of(expected))} "
                        f"of {expected_what} but got {got_what} with output shapes "
                        f"{_describe(shapes_of(got))}")


def common(a, b, what):
    """The most specific structure of specs that both ``a`` and ``b`` fit (concatenate)."""
    try:
        nest.assert_same_structure(a, b)
    except ValueError:
        raise TypeError(f"{what}: the two datasets have different structures: "
                        f"{_describe(types_of(a))} and {_describe(types_of(b))}") from None
    for x, y in zip(nest.flatten(a), nest.flatten(b)):
        if x.dtype != y.dtype:
            raise TypeError(f"{what}: the two datasets have different types: "
                            f"{_describe(types_of(a))} and {_describe(types_of(b))}")
    return nest.map_structure(lambda x, y: x.most_specific_compatible_type(y), a, b)


def _describe(structure):
    def one(leaf):
        if isinstance(leaf, dtypes.DType):
            return f"tf.{leaf.name}"
        return str(leaf)
    return _render(nest.map_structure(one, structure))


def _render(s):
    if isinstance(s, dict):
        return "{" + ", ".join(f"{k!r}: {_render(v)}" for k, v in sorted(s.items())) + "}"
    if isinstance(s, tuple):
        inner = ", ".join(_render(v) for v in s)
        return f"({inner},)" if len(s) == 1 else f"({inner})"
    return s


def describe_types(structure):
    """``structure``'s dtypes, written as in error messages."""
    return _describe(types_of(structure))


class DatasetSpec:
    """``tf.data.DatasetSpec(element_spec, dataset_shape=())``: the type of a dataset."""

    def __init__(self, element_spec, dataset_shape=()):
        self._element_spec = element_spec
        self._dataset_shape = as_shape(dataset_shape)

    element_spec = property(lambda self: self._element_spec)

    @property
    def value_type(self):
        from tensorflux.data.dataset import Dataset
        return Dataset

    @staticmethod
    def from_value(value):
        return DatasetSpec(value.element_spec)

    def is_compatible_with(self, other) -> bool:
        other_spec = getattr(other, "element_spec", None)
        try:
            nest.assert_same_structure(self._element_spec, other_spec)
        except ValueError:
            return False
        return all(a.is_compatible_with(b) for a, b in
                   zip(nest.flatten(self._element_spec), nest.flatten(other_spec)))

    def __eq__(self, other):
        return (isinstance(other, DatasetSpec) and self._element_spec == other._element_spec
                and self._dataset_shape == other._dataset_shape)

    def __hash__(self):
        return hash(self._dataset_shape)

    def __repr__(self):
        return f"DatasetSpec({self._element_spec!r}, TensorShape({self._dataset_shape}))"
