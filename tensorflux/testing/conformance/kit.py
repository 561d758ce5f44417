"""The running conformance kit: the backend under test (made the only backend of its
device type, beside the CPU backend), the ops it claims, and how one drawn example of
an op's case is built, run on the backend or on the CPU, and compared."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.core.executor import KernelContext
from tensorflux.core.registry import NOT_DIFFERENTIABLE, registry
from tensorflux.testing import backend_context
from tensorflux.testing.conformance import claimed_ops, collect_cases

CPU = "numpy"


class KitUsageError(Exception):
    """The kit was asked for a backend or plugin it cannot test."""


@contextlib.contextmanager
def _availability(overrides: dict):
    """Backends reported (un)available as ``overrides`` says while the block runs."""
    saved = dict(registry._available)
    registry._available.update(overrides)
    try:
        yield
    finally:
        registry._available.clear()
        registry._available.update(saved)


def _dtype_of(value):
    value = np.asarray(value)
    return tf.string if value.dtype.kind in "OSU" else tf.as_dtype(value.dtype)


@dataclass
class Example:
    """One drawn example of a case, built: fetch ``outputs`` feeding ``feed`` (after
    running ``init`` when the case made variables)."""

    op_type: str
    graph: tf.Graph
    feed: dict
    outputs: list
    init: object = None

    def ops(self):
        return [op for op in self.graph.get_operations() if op.type == self.op_type]


class Kit:
    def __init__(self, backend: str, plugin: str | None = None, examples: int = 5):
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(backend_context(backend))
        registry.ensure_loaded()
        if backend not in registry.backends:
            self.close()
            raise KitUsageError(f"--tfx-backend={backend}: no such backend; registered: "
                                f"{sorted(registry.backends)} (and strictgpu, the CuPy "
                                f"backend's kernels on the CPU under CuPy's rules)")
        if not registry.backend_available(backend):
            self.close()
            raise KitUsageError(f"--tfx-backend={backend}: the backend is not available on "
                                f"this machine (its is_available() returned False)")
        if plugin is not None and plugin not in registry.plugins:
            self.close()
            raise KitUsageError(f"--tfx-ops={plugin}: no such plugin; loaded: "
                                f"{sorted(registry.plugins)}")
        self._stack.enter_context(_availability(
            {name: False for name in registry.backends if name not in (backend, CPU)}))
        self.name = backend
        self.backend = registry.get_backend(backend)
        self.device = f"/device:{self.backend.device_type}:0"
        self.examples = examples
        self.cases = collect_cases()
        self.ops = claimed_ops(backend, plugin)
        self.differentiable = [op for op in self.ops if registry.get_op(op).gradient
                               not in (None, NOT_DIFFERENTIABLE)]

    def close(self):
        self._stack.close()

    # --- examples ---------------------------------------------------------------------
    def for_examples(self, check):
        """Run ``check(draw)`` on ``self.examples`` examples drawn by hypothesis."""
        @settings(max_examples=self.examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def run(data):
            check(data.draw)
        run()

    def case(self, op_type):
        try:
            return self.cases[op_type]
        except KeyError:
            raise AssertionError(
                f"no conformance case for op {op_type!r}: the plugin that defines it "
                f"({registry.op_owner(op_type)!r}) gives none (hook "
                f"tensorflux_conformance_cases)") from None

    def build(self, op_type, draw, placed=True) -> Example:
        """A drawn example of ``op_type``'s case, built on the backend's device type
        (unplaced when ``placed`` is False)."""
        inputs, build = self.case(op_type).make(draw)
        graph = tf.Graph()
        with graph.as_default(), tf.device(self.device) if placed else contextlib.nullcontext():
            xs = [tf.placeholder(_dtype_of(v), shape=np.shape(v)) for v in inputs]
            out = build(*xs)
            variables = tf.global_variables()
            init = tf.variables_initializer(variables) if variables else None
        example = Example(op_type, graph, dict(zip(xs, inputs)),
                          list(out) if isinstance(out, (list, tuple)) else [out], init)
        assert example.ops(), f"the conformance case of {op_type} builds no {op_type} op"
        return example

    def reference(self):
        """Sessions made and run in this block use the CPU backend instead."""
        return _availability({self.name: False})

    def run(self, example: Example, reference=False):
        """(fetched values, the backends the op under test ran on)."""
        with self.reference() if reference else contextlib.nullcontext():
            with tf.Session(graph=example.graph) as sess:
                if example.init is not None:
                    sess.run(example.init, example.feed)
                values = sess.run(example.outputs, example.feed)
                placed = {sess._backend_for(op) for op in example.ops()}
        return values, placed

    def call_kernel(self, example: Example):
        """Call the backend's kernel for the example's op directly, on the values its
        inputs have (computed on the CPU): (op, kernel, host inputs before the call,
        the arguments, the outputs)."""
        op = example.ops()[0]
        kernel = registry.get_kernel(op.type, self.name)
        with self.reference(), tf.Session(graph=example.graph) as sess:
            if example.init is not None:
                sess.run(example.init, example.feed)
            before = [np.array(v, copy=True) for v in sess.run(list(op.inputs), example.feed)]
            args = [np.array(v, copy=True) if kernel.input_on_host(i)
                    else self.backend.from_host(np.array(v, copy=True))
                    for i, v in enumerate(before)]
            result = kernel.bind(op, KernelContext(sess, self.name))(*args)
        multi = callable(op.op_def.num_outputs) or op.num_outputs != 1
        return op, kernel, before, args, list(result) if multi else [result]

    # --- comparisons ------------------------------------------------------------------
    def is_backend_array(self, value) -> bool:
        kind = type(self.backend.from_host(np.zeros((), np.float32)))
        return isinstance(value, kind) or (kind is np.ndarray and isinstance(value, np.generic))

    def to_host(self, value, on_host=False):
        return np.asarray(value if on_host else self.backend.to_host(value))


def assert_promised(tensor, value, what):
    """``value`` has the dtype and a shape that the static ``tensor`` promised (a
    scalar string may be ``bytes``, as TF1 fetches it)."""
    value = np.array(value, dtype=object) if isinstance(value, bytes) else np.asarray(value)
    assert value.dtype == tensor.dtype.np_dtype, (
        f"{what}: dtype {value.dtype}, but the graph promised {tensor.dtype.name}")
    assert tensor.shape.is_compatible_with(value.shape), (
        f"{what}: shape {value.shape}, but the graph promised {tensor.shape}")


def assert_same(got, expected, what):
    """Equal dtypes and shapes, and equal values (floats: close, NaN equal to NaN)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, expected {expected.dtype}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    if got.dtype.kind in "fc":
        rtol, atol = (1e-6, 1e-9) if got.dtype.itemsize >= 8 else (1e-4, 1e-5)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(got, expected, err_msg=what)
