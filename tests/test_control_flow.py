"""tf.cond, tf.case, tf.while_loop and their gradients, against NumPy and TF1's rules."""
import collections
import os

import numpy as np
import pytest

import tensorflux as tf


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar function ``f`` at ``x`` (float64)."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        g[idx] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def counter():
    """A py_func op that counts its runs: tells which ops really ran."""
    calls = []

    def record(x):
        calls.append(1)
        return x
    return calls, lambda t: tf.py_func(record, [t], t.dtype)


# --- cond ------------------------------------------------------------------------------
def test_cond_runs_only_the_taken_branch():
    calls_true, mark_true = counter()
    calls_false, mark_false = counter()
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(3.0)
    y = tf.cond(p, lambda: mark_true(x * 2.0), lambda: mark_false(x - 1.0))
    with tf.Session() as sess:
        assert sess.run(y, {p: True}) == 6.0
        assert sess.run(y, {p: False}) == 2.0
        assert sess.run(y, {p: True}) == 6.0
    assert (len(calls_true), len(calls_false)) == (2, 1)


def test_ops_created_outside_the_branch_functions_always_run():
    """TF1's well-known gotcha: an op built before tf.cond runs whatever the predicate."""
    v = tf.Variable(0)
    p = tf.placeholder(tf.bool, [])
    increment = tf.assign_add(v, 1)  # outside the branches
    y = tf.cond(p, lambda: increment, lambda: tf.constant(-1))
    inside = tf.cond(p, lambda: tf.assign_add(v, 100), lambda: tf.constant(-1))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {p: False}) == -1
        assert sess.run(v) == 1  # incremented although the false branch was taken
        sess.run(inside, {p: False})
        assert sess.run(v) == 1  # created inside true_fn: did not run
        sess.run(inside, {p: True})
        assert sess.run(v) == 101


def test_cond_structures_strict_and_old_keywords():
    p = tf.placeholder(tf.bool, [])
    Pair = collections.namedtuple("Pair", "a b")
    pair = tf.cond(p, lambda: Pair(tf.constant(1), tf.constant(2.0)),
                   lambda: Pair(tf.constant(3), tf.constant(4.0)))
    d = tf.cond(p, lambda: {"x": tf.constant(1.0), "y": [tf.constant(2)]},
                lambda: {"x": tf.constant(5.0), "y": [tf.constant(6)]})
    single = tf.cond(p, lambda: [tf.constant(7)], lambda: [tf.constant(8)])
    kept = tf.cond(p, lambda: [tf.constant(7)], lambda: [tf.constant(8)], strict=True)
    old = tf.cond(p, fn1=lambda: tf.constant(1), fn2=lambda: tf.constant(2))
    outer = tf.constant(10.0)
    passthrough = tf.cond(p, lambda: outer, lambda: outer * 2.0)
    assert isinstance(pair, Pair) and isinstance(single, tf.Tensor) and isinstance(kept, list)
    with tf.Session() as sess:
        got = sess.run([pair, d, single, kept, old, passthrough], {p: False})
    assert got[0] == Pair(3, 4.0) and got[1] == {"x": 5.0, "y": [6]}
    assert got[2:] == [8, [8], 2, 20.0]


def test_cond_branches_returning_operations():
    v = tf.Variable(0)
    p = tf.placeholder(tf.bool, [])
    op = tf.cond(p, lambda: tf.assign(v, 5).op, lambda: tf.no_op())
    assert isinstance(op, tf.Operation)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(op, {p: False})
        assert sess.run(v) == 0
        sess.run(op, {p: True})
        assert sess.run(v) == 5


def test_cond_output_shapes_merge_and_nested_conds():
    p = tf.placeholder(tf.bool, [])
    q = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.zeros([2, 3]), lambda: tf.ones([4, 3]))
    assert y.shape.as_list() == [None, 3]
    z = tf.cond(p, lambda: tf.cond(q, lambda: 1, lambda: 2), lambda: 3)
    with tf.Session() as sess:
        assert sess.run(y, {p: False}).shape == (4, 3)
        assert [sess.run(z, {p: a, q: b}) for a, b in [(1, 1), (1, 0), (0, 1)]] == [1, 2, 3]


def test_cond_gradients_match_numpy():
    x = tf.placeholder(tf.float64, [3])
    w = tf.placeholder(tf.float64, [3])
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.sin(x) * w, lambda: x * x + tf.exp(w))
    loss = tf.reduce_sum(y * y)
    gx, gw = tf.gradients(loss, [x, w])
    rng = np.random.default_rng(0)
    xv, wv = rng.normal(size=3), rng.normal(size=3)
    for take in (True, False):
        def f(a, b):
            out = np.sin(a) * b if take else a * a + np.exp(b)
            return (out * out).sum()
        with tf.Session() as sess:
            gxv, gwv = sess.run([gx, gw], {x: xv, w: wv, p: take})
        np.testing.assert_allclose(gxv, numeric_grad(lambda a: f(a, wv), xv), rtol=1e-6)
        np.testing.assert_allclose(gwv, numeric_grad(lambda b: f(xv, b), wv), rtol=1e-6)


def test_dropout_in_a_branch_uses_one_mask_forward_and_backward():
    """The gradient reads the forward branch's values: random ops are not rerun."""
    x = tf.constant(np.ones(200))
    training = tf.placeholder(tf.bool, [])
    y = tf.cond(training, lambda: tf.nn.dropout(x, keep_prob=0.5), lambda: x)
    g = tf.gradients(tf.reduce_sum(y * 3.0), x)[0]
    with tf.Session() as sess:
        yv, gv = sess.run([y, g], {training: True})
    np.testing.assert_allclose(gv, 3.0 * yv)  # mask * 2 * 3
    assert 0 < (yv == 0).sum() < 200


@pytest.mark.parametrize("bad, error, words", [
    (lambda p: tf.cond(True, lambda: 1, lambda: 2), TypeError, "Python bool"),
    (lambda p: tf.cond(tf.constant(1.0), lambda: 1, lambda: 2), TypeError, "boolean"),
    (lambda p: tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2), ValueError, "scalar"),
    (lambda p: tf.cond(p, lambda: 1, lambda: 2.0), ValueError, "same type"),
    (lambda p: tf.cond(p, lambda: (1, 2), lambda: 1), ValueError, "structure"),
    (lambda p: tf.cond(p, 1, lambda: 2), TypeError, "callable"),
    (lambda p: tf.cond(p, lambda: 1, lambda: 2, fn1=lambda: 3), TypeError, "simultaneously"),
])
def test_cond_bad_input_raises_at_build_time(bad, error, words):
    p = tf.placeholder(tf.bool, [])
    with pytest.raises(error, match=words):
        bad(p)


def test_cond_non_scalar_predicate_fed_at_run_time():
    p = tf.placeholder(tf.bool)
    y = tf.cond(p, lambda: 1, lambda: 2)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        sess.run(y, {p: [True, False]})


def test_branch_tensors_cannot_be_used_outside():
    leaked = []

    def branch():
        leaked.append(tf.constant(1.0) * 2.0)
        return leaked[0]

    y = tf.cond(tf.placeholder(tf.bool, []), branch, lambda: 0.0)
    with pytest.raises(ValueError, match="cond branch"):
        tf.identity(leaked[0])
    with tf.Session() as sess, pytest.raises(ValueError, match="cannot be fetched"):
        sess.run(leaked[0])
    assert y.shape == tf.TensorShape([])


# --- while_loop ---------------------------------------------------------------------------
def test_while_loop_as_tf1_documents():
    i = tf.constant(0)
    r = tf.while_loop(lambda i: tf.less(i, 10), lambda i: tf.add(i, 1), [i])
    assert isinstance(r, tf.Tensor)
    same = tf.while_loop(lambda i: i < 10, lambda i: [i + 1], [i], return_same_structure=True)
    assert isinstance(same, list)
    with tf.Session() as sess:
        assert sess.run(r) == 10 and sess.run(same) == [10]


def test_while_loop_nested_structures():
    Pair = collections.namedtuple("Pair", "x y")
    ijk_0 = (tf.constant(0), Pair(tf.constant(1), tf.constant(2)))
    out = tf.while_loop(lambda i, p: i < 10, lambda i, p: (i + 1, Pair((p.x + p.y), (p.x - p.y))), ijk_0)
    d = tf.while_loop(lambda s: s["n"] < 5, lambda s: {"n": s["n"] + 1, "v": [s["v"][0] * 2.0]},
                      [{"n": tf.constant(0), "v": [tf.constant(1.0)]}])
    with tf.Session() as sess:
        i, p = sess.run(out)
        dv = sess.run(d)
    x, y = 1, 2
    for _ in range(10):
        x, y = x + y, x - y
    assert i == 10 and p == Pair(x, y)
    assert dv == [{"n": 5, "v": [32.0]}]  # the structure of loop_vars, as in TF1


def test_while_loop_reads_outer_tensors_and_variables_and_updates_variables():
    counter_var = tf.Variable(0)
    w = tf.Variable(2.0)
    outer = tf.placeholder(tf.float32, [])

    def body(i, acc):
        with tf.control_dependencies([tf.assign_add(counter_var, 1)]):
            return i + 1, acc * w + outer

    n, acc = tf.while_loop(lambda i, a: i < 4, body, [0, tf.constant(1.0)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(acc, {outer: 1.0}) == ((1 * 2 + 1) * 2 + 1) * 2 * 2 + 2 + 1
        assert sess.run(counter_var) == 4
        sess.run(acc, {outer: 0.0})
        assert sess.run(counter_var) == 8


def test_read_value_inside_a_loop_sees_updates_the_snapshot_does_not():
    v = tf.Variable(0.0)

    def body(i, fresh, stale):
        with tf.control_dependencies([tf.assign_add(v, 1.0)]):
            return i + 1, fresh + v.read_value(), stale + v

    _, fresh, stale = tf.while_loop(lambda i, f, s: i < 3, body, [0, 0.0, 0.0])
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run([fresh, stale]) == [1 + 2 + 3, 0.0]


def test_loops_inside_loops_and_conds_inside_loops():
    def outer(i, total):
        inner = tf.while_loop(lambda j, s: j < i, lambda j, s: (j + 1, s + j), [0, 0])[1]
        return i + 1, total + tf.cond(tf.equal(i % 2, 0), lambda: inner, lambda: -inner)

    _, total = tf.while_loop(lambda i, t: i < 6, outer, [0, 0])
    expected = sum((1 if i % 2 == 0 else -1) * sum(range(i)) for i in range(6))
    with tf.Session() as sess:
        assert sess.run(total) == expected


def test_maximum_iterations_stops_the_loop_as_tf1_does():
    m = tf.placeholder(tf.int32, [])
    r = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=m)
    x = tf.placeholder(tf.float64, [])
    p = tf.while_loop(lambda v: v < 1e9, lambda v: v * x, [tf.constant(1.0, tf.float64)],
                      maximum_iterations=3)
    g = tf.gradients(p, x)[0]
    with tf.Session() as sess:
        assert sess.run(r, {m: 7}) == 7
        assert sess.run(r, {m: 1000}) == 100
        assert sess.run([p, g], {x: 2.0}) == [8.0, 12.0]  # x**3, 3x**2
        with pytest.raises(tf.errors.InvalidArgumentError, match=">= 0"):
            sess.run(r, {m: -1})


def test_shape_invariants():
    x = tf.ones([2])
    with pytest.raises(ValueError, match="after one iteration.*shape_invariants"):
        tf.while_loop(lambda v: tf.size(v) < 10, lambda v: tf.concat([v, v], 0), [x])
    grown = tf.while_loop(lambda v: tf.size(v) < 10, lambda v: tf.concat([v, v], 0), [x],
                          shape_invariants=[tf.TensorShape([None])])
    assert grown.shape.as_list() == [None]
    with pytest.raises(ValueError, match="not compatible with the initial shape"):
        tf.while_loop(lambda v: True, lambda v: v, [x], shape_invariants=[tf.TensorShape([3])])
    with tf.Session() as sess:
        assert sess.run(grown).shape == (16,)


@pytest.mark.parametrize("build, error, words", [
    (lambda: tf.while_loop(lambda i: i < 3, lambda i: tf.cast(i, tf.float32), [0]), TypeError, "dtype"),
    (lambda: tf.while_loop(lambda i: i < 3, lambda i: [i, i], [0]), ValueError, "number of elements"),
    (lambda: tf.while_loop(lambda i: i, lambda i: i + 1, [0]), TypeError, "boolean"),
    (lambda: tf.while_loop(lambda i: [True, True], lambda i: i + 1, [0]), ValueError, "scalar"),
    (lambda: tf.while_loop(lambda: True, lambda: 1, []), ValueError, "No loop variables"),
    (lambda: tf.while_loop(1, lambda i: i, [0]), TypeError, "callable"),
])
def test_while_loop_bad_input(build, error, words):
    with pytest.raises(error, match=words):
        build()


def test_loop_tensors_cannot_be_used_outside():
    leaked = []

    def body(i):
        leaked.append(i * 2)
        return i + 1

    tf.while_loop(lambda i: i < 3, body, [0])
    with pytest.raises(ValueError, match="while loop"):
        tf.identity(leaked[0])


def test_errors_inside_a_body_name_the_op_line_and_iteration():
    x = tf.placeholder(tf.float32, [None])

    def body(i, v):
        halves = tf.reshape(v, [2, -1])  # fails once v has an odd size
        return i + 1, tf.concat([tf.reshape(halves, [-1]), [1.0]], 0)

    _, out = tf.while_loop(lambda i, v: i < 5, body, [0, x],
                           shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(out, {x: [1.0, 2.0]})
    message = str(info.value)
    assert "while/Reshape" in message and "iteration 1 of while loop 'while'" in message
    assert f"{os.path.basename(__file__)}\", line" in message and "in body" in message
    assert info.value.op.name == "while/Reshape"


def test_gradients_of_loops_match_numpy():
    """Gradients w.r.t. the initial values and w.r.t. tensors and variables the body
    reads, summed over iterations; nested loops and conds inside."""
    x = tf.placeholder(tf.float64, [3])
    w = tf.placeholder(tf.float64, [3])
    v = tf.Variable(np.array([0.5, -0.3, 0.8]))

    def outer_body(i, u):
        def inner_body(j, t):
            return j + 1, tf.cond(tf.reduce_sum(t) > 0, lambda: tf.sin(t) * w, lambda: t * t + v)
        _, u2 = tf.while_loop(lambda j, t: j < 2, inner_body, [0, u])
        return i + 1, u2 * 0.9 + tf.tanh(w)

    _, out = tf.while_loop(lambda i, u: i < 3, outer_body, [0, x])
    loss = tf.reduce_sum(out * out)
    gx, gw, gv = tf.gradients(loss, [x, w, v])

    def f(xv, wv, vv):
        u = xv.copy()
        for _ in range(3):
            t = u
            for _ in range(2):
                t = np.sin(t) * wv if t.sum() > 0 else t * t + vv
            u = t * 0.9 + np.tanh(wv)
        return (u * u).sum()

    rng = np.random.default_rng(3)
    with tf.Session() as sess:
        sess.run(v.initializer)
        vv = sess.run(v)
        for _ in range(3):
            xv, wv = rng.normal(size=3), rng.normal(size=3)
            got = sess.run([loss, gx, gw, gv], {x: xv, w: wv})
            assert got[0] == pytest.approx(f(xv, wv, vv))
            np.testing.assert_allclose(got[1], numeric_grad(lambda a: f(a, wv, vv), xv), rtol=1e-5, atol=1e-8)
            np.testing.assert_allclose(got[2], numeric_grad(lambda a: f(xv, a, vv), wv), rtol=1e-5, atol=1e-8)
            np.testing.assert_allclose(got[3], numeric_grad(lambda a: f(xv, wv, a), vv), rtol=1e-5, atol=1e-8)


def test_back_prop_false_stops_gradients():
    x = tf.constant(2.0)
    y = tf.while_loop(lambda v: v < 100.0, lambda v: v * x, [x], back_prop=False)
    assert tf.gradients(y, x) == [None]


def test_zero_iterations_and_a_loop_training_a_variable():
    w = tf.Variable(1.0)
    n = tf.placeholder(tf.int32, [])
    y = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * w), [0, tf.constant(3.0)])[1]
    train = tf.train.GradientDescentOptimizer(0.0005).minimize(tf.square(y - 24.0))
    with tf.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(tf.gradients(y, w)[0], {n: 0}) == 0.0
        for _ in range(300):
            sess.run(train, {n: 3})
        assert sess.run(w) == pytest.approx(2.0, abs=1e-3)  # 3 * w**3 == 24


def test_two_gradient_computations_of_one_loop():
    x = tf.placeholder(tf.float64, [])
    y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x), [0, tf.constant(1.0, tf.float64)])[1]
    g1 = tf.gradients(y, x)[0]
    g2 = tf.gradients(y * y, x)[0]
    with tf.Session() as sess:
        assert sess.run([g1, g2], {x: 2.0}) == [12.0, 6 * 2.0 ** 5]


def test_unused_loop_outputs_get_no_gradient_loop_work_but_their_influence_counts():
    """A loop variable whose output is unused gets no gradient of its own; it still
    carries one when it feeds a used variable (here ``a`` feeds ``b``), and a write-only
    TensorArray (dynamic_rnn's outputs when only the state is used) costs the gradient
    loop nothing: no zero reads, no sums with zeros."""
    x = tf.placeholder(tf.float64, [])
    _, a, b, ta = tf.while_loop(
        lambda i, a, b, ta: i < 3,
        lambda i, a, b, ta: (i + 1, a * x, b + tf.sin(a), ta.write(i, tf.exp(a))),
        [0, x, tf.constant(0.0, tf.float64), tf.TensorArray(tf.float64, 3)])
    gx = tf.gradients(b, x)[0]

    def f(xv):
        a, b = xv, 0.0
        for _ in range(3):
            a, b = a * xv, b + np.sin(a)
        return b

    with tf.Session() as sess:
        assert sess.run(gx, {x: 0.7}) == pytest.approx(numeric_grad(f, np.array(0.7)), rel=1e-6)
    grad_loop = [op for op in tf.get_default_graph().get_operations()
                 if op.type == "While" and op.name.startswith("gradients")]
    body = [o for o in tf.get_default_graph().get_operations()
            if o._context is grad_loop[0].attrs["body"]]
    assert not [o for o in body if o.type == "TensorArrayReadV3" or "Exp_grad" in o.name]


# --- case ---------------------------------------------------------------------------------
def test_case_picks_the_first_true_predicate_and_runs_only_its_function():
    calls, mark = counter()
    x = tf.placeholder(tf.int32, [])
    r = tf.case([(x < 0, lambda: tf.constant(-1)), (tf.equal(x, 0), lambda: mark(tf.constant(0))),
                 (x < 100, lambda: tf.constant(50))], default=lambda: tf.constant(1))
    with tf.Session() as sess:
        assert [sess.run(r, {x: v}) for v in (-3, 0, 4, 200)] == [-1, 0, 50, 1]
    assert len(calls) == 1


def test_case_without_default_and_exclusive_check_as_tf1():
    x = tf.placeholder(tf.int32, [])
    no_default = tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))])
    exclusive = tf.case([(x < 5, lambda: tf.constant(1)), (x < 10, lambda: tf.constant(2))],
                        exclusive=True, default=lambda: tf.constant(3))
    as_dict = tf.case({x < 0: lambda: tf.constant(-1), x > 5: lambda: tf.constant(5)},
                      exclusive=True, default=lambda: tf.constant(7))
    with tf.Session() as sess:
        assert [sess.run(no_default, {x: v}) for v in (-3, 2)] == [-1, 1]
        with pytest.raises(tf.errors.InvalidArgumentError, match="None of conditions evaluated as True"):
            sess.run(no_default, {x: 0})
        assert sess.run(exclusive, {x: 7}) == 2 and sess.run(exclusive, {x: 20}) == 3
        with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive=True: more than 1"):
            sess.run(exclusive, {x: 0})
        assert [sess.run(as_dict, {x: v}) for v in (-3, 2, 9)] == [-1, 7, 5]


@pytest.mark.parametrize("pairs, words", [
    (lambda: "not pairs", "list, tuple, or dict"),
    (lambda: [(True, lambda: 1)], "not Python bools"),
    (lambda: [(tf.constant(1), lambda: 1)], "type bool"),
    (lambda: [(tf.constant(True), 1)], "callable"),
])
def test_case_bad_input(pairs, words):
    with pytest.raises(TypeError, match=words):
        tf.case(pairs(), default=lambda: 0)
