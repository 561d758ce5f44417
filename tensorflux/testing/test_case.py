"""``tf.test``: TF1's ``TestCase`` and test helpers, so TF1 projects' unit tests run.

``TestCase`` is a ``unittest.TestCase`` with TF1's session helpers (``test_session``,
``cached_session``, ``session``, ``evaluate``) and assertions (``assertAllClose`` on
nested structures, ``assertRaisesOpError``, ...). As in TF1, each test starts on a fresh
default graph with the graph seed set, so random ops give the same numbers every run.
"""
from __future__ import annotations

import contextlib
import math
import re
import sys
import tempfile
import unittest
from unittest import mock  # noqa: F401 - tf.test.mock

import numpy as np

from tensorflux.core import errors
from tensorflux.core.graph import (Tensor, canonical_device, get_default_graph,
                                   reset_default_graph)
from tensorflux.core.registry import registry
from tensorflux.core.session import ConfigProto, Session, get_default_session

DEFAULT_GRAPH_SEED = 87654321


def main(argv=None):
    """Run the tests of ``__main__`` (TF1's ``tf.test.main``)."""
    return unittest.main(argv=argv)


_PROCESS_TEMP_DIR = []


def get_temp_dir():
    """One temporary directory per process for tests, removed when the process exits."""
    if not _PROCESS_TEMP_DIR:
        import atexit
        path = tempfile.mkdtemp(prefix="tensorflux_test_")
        atexit.register(_remove_tree, path)
        _PROCESS_TEMP_DIR.append(path)
    return _PROCESS_TEMP_DIR[0]


def _gpu_backends():
    return [b for b in registry.backends.values()
            if b.device_type == "GPU" and registry.backend_available(b.name)]


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether a GPU backend (CuPy on an NVIDIA GPU, or a plugin's) can run ops here."""
    gpus = _gpu_backends()
    if cuda_only:
        gpus = [b for b in gpus if b.name == "cupy"]
    if gpus and min_cuda_compute_capability is not None and gpus[0].name == "cupy":
        import cupy
        major, minor = min_cuda_compute_capability
        found = int(cupy.cuda.Device(0).compute_capability)
        return found >= major * 10 + minor
    return bool(gpus)


def gpu_device_name():
    """'/device:GPU:0' when a GPU is available, else ''."""
    return "/device:GPU:0" if _gpu_backends() else ""


def is_built_with_cuda():
    """Whether CuPy (tensorflux's CUDA backend) is installed, GPU or not."""
    import importlib.util
    return importlib.util.find_spec("cupy") is not None


is_built_with_gpu_support = is_built_with_cuda


def is_built_with_xla():
    """False: tensorflux has no XLA compiler (TF1 tests skip XLA-only cases on it)."""
    return False


def is_cpu_target_available(target):
    """False for every ``target``: there is no XLA ahead-of-time compiler to target."""
    return False


def is_built_with_rocm():
    """Whether the installed CuPy is a ROCm (HIP) build."""
    if not is_built_with_cuda():
        return False
    try:
        import cupy
        return bool(getattr(cupy.cuda.runtime, "is_hip", False))
    except Exception:  # noqa: BLE001 - CuPy without its CUDA libraries
        return False


def disable_with_predicate(pred, skip_message):
    """Decorator: skip the test method when ``pred()`` is true."""
    import functools

    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            if pred():
                self.skipTest(skip_message)
            return func(self, *args, **kwargs)
        return wrapper
    return decorator


def benchmark_config():
    """A ConfigProto for benchmarks (tensorflux has no graph rewrites to turn off)."""
    return ConfigProto()


def assert_equal_graph_def(actual, expected, checkpoint_v2=False, hash_table_shared_name=False):
    """Raise AssertionError unless two GraphDefs (TensorFlow protos, as
    ``Graph.as_graph_def()`` returns, or tensorflux's own dict form) hold the same nodes,
    in any order."""
    def nodes(graph_def):
        if hasattr(graph_def, "node"):
            return {n.name: n for n in graph_def.node}
        return {n["name"]: n for n in graph_def["nodes"]}

    a, e = nodes(actual), nodes(expected)
    if set(a) != set(e):
        raise AssertionError(f"GraphDefs differ in their nodes: only in actual "
                             f"{sorted(set(a) - set(e))}, only in expected "
                             f"{sorted(set(e) - set(a))}")
    for name in sorted(a):
        if not _same(a[name], e[name]):
            raise AssertionError(f"Node {name!r} differs:\n  actual:   {a[name]}\n  expected: "
                                 f"{e[name]}")


def _same(x, y):
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(_same(a, b) for a, b in zip(x, y))
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return np.array_equal(x, y)
    return x == y


class StubOutForTesting:
    """Replace attributes for a test and put them back (``with`` or ``CleanUp``)."""

    def __init__(self):
        self._stubs = []

    def Set(self, parent, child_name, new_child):  # noqa: N802 - TF1 names
        self._stubs.append((parent, child_name, getattr(parent, child_name)))
        setattr(parent, child_name, new_child)

    SmartSet = Set

    def UnsetAll(self):  # noqa: N802
        for parent, child_name, old in reversed(self._stubs):
            setattr(parent, child_name, old)
        self._stubs = []

    SmartUnsetAll = UnsetAll
    CleanUp = UnsetAll

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.UnsetAll()


class Benchmark:
    """TF1's benchmark base class: ``report_benchmark`` logs a result and
    ``run_op_benchmark`` times ``sess.run`` of an op."""

    def report_benchmark(self, iters=None, cpu_time=None, wall_time=None, throughput=None,
                         extras=None, name=None, metrics=None):
        from tensorflux import tflogging
        name = name or f"{type(self).__name__}.{sys._getframe(1).f_code.co_name}"
        tflogging.info("Benchmark [%s] iters: %s, wall_time: %s, cpu_time: %s, throughput: "
                       "%s, extras: %s", name, iters, wall_time, cpu_time, throughput, extras)
        return {"name": name, "iters": iters, "wall_time": wall_time, "cpu_time": cpu_time,
                "throughput": throughput, "extras": extras or {}, "metrics": metrics or []}

    def run_op_benchmark(self, sess, op_or_tensor, feed_dict=None, burn_iters=2, min_iters=10,
                         store_trace=False, store_memory_usage=True, name=None, extras=None,
                         mbs=0):
        """Run ``op_or_tensor`` burn_iters + min_iters times; report the median wall time."""
        import time
        for _ in range(burn_iters):
            sess.run(op_or_tensor, feed_dict)
        times = []
        for _ in range(min_iters):
            start = time.perf_counter()
            sess.run(op_or_tensor, feed_dict)
            times.append(time.perf_counter() - start)
        wall = float(np.median(times))
        extras = dict(extras or {})
        if mbs:
            extras["throughput_mb_per_sec"] = mbs / wall
        return self.report_benchmark(iters=min_iters, wall_time=wall, extras=extras, name=name)


def _flatten_pairs(a, b, path=""):
    """Pairs of leaves of two nested structures (dicts, lists, tuples), checking they
    have the same structure."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or a.keys() != b.keys():
            raise AssertionError(f"Structures differ at {path or 'top'}: {a!r} vs {b!r}")
        for k in a:
            yield from _flatten_pairs(a[k], b[k], f"{path}[{k!r}]")
        return
    seq = (list, tuple)
    if isinstance(a, seq) and isinstance(b, seq) and not _is_numeric_list(a, b):
        if len(a) != len(b):
            raise AssertionError(f"Length {len(a)} != {len(b)} at {path or 'top'}")
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _flatten_pairs(x, y, f"{path}[{i}]")
        return
    yield path, a, b


def _is_numeric_list(a, b):
    """Plain (nested) lists of numbers compare as arrays, like TF's assertAllClose."""
    try:
        return np.asarray(a).dtype != object and np.asarray(b).dtype != object
    except ValueError:
        return False


class TestCase(unittest.TestCase):
    """TF1's ``tf.test.TestCase``."""

    def __init__(self, methodName="runTest"):  # noqa: N803 - unittest's name
        super().__init__(methodName)
        self._cached_session = None
        self._tempdir = None

    def setUp(self):
        self._clear_cached_session()
        np.random.seed(DEFAULT_GRAPH_SEED)
        reset_default_graph()
        get_default_graph().seed = DEFAULT_GRAPH_SEED

    def tearDown(self):
        self._clear_cached_session()

    def _clear_cached_session(self):
        if self._cached_session is not None:
            self._cached_session.close()
            self._cached_session = None

    def get_temp_dir(self):
        """A temporary directory for this test (the same one on every call)."""
        if self._tempdir is None:
            self._tempdir = tempfile.mkdtemp(prefix=f"{self._testMethodName}_",
                                             dir=get_temp_dir())
        return self._tempdir

    # --- sessions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _as_default(self, sess, use_gpu, force_gpu):
        device = "/device:GPU:0" if force_gpu else (None if use_gpu else "/device:CPU:0")
        with sess.graph.as_default(), sess.as_default():
            if device is None:
                yield sess
            else:
                with sess.graph.device(device):
                    yield sess

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=False, force_gpu=False):
        """A new Session on ``graph`` (the default graph), made the default session and
        its graph the default graph; ops go to the CPU unless ``use_gpu``/``force_gpu``."""
        with Session(graph=graph or get_default_graph(), config=config) as sess:
            with self._as_default(sess, use_gpu, force_gpu):
                yield sess

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=False, force_gpu=False):
        """Like ``session``, but the same Session for the whole test (per graph)."""
        graph = graph or get_default_graph()
        if self._cached_session is None or self._cached_session.graph is not graph:
            self._clear_cached_session()
            self._cached_session = Session(graph=graph, config=config)
        with self._as_default(self._cached_session, use_gpu, force_gpu) as sess:
            yield sess

    def _test_session(self, graph=None, config=None, use_gpu=False, force_gpu=False):
        if graph is None:
            return self.cached_session(None, config, use_gpu, force_gpu)
        return self.session(graph, config, use_gpu, force_gpu)

    @property
    def test_session(self):
        """TF1's name for ``cached_session`` (a fresh session when ``graph`` is given).
        A property, so that test loaders do not take it for a test method."""
        return self._test_session

    def evaluate(self, tensors):
        """Run ``tensors`` (any nested structure) in the default or cached session."""
        sess = get_default_session()
        if sess is None:
            with self.cached_session() as cached:
                return cached.run(tensors)
        return sess.run(tensors)

    # --- assertions -------------------------------------------------------------------------
    def _value(self, x):
        if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
            return self.evaluate(x)
        return x

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        """Nested structures of arrays (or tensors, evaluated) are equal within
        ``|a - b| <= atol + rtol * |b|`` element-wise."""
        for path, x, y in _flatten_pairs(self._value(a), self._value(b)):
            x, y = np.asarray(self._value(x)), np.asarray(self._value(y))
            if x.shape != y.shape and x.size != 1 and y.size != 1:
                raise AssertionError(f"Shape mismatch{' at ' + path if path else ''}: "
                                     f"{x.shape} vs {y.shape}. {msg or ''}")
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"{path} {msg or ''}".strip())

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        try:
            self.assertAllClose(a, b, rtol, atol)
        except AssertionError:
            return
        raise AssertionError(msg or "The two values are close at all elements")

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6, float_rtol=1e-6,  # noqa: N802
                                      float_atol=1e-6, half_rtol=1e-3, half_atol=1e-3,
                                      bfloat16_rtol=1e-2, bfloat16_atol=1e-2, msg=None):
        """assertAllClose with tolerances loosened to the precision of the dtypes."""
        a, b = np.asarray(self._value(a)), np.asarray(self._value(b))
        kinds = {a.dtype.name, b.dtype.name}
        if "float16" in kinds:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        elif "float32" in kinds or "complex64" in kinds:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertAllEqual(self, a, b, msg=None):  # noqa: N802
        a, b = np.asarray(self._value(a)), np.asarray(self._value(b))
        if a.shape != b.shape and a.size != 1 and b.size != 1:
            raise AssertionError(f"Shape mismatch: {a.shape} vs {b.shape}. {msg or ''}")
        np.testing.assert_array_equal(a, b, err_msg=msg or "")

    def assertNear(self, f1, f2, err, msg=None):  # noqa: N802
        """``|f1 - f2| <= err``."""
        self.assertTrue(f1 == f2 or math.fabs(f1 - f2) <= err,
                        "%f != %f +/- %f%s" % (f1, f2, err, f" ({msg})" if msg is not None else ""))

    def assertArrayNear(self, farray1, farray2, err, msg=None):  # noqa: N802
        """Two lists of floats of the same length, each pair within ``err``."""
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):  # noqa: N802
        self.assertTrue(np.all(np.abs(np.asarray(ndarray1) - np.asarray(ndarray2)) <= err), msg=msg)

    def assertAllGreater(self, a, comparison_target):  # noqa: N802
        self.assertGreater(np.min(self._value(a)), comparison_target)

    def assertAllLess(self, a, comparison_target):  # noqa: N802
        self.assertLess(np.max(self._value(a)), comparison_target)

    def assertAllGreaterEqual(self, a, comparison_target):  # noqa: N802
        self.assertGreaterEqual(np.min(self._value(a)), comparison_target)

    def assertAllLessEqual(self, a, comparison_target):  # noqa: N802
        self.assertLessEqual(np.max(self._value(a)), comparison_target)

    def assertAllInRange(self, target, lower_bound, upper_bound, open_lower_bound=False,  # noqa: N802
                         open_upper_bound=False):
        t = np.asarray(self._value(target))
        low = t > lower_bound if open_lower_bound else t >= lower_bound
        high = t < upper_bound if open_upper_bound else t <= upper_bound
        if not np.all(low & high):
            raise AssertionError(f"{t[~(low & high)]} not in range [{lower_bound}, {upper_bound}]")

    def assertAllInSet(self, target, expected_set):  # noqa: N802
        bad = set(np.ravel(self._value(target)).tolist()) - set(expected_set)
        if bad:
            raise AssertionError(f"{sorted(bad)} not in {set(expected_set)}")

    def assertDTypeEqual(self, target, expected_dtype):  # noqa: N802
        self.assertEqual(np.asarray(self._value(target)).dtype, np.dtype(expected_dtype))

    def assertShapeEqual(self, np_array, tf_tensor, msg=None):  # noqa: N802
        """A NumPy array's shape equals a Tensor's static shape."""
        if not isinstance(np_array, (np.ndarray, np.generic)):
            raise TypeError(f"assertShapeEqual needs a NumPy array, got {type(np_array).__name__}")
        if not isinstance(tf_tensor, Tensor):
            raise TypeError(f"assertShapeEqual needs a Tensor, got {type(tf_tensor).__name__}")
        self.assertAllEqual(np_array.shape, tf_tensor.get_shape().as_list(), msg=msg)

    def assertDeviceEqual(self, device1, device2, msg=None):  # noqa: N802
        """Two device strings name the same device ('/gpu:0' == '/device:GPU:0')."""
        d1, d2 = canonical_device(device1), canonical_device(device2)
        self.assertEqual(d1, d2, f"Devices {d1} and {d2} are not equal. {msg or ''}")

    def assertStartsWith(self, actual, expected_start, msg=None):  # noqa: N802
        if not actual.startswith(expected_start):
            raise AssertionError(f"{actual!r} does not start with {expected_start!r} {msg or ''}")

    def assertItemsEqual(self, expected_seq, actual_seq, msg=None):  # noqa: N802
        self.assertCountEqual(expected_seq, actual_seq, msg)

    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):  # noqa: N802
        """Expect ``exception_type`` whose message matches a regex (or that satisfies a
        predicate)."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:
            pattern = expected_err_re_or_predicate

            def predicate(e):
                return re.search(pattern, str(e)) is not None
        try:
            yield
        except exception_type as e:
            if not predicate(e):
                raise AssertionError(f"Exception of type {type(e)}: {e}") from e
        else:
            self.fail(f"{exception_type.__name__} not raised")

    def assertRaisesOpError(self, expected_err_re_or_predicate):  # noqa: N802
        """Expect a ``tf.errors.OpError`` matching the regex or predicate."""
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)

    assertRaisesRegexp = unittest.TestCase.assertRaisesRegex  # noqa: N815 - TF1 name


def _remove_tree(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)
