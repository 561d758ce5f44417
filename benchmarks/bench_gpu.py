"""The seed's MNIST network (784-300-100-10, ReLU, SGD lr 0.01) training on the GPU:
tensorflux (ops placed on the CuPy backend) next to a hand-written CuPy step of the same
network, in the same process (and PyTorch on CUDA when installed).

    python benchmarks/bench_gpu.py                 # on a machine with an NVIDIA GPU
    python benchmarks/bench_gpu.py --count-ops     # anywhere: device operations per step

Both steps take host (NumPy) batches and move them to the device, as feed_dict does.
Timing: the cases alternate in short chunks, each chunk ends by waiting for the device,
and the medians are compared. ``--count-ops`` runs both steps on the strict CuPy
stand-in of ``tensorflux.testing`` and counts array operations per step: on a GPU each
is at least one kernel launch, and at batch 50 launches are what a step costs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).parent))
from bench_mnist import array_step, data, tensorflux_step  # noqa: E402

BATCHES = (50, 512, 4096)


def cupy_steps():
    """{name: (step, wait)} of the cases that can run here."""
    import cupy
    wait = cupy.cuda.runtime.deviceSynchronize
    steps = {"cupy by hand": (array_step(cupy, cupy.asarray), wait),
             "tensorflux": (tensorflux_step(), wait)}
    try:
        import torch
        if torch.cuda.is_available():
            steps["torch cuda"] = (torch_cuda_step(torch), torch.cuda.synchronize)
    except ImportError:
        pass
    return steps


def torch_cuda_step(torch):
    model = torch.nn.Sequential(torch.nn.Linear(784, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100),
                                torch.nn.ReLU(), torch.nn.Linear(100, 10)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss_fn(model(torch.from_numpy(x).cuda()), torch.from_numpy(y).cuda()).backward()
        opt.step()

    return step


def interleaved(steps, batch, reps=30, chunk=10):
    """Median seconds per step of each case, the cases alternating in chunks."""
    X, Y = data(max(8000, 2 * batch))
    xs, ys = X[:batch], Y[:batch]
    samples = {name: [] for name in steps}
    for step, wait in steps.values():
        for _ in range(5):
            step(xs, ys)
        wait()
    for _ in range(reps):
        for name, (step, wait) in steps.items():
            start = time.perf_counter()
            for _ in range(chunk):
                step(xs, ys)
            wait()
            samples[name].append((time.perf_counter() - start) / chunk)
    return {name: statistics.median(v) for name, v in samples.items()}


def count_ops(batch=50):
    """Array operations per training step of each case on the strict CuPy stand-in."""
    from tensorflux.testing import strict_device
    X, Y = data(batch)
    xp = strict_device.namespace()
    with strict_device.simulated_gpu():
        cases = {"cupy by hand": array_step(xp, xp.asarray), "tensorflux": tensorflux_step()}
        counts = {}
        for name, step in cases.items():
            step(X, Y)  # the first run builds the plan
            before = strict_device.operation_count()
            step(X, Y)
            counts[name] = strict_device.operation_count() - before
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count-ops", action="store_true",
                        help="count device operations per step on the CPU stand-in")
    parser.add_argument("--batches", type=int, nargs="*", default=BATCHES)
    args = parser.parse_args()
    if args.count_ops:
        counts = count_ops()
        for name, n in counts.items():
            print(f"{name:<14} {n:4d} array operations per step "
                  f"({n / counts['cupy by hand']:.2f}x the hand-written step)")
        return
    try:
        steps = cupy_steps()
    except Exception as exc:  # no CuPy or no GPU: say so, do not pretend
        sys.exit(f"bench_gpu: needs CuPy and an NVIDIA GPU ({type(exc).__name__}: {exc}); "
                 f"--count-ops runs anywhere")
    import cupy
    props = cupy.cuda.runtime.getDeviceProperties(0)
    print(f"device: {props['name'].decode()}, CuPy {cupy.__version__}")
    for batch in args.batches:
        times = interleaved(steps, batch)
        ref = times["cupy by hand"]
        for name, t in times.items():
            print(f"batch {batch:5d}  {name:<13} {batch / t:12,.0f} examples/s  "
                  f"({ref / t:.2f}x the hand-written CuPy throughput)", flush=True)


if __name__ == "__main__":
    main()
