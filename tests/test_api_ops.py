"""TF1's op namespaces: aliases are the top-level ops themselves, and bad input fails
when the graph is built, with TF1's exception classes. (The values of the ops are
checked on every backend by ``test_ops`` with the cases of ``api_op_cases``.)"""
import json
import os

import time

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()

NAMES = json.load(open(os.path.join(os.path.dirname(__file__), "data", "tf1_api_names.json")))


# Names TF1 gives a different meaning in a namespace: tf.linalg.diag is tf.matrix_diag
# (tf.diag makes a D + D tensor), tf.linalg.transpose is tf.matrix_transpose,
# tf.random.split splits a seed, tf.strings.split splits strings.
DIFFERENT_IN_TF1 = {"linalg": {"diag", "diag_part", "transpose"}, "random": {"split"},
                    "strings": {"split"}}


@pytest.mark.parametrize("namespace", ["math", "linalg", "random", "strings", "nn", "bitwise"])
def test_namespace_aliases_are_the_top_level_ops(namespace):
    """Every name a namespace shares with the top level is the very same object."""
    module = getattr(tf, namespace)
    shared = [n for n in dir(module) if not n.startswith("_") and hasattr(tf, n)
              and callable(getattr(module, n)) and n not in DIFFERENT_IN_TF1.get(namespace, ())]
    different = [n for n in shared if getattr(module, n) is not getattr(tf, n)
                 and n in NAMES.get("", [])]
    assert not different, f"tf.{namespace} names that are not the top-level objects: {different}"


def test_documented_math_aliases():
    assert tf.math.add is tf.add and tf.math.erf is tf.erf and tf.math.cumsum is tf.cumsum
    assert tf.math.divide_no_nan is tf.div_no_nan and tf.math.in_top_k is tf.nn.in_top_k
    assert tf.math.segment_sum is tf.segment_sum and tf.math.log_softmax is tf.nn.log_softmax
    assert tf.floor_div is tf.floordiv and tf.arg_max is tf.argmax
    assert tf.linalg.inv is tf.matrix_inverse and tf.linalg.band_part is tf.matrix_band_part
    assert tf.linalg.diag is tf.matrix_diag and tf.linalg.tensor_diag is tf.diag
    assert tf.linalg.eigh is tf.self_adjoint_eig and tf.linalg.lstsq is tf.matrix_solve_ls
    assert tf.reverse_v2 is tf.reverse and tf.tensor_scatter_update is tf.tensor_scatter_nd_update
    assert (tf.arg_min, tf.string_strip, tf.string_to_hash_bucket_strong, tf.tensor_scatter_add,
            tf.tensor_scatter_sub) == (tf.argmin, tf.strings.strip, tf.strings.to_hash_bucket_strong,
                                       tf.tensor_scatter_nd_add, tf.tensor_scatter_nd_sub)
    assert (tf.nn.approx_max_k, tf.nn.approx_min_k, tf.nn.depth_to_space, tf.nn.space_to_batch,
            tf.nn.space_to_depth) == (tf.math.approx_max_k, tf.math.approx_min_k, tf.depth_to_space,
                                      tf.space_to_batch, tf.space_to_depth)
    assert (tf.math.softmax, tf.math.softplus, tf.math.softsign, tf.math.top_k, tf.math.l2_normalize) == (
        tf.nn.softmax, tf.nn.softplus, tf.nn.softsign, tf.nn.top_k, tf.nn.l2_normalize)
    assert (tf.linalg.det, tf.linalg.diag_part, tf.linalg.set_diag, tf.linalg.sqrtm, tf.linalg.l2_normalize) == (
        tf.matrix_determinant, tf.matrix_diag_part, tf.matrix_set_diag, tf.matrix_square_root, tf.nn.l2_normalize)


@pytest.mark.parametrize("build, error, match", [
    (lambda: tf.erf(tf.constant([1, 2])), TypeError, "DataType int32 not in the allowed"),
    (lambda: tf.lgamma(tf.constant([1.0 + 2j])), TypeError, "complex128 not in the allowed"),
    (lambda: tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([2.0])), TypeError, "float32"),
    (lambda: tf.atan2(tf.constant([1.0]), tf.constant([1.0], tf.float64)), TypeError, "does not match"),
    (lambda: tf.zeta(tf.zeros([2, 3]), tf.zeros([4])), ValueError, "cannot be broadcast"),
    (lambda: tf.complex(tf.constant([1]), tf.constant([2])), TypeError, "int32"),
    (lambda: tf.cumsum(tf.zeros([2, 3]), axis=2), ValueError, "out of range"),
    (lambda: tf.cumsum(tf.constant([True])), TypeError, "numeric"),
    (lambda: tf.cumsum(tf.zeros([2]), axis=tf.placeholder(tf.int32)), ValueError, "known when the graph"),
    (lambda: tf.segment_sum(tf.zeros([4, 2]), tf.zeros([3], tf.int32)), ValueError, "prefix"),
    (lambda: tf.segment_sum(tf.zeros([4, 2]), tf.zeros([4, 2], tf.int32)), ValueError, "vector"),
    (lambda: tf.segment_sum(tf.zeros([4]), tf.zeros([4])), TypeError, "integers"),
    (lambda: tf.unsorted_segment_sum(tf.zeros([4]), tf.zeros([4], tf.int32), 2.5), TypeError, "num_segments"),
    (lambda: tf.invert_permutation(tf.zeros([2, 2], tf.int32)), ValueError, "vector"),
    (lambda: tf.bincount(tf.constant([1.0])), TypeError, "int32"),
    (lambda: tf.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0])), ValueError, "scalar"),
    (lambda: tf.accumulate_n([tf.zeros([2]), tf.zeros([3])]), ValueError, "do not match"),
    (lambda: tf.cholesky(tf.zeros([2, 3])), ValueError, "square"),
    (lambda: tf.cholesky(tf.zeros([3])), ValueError, "rank >= 2"),
    (lambda: tf.cholesky(tf.zeros([2, 2], tf.int32)), TypeError, "float or complex"),
    (lambda: tf.matrix_solve(tf.zeros([3, 3]), tf.zeros([2, 1])), ValueError, "incompatible"),
    (lambda: tf.matrix_set_diag(tf.zeros([3, 3]), tf.zeros([2])), ValueError, "does not fit"),
    (lambda: tf.diag_part(tf.zeros([2, 3])), ValueError, "D \\+ D"),
    (lambda: tf.cross(tf.zeros([2, 4]), tf.zeros([2, 4])), ValueError, "3 elements"),
    (lambda: tf.einsum("ij,jk->ik", tf.zeros([2, 3]), tf.zeros([4, 2])), ValueError, "sizes 3 and 4"),
    (lambda: tf.einsum("ij->i", tf.zeros([2, 3, 4])), ValueError, "rank"),
    (lambda: tf.einsum("ij,jk", tf.zeros([2, 3])), ValueError, "2 operands"),
    (lambda: tf.tensordot(tf.zeros([2, 3]), tf.zeros([4, 2]), 1), ValueError, "do not match"),
    (lambda: tf.norm(tf.zeros([2, 3]), ord=0.5), ValueError, "ord"),
    (lambda: tf.matrix_band_part(tf.zeros([2, 2]), tf.placeholder(tf.int64), 0), ValueError, "known"),
    (lambda: tf.gather_nd(tf.zeros([2, 3]), tf.zeros([4, 3], tf.int32)), ValueError, "exceeds the rank"),
    (lambda: tf.gather_nd(tf.zeros([2, 3]), tf.zeros([4, 1])), TypeError, "integers"),
    (lambda: tf.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4]), ValueError, "do not match"),
    (lambda: tf.tensor_scatter_nd_add(tf.zeros([4], tf.int32), [[0]], tf.constant([1.0])), TypeError, "dtype"),
    (lambda: tf.reverse(tf.zeros([2, 3]), [2]), ValueError, "out of range"),
    (lambda: tf.roll(tf.zeros([2, 3]), [1, 2], [0]), ValueError, "same length"),
    (lambda: tf.unique(tf.zeros([2, 3])), ValueError, "vector"),
    (lambda: tf.broadcast_to(tf.zeros([2, 3]), [4, 3]), ValueError, "cannot be broadcast"),
    (lambda: tf.ensure_shape(tf.zeros([2, 3]), [3, None]), ValueError, "not compatible"),
    (lambda: tf.boolean_mask(tf.zeros([2, 3]), tf.constant([True, False, True])), ValueError, "incompatible"),
    (lambda: tf.boolean_mask(tf.zeros([2, 3]), tf.constant([1, 0])), TypeError, "bool"),
    (lambda: tf.space_to_depth(tf.zeros([1, 3, 3, 1]), 2), ValueError, "divisible"),
    (lambda: tf.space_to_batch_nd(tf.zeros([1, 3, 3, 1]), [2, 2], [[0, 0], [0, 0]]), ValueError, "divisible"),
    (lambda: tf.bitcast(tf.zeros([3], tf.int16), tf.int32), ValueError, "last dimension of 2"),
    (lambda: tf.searchsorted(tf.zeros([2, 3]), tf.zeros([3, 1])), ValueError, "leading dimensions"),
    (lambda: tf.sort(tf.zeros([3]), direction="UP"), ValueError, "ASCENDING"),
    (lambda: tf.dynamic_partition(tf.zeros([3, 2]), tf.zeros([2], tf.int32), 2), ValueError, "prefix"),
    (lambda: tf.nn.fused_batch_norm(tf.zeros([2, 3]), [1.0] * 3, [0.0] * 3), ValueError, "4-D"),
    (lambda: tf.linalg.expm(tf.zeros([2, 3])), ValueError, "square"),
    (lambda: tf.fft(tf.zeros([4])), TypeError, "complex"),
    (lambda: tf.fft2d(tf.zeros([4], tf.complex64)), ValueError, "rank >= 2"),
    (lambda: tf.linalg.tridiagonal_solve(tf.zeros([3, 3]), tf.zeros([3, 1]), diagonals_format="banded"),
     ValueError, "diagonals_format"),
    (lambda: tf.linalg.eigh_tridiagonal([1.0, 2.0], [0.5], select="i"), NotImplementedError, "select='a'"),
    (lambda: tf.nn.fused_batch_norm(tf.zeros([1, 2, 2, 3]), [1.0] * 3, [0.0] * 3, is_training=False),
     ValueError, "needs mean and variance"),
    (lambda: tf.nn.weighted_cross_entropy_with_logits(tf.zeros([2]), tf.zeros([3]), 2.0), ValueError, "same shape"),
    (lambda: tf.nn.log_poisson_loss(tf.zeros([2]), tf.zeros([3])), ValueError, "same shape"),
    (lambda: tf.nn.swish(tf.constant([1, 2])), TypeError, "float"),
    (lambda: tf.strings.length(tf.constant([1, 2])), TypeError, "must be a string tensor"),
    (lambda: tf.strings.join([tf.constant(["a"]), tf.constant([1])]), TypeError, "string tensor"),
    (lambda: tf.strings.regex_replace("a", "(", "b"), ValueError, "Invalid regular expression"),
    (lambda: tf.strings.length("a", unit="CHAR"), ValueError, "unit"),
    (lambda: tf.strings.to_number("1", out_type=tf.int8), TypeError, "out_type"),
    (lambda: tf.as_string(tf.constant([1]), precision=2), ValueError, "floats only"),
    (lambda: tf.strings.format("{} {}", [tf.constant(1)]), ValueError, "placeholders"),
    (lambda: tf.strings.to_hash_bucket_strong("a", 3, [1]), ValueError, "two ints"),
    (lambda: tf.strings.unicode_encode(tf.constant([1.0]), "UTF-8"), TypeError, "int32"),
    (lambda: tf.strings.unicode_transcode("a", "latin-1", "UTF-8"), ValueError, "input_encoding"),
])
def test_bad_input_fails_when_the_graph_is_built(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_build_errors_name_the_users_line():
    with pytest.raises(TypeError, match="test_api_ops.py"):
        tf.digamma(tf.constant([1, 2]))


@pytest.mark.parametrize("build, match", [
    (lambda: tf.segment_sum(tf.constant([1.0, 2.0]), tf.constant([1, 0])), "not increasing"),
    (lambda: tf.unsorted_segment_sum(tf.constant([1.0, 2.0]), tf.constant([1, 5]), 3), "not in"),
    (lambda: tf.invert_permutation(tf.constant([0, 0, 1])), "not a permutation"),
    (lambda: tf.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]])), "Cholesky decomposition was not successful"),
    (lambda: tf.matrix_solve(tf.ones([2, 2]), tf.ones([2, 1])), "not invertible"),
    (lambda: tf.gather_nd(tf.zeros([2, 3]), [[2, 0]]), r"is not in \[0, "),
    (lambda: tf.ensure_shape(tf.placeholder_with_default(tf.zeros([2, 3]), [None, 3]), [3, 3]), "not compatible"),
    (lambda: tf.dynamic_partition(tf.zeros([2]), [0, 3], 2), "partitions must be in"),
    (lambda: tf.strings.to_number(["1.5", "x"]), "could not correctly convert string: x"),
    (lambda: tf.strings.substr("abc", 5, 1), "out of range"),
    (lambda: tf.linalg.lu(tf.zeros([2, 2])), "not invertible"),
    (lambda: tf.strings.unicode_transcode([b"\xff"], "UTF-8", "UTF-8", errors="strict"), "Invalid formatting"),
])
def test_bad_values_fail_when_the_graph_runs(build, match):
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match=match):
        sess.run(build())


def test_gradients_tf1_does_not_have_say_so():
    x = tf.placeholder(tf.float64, [3, 2])
    with pytest.raises(LookupError, match="QR gradient"):
        tf.gradients(tf.qr(tf.transpose(x))[1], x)
    with pytest.raises(LookupError, match="full_matrices=False"):
        tf.gradients(tf.svd(x, full_matrices=True)[0], x)


def test_dynamic_num_segments_and_shapes():
    ids = tf.placeholder(tf.int32, [None])
    out = tf.unsorted_segment_sum(tf.ones_like(ids), ids, tf.reduce_max(ids) + 1)
    assert out.shape.as_list() == [None]
    assert tf.segment_sum(tf.zeros([3, 2]), tf.constant([0, 0, 2])).shape.as_list() == [3, 2]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(out, {ids: [2, 0, 2]}), [1, 0, 2])


def _scatter_reference(kind, value, indices, updates):
    out = value.copy()
    for i, u in zip(indices, updates):
        i = tuple(i) if np.ndim(i) else i
        out[i] = {"update": lambda a, b: b, "add": np.add, "sub": np.subtract, "mul": np.multiply,
                  "div": np.divide, "max": np.maximum, "min": np.minimum}[kind](out[i], u)
    return out


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_variable_scatter_updates(backend, device):
    rng = np.random.default_rng(3)
    start = rng.uniform(1, 2, size=(4, 3))
    rows = np.array([2, 0, 2])
    updates = rng.uniform(1, 2, size=(3, 3))
    cells = np.array([[1, 1], [3, 0], [1, 1]])
    cell_updates = np.array([5.0, 6.0, 7.0])
    with backend_context(backend), tf.device(device):
        v = tf.Variable(start)
        ops = {k: getattr(tf, f"scatter_{k}")(v, rows, updates)
               for k in ("update", "add", "sub", "mul", "div", "max", "min")}
        nd_ops = {k: getattr(tf, f"scatter_nd_{k}")(v, cells, cell_updates) for k in ("update", "add", "sub")}
        batch = tf.batch_scatter_update(v, [[0], [2], [1], [0]], [[9.0], [8.0], [7.0], [6.0]])
        with tf.Session() as sess:
            for kind, op in {**ops, **{f"nd_{k}": o for k, o in nd_ops.items()}}.items():
                sess.run(v.initializer)
                got = sess.run(op)
                assert sess._backend_for(op.op) == backend
                if kind.startswith("nd_"):
                    want = _scatter_reference(kind[3:], start, cells, cell_updates)
                else:
                    want = _scatter_reference(kind, start, rows, updates)
                np.testing.assert_allclose(got, want, err_msg=kind)
                np.testing.assert_allclose(sess.run(v), want, err_msg=kind)
            sess.run(v.initializer)
            want = start.copy()
            want[[0, 1, 2, 3], [0, 2, 1, 0]] = [9, 8, 7, 6]
            np.testing.assert_allclose(sess.run(batch), want)


def test_variable_scatter_errors():
    v = tf.Variable(np.zeros((3, 2)))
    with pytest.raises(TypeError, match="tf.Variable"):
        tf.scatter_add(tf.zeros([3, 2]), [0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="do not match indices"):
        tf.scatter_add(v, [0, 1], [[1.0, 2.0]])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized"):
            sess.run(tf.scatter_update(v, [0], [[1.0, 2.0]]))
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"is not in \[0, "):
            sess.run(tf.scatter_update(v, [3], [[1.0, 2.0]]))


def test_timestamp_is_the_time_the_op_runs():
    with tf.Session() as sess:
        before = time.time()
        stamp = sess.run(tf.timestamp())
        assert before <= stamp <= time.time() and stamp.dtype == np.float64


def test_broadcast_static_shape():
    assert tf.broadcast_static_shape(tf.TensorShape([2, 1, 3]), tf.TensorShape([4, 1])).as_list() == [2, 4, 3]
    assert tf.broadcast_static_shape(tf.TensorShape([None, 3]), tf.TensorShape([3])).as_list() == [None, 3]
    with pytest.raises(ValueError, match="cannot be broadcast"):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))


def test_grad_pass_through_passes_the_gradient_through():
    x = tf.constant([0.3, 1.7])
    y = tf.grad_pass_through(tf.round)(x)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.gradients(tf.reduce_sum(y * 3.0), x)[0]), [3.0, 3.0])


def test_siphash_matches_the_reference_vector():
    """SipHash-2-4's paper: key 00..0f, message 00..0e gives a129ca6149be45e5."""
    from tensorflux.backends.string_kernels import siphash24
    k0 = int.from_bytes(bytes(range(8)), "little")
    k1 = int.from_bytes(bytes(range(8, 16)), "little")
    assert siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5
    assert siphash24(k0, k1, b"") == 0x726FDB47DD0E0E31


def test_string_ops_run_on_the_host_wherever_placed():
    with backend_context("strictgpu"), tf.device("/device:GPU:0"):
        n = tf.strings.length(tf.constant(["ab", "c"])) * 2
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(n), [4, 2])


def test_every_new_op_survives_the_graph_file(tmp_path):
    """All the cases' graphs in one .meta file: imported back, they compute the same."""
    import api_op_cases
    graph = tf.Graph()
    with graph.as_default():
        outputs = {name: build() for name, (build, _) in sorted(api_op_cases.CASES.items())}
        path = str(tmp_path / "ops.meta")
        tf.train.export_meta_graph(path)
        with tf.Session() as sess:
            before = sess.run(outputs)
    with tf.Graph().as_default() as imported:
        tf.train.import_meta_graph(path)
        with tf.Session() as sess:
            after = sess.run({name: imported.get_tensor_by_name(t.name) for name, t in outputs.items()})
    for name in outputs:
        a, b = np.asarray(after[name]), np.asarray(before[name])
        if a.dtype.kind in "fc":  # the imported plan may order a sum differently
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)
