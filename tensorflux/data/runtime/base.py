"""The protocol of the running pipeline: runtime datasets and their iterators.

When an iterator is initialized, each ``tf.data.Dataset`` of its pipeline becomes a
runtime dataset: a plain Python object holding the values of its parameters (batch
size, the arrays to slice, ...) and its compiled functions. ``iterator()`` starts a
pass over it (``repeat`` starts one per epoch). An element is a tuple of NumPy arrays,
one per component, in ``nest.flatten`` order.

Iterators are classes rather than generators, so an error in one element (a map
function failing on a bad record) leaves the iterator usable for the next one, as in
TF1. ``next_block(n)`` returns up to ``n`` elements at once, stacked (None at the end):
``batch`` asks for whole blocks, which sources that can slice or gather (tensor
slices, ranges, a shuffle of them) produce with one NumPy call instead of ``n``.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors

INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2  # tf.data.UNKNOWN_CARDINALITY


class RuntimeDataset:
    """One dataset of a running pipeline."""

    def iterator(self):
        raise NotImplementedError

    def cardinality(self) -> int:
        return UNKNOWN


class RuntimeIterator:
    """A pass over a runtime dataset: ``next()`` gives an element or raises
    StopIteration; errors of one element propagate and the pass goes on."""

    def __iter__(self):
        return self

    def __next__(self):
        raise NotImplementedError

    def next_block(self, n):
        """Up to ``n`` elements stacked component-wise (at least one), or None at the
        end. Stops early (returning what it has) only at the end of the input."""
        elements = []
        for _ in range(n):
            try:
                elements.append(next(self))
            except StopIteration:
                break
        return stack(elements) if elements else None

    def close(self):
        """Release threads and files (the pass is over or abandoned)."""


class GeneratorIterator(RuntimeIterator):
    """An iterator over a Python generator of elements (a file reader)."""

    def __init__(self, generator):
        self._generator = generator

    def __next__(self):
        return next(self._generator)

    def close(self):
        self._generator.close()


def stack(elements):
    """Elements (tuples of arrays) stacked into one tuple of arrays, as ``batch`` does;
    InvalidArgumentError when one component has different shapes."""
    out = []
    for i in range(len(elements[0])):
        parts = [e[i] for e in elements]
        try:
            out.append(np.stack(parts))
        except ValueError:
            first = np.shape(parts[0])
            bad = next(j for j, p in enumerate(parts) if np.shape(p) != first)
            raise errors.InvalidArgumentError(
                None, None, f"Cannot batch tensors with different shapes in component {i}. "
                            f"First element had shape {list(first)} and element {bad} had "
                            f"shape {list(np.shape(parts[bad]))}.") from None
    return tuple(out)


def concat_blocks(blocks):
    """Blocks (tuples of stacked arrays) joined along the first dimension."""
    if len(blocks) == 1:
        return blocks[0]
    return tuple(np.concatenate([b[i] for b in blocks]) for i in range(len(blocks[0])))


def block_size(block) -> int:
    return len(block[0]) if block else 0


def scalar_string(value: bytes) -> np.ndarray:
    """A 0-d string array (TF's scalar string) holding ``value``."""
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def as_list_of_strings(value) -> list:
    """A string tensor's value (scalar or any shape) as a list of ``str``."""
    arr = np.asarray(value, dtype=object).reshape(-1)
    return [v.decode() if isinstance(v, bytes) else str(v) for v in arr]


def as_int(value) -> int:
    return int(np.asarray(value))
