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
  recent calls measured faster (``_Chooser``: leaving the limit only when one thread is
  clearly faster); it tries the other again now and then (less often each time that
  one loses) and takes that probe at its word, so it follows the machine's load.

The count is set on NumPy's BLAS (through threadpoolctl) when it differs from the one
in effect, and is left there: NumPy products outside ``Session.run`` then use the last
count set.

The gradient descent folded into a weight gradient's product (``gemm_update_for``) is
one GEMM with beta 1, which NumPy's Python API does not offer. It calls NumPy's own
BLAS's ``cblas_?gemm`` (found through threadpoolctl, checked once against
``np.matmul``), so it runs on the thread count chosen here with the other products, in
one thread pool. Where NumPy's BLAS has no CBLAS that can be found, it runs as SciPy's
GEMM on one thread (SciPy's BLAS is another pool: on more threads the two would spin
against each other), or on more threads as NumPy's product and two in-place steps.
"""
from __future__ import annotations

import ctypes
import os
import time

import numpy as np

from tensorflux.core import threads

SMALL = 1 << 23  # multiply-adds
MARGIN = 0.9  # back to one thread only when it takes less than this share of more's time
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
    """Picks one thread or ``limit`` threads for one product site, by measured speed.

    - Each count is first tried for three calls (1, 1, 1, limit, limit, limit), the
      first of each not measured; a probe of ``limit`` threads from one lasts two calls,
      the first not measured: it pays for waking the BLAS's sleeping threads and would
      make ``limit`` look slower than it is. A probe of one thread is one call.
    - Switching has hysteresis, towards ``limit``: from one thread to ``limit`` when
      that measured faster, back only when one thread measured clearly faster
      (``MARGIN``), so noise does not flip a site back and forth, each flip costing a
      stretch of calls on the slower count. Measured per call, two threads near a tie
      still win over a whole step (they keep the BLAS's threads busy for the next
      product), and a load that makes them collapse costs far more than 10%.
    - The count in use is measured on every call, smoothed, a call counting as at most
      1.5 times the cost so far: one call held up by the machine (a few ms on a shared
      one) does not flip the choice, a load that lasts does within a few calls.
    - A probe replaces the other count's old measurement (the machine's load moves).
      A probe that loses doubles the wait before the next one (at most 4096 calls).
    """

    __slots__ = ("cost", "calls", "probe_at", "interval", "using")

    def __init__(self):
        self.cost = {}  # thread count -> smoothed seconds per multiply-add
        self.calls, self.probe_at, self.interval = 0, 14, 8
        self.using = 1

    def pick(self, limit):
        self.calls += 1
        if self.calls <= 6:  # try both first
            return 1 if self.calls <= 3 else limit
        self.using = self.best(limit)
        if self.probe_at <= self.calls < self.probe_at + self._probe_length():
            return limit if self.using == 1 else 1
        return self.using

    def _probe_length(self):
        return 2 if self.using == 1 else 1

    def best(self, limit):
        """The count to use, from the measurements and the count in use."""
        one, more = self.cost.get(1, 0.0), self.cost.get(limit, 0.0)
        if self.using == limit:
            return 1 if one < MARGIN * more else limit
        return limit if more < one else 1

    def record(self, n, limit, seconds, macs):
        if self.calls in (1, 4) or (self.calls == self.probe_at and n > 1):
            return  # the first call on a count: waking threads, cold caches
        per = seconds / macs
        old = self.cost.get(n)
        probe = self.calls == self.probe_at + (n > 1)
        if old is None or probe:
            self.cost[n] = per
        else:
            self.cost[n] = 0.7 * old + 0.3 * min(per, 1.5 * old)
        if probe:
            self.using = self.best(limit)
            self.interval = min(self.interval * 2, 4096) if self.using != n else 8
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


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS's enum values
_cblas = {}  # dtype -> NumPy's BLAS's cblas_?gemm as a ctypes function, or None


def _find_cblas_gemm(lib, name, dtype):
    """``lib``'s (a threadpoolctl controller's) ``cblas_?gemm`` as a ctypes function, with
    its integer width read from the symbol's suffix (``64_``: an ILP64 build); None when
    it has none or it does not agree with ``np.matmul`` on a small product."""
    fn = lib._get_symbol(name) if hasattr(lib, "_get_symbol") else None
    if fn is None:
        return None
    index = ctypes.c_int64 if "64" in getattr(lib, "_symbol_suffix", "") else ctypes.c_int
    scalar = ctypes.c_float if dtype == np.float32 else ctypes.c_double
    pointer = ctypes.c_void_p
    fn.restype = None
    fn.argtypes = [ctypes.c_int] * 3 + [index] * 3 + [scalar, pointer, index, pointer, index,
                                                      scalar, pointer, index]
    a = np.arange(12, dtype=dtype).reshape(3, 4) / 7
    b = np.arange(20, dtype=dtype).reshape(4, 5).T.copy().T / 3  # F-ordered
    c = np.ones((3, 5), dtype)
    _call_gemm(fn, -2.0, a, b, c)
    return fn if np.allclose(c, 1 - 2 * (a @ b), rtol=1e-5) else None


def _numpy_cblas_gemm(dtype):
    """NumPy's BLAS's ``cblas_?gemm`` for ``dtype``, or None where it cannot be found."""
    dtype = np.dtype(dtype)
    if dtype not in _cblas:
        name = "cblas_sgemm" if dtype == np.float32 else "cblas_dgemm"
        if not _libs:
            _libs.extend(_blas_of(np))
        found = None
        for lib, _ in _libs:
            try:
                found = _find_cblas_gemm(lib, name, dtype)
            except (AttributeError, OSError, TypeError, ValueError):
                found = None
            if found is not None:
                break
        _cblas[dtype] = found
    return _cblas[dtype]


def _call_gemm(fn, alpha, x, y, var):
    """``var += alpha * (x @ y)`` through the CBLAS ``fn``: ``var`` C-ordered, ``x`` and
    ``y`` C- or F-ordered (an F-ordered one is passed as the transpose of its data)."""
    (m, k), n = x.shape, y.shape[1]
    ta, lda = (_NO_TRANS, k) if x.flags.c_contiguous else (_TRANS, m)
    tb, ldb = (_NO_TRANS, n) if y.flags.c_contiguous else (_TRANS, k)
    fn(_ROW_MAJOR, ta, tb, m, n, k, alpha, x.ctypes.data, max(lda, 1), y.ctypes.data,
       max(ldb, 1), 1.0, var.ctypes.data, max(n, 1))


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


def _scipy_gemm_update(var, alpha, x, y):
    """``var -= alpha * (x @ y)`` as one SciPy GEMM on one thread: in column-major terms
    ``var.T = -alpha * y.T @ x.T + var.T``, which reads every operand where it lies."""
    gemm = _scipy_gemm(var.dtype)
    yt, xt = y.T, x.T  # F-ordered where y, x are C-ordered; else pass them transposed
    ta, a = (0, yt) if yt.flags.f_contiguous else (1, y)
    tb, b = (0, xt) if xt.flags.f_contiguous else (1, x)
    gemm(-float(alpha), a, b, 1.0, var.T, trans_a=ta, trans_b=tb, overwrite_c=1)


def gemm_update_for(transpose_a, transpose_b):
    """``f(var, alpha, a, b)``: ``var -= alpha * (a @ b)`` (either transposed) in place,
    with this site's thread choice. Where the arrays allow it, one BLAS GEMM with beta 1
    adds ``-alpha`` times the product into ``var``: no product array, no scaling pass,
    no subtraction pass (its rounding differs from the three steps': one rounding of the
    scaled sum instead of three): NumPy's BLAS's CBLAS on the chosen thread count, or
    without one SciPy's GEMM on one thread (see the module's docstring); otherwise
    NumPy's product, then ``ApplyGradientDescent``'s two in-place steps. The choice
    measures the whole update."""
    chooser = _Chooser()

    def update(var, alpha, a, b):
        x = a.T if transpose_a else a
        y = b.T if transpose_b else b
        macs = x.shape[0] * x.shape[1] * y.shape[1] if x.ndim == y.ndim == 2 else 0
        limit = thread_limit()
        fits = _gemm_fits(var, x, y)
        timed = macs >= SMALL and limit > 1 and not machine_busy()
        n = chooser.pick(limit) if timed else 1
        start = time.perf_counter()
        cblas = _numpy_cblas_gemm(var.dtype) if fits else None
        if cblas is not None:
            use_threads(n)
            _call_gemm(cblas, -float(alpha), x, y, var)
        elif n == 1 and fits:
            _scipy_gemm_update(var, alpha, x, y)
        else:
            use_threads(n)
            delta = np.matmul(x, y)
            delta *= alpha
            var -= delta
        if timed:
            chooser.record(n, limit, time.perf_counter() - start, macs)
        return var
    return update
