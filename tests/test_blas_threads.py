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
    assert picked[:4] == [1, 2, 1, 2]
    assert picked[4:].count(2) > 30 and picked[-1] == 2


def test_a_small_gain_from_more_threads_is_not_taken():
    chooser = bt._Chooser()  # two threads 10% faster: under MARGIN, one thread stays
    picked = drive(chooser, lambda n, _: 1.0 if n == 1 else 0.9, 40)
    assert picked[4:].count(1) > 30 and picked[-1] == 1


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
