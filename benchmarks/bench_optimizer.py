"""The graph optimizer's speed table (issue 16): each workload as a ratio of medians
against a hand-written NumPy version of the same computation, the two (and TensorFlow
compat.v1 in a subprocess, with ``--tf-python``) alternating in short chunks in one run.

    python benchmarks/bench_optimizer.py [--repeat 21] [--tf-python /path/to/python]
    python benchmarks/bench_optimizer.py --only busy      # one section

Sections: ``speed`` (100 chained adds; the seed's normal equation on constant data; the
seed's MNIST MLP training at batch 50 and 512 and inference at batch 512, each also
with the optimizer off, ``TENSORFLUX_OPT_LEVEL=0``), ``bound`` (the MLP rows beside
NumPy's step with only its matrix products left: how far the physical limit is),
``memory`` (peak memory of MLP
training at batch 512, each case alone in a fresh process), ``compile`` (compile time of
the MLP training signature) and ``busy`` (MLP training at batch 50 with one busy-looping
process per core beside it: the slowdown against the quiet machine). Timings are for
information only; no test asserts them.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from timing import RemoteStep, compare  # noqa: E402

SIZES = [784, 300, 100, 10]
HOUSING_SHAPE = (20640, 8)  # the seed's California housing data (constant data here)


# --- the workloads, built against a TF1-style module (tensorflux or tf.compat.v1) -------
def _mnist_batch(batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((batch, 784), dtype=np.float32), rng.integers(0, 10, batch)


def _mlp_weights(seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, np.sqrt(2 / (i + o)), (i, o)).astype(np.float32),
             np.zeros(o, np.float32)) for i, o in zip(SIZES, SIZES[1:])]


def _session(tf, config=None):
    return tf.Session(config=config) if config is not None else tf.Session()


def add_chain(tf, config=None):
    """sess.run of 100 chained adds on a fed (10,) float32 vector."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, shape=(10,))
        z = p
        for _ in range(100):
            z = z + p
        sess = _session(tf, config)
    feed = {p: np.ones(10, np.float32)}
    return lambda: sess.run(z, feed)


def numpy_add_chain():
    v = np.ones(10, np.float32)

    def run():
        q = v
        for _ in range(100):
            q = q + v
        return q
    return run


def _housing():
    rng = np.random.default_rng(0)
    data = rng.normal(size=HOUSING_SHAPE)
    return np.c_[np.ones((len(data), 1)), data], rng.normal(size=(len(data), 1))


def normal_equation(tf, config=None):
    """The seed's normal equation on constant data (chapter 9): theta = (X'X)^-1 X'y."""
    data, target = _housing()
    with tf.Graph().as_default():
        X = tf.constant(data, dtype=tf.float32, name="X")
        y = tf.constant(target, dtype=tf.float32, name="y")
        XT = tf.transpose(X)
        theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y)
        sess = _session(tf, config)
    return lambda: sess.run(theta)


def numpy_normal_equation():
    data, target = _housing()
    X, y = data.astype(np.float32), target.astype(np.float32)
    return lambda: np.linalg.inv(X.T @ X) @ X.T @ y


def build_mlp(tf):
    """The seed's 784-300-100-10 ReLU network, sparse softmax cross entropy, SGD 0.01
    (dense layers written out: tf.compat.v1.layers needs Keras 2 in TensorFlow)."""
    X = tf.placeholder(tf.float32, shape=(None, 784), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    h = X
    for i, (w, b) in enumerate(_mlp_weights()):
        h = tf.nn.bias_add(tf.matmul(h, tf.Variable(w)), tf.Variable(b))
        if i < 2:
            h = tf.nn.relu(h)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h)
    loss = tf.reduce_mean(xentropy)
    training_op = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    return X, y, h, training_op


def _mlp(tf, batch, train, config=None):
    with tf.Graph().as_default():
        X, y, logits, training_op = build_mlp(tf)
        sess = _session(tf, config)
        sess.run(tf.global_variables_initializer())
    xs, ys = _mnist_batch(batch)
    if train:
        feed = {X: xs, y: ys}
        return lambda: sess.run(training_op, feed)
    feed = {X: xs}
    return lambda: sess.run(logits, feed)


def numpy_mlp(batch, train):
    (W1, b1), (W2, b2), (W3, b3) = _mlp_weights()
    xs, ys = _mnist_batch(batch)
    rows, lr = np.arange(batch), np.float32(0.01)

    def inference():
        return np.maximum(np.maximum(xs @ W1 + b1, 0) @ W2 + b2, 0) @ W3 + b3

    def step():
        z1 = xs @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        logits = h2 @ W3 + b3
        e = np.exp(logits - logits.max(1, keepdims=True))
        d3 = e / e.sum(1, keepdims=True)
        d3[rows, ys] -= 1
        d3 /= np.float32(batch)
        d2 = (d3 @ W3.T) * (z2 > 0)
        d1 = (d2 @ W2.T) * (z1 > 0)
        for (gw, gb), W, b in zip([(xs.T @ d1, d1.sum(0)), (h1.T @ d2, d2.sum(0)),
                                   (h2.T @ d3, d3.sum(0))], (W1, W2, W3), (b1, b2, b3)):
            W -= lr * gw
            b -= lr * gb
    return step if train else inference


def numpy_mlp_products(batch, train):
    """Only the matrix products of ``numpy_mlp``'s step (the same BLAS calls, into
    preallocated arrays): what no plan that calls this BLAS can go below."""
    (W1, _), (W2, _), (W3, _) = _mlp_weights()
    xs, _ = _mnist_batch(batch)
    z1, z2, z3 = (np.empty((batch, n), np.float32) for n in SIZES[1:])
    d2, d1 = np.empty_like(z2), np.empty_like(z1)
    g1, g2, g3 = np.empty_like(W1), np.empty_like(W2), np.empty_like(W3)

    def forward():
        np.matmul(xs, W1, out=z1)
        np.matmul(z1, W2, out=z2)
        np.matmul(z2, W3, out=z3)

    def step():
        forward()
        np.matmul(z3, W3.T, out=d2)
        np.matmul(d2, W2.T, out=d1)
        np.matmul(xs.T, d1, out=g1)
        np.matmul(z1.T, d2, out=g2)
        np.matmul(z2.T, z3, out=g3)
    return step if train else forward


# name: (label, tensorflux/TF builder, NumPy builder, calls per chunk)
WORKLOADS = {
    "adds": ("100 chained adds on a (10,) vector", add_chain, numpy_add_chain, 200),
    "normal": ("seed normal equation (constant data)", normal_equation,
               numpy_normal_equation, 20),
    "train50": ("seed MNIST MLP training, batch 50", lambda tf, c=None: _mlp(tf, 50, True, c),
                lambda: numpy_mlp(50, True), 20),
    "train512": ("seed MNIST MLP training, batch 512",
                 lambda tf, c=None: _mlp(tf, 512, True, c), lambda: numpy_mlp(512, True), 4),
    "infer512": ("seed MNIST MLP inference, batch 512",
                 lambda tf, c=None: _mlp(tf, 512, False, c), lambda: numpy_mlp(512, False), 10),
}


def import_tf1():
    import tensorflow.compat.v1 as tf1
    tf1.disable_v2_behavior()
    return tf1


def opt_off():
    import tensorflux as tf
    return tf.ConfigProto(graph_options=tf.GraphOptions(
        optimizer_options=tf.OptimizerOptions(opt_level=tf.OptimizerOptions.L0)))


def _quiet_tf_env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def serve(workload):
    """The TensorFlow side of ``RemoteStep``: one step per line read."""
    step = WORKLOADS[workload][1](import_tf1())
    print("ready", flush=True)
    for _ in sys.stdin:
        step()
        print("done", flush=True)


def with_blas_threads(fn, n):
    """``fn`` run with NumPy's BLAS on ``n`` threads (tensorflux sets the count per
    product and leaves it, so the reference sets its own before each call)."""
    from tensorflux.backends.blas_threads import use_threads

    def run():
        use_threads(n)
        return fn()
    return run


def _default_blas_threads():
    """The thread count NumPy's BLAS uses by default (all cores, unless told otherwise)."""
    from threadpoolctl import threadpool_info
    return max([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
               or [1])


def bench_speed(repeat, tf_python):
    """NumPy runs twice: with its BLAS's default thread count (all cores) and on one
    thread (the faster of the two on a shared machine); ratios are against each."""
    import tensorflux as tf
    default = _default_blas_threads()
    print(f"{'workload':<38} {'tensorflux':>10} {'opt off':>10} {'numpy':>10} {'numpy 1t':>10}"
          f"   ratio (off) / 1t ratio   {'tensorflow':>10}", flush=True)
    for name, (label, build, numpy_build, number) in WORKLOADS.items():
        reference = numpy_build()
        fns = [build(tf), build(tf, opt_off()), with_blas_threads(reference, default),
               with_blas_threads(reference, 1)]
        remote = RemoteStep(tf_python, [__file__, "--serve", name],
                            f"the TensorFlow workload {name}") if tf_python else None
        try:
            times = compare(fns + ([remote] if remote else []), number, repeat)
        finally:
            if remote:
                remote.close()
        ours, off, ref, ref1 = times[:4]
        line = (f"{label:<38} {ours * 1e6:7.1f} us {off * 1e6:7.1f} us {ref * 1e6:7.1f} us "
                f"{ref1 * 1e6:7.1f} us   {ours / ref:4.2f}x ({off / ref:4.2f}x) / {ours / ref1:4.2f}x")
        if remote:
            line += f"   {times[4] * 1e6:7.1f} us ({times[4] / ref:4.2f}x)"
        print(line, flush=True)


def bench_bound(repeat):
    """How far the MLP rows are from the physical limit: NumPy's step with only its
    matrix products left, beside the whole NumPy step and tensorflux's, interleaved."""
    import tensorflux as tf
    default = _default_blas_threads()
    print(f"{'workload':<38} {'tensorflux':>10} {'numpy':>10} {'products':>10}   "
          f"products / numpy   tensorflux / products", flush=True)
    for name in ("train50", "train512", "infer512"):
        label, build, numpy_build, number = WORKLOADS[name]
        batch, train = (50, True) if name == "train50" else (512, name == "train512")
        fns = [build(tf), with_blas_threads(numpy_build(), default),
               with_blas_threads(numpy_mlp_products(batch, train), default)]
        ours, ref, products = compare(fns, number, repeat)
        print(f"{label:<38} {ours * 1e6:7.1f} us {ref * 1e6:7.1f} us {products * 1e6:7.1f} us   "
              f"{products / ref:15.2f}x   {ours / products:20.2f}x", flush=True)


# --- peak memory: each case alone in a fresh process ------------------------------------
def peak_memory_case(case, steps=20):
    """Peak memory of MLP training at batch 512: the process's VmHWM (which counts the
    modules imported too) and the peak of the arrays and objects allocated from before
    the model is built (tracemalloc; tensorflux's lazily imported modules are loaded
    first, by a throwaway step at batch 2)."""
    import gc
    import tracemalloc
    tf = None
    if case != "numpy":
        import tensorflux as tf
        _mlp(tf, 2, True)()
        gc.collect()
    tracemalloc.start()
    step = numpy_mlp(512, True) if tf is None else _mlp(
        tf, 512, True, opt_off() if case == "tensorflux-opt0" else None)
    for _ in range(steps):
        step()
    traced = tracemalloc.get_traced_memory()[1]
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return {"traced_mib": traced / 2**20, "vmhwm_mib": hwm / 1024}


def bench_memory(repeat):
    results = {}
    for _ in range(max(1, repeat // 7)):
        for case in ("numpy", "tensorflux", "tensorflux-opt0"):
            out = subprocess.run([sys.executable, __file__, "--memory-case", case],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            best = results.setdefault(case, r)
            for k in r:
                best[k] = min(best[k], r[k])
    ref = results["numpy"]
    for case, r in results.items():
        print(f"peak memory, MLP training batch 512: {case:<16} traced {r['traced_mib']:6.1f} MiB "
              f"({r['traced_mib'] / ref['traced_mib']:.2f}x)   VmHWM {r['vmhwm_mib']:6.1f} MiB "
              f"({r['vmhwm_mib'] / ref['vmhwm_mib']:.2f}x)", flush=True)


# --- compile time ----------------------------------------------------------------------
def bench_compile(repeat):
    import tensorflux as tf
    with tf.Graph().as_default() as graph:
        X, y, _, training_op = build_mlp(tf)
        init = tf.global_variables_initializer()
    xs, ys = _mnist_batch(50)
    feed = {X: xs, y: ys}
    for label, config in (("optimizer on", None), ("optimizer off", opt_off())):
        samples = []
        for _ in range(repeat):
            sess = tf.Session(graph=graph, config=config)
            sess.run(init)
            t0 = time.perf_counter()
            sess.plan_source(training_op, feed)  # compiles the signature
            samples.append(time.perf_counter() - t0)
            sess.close()
        print(f"compile time of the MLP training signature, {label:<14} "
              f"{statistics.median(samples) * 1e3:6.1f} ms (min {min(samples) * 1e3:.1f})",
              flush=True)


# --- the busy machine ------------------------------------------------------------------
def _spin():
    while True:
        pass


def train_time(case, steps=200):
    """Median seconds per MLP training step at batch 50 (chunks of 10) in this process."""
    if case == "numpy":
        step = numpy_mlp(50, True)
    else:
        step = WORKLOADS["train50"][1](import_tf1() if case == "tensorflow" else
                                      __import__("tensorflux"))
    for _ in range(10):
        step()
    samples = []
    for _ in range(steps // 10):
        t0 = time.perf_counter()
        for _ in range(10):
            step()
        samples.append((time.perf_counter() - t0) / 10)
    return statistics.median(samples)


def bench_busy(repeat, tf_python):
    """Quiet and busy runs alternate, each case in a fresh process; best of each."""
    cases = [("numpy", sys.executable), ("tensorflux", sys.executable)]
    if tf_python:
        cases.append(("tensorflow", tf_python))
    quiet, busy = {}, {}
    for _ in range(max(1, repeat // 7)):
        for loaded in (False, True):
            spinners = []
            if loaded:
                spinners = [multiprocessing.Process(target=_spin, daemon=True)
                            for _ in range(os.cpu_count() or 1)]
                for p in spinners:
                    p.start()
            try:
                for case, python in cases:
                    out = subprocess.run([python, __file__, "--train-case", case],
                                         capture_output=True, text=True, check=True,
                                         env=_quiet_tf_env())
                    t = float(out.stdout.split()[-1])
                    into = busy if loaded else quiet
                    into[case] = min(into.get(case, t), t)
            finally:
                for p in spinners:
                    p.terminate()
                    p.join()
    print(f"MLP training batch 50, {os.cpu_count()} busy-looping processes beside it:", flush=True)
    for case, _ in cases:
        print(f"  {case:<11} quiet {quiet[case] * 1e3:7.2f} ms/step   busy {busy[case] * 1e3:7.2f} "
              f"ms/step   slowdown {busy[case] / quiet[case]:5.2f}x", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--tf-python", help="a Python with TensorFlow, to time it too")
    parser.add_argument("--only", choices=("speed", "bound", "memory", "compile", "busy"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--memory-case", help=argparse.SUPPRESS)
    parser.add_argument("--train-case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve)
    if args.memory_case:
        return print(json.dumps(peak_memory_case(args.memory_case)))
    if args.train_case:
        return print(train_time(args.train_case))
    sections = {"speed": lambda: bench_speed(args.repeat, args.tf_python),
                "bound": lambda: bench_bound(args.repeat),
                "memory": lambda: bench_memory(args.repeat),
                "compile": lambda: bench_compile(args.repeat),
                "busy": lambda: bench_busy(args.repeat, args.tf_python)}
    for name, run in sections.items():
        if args.only in (None, name):
            run()


if __name__ == "__main__":
    main()
