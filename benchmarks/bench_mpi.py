"""Data-parallel MNIST training over MPI (tensorflux.contrib.mpi) on this machine: the
seed's network (784-300-100-10, ReLU, SGD) at the same global batch with 1 rank and with
2 ranks; scaling efficiency, seconds per step spent in MPI, MPI calls per step with and
without tensor fusion.

    python benchmarks/bench_mpi.py [--repeats 3] [--global-batch 100] [--reps 30]

Each configuration runs under mpiexec in fresh processes, the configurations alternating
``--repeats`` times; inside each run, tensorflux's step (fused, and unfused with
HOROVOD_FUSION_THRESHOLD=0) alternates in short chunks with a hand-written NumPy step
whose gradients go through one mpi4py Allreduce, so machine noise hits them alike.
One rank is measured with 2 BLAS threads (the whole machine, what hvd.init() gives it)
and with 1; the efficiency compares 2 ranks with the faster of the two:
efficiency = T(1 rank) / (2 x T(2 ranks)) per global step.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_mnist  # noqa: E402

CONFIGS = [("1 rank, 2 BLAS threads", 1, 2), ("1 rank, 1 BLAS thread", 1, 1),
           ("2 ranks, 1 BLAS thread each", 2, 0)]


def worker(args):
    """One rank's measurements; rank 0 prints them as JSON."""
    import tensorflux as tf
    import tensorflux.contrib.mpi as hvd
    from tensorflux.contrib.mpi import runtime
    from tensorflux.core import threads
    from tensorflux.examples.mnist import build_network
    hvd.init()
    if args.threads:
        threads.set_intra_op_threads(args.threads)
    rank, size = hvd.rank(), hvd.size()
    local = args.global_batch // size
    X, Y = bench_mnist.data()
    xs, ys = X[rank * local:(rank + 1) * local], Y[rank * local:(rank + 1) * local]
    stats = runtime.get().stats

    def tensorflux_step(fusion_threshold):
        with tf.Graph().as_default() as graph:
            net = build_network(wrap_optimizer=lambda opt: hvd.DistributedOptimizer(
                opt, fusion_threshold=fusion_threshold))
            init = tf.global_variables_initializer()
        sess = tf.Session(graph=graph)
        sess.run(init)
        return lambda: sess.run(net.training_op, {net.X: xs, net.y: ys})

    comm = runtime.get().comm

    from mpi4py import MPI

    def allreduce_grads(grads):
        flat = np.concatenate([g.ravel() for pair in grads for g in pair])
        comm.Allreduce(MPI.IN_PLACE, flat)
        flat /= np.float32(size)
        out, start = [], 0
        for gw, gb in grads:
            out.append(tuple(flat[start + i:start + i + g.size].reshape(g.shape)
                             for i, g in ((0, gw), (gw.size, gb))))
            start += gw.size + gb.size
        return out

    numpy_step = bench_mnist.array_step(np, reduce_grads=allreduce_grads if size > 1 else None)
    buffer = np.zeros(sum(i * o + o for i, o in zip(bench_mnist.SIZES, bench_mnist.SIZES[1:])),
                      np.float32)
    cases = {"tensorflux": tensorflux_step(None), "tensorflux_unfused": tensorflux_step(0),
             "numpy_mpi4py": lambda: numpy_step(xs, ys),
             "allreduce_only": lambda: comm.Allreduce(MPI.IN_PLACE, buffer)}
    seconds = {name: [] for name in cases}
    mpi_seconds, calls = {name: [] for name in cases}, {name: [] for name in cases}
    payload = {}
    for step in cases.values():
        for _ in range(10):
            step()
    for _ in range(args.reps):
        for name, step in cases.items():
            stats.reset()
            start = time.perf_counter()
            for _ in range(args.chunk):
                step()
            seconds[name].append((time.perf_counter() - start) / args.chunk)
            mpi_seconds[name].append(stats.seconds / args.chunk)
            calls[name].append(stats.calls / args.chunk)
            payload[name] = stats.bytes / args.chunk
    if rank == 0:
        print(json.dumps({
            "seconds_per_step": {k: statistics.median(v) for k, v in seconds.items()},
            "mpi_seconds_per_step": {k: statistics.median(v) for k, v in mpi_seconds.items()},
            "calls_per_step": {k: statistics.median(v) for k, v in calls.items()},
            "bytes_per_step": payload["tensorflux"]}))


def launch(n, threads, args):
    mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or "mpiexec"
    cmd = [mpiexec, "-n", str(n), sys.executable, __file__, "--worker", "--threads", str(threads),
           "--global-batch", str(args.global_batch), "--reps", str(args.reps),
           "--chunk", str(args.chunk)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def span(values, fmt="{:.2f}"):
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}-{fmt.format(hi)}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--global-batch", type=int, default=100)
    parser.add_argument("--reps", type=int, default=30, help="chunks per case in one run")
    parser.add_argument("--chunk", type=int, default=5, help="steps per chunk")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    runs = {name: [] for name, _, _ in CONFIGS}
    for _ in range(args.repeats):
        for name, n, threads in CONFIGS:
            runs[name].append(launch(n, threads, args))
    ms = "{:.2f}"
    print(f"seed MNIST network, global batch {args.global_batch}; ranges over {args.repeats} "
          f"runs (the machine is shared with other jobs: expect noise)\n")
    print(f"{'configuration':30s} {'ms/step':>12s} {'examples/s':>14s} {'NumPy+mpi4py ms':>16s} "
          f"{'tensorflux/NumPy':>16s}")
    for name, results in runs.items():
        t = [r["seconds_per_step"]["tensorflux"] * 1e3 for r in results]
        ref = [r["seconds_per_step"]["numpy_mpi4py"] * 1e3 for r in results]
        rate = [args.global_batch / (x / 1e3) for x in t]
        ratio = [a / b for a, b in zip(t, ref)]
        print(f"{name:30s} {span(t, ms):>12s} {span(rate, '{:,.0f}'):>14s} {span(ref, ms):>16s} "
              f"{span(ratio):>16s}")
    two = runs[CONFIGS[2][0]]
    efficiency = [min(a["seconds_per_step"]["tensorflux"], b["seconds_per_step"]["tensorflux"])
                  / (2 * c["seconds_per_step"]["tensorflux"])
                  for a, b, c in zip(runs[CONFIGS[0][0]], runs[CONFIGS[1][0]], two)]
    print(f"\nscaling efficiency, 2 ranks vs the faster 1-rank run: {span([100 * e for e in efficiency], '{:.0f}')}%")
    mpi = [r["mpi_seconds_per_step"]["tensorflux"] * 1e3 for r in two]
    mpi_unfused = [r["mpi_seconds_per_step"]["tensorflux_unfused"] * 1e3 for r in two]
    step = [r["seconds_per_step"]["tensorflux"] * 1e3 for r in two]
    print(f"time in MPI per step (2 ranks, waiting for the other rank included): "
          f"{span(mpi, ms)} ms fused ({span([100 * m / s for m, s in zip(mpi, step)], '{:.0f}')}% "
          f"of the step), {span(mpi_unfused, ms)} ms unfused")
    alone = [r["seconds_per_step"]["allreduce_only"] * 1e3 for r in two]
    print(f"one mpi4py Allreduce of the gradients' size, nothing else running in the ranks: "
          f"{span(alone, '{:.3f}')} ms")
    fused = two[0]["calls_per_step"]
    print(f"MPI calls per step: {fused['tensorflux']:.0f} fused (metadata + one buffer), "
          f"{fused['tensorflux_unfused']:.0f} unfused (metadata + one per gradient); "
          f"{two[0]['bytes_per_step'] / 1e6:.2f} MB of gradients per step per rank")


if __name__ == "__main__":
    main()
