"""``tf.train.Coordinator``: lets threads ask each other to stop and reports the first
exception one of them hit."""
from __future__ import annotations

import contextlib
import sys
import threading
import time

from tensorflux.core import errors


class Coordinator:
    """Threads poll ``should_stop()``; any of them may ``request_stop(ex)``; ``join``
    waits for the registered threads and re-raises the first recorded exception.
    Exceptions of ``clean_stop_exception_types`` (OutOfRangeError by default: the input
    ran out) stop cleanly without being recorded."""

    def __init__(self, clean_stop_exception_types=None):
        self._clean_stop_exception_types = tuple(
            (errors.OutOfRangeError,) if clean_stop_exception_types is None else clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def _filter_exception(self, ex):
        value = ex[1] if isinstance(ex, tuple) else ex
        return None if isinstance(value, self._clean_stop_exception_types) else ex

    def request_stop(self, ex=None):
        """Ask every thread to stop; ``ex`` (an exception or exc_info) is recorded if it
        is the first one and not a clean stop."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined:
                if ex is not None:
                    raise ex[1] if isinstance(ex, tuple) else ex
                return
            if not self._stop_event.is_set():
                if ex is not None and self._exc_info_to_raise is None:
                    if not isinstance(ex, tuple):
                        ex = (type(ex), ex, ex.__traceback__)
                    self._exc_info_to_raise = ex
                self._stop_event.set()

    def clear_stop(self):
        """Forget a stop request and its exception, so the coordinator can be reused."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            self._stop_event.clear()

    def should_stop(self):
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """Any exception raised in the block requests a stop (and is recorded)."""
        try:
            yield
        except:  # noqa: E722 - like TF, even SystemExit stops the other threads
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None):
        """Wait until a stop is requested (True) or ``timeout`` seconds pass (False)."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread):
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Wait for the threads (registered ones and ``threads``) to finish once a stop
        is requested; re-raise the recorded exception, or RuntimeError naming threads
        still running after ``stop_grace_period_secs``."""
        with self._lock:
            threads = self._registered_threads | set(threads or ())
        threads = list(threads)
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        wait, left = 0.001, stop_grace_period_secs
        while any(t.is_alive() for t in threads) and left >= 0.0:
            time.sleep(wait)
            left -= wait
            wait = max(min(2 * wait, left), 0.001)
        stragglers = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            if self._exc_info_to_raise:
                raise self._exc_info_to_raise[1].with_traceback(self._exc_info_to_raise[2])
            if stragglers and not ignore_live_threads:
                raise RuntimeError(f"Coordinator stopped with threads still running: {' '.join(stragglers)}")

    @property
    def joined(self):
        return self._joined

    def raise_requested_exception(self):
        """Raise the recorded exception, if any."""
        with self._lock:
            if self._exc_info_to_raise:
                raise self._exc_info_to_raise[1].with_traceback(self._exc_info_to_raise[2])


class LooperThread(threading.Thread):
    """A daemon thread that calls ``target(*args, **kwargs)`` (or its ``run_loop``)
    repeatedly until ``coord`` stops: every ``timer_interval_secs`` seconds, or back to
    back when that is None. An exception in the loop requests a stop with it. The thread
    registers with the coordinator, so ``coord.join()`` waits for it."""

    def __init__(self, coord, timer_interval_secs, target=None, args=None, kwargs=None):
        if not isinstance(coord, Coordinator):
            raise ValueError(f"'coord' argument must be a Coordinator: {coord!r}")
        super().__init__(daemon=True)
        self._coord, self._timer_interval_secs = coord, timer_interval_secs
        self._target = target
        if target is None and (args or kwargs):
            raise ValueError("'args' and 'kwargs' argument require that you also pass 'target'")
        self._args, self._kwargs = tuple(args or ()), dict(kwargs or {})
        coord.register_thread(self)

    @staticmethod
    def loop(coord, timer_interval_secs, target, args=None, kwargs=None):
        """Start a LooperThread calling ``target`` and return it."""
        looper = LooperThread(coord, timer_interval_secs, target=target, args=args, kwargs=kwargs)
        looper.start()
        return looper

    def run(self):
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._timer_interval_secs is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_time = time.time()
                while not self._coord.wait_for_stop(max(next_time - time.time(), 0.0)):
                    next_time += self._timer_interval_secs
                    self.run_loop()
            self.stop_loop()

    def start_loop(self):
        """Called once when the thread starts."""

    def stop_loop(self):
        """Called once when the loop ends."""

    def run_loop(self):
        """One iteration: calls the target."""
        if self._target is not None:
            self._target(*self._args, **self._kwargs)
