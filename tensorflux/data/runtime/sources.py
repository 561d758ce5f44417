"""Runtime datasets that make elements: tensor slices, whole tensors, ranges, Python
generators, and the zip and concatenation of datasets.

Tensor slices and ranges are *indexable* (``len``, ``element(i)``, ``gather(indices)``):
a shuffle over one shuffles indices and gathers each block with one NumPy call.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.data.runtime.base import INFINITE, UNKNOWN, RuntimeDataset, RuntimeIterator


class Slices(RuntimeDataset):
    """``from_tensor_slices``: element ``i`` is ``a[i]`` of every component ``a``."""

    def __init__(self, arrays):
        arrays = [np.array(a, copy=True) for a in arrays]  # a fed array may change later
        sizes = {len(a) for a in arrays}
        if len(sizes) > 1:
            raise errors.InvalidArgumentError(
                None, None, f"from_tensor_slices: all components must have the same size in "
                            f"their first dimension, got {[len(a) for a in arrays]}")
        self.arrays = arrays
        self.size = sizes.pop()

    def __len__(self):
        return self.size

    def cardinality(self):
        return self.size

    def element(self, i):
        return tuple([a[i, ...] for a in self.arrays])

    def gather(self, indices):
        # Fancy indexing copies without the GIL (ndarray.take holds it), so a prefetch
        # thread gathering a batch does not hold up the training thread.
        indices = np.asarray(indices, dtype=np.intp)
        return tuple([a[indices] for a in self.arrays])

    def block(self, start, stop):
        return tuple([a[start:stop].copy() for a in self.arrays])

    def iterator(self):
        return IndexedIterator(self)


class IndexedIterator(RuntimeIterator):
    """A pass over an indexable dataset in order; blocks are contiguous copies."""

    def __init__(self, source):
        self.source = source
        self.position = 0

    def __next__(self):
        i = self.position
        if i >= self.source.size:
            raise StopIteration
        self.position = i + 1
        return self.source.element(i)

    def next_block(self, n):
        start = self.position
        stop = min(start + n, self.source.size)
        if start >= stop:
            return None
        self.position = stop
        return self.source.block(start, stop)


class Tensors(RuntimeDataset):
    """``from_tensors``: one element, the values themselves."""

    def __init__(self, values):
        self.values = tuple(np.array(v, copy=True) for v in values)

    def cardinality(self):
        return 1

    def iterator(self):
        return _Once(self.values)


class _Once(RuntimeIterator):
    def __init__(self, element):
        self.element = element

    def __next__(self):
        element, self.element = self.element, None
        if element is None:
            raise StopIteration
        return element


class Range(RuntimeDataset):
    """``Dataset.range(start, stop, step)``: int64 scalars."""

    def __init__(self, start, stop, step):
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        self.start, self.step = start, step
        self.size = max(0, -(-(stop - start) // step)) if step > 0 else max(0, -(-(start - stop) // -step))

    def __len__(self):
        return self.size

    def cardinality(self):
        return self.size

    def element(self, i):
        return (np.array(self.start + i * self.step, dtype=np.int64),)

    def gather(self, indices):
        return (self.start + self.step * np.asarray(indices, dtype=np.int64),)

    def block(self, start, stop):
        return (np.arange(self.start + start * self.step, self.start + stop * self.step,
                          self.step, dtype=np.int64),)

    def iterator(self):
        return IndexedIterator(self)


class Generator(RuntimeDataset):
    """``from_generator``: each pass calls ``generator(*args)`` and converts what it
    yields to the declared dtypes, checking the structure and shapes as TF1 does."""

    def __init__(self, generator, args, flatten, types, shapes, structure_text):
        self.generator, self.args = generator, tuple(args)
        self.flatten, self.types, self.shapes = flatten, types, shapes
        self.structure_text = structure_text

    def iterator(self):
        return _GeneratorPass(self)


_PY_ERRORS = ((ValueError, errors.InvalidArgumentError), (TypeError, errors.InvalidArgumentError),
              (NotImplementedError, errors.UnimplementedError))


def python_error(exc, where):
    """An exception of the user's Python code as TF1's error class (as py_func maps it)."""
    if isinstance(exc, errors.OpError):
        return exc
    cls = next((c for kind, c in _PY_ERRORS if isinstance(exc, kind)), errors.UnknownError)
    error = cls(None, None, f"{type(exc).__name__}: {exc} ({where})")
    error.__cause__ = exc
    return error


class _GeneratorPass(RuntimeIterator):
    def __init__(self, source):
        self.source = source
        self.values = None

    def __next__(self):
        src = self.source
        where = f"in the generator {getattr(src.generator, '__name__', src.generator)!r} of from_generator"
        try:
            if self.values is None:
                self.values = iter(src.generator(*src.args))
            value = next(self.values)
        except StopIteration:
            raise
        except Exception as exc:
            raise python_error(exc, where) from exc
        return self._convert(value)

    def _convert(self, value):
        src = self.source
        try:
            leaves = src.flatten(value)
        except (TypeError, ValueError):
            raise errors.InvalidArgumentError(
                None, None, f"TypeError: `generator` yielded an element that did not match the "
                            f"expected structure. The expected structure was {src.structure_text}, but "
                            f"the yielded element was {value!r}.") from None
        out = []
        for leaf, dtype, shape in zip(leaves, src.types, src.shapes):
            try:
                array = dtypes.as_bytes_array(leaf) if dtype == dtypes.string \
                    else np.asarray(leaf, dtype=dtype.np_dtype)
            except (TypeError, ValueError):
                raise errors.InvalidArgumentError(
                    None, None, f"TypeError: `generator` yielded an element that could not be "
                                f"converted to the expected type. The expected type was "
                                f"{dtype.name}, but the yielded element was {leaf!r}.") from None
            if not shape.is_compatible_with(array.shape):
                raise errors.InvalidArgumentError(
                    None, None, f"ValueError: `generator` yielded an element of shape "
                                f"{array.shape} where an element of shape {shape} was expected.")
            out.append(array)
        return tuple(out)

    def close(self):
        close = getattr(self.values, "close", None)
        if close is not None:
            close()


class Zip(RuntimeDataset):
    """``Dataset.zip``: one element of each input, side by side; ends with the shortest."""

    def __init__(self, inputs):
        self.inputs = inputs

    def cardinality(self):
        sizes = [d.cardinality() for d in self.inputs]
        if UNKNOWN in sizes:
            return UNKNOWN
        finite = [s for s in sizes if s != INFINITE]
        return min(finite) if finite else INFINITE

    def iterator(self):
        return _ZipPass([d.iterator() for d in self.inputs])


class _ZipPass(RuntimeIterator):
    def __init__(self, iterators):
        self.iterators = iterators

    def __next__(self):
        out = ()
        for it in self.iterators:
            out += next(it)
        return out

    def close(self):
        for it in self.iterators:
            it.close()


class Concatenate(RuntimeDataset):
    """``a.concatenate(b)``: the elements of ``a``, then those of ``b``."""

    def __init__(self, first, second):
        self.parts = (first, second)

    def cardinality(self):
        a, b = (d.cardinality() for d in self.parts)
        if INFINITE in (a, b):
            return INFINITE
        return UNKNOWN if UNKNOWN in (a, b) else a + b

    def iterator(self):
        return _ConcatenatePass(self.parts)


class _ConcatenatePass(RuntimeIterator):
    def __init__(self, parts):
        self.parts = list(parts)
        self.current = self.parts.pop(0).iterator()

    def __next__(self):
        while True:
            try:
                return next(self.current)
            except StopIteration:
                if not self.parts:
                    raise
                self.current.close()
                self.current = self.parts.pop(0).iterator()

    def next_block(self, n):
        while True:
            block = self.current.next_block(n)
            if block is not None or not self.parts:
                return block
            self.current.close()
            self.current = self.parts.pop(0).iterator()

    def close(self):
        self.current.close()
