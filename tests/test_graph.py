import threading

import pytest

import tensorflux as tf


def test_ops_go_to_the_default_graph_and_graphs_are_independent():
    x1 = tf.Variable(1)
    assert x1.graph is tf.get_default_graph()
    graph = tf.Graph()
    with graph.as_default():
        x2 = tf.Variable(2)
        assert tf.get_default_graph() is graph
    assert x2.graph is graph
    assert x2.graph is not tf.get_default_graph()


def test_reset_default_graph_gives_a_new_graph_and_refuses_inside_nesting():
    g = tf.get_default_graph()
    tf.constant(1)
    tf.reset_default_graph()
    assert tf.get_default_graph() is not g
    assert tf.get_default_graph().get_operations() == []
    with tf.Graph().as_default():
        with pytest.raises(AssertionError, match="nested graphs"):
            tf.reset_default_graph()


def test_default_graph_stack_is_per_thread():
    graph = tf.Graph()
    seen = {}

    def worker():
        seen["thread"] = tf.get_default_graph()

    with graph.as_default():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["thread"] is not graph


def test_unique_names_are_case_insensitive_and_skip_taken_suffixes():
    a = tf.constant(1, name="add")
    b = tf.constant(1, name="Add")
    c = tf.constant(1, name="add_1")
    d = tf.constant(1, name="add")
    assert [t.op.name for t in (a, b, c, d)] == ["add", "Add_1", "add_1_1", "add_2"]


def test_operator_names_follow_tf1():
    x = tf.constant(1.0)
    assert (x + x).op.name == "add"
    assert (x + x).op.name == "add_1"
    assert (x - x).op.name == "sub"
    assert (x * x).op.name == "mul"
    assert (x / x).op.name == "truediv"
    assert (-x).op.name == "Neg"
    assert tf.add(x, x).op.name == "Add_2"  # names compare case-insensitively


def test_name_scopes_nest_are_made_unique_and_reenter_with_slash():
    with tf.name_scope("loss") as scope:
        assert scope == "loss/"
        a = tf.constant(1, name="a")
        with tf.name_scope("inner"):
            b = tf.constant(1, name="b")
    with tf.name_scope("loss") as scope2:
        c = tf.constant(1, name="a")
    with tf.name_scope("loss/"):
        d = tf.constant(1, name="a")
    with tf.name_scope("loss"):
        with tf.name_scope(None):
            e = tf.constant(1, name="root")
    assert scope2 == "loss_1/"
    assert [t.op.name for t in (a, b, c, d, e)] == [
        "loss/a", "loss/inner/b", "loss_1/a", "loss/a_1", "root"]


def test_invalid_names_are_rejected():
    with pytest.raises(ValueError, match="not a valid"):
        tf.constant(1, name="bad name")
    with pytest.raises(ValueError, match="not a valid scope name"):
        with tf.name_scope("bad name"):
            pass


def test_lookup_by_name_and_its_errors():
    c = tf.constant([1, 2], name="c")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("c:0") is c
    assert g.get_operation_by_name("c") is c.op
    assert g.get_operations() == [c.op]
    with pytest.raises(ValueError, match="refers to an Operation, not a Tensor"):
        g.get_tensor_by_name("c")
    with pytest.raises(KeyError, match="does not exist"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError, match="has 1 outputs"):
        g.get_tensor_by_name("c:3")
    with pytest.raises(KeyError, match="not in the graph"):
        g.get_operation_by_name("nope")


def test_finalize_forbids_new_ops():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1)
        g.finalize()
        assert g.finalized
        with pytest.raises(RuntimeError, match="finalized"):
            tf.constant(2)


def test_collections():
    tf.add_to_collection("stuff", 1)
    tf.add_to_collections(["stuff", "other"], 2)
    assert tf.get_collection("stuff") == [1, 2]
    ref = tf.get_collection_ref("stuff")
    ref.append(3)
    assert tf.get_collection("stuff") == [1, 2, 3]
    assert tf.get_collection("missing") == []
    with tf.name_scope("a"):
        va = tf.Variable(1, name="v")
    vb = tf.Variable(1, name="v")
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="a") == [va]
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == [va, vb]


def test_operation_fields_and_user_location():
    a = tf.constant(2.0, name="a")
    b = tf.constant(3.0, name="b")
    c = tf.multiply(a, b, name="c")  # this line is recorded
    op = c.op
    assert op.type == "Mul"
    assert list(op.inputs) == [a, b]
    assert op.outputs == [c]
    assert op.graph is tf.get_default_graph()
    assert op.location.filename == __file__
    assert "c = tf.multiply" in open(__file__).read().splitlines()[op.location.lineno - 1]
    assert c.value_index == 0 and c.name == "c:0"
    assert a.consumers() == [op]


def test_control_dependencies_group_no_op_and_identity():
    a = tf.constant(1, name="a")
    b = tf.constant(2, name="b")
    with tf.control_dependencies([a, b.op]):
        c = tf.identity(a, name="c")
        with tf.control_dependencies(None):
            d = tf.constant(3, name="d")
    assert c.op.control_inputs == [a.op, b.op]
    assert d.op.control_inputs == []
    g = tf.group(a, b, name="both")
    assert g.type == "NoOp" and g.control_inputs == [a.op, b.op]
    assert tf.no_op(name="nothing").outputs == []


def test_device_scopes_are_recorded_canonically():
    with tf.device("/cpu:0"):
        a = tf.constant(1)
        with tf.device("/gpu:1"):
            b = tf.constant(1)
        with tf.device(None):
            c = tf.constant(1)
    with tf.device(lambda op: "/device:CPU:0" if op.type == "Const" else ""):
        d = tf.constant(1)
    assert a.device == "/device:CPU:0"
    assert b.device == "/device:GPU:1"
    assert c.device == ""
    assert d.device == "/device:CPU:0"


def test_mixing_graphs_is_an_error():
    a = tf.constant(1)
    with tf.Graph().as_default():
        b = tf.constant(1)
    with pytest.raises(ValueError, match="same graph"):
        tf.get_default_graph().create_op("Add", [a, b])
