"""``tf.linalg.logm`` (the principal matrix logarithm) and
``tf.linalg.experimental.conjugate_gradient``, built from other ops as graph code."""
from __future__ import annotations

import collections

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, linalg_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor

_ROOTS = 6        # square roots taken before the series: eigenvalues move to within e^(|log l| / 64) of 1
_SERIES_TERMS = 12


def logm(input, name=None):  # noqa: A002
    """The principal logarithm of complex square matrices (no eigenvalue on the closed
    negative real axis), by inverse scaling and squaring: ``2^k`` times the Gregory series
    of the ``2^k``-th root, which the square roots bring close to the identity."""
    with name_scope(name, "logm", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        if not x.dtype.is_complex:
            raise TypeError(f"logm needs complex64 or complex128 matrices, got {x.dtype.name}")
        dims = x.shape.as_tuple()
        if dims is not None and (len(dims) < 2 or (None not in dims[-2:] and dims[-1] != dims[-2])):
            raise ValueError(f"logm needs square matrices (rank >= 2), got shape {x.shape}")
        root = x
        for _ in range(_ROOTS):
            root = linalg_ops.sqrtm(root)
        eye = array_ops.zeros_like(root) + linalg_ops.eye(
            array_ops.shape(root)[-1], dtype=root.dtype)
        w = math_ops.matmul(root - eye, math_ops.matrix_inverse(root + eye))
        w2 = math_ops.matmul(w, w)
        term, total = w, w
        for m in range(3, 2 * _SERIES_TERMS, 2):
            term = math_ops.matmul(term, w2)
            total = total + term * np.asarray(1.0 / m, x.dtype.np_dtype)
        return math_ops.multiply(total, np.asarray(2.0 ** (_ROOTS + 1), x.dtype.np_dtype), name=scope)


CGState = collections.namedtuple("CGState", ["i", "x", "r", "p", "gamma"])


def conjugate_gradient(operator, rhs, preconditioner=None, x=None, tol=1e-5, max_iter=20,
                       name="conjugate_gradient"):
    """Solve ``operator x = rhs`` for a self-adjoint positive definite LinearOperator by
    conjugate gradients (``preconditioner`` another LinearOperator approximating the
    inverse), stopping after ``max_iter`` steps or when every residual's norm is below
    ``tol`` times the first residual's. Returns ``CGState(i, x, r, p, gamma)``, as TF1."""
    from tensorflux.ops.linear_operator import LinearOperator
    from tensorflux.ops.while_loop import while_loop
    if not isinstance(operator, LinearOperator):
        raise TypeError("conjugate_gradient needs a tf.linalg.LinearOperator")
    if not (operator.is_self_adjoint and operator.is_positive_definite):
        raise ValueError("Expected a self-adjoint, positive definite operator.")
    with name_scope(name):
        rhs = convert_to_tensor(rhs, dtype=operator.dtype, name="rhs")

        def dot(a, b):
            return math_ops.reduce_sum(_conj(a) * b, axis=-1)

        def precondition(r):
            return r if preconditioner is None else preconditioner.matvec(r)

        r0 = rhs if x is None else rhs - operator.matvec(x)
        x0 = array_ops.zeros_like(rhs) if x is None else convert_to_tensor(x, dtype=rhs.dtype)
        limit = tol * linalg_ops.norm(r0, axis=-1)
        p0 = precondition(r0)
        state = CGState(array_ops.constant(0, dtype=dtypes.int32), x0, r0, p0, dot(r0, p0))

        def keep_going(state):
            return math_ops.logical_and(state.i < max_iter, math_ops.reduce_any(
                linalg_ops.norm(state.r, axis=-1) > limit))

        def step(state):
            z = operator.matvec(state.p)
            alpha = state.gamma / dot(state.p, z)
            x_new = state.x + array_ops.expand_dims(alpha, -1) * state.p
            r = state.r - array_ops.expand_dims(alpha, -1) * z
            q = precondition(r)
            gamma = dot(r, q)
            p = q + array_ops.expand_dims(gamma / state.gamma, -1) * state.p
            return (CGState(state.i + 1, x_new, r, p, gamma),)

        final, = while_loop(lambda s: keep_going(s), step, (state,))
        return final


def _conj(x):
    if not x.dtype.is_complex:
        return x
    from tensorflux.ops.elementwise_ops import conj
    return conj(x)
