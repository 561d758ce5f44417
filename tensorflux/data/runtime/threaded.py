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
    def __init__(self, input_iterator, buffer_size):
        super().__init__(input_iterator)
        self.size = max(1, buffer_size)
        self.buffer = collections.deque()  # elements, _Failed errors, and _END last
        self.cond = threading.Condition()
        self.closed = False
        self.thread = None

    def _produce(self):
        buffer, cond, source = self.buffer, self.cond, self.input
        while True:
            with cond:
                while len(buffer) >= self.size and not self.closed:
                    cond.wait()
                if self.closed:
                    source.close()  # the producer owns its input while it runs
                    return
            try:
                item = next(source)
            except StopIteration:
                item = _END
            except BaseException as exc:  # handed to the consumer in order
                item = _Failed(exc)
            with cond:
                buffer.append(item)
                cond.notify_all()
            if item is _END:
                return

    def __next__(self):
        if self.thread is None:
            self.thread = threading.Thread(target=self._produce, daemon=True,
                                           name="tf.data prefetch")
            self.thread.start()
        cond, buffer = self.cond, self.buffer
        with cond:
            if not buffer:
                blocking.wait(cond, lambda: buffer or self.closed)
            if self.closed:
                raise errors.CancelledError(None, None, "The iterator was closed (re-initialized, "
                                                        "or its session closed)")
            item = buffer[0]
            if item is _END:
                raise StopIteration
            buffer.popleft()
            cond.notify_all()
        if type(item) is _Failed:
            item.result()
        return item

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if self.thread is None or not self.thread.is_alive():
            super().close()  # else the producer closes it when it sees ``closed``

