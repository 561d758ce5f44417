"""The conformance checks (see ``tensorflux.testing.conformance``): each op the backend
claims, and the backend itself."""
import contextlib

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.core.registry import registry
from tensorflux.serialization.graph_format import python_function_ops
from tensorflux.testing.conformance.kit import CPU, Example, assert_promised, assert_same


# --- each op -------------------------------------------------------------------------
def test_forward_values_match_numpy(kit, op_type):
    def check(draw):
        example = kit.build(op_type, draw)
        got, placed = kit.run(example)
        assert placed == {kit.name}, f"{op_type} placed on {kit.device} ran on {placed}"
        for i, (tensor, value) in enumerate(zip(example.outputs, got)):
            assert isinstance(value, (np.ndarray, np.generic, bytes)), (
                f"output {i} of {op_type} was fetched as {type(value).__name__}, not NumPy")
            assert_promised(tensor, value, f"{op_type} output {i}")
        if registry.find_kernel(op_type, CPU) is None:
            return  # nothing to compare with: the values are the plugin's word
        expected, placed = kit.run(example, reference=True)
        assert placed == {CPU}
        for i, (value, reference) in enumerate(zip(got, expected)):
            assert_same(value, reference, f"{op_type} output {i} on {kit.name} vs {CPU}")
    kit.for_examples(check)


def test_kernel_keeps_its_promises(kit, op_type):
    """Called directly, the kernel returns the backend's own arrays (host arrays where
    it declares host_outputs) of the promised dtypes and shapes, and leaves its inputs
    as they were."""
    if registry.get_op(op_type).ref_inputs:
        pytest.skip(f"{op_type} updates a variable: its outputs are checked by the forward test")

    def check(draw):
        example = kit.build(op_type, draw)
        op = example.ops()[0]
        if any(t.dtype is tf.variant for t in list(op.inputs) + op.outputs):
            pytest.skip(f"{op_type} passes opaque values (a TensorArray): its kernel cannot "
                        f"be called on fetched inputs; the forward test checks it")
        op, kernel, before, args, outputs = kit.call_kernel(example)
        assert len(outputs) == op.num_outputs, (
            f"{op_type}'s kernel returned {len(outputs)} outputs, not {op.num_outputs}")
        for i, (tensor, value) in enumerate(zip(op.outputs, outputs)):
            if kernel.host_outputs:
                assert isinstance(value, (np.ndarray, np.generic)), (
                    f"{op_type} declares host outputs but output {i} is {type(value).__name__}")
            else:
                assert kit.is_backend_array(value), (
                    f"{op_type}'s kernel returned output {i} as {type(value).__name__}, not "
                    f"an array of backend {kit.name!r}")
            assert_promised(tensor, kit.to_host(value, kernel.host_outputs),
                            f"{op_type} kernel output {i}")
        for i, (arg, value) in enumerate(zip(args, before)):
            assert_same(kit.to_host(arg, kernel.input_on_host(i)), value,
                        f"{op_type}'s kernel modified its input {i}")
    kit.for_examples(check)


def test_gradient_matches_central_differences(kit, differentiable_op):
    op_type, case = differentiable_op, kit.case(differentiable_op)

    def check(draw):
        example = kit.build(op_type, draw)
        y = example.outputs[0]
        wrt = [x for x in example.feed if x.dtype.is_floating]
        others = {x: v for x, v in example.feed.items() if x not in wrt}
        values = [example.feed[x] for x in wrt]
        shapes = [np.shape(v) for v in values]

        def jacobians(sess):
            with example.graph.as_default(), tf.device(kit.device):
                y_shape = np.shape(sess.run(y, example.feed))
                return tf.test.compute_gradient(wrt, shapes, y, y_shape, x_init_value=values,
                                                delta=case.delta, extra_feed_dict=others,
                                                session=sess), sess._backend_for(example.ops()[0])

        with tf.Session(graph=example.graph) as sess:
            results, placed = jacobians(sess)
        assert placed == kit.name, f"{op_type} ran on {placed}"
        for i, (analytic, numeric) in enumerate(results):
            np.testing.assert_allclose(analytic, numeric, rtol=case.rtol, atol=1e-6,
                                       err_msg=f"{op_type} input {i} on {kit.name}")
        with kit.reference(), tf.Session(graph=example.graph) as cpu:
            on_cpu, _ = jacobians(cpu)
        for i, ((analytic, _), (reference, _)) in enumerate(zip(results, on_cpu)):
            np.testing.assert_allclose(analytic, reference, rtol=1e-6, atol=1e-9,
                                       err_msg=f"{op_type} input {i}: {kit.name} vs {CPU}")
    kit.for_examples(check)


def test_saved_graph_runs_the_same(kit, op_type, tmp_path):
    """Exported to a .meta file and imported in a new graph, the op still runs on the
    backend and gives the same values (its attrs survive the file format)."""
    saved = []

    def check(draw):
        example = kit.build(op_type, draw)
        if python_function_ops(example.graph):
            pytest.skip(f"{op_type} holds a Python function (tf.custom_gradient's): graphs "
                        f"with Python code are never written to files")
        got, _ = kit.run(example)
        path = str(tmp_path / f"graph{len(saved)}.meta")
        saved.append(path)
        tf.train.export_meta_graph(path, graph=example.graph)
        graph = tf.Graph()
        with graph.as_default():
            tf.train.import_meta_graph(path)
            variables = tf.global_variables()
            init = tf.variables_initializer(variables) if variables else None
        loaded = Example(op_type, graph,
                         {graph.get_tensor_by_name(x.name): v for x, v in example.feed.items()},
                         [graph.get_tensor_by_name(t.name) for t in example.outputs], init)
        again, placed = kit.run(loaded)
        assert placed == {kit.name}, f"imported {op_type} ran on {placed}"
        for i, (value, before) in enumerate(zip(again, got)):
            assert_same(value, before, f"{op_type} output {i} after a .meta round trip")
    kit.for_examples(check)


# --- the backend ---------------------------------------------------------------------
DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.bool_]


@pytest.mark.parametrize("shape", [(), (0,), (2, 3)], ids=str)
def test_arrays_move_to_and_from_the_backend(kit, shape):
    rng = np.random.default_rng(0)
    host = [(rng.normal(size=shape) * 50).astype(dtype) for dtype in DTYPES]
    if kit.backend.strings:
        host.append(np.full(shape, b"tensorflux", dtype=object))
    for value in host:
        on_device = kit.backend.from_host(value)
        assert kit.is_backend_array(on_device), f"from_host gave {type(on_device).__name__}"
        back = kit.backend.to_host(on_device)
        assert isinstance(back, np.ndarray), f"to_host gave {type(back).__name__}, not a NumPy array"
        assert_same(back, value, f"{value.dtype} {shape} through from_host/to_host")


def test_variables_survive_a_checkpoint(kit, tmp_path):
    if registry.find_kernel("Assign", kit.name) is None:
        pytest.skip(f"{kit.name} has no Assign kernel: variables never live on it")
    rng = np.random.default_rng(1)
    initial = {np.dtype(d).name: (rng.normal(size=(2, 3)) * 9).astype(d)
               for d in (np.float32, np.float64, np.int32, np.int64)}
    graph = tf.Graph()
    with graph.as_default(), tf.device(kit.device):
        variables = {name: tf.Variable(value, name=f"v_{name}") for name, value in initial.items()}
        saver = tf.train.Saver()
        init = tf.global_variables_initializer()
    path = str(tmp_path / "model.ckpt")
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        assert {sess._backend_for(v.op) for v in variables.values()} == {kit.name}
        saver.save(sess, path)
    for restore_on in (kit.name, CPU):
        with kit.reference() if restore_on == CPU else contextlib.nullcontext():
            with tf.Session(graph=graph) as sess:
                saver.restore(sess, path)
                for name, variable in variables.items():
                    assert sess._backend_for(variable.op) == restore_on
                    assert_same(sess.run(variable), initial[name],
                                f"variable {name} restored on {restore_on}")


def test_unplaced_ops_follow_priority_and_opt_in(kit):
    """Unplaced ops go to the backend only when it is not opt-in and its priority is
    above the CPU backend's; otherwise they stay on the CPU."""
    candidates = [op for op in kit.ops if registry.find_kernel(op, CPU) is not None
                  and op in kit.cases and not registry.get_op(op).stateful]
    if not candidates:
        pytest.skip("no stateless op with a CPU kernel and a case to place")
    cpu_priority = registry.get_backend(CPU).priority
    takes_unplaced = not kit.backend.opt_in and kit.backend.priority > cpu_priority
    expected = {kit.name if takes_unplaced else CPU}

    def check(draw):
        _, placed = kit.run(kit.build(candidates[0], draw, placed=False))
        assert placed == expected, (
            f"unplaced {candidates[0]} ran on {placed}; backend {kit.name!r} has priority "
            f"{kit.backend.priority} and opt_in={kit.backend.opt_in}")
    kit.for_examples(check)
