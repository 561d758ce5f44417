"""The graph optimizer (tensorflux.optimizer): each pass against hand-computed values and
against the same graph run unoptimized (OptimizerOptions.L0), and the switches."""
import threading

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.examples.mnist import build_network
from tensorflux.testing import strict_device

L1, L0 = tf.OptimizerOptions.L1, tf.OptimizerOptions.L0


@pytest.fixture(autouse=True)
def default_level(monkeypatch):
    """These tests are about the optimizer: they run with it on whatever CI sets."""
    monkeypatch.delenv("TENSORFLUX_OPT_LEVEL", raising=False)


def config(level=L1, optimizer=None, **rewrite):
    opts = optimizer or tf.OptimizerOptions(opt_level=level)
    return tf.ConfigProto(graph_options=tf.GraphOptions(
        optimizer_options=opts, rewrite_options=tf.RewriterConfig(**rewrite)))


def plan_ops(sess, fetches, feed=None):
    """The op types the plan's lines run, from its annotated source (variable reads
    left out)."""
    kinds = []
    for line in sess.plan_source(fetches, feed).splitlines():
        if "  # " not in line:
            continue
        note = line.split("  # ", 1)[1]
        fused = note.split(":", 1)[0]  # "_Fused: member (Type) + ..."
        kind = fused if fused.startswith("_") else note.rsplit("(", 1)[1].rstrip(")")
        if kind != "VariableV2":
            kinds.append(kind)
    return kinds


def both(fetches, feed=None, init=None, graph=None):
    """The fetched values optimized and unoptimized (fresh sessions, same graph)."""
    out = []
    for level in (L1, L0):
        with tf.Session(graph=graph, config=config(level)) as sess:
            if init is not None:
                sess.run(init)
            out.append(sess.run(fetches, feed))
    return out


def assert_same(a, b):
    for x, y in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_array_equal(x, y)


# --- constant folding --------------------------------------------------------------------------
def normal_equation(m=200, n=4, seed=0):
    rng = np.random.default_rng(seed)
    data = np.c_[np.ones((m, 1)), rng.normal(size=(m, n))].astype(np.float32)
    target = (data @ np.arange(1, n + 2, dtype=np.float32) + 0.01).reshape(-1, 1)
    X = tf.constant(data, name="X")
    y = tf.constant(target, name="y")
    XT = tf.transpose(X)
    return tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y), data, target


def test_the_normal_equation_with_constant_data_folds_into_one_constant():
    theta, data, target = normal_equation()
    with tf.Session() as sess:
        assert plan_ops(sess, theta) == []  # nothing left to compute
        value = sess.run(theta)
        value[:] = 0  # the caller owns what it fetched
        again = sess.run(theta)
    np.testing.assert_allclose(again, np.linalg.lstsq(data, target, rcond=None)[0], rtol=1e-3)
    assert_same(*both(theta))


def test_a_fed_constant_is_not_folded():
    c = tf.constant(2.0)
    y = c * 3.0 + 1.0
    with tf.Session() as sess:
        assert sess.run(y) == 7.0
        assert sess.run(y, {c: 5.0}) == 16.0


def test_an_op_that_fails_is_left_to_fail_when_the_plan_runs():
    singular = tf.matrix_inverse(tf.constant([[1.0, 2.0], [2.0, 4.0]]))  # the failing line
    for level in (L1, L0):
        with tf.Session(config=config(level)) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible") as info:
                sess.run(singular)
            assert info.value.op.name == singular.op.name
            assert "test_optimizer.py" in str(info.value)


def test_static_shapes_fold_but_an_unfed_placeholder_must_still_be_fed():
    p = tf.placeholder(tf.float32, shape=(2, 3))
    s = tf.shape(p) * 2
    with tf.Session() as sess:
        assert sess.run(s, {p: np.zeros((2, 3))}).tolist() == [4, 6]
        assert "Shape" not in plan_ops(sess, s, {p: np.zeros((2, 3))})
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value"):
            sess.run(s)


def test_folding_keeps_results_above_the_size_limit_out():
    big = tf.fill([100], 1.5) + 1.0
    small = tf.OptimizerOptions(max_folded_constant_in_bytes=100)
    with tf.Session(config=config(optimizer=small)) as sess:
        assert "Fill" in plan_ops(sess, big)
        assert sess.run(big).tolist() == [2.5] * 100
    with tf.Session() as sess:
        assert plan_ops(sess, big) == []


# --- common subexpressions, simplification, dead ops ---------------------------------------------
def test_equal_ops_are_computed_once():
    x = tf.placeholder(tf.float32, shape=(3,))
    a, b = tf.exp(x) * 2.0, tf.exp(x) * 2.0
    total = a + b
    feed = {x: np.array([0.0, 1.0, -1.0], np.float32)}
    with tf.Session(config=config(remapping=tf.RewriterConfig.OFF)) as sess:
        assert plan_ops(sess, total, feed).count("Exp") == 1
        np.testing.assert_allclose(sess.run(total, feed), 4 * np.exp(feed[x]), rtol=1e-6)


def test_reads_of_a_variable_on_either_side_of_an_update_stay_apart():
    v = tf.Variable(1.0)
    before = v * 2.0
    with tf.control_dependencies([before]):
        update = tf.assign_add(v, 1.0)
    with tf.control_dependencies([update]):
        after = v * 2.0
    total = before * 10.0 + after
    for level in (L1, L0):
        with tf.Session(config=config(level)) as sess:
            sess.run(v.initializer)
            assert sess.run(total) == 24.0


def test_random_ops_are_never_merged():
    a, b = tf.random_uniform([5]), tf.random_uniform([5])  # equal attrs, each its own draw
    with tf.Session() as sess:
        x, y = sess.run([a, b])
    assert not np.array_equal(x, y)


def test_neutral_constants_double_negations_and_double_transposes_go():
    x = tf.placeholder(tf.float32, shape=(2, 3, 4))
    y = tf.placeholder(tf.float32, shape=(4,))
    z = tf.transpose(tf.transpose(-(-(x * 1.0 + 0.0)), [1, 0, 2]), [1, 0, 2]) + (-y)
    rng = np.random.default_rng(0)
    feed = {x: rng.normal(size=(2, 3, 4)).astype(np.float32),
            y: rng.normal(size=4).astype(np.float32)}
    with tf.Session() as sess:
        assert plan_ops(sess, z, feed) == ["_Fused"]  # one x - y
        value = sess.run(z, feed)
    np.testing.assert_array_equal(value, feed[x] - feed[y])
    assert_same(*both(z, feed))


def test_x_minus_x_is_kept_so_infinity_gives_nan():
    x = tf.placeholder(tf.float32, shape=(3,))
    with tf.Session() as sess, np.errstate(invalid="ignore"):
        value = sess.run(x - x, {x: np.array([np.inf, 1.0, np.nan], np.float32)})
    assert np.isnan(value[0]) and value[1] == 0 and np.isnan(value[2])


def test_a_fetched_feed_or_folded_value_is_a_fresh_array():
    p = tf.placeholder(tf.float32, shape=(3,))
    same = p * 1.0
    fed = np.ones(3, np.float32)
    with tf.Session() as sess:
        value, again = sess.run([same, same], {p: fed})
    assert value is not fed and value is not again and np.array_equal(value, fed)


def test_a_chain_of_adds_becomes_one_sum_in_the_same_order():
    p = tf.placeholder(tf.float32, shape=(10,))
    q = tf.placeholder(tf.float32, shape=(10,))
    z = p
    for i in range(30):
        z = z + (p if i % 3 else q)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=10).astype(np.float32), rng.normal(size=10).astype(np.float32)
    by_hand = a
    for i in range(30):
        by_hand = by_hand + (a if i % 3 else b)
    with tf.Session() as sess:
        assert plan_ops(sess, z, {p: a, q: b}) == ["AddN"]
        np.testing.assert_array_equal(sess.run(z, {p: a, q: b}), by_hand)


def test_one_value_added_to_itself_sums_in_order():
    for shape in [(), (1,), (10,), (3, 7)]:
        p = tf.placeholder(tf.float32, shape=shape)
        z = p
        for _ in range(40):
            z = z + p
        a = np.asarray(np.random.default_rng(2).normal(size=shape).astype(np.float32))
        by_hand = a
        for _ in range(40):
            by_hand = by_hand + a
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(z, {p: a}), by_hand)


def test_unused_ops_are_removed_but_waited_for_checks_still_run():
    x = tf.placeholder(tf.float32, shape=(2,))
    check = tf.check_numerics(x, "bad x")
    with tf.control_dependencies([check]):
        y = tf.identity(x * 2.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="bad x"):
            sess.run(y, {x: np.array([1.0, np.nan], np.float32)})


# --- fusion ----------------------------------------------------------------------------------------
def mlp_graph(batch=None, seed=0):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        net = build_network()
        init = tf.global_variables_initializer()
    return graph, net, init


def mnist_batch(n, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def test_dense_layers_become_one_kernel_each_and_give_the_same_numbers():
    graph, net, init = mlp_graph()
    x, _ = mnist_batch(7, 0)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        lines = sess.plan_source(net.logits, {net.X: x})
        assert plan_ops(sess, net.logits, {net.X: x}) == ["_Fused"] * 3
    assert "dnn/hidden1/MatMul (MatMul) + dnn/hidden1/BiasAdd (BiasAdd) + dnn/hidden1/Relu (Relu)" in lines
    assert_same(*both(net.logits, {net.X: x}, init, graph))


def test_fetched_and_fed_intermediates_are_never_fused_away():
    graph, net, init = mlp_graph()
    hidden1 = graph.get_tensor_by_name("dnn/hidden1/Relu:0")
    z2 = graph.get_tensor_by_name("dnn/hidden2/BiasAdd:0")
    x, _ = mnist_batch(5, 1)
    fed_z2 = np.random.default_rng(3).normal(size=(5, 100)).astype(np.float32)
    assert_same(*both([hidden1, net.logits], {net.X: x}, init, graph))
    assert_same(*both([hidden1, net.logits], {net.X: x, z2: fed_z2}, init, graph))


def within_4_ulp(got, want, scale):
    """``got`` within 4 ulp (of ``want``'s dtype) of the magnitude ``scale`` of the terms
    a fused update sums (so a reordered rounding passes, a wrong term fails)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    tolerance = 4 * np.spacing(np.asarray(scale, want.dtype))
    assert np.all(np.abs(got.astype(np.float64) - want) <= tolerance)


def test_a_training_step_gives_the_unoptimized_variables():
    """The weights' updates are folded into their gradients' products (one rounding of
    the scaled sum, not three): within 4 ulp of the terms. Biases and the loss do not
    depend on that rounding within a step: bit for bit."""
    results = []
    for level in (L1, L0):
        graph, net, init = mlp_graph()
        with tf.Session(graph=graph, config=config(level)) as sess:
            sess.run(init)
            with graph.as_default():
                variables = tf.trainable_variables()
            before = sess.run(variables)
            x, y = mnist_batch(50, 0)
            loss, _ = sess.run([net.loss, net.training_op], {net.X: x, net.y: y})
            results.append((loss, sess.run(variables)))
    (loss, optimized), (plain_loss, plain) = results
    assert loss == plain_loss
    for old, got, want in zip(before, optimized, plain):
        if old.ndim == 1:
            np.testing.assert_array_equal(got, want)
        else:  # |before|, |after| and |lr * gradient| <= |before| + |after|
            within_4_ulp(got, want, np.abs(old) + np.abs(want))


def test_training_steps_with_changing_batch_sizes_agree_with_the_unoptimized_ones():
    results = []
    for level in (L1, L0):
        graph, net, init = mlp_graph()
        with tf.Session(graph=graph, config=config(level)) as sess:
            sess.run(init)
            for step, n in enumerate([50, 50, 13, 50]):  # the batch size changes too
                x, y = mnist_batch(n, step)
                sess.run(net.training_op, {net.X: x, net.y: y})
            with graph.as_default():
                results.append(sess.run(tf.trainable_variables() + [net.loss],
                                        {net.X: x, net.y: y}))
    for got, want in zip(*results):  # a few ulp per step, carried through the network
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_an_error_in_a_fused_kernel_names_the_original_op_and_line():
    x = tf.placeholder(tf.float32, shape=(None, 3))
    y = tf.placeholder(tf.float32, shape=(None, 3))
    product = x * y  # fails when the batch sizes differ
    z = tf.tanh(product) + 1.0
    feed = {x: np.ones((2, 3), np.float32), y: np.ones((4, 3), np.float32)}
    for level in (L1, L0):
        with tf.Session(config=config(level)) as sess:
            if level == L1:
                assert plan_ops(sess, z, feed) == ["_Fused"]
            with pytest.raises(tf.errors.InvalidArgumentError) as info:
                sess.run(z, feed)
            assert info.value.op.name == product.op.name
            assert "test_optimizer.py" in str(info.value) and "Mul" in str(info.value)


# --- memory planning -----------------------------------------------------------------------------
def test_buffers_are_reused_but_fetched_values_stay_the_callers():
    graph, net, init = mlp_graph()
    hidden1 = graph.get_tensor_by_name("dnn/hidden1/Relu:0")
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        x1, _ = mnist_batch(6, 1)
        x2, _ = mnist_batch(6, 2)
        assert "B = _pool.pop()" in sess.plan_source(net.logits, {net.X: x1})
        first_logits, first_hidden = sess.run([net.logits, hidden1], {net.X: x1})
        kept = first_logits.copy(), first_hidden.copy()
        second = sess.run(net.logits, {net.X: x2})
        assert not np.array_equal(second, first_logits)
        np.testing.assert_array_equal(first_logits, kept[0])
        np.testing.assert_array_equal(first_hidden, kept[1])
        np.testing.assert_array_equal(sess.run(net.logits, {net.X: x1}), first_logits)


def test_fed_values_are_never_written():
    x = tf.placeholder(tf.float32, shape=(4,))
    z = tf.nn.relu(x * 2.0) + tf.exp(x)
    value = np.array([-1.0, 0.5, 2.0, -3.0], np.float32)
    saved = value.copy()
    with tf.Session() as sess:
        out = sess.run(z, {x: value})
    np.testing.assert_array_equal(value, saved)
    np.testing.assert_allclose(out, np.maximum(saved * 2, 0) + np.exp(saved), rtol=1e-6)


def test_runs_of_one_plan_in_several_threads_keep_their_buffers_apart():
    graph, net, init = mlp_graph()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        inputs = [mnist_batch(20, seed)[0] for seed in range(4)]
        expected = [sess.run(net.logits, {net.X: x}) for x in inputs]
        errors = []

        def work(i):
            for _ in range(20):
                if not np.array_equal(sess.run(net.logits, {net.X: inputs[i]}), expected[i]):
                    errors.append(i)
        workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert not errors


def test_gradient_descent_updates_in_place_where_the_gradient_dies():
    graph, net, init = mlp_graph()
    x, y = mnist_batch(8, 0)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        kinds = plan_ops(sess, net.training_op, {net.X: x, net.y: y})
    assert kinds.count("_ApplyGradientDescentInPlace") == 3  # the biases
    assert kinds.count("_MatMulGradientDescent") == 3  # the weights, with their products
    assert kinds.count("_Fused") == 5  # 3 layers, 2 products with their ReLU gradients


def descent_on_a_product(transpose_a, transpose_b, dtype, layout):
    """A variable updated by gradient descent with the product of two fed matrices, the
    feed (C-ordered, F-ordered or strided operands) and the values before."""
    rng = np.random.default_rng(int(transpose_a) * 2 + int(transpose_b))
    w0 = rng.normal(size=(5, 4)).astype(dtype)
    a_shape, b_shape = (7, 5) if transpose_a else (5, 7), (4, 7) if transpose_b else (7, 4)
    a_value, b_value = (rng.normal(size=s).astype(dtype) for s in (a_shape, b_shape))
    if layout == "fortran":
        a_value, b_value = np.asfortranarray(a_value), np.asfortranarray(b_value)
    elif layout == "strided":
        a_value, b_value = np.repeat(a_value, 2, axis=1)[:, ::2], np.repeat(b_value, 2, axis=0)[::2]
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(w0)
        a = tf.placeholder(dtype, shape=(None, None))
        b = tf.placeholder(dtype, shape=(None, None))
        gradient = tf.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
        gradient.set_shape((5, 4))
        step = tf.train.GradientDescentOptimizer(0.25).apply_gradients([(gradient, w)])
        init = tf.global_variables_initializer()
    return graph, w, gradient, step, init, {a: a_value, b: b_value}, w0


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("dtype,layout", [(np.float32, "c"), (np.float64, "c"),
                                          (np.float32, "fortran"), (np.float32, "strided")])
def test_gradient_descent_is_folded_into_the_gradient_s_product(transpose_a, transpose_b, dtype, layout):
    graph, w, gradient, step, init, feed, w0 = descent_on_a_product(
        transpose_a, transpose_b, dtype, layout)
    a_value, b_value = (np.asarray(v, np.float64) for v in feed.values())
    a_value = a_value.T if transpose_a else a_value
    b_value = b_value.T if transpose_b else b_value
    expected = w0 - 0.25 * (a_value @ b_value)  # float64, by hand
    scale = np.abs(w0) + 0.25 * (np.abs(a_value) @ np.abs(b_value))
    results = []
    for level in (L1, L0):
        with tf.Session(graph=graph, config=config(level)) as sess:
            sess.run(init)
            if level == L1:
                assert plan_ops(sess, step, feed) == ["_MatMulGradientDescent"]
            sess.run(step, feed)
            results.append(sess.run(w))
    optimized, plain = results
    within_4_ulp(optimized, plain, scale)
    # both within the float32 error of the same sum (7 products) of the float64 value
    np.testing.assert_allclose(optimized, expected, atol=16 * np.finfo(dtype).eps * scale.max())


def test_a_fetched_or_fed_gradient_is_not_folded_away():
    graph, w, gradient, step, init, feed, w0 = descent_on_a_product(True, False, np.float32, "c")
    fed_gradient = np.full((5, 4), 2.0, np.float32)
    for fetches, extra, folds in [([step], {}, True), ([step, gradient], {}, False),
                                  ([step], {gradient: fed_gradient}, False)]:
        feed_all = {**feed, **extra}
        values = []
        for level in (L1, L0):
            with tf.Session(graph=graph, config=config(level)) as sess:
                sess.run(init)
                if level == L1:
                    kinds = plan_ops(sess, fetches, feed_all)
                    assert ("_MatMulGradientDescent" in kinds) == folds
                values.append(sess.run(fetches, feed_all)[1:] + [sess.run(w)])
        if not folds:  # not folded: every value bit for bit
            assert_same(*values)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        sess.run(step, {**feed, gradient: fed_gradient})
        np.testing.assert_array_equal(sess.run(w), w0 - np.float32(0.25) * fed_gradient)


def test_an_error_in_a_folded_product_names_the_product():
    graph, w, gradient, step, init, feed, w0 = descent_on_a_product(False, False, np.float32, "c")
    a, b = feed
    bad = {a: np.ones((5, 3), np.float32), b: np.ones((7, 4), np.float32)}
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        assert plan_ops(sess, step, bad) == ["_MatMulGradientDescent"]
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(step, bad)
        assert info.value.op.name == gradient.op.name
        assert "test_optimizer.py" in str(info.value)
        np.testing.assert_array_equal(sess.run(w), w0)  # nothing written


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def xent_gradients(sparse, mean):
    """A softmax cross entropy loss (the mean, or the rows weighted through ``grad_ys``),
    its gradient with respect to the logits, the hand-written gradient and the feed."""
    rng = np.random.default_rng(4)
    z_value = rng.normal(size=(6, 5))
    labels_value = rng.integers(0, 5, 6)
    onehot = np.eye(5)[labels_value]
    weights_value = rng.random(6)
    # rows weighted by a constant fuse only where the rows are known to match it
    logits = tf.placeholder(tf.float64, shape=(None if mean else 6, 5))
    if sparse:
        labels = tf.placeholder(tf.int64, shape=(None,))
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        feed = {logits: z_value, labels: labels_value}
    else:
        labels = tf.placeholder(tf.float64, shape=(None, 5))
        xent = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
        feed = {logits: z_value, labels: onehot}
    if mean:
        loss = tf.reduce_mean(xent)
        return loss, tf.gradients(loss, logits)[0], (softmax(z_value) - onehot) / 6, feed
    # rows weighted by a value known before the cross entropy runs (grad_ys)
    grad = tf.gradients(xent, logits, grad_ys=tf.constant(weights_value))[0]
    return xent, grad, (softmax(z_value) - onehot) * weights_value[:, None], feed


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("mean", [True, False])
def test_cross_entropy_and_its_scaled_gradient_are_one_kernel(sparse, mean):
    loss, grad, by_hand, feed = xent_gradients(sparse, mean)
    with tf.Session() as sess:
        kinds = plan_ops(sess, [loss, grad], feed)
    assert "_XentWithGrad" in kinds and "ExpandDims" not in kinds
    optimized, unoptimized = both([loss, grad], feed)
    assert_same(optimized, unoptimized)
    np.testing.assert_allclose(optimized[1], by_hand, rtol=1e-12)


def test_a_fetched_cross_entropy_gradient_is_not_fused_away():
    loss, grad, by_hand, feed = xent_gradients(True, True)
    backprop = grad.op.inputs[0] if grad.op.inputs[0].op.type.endswith("WithLogits") else \
        grad.op.inputs[1]
    assert backprop.op.type == "SparseSoftmaxCrossEntropyWithLogits"
    with tf.Session() as sess:
        assert "_XentWithGrad" not in plan_ops(sess, [grad, backprop], feed)
    optimized, unoptimized = both([grad, backprop], feed)
    assert_same(optimized, unoptimized)
    np.testing.assert_allclose(optimized[0], by_hand, rtol=1e-12)


def test_the_mlp_training_step_fuses_its_cross_entropy_gradient():
    graph, net, init = mlp_graph()
    x, y = mnist_batch(8, 0)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        assert plan_ops(sess, net.training_op, {net.X: x, net.y: y}).count("_XentWithGrad") == 1


# --- on the strict CuPy stand-in -------------------------------------------------------------------
def test_device_chains_are_one_fused_launch_with_the_same_values():
    with strict_device.simulated_gpu():
        x = tf.placeholder(tf.float64, shape=(None, 4))
        w = tf.constant(np.arange(12.0).reshape(4, 3) / 10)
        b = tf.constant(np.array([0.5, -0.5, 0.0]))
        z = tf.nn.relu(tf.matmul(x, w) + b) * 2.0 - tf.tanh(tf.matmul(x, w))
        feed = {x: np.random.default_rng(0).normal(size=(5, 4))}
        counts = []
        for level in (L1, L0):
            with tf.Session(config=config(level)) as sess:
                sess.run(z, feed)
                before = strict_device.operation_count()
                value = sess.run(z, feed)
                counts.append(strict_device.operation_count() - before)
                assert sess._backend_for(z.op) == strict_device.NAME
                if level == L1:
                    optimized = value
                    assert "_Fused" in plan_ops(sess, z, feed)
        np.testing.assert_allclose(optimized, value, rtol=1e-12)
        assert counts[0] < counts[1]


# --- switches --------------------------------------------------------------------------------------
def test_switches_turn_passes_off():
    theta, _, _ = normal_equation(m=20)
    x = tf.placeholder(tf.float32, shape=(None, 3))
    z = tf.nn.relu(x * 2.0 + 1.0)
    feed = {x: np.ones((2, 3), np.float32)}
    with tf.Session(config=config(constant_folding=tf.RewriterConfig.OFF)) as sess:
        assert "MatrixInverse" in plan_ops(sess, theta)
    with tf.Session(config=config(remapping=tf.RewriterConfig.OFF)) as sess:
        assert plan_ops(sess, z, feed) == ["Mul", "Add", "Relu"]
    with tf.Session(config=config(memory_optimization=tf.RewriterConfig.NO_MEM_OPT)) as sess:
        assert "B = _pool" not in sess.plan_source(tf.nn.relu(tf.matmul(x, tf.ones([3, 3]))) + x, feed)
    with tf.Session(config=config(L0)) as sess:
        assert "MatMul" in plan_ops(sess, theta) and "_Fused" not in plan_ops(sess, z, feed)
    folding_only = tf.OptimizerOptions(opt_level=L0, do_constant_folding=True)
    with tf.Session(config=config(optimizer=folding_only)) as sess:
        assert plan_ops(sess, theta) == [] and plan_ops(sess, z, feed) == ["Mul", "Add", "Relu"]


def test_the_environment_switch(monkeypatch):
    theta, _, _ = normal_equation(m=20)
    monkeypatch.setenv("TENSORFLUX_OPT_LEVEL", "0")
    with tf.Session() as sess:
        assert "MatMul" in plan_ops(sess, theta)
    monkeypatch.setenv("TENSORFLUX_OPT_LEVEL", "1")
    with tf.Session(config=config(L0)) as sess:  # the environment wins
        assert plan_ops(sess, theta) == []
    monkeypatch.setenv("TENSORFLUX_OPT_LEVEL", "2")
    with pytest.raises(ValueError, match="TENSORFLUX_OPT_LEVEL must be 0 or 1"):
        tf.Session()


def test_plan_source_names_each_line_s_op():
    x = tf.placeholder(tf.float32, shape=(2,), name="x")
    y = tf.exp(x, name="exp") * 3.0
    with tf.Session(config=config(L0)) as sess:
        source = sess.plan_source(y, {x: np.zeros(2, np.float32)})
    assert "def __plan(V, a1):" in source
    assert "# exp (Exp)" in source and "(Mul)" in source
