"""tf.linalg.LinearOperator and its subclasses: each operator's dense matrix against a
NumPy/SciPy construction, and its matmul, matvec, solve, determinant,
log_abs_determinant, trace, diag_part, adjoint and inverse against NumPy on that matrix."""
import numpy as np
import pytest
import scipy.linalg as sp_linalg

import tensorflux as tf

R = np.random.default_rng(12)
A = R.normal(size=(3, 3)) + 3 * np.eye(3)
B = R.normal(size=(2, 2)) + 2 * np.eye(2)
C = R.normal(size=(2, 3))
D = R.uniform(0.5, 2.0, size=3)
L = np.tril(R.normal(size=(3, 3))) + 3 * np.eye(3)
U = R.normal(size=(3, 2))
V = np.array([1.0, 2.0, -1.0])
SPECTRUM = np.array([6.0, 1.0 + 2j, 3.0, 1.0 - 2j])
SPECTRUM_2D = np.fft.fft2(np.array([[4.0, 1.0], [2.0, 0.5]]))


# name -> (make the operator, its dense matrix by NumPy / SciPy)
OPERATORS = {
    "full": (lambda: tf.linalg.LinearOperatorFullMatrix(A), A),
    "diag": (lambda: tf.linalg.LinearOperatorDiag(D), np.diag(D)),
    "identity": (lambda: tf.linalg.LinearOperatorIdentity(3, dtype=tf.float64), np.eye(3)),
    "scaled_identity": (lambda: tf.linalg.LinearOperatorScaledIdentity(3, np.float64(2.5)), 2.5 * np.eye(3)),
    "lower_triangular": (lambda: tf.linalg.LinearOperatorLowerTriangular(L + np.triu(np.ones((3, 3)), 1)), L),
    "composition": (lambda: tf.linalg.LinearOperatorComposition([tf.linalg.LinearOperatorFullMatrix(A),
                                                         tf.linalg.LinearOperatorDiag(D)]), A @ np.diag(D)),
    "inversion": (lambda: tf.linalg.LinearOperatorInversion(tf.linalg.LinearOperatorFullMatrix(A)), np.linalg.inv(A)),
    "adjoint": (lambda: tf.linalg.LinearOperatorAdjoint(tf.linalg.LinearOperatorFullMatrix(A)), A.T),
    "block_diag": (lambda: tf.linalg.LinearOperatorBlockDiag([tf.linalg.LinearOperatorFullMatrix(A),
                                                      tf.linalg.LinearOperatorFullMatrix(B)]),
                   sp_linalg.block_diag(A, B)),
    "kronecker": (lambda: tf.linalg.LinearOperatorKronecker([tf.linalg.LinearOperatorFullMatrix(B),
                                                     tf.linalg.LinearOperatorFullMatrix(A)]), np.kron(B, A)),
    "permutation": (lambda: tf.linalg.LinearOperatorPermutation([2, 0, 1], dtype=tf.float64),
                    np.eye(3)[[2, 0, 1]]),
    "toeplitz": (lambda: tf.linalg.LinearOperatorToeplitz(np.array([3.0, 1.0, 0.5]), np.array([3.0, 2.0, -1.0])),
                 sp_linalg.toeplitz([3.0, 1.0, 0.5], [3.0, 2.0, -1.0])),
    "householder": (lambda: tf.linalg.LinearOperatorHouseholder(V), np.eye(3) - 2 * np.outer(V, V) / V.dot(V)),
    "low_rank_update": (lambda: tf.linalg.LinearOperatorLowRankUpdate(tf.linalg.LinearOperatorDiag(D), U,
                                                                diag_update=np.array([1.0, 2.0])),
                        np.diag(D) + U @ np.diag([1.0, 2.0]) @ U.T),
    "tridiag": (lambda: tf.linalg.LinearOperatorTridiag(np.array([[1.0, 2.0, 0.0], [4.0, 5.0, 6.0], [0.0, 7.0, 8.0]])),
                np.array([[4.0, 1.0, 0.0], [7.0, 5.0, 2.0], [0.0, 8.0, 6.0]])),
    "block_lower_triangular": (lambda: tf.linalg.LinearOperatorBlockLowerTriangular(
        [[tf.linalg.LinearOperatorFullMatrix(A)], [tf.linalg.LinearOperatorFullMatrix(C), tf.linalg.LinearOperatorFullMatrix(B)]]),
        np.block([[A, np.zeros((3, 2))], [C, B]])),
    "circulant": (lambda: tf.linalg.LinearOperatorCirculant(SPECTRUM, input_output_dtype=tf.complex128),
                  sp_linalg.circulant(np.fft.ifft(SPECTRUM))),
    "circulant_2d": (lambda: tf.linalg.LinearOperatorCirculant2D(SPECTRUM_2D, input_output_dtype=tf.complex128),
                     # block circulant of circulant blocks: x -> ifft2(spectrum * fft2(x))
                     np.stack([np.fft.ifft2(SPECTRUM_2D * np.fft.fft2(e.reshape(2, 2))).ravel()
                               for e in np.eye(4)], 1)),
    "circulant_3d": (lambda: tf.linalg.LinearOperatorCirculant3D(SPECTRUM_2D[None], input_output_dtype=tf.complex128),
                     np.stack([np.fft.ifftn(SPECTRUM_2D[None] * np.fft.fftn(e.reshape(1, 2, 2))).ravel()
                               for e in np.eye(4)], 1)),
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operator_matches_its_dense_matrix(name):
    make, dense = OPERATORS[name]
    op = make()
    assert isinstance(op, tf.linalg.LinearOperator)
    n = dense.shape[0]
    x = R.normal(size=(n, 2)).astype(dense.dtype)
    fetches = {"dense": op.to_dense(), "matmul": op.matmul(x), "adjoint_matmul": op.matmul(x, adjoint=True),
               "matmul_adjoint_arg": op.matmul(x.T, adjoint_arg=True), "matvec": op.matvec(x[:, 0]),
               "trace": op.trace(), "diag": op.diag_part(), "solve": op.solve(x),
               "adjoint_solve": op.solve(x, adjoint=True), "solvevec": op.solvevec(x[:, 0]),
               "det": op.determinant(), "logdet": op.log_abs_determinant(),
               "H": op.H.to_dense(), "inverse": op.inverse().matmul(x)}
    with tf.Session() as sess:
        got = sess.run(fetches)
    assert op.shape.as_list() == list(dense.shape)
    want = {"dense": dense, "matmul": dense @ x, "adjoint_matmul": dense.conj().T @ x,
            "matmul_adjoint_arg": dense @ x, "matvec": dense @ x[:, 0], "trace": np.trace(dense),
            "diag": np.diag(dense), "solve": np.linalg.solve(dense, x),
            "adjoint_solve": np.linalg.solve(dense.conj().T, x),
            "solvevec": np.linalg.solve(dense, x[:, 0]), "det": np.linalg.det(dense),
            "logdet": np.log(np.abs(np.linalg.det(dense))), "H": dense.conj().T,
            "inverse": np.linalg.solve(dense, x)}
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-9, err_msg=f"{name} {key}")


def test_zeros_and_batches():
    zeros = tf.linalg.LinearOperatorZeros(3, 2, batch_shape=[2], dtype=tf.float64)
    batch = tf.linalg.LinearOperatorIdentity(2, batch_shape=[3], dtype=tf.float64)
    diag = tf.linalg.LinearOperatorDiag(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x = R.normal(size=(2, 2, 1))
    with tf.Session() as sess:
        z, zm, b, dm, dd = sess.run([zeros.to_dense(), zeros.matmul(R.normal(size=(2, 4))),
                                     batch.to_dense(), diag.matmul(x), diag.determinant()])
    assert zeros.shape.as_list() == [2, 3, 2] and not zeros.is_square
    np.testing.assert_array_equal(z, np.zeros((2, 3, 2)))
    np.testing.assert_array_equal(zm, np.zeros((2, 3, 4)))
    np.testing.assert_array_equal(b, np.broadcast_to(np.eye(2), (3, 2, 2)))
    np.testing.assert_allclose(dm, np.array([[[1.0], [2.0]], [[3.0], [4.0]]]) * x)
    np.testing.assert_allclose(dd, [2.0, 12.0])
    assert diag.batch_shape.as_list() == [2] and diag.domain_dimension == 2


def test_operator_algebra_and_hints():
    a, d = tf.linalg.LinearOperatorFullMatrix(A), tf.linalg.LinearOperatorDiag(D)
    product = a.matmul(d)
    assert isinstance(product, tf.linalg.LinearOperatorComposition)
    assert d.is_self_adjoint and d.adjoint() is d
    assert isinstance(a.adjoint(), tf.linalg.LinearOperatorAdjoint)
    spd = tf.linalg.LinearOperatorFullMatrix(A @ A.T, is_self_adjoint=True, is_positive_definite=True)
    assert spd.is_non_singular
    with tf.Session() as sess:
        chol, eig, composed = sess.run([spd.cholesky().to_dense(), spd.eigvals(), (a @ d).to_dense()])
    np.testing.assert_allclose(chol, np.linalg.cholesky(A @ A.T))
    np.testing.assert_allclose(eig, np.linalg.eigvalsh(A @ A.T))
    np.testing.assert_allclose(composed, A @ np.diag(D))
    with pytest.raises(ValueError, match="positive definite"):
        tf.linalg.LinearOperatorFullMatrix(A, is_positive_definite=True, is_non_singular=False)
    with pytest.raises(ValueError, match="Cholesky"):
        a.cholesky()
    with pytest.raises(ValueError, match="singular"):
        tf.linalg.LinearOperatorZeros(3).inverse()
    with pytest.raises(ValueError, match="Cannot compose"):
        tf.linalg.LinearOperatorComposition([tf.linalg.LinearOperatorFullMatrix(C), tf.linalg.LinearOperatorFullMatrix(C)])
    with pytest.raises(TypeError, match="dtype"):
        tf.linalg.LinearOperatorFullMatrix(A).matmul(np.ones((3, 1), np.float32))
    with pytest.raises(ValueError, match="rows"):
        tf.linalg.LinearOperatorBlockLowerTriangular([[a], [a]])


def test_a_user_operator_defined_by_its_matmul():
    class Doubling(tf.linalg.LinearOperator):
        def __init__(self):
            super().__init__(tf.float64, is_square=True, is_non_singular=True)

        def _shape(self):
            return tf.TensorShape([2, 2])

        def _matmul(self, x, adjoint=False, adjoint_arg=False):
            return 2.0 * (tf.linalg.adjoint(x) if adjoint_arg else x)

    op = Doubling()
    with tf.Session() as sess:
        dense, solved = sess.run([op.to_dense(), op.solve(np.array([[2.0], [4.0]]))])
    np.testing.assert_allclose(dense, 2 * np.eye(2))
    np.testing.assert_allclose(solved, [[1.0], [2.0]])


def test_gradients_flow_through_operators():
    d = tf.constant(D)
    loss = tf.reduce_sum(tf.linalg.LinearOperatorDiag(d).solve(np.ones((3, 1)))) + tf.linalg.LinearOperatorDiag(d).log_abs_determinant()
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(tf.gradients(loss, d)[0]), -1 / D ** 2 + 1 / D)


def test_logm_matches_scipy():
    rng = np.random.default_rng(4)
    a = (rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)) + 0.3j * rng.normal(size=(2, 3, 3))
    spread = np.diag([0.01, 1.0, 50.0]).astype(np.complex128)
    with tf.Session() as sess:
        got, got_spread = sess.run([tf.linalg.logm(a), tf.linalg.logm(spread)])
    for i in range(2):
        np.testing.assert_allclose(got[i], sp_linalg.logm(a[i]), atol=1e-10)
    np.testing.assert_allclose(got_spread, np.diag(np.log([0.01, 1.0, 50.0])), atol=1e-10)
    with pytest.raises(TypeError, match="complex"):
        tf.linalg.logm(np.eye(2))


def test_conjugate_gradient_solves_positive_definite_systems():
    rng = np.random.default_rng(5)
    m = rng.normal(size=(5, 5))
    spd = m @ m.T + 5 * np.eye(5)
    op = tf.linalg.LinearOperatorFullMatrix(spd, is_self_adjoint=True, is_positive_definite=True)
    rhs = rng.normal(size=5)
    jacobi = tf.linalg.LinearOperatorDiag(1 / np.diag(spd), is_self_adjoint=True, is_positive_definite=True)
    with tf.Session() as sess:
        plain = sess.run(tf.linalg.experimental.conjugate_gradient(op, rhs, tol=1e-12, max_iter=20))
        preconditioned = sess.run(tf.linalg.experimental.conjugate_gradient(
            op, rhs, preconditioner=jacobi, tol=1e-12, max_iter=20))
        capped = sess.run(tf.linalg.experimental.conjugate_gradient(op, rhs, max_iter=2))
    np.testing.assert_allclose(plain.x, np.linalg.solve(spd, rhs), rtol=1e-9)
    np.testing.assert_allclose(preconditioned.x, np.linalg.solve(spd, rhs), rtol=1e-9)
    assert plain.i <= 6 and capped.i == 2                  # exact in n steps; max_iter honoured
    np.testing.assert_allclose(plain.r, rhs - spd @ plain.x, atol=1e-9)
    with pytest.raises(ValueError, match="positive definite"):
        tf.linalg.experimental.conjugate_gradient(tf.linalg.LinearOperatorFullMatrix(spd), rhs)
