"""Type specifications: what a value is, without the value (``tf.TensorSpec``,
``tf.SparseTensorSpec``, ``tf.IndexedSlicesSpec``, ``tf.TensorArraySpec``,
``tf.NoneTensorSpec``, their base ``tf.TypeSpec``, and ``tf.type_spec_from_value``).

A spec holds shapes and dtypes; ``is_compatible_with`` accepts a spec or a value whose
dtypes match and whose shapes are compatible (unknown dimensions match anything).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape, as_shape


class TypeSpec:
    """Base class: a spec is its class plus ``_components()``, a tuple of shapes and
    dtypes (and plain values) compared field by field."""

    value_type = None

    def _components(self):
        raise NotImplementedError

    def _spec_of(self, value):
        """The spec of ``value`` for comparison (``value`` itself if it is a spec)."""
        return value if isinstance(value, TypeSpec) else type_spec_from_value(value)

    def is_compatible_with(self, spec_or_value):
        """Whether ``spec_or_value`` (a spec or a value) could be described by this spec."""
        try:
            other = self._spec_of(spec_or_value)
        except (TypeError, ValueError):
            return False
        if type(other) is not type(self):
            return False
        return all(_compatible(a, b) for a, b in zip(self._components(), other._components()))

    def most_specific_compatible_type(self, other):
        """The spec both ``self`` and ``other`` fit: unknown where they differ."""
        if type(other) is not type(self) or any(
                a != b for a, b in zip(self._components(), other._components())
                if not isinstance(a, TensorShape)):
            raise ValueError(f"No TypeSpec is compatible with both {self} and {other}")
        parts = [_most_specific(a, b) if isinstance(a, TensorShape) else a
                 for a, b in zip(self._components(), other._components())]
        return type(self)(*parts)

    def __eq__(self, other):
        return type(other) is type(self) and self._components() == other._components()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__,) + tuple(
            tuple(c.as_list()) if isinstance(c, TensorShape) and c.ndims is not None else str(c)
            for c in self._components()))

    def __repr__(self):
        fields = ", ".join(f"{k}={_show(v)}" for k, v in self._fields())
        return f"{type(self).__name__}({fields})"

    def _fields(self):
        raise NotImplementedError


def _show(value):
    return repr(value.as_tuple()) if isinstance(value, TensorShape) else repr(value)


def _most_specific(a, b):
    """The shape both shapes fit: their rank if equal, dimensions where they agree."""
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


def _compatible(a, b):
    if isinstance(a, TensorShape):
        return a.is_compatible_with(b)
    return a == b


class TensorSpec(TypeSpec):
    """A tensor's shape (partially known), dtype and (optional) name."""

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)

    @property
    def value_type(self):
        from tensorflux.core.graph import Tensor
        return Tensor

    def _components(self):
        return (self._shape, self._dtype)

    def _fields(self):
        return (("shape", self._shape), ("dtype", self._dtype), ("name", self._name))

    def most_specific_compatible_type(self, other):
        merged = super().most_specific_compatible_type(other)
        return TensorSpec(merged.shape, merged.dtype, self._name if self._name == other.name else None)

    def __eq__(self, other):
        return super().__eq__(other) and self._name == other.name

    __hash__ = TypeSpec.__hash__

    @classmethod
    def from_spec(cls, spec, name=None):
        """A TensorSpec with the shape and dtype of ``spec`` (and ``name`` or its name)."""
        return cls(spec.shape, spec.dtype, name if name is not None else getattr(spec, "name", None))

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of a Tensor (named after it unless ``name`` is given)."""
        from tensorflux.core.graph import Tensor
        if not isinstance(tensor, Tensor):
            raise ValueError(f"`tensor` should be a tf.Tensor, got {type(tensor).__name__}")
        return cls(tensor.shape, tensor.dtype, name if name is not None else tensor.op.name)


class SparseTensorSpec(TypeSpec):
    """A SparseTensor's dense shape and dtype."""

    def __init__(self, shape=None, dtype=dtypes.float32):
        self._shape, self._dtype = as_shape(shape), dtypes.as_dtype(dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from tensorflux.ops.sparse_tensor import SparseTensor
        return SparseTensor

    def _components(self):
        return (self._shape, self._dtype)

    def _fields(self):
        return (("shape", self._shape), ("dtype", self._dtype))

    @classmethod
    def from_value(cls, value):
        from tensorflux.ops.shape_fns import constant_value
        shape = constant_value(value.dense_shape)
        dims = TensorShape([int(d) for d in shape]) if shape is not None else TensorShape(
            [None] * value.dense_shape.shape.as_tuple()[0]
            if value.dense_shape.shape.is_fully_defined() else None)
        return cls(dims, value.dtype)


class IndexedSlicesSpec(TypeSpec):
    """An IndexedSlices' dense shape and dtypes (and the shape of its indices)."""

    def __init__(self, shape=None, dtype=dtypes.float32, indices_dtype=dtypes.int64,
                 dense_shape_dtype=None, indices_shape=None):
        self._shape, self._dtype = as_shape(shape), dtypes.as_dtype(dtype)
        self._indices_dtype = dtypes.as_dtype(indices_dtype)
        self._dense_shape_dtype = (None if dense_shape_dtype is None
                                   else dtypes.as_dtype(dense_shape_dtype))
        self._indices_shape = as_shape(indices_shape if indices_shape is not None else [None])

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from tensorflux.ops.indexed_slices import IndexedSlices
        return IndexedSlices

    def _components(self):
        return (self._shape, self._dtype, self._indices_dtype, self._dense_shape_dtype,
                self._indices_shape)

    def _fields(self):
        return (("shape", self._shape), ("dtype", self._dtype),
                ("indices_dtype", self._indices_dtype),
                ("dense_shape_dtype", self._dense_shape_dtype),
                ("indices_shape", self._indices_shape))


class TensorArraySpec(TypeSpec):
    """A TensorArray's element shape, dtype, and whether it grows or infers shapes."""

    def __init__(self, element_shape=None, dtype=dtypes.float32, dynamic_size=False,
                 infer_shape=True):
        self._element_shape, self._dtype = as_shape(element_shape), dtypes.as_dtype(dtype)
        self._dynamic_size, self._infer_shape = bool(dynamic_size), bool(infer_shape)

    element_shape = property(lambda self: self._element_shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from tensorflux.ops.tensor_array_ops import TensorArray
        return TensorArray

    def _components(self):
        return (self._element_shape, self._dtype, self._dynamic_size, self._infer_shape)

    def _fields(self):
        return (("element_shape", self._element_shape), ("dtype", self._dtype),
                ("dynamic_size", self._dynamic_size), ("infer_shape", self._infer_shape))


class NoneTensorSpec(TypeSpec):
    """The spec of ``None`` (an optional value that is absent)."""

    value_type = type(None)

    def _components(self):
        return ()

    def _fields(self):
        return ()


def type_spec_from_value(value):
    """The spec describing ``value``: a Tensor (or anything convertible to one), a
    SparseTensor, an IndexedSlices, a TensorArray or None."""
    from tensorflux.ops.constant_op import convert_to_tensor
    from tensorflux.ops.indexed_slices import IndexedSlices
    from tensorflux.ops.sparse_tensor import SparseTensor
    from tensorflux.ops.tensor_array_ops import TensorArray
    if value is None:
        return NoneTensorSpec()
    if isinstance(value, SparseTensor):
        return SparseTensorSpec.from_value(value)
    if isinstance(value, IndexedSlices):
        shape = value.dense_shape
        from tensorflux.ops.shape_fns import constant_value
        known = None if shape is None else constant_value(shape)
        return IndexedSlicesSpec(known.tolist() if known is not None else None, value.dtype,
                                 value.indices.dtype,
                                 None if shape is None else shape.dtype, value.indices.shape)
    if isinstance(value, TensorArray):
        return TensorArraySpec(value.element_shape, value.dtype, value.dynamic_size,
                               value._infer_shape)
    try:
        tensor = convert_to_tensor(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Could not build a TypeSpec for {value!r} with type "
                        f"{type(value).__name__}: {exc}") from None
    return TensorSpec(tensor.shape, tensor.dtype)
