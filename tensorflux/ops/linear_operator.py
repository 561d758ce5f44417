"""``tf.linalg.LinearOperator`` and its structured subclasses: matrices described by
their structure (a diagonal, a scaled identity, a Kronecker product, a circulant
spectrum...) with TF1's interface (``matmul``, ``matvec``, ``solve``, ``to_dense``,
``determinant``, ``log_abs_determinant``, ``trace``, ``diag_part``, ``adjoint``,
``inverse``, ``shape``...).

Each operator is a Python object that builds graph ops when its methods are called,
as in TF. Structured operators compute what their structure makes cheap directly (a
diagonal multiplies and divides elementwise, a triangular one solves by substitution,
a composition chains, a permutation gathers); everything else goes through the dense
matrix, which every operator can build (``to_dense``). A subclass of ``LinearOperator``
defines ``_to_dense`` or ``_matmul`` (and may define the other ``_method`` hooks).
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, linalg_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.array_ops import gather
from tensorflux.ops.elementwise_ops import conj, real
from tensorflux.ops.manip_ops import broadcast_to
from tensorflux.ops.spectral_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d


def _adj(x):
    return linalg_ops.adjoint(x)


def _hint(value, what):
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{what} must be True, False or None, got {value!r}")
    return value


class LinearOperator:
    """A linear map on the last dimension of tensors, with a batch of them in the
    leading dimensions: an ``[..., M, N]`` matrix that need not be stored."""

    def __init__(self, dtype, graph_parents=None, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None, parameters=None):
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._is_non_singular = _hint(is_non_singular, "is_non_singular")
        self._is_self_adjoint = _hint(is_self_adjoint, "is_self_adjoint")
        self._is_positive_definite = _hint(is_positive_definite, "is_positive_definite")
        self._is_square = _hint(is_square, "is_square")
        if is_positive_definite and is_non_singular is False:
            raise ValueError("A positive definite matrix is always non-singular.")
        if is_positive_definite:
            self._is_non_singular = True
        self._name = name or type(self).__name__
        self._parameters = dict(parameters or {})
        if is_square is False and (is_non_singular or is_positive_definite or is_self_adjoint):
            raise ValueError("A non-singular, self-adjoint or positive definite operator is square.")

    # --- properties ----------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def parameters(self):
        return dict(self._parameters)

    @property
    def graph_parents(self):
        return []

    @property
    def is_non_singular(self):
        return self._is_non_singular

    @property
    def is_self_adjoint(self):
        return self._is_self_adjoint

    @property
    def is_positive_definite(self):
        return self._is_positive_definite

    @property
    def is_square(self):
        if self._is_square is not None:
            return self._is_square
        m, n = self.shape.as_tuple()[-2:] if self.shape.ndims else (None, None)
        return None if m is None or n is None else m == n

    @property
    def shape(self) -> TensorShape:
        """The static shape ``[..., M, N]``."""
        return self._shape()

    def _shape(self):
        return self.to_dense().shape

    def shape_tensor(self, name="shape_tensor"):
        with name_scope(self.name):
            return self._shape_tensor() if hasattr(self, "_shape_tensor") else \
                array_ops.shape(self.to_dense(), name=name)

    @property
    def batch_shape(self):
        return TensorShape(self.shape.as_tuple()[:-2]) if self.shape.ndims else TensorShape(None)

    def batch_shape_tensor(self, name="batch_shape_tensor"):
        return self.shape_tensor()[:-2]

    @property
    def tensor_rank(self):
        return self.shape.ndims

    def tensor_rank_tensor(self, name="tensor_rank_tensor"):
        return array_ops.size(self.shape_tensor(), name=name)

    @property
    def domain_dimension(self):
        return self.shape.as_tuple()[-1] if self.shape.ndims else None

    def domain_dimension_tensor(self, name="domain_dimension_tensor"):
        return self.shape_tensor()[-1]

    @property
    def range_dimension(self):
        return self.shape.as_tuple()[-2] if self.shape.ndims else None

    def range_dimension_tensor(self, name="range_dimension_tensor"):
        return self.shape_tensor()[-2]

    @property
    def H(self):  # noqa: N802 - TF1's name
        return self.adjoint()

    # --- the operations ------------------------------------------------------------------
    def to_dense(self, name="to_dense"):
        """The operator as a dense ``[..., M, N]`` tensor."""
        with name_scope(self.name):
            with name_scope(name):
                if type(self)._to_dense is not LinearOperator._to_dense:
                    return self._to_dense()
                n = self.domain_dimension
                if n is None:
                    raise ValueError(f"{self.name}: to_dense needs a known domain dimension")
                return self._matmul(linalg_ops.eye(n, dtype=self.dtype), False, False)

    def _to_dense(self):
        raise NotImplementedError(f"{type(self).__name__} defines neither _to_dense nor _matmul")

    def _check_input(self, x, what="x"):
        x = convert_to_tensor(x, name=what)
        if self.dtype is not None and x.dtype != self.dtype:
            raise TypeError(f"{self.name}.{what} has dtype {x.dtype.name}, the operator's is "
                            f"{self.dtype.name}")
        return x

    def matmul(self, x, adjoint=False, adjoint_arg=False, name="matmul"):
        """``self @ x`` (``adjoint(self)`` and/or ``adjoint(x)`` with the flags); another
        LinearOperator gives their composition."""
        if isinstance(x, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = x.adjoint() if adjoint_arg else x
            return LinearOperatorComposition([left, right])
        with name_scope(self.name):
            with name_scope(name):
                return self._matmul(self._check_input(x), adjoint, adjoint_arg)

    def _matmul(self, x, adjoint, adjoint_arg):
        return math_ops.matmul(self.to_dense(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def matvec(self, x, adjoint=False, name="matvec"):
        """``self @ x`` for vectors ``x`` ([..., N])."""
        with name_scope(self.name):
            with name_scope(name):
                x = self._check_input(x)
                return array_ops.squeeze(self._matmul(array_ops.expand_dims(x, -1), adjoint, False), [-1])

    def __matmul__(self, other):
        return self.matmul(other)

    def solve(self, rhs, adjoint=False, adjoint_arg=False, name="solve"):
        """``X`` with ``self @ X = rhs`` (``adjoint(self)``, ``adjoint(rhs)`` with the
        flags); another LinearOperator gives ``inverse(self) @ rhs``."""
        if self.is_non_singular is False:
            raise NotImplementedError("Exact solve not implemented for an operator that is "
                                      "expected to be singular.")
        if self.is_square is False:
            raise NotImplementedError("Exact solve not implemented for an operator that is "
                                      "expected to not be square.")
        if isinstance(rhs, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = rhs.adjoint() if adjoint_arg else rhs
            return LinearOperatorComposition([left.inverse(), right])
        with name_scope(self.name):
            with name_scope(name):
                return self._solve(self._check_input(rhs, "rhs"), adjoint, adjoint_arg)

    def _solve(self, rhs, adjoint, adjoint_arg):
        rhs = _adj(rhs) if adjoint_arg else rhs
        return linalg_ops.matrix_solve(self.to_dense(), rhs, adjoint=adjoint)

    def solvevec(self, rhs, adjoint=False, name="solve"):
        with name_scope(self.name):
            with name_scope(name):
                rhs = self._check_input(rhs, "rhs")
                return array_ops.squeeze(self._solve(array_ops.expand_dims(rhs, -1), adjoint, False), [-1])

    def determinant(self, name="det"):
        self._need_square("determinant")
        with name_scope(self.name):
            with name_scope(name):
                return self._determinant()

    def _determinant(self):
        return math_ops.matrix_determinant(self.to_dense())

    def log_abs_determinant(self, name="log_abs_det"):
        self._need_square("log_abs_determinant")
        with name_scope(self.name):
            with name_scope(name):
                return self._log_abs_determinant()

    def _log_abs_determinant(self):
        return linalg_ops.slogdet(self.to_dense())[1]

    def _need_square(self, what):
        if self.is_square is False:
            raise NotImplementedError(f"{what} not implemented for an operator that is not square")

    def diag_part(self, name="diag_part"):
        with name_scope(self.name):
            with name_scope(name):
                return self._diag_part()

    def _diag_part(self):
        return linalg_ops.matrix_diag_part(self.to_dense())

    def trace(self, name="trace"):
        with name_scope(self.name):
            with name_scope(name):
                return math_ops.reduce_sum(self._diag_part(), axis=-1)

    def add_to_tensor(self, x, name="add_to_tensor"):
        """``self.to_dense() + x``."""
        with name_scope(self.name):
            with name_scope(name):
                return self.to_dense() + self._check_input(x)

    def adjoint(self, name="adjoint"):
        if self.is_self_adjoint:
            return self
        return LinearOperatorAdjoint(self)

    def inverse(self, name="inverse"):
        if self.is_square is False:
            raise ValueError("Cannot take the inverse of a non-square operator")
        if self.is_non_singular is False:
            raise ValueError("Cannot take the inverse of a singular operator")
        return LinearOperatorInversion(self)

    def cholesky(self, name="cholesky"):
        if not (self.is_self_adjoint and self.is_positive_definite):
            raise ValueError("Cholesky decomposition needs is_self_adjoint=True and "
                             "is_positive_definite=True")
        return LinearOperatorLowerTriangular(linalg_ops.cholesky(self.to_dense()),
                                             is_non_singular=True)

    def eigvals(self, name="eigvals"):
        if not self.is_self_adjoint:
            raise NotImplementedError("eigvals needs a self-adjoint operator")
        return linalg_ops.eigvalsh(self.to_dense())

    def __repr__(self):
        return f"<tf.linalg.{type(self).__name__} '{self.name}' shape={self.shape}>"


# --- dense-backed ---------------------------------------------------------------------------
class LinearOperatorFullMatrix(LinearOperator):
    """The operator of an explicit ``[..., M, N]`` matrix."""

    def __init__(self, matrix, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorFullMatrix"):
        self._matrix = convert_to_tensor(matrix, name="matrix")
        if self._matrix.shape.ndims is not None and self._matrix.shape.ndims < 2:
            raise ValueError(f"matrix must have rank >= 2, got shape {self._matrix.shape}")
        super().__init__(self._matrix.dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=is_square, name=name, parameters={"matrix": matrix})

    def _to_dense(self):
        return array_ops.identity(self._matrix)


class LinearOperatorDiag(LinearOperator):
    """A diagonal ``[..., N, N]`` operator from its ``[..., N]`` diagonal."""

    def __init__(self, diag, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, name="LinearOperatorDiag"):
        self._diag = convert_to_tensor(diag, name="diag")
        if self._diag.shape.ndims is not None and self._diag.shape.ndims < 1:
            raise ValueError(f"diag must have rank >= 1, got shape {self._diag.shape}")
        if is_square is False:
            raise ValueError("A diagonal operator is always square.")
        if is_self_adjoint is None and not self._diag.dtype.is_complex:
            is_self_adjoint = True
        super().__init__(self._diag.dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name, parameters={"diag": diag})

    @property
    def diag(self):
        return self._diag

    def _shape(self):
        d = self._diag.shape
        return TensorShape(None) if d.ndims is None else TensorShape(d.as_tuple() + d.as_tuple()[-1:])

    def _to_dense(self):
        return linalg_ops.matrix_diag(self._diag)

    def _scale(self, adjoint):
        return conj(self._diag) if adjoint and self._diag.dtype.is_complex else self._diag

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        return array_ops.expand_dims(self._scale(adjoint), -1) * x

    def _solve(self, rhs, adjoint, adjoint_arg):
        rhs = _adj(rhs) if adjoint_arg else rhs
        return rhs / array_ops.expand_dims(self._scale(adjoint), -1)

    def _determinant(self):
        return math_ops.reduce_prod(self._diag, axis=-1)

    def _log_abs_determinant(self):
        return math_ops.reduce_sum(math_ops.log(math_ops.abs(self._diag)), axis=-1)

    def _diag_part(self):
        return array_ops.identity(self._diag)


class LinearOperatorScaledIdentity(LinearOperator):
    """``multiplier * I``: an ``[..., N, N]`` scaled identity (the batch shape is the
    multiplier's)."""

    def __init__(self, num_rows, multiplier, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorScaledIdentity"):
        self._multiplier = convert_to_tensor(multiplier, name="multiplier")
        self._num_rows = int(num_rows)
        if self._num_rows < 0:
            raise ValueError(f"num_rows must be non-negative, got {num_rows}")
        super().__init__(self._multiplier.dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name,
                         parameters={"num_rows": num_rows, "multiplier": multiplier})

    @property
    def multiplier(self):
        return self._multiplier

    def _shape(self):
        m = self._multiplier.shape
        lead = m.as_tuple() if m.ndims is not None else None
        return TensorShape(None) if lead is None else TensorShape(lead + (self._num_rows,) * 2)

    def _scalar(self, adjoint):
        m = conj(self._multiplier) if adjoint and self.dtype.is_complex else self._multiplier
        return array_ops.expand_dims(array_ops.expand_dims(m, -1), -1)

    def _to_dense(self):
        return self._scalar(False) * linalg_ops.eye(self._num_rows, dtype=self.dtype)

    def _matmul(self, x, adjoint, adjoint_arg):
        return self._scalar(adjoint) * (_adj(x) if adjoint_arg else x)

    def _solve(self, rhs, adjoint, adjoint_arg):
        return (_adj(rhs) if adjoint_arg else rhs) / self._scalar(adjoint)

    def _determinant(self):
        return self._multiplier ** self._num_rows

    def _log_abs_determinant(self):
        return self._num_rows * math_ops.log(math_ops.abs(self._multiplier))

    def _diag_part(self):
        return array_ops.expand_dims(self._multiplier, -1) * array_ops.ones(
            [self._num_rows], dtype=self.dtype)


class LinearOperatorIdentity(LinearOperatorScaledIdentity):
    """The ``[N, N]`` identity (with ``batch_shape``, a batch of them)."""

    def __init__(self, num_rows, batch_shape=None, dtype=None, is_non_singular=True,
                 is_self_adjoint=True, is_positive_definite=True, is_square=True,
                 assert_proper_shapes=False, name="LinearOperatorIdentity"):
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        shape = [int(b) for b in batch_shape] if batch_shape is not None else []
        ones = np.ones(shape, dtype.np_dtype)
        super().__init__(num_rows, ones, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         name=name)
        self._batch = batch_shape is not None

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        return x * self._scalar(False) if self._batch else array_ops.identity(x)

    def _solve(self, rhs, adjoint, adjoint_arg):
        return self._matmul(rhs, adjoint, adjoint_arg)


class LinearOperatorZeros(LinearOperator):
    """The ``[M, N]`` zero matrix (with ``batch_shape``, a batch of them)."""

    def __init__(self, num_rows, num_columns=None, batch_shape=None, dtype=None,
                 is_non_singular=False, is_self_adjoint=True, is_positive_definite=False,
                 is_square=True, assert_proper_shapes=False, name="LinearOperatorZeros"):
        self._rows = int(num_rows)
        self._cols = int(num_columns if num_columns is not None else num_rows)
        self._batch = [int(b) for b in batch_shape] if batch_shape is not None else []
        if is_non_singular:
            raise ValueError("A zero operator is always singular.")
        super().__init__(dtype or dtypes.float32, is_non_singular=False,
                         is_self_adjoint=is_self_adjoint if self._rows == self._cols else None,
                         is_positive_definite=False, is_square=self._rows == self._cols, name=name)

    def _shape(self):
        return TensorShape(self._batch + [self._rows, self._cols])

    def _to_dense(self):
        return array_ops.zeros(self._batch + [self._rows, self._cols], dtype=self.dtype)

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        rows = self._cols if adjoint else self._rows
        shape = array_ops.concat([array_ops.shape(x)[:-2], [rows], array_ops.shape(x)[-1:]], 0)
        return array_ops.zeros(shape, dtype=self.dtype) + array_ops.zeros(
            self._batch + [rows, 1], dtype=self.dtype)

    def _determinant(self):
        return array_ops.zeros(self._batch, dtype=self.dtype)

    def _log_abs_determinant(self):
        return math_ops.log(array_ops.zeros(self._batch, dtype=self.dtype))

    def _diag_part(self):
        return array_ops.zeros(self._batch + [min(self._rows, self._cols)], dtype=self.dtype)


class LinearOperatorLowerTriangular(LinearOperator):
    """The lower triangle of ``tril`` (the rest is ignored): solves by substitution."""

    def __init__(self, tril, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorLowerTriangular"):
        self._tril = linalg_ops.matrix_band_part(convert_to_tensor(tril, name="tril"), -1, 0)
        if is_square is False:
            raise ValueError("A triangular operator is always square.")
        super().__init__(self._tril.dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name, parameters={"tril": tril})

    def _to_dense(self):
        return self._tril

    def _solve(self, rhs, adjoint, adjoint_arg):
        rhs = _adj(rhs) if adjoint_arg else rhs
        return linalg_ops.matrix_triangular_solve(self._tril, rhs, lower=True, adjoint=adjoint)

    def _diag_part(self):
        return linalg_ops.matrix_diag_part(self._tril)

    def _determinant(self):
        return math_ops.reduce_prod(self._diag_part(), axis=-1)

    def _log_abs_determinant(self):
        return math_ops.reduce_sum(math_ops.log(math_ops.abs(self._diag_part())), axis=-1)


# --- built from other operators ----------------------------------------------------------
def _operators(operators, what):
    operators = list(operators)
    if not operators:
        raise ValueError(f"{what} needs at least one operator")
    if not all(isinstance(o, LinearOperator) for o in operators):
        raise TypeError(f"{what} takes LinearOperators")
    if len({o.dtype for o in operators}) != 1:
        raise TypeError(f"{what}: the operators have different dtypes "
                        f"{[o.dtype.name for o in operators]}")
    return operators


def _all(values):
    return True if all(v is True for v in values) else None


class LinearOperatorComposition(LinearOperator):
    """``operators[0] @ operators[1] @ ...``."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None):
        self._ops = _operators(operators, "LinearOperatorComposition")
        for a, b in zip(self._ops, self._ops[1:]):
            if a.domain_dimension is not None and b.range_dimension is not None and \
                    a.domain_dimension != b.range_dimension:
                raise ValueError(f"Cannot compose operators of shapes {a.shape} and {b.shape}")
        if is_non_singular is None:
            is_non_singular = _all(o.is_non_singular for o in self._ops)
        super().__init__(self._ops[0].dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=is_square,
                         name=name or "_o_".join(o.name for o in self._ops))

    @property
    def operators(self):
        return list(self._ops)

    def _to_dense(self):
        dense = self._ops[-1].to_dense()
        for o in reversed(self._ops[:-1]):
            dense = o.matmul(dense)
        return dense

    def _matmul(self, x, adjoint, adjoint_arg):
        ops = list(reversed(self._ops)) if adjoint else self._ops
        out = ops[-1]._matmul(x, adjoint, adjoint_arg)
        for o in reversed(ops[:-1]):
            out = o._matmul(out, adjoint, False)
        return out

    def _solve(self, rhs, adjoint, adjoint_arg):
        ops = list(reversed(self._ops)) if adjoint else self._ops
        out = ops[0]._solve(rhs, adjoint, adjoint_arg)
        for o in ops[1:]:
            out = o._solve(out, adjoint, False)
        return out

    def _determinant(self):
        out = self._ops[0].determinant()
        for o in self._ops[1:]:
            out = out * o.determinant()
        return out

    def _log_abs_determinant(self):
        return math_ops.add_n([o.log_abs_determinant() for o in self._ops])


class LinearOperatorAdjoint(LinearOperator):
    """The adjoint (conjugate transpose) of ``operator``."""

    def __init__(self, operator, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None):
        self._op = _operators([operator], "LinearOperatorAdjoint")[0]
        super().__init__(operator.dtype, is_non_singular=is_non_singular if is_non_singular is not None
                         else operator.is_non_singular,
                         is_self_adjoint=is_self_adjoint if is_self_adjoint is not None
                         else operator.is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square,
                         name=name or operator.name + "_adjoint")

    @property
    def operator(self):
        return self._op

    def _to_dense(self):
        return _adj(self._op.to_dense())

    def _matmul(self, x, adjoint, adjoint_arg):
        return self._op._matmul(x, not adjoint, adjoint_arg)

    def _solve(self, rhs, adjoint, adjoint_arg):
        return self._op._solve(rhs, not adjoint, adjoint_arg)

    def _determinant(self):
        d = self._op.determinant()
        return conj(d) if d.dtype.is_complex else d

    def _log_abs_determinant(self):
        return self._op.log_abs_determinant()


class LinearOperatorInversion(LinearOperator):
    """The inverse of a square, non-singular ``operator``: its matmul is the operator's
    solve and the other way round."""

    def __init__(self, operator, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None):
        self._op = _operators([operator], "LinearOperatorInversion")[0]
        if operator.is_non_singular is False or is_non_singular is False:
            raise ValueError("Cannot invert a singular operator")
        if operator.is_square is False:
            raise ValueError("Cannot invert a non-square operator")
        super().__init__(operator.dtype, is_non_singular=is_non_singular or operator.is_non_singular,
                         is_self_adjoint=is_self_adjoint if is_self_adjoint is not None
                         else operator.is_self_adjoint,
                         is_positive_definite=is_positive_definite if is_positive_definite is not None
                         else operator.is_positive_definite,
                         is_square=True, name=name or operator.name + "_inv")

    @property
    def operator(self):
        return self._op

    def _shape(self):
        return self._op.shape

    def _to_dense(self):
        return math_ops.matrix_inverse(self._op.to_dense())

    def _matmul(self, x, adjoint, adjoint_arg):
        return self._op._solve(x, adjoint, adjoint_arg)

    def _solve(self, rhs, adjoint, adjoint_arg):
        return self._op._matmul(rhs, adjoint, adjoint_arg)

    def _determinant(self):
        return 1.0 / self._op.determinant()

    def _log_abs_determinant(self):
        return -self._op.log_abs_determinant()


def _block(rows):
    """The dense matrix of a grid of dense blocks (None: zeros of the block's size)."""
    return array_ops.concat([array_ops.concat(row, -1) for row in rows], -2)


def _zeros_block(rows, cols, dtype, like):
    lead = array_ops.shape(like)[:-2]
    return array_ops.zeros(array_ops.concat([lead, [rows, cols]], 0), dtype=dtype)


class LinearOperatorBlockDiag(LinearOperator):
    """The block-diagonal operator of square ``operators``."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, name=None):
        self._ops = _operators(operators, "LinearOperatorBlockDiag")
        if any(o.domain_dimension is None or o.range_dimension is None for o in self._ops):
            raise ValueError("LinearOperatorBlockDiag needs operators of known dimensions")
        super().__init__(self._ops[0].dtype,
                         is_non_singular=is_non_singular if is_non_singular is not None
                         else _all(o.is_non_singular for o in self._ops),
                         is_self_adjoint=is_self_adjoint if is_self_adjoint is not None
                         else _all(o.is_self_adjoint for o in self._ops),
                         is_positive_definite=is_positive_definite, is_square=is_square,
                         name=name or "_ds_".join(o.name for o in self._ops))

    @property
    def operators(self):
        return list(self._ops)

    def _to_dense(self):
        denses = [o.to_dense() for o in self._ops]
        rows = []
        for i, (o, d) in enumerate(zip(self._ops, denses)):
            row = [d if j == i else _zeros_block(o.range_dimension, p.domain_dimension, self.dtype, d)
                   for j, p in enumerate(self._ops)]
            rows.append(row)
        return _block(rows)

    def _split(self, x, sizes):
        return array_ops.split(x, sizes, axis=-2)

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        sizes = [o.range_dimension if adjoint else o.domain_dimension for o in self._ops]
        parts = self._split(x, sizes)
        return array_ops.concat([o._matmul(p, adjoint, False) for o, p in zip(self._ops, parts)], -2)

    def _solve(self, rhs, adjoint, adjoint_arg):
        rhs = _adj(rhs) if adjoint_arg else rhs
        parts = self._split(rhs, [o.range_dimension for o in self._ops])
        return array_ops.concat([o._solve(p, adjoint, False) for o, p in zip(self._ops, parts)], -2)

    def _determinant(self):
        out = self._ops[0].determinant()
        for o in self._ops[1:]:
            out = out * o.determinant()
        return out

    def _log_abs_determinant(self):
        return math_ops.add_n([o.log_abs_determinant() for o in self._ops])

    def _diag_part(self):
        return array_ops.concat([o.diag_part() for o in self._ops], -1)


class LinearOperatorBlockLowerTriangular(LinearOperator):
    """The block lower-triangular operator whose row ``i`` of blocks is
    ``operators[i]`` (``i + 1`` operators; the last one is the diagonal block)."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorBlockLowerTriangular"):
        rows = [list(r) for r in operators]
        if [len(r) for r in rows] != list(range(1, len(rows) + 1)):
            raise ValueError("operators must be a list of rows of 1, 2, 3... LinearOperators")
        _operators([o for r in rows for o in r], "LinearOperatorBlockLowerTriangular")
        self._rows = rows
        super().__init__(rows[0][0].dtype,
                         is_non_singular=is_non_singular if is_non_singular is not None
                         else _all(r[-1].is_non_singular for r in rows),
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name)

    @property
    def operators(self):
        return [list(r) for r in self._rows]

    def _to_dense(self):
        diag = [r[-1] for r in self._rows]
        out = []
        for i, row in enumerate(self._rows):
            dense = [o.to_dense() for o in row]
            zeros = [_zeros_block(diag[i].range_dimension, diag[j].domain_dimension, self.dtype, dense[0])
                     for j in range(i + 1, len(self._rows))]
            out.append(dense + zeros)
        return _block(out)

    def _solve(self, rhs, adjoint, adjoint_arg):
        if adjoint:
            return super()._solve(rhs, adjoint, adjoint_arg)
        rhs = _adj(rhs) if adjoint_arg else rhs
        parts = array_ops.split(rhs, [r[-1].range_dimension for r in self._rows], axis=-2)
        solved = []
        for row, b in zip(self._rows, parts):  # forward substitution by blocks
            for o, x in zip(row[:-1], solved):
                b = b - o.matmul(x)
            solved.append(row[-1].solve(b))
        return array_ops.concat(solved, -2)

    def _determinant(self):
        out = self._rows[0][-1].determinant()
        for r in self._rows[1:]:
            out = out * r[-1].determinant()
        return out

    def _log_abs_determinant(self):
        return math_ops.add_n([r[-1].log_abs_determinant() for r in self._rows])


class LinearOperatorKronecker(LinearOperator):
    """The Kronecker product ``operators[0] (x) operators[1] (x) ...``."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None):
        self._ops = _operators(operators, "LinearOperatorKronecker")
        super().__init__(self._ops[0].dtype,
                         is_non_singular=is_non_singular if is_non_singular is not None
                         else _all(o.is_non_singular for o in self._ops),
                         is_self_adjoint=is_self_adjoint if is_self_adjoint is not None
                         else _all(o.is_self_adjoint for o in self._ops),
                         is_positive_definite=is_positive_definite, is_square=is_square,
                         name=name or "_x_".join(o.name for o in self._ops))

    @property
    def operators(self):
        return list(self._ops)

    def _shape(self):
        shapes = [o.shape.as_tuple() for o in self._ops]
        if any(s is None for s in shapes):
            return TensorShape(None)
        m = n = 1
        for s in shapes:
            m = None if m is None or s[-2] is None else m * s[-2]
            n = None if n is None or s[-1] is None else n * s[-1]
        lead = max((s[:-2] for s in shapes), key=len)
        return TensorShape(lead + (m, n))

    def _to_dense(self):
        out = self._ops[0].to_dense()
        for o in self._ops[1:]:
            b = o.to_dense()
            # kron(a, b)[i*p + k, j*q + l] = a[i, j] * b[k, l]
            a4 = array_ops.expand_dims(array_ops.expand_dims(out, -1), -3)   # [.., m, 1, n, 1]
            b4 = array_ops.expand_dims(array_ops.expand_dims(b, -3), -2)     # [.., 1, p, 1, q]
            prod = a4 * b4
            lead = array_ops.shape(prod)[:-4]
            dims = array_ops.shape(prod)[-4:]
            out = array_ops.reshape(prod, array_ops.concat([lead, [dims[0] * dims[1], dims[2] * dims[3]]], 0))
        return out

    def _determinant(self):
        total = self.range_dimension
        out = None
        for o in self._ops:
            d = o.determinant() ** (total // o.range_dimension)
            out = d if out is None else out * d
        return out

    def _log_abs_determinant(self):
        total = self.range_dimension
        return math_ops.add_n([o.log_abs_determinant() * float(total // o.range_dimension)
                               for o in self._ops])


# --- structured -------------------------------------------------------------------------------
class LinearOperatorPermutation(LinearOperator):
    """The permutation matrix ``P`` with ``(P x)[i] = x[perm[i]]``."""

    def __init__(self, perm, dtype=None, is_non_singular=True, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, name="LinearOperatorPermutation"):
        self._perm = convert_to_tensor(perm, name="perm")
        if not self._perm.dtype.is_integer:
            raise TypeError(f"perm must be integers, got {self._perm.dtype.name}")
        super().__init__(dtype or dtypes.float32, is_non_singular=True,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name)

    @property
    def perm(self):
        return self._perm

    def _shape(self):
        p = self._perm.shape
        return TensorShape(None) if p.ndims is None else TensorShape(p.as_tuple() + p.as_tuple()[-1:])

    def _to_dense(self):
        n = self._perm.shape.as_tuple()[-1] if self._perm.shape.ndims else None
        if n is None:
            raise ValueError("LinearOperatorPermutation needs perm of known length")
        return array_ops.one_hot(self._perm, n, dtype=self.dtype)

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        if adjoint or self._perm.shape.ndims != 1:  # P^T x puts x[i] at perm[i]
            return math_ops.matmul(self._to_dense(), x, adjoint_a=adjoint)
        return gather(x, self._perm, axis=x.shape.ndims - 2 if x.shape.ndims else -2)

    def _solve(self, rhs, adjoint, adjoint_arg):
        return self._matmul(rhs, not adjoint, adjoint_arg)


class LinearOperatorToeplitz(LinearOperator):
    """The Toeplitz matrix with first column ``col`` and first row ``row`` (``row[0]``
    is ignored: the diagonal is ``col[0]``)."""

    def __init__(self, col, row, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorToeplitz"):
        self._col = convert_to_tensor(col, name="col")
        self._row = convert_to_tensor(row, dtype=self._col.dtype, name="row")
        super().__init__(self._col.dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name)

    def _to_dense(self):
        n = self._col.shape.as_tuple()[-1] if self._col.shape.ndims else None
        if n is None:
            raise ValueError("LinearOperatorToeplitz needs col of known length")
        # entries by (i - j): col[i - j] below the diagonal, row[j - i] above it
        values = array_ops.concat([self._row[..., :0:-1], self._col], -1)   # index n-1 + i - j
        index = (np.arange(n)[:, None] - np.arange(n)[None, :]) + n - 1
        return gather(values, index.astype(np.int32), axis=values.shape.ndims - 1)


class LinearOperatorHouseholder(LinearOperator):
    """The reflection ``I - 2 v v^H / (v^H v)`` through the hyperplane orthogonal to
    ``reflection_axis`` ``v``."""

    def __init__(self, reflection_axis, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorHouseholder"):
        self._v = convert_to_tensor(reflection_axis, name="reflection_axis")
        super().__init__(self._v.dtype, is_non_singular=True, is_self_adjoint=True,
                         is_positive_definite=is_positive_definite, is_square=True, name=name)

    @property
    def reflection_axis(self):
        return self._v

    def _shape(self):
        v = self._v.shape
        return TensorShape(None) if v.ndims is None else TensorShape(v.as_tuple() + v.as_tuple()[-1:])

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        v = array_ops.expand_dims(self._v, -1)
        vh = _adj(v)
        norm = math_ops.matmul(vh, v)
        return x - 2.0 * math_ops.matmul(v, math_ops.matmul(vh, x)) / norm

    def _solve(self, rhs, adjoint, adjoint_arg):
        return self._matmul(rhs, adjoint, adjoint_arg)  # a reflection is its own inverse

    def _determinant(self):
        return -array_ops.ones_like(self._v[..., 0])

    def _log_abs_determinant(self):
        return array_ops.zeros_like(real(self._v[..., 0]) if self.dtype.is_complex
                                    else self._v[..., 0])


class LinearOperatorLowRankUpdate(LinearOperator):
    """``base_operator + U D V^H`` (``V = U`` when None, ``D = I`` when ``diag_update``
    is None)."""

    def __init__(self, base_operator, u, diag_update=None, v=None, is_diag_update_positive=None,
                 is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorLowRankUpdate"):
        self._base = _operators([base_operator], "LinearOperatorLowRankUpdate")[0]
        self._u = convert_to_tensor(u, dtype=base_operator.dtype, name="u")
        self._v = self._u if v is None else convert_to_tensor(v, dtype=base_operator.dtype, name="v")
        self._d = None if diag_update is None else convert_to_tensor(
            diag_update, dtype=base_operator.dtype, name="diag_update")
        if is_self_adjoint is None and v is None and base_operator.is_self_adjoint:
            is_self_adjoint = True
        super().__init__(base_operator.dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=is_square, name=name)

    @property
    def base_operator(self):
        return self._base

    def _update(self):
        ud = self._u if self._d is None else self._u * array_ops.expand_dims(self._d, -2)
        return math_ops.matmul(ud, _adj(self._v))

    def _to_dense(self):
        return self._base.to_dense() + self._update()


class LinearOperatorTridiag(LinearOperator):
    """A tridiagonal operator from its diagonals, in the formats of
    ``tf.linalg.tridiagonal_matmul``: "compact" ([..., 3, N]: super, main, sub),
    "sequence" (three [..., N] tensors) or "matrix"."""

    def __init__(self, diagonals, diagonals_format="compact", is_non_singular=None,
                 is_self_adjoint=None, is_positive_definite=None, is_square=None,
                 name="LinearOperatorTridiag"):
        if diagonals_format not in ("compact", "sequence", "matrix"):
            raise ValueError(f"diagonals_format must be 'compact', 'sequence' or 'matrix', "
                             f"got {diagonals_format!r}")
        self._format = diagonals_format
        self._diagonals = ([convert_to_tensor(d) for d in diagonals]
                           if diagonals_format == "sequence" else convert_to_tensor(diagonals))
        dtype = self._diagonals[0].dtype if diagonals_format == "sequence" else self._diagonals.dtype
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name)

    @property
    def diagonals(self):
        return self._diagonals

    @property
    def diagonals_format(self):
        return self._format

    def _to_dense(self):
        return linalg_ops._tridiagonal_dense(self._diagonals, self._format)

    def _matmul(self, x, adjoint, adjoint_arg):
        if adjoint:
            return super()._matmul(x, adjoint, adjoint_arg)
        x = _adj(x) if adjoint_arg else x
        return linalg_ops.tridiagonal_matmul(self._diagonals, x, diagonals_format=self._format)


# --- circulant --------------------------------------------------------------------------------
class _Circulant(LinearOperator):
    """A circulant (block-circulant with circulant blocks, in 2 or 3 dimensions) operator
    from its ``spectrum``: ``x -> ifft(spectrum * fft(x))`` on the last ``rank``
    dimensions of ``x`` folded into a vector."""

    _RANK = 1

    def __init__(self, spectrum, input_output_dtype=dtypes.complex64, is_non_singular=None,
                 is_self_adjoint=None, is_positive_definite=None, is_square=True, name=None):
        spectrum = convert_to_tensor(spectrum, name="spectrum")
        if not spectrum.dtype.is_complex:
            spectrum = math_ops.cast(spectrum, dtypes.complex128 if spectrum.dtype == dtypes.float64
                                     else dtypes.complex64)
        self._spectrum = spectrum
        dims = spectrum.shape.as_tuple()
        if dims is None or None in dims[-self._RANK:]:
            raise ValueError(f"{type(self).__name__} needs a spectrum of known trailing dimensions")
        self._block = dims[-self._RANK:]
        self._io_dtype = dtypes.as_dtype(input_output_dtype)
        super().__init__(self._io_dtype, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name or type(self).__name__)

    @property
    def spectrum(self):
        return self._spectrum

    @property
    def block_shape(self):
        return TensorShape(self._block)

    def _shape(self):
        n = int(np.prod(self._block))
        lead = self._spectrum.shape.as_tuple()[:-self._RANK]
        return TensorShape(lead + (n, n))

    def _transforms(self):
        return {1: (fft, ifft), 2: (fft2d, ifft2d), 3: (fft3d, ifft3d)}[self._RANK]

    def _matmul(self, x, adjoint, adjoint_arg):
        x = _adj(x) if adjoint_arg else x
        forward, backward = self._transforms()
        z = math_ops.cast(x, self._spectrum.dtype)
        # columns of x: [..., N, R] -> [..., R, *block]
        zt = linalg_ops.matrix_transpose(z)
        lead = array_ops.shape(zt)[:-1]
        blocks = array_ops.reshape(zt, array_ops.concat([lead, list(self._block)], 0))
        spectrum = conj(self._spectrum) if adjoint else self._spectrum
        spectrum = array_ops.expand_dims(spectrum, -self._RANK - 1)
        out = backward(spectrum * forward(blocks))
        out = linalg_ops.matrix_transpose(array_ops.reshape(
            out, array_ops.concat([lead, [int(np.prod(self._block))]], 0)))
        if self._io_dtype.is_complex:
            return math_ops.cast(out, self._io_dtype)
        return math_ops.cast(real(out), self._io_dtype)

    def _to_dense(self):
        n = int(np.prod(self._block))
        eye = linalg_ops.eye(n, dtype=self._io_dtype)
        lead = self._spectrum.shape.as_tuple()[:-self._RANK]
        if lead:
            eye = broadcast_to(eye, list(lead) + [n, n])
        return self._matmul(eye, False, False)

    def convolution_kernel(self, name="convolution_kernel"):
        """The kernel whose circular convolution is this operator: ifft of the spectrum."""
        _, backward = self._transforms()
        return backward(self._spectrum)

    def _determinant(self):
        det = math_ops.reduce_prod(array_ops.reshape(
            self._spectrum, array_ops.concat([array_ops.shape(self._spectrum)[:-self._RANK], [-1]], 0)), axis=-1)
        return det if self._io_dtype.is_complex else math_ops.cast(real(det), self._io_dtype)

    def _log_abs_determinant(self):
        flat = array_ops.reshape(self._spectrum, array_ops.concat(
            [array_ops.shape(self._spectrum)[:-self._RANK], [-1]], 0))
        out = math_ops.reduce_sum(math_ops.log(math_ops.abs(flat)), axis=-1)
        return math_ops.cast(out, self._io_dtype) if out.dtype != self._io_dtype else out


class LinearOperatorCirculant(_Circulant):
    """A circulant matrix (``x -> ifft(spectrum * fft(x))``)."""
    _RANK = 1


class LinearOperatorCirculant2D(_Circulant):
    """A block-circulant matrix with circulant blocks, from a 2-D spectrum."""
    _RANK = 2


class LinearOperatorCirculant3D(_Circulant):
    """A doubly block-circulant matrix with circulant blocks, from a 3-D spectrum."""
    _RANK = 3


