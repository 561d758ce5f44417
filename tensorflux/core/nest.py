"""Nested structures of values (TF1's ``nest``): lists, tuples, namedtuples and dicts
whose leaves are tensors (or anything else that is not one of those containers).

Dicts are flattened in sorted key order, as TF does, so a structure and its flat list
correspond however the dict was built.
"""
from __future__ import annotations


def is_sequence(value) -> bool:
    return isinstance(value, (list, tuple, dict))


def _children(value):
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    return list(value)


def flatten(structure) -> list:
    """The leaves of ``structure``, depth first."""
    if not is_sequence(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(template, children):
    if isinstance(template, dict):
        return type(template)(zip(sorted(template), children))
    if isinstance(template, tuple) and hasattr(template, "_fields"):  # a namedtuple
        return type(template)(*children)
    return type(template)(children)


def pack_sequence_as(structure, flat):
    """``flat`` (a list of leaves) shaped like ``structure``."""
    flat = list(flat)
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(f"Structure had {expected} elements, but flat_sequence had "
                         f"{len(flat)} elements.")
    it = iter(flat)

    def build(s):
        if not is_sequence(s):
            return next(it)
        return _rebuild(s, [build(c) for c in _children(s)])

    return build(structure)


def assert_same_structure(a, b, what="The two structures"):
    """ValueError unless ``a`` and ``b`` nest the same way (containers of the same kind
    and length; dicts with the same keys)."""
    def check(x, y):
        if is_sequence(x) != is_sequence(y):
            raise ValueError(f"{what} don't have the same nested structure: {a!r} vs {b!r}")
        if not is_sequence(x):
            return
        if isinstance(x, dict) != isinstance(y, dict) or (
                isinstance(x, dict) and sorted(x) != sorted(y)):
            raise ValueError(f"{what} don't have the same nested structure: {a!r} vs {b!r}")
        cx, cy = _children(x), _children(y)
        if len(cx) != len(cy):
            raise ValueError(f"{what} don't have the same number of elements: {a!r} vs {b!r}")
        for u, v in zip(cx, cy):
            check(u, v)

    check(a, b)


def map_structure(fn, *structures):
    """``fn`` applied leafwise across structures of the same shape."""
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def map_children(fn, *structures):
    """``structures[0]`` rebuilt with ``fn`` applied to the direct children of each."""
    kids = [_children(s) for s in structures]
    return _rebuild(structures[0], [fn(*parts) for parts in zip(*kids)])


def map_structure_up_to(shallow, fn, *structures):
    """``fn`` applied to the parts of ``structures`` at the leaves of ``shallow`` (which
    may stop above their leaves), in the shape of ``shallow``."""
    def walk(s, parts):
        if not is_sequence(s):
            return fn(*parts)
        kids = [_children(p) for p in parts]
        return _rebuild(s, [walk(c, [k[i] for k in kids]) for i, c in enumerate(_children(s))])
    return walk(shallow, list(structures))
