"""Timing helpers shared by the benchmarks (no tensorflux import, so that a benchmark can
time TensorFlow in another interpreter with the same code)."""
from __future__ import annotations

import os
import statistics
import subprocess
import time


def median_time(fn, number, repeat):
    return compare([fn], number, repeat)[0]


def compare(fns, number, repeat):
    """Median seconds per call of each function, alternating them in chunks of ``number``
    calls so that the noise of a shared machine hits them alike."""
    return [statistics.median(s) for s in _chunk_times(fns, number, repeat)]


def compare_median_and_best(fns, number, repeat):
    """As ``compare``, but (median, best) per function: the best chunk is the least
    disturbed on a shared machine."""
    return [(statistics.median(s), min(s)) for s in _chunk_times(fns, number, repeat)]


def _chunk_times(fns, number, repeat):
    """Seconds per call of each function in each of ``repeat`` chunks, alternating."""
    for fn in fns:
        fn()
    samples = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, samples):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            out.append((time.perf_counter() - t0) / number)
    return samples


def report(name, ours, reference, ref_name="numpy", others=()):
    line = f"{name:<42} tensorflux {ours * 1e6:9.1f} us   {ref_name} {reference * 1e6:9.1f} us   ratio {ours / reference:5.2f}x"
    for other_name, t in others:
        line += f"   {other_name} {t * 1e6:9.1f} us"
    print(line, flush=True)


def try_import(name):
    try:
        return __import__(name)
    except Exception:
        return None


class RemoteStep:
    """A step run by another interpreter (one with TensorFlow), started with ``argv``:
    it prints "ready" once built, then one line per line it reads, after one step. Each
    call sends one line and waits for one back, so it alternates with the other
    functions in ``compare`` (the pipe's round trip, tens of microseconds, is charged to
    the remote side)."""

    def __init__(self, python, argv, what="the TensorFlow benchmark"):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.proc = subprocess.Popen([python, *argv], text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{python} could not build {what}")

    def __call__(self):
        self.proc.stdin.write("step\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()
