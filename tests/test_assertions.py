"""tf.Assert, tf.Print, tf.print and the tf.assert_* family against TF1's documented
messages and formats."""
import sys

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.backends.logging_kernels import summarize_value


def run(fetch, feed=None):
    with tf.Session() as sess:
        return sess.run(fetch, feed)


def failure(fetch, feed=None):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        run(fetch, feed)
    return str(info.value)


# --- TF's text form of a tensor ------------------------------------------------------------
@pytest.mark.parametrize("value, n, text", [
    (np.array([1, 2, 3], np.int32), 3, "1 2 3"),
    (np.array([1, 2, 3, 4], np.int32), 3, "1 2 3..."),
    (np.array([[1, 2], [3, 4]], np.int64), 4, "[1 2][3 4]"),
    (np.array([[1, 2], [3, 4]], np.int64), -1, "[1 2][3 4]"),
    (np.float32(0.1), 3, "0.1"),
    (np.array([1.5, 2.0, 1e-7], np.float32), 3, "1.5 2 1e-07"),
    (np.array([1 / 3], np.float64), 3, "0.33333333333333331"),
    (np.array([True, False]), 3, "1 0"),
    (np.array([b"a\nb", b"c"], object), 3, "a\\nb c"),
])
def test_tf1_summaries(value, n, text):
    assert summarize_value(value, n) == text


@pytest.mark.parametrize("value, n, text", [
    (np.arange(10), 3, "[0 1 2 ... 7 8 9]"),
    (np.arange(4).reshape(2, 2), 3, "[[0 1]\n [2 3]]"),
    (np.arange(8).reshape(2, 2, 2), 3, "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]"),
    (np.arange(10), -1, "[0 1 2 3 4 5 6 7 8 9]"),
    (np.array([b"a", b"b"], object), 3, '["a" "b"]'),
    (np.float32(2.5), 3, "2.5"),
])
def test_tf2_summaries(value, n, text):
    assert summarize_value(value, n, print_v2=True) == text


# --- tf.Assert -------------------------------------------------------------------------------
def test_assert_passes_and_fails_with_tf1_message():
    x = tf.placeholder(tf.int32, [None])
    check = tf.Assert(tf.reduce_all(x > 0), ["x has a non-positive entry:", x])
    assert isinstance(check, tf.Operation) and check.type == "Assert"
    assert check.name == "Assert/Assert" and check.outputs == []
    assert run(check, {x: [1, 2]}) is None
    message = failure(check, {x: [1, -2, 3, 4]})
    assert message.startswith("assertion failed: [x has a non-positive entry:] [1 -2 3...]")
    assert "Assert/Assert" in message and "test_assertions.py" in message


def test_assert_summarize_and_condition_checks():
    x = tf.constant(np.arange(6).reshape(2, 3))
    assert "[[0 1 2][3 4 5]]" in failure(tf.Assert(False, [x], summarize=-1))
    assert "[[0 1 2][3...]...]" in failure(tf.Assert(False, [x], summarize=4))
    assert "In[0] should be a scalar" in failure(tf.Assert(tf.constant([True, True]), [x]))
    with pytest.raises(TypeError, match="bool"):
        tf.Assert(tf.constant(1), [x])


def test_assert_inside_control_dependencies_guards_the_result():
    x = tf.placeholder(tf.float32, [None])
    with tf.control_dependencies([tf.assert_non_negative(x)]):
        y = tf.sqrt(x)
    np.testing.assert_allclose(run(y, {x: [4.0, 9.0]}), [2.0, 3.0])
    assert "Condition x >= 0 did not hold element-wise:" in failure(y, {x: [4.0, -1.0]})


def test_failing_assert_stops_the_run_before_its_dependents():
    v = tf.Variable(0.0)
    x = tf.placeholder(tf.float32, [])
    with tf.control_dependencies([tf.assert_less(x, 10.0)]):
        update = v.assign_add(x)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(update, {x: 3.0})
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(update, {x: 30.0})
        assert sess.run(v) == 3.0


# --- the assert_* family -----------------------------------------------------------------------
BINARY = [
    (tf.assert_equal, "==", np.equal), (tf.assert_none_equal, "!=", np.not_equal),
    (tf.assert_less, "<", np.less), (tf.assert_less_equal, "<=", np.less_equal),
    (tf.assert_greater, ">", np.greater), (tf.assert_greater_equal, ">=", np.greater_equal),
]


@pytest.mark.parametrize("fn, sym, ref", BINARY, ids=[b[1] for b in BINARY])
def test_binary_asserts_at_run_time(fn, sym, ref):
    x = tf.placeholder(tf.int32, [None], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    check = fn(x, y, message="custom")
    for a, b in ([1, 2, 3], [1, 2, 3]), ([1, 2, 3], [2, 3, 4]), ([3, 4, 5], [1, 2, 3]):
        if np.all(ref(a, b)):
            run(check, {x: a, y: b})
        else:
            message = failure(check, {x: a, y: b})
            assert message.startswith(
                f"assertion failed: [custom] [Condition x {sym} y did not hold element-wise:] "
                f"[x (x:0) = ] [{' '.join(map(str, a))}] [y (y:0) = ] [{' '.join(map(str, b))}]")


@pytest.mark.parametrize("fn, sym, ref", BINARY, ids=[b[1] for b in BINARY])
def test_binary_asserts_check_constants_while_building(fn, sym, ref):
    a, b = np.array([1, 2]), np.array([2, 2])
    if np.all(ref(a, b)):
        assert fn(a, b).type == "Assert"
        return
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(a, b)
    op = fn.__name__
    assert str(info.value) == (f"Condition x {sym} y did not hold element-wise:\n"
                               f"x ({op}/x:0) = \n[1 2]\ny ({op}/y:0) = \n[2 2]")


@pytest.mark.parametrize("fn, sym, good, bad", [
    (tf.assert_positive, ">", [1, 2], [1, 0]),
    (tf.assert_negative, "<", [-1, -2], [-1, 0]),
    (tf.assert_non_negative, ">=", [0, 2], [0, -1]),
    (tf.assert_non_positive, "<=", [0, -2], [0, 1]),
])
def test_sign_asserts(fn, sym, good, bad):
    x = tf.placeholder(tf.float32, [None], name="v")
    check = fn(x, message="m")
    run(check, {x: good})
    message = failure(check, {x: bad})
    shown = " ".join("%g" % v for v in bad)
    assert message.startswith(f"assertion failed: [m.  ] [Condition x {sym} 0 did not hold "
                              f"element-wise:] [x (v:0) = ] [{shown}]")
    with pytest.raises(tf.errors.InvalidArgumentError):
        fn(np.array(bad, np.float32))


def test_assert_near_uses_tf1_tolerances():
    x = tf.placeholder(tf.float64, [2])
    check = tf.assert_near(x, np.array([1.0, 2.0]), rtol=1e-3, atol=1e-6)
    run(check, {x: [1.0005, 2.001]})          # |x - y| < 1e-6 + 1e-3 |y|
    assert "x and y not equal to tolerance" in failure(check, {x: [1.0, 2.003]})
    default = tf.assert_near(x, np.array([1.0, 2.0]))   # 10 eps of float64
    run(default, {x: [1.0, 2.0 + 4e-15]})
    failure(default, {x: [1.0, 2.0 + 1e-13]})


def test_assert_rank_family_static_and_dynamic():
    with pytest.raises(ValueError, match=r"^m\.  Tensor zeros:0 must have rank 2\.  Received "
                                         r"rank 1, shape \(3,\)$"):
        tf.assert_rank(tf.zeros([3]), 2, message="m")
    assert tf.assert_rank(tf.zeros([3]), 1).type == "NoOp"
    with pytest.raises(ValueError, match="must have rank at least 2"):
        tf.assert_rank_at_least(tf.zeros([3]), 2)
    assert tf.assert_rank_at_least(tf.zeros([3, 1]), 2).type == "NoOp"
    with pytest.raises(ValueError, match=r"must have rank in \(0, 2\)"):
        tf.assert_rank_in(tf.zeros([3]), [0, 2])
    assert tf.assert_rank_in(tf.zeros([3]), [1, 2]).type == "NoOp"
    with pytest.raises(ValueError, match="Rank must be a scalar"):
        tf.assert_rank(tf.zeros([3]), [1])

    x = tf.placeholder(tf.float32)               # unknown rank: checked when run
    checks = [tf.assert_rank(x, 2), tf.assert_rank_at_least(x, 1), tf.assert_rank_in(x, [2, 3])]
    run(checks, {x: np.zeros((2, 2))})
    message = failure(checks[0], {x: np.zeros(3)})
    assert "[Tensor Placeholder:0 must have rank] [2] [Received shape: ] [3]" in message
    failure(checks[1], {x: np.float32(1)})
    failure(checks[2], {x: np.zeros(3)})


def test_static_type_asserts():
    assert tf.assert_type(tf.constant(1), tf.int32).type == "NoOp"
    with pytest.raises(TypeError, match=r"must be of type tf.int64; got tf.int32"):
        tf.assert_type(tf.constant(1), tf.int64)
    assert tf.assert_integer(tf.constant([1, 2])).type == "NoOp"
    with pytest.raises(TypeError, match=r'Expected "x" to be integer type.  Found: Const_\d+:0 of dtype'):
        tf.assert_integer(tf.constant(1.0))
    scalar = tf.constant(2.0)
    assert tf.assert_scalar(scalar) is scalar
    with pytest.raises(ValueError, match=r"Expected scalar shape for Const_\d+:0, saw shape: \(2,\)"):
        tf.assert_scalar(tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="Expected scalar shape"):
        tf.assert_scalar(tf.placeholder(tf.float32))


def test_iterable_and_float_dtype_checks():
    tf.assert_proper_iterable([1, 2])
    tf.assert_proper_iterable((x for x in range(2)))
    for bad in (tf.constant([1]), np.zeros(2), "ab", b"ab"):
        with pytest.raises(TypeError, match='"proper" iterable'):
            tf.assert_proper_iterable(bad)
    with pytest.raises(TypeError, match="to be iterable"):
        tf.assert_proper_iterable(3)
    a, b = tf.constant(1.0), tf.constant(2.0, tf.float64)
    assert tf.assert_same_float_dtype([a, tf.constant(3.0)]) == tf.float32
    assert tf.assert_same_float_dtype(None, tf.float64) == tf.float64
    assert tf.assert_same_float_dtype() == tf.float32
    with pytest.raises(ValueError, match="must be of the same type"):
        tf.assert_same_float_dtype([a, b])
    with pytest.raises(ValueError, match="Expected floating point type"):
        tf.assert_same_float_dtype([tf.constant(1)])


def test_predicates():
    assert tf.is_numeric_tensor(tf.constant([1.0]))
    assert not tf.is_numeric_tensor(tf.constant([True]))
    assert not tf.is_numeric_tensor(np.array([1.0]))
    x = tf.placeholder(tf.float32)
    inc, strict = tf.is_non_decreasing(x), tf.is_strictly_increasing(x)
    for value in ([], [1.0], [1.0, 1.0, 2.0], [1.0, 2.0, 3.0], [[1.0, 2.0], [2.0, 0.5]]):
        d = np.diff(np.ravel(value))
        assert run([inc, strict], {x: value}) == [bool(np.all(d >= 0)), bool(np.all(d > 0))]
    with pytest.raises(TypeError, match="numeric"):
        tf.is_non_decreasing(tf.constant([True]))


def test_debugging_namespace_aliases():
    assert tf.debugging.assert_equal is tf.assert_equal
    assert tf.debugging.assert_none_equal is tf.assert_none_equal
    assert tf.debugging.assert_less is tf.assert_less
    assert tf.debugging.assert_less_equal is tf.assert_less_equal
    assert tf.debugging.assert_greater is tf.assert_greater
    assert tf.debugging.assert_greater_equal is tf.assert_greater_equal
    assert tf.debugging.assert_positive is tf.assert_positive
    assert tf.debugging.assert_negative is tf.assert_negative
    assert tf.debugging.assert_non_negative is tf.assert_non_negative
    assert tf.debugging.assert_non_positive is tf.assert_non_positive
    assert tf.debugging.assert_near is tf.assert_near
    assert tf.debugging.assert_rank is tf.assert_rank
    assert tf.debugging.assert_rank_at_least is tf.assert_rank_at_least
    assert tf.debugging.assert_rank_in is tf.assert_rank_in
    assert tf.debugging.assert_type is tf.assert_type
    assert tf.debugging.assert_integer is tf.assert_integer
    assert tf.debugging.assert_scalar is tf.assert_scalar
    assert tf.debugging.assert_proper_iterable is tf.assert_proper_iterable
    assert tf.debugging.assert_same_float_dtype is tf.assert_same_float_dtype
    assert tf.debugging.is_numeric_tensor is tf.is_numeric_tensor
    assert tf.debugging.is_non_decreasing is tf.is_non_decreasing
    assert tf.debugging.is_strictly_increasing is tf.is_strictly_increasing
    assert tf.debugging.Assert is tf.Assert
    assert tf.debugging.is_finite is tf.is_finite
    assert tf.debugging.is_nan is tf.is_nan


# --- printing --------------------------------------------------------------------------------
def test_tf_Print_is_an_identity_that_prints_tf1_format(capsys):
    x = tf.placeholder(tf.float32, [None])
    y = tf.Print(x, [x, tf.shape(x), "done"], message="x: ", first_n=2) * 2.0
    with tf.Session() as sess:      # first_n counts per session, as TF's kernels do
        for fetch in (y, y, [y, x], y):
            sess.run(fetch, {x: [0.5, 1.0, 2.0, 3.0]})
        np.testing.assert_allclose(sess.run(y, {x: [0.5, 1.0, 2.0, 3.0]}), [1, 2, 4, 6])
    assert capsys.readouterr().err.splitlines() == ["x: [0.5 1 2...][4][done]"] * 2
    run(y, {x: [1.0]})
    assert capsys.readouterr().err == "x: [1][1][done]\n"


def test_tf_Print_passes_gradients_to_its_input():
    x = tf.constant([1.0, 2.0])
    y = tf.reduce_sum(tf.Print(x, [x]) ** 2)
    np.testing.assert_allclose(run(tf.gradients(y, x)[0]), [2.0, 4.0])


def test_tf_print_tf2_format_and_streams(capsys, tmp_path):
    x = tf.range(10)
    out = tf.print("x =", x, {"b": 2, "a": x}, [x, "s"], output_stream=sys.stdout)
    assert isinstance(out, tf.Operation)
    run(out)
    assert capsys.readouterr().out == (
        "x = [0 1 2 ... 7 8 9] {'a': [0 1 2 ... 7 8 9], 'b': 2} [[0 1 2 ... 7 8 9], 's']\n")
    run(tf.print(tf.reshape(tf.range(4), [2, 2]), summarize=-1, sep=",", end="!"))
    assert capsys.readouterr().err == "[[0 1]\n [2 3]]!"
    run(tf.print(tf.constant("plain text")))
    assert capsys.readouterr().err == "plain text\n"
    path = tmp_path / "log.txt"
    run(tf.print("a", tf.constant([1.5, 2.0]), output_stream=f"file://{path}"))
    assert path.read_text() == "a [1.5 2]\n"
    with pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print("a", output_stream=42)


def test_tf_print_to_tf_logging(caplog):
    import logging
    logger = logging.getLogger("tensorflux")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="tensorflux"):
            run(tf.print("step", tf.constant(3), output_stream=tf.logging.info))
    finally:
        logger.removeHandler(caplog.handler)
    assert "step 3" in caplog.text


def test_tf_print_runs_through_control_dependencies(capsys):
    x = tf.placeholder(tf.int32, [])
    with tf.control_dependencies([tf.print("got", x, output_stream=sys.stdout)]):
        y = x + 1
    assert run(y, {x: 41}) == 42
    assert capsys.readouterr().out == "got 41\n"
