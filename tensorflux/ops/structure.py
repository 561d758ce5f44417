"""Nested structures of tensors (TF1's ``nest``): tuples, lists, namedtuples and dicts,
as RNN states are (an ``LSTMStateTuple`` per layer of a ``MultiRNNCell``).

Dicts are walked in sorted key order; anything else is a leaf.
"""
from __future__ import annotations


def is_sequence(value) -> bool:
    return isinstance(value, (tuple, list, dict))


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


def _rebuild(like, children):
    if isinstance(like, dict):
        return type(like)(zip(sorted(like), children))
    if hasattr(like, "_fields"):  # a namedtuple
        return type(like)(*children)
    return type(like)(children)


def pack_sequence_as(structure, flat_sequence):
    """``flat_sequence`` arranged as ``structure``."""
    flat = list(flat_sequence)
    if len(flat) != len(flatten(structure)):
        raise ValueError(f"Structure has {len(flatten(structure))} elements, but the flat "
                         f"sequence has {len(flat)}")
    position = iter(flat)

    def build(s):
        if not is_sequence(s):
            return next(position)
        return _rebuild(s, [build(c) for c in _children(s)])
    return build(structure)


def map_children(fn, *structures):
    """``structures[0]`` rebuilt with ``fn`` applied to the direct children of each."""
    kids = [_children(s) for s in structures]
    return _rebuild(structures[0], [fn(*parts) for parts in zip(*kids)])


def assert_same_structure(a, b):
    if is_sequence(a) != is_sequence(b):
        raise ValueError(f"The two structures don't have the same nested structure: {a} and {b}")
    if is_sequence(a):
        ca, cb = _children(a), _children(b)
        if len(ca) != len(cb):
            raise ValueError(f"The two structures don't have the same number of elements: "
                             f"{a} and {b}")
        for x, y in zip(ca, cb):
            assert_same_structure(x, y)


def map_structure(fn, *structures):
    """``fn`` applied leaf by leaf to structures of the same shape, in that shape."""
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    leaves = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [fn(*args) for args in zip(*leaves)])


def map_structure_up_to(shallow, fn, *structures):
    """``fn`` applied to the parts of ``structures`` at the leaves of ``shallow`` (which
    may stop above their leaves), in the shape of ``shallow``."""
    def walk(s, parts):
        if not is_sequence(s):
            return fn(*parts)
        kids = [_children(p) for p in parts]
        return _rebuild(s, [walk(c, [k[i] for k in kids]) for i, c in enumerate(_children(s))])
    return walk(shallow, list(structures))
