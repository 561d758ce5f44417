"""Top-level framework names: protos, dtypes, behaviour switches, conversions, tf.nest,
tf.compat, tf.config, tf.version, tf.resource_loader, switch_case, vectorized_map,
py_function, verify_tensor_all_finite and UnconnectedGradients, checked against TF1's
documented behaviour and NumPy."""
import os

import numpy as np
import pytest

import tensorflux as tf


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_protocol_buffer_classes_are_tensorflows():
    graph_def = tf.get_default_graph().as_graph_def()
    assert isinstance(graph_def, tf.GraphDef)
    node = tf.NodeDef(name="c", op="Const")
    node.attr["dtype"].CopyFrom(tf.AttrValue(type=1))
    assert tf.NodeDef.FromString(node.SerializeToString()) == node
    meta = tf.MetaGraphDef()
    meta.signature_def["s"].inputs["x"].CopyFrom(tf.TensorInfo(name="x:0", dtype=1))
    assert tf.MetaGraphDef.FromString(meta.SerializeToString()).signature_def["s"].inputs["x"].name == "x:0"
    func = tf.NameAttrList(name="f")
    func.attr["T"].type = 1
    assert tf.NameAttrList.FromString(func.SerializeToString()).attr["T"].type == 1
    options = tf.GraphOptions(optimizer_options=tf.OptimizerOptions(
        opt_level=tf.OptimizerOptions.L0, do_constant_folding=True))
    assert options.optimizer_options.opt_level == -1  # TF's enum: L1 = 0, L0 = -1
    assert tf.OptimizerOptions.L1 == 0


def test_variant_and_resource_dtypes():
    assert tf.variant.name == "variant" and tf.resource.name == "resource"
    assert tf.resource != tf.variant and tf.as_dtype("resource") is tf.resource
    assert tf.TensorArray(tf.float32, size=1).flow.dtype == tf.variant


def test_queue_and_reader_base_classes():
    assert issubclass(tf.FIFOQueue, tf.QueueBase) and issubclass(tf.TextLineReader, tf.ReaderBase)
    assert tf.queue.FIFOQueue is tf.FIFOQueue and tf.queue.QueueBase is tf.QueueBase
    q = tf.queue.PaddingFIFOQueue(3, [tf.int32], shapes=[[None]])
    assert isinstance(q, tf.QueueBase)
    reader = tf.WholeFileReader()
    assert isinstance(reader, tf.ReaderBase) and reader.reader_ref.dtype == tf.string


def test_control_flow_v2_switches():
    assert tf.control_flow_v2_enabled() is True  # tf.cond builds a functional If op
    tf.enable_control_flow_v2()
    tf.disable_control_flow_v2()  # accepted: values and gradients are TF1's either way
    x = tf.placeholder(tf.float32, [])
    y = tf.cond(x > 0, lambda: x * 2.0, lambda: -x)
    assert y.op.type == "If"
    assert run(tf.gradients(y, x)[0], {x: 3.0}) == 2.0


def test_numpy_function_and_py_function():
    assert tf.numpy_function is tf.py_func
    x = tf.constant([1.0, 4.0])
    doubled = tf.numpy_function(lambda a: (a * 2).astype(np.float32), [x], tf.float32)
    seen = []

    def eager_style(a, b):
        seen.append(type(a).__name__)
        return a.numpy() + b.numpy().sum()  # TF2-style code calls .numpy()

    summed = tf.py_function(eager_style, [x, tf.constant([10.0, 20.0])], tf.float32)
    np.testing.assert_array_equal(run([doubled, summed]), [[2.0, 8.0], [31.0, 34.0]])
    assert seen and hasattr(np.ndarray, "numpy") is False


def test_switch_case_runs_only_the_chosen_branch():
    i = tf.placeholder(tf.int32, [])
    counter = tf.Variable(0)

    def branch(k):
        return lambda: tf.identity(tf.constant(k * 10)) + 0 * tf.assign_add(counter, 1)

    out = tf.switch_case(i, [branch(0), branch(1), branch(2)], default=lambda: tf.constant(-1))
    keyed = tf.switch_case(i, {3: lambda: tf.constant(33), 7: lambda: tf.constant(77)})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert [sess.run(out, {i: k}) for k in (0, 2, 5, -1)] == [0, 20, -1, -1]
        assert sess.run(counter) == 2  # the default runs no branch's ops
        assert [sess.run(keyed, {i: k}) for k in (3, 7, 4)] == [33, 77, 77]  # last is default
    with pytest.raises(TypeError, match="int32"):
        tf.switch_case(tf.constant(1.0), [lambda: 1])
    with pytest.raises(ValueError, match="at least one"):
        tf.switch_case(i, [])


def test_vectorized_map_matches_a_numpy_loop():
    rng = np.random.RandomState(0)
    a, b = rng.randn(4, 3, 2).astype(np.float32), rng.randn(4, 2).astype(np.float32)
    out = tf.vectorized_map(lambda ab: (tf.matmul(ab[0], tf.expand_dims(ab[1], 1)),
                                        tf.reduce_sum(ab[1])), (a, b))
    prods, sums = run(out)
    np.testing.assert_allclose(prods, np.stack([a[k] @ b[k][:, None] for k in range(4)]), rtol=1e-5)
    np.testing.assert_allclose(sums, b.sum(1), rtol=1e-5)


def test_verify_tensor_all_finite():
    x = tf.placeholder(tf.float32, [2])
    checked = tf.verify_tensor_all_finite(x, "x went bad")
    np.testing.assert_array_equal(run(checked, {x: [1.0, 2.0]}), [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="x went bad"):
        run(checked, {x: [1.0, np.nan]})


def test_unconnected_gradients():
    x, y = tf.constant(1.0), tf.constant([2.0, 3.0])
    z = x * 3.0
    assert tf.gradients(z, y) == [None]
    assert tf.UnconnectedGradients.NONE == "none" and tf.UnconnectedGradients.ZERO == "zero"
    g = tf.gradients(z, [x, y], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    gx, gy = run(g)
    assert gx == 3.0 and gy.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tf.gradients(z, y, unconnected_gradients="sometimes")


def test_tensor_protos_and_indexed_slices_conversion():
    proto = tf.make_tensor_proto([[1.5, 2.0]])
    assert proto.dtype == 1 and [d.size for d in proto.tensor_shape.dim] == [1, 2]
    np.testing.assert_array_equal(tf.make_ndarray(proto), np.float32([[1.5, 2.0]]))
    # TF1: fewer values than the shape are padded with the last one; a scalar fills it.
    np.testing.assert_array_equal(tf.make_ndarray(tf.make_tensor_proto([1, 2], shape=[4])),
                                  [1, 2, 2, 2])
    np.testing.assert_array_equal(tf.make_ndarray(tf.make_tensor_proto(7, shape=[2, 2])),
                                  [[7, 7], [7, 7]])
    assert tf.make_ndarray(tf.make_tensor_proto(3)).dtype == np.int32
    with pytest.raises(ValueError, match="Too many elements"):
        tf.make_tensor_proto([1, 2, 3], shape=[2])
    with pytest.raises(TypeError, match="Expected Tensor's shape"):
        tf.make_tensor_proto([1, 2], shape=[2, 2], verify_shape=True)
    strings = tf.make_tensor_proto(["ab", b"c"])
    assert list(tf.make_ndarray(strings)) == [b"ab", b"c"]
    assert run(tf.constant(tf.make_ndarray(proto))).tolist() == [[1.5, 2.0]]
    slices = tf.IndexedSlices(tf.constant([[1.0]]), tf.constant([0]), tf.constant([2, 1]))
    assert tf.convert_to_tensor_or_indexed_slices(slices) is slices
    t = tf.convert_to_tensor_or_indexed_slices([1.0, 2.0])
    assert isinstance(t, tf.Tensor) and t.dtype == tf.float32


class Celsius:
    def __init__(self, degrees):
        self.degrees = degrees


def test_register_tensor_conversion_function():
    def to_tensor(value, dtype=None, name=None, as_ref=False):
        return tf.constant(value.degrees, dtype=dtype or tf.float32, name=name)

    tf.register_tensor_conversion_function(Celsius, to_tensor)
    assert run(tf.add(Celsius(20.0), 1.5)) == 21.5
    assert tf.convert_to_tensor(Celsius(3), dtype=tf.float64).dtype == tf.float64
    with pytest.raises(TypeError, match="NumPy"):
        tf.register_tensor_conversion_function(np.ndarray, to_tensor)

    class Broken:
        pass

    tf.register_tensor_conversion_function(Broken, lambda v, dtype=None, name=None, as_ref=False:
                                           tf.constant(1, tf.int32))
    with pytest.raises(RuntimeError, match="incompatible dtype"):
        tf.convert_to_tensor(Broken(), dtype=tf.float32)


def test_nest_follows_tf():
    structure = {"b": [1, (2, 3)], "a": 4}
    assert tf.nest.flatten(structure) == [4, 1, 2, 3]  # dict keys sorted
    assert tf.nest.flatten(5) == [5]
    assert tf.nest.pack_sequence_as(structure, ["A", "B", "C", "D"]) == {"b": ["B", ("C", "D")],
                                                                         "a": "A"}
    assert tf.nest.map_structure(lambda x, y: x + y, [1, (2,)], [10, (20,)]) == [11, (22,)]
    assert tf.nest.is_nested([1]) and not tf.nest.is_nested("text")
    with pytest.raises(TypeError, match="same sequence type"):
        tf.nest.assert_same_structure([1, 2], (1, 2))
    tf.nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    with pytest.raises(ValueError):
        tf.nest.assert_same_structure([1, 2], [1])
    with pytest.raises(ValueError):
        tf.nest.pack_sequence_as([1, 2], [1])


def test_compat_config_version_and_resource_loader(tmp_path):
    import tensorflux.compat.v1 as tf_v1
    assert tf_v1 is tf and tf.compat.v1 is tf
    assert tf.compat.as_bytes("é") == "é".encode() and tf.compat.as_text(b"x") == "x"
    assert tf.compat.as_str(b"y") == "y" and tf.compat.as_str_any(3) == "3"
    assert tf.compat.path_to_str(tmp_path) == str(tmp_path)
    with pytest.raises(TypeError):
        tf.compat.as_bytes(3)
    assert isinstance(np.int64(3), tf.compat.integral_types)
    assert tf.compat.dimension_value(tf.Dimension(4)) == 4
    cpus = tf.config.list_physical_devices("CPU")
    assert cpus == [tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU")]
    assert tf.config.list_logical_devices("CPU")[0].name == "/device:CPU:0"
    assert tf.config.experimental.list_physical_devices() == tf.config.list_physical_devices()
    assert tf.config.get_visible_devices("CPU") == cpus
    assert bool(tf.config.list_physical_devices("GPU")) == tf.test.is_gpu_available()
    assert tf.version.VERSION == tf.VERSION and tf.version.GRAPH_DEF_VERSION == tf.GRAPH_DEF_VERSION
    here = os.path.dirname(os.path.abspath(__file__))
    assert tf.resource_loader.get_data_files_path() == here
    assert tf.resource_loader.get_path_to_datafile("data/x") == os.path.join(here, "data/x")
    assert tf.resource_loader.readahead_file_path("/some/file") == "/some/file"
    assert tf.resource_loader.load_resource("__init__.py").startswith(b'"""tensorflux')
