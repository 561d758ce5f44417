"""``tf.nest``: nested structures (lists, tuples, namedtuples, dicts) of values.

Dicts flatten in sorted key order, as in TensorFlow. ``check_types`` (the default)
makes ``assert_same_structure`` and ``map_structure`` also require the same kinds of
containers (a list does not match a tuple), raising TypeError as TensorFlow does.
"""
from __future__ import annotations

from tensorflux.core import nest as _nest

is_nested = _nest.is_sequence


def flatten(structure, expand_composites=False):
    """The leaves of ``structure``, depth first (a leaf alone: ``[leaf]``)."""
    return _nest.flatten(structure)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` (leaves) shaped like ``structure``."""
    return _nest.pack_sequence_as(structure, flat_sequence)


def _kind(value):
    if isinstance(value, dict):
        return dict
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, tuple(value._fields))
    return type(value)


def _check_types(a, b):
    if not (_nest.is_sequence(a) and _nest.is_sequence(b)):
        return
    if _kind(a) != _kind(b):
        raise TypeError(f"The two structures don't have the same sequence type. Input structure "
                        f"has type {type(a)}, while shallow structure has type {type(b)}.")
    for x, y in zip(_nest._children(a), _nest._children(b)):
        _check_types(x, y)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """ValueError unless both nest the same way (same lengths, same dict keys); with
    ``check_types``, TypeError unless the containers are of the same kinds."""
    _nest.assert_same_structure(nest1, nest2)
    if check_types:
        _check_types(nest1, nest2)


def map_structure(func, *structure, check_types=True, expand_composites=False):
    """``func`` applied leafwise across structures of the same shape."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    return _nest.map_structure(func, *structure)
