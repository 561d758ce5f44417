"""The runtime datasets that use threads: ``map`` with ``num_parallel_calls`` and
``prefetch``. Both keep the elements in input order, so a pipeline gives the same
elements with or without them.

- A parallel map keeps up to ``num_parallel_calls`` calls of the function running on a
  thread pool, reading its input in the calling thread; results come back in order.
- A prefetch runs its input on a background thread that stays up to ``buffer_size``
  elements ahead of the consumer, so building the next batch overlaps with the
  training step that uses this one (NumPy releases the GIL in its heavy work).

Waiting honours the run's deadline (``RunOptions.timeout_in_ms``), and ``close()``
(iterator re-initialized, session closed) stops the threads.
"""
from __future__ import annotations

import collections
import threading
import weakref

from tensorflux.core import blocking, errors
from tensorflux.data.runtime.transforms import _Unary, _UnaryPass


class ParallelMap(_Unary):
    def __init__(self, input_dataset, fn, num_parallel_calls):
        super().__init__(input_dataset)
        self.fn, self.num_parallel_calls = fn, num_parallel_calls

    def iterator(self):
        return _ParallelMapPass(self.input.iterator(), self.fn, self.num_parallel_calls)


class _Failed:
    """An input element that could not be read: its error, in its place in the order."""

    def __init__(self, error):
        self.error = error

    def result(self):
        raise self.error


class _ParallelMapPass(_UnaryPass):
    def __init__(self, input_iterator, fn, calls):
        super().__init__(input_iterator)
        self.fn, self.calls = fn, calls
        self.pending = collections.deque()
        self.pool = None
        self.input_done = False

    def __next__(self):
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self.pool = ThreadPoolExecutor(self.calls, thread_name_prefix="tf.data map")
        pending = self.pending
        while len(pending) < self.calls and not self.input_done:
            try:
                element = next(self.input)
            except StopIteration:
                self.input_done = True
                break
            except Exception as exc:  # an input error keeps its place in the order
                pending.append(_Failed(exc))
                continue
            pending.append(self.pool.submit(self.fn, *element))
        if not pending:
            raise StopIteration
        return pending.popleft().result()

    def close(self):
        if self.pool is not None:
            for future in self.pending:
                if hasattr(future, "cancel"):
                    future.cancel()
            self.pool.shutdown(wait=False)
        super().close()


class Prefetch(_Unary):
    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset)
        self.buffer_size = buffer_size

    def iterator(self):
        return _PrefetchPass(self.input.iterator(), self.buffer_size)


_END = object()


class _PrefetchPass(_UnaryPass):
    """A producer thread keeps up to ``size`` elements ready. Elements are made one at a
    time under ``production``, so they stay in order; a consumer that finds the buffer
    empty while the producer is not making one (on a busy machine the thread may not
    have been scheduled yet) makes the next element itself instead of waiting for the
    thread to get a core."""

    def __init__(self, input_iterator, buffer_size):
        super().__init__(input_iterator)
        self.size = max(1, buffer_size)
        self.buffer = collections.deque()  # elements, _Failed errors, and _END last
        self.cond = threading.Condition()
        self.production = threading.Lock()
        self.closed = False
        self.ended = False  # _END was made
        self.thread = None

    def _make(self):
        """The next element (or _END, or a _Failed error); ``production`` is held."""
        try:
            item = next(self.input)
        except StopIteration:
            item = _END
        except BaseException as exc:  # handed to the consumer in order
            item = _Failed(exc)
        if item is _END:
            self.ended = True
        if self.closed:
            self.input.close()
        return item

    def _produce_one(self):
        """Make the next element into the buffer; False when the pass is over."""
        buffer, cond = self.buffer, self.cond
        with self.production:
            with cond:
                if self.closed or self.ended:
                    if self.closed:
                        self.input.close()
                    return False
                if len(buffer) >= self.size:  # the consumer made one meanwhile
                    return True
            item = self._make()
            with cond:
                buffer.append(item)
                cond.notify_all()
        return True

    def _take(self):
        """The next buffered item, or None when the buffer is empty; ``cond`` is held."""
        if self.closed:
            raise errors.CancelledError(None, None, "The iterator was closed (re-initialized, "
                                                    "or its session closed)")
        buffer = self.buffer
        if not buffer:
            return None
        item = buffer[0]
        if item is not _END:
            buffer.popleft()
            self.cond.notify_all()
        return item

    def __next__(self):
        if self.thread is None:
            self.thread = threading.Thread(target=_producer, args=(weakref.ref(self), self.cond),
                                           daemon=True, name="tf.data prefetch")
            weakref.finalize(self, _wake, self.cond)
            self.thread.start()
        cond = self.cond
        while True:
            with cond:
                item = self._take()
            if item is None and self.production.acquire(blocking=False):
                try:  # the producer is idle: make the next element here
                    with cond:
                        item = self._take()
                    if item is None:
                        item = self._make()
                        if item is _END:
                            with cond:
                                self.buffer.append(_END)
                                cond.notify_all()
                finally:
                    self.production.release()
            if item is None:  # the producer is making it: wait
                with cond:
                    blocking.wait(cond, lambda: self.buffer or self.closed)
                continue
            if item is _END:
                raise StopIteration
            if type(item) is _Failed:
                item.result()
            return item

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if self.production.acquire(blocking=False):
            try:
                self.input.close()
            finally:
                self.production.release()
        # else whoever is making an element closes the input when it is done


def _producer(ref, cond):
    """The prefetch thread. It holds its pass only while making an element, so a pass
    (and the session behind it) that nothing else uses is collected, and the thread
    then ends."""
    while True:
        with cond:
            while True:
                prefetch = ref()
                if prefetch is None:
                    return
                if prefetch.closed or len(prefetch.buffer) < prefetch.size:
                    break
                del prefetch
                cond.wait()
        if not prefetch._produce_one():
            return
        del prefetch


def _wake(cond):
    with cond:
        cond.notify_all()
