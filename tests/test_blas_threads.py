"""How the fused products choose their BLAS thread count (tensorflux.backends.blas_threads),
with made-up timings and machine loads: no test here depends on real timings."""
import io

import numpy as np
import pytest

from tensorflux.backends import blas_threads as bt


def drive(chooser, seconds_for, calls, limit=2, macs=1.0):
    """Run ``calls`` picks, each timed by ``seconds_for(n, call)``; the counts picked."""
    picked = []
    for call in range(calls):
        n = chooser.pick(limit)
        picked.append(n)
        chooser.record(n, limit, seconds_for(n, call), macs)
    return picked


def test_the_chooser_tries_both_then_keeps_the_clearly_faster():
    chooser = bt._Chooser()
    picked = drive(chooser, lambda n, _: 1.0 if n == 1 else 0.5, 40)
    assert picked[:6] == [1, 1, 1, 2, 2, 2]
    assert picked[6:].count(2) >= 30 and picked[-1] == 2


def test_a_small_gain_from_more_threads_is_taken():
    chooser = bt._Chooser()  # two threads 10% faster
    picked = drive(chooser, lambda n, _: 1.0 if n == 1 else 0.9, 40)
    assert picked[6:].count(2) >= 30 and picked[-1] == 2


def test_more_threads_that_are_slower_are_not_taken():
    chooser = bt._Chooser()  # two threads 5% slower
    picked = drive(chooser, lambda n, _: 1.0 if n == 1 else 1.05, 40)
    assert picked[6:].count(1) >= 30 and picked[-1] == 1


def test_a_probe_follows_the_machine_s_load():
    chooser = bt._Chooser()
    # two threads win until call 50, then collapse (another process took the cores)
    timing = lambda n, call: (0.5 if call < 50 else 20.0) if n == 2 else 1.0  # noqa: E731
    picked = drive(chooser, timing, 120)
    assert picked[40:50] == [2] * 10
    assert picked[60:].count(1) > 50  # back on one thread, probing rarely
    # the load goes away: the next probe of two threads is taken at its word
    chooser.interval = 8
    chooser.probe_at = chooser.calls + 1
    later = drive(chooser, lambda n, _: 1.0 if n == 1 else 0.5, 20)
    assert later[-1] == 2


def test_the_first_call_after_a_switch_is_not_measured():
    """Waking the BLAS's sleeping threads makes the first call on two threads after a
    stretch on one slow; that call must not keep the site on one thread."""
    chooser = bt._Chooser()
    last = [None]

    def timing(n, _):
        first = last[0] != n
        last[0] = n
        return 10.0 if first and n == 2 else (1.0 if n == 1 else 0.5)
    picked = drive(chooser, timing, 40)
    assert picked[6:].count(2) >= 30 and picked[-1] == 2


def test_one_slow_call_does_not_flip_the_choice():
    chooser = bt._Chooser()
    picked = drive(chooser, lambda n, call: 1.0 if n == 1 else (8.0 if call == 8 else 0.5), 13)
    assert picked[3:] == [2] * 10


def test_once_on_more_threads_a_site_stays_unless_one_is_clearly_faster():
    chooser = bt._Chooser()  # two threads clearly faster at first, then 5% slower
    picked = drive(chooser, lambda n, call: 1.0 if n == 1 else (0.5 if call < 10 else 1.05), 60)
    assert picked[-20:].count(2) >= 18
    later = drive(chooser, lambda n, _: 1.0 if n == 1 else 1.5, 40)  # then 50% slower
    assert later[-10:] == [1] * 10


@pytest.mark.parametrize("line,busy", [(b"0.50 0.40 0.30 2/300 999\n", False),
                                       (b"3.10 2.00 1.00 3/300 999\n", True),
                                       (b"garbled\n", False)])
def test_a_machine_with_more_runnable_threads_than_cores_is_busy(monkeypatch, line, busy):
    monkeypatch.setattr(bt.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(bt, "open", lambda *a: io.BytesIO(line), raising=False)
    monkeypatch.setattr(bt, "_load", [float("-inf"), None])
    assert bt.machine_busy() is busy


def test_a_busy_machine_runs_large_products_on_one_thread(monkeypatch):
    monkeypatch.setattr(bt, "machine_busy", lambda: True)
    monkeypatch.setattr(bt, "thread_limit", lambda: 2)
    monkeypatch.setattr(bt, "SMALL", 1)
    counts = []
    monkeypatch.setattr(bt, "use_threads", counts.append)
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    product = bt.matmul_for(False, True)
    for _ in range(6):
        np.testing.assert_array_equal(product(a, a), a @ a.T)
    assert set(counts) == {1}


def within_4_ulp(got, want, scale):
    """``got`` within 4 ulp (of its dtype) of ``scale``, the magnitude of the terms."""
    assert np.all(np.abs(got - want) <= 4 * np.finfo(want.dtype).eps * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose_a,transpose_b", [(False, False), (True, False),
                                                     (False, True), (True, True)])
def test_a_folded_update_is_one_gemm_in_numpy_s_blas(monkeypatch, dtype, transpose_a,
                                                     transpose_b):
    """``var -= alpha * (a @ b)`` through NumPy's own BLAS's CBLAS GEMM (beta 1): one
    rounding of the scaled sum, so within a few ulp of the three NumPy steps."""
    if bt._numpy_cblas_gemm(dtype) is None:
        pytest.skip("NumPy's BLAS has no CBLAS GEMM that threadpoolctl can find")
    monkeypatch.setattr(bt, "SMALL", 1)
    calls = []
    real = bt._call_gemm
    monkeypatch.setattr(bt, "_call_gemm", lambda *args: calls.append(1) or real(*args))
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((37, 53)).astype(dtype), rng.standard_normal((53, 29)).astype(dtype)
    a = np.ascontiguousarray(x.T) if transpose_a else x
    b = np.ascontiguousarray(y.T) if transpose_b else y
    var = rng.standard_normal((37, 29)).astype(dtype)
    alpha = dtype(0.01)
    expected = var - alpha * (x @ y)
    update = bt.gemm_update_for(transpose_a, transpose_b)
    scale = np.abs(var) + alpha * (np.abs(x) @ np.abs(y))  # the terms' magnitude
    for _ in range(3):
        got = var.copy()
        assert update(got, alpha, a, b) is got
        within_4_ulp(got, expected, scale)
    assert len(calls) == 3


def test_without_numpy_s_cblas_the_update_still_happens(monkeypatch):
    monkeypatch.setattr(bt, "SMALL", 1)
    monkeypatch.setattr(bt, "_cblas", {np.dtype(np.float32): None})
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((16, 8), np.float32), rng.standard_normal((8, 4), np.float32)
    var = rng.standard_normal((16, 4), np.float32)
    expected = var - np.float32(0.5) * (x @ y)
    scale = np.abs(var) + np.float32(0.5) * (np.abs(x) @ np.abs(y))
    update = bt.gemm_update_for(False, False)
    for _ in range(8):  # both thread counts: the SciPy GEMM and NumPy's three steps
        got = var.copy()
        update(got, np.float32(0.5), x, y)
        within_4_ulp(got, expected, scale)


class _FakeBlas:
    """A threadpoolctl controller whose library has no ``cblas_?gemm``, or a wrong one."""

    _symbol_suffix = ""

    def __init__(self, symbol):
        self.symbol = symbol

    def _get_symbol(self, name):
        return self.symbol


def test_a_blas_without_a_usable_cblas_gemm_is_not_used():
    assert bt._find_cblas_gemm(_FakeBlas(None), "cblas_sgemm", np.float32) is None
    import ctypes
    noop = ctypes.CFUNCTYPE(None)(lambda *args: None)  # leaves the result untouched
    noop.argtypes = None
    assert bt._find_cblas_gemm(_FakeBlas(noop), "cblas_sgemm", np.float32) is None
