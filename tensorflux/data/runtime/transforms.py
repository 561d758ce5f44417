"""Runtime datasets that transform their input, one pass at a time: map, filter,
flat_map, interleave, batch, padded_batch, unbatch, shuffle, repeat, take, skip, shard
and the in-memory cache. Threaded ones (parallel map, prefetch) are in ``threaded``."""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors
from tensorflux.data.runtime.base import (INFINITE, UNKNOWN, RuntimeDataset, RuntimeIterator,
                                          block_size, concat_blocks, stack)


class _Unary(RuntimeDataset):
    """A dataset of one input whose size is the input's (unless a subclass says)."""

    def __init__(self, input_dataset):
        self.input = input_dataset

    def cardinality(self):
        return self.input.cardinality()


class _UnaryPass(RuntimeIterator):
    def __init__(self, input_iterator):
        self.input = input_iterator

    def close(self):
        self.input.close()


# --- map and filter ---------------------------------------------------------------------
class Map(_Unary):
    """``map(fn)`` run in the calling thread (``threaded.ParallelMap`` for
    ``num_parallel_calls`` > 1)."""

    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset)
        self.fn = fn

    def iterator(self):
        return _MapPass(self.input.iterator(), self.fn)


class _MapPass(_UnaryPass):
    def __init__(self, input_iterator, fn):
        super().__init__(input_iterator)
        self.fn = fn

    def __next__(self):
        return self.fn(*next(self.input))


class Filter(_Unary):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self.predicate = predicate

    def cardinality(self):
        return UNKNOWN

    def iterator(self):
        return _FilterPass(self.input.iterator(), self.predicate)


class _FilterPass(_UnaryPass):
    def __init__(self, input_iterator, predicate):
        super().__init__(input_iterator)
        self.predicate = predicate

    def __next__(self):
        while True:
            element = next(self.input)
            if self.predicate(*element)[0]:
                return element


# --- flat_map and interleave ---------------------------------------------------------------
class FlatMap(_Unary):
    """``flat_map(fn)``: ``make_inner(fn(*element))`` is the runtime dataset an element
    maps to; its elements follow one another."""

    def __init__(self, input_dataset, fn, make_inner):
        super().__init__(input_dataset)
        self.fn, self.make_inner = fn, make_inner

    def cardinality(self):
        return UNKNOWN

    def iterator(self):
        return _FlatMapPass(self)


class _FlatMapPass(_UnaryPass):
    def __init__(self, dataset):
        super().__init__(dataset.input.iterator())
        self.dataset = dataset
        self.inner = None

    def __next__(self):
        while True:
            if self.inner is None:
                element = next(self.input)
                self.inner = self.dataset.make_inner(self.dataset.fn(*element)).iterator()
            try:
                return next(self.inner)
            except StopIteration:
                self.inner.close()
                self.inner = None

    def close(self):
        if self.inner is not None:
            self.inner.close()
        super().close()


class Interleave(FlatMap):
    """``interleave(fn, cycle_length, block_length)``: TF1's InterleaveDataset. Up to
    ``cycle_length`` inner datasets are open; ``block_length`` elements are taken from
    each in turn, and an exhausted one is replaced by the next input element's."""

    def __init__(self, input_dataset, fn, make_inner, cycle_length, block_length):
        super().__init__(input_dataset, fn, make_inner)
        if cycle_length <= 0 or block_length <= 0:
            raise errors.InvalidArgumentError(
                None, None, f"interleave: cycle_length ({cycle_length}) and block_length "
                            f"({block_length}) must be greater than zero.")
        self.cycle_length, self.block_length = cycle_length, block_length

    def iterator(self):
        return _InterleavePass(self)


class _InterleavePass(_UnaryPass):
    def __init__(self, dataset):
        super().__init__(dataset.input.iterator())
        self.dataset = dataset
        self.current = [None] * dataset.cycle_length
        self.cycle_index = self.block_index = self.num_open = 0
        self.end_of_input = False

    def _advance_cycle(self):
        self.block_index = 0
        self.cycle_index = (self.cycle_index + 1) % len(self.current)

    def __next__(self):
        ds = self.dataset
        while not self.end_of_input or self.num_open:
            inner = self.current[self.cycle_index]
            if inner is not None:
                try:
                    element = next(inner)
                except StopIteration:
                    inner.close()
                    self.current[self.cycle_index] = None
                    self.num_open -= 1
                    self._advance_cycle()
                    continue
                self.block_index += 1
                if self.block_index == ds.block_length:
                    self._advance_cycle()
                return element
            if not self.end_of_input:
                try:
                    element = next(self.input)
                except StopIteration:
                    self.end_of_input = True
                    continue
                self.current[self.cycle_index] = ds.make_inner(ds.fn(*element)).iterator()
                self.num_open += 1
            else:
                self._advance_cycle()
        raise StopIteration

    def close(self):
        for inner in self.current:
            if inner is not None:
                inner.close()
        super().close()


# --- batching ----------------------------------------------------------------------------------
class Batch(_Unary):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        if batch_size <= 0:
            raise errors.InvalidArgumentError(None, None, f"Batch size must be greater than "
                                                          f"zero, got {batch_size}")
        self.batch_size, self.drop_remainder = batch_size, drop_remainder

    def cardinality(self):
        n = self.input.cardinality()
        if n < 0:
            return n
        return n // self.batch_size if self.drop_remainder else -(-n // self.batch_size)

    def iterator(self):
        return _BatchPass(self.input.iterator(), self.batch_size, self.drop_remainder)


class _BatchPass(_UnaryPass):
    def __init__(self, input_iterator, n, drop_remainder):
        super().__init__(input_iterator)
        self.n, self.drop_remainder = n, drop_remainder

    def __next__(self):
        n = self.n
        block = self.input.next_block(n)
        if block is None:
            raise StopIteration
        have = block_size(block)
        if have < n:
            blocks = [block]
            while have < n:
                block = self.input.next_block(n - have)
                if block is None:
                    break
                blocks.append(block)
                have += block_size(block)
            if have < n and self.drop_remainder:
                raise StopIteration
            try:
                block = concat_blocks(blocks)
            except ValueError:  # blocks of elements of different shapes
                block = stack([tuple(c[i] for c in b) for b in blocks for i in range(block_size(b))])
        return block


class PaddedBatch(Batch):
    """``padded_batch``: components padded with their padding value up to
    ``padded_shapes`` (None dims: the largest element of the batch)."""

    def __init__(self, input_dataset, batch_size, drop_remainder, padded_shapes, padding_values):
        super().__init__(input_dataset, batch_size, drop_remainder)
        self.padded_shapes, self.padding_values = padded_shapes, padding_values

    def iterator(self):
        return _PaddedBatchPass(self)


class _PaddedBatchPass(_UnaryPass):
    def __init__(self, dataset):
        super().__init__(dataset.input.iterator())
        self.dataset = dataset

    def __next__(self):
        ds = self.dataset
        elements = []
        for _ in range(ds.batch_size):
            try:
                elements.append(next(self.input))
            except StopIteration:
                break
        if not elements or (ds.drop_remainder and len(elements) < ds.batch_size):
            raise StopIteration
        return tuple(_pad(i, [e[i] for e in elements], shape, value)
                     for i, (shape, value) in enumerate(zip(ds.padded_shapes, ds.padding_values)))


def _pad(component, parts, padded_shape, value):
    shapes = [np.shape(p) for p in parts]
    rank = len(padded_shape)
    if any(len(s) != rank for s in shapes):
        bad = next(s for s in shapes if len(s) != rank)
        raise errors.InvalidArgumentError(
            None, None, f"padded_batch: component {component} has rank {len(bad)}, but its "
                        f"padded shape {list(padded_shape)} has rank {rank}")
    target = []
    for d, want in enumerate(padded_shape):
        largest = max(s[d] for s in shapes)
        if want is None:
            target.append(largest)
        elif largest > want:
            raise errors.InvalidArgumentError(
                None, None, f"Attempted to pad to a smaller size than the input element: "
                            f"component {component} has dimension {d} of size {largest}, "
                            f"padded shape {list(padded_shape)}")
        else:
            target.append(want)
    value = np.asarray(value)
    out = np.full((len(parts), *target), value, dtype=value.dtype)
    for j, p in enumerate(parts):
        out[(j, *(slice(0, k) for k in np.shape(p)))] = p
    return out


class Unbatch(_Unary):
    def cardinality(self):
        return UNKNOWN

    def iterator(self):
        return _UnbatchPass(self.input.iterator())


class _UnbatchPass(_UnaryPass):
    def __init__(self, input_iterator):
        super().__init__(input_iterator)
        self.batch, self.position, self.size = None, 0, 0

    def _refill(self):
        while self.position >= self.size:
            batch = next(self.input)
            sizes = {len(c) for c in batch}
            if len(sizes) != 1:
                raise errors.InvalidArgumentError(
                    None, None, f"unbatch: the components of an element have different "
                                f"batch sizes {[len(c) for c in batch]}")
            self.batch, self.position, self.size = batch, 0, sizes.pop()

    def __next__(self):
        self._refill()
        i = self.position
        self.position = i + 1
        return tuple([c[i, ...] for c in self.batch])

    def next_block(self, n):
        try:
            self._refill()
        except StopIteration:
            return None
        start = self.position
        self.position = stop = min(start + n, self.size)
        return tuple([c[start:stop] for c in self.batch])


# --- order and count ----------------------------------------------------------------------------
class Shuffle(_Unary):
    """TF1's shuffle buffer: each element is drawn uniformly from a buffer of the next
    ``buffer_size`` input elements. With ``reshuffle`` each pass (each epoch of a
    ``repeat``) draws a new order from the dataset's generator, otherwise every pass
    repeats the first order.

    An indexable input (tensor slices, a range) is shuffled by index and its blocks
    gathered at once; when the buffer holds all of it, the order is a uniformly random
    permutation, which is what the buffer gives, drawn in one NumPy call."""

    def __init__(self, input_dataset, buffer_size, seed, seed2, reshuffle):
        super().__init__(input_dataset)
        if buffer_size <= 0:
            raise errors.InvalidArgumentError(
                None, None, f"buffer_size must be greater than zero, got {buffer_size}")
        self.buffer_size, self.reshuffle = buffer_size, reshuffle
        self.seeds = np.random.default_rng([seed, seed2]) if (seed or seed2) else np.random.default_rng()
        self.fixed_seed = int(self.seeds.integers(2 ** 63))

    def iterator(self):
        seed = int(self.seeds.integers(2 ** 63)) if self.reshuffle else self.fixed_seed
        rng = np.random.default_rng(seed)
        source = self.input
        if not hasattr(source, "gather"):
            return _ShufflePass(source.iterator(), self.buffer_size, rng)
        if self.buffer_size >= len(source):
            return _PermutationPass(source, rng.permutation(len(source)))
        return _ShufflePass(iter(range(len(source))), self.buffer_size, rng, source)


class _ShufflePass(RuntimeIterator):
    """The buffer: ``items`` are the input's elements, or indices into ``indexed``."""

    def __init__(self, items, buffer_size, rng, indexed=None):
        self.items, self.buffer_size, self.rng, self.indexed = items, buffer_size, rng, indexed
        self.buffer = []
        self.exhausted = False
        self.pool, self.k = [], 0  # uniforms drawn ahead, in one stream

    def _uniforms(self, count):
        if self.k + count > len(self.pool):
            self.pool = self.pool[self.k:] + self.rng.random(max(256, count)).tolist()
            self.k = 0
        k = self.k
        self.k = k + count
        return self.pool[k:k + count]

    def _draw(self, count):
        """Up to ``count`` items, each drawn from the buffer as it refills."""
        buffer, size, items, out = self.buffer, self.buffer_size, self.items, []
        for u in self._uniforms(count):
            while not self.exhausted and len(buffer) < size:
                try:
                    buffer.append(next(items))
                except StopIteration:
                    self.exhausted = True
            n = len(buffer)
            if not n:
                break
            j = min(int(u * n), n - 1)
            out.append(buffer[j])
            last = buffer.pop()
            if j < n - 1:
                buffer[j] = last
        return out

    def __next__(self):
        drawn = self._draw(1)
        if not drawn:
            raise StopIteration
        return drawn[0] if self.indexed is None else self.indexed.element(drawn[0])

    def next_block(self, n):
        drawn = self._draw(n)
        if not drawn:
            return None
        return stack(drawn) if self.indexed is None else self.indexed.gather(drawn)

    def close(self):
        if self.indexed is None:
            self.items.close()


class _PermutationPass(RuntimeIterator):
    def __init__(self, source, order):
        self.source, self.order, self.position = source, order, 0

    def __next__(self):
        i = self.position
        if i >= len(self.order):
            raise StopIteration
        self.position = i + 1
        return self.source.element(self.order[i])

    def next_block(self, n):
        start = self.position
        if start >= len(self.order):
            return None
        self.position = start + n
        return self.source.gather(self.order[start:start + n])


class Repeat(_Unary):
    """``repeat(count)`` (count < 0: forever); an epoch without elements ends it."""

    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self.count = count

    def cardinality(self):
        n = self.input.cardinality()
        if self.count == 0 or n == 0:
            return 0
        if self.count < 0:
            return UNKNOWN if n == UNKNOWN else INFINITE
        return n * self.count if n >= 0 else n

    def iterator(self):
        return _RepeatPass(self.input, self.count)


class _RepeatPass(RuntimeIterator):
    def __init__(self, source, count):
        self.source, self.count = source, count
        self.epoch, self.seen = 0, False
        self.current = source.iterator() if count != 0 else None

    def _next_epoch(self):
        self.current.close()
        self.epoch += 1
        if not self.seen or (0 <= self.count <= self.epoch):
            self.current = None
        else:
            self.seen = False
            self.current = self.source.iterator()

    def __next__(self):
        while self.current is not None:
            try:
                element = next(self.current)
            except StopIteration:
                self._next_epoch()
                continue
            self.seen = True
            return element
        raise StopIteration

    def next_block(self, n):
        while self.current is not None:
            block = self.current.next_block(n)
            if block is None:
                self._next_epoch()
                continue
            self.seen = True
            return block
        return None

    def close(self):
        if self.current is not None:
            self.current.close()


class Take(_Unary):
    """``take(count)``: the first ``count`` elements (count < 0: all)."""

    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self.count = count

    def cardinality(self):
        n = self.input.cardinality()
        if self.count < 0:
            return n
        if n == INFINITE:
            return self.count
        return UNKNOWN if n == UNKNOWN else min(n, self.count)

    def iterator(self):
        return _TakePass(self.input.iterator(), self.count)


class _TakePass(_UnaryPass):
    def __init__(self, input_iterator, count):
        super().__init__(input_iterator)
        self.left = count

    def __next__(self):
        if self.left == 0:
            raise StopIteration
        element = next(self.input)
        self.left -= 1
        return element

    def next_block(self, n):
        if self.left == 0:
            return None
        block = self.input.next_block(n if self.left < 0 else min(n, self.left))
        if block is not None and self.left > 0:
            self.left -= block_size(block)
        return block


class Skip(_Unary):
    """``skip(count)``: all but the first ``count`` elements (count < 0: none)."""

    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self.count = count

    def cardinality(self):
        n = self.input.cardinality()
        if self.count < 0:
            return 0 if n != INFINITE else INFINITE
        return n if n < 0 else max(0, n - self.count)

    def iterator(self):
        return _SkipPass(self.input.iterator(), self.count)


class _SkipPass(_UnaryPass):
    def __init__(self, input_iterator, count):
        super().__init__(input_iterator)
        self.to_skip = count

    def _skip(self):
        while self.to_skip != 0:
            block = self.input.next_block(1024 if self.to_skip < 0 else min(1024, self.to_skip))
            if block is None:
                self.to_skip = 0
                return
            if self.to_skip > 0:
                self.to_skip -= block_size(block)

    def __next__(self):
        self._skip()
        return next(self.input)

    def next_block(self, n):
        self._skip()
        return self.input.next_block(n)


class Shard(_Unary):
    """``shard(num_shards, index)``: every ``num_shards``-th element from ``index``."""

    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        if num_shards <= 0 or not 0 <= index < num_shards:
            raise errors.InvalidArgumentError(
                None, None, f"shard: num_shards ({num_shards}) must be greater than 0 and "
                            f"index ({index}) in [0, num_shards)")
        self.num_shards, self.index = num_shards, index

    def cardinality(self):
        n = self.input.cardinality()
        if n < 0:
            return n
        return n // self.num_shards + (1 if n % self.num_shards > self.index else 0)

    def iterator(self):
        return _ShardPass(self.input.iterator(), self.num_shards, self.index)


class _ShardPass(_UnaryPass):
    def __init__(self, input_iterator, num_shards, index):
        super().__init__(input_iterator)
        self.num_shards, self.index, self.position = num_shards, index, 0

    def __next__(self):
        while True:
            element = next(self.input)
            i = self.position
            self.position = i + 1
            if i % self.num_shards == self.index:
                return element


class IgnoreErrors(_Unary):
    """``tf.data.experimental.ignore_errors()``: elements whose computation fails are
    dropped."""

    def cardinality(self):
        return UNKNOWN

    def iterator(self):
        return _IgnoreErrorsPass(self.input.iterator())


class _IgnoreErrorsPass(_UnaryPass):
    def __next__(self):
        while True:
            try:
                return next(self.input)
            except errors.OpError:
                continue


class MemoryCache(_Unary):
    """``cache()``: the first complete pass is recorded; later passes replay it."""

    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        self.elements = None

    def iterator(self):
        if self.elements is not None:
            return _ReplayPass(self.elements)
        return _RecordPass(self)


class _ReplayPass(RuntimeIterator):
    def __init__(self, elements):
        self.elements, self.position = elements, 0

    def __next__(self):
        i = self.position
        if i >= len(self.elements):
            raise StopIteration
        self.position = i + 1
        return self.elements[i]


class _RecordPass(_UnaryPass):
    def __init__(self, cache):
        super().__init__(cache.input.iterator())
        self.cache, self.recorded = cache, []

    def __next__(self):
        try:
            element = next(self.input)
        except StopIteration:
            if self.cache.elements is None:
                self.cache.elements = self.recorded
            raise
        self.recorded.append(element)
        return element
