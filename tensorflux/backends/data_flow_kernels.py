"""The queues behind the queue ops: thread-safe, blocking, one per session.

A queue op's kernel creates its ``Queue`` in the session's resources the first time it
runs and returns the handle (its name); the other queue kernels look the queue up by
that handle. Waiting goes through ``tensorflux.core.blocking.wait``, so a run's
deadline applies, and ``cancel()`` (on session close) wakes every waiter.
"""
from __future__ import annotations

import threading

import numpy as np

from tensorflux.core import blocking, dtypes, errors

_KIND_NAMES = {"FIFOQueueV2": "FIFOQueue", "PaddingFIFOQueueV2": "PaddingFIFOQueue",
               "RandomShuffleQueueV2": "RandomShuffleQueue", "PriorityQueueV2": "PriorityQueue"}


class Queue:
    """Elements are tuples of arrays, one per component."""

    def __init__(self, op, rng):
        attrs = op.attrs
        self.op = op
        self.label = f"{_KIND_NAMES[op.type]} '{op.name}'"
        self.dtypes = attrs["component_types"]
        self.shapes = attrs["shapes"]
        capacity = attrs["capacity"]
        self.capacity = capacity if capacity > 0 else None
        self.min_after_dequeue = attrs.get("min_after_dequeue", 0)
        self.padding = op.type == "PaddingFIFOQueueV2"
        self.rng = rng if op.type == "RandomShuffleQueueV2" else None
        self.by_priority = op.type == "PriorityQueueV2"
        self.items: list[tuple] = []
        self.closed = False
        self.cancelled = False  # pending enqueues fail (close with cancel_pending_enqueues)
        self.aborted = False  # the session closed: every waiter fails
        self.cond = threading.Condition()

    # --- checks ---------------------------------------------------------------------------
    def _check(self, op, components, many):
        if len(components) != len(self.dtypes):
            raise errors.InvalidArgumentError(None, op, f"{self.label}: expected {len(self.dtypes)} "
                                                        f"components, got {len(components)}")
        n = None
        for i, (c, shape) in enumerate(zip(components, self.shapes or [None] * len(components))):
            elem = c.shape[1:] if many else c.shape
            if many:
                if n is None:
                    n = c.shape[0]
                elif c.shape[0] != n:
                    raise errors.InvalidArgumentError(
                        None, op, f"{self.label}: enqueue_many components have different batch "
                                  f"sizes: {n} and {c.shape[0]}")
            if shape is not None and (len(elem) != len(shape) or any(
                    d is not None and d != e for d, e in zip(shape, elem))):
                raise errors.InvalidArgumentError(
                    None, op, f"Shape mismatch in tuple component {i}. Expected "
                              f"{[d if d is not None else -1 for d in shape]}, got {list(elem)}")
        return n

    def _wait(self, op, ready):
        blocking.wait(self.cond, lambda: ready() or self.aborted, op)
        if self.aborted:
            raise errors.CancelledError(None, op, f"{self.label}: the session was closed")

    # --- operations (each with the condition held) -----------------------------------------------
    def enqueue(self, op, components, many):
        n = self._check(op, components, many)
        # c[i, ...] keeps each element an array (0-d for a vector), strings included.
        elements = ([tuple(c[i, ...] for c in components) for i in range(n)] if many
                    else [tuple(components)])
        with self.cond:
            if self.closed:
                raise errors.CancelledError(None, op, f"{self.label} is closed.")
            for element in elements:
                self._wait(op, lambda: self.cancelled or self.capacity is None
                           or len(self.items) < self.capacity)
                if self.cancelled:
                    raise errors.CancelledError(None, op, "Enqueue operation was cancelled")
                self.items.append(element)
                self.cond.notify_all()

    def dequeue(self, op, n, up_to=False):
        """``n`` elements (None: one, not batched)."""
        want = 1 if n is None else n
        keep = self.min_after_dequeue if self.rng is not None else 0
        with self.cond:
            self._wait(op, lambda: self.closed or len(self.items) >= want + keep)
            if len(self.items) < want:
                if not (up_to and self.closed and self.items):
                    raise errors.OutOfRangeError(
                        None, op, f"{self.label} is closed and has insufficient elements "
                                  f"(requested {want}, current size {len(self.items)})")
                want = len(self.items)
            taken = [self._take() for _ in range(want)]
            self.cond.notify_all()
        if n is None:
            return taken[0]
        return tuple(self._batch(i, [t[i] for t in taken]) for i in range(len(self.dtypes)))

    def _take(self):
        if self.by_priority:  # the first of the lowest priority
            return self.items.pop(min(range(len(self.items)), key=lambda i: self.items[i][0]))
        if self.rng is None:
            return self.items.pop(0)
        i = int(self.rng.integers(len(self.items)))
        self.items[i], self.items[-1] = self.items[-1], self.items[i]
        return self.items.pop()

    def _batch(self, i, parts):
        dtype = self.dtypes[i].np_dtype
        if not parts:
            shape = tuple(0 if d is None else d for d in self.shapes[i]) if self.shapes else ()
            return np.empty((0,) + shape, dtype=dtype)
        if self.padding:
            biggest = tuple(max(p.shape[k] for p in parts) for k in range(parts[0].ndim))
            out = np.empty((len(parts),) + biggest, dtype=dtype)
            out[...] = b"" if self.dtypes[i] == dtypes.string else 0
            for j, p in enumerate(parts):
                out[(j,) + tuple(slice(0, d) for d in p.shape)] = p
            return out
        return np.stack(parts)

    def close(self, cancel_pending):
        with self.cond:
            self.closed = True
            self.cancelled = self.cancelled or cancel_pending
            self.cond.notify_all()

    def cancel(self):
        """The session is closing: every blocked run fails with CancelledError."""
        with self.cond:
            self.closed = self.cancelled = self.aborted = True
            self.cond.notify_all()

    def size(self):
        return len(self.items)


def _resource_handle(name: str) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = name.encode()
    return out


def resource_kernel(make):
    """The kernel builder of an op that owns a session resource (a queue, a reader):
    the first run creates it with ``make(op, ctx)``; every run returns its handle."""
    def build(op, ctx):
        key = op.attrs["shared_name"] or op.name
        handle = _resource_handle(key)
        resources = ctx.resources

        def run():
            if key not in resources:
                resources.setdefault(key, make(op, ctx))
            return handle
        return run
    return build


def resource_lookup(op, ctx):
    """A function from a handle (queue, reader) to the session's object behind it."""
    resources = ctx.resources

    def find(handle):
        try:
            return resources[handle[()].decode()]
        except KeyError:
            raise errors.NotFoundError(None, op, f"Resource {handle[()]!r} does not exist in this session") from None
    return find


def _copy(c):
    """Queued arrays must not alias a fed or fetched array."""
    return np.array(c, copy=True)


def _enqueue(many):
    def build(op, ctx):
        find = resource_lookup(op, ctx)

        def run(handle, *components):
            find(handle).enqueue(op, [_copy(c) for c in components], many)
        return run
    return build


def _dequeue(kind):
    def build(op, ctx):
        find = resource_lookup(op, ctx)
        n = op.attrs.get("n")

        def run(handle):
            queue = find(handle)
            if kind == "one":
                return tuple(queue.dequeue(op, None))
            return queue.dequeue(op, n, up_to=kind == "up_to")
        return run
    return build


def _close(op, ctx):
    find = resource_lookup(op, ctx)
    cancel = op.attrs["cancel_pending_enqueues"]

    def run(handle):
        find(handle).close(cancel)
    return run


def _size(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle: np.array(find(handle).size(), dtype=np.int32)


def _is_closed(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle: np.array(find(handle).closed)


_COUNT_LOCK = threading.Lock()


def _count_up_to(op, ctx):
    """Increments the variable and returns its old value; OutOfRangeError at the limit."""
    name, store, limit = ctx.var_name(op), ctx.variables, op.attrs["limit"]
    dtype = op.outputs[0].dtype.np_dtype

    def run():
        with _COUNT_LOCK:
            try:
                value = store[name]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, f"Attempting to use uninitialized value {name}") from None
            current = int(value)
            if current >= limit:
                raise errors.OutOfRangeError(None, op, f"Reached limit of {limit}")
            value += 1
        return np.array(current, dtype)
    return run


_queue_kernel = resource_kernel(lambda op, ctx: Queue(op, ctx.rng(op)))
KERNELS = {"CountUpTo": _count_up_to, "FIFOQueueV2": _queue_kernel,
           "PaddingFIFOQueueV2": _queue_kernel, "RandomShuffleQueueV2": _queue_kernel,
           "PriorityQueueV2": _queue_kernel,
           "QueueEnqueueV2": _enqueue(False), "QueueEnqueueManyV2": _enqueue(True),
           "QueueDequeueV2": _dequeue("one"), "QueueDequeueManyV2": _dequeue("many"),
           "QueueDequeueUpToV2": _dequeue("up_to"), "QueueCloseV2": _close,
           "QueueSizeV2": _size, "QueueIsClosedV2": _is_closed}
