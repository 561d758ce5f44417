"""Matrix products of the CPU's fused kernels, and how many BLAS threads each uses.

OpenBLAS splits a product into one fixed share per thread, and its threads spin while
they wait for each other: when another process keeps every core busy, one descheduled
thread holds up the others for a whole time slice, and a 0.2 ms product takes 10 ms or
more. So each product site chooses its thread count:

- a product of fewer than ``SMALL`` multiply-adds (the seed's MLP at batch 50 but for
  its first layer) runs on one thread, where threads cost more than they save;
- so does every product while the machine is busy: more threads runnable than it has
  cores (``machine_busy``, from /proc/loadavg), where a second thread would wait for a
  core while the first spins for it;
- otherwise a product runs on one thread or on the limit (``ConfigProto.intra_op_parallelism_threads``,
  ``tensorflux.core.threads``, else the cores this process may use), whichever its own
  recent calls measured faster, the limit only when it took less than ``MARGIN`` of one
  thread's time; it tries the other again now and then (less often each time that one
  loses) and takes that probe at its word, so it follows the machine's load.

The count is set on NumPy's BLAS (through threadpoolctl) when it differs from the one
in effect, and is left there: NumPy products outside ``Session.run`` then use the last
count set. SciPy's BLAS, which runs the gradient descent folded into a product
(``gemm_update_for``), is likewise set to one thread when that first runs.
"""
from __future__ import annotations

import os
import time

import numpy as np

from tensorflux.core import threads

SMALL = 1 << 23  # multiply-adds
MARGIN = 0.8  # more threads must take less than this share of one thread's time
_libs = []  # (threadpoolctl controller, its get_num_threads C function) of NumPy's BLAS


def _blas_of(module):
    """threadpoolctl's controllers of the BLAS ``module`` (NumPy, SciPy) uses (all BLAS
    ones if unsure), each with its C function that reads the thread count (a fast check
    per call)."""
    from threadpoolctl import ThreadpoolController
    blas = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    home, name = os.path.split(os.path.dirname(module.__file__))
    mine = [lib for lib in blas if lib.filepath.startswith(os.path.join(home, name))]
    libs = []
    for lib in mine or blas:
        getter = None
        if lib.internal_api == "openblas" and lib.threading_layer != "openmp":
            getter = lib._get_symbol("openblas_get_num_threads")
        libs.append((lib, getter or lib.get_num_threads))
    return libs


def _set(libs, n):
    for lib, current in libs:
        if current() != n:
            lib.set_num_threads(n)


def use_threads(n: int):
    """Let NumPy's BLAS use ``n`` threads from now on (set only when it differs)."""
    if not _libs:
        _libs.extend(_blas_of(np))
    _set(_libs, n)


def thread_limit() -> int:
    limit = threads.intra_op_threads()
    return limit if limit else threads.available_cores()


_load = [float("-inf"), False]  # when /proc/loadavg was read, whether the machine was busy


def machine_busy() -> bool:
    """Whether more threads are runnable on the machine than it has cores (Linux's
    /proc/loadavg, read at most every 10 ms; False where it cannot be read). Then
    products run on one thread: a second one would wait for a core while the first
    spins for it."""
    now = time.monotonic()
    if now - _load[0] > 0.01:
        _load[0] = now
        try:
            with open("/proc/loadavg", "rb") as f:
                running = int(f.read().split()[3].split(b"/")[0])
        except (OSError, ValueError, IndexError):
            running = 0
        _load[1] = running > (os.cpu_count() or 1)
    return _load[1]


class _Chooser:
    """Picks one thread or ``limit`` threads for one product site, by measured speed."""

    __slots__ = ("cost", "calls", "probe_at", "interval")

    def __init__(self):
        self.cost = {}  # thread count -> smoothed seconds per multiply-add
        self.calls, self.probe_at, self.interval = 0, 8, 8

    def pick(self, limit):
        self.calls += 1
        if self.calls <= 4:  # try both first
            return 1 if self.calls % 2 else limit
        best = self.best(limit)
        if self.calls >= self.probe_at:
            return limit if best == 1 else 1
        return best

    def best(self, limit):
        """``limit`` when it measured clearly faster than one thread, else 1."""
        one, more = self.cost.get(1, 0.0), self.cost.get(limit, 0.0)
        return limit if more < MARGIN * one else 1

    def record(self, n, limit, seconds, macs):
        per = seconds / macs
        old = self.cost.get(n)
        probe = self.calls >= self.probe_at and self.calls > 4
        # the count in use is measured on every call (smoothed); the other one only
        # by a probe, which replaces its old measurement (the machine's load moves)
        self.cost[n] = per if old is None or probe else 0.7 * old + 0.3 * per
        if probe:
            best = self.best(limit)
            # the probe lost: wait twice as long before the next one (at most 4096 calls)
            self.interval = min(self.interval * 2, 4096) if best != n else 8
            self.probe_at = self.calls + self.interval


def matmul_for(transpose_a, transpose_b):
    """``f(a, b, out=None)``: the product of ``a`` and ``b`` (either transposed), with
    this site's thread choice."""
    chooser = _Chooser()

    def product(a, b, out=None):
        x = a.T if transpose_a else a
        y = b.T if transpose_b else b
        macs = x.shape[0] * x.shape[1] * y.shape[1]
        limit = thread_limit()
        if macs < SMALL or limit <= 1 or machine_busy():
            use_threads(1)
            return np.matmul(x, y, out=out)
        n = chooser.pick(limit)
        use_threads(n)
        start = time.perf_counter()
        result = np.matmul(x, y, out=out)
        chooser.record(n, limit, time.perf_counter() - start, macs)
        return result
    return product


_scipy = {}  # "gemm": {dtype: SciPy's ?gemm}, "libs": controllers of SciPy's BLAS


def _scipy_gemm(dtype):
    """SciPy's BLAS GEMM for ``dtype`` (float32 or float64), its BLAS on one thread."""
    if not _scipy:
        import scipy
        from scipy.linalg import blas
        _scipy["gemm"] = {np.dtype(np.float32): blas.sgemm, np.dtype(np.float64): blas.dgemm}
        _scipy["libs"] = _blas_of(scipy)
    _set(_scipy["libs"], 1)
    return _scipy["gemm"][dtype]


def _gemm_fits(var, x, y):
    """Whether ``var -= alpha * (x @ y)`` can be one GEMM into ``var`` with no copy: one
    float dtype, ``var`` C-ordered and writable, ``x`` and ``y`` C- or F-ordered (a
    transposed C-ordered operand is F-ordered), non-empty, of matching shapes."""
    return (var.dtype == x.dtype == y.dtype and var.dtype.char in "fd"
            and var.flags.c_contiguous and var.flags.writeable
            and x.ndim == y.ndim == var.ndim == 2 and x.shape[1] == y.shape[0]
            and var.shape == (x.shape[0], y.shape[1]) and x.size and y.size
            and (x.flags.c_contiguous or x.flags.f_contiguous)
            and (y.flags.c_contiguous or y.flags.f_contiguous))


def _gemm_update(var, alpha, x, y):
    """``var -= alpha * (x @ y)`` as one GEMM on one thread: in column-major terms
    ``var.T = -alpha * y.T @ x.T + var.T``, which reads every operand where it lies."""
    gemm = _scipy_gemm(var.dtype)
    yt, xt = y.T, x.T  # F-ordered where y, x are C-ordered; else pass them transposed
    ta, a = (0, yt) if yt.flags.f_contiguous else (1, y)
    tb, b = (0, xt) if xt.flags.f_contiguous else (1, x)
    gemm(-float(alpha), a, b, 1.0, var.T, trans_a=ta, trans_b=tb, overwrite_c=1)


def gemm_update_for(transpose_a, transpose_b):
    """``f(var, alpha, a, b)``: ``var -= alpha * (a @ b)`` (either transposed) in place,
    with this site's thread choice. On one thread, where the arrays allow it, one BLAS
    GEMM (SciPy's, with beta 1) adds ``-alpha`` times the product into ``var``: no
    product array, no scaling pass, no subtraction pass (its rounding differs from the
    three steps': one rounding of the scaled sum instead of three). On more threads,
    NumPy's product (whose BLAS the other products use: two BLAS thread pools would spin
    against each other), then ``ApplyGradientDescent``'s two in-place steps. The choice
    measures the whole update."""
    chooser = _Chooser()

    def update(var, alpha, a, b):
        x = a.T if transpose_a else a
        y = b.T if transpose_b else b
        macs = x.shape[0] * x.shape[1] * y.shape[1] if x.ndim == y.ndim == 2 else 0
        limit = thread_limit()
        timed = macs >= SMALL and limit > 1 and not machine_busy()
        n = chooser.pick(limit) if timed else 1
        start = time.perf_counter()
        if n == 1 and _gemm_fits(var, x, y):
            _gemm_update(var, alpha, x, y)
        else:
            use_threads(n)
            delta = np.matmul(x, y)
            delta *= alpha
            var -= delta
        if timed:
            chooser.record(n, limit, time.perf_counter() - start, macs)
        return var
    return update
