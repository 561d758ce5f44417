"""Linear algebra (``tf.linalg`` and TF1's top-level matrix ops): decompositions
(Cholesky, QR, SVD, symmetric eigen), solves, determinants, diagonals and bands,
einsum, cross products and the norms and products TF1 builds from them. Matrices are
the last two dimensions; leading dimensions are a batch. Gradients follow TF1's."""
from __future__ import annotations

import re

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.math_ops import _graph_of, _op, binary_operands, matmul
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import broadcast_dims, constant_value, same_shape


def _dims(t, what, min_rank=2):
    dims = t.shape.as_tuple()
    if dims is not None and len(dims) < min_rank:
        raise ValueError(f"{what} must have rank >= {min_rank}, got shape {t.shape}")
    return dims


def _square(op, i=0):
    dims = _dims(op.inputs[i], f"Input of {op.type}")
    if dims is not None and None not in dims[-2:] and dims[-1] != dims[-2]:
        raise ValueError(f"Input of {op.type} must be a batch of square matrices, got shape "
                         f"{op.inputs[i].shape}")
    return dims


def _float_dtype(op):
    for t in op.inputs:
        if not (t.dtype.is_floating or t.dtype.is_complex):
            raise TypeError(f"{op.type} needs float or complex matrices, got {t.dtype.name} ({t.name})")
    return [op.inputs[0].dtype] * op.num_outputs


def _square_same_shape(op):
    _square(op)
    return [op.inputs[0].shape]


def _solve_shape(op):
    a, b = _square(op), _dims(op.inputs[1], f"rhs of {op.type}")
    if a is None or b is None:
        return [TensorShape(None)]
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ValueError(f"{op.type}: matrix of shape {op.inputs[0].shape} and rhs of shape "
                         f"{op.inputs[1].shape} have incompatible dimensions")
    return [TensorShape(broadcast_dims(a[:-2], b[:-2]) + b[-2:])]


defop("Cholesky", ("input",), shape_fn=_square_same_shape, dtype_fn=_float_dtype,
      doc="The lower Cholesky factor L of a symmetric positive definite matrix (A = L L^H).")
defop("MatrixSolve", ("matrix", "rhs"), attrs={"adjoint": False}, shape_fn=_solve_shape,
      dtype_fn=_float_dtype, doc="X with A X = B (A^H X = B with adjoint).")
defop("MatrixTriangularSolve", ("matrix", "rhs"), attrs={"lower": True, "adjoint": False},
      shape_fn=_solve_shape, dtype_fn=_float_dtype,
      doc="X with A X = B for A lower (or upper) triangular; the other triangle is ignored.")


def _logdet_shape(op):
    dims = _square(op)
    out = TensorShape(None) if dims is None else TensorShape(dims[:-2])
    return [out, out]


defop("LogMatrixDeterminant", ("input",), num_outputs=2, shape_fn=_logdet_shape,
      dtype_fn=_float_dtype, doc="(sign, log|det|) of square matrices.")


def _qr_shape(op):
    dims = _dims(op.inputs[0], "Input of Qr")
    if dims is None:
        return [TensorShape(None)] * 2
    m, n = dims[-2:]
    k = None if m is None or n is None else min(m, n)
    q_cols = m if op.attrs["full_matrices"] else k
    return [TensorShape(dims[:-2] + (m, q_cols)), TensorShape(dims[:-2] + (q_cols, n))]


defop("Qr", ("input",), attrs={"full_matrices": False}, num_outputs=2, shape_fn=_qr_shape,
      dtype_fn=_float_dtype, doc="(Q, R) with A = Q R.")


def _svd_shape(op):
    dims = _dims(op.inputs[0], "Input of Svd")
    if dims is None:
        return [TensorShape(None)] * 3
    m, n = dims[-2:]
    k = None if m is None or n is None else min(m, n)
    full, batch = op.attrs["full_matrices"], dims[:-2]
    if not op.attrs["compute_uv"]:
        return [TensorShape(batch + (k,)), TensorShape([0]), TensorShape([0])]
    return [TensorShape(batch + (k,)), TensorShape(batch + (m, m if full else k)),
            TensorShape(batch + (n, n if full else k))]


defop("Svd", ("input",), attrs={"compute_uv": True, "full_matrices": False}, num_outputs=3,
      shape_fn=_svd_shape, dtype_fn=lambda op: _float_dtype(op),
      doc="(s, u, v) with A = u diag(s) v^H, singular values in descending order.")


def _eig_shape(op):
    dims = _square(op)
    if dims is None:
        return [TensorShape(None)] * 2
    return [TensorShape(dims[:-1]), TensorShape(dims if op.attrs["compute_v"] else [0])]


defop("SelfAdjointEigV2", ("input",), attrs={"compute_v": True}, num_outputs=2,
      shape_fn=_eig_shape, dtype_fn=_float_dtype,
      doc="(e, v): eigenvalues ascending and eigenvectors of self-adjoint matrices (the "
          "lower triangle is read).")


def _band_shape(op):
    _dims(op.inputs[0], "Input of MatrixBandPart")
    return same_shape(op)


defop("MatrixBandPart", ("input",), attrs={"num_lower": -1, "num_upper": -1},
      shape_fn=_band_shape, doc="Zero everything outside the band (-1: the whole triangle).")


def _diag_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is not None and len(dims) < 1:
        raise ValueError(f"Input of MatrixDiag must be at least 1-D, got shape {op.inputs[0].shape}")
    return [TensorShape(None) if dims is None else TensorShape(dims + dims[-1:])]


def _diag_part_shape(op):
    dims = _dims(op.inputs[0], "Input of MatrixDiagPart")
    if dims is None:
        return [TensorShape(None)]
    m, n = dims[-2:]
    return [TensorShape(dims[:-2] + (None if m is None or n is None else min(m, n),))]


def _set_diag_shape(op):
    dims = _dims(op.inputs[0], "Input of MatrixSetDiag")
    want = _diag_part_shape(op)[0]
    if dims is not None and not want.is_compatible_with(op.inputs[1].shape):
        raise ValueError(f"MatrixSetDiag: diagonal of shape {op.inputs[1].shape} does not fit "
                         f"a matrix of shape {op.inputs[0].shape} (expected {want})")
    return [op.inputs[0].shape]


defop("MatrixDiag", ("diagonal",), shape_fn=_diag_shape, doc="Batched diagonal matrices.")
defop("MatrixDiagPart", ("input",), shape_fn=_diag_part_shape, doc="Batched main diagonals.")
defop("MatrixSetDiag", ("input", "diagonal"), shape_fn=_set_diag_shape,
      doc="The input with its main diagonals replaced.")


def _tensor_diag_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    return [TensorShape(None) if dims is None else TensorShape(dims + dims)]


def _tensor_diag_part_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is None:
        return [TensorShape(None)]
    half = len(dims) // 2
    if len(dims) % 2 or not TensorShape(dims[:half]).is_compatible_with(TensorShape(dims[half:])):
        raise ValueError(f"DiagPart needs a shape of the form D + D, got {op.inputs[0].shape}")
    return [TensorShape(dims[:half])]


defop("Diag", ("diagonal",), shape_fn=_tensor_diag_shape,
      doc="A tensor of shape D + D with the values of `diagonal` (shape D) on its diagonal.")
defop("DiagPart", ("input",), shape_fn=_tensor_diag_part_shape, doc="The inverse of Diag.")


def _cross_shape(op):
    a, b = (t.shape for t in op.inputs)
    if not a.is_compatible_with(b):
        raise ValueError(f"Cross: shapes {a} and {b} must be the same")
    shape = a.merge_with(b)
    if shape.ndims is not None and shape.as_tuple()[-1] not in (3, None):
        raise ValueError(f"Cross needs vectors of 3 elements in the last dimension, got {shape}")
    return [shape]


defop("Cross", ("a", "b"), shape_fn=_cross_shape, doc="Pairwise cross products of 3-vectors.")

_EINSUM_TERM = re.compile(r"^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$")


def _einsum_parts(equation):
    equation = equation.replace(" ", "")
    if "->" not in equation:
        inputs = equation
        letters = [ch for ch in inputs.replace(",", "").replace(".", "")]
        output = ("..." if "..." in inputs else "") + "".join(
            sorted(ch for ch in set(letters) if letters.count(ch) == 1))
    else:
        inputs, output = equation.split("->")
    terms = inputs.split(",")
    for t in terms + [output]:
        if not _EINSUM_TERM.match(t):
            raise ValueError(f"einsum: invalid subscripts {t!r} in {equation!r}")
    return terms, output


def _einsum_shape(op):
    terms, output = _einsum_parts(op.attrs["equation"])
    if len(terms) != len(op.inputs):
        raise ValueError(f"einsum {op.attrs['equation']!r} has {len(terms)} operands, got "
                         f"{len(op.inputs)} tensors")
    sizes, batch = {}, ()
    for term, t in zip(terms, op.inputs):
        dims = t.shape.as_tuple()
        if dims is None:
            return [TensorShape(None)]
        n_ell = len(dims) - len(term.replace("...", ""))
        if ("..." not in term and n_ell != 0) or n_ell < 0:
            raise ValueError(f"einsum: subscripts {term!r} do not match the rank of shape {t.shape}")
        start = term.find(".") if "..." in term else len(term)
        batch = broadcast_dims(batch, dims[start:start + n_ell]) if "..." in term else batch
        for ch, d in zip(term.replace("...", ""), dims[:start] + dims[start + n_ell:]):
            if d is not None and sizes.get(ch) not in (None, d) and 1 not in (d, sizes[ch]):
                raise ValueError(f"einsum: dimension {ch!r} has sizes {sizes[ch]} and {d}")
            if d is not None and sizes.get(ch) in (None, 1):
                sizes[ch] = d
    out = []
    for part in re.split(r"(\.\.\.)", output):
        out.extend(batch if part == "..." else [sizes.get(ch) for ch in part])
    return [TensorShape(out)]


defop("Einsum", ("*inputs",), attrs={"equation": ""}, shape_fn=_einsum_shape,
      doc="Einstein summation over the inputs (NumPy's einsum subscripts).")


# --- wrappers ---------------------------------------------------------------------------
def _matrix_input(x, name="input"):
    return convert_to_tensor(x, preferred_dtype="float32", name=name)


def _transpose_last(x, conjugate):
    rank = x.shape.ndims
    if rank is None:
        raise ValueError(f"matrix_transpose needs a tensor of known rank, got {x.name}")
    if rank < 2:
        raise ValueError(f"matrix_transpose needs rank >= 2, got shape {x.shape}")
    out = array_ops.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2])
    return _conj(out) if conjugate else out


def _conj(x):
    from tensorflux.ops.elementwise_ops import conj
    return conj(x)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transpose the last two dimensions (conjugating with ``conjugate``)."""
    with name_scope(name, "matrix_transpose", [a]):
        return _transpose_last(convert_to_tensor(a), conjugate)


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two dimensions."""
    with name_scope(name, "adjoint", [matrix]):
        return _transpose_last(convert_to_tensor(matrix), True)


def cholesky(input, name=None):  # noqa: A002 - TF1 signature
    return _op("Cholesky", [_matrix_input(input)], name=name or "Cholesky")


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    with _graph_of(matrix, rhs).as_default():
        a, b = binary_operands(matrix, rhs, "MatrixSolve")
        return _op("MatrixSolve", [a, b], {"adjoint": bool(adjoint)}, name=name or "MatrixSolve")


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    with _graph_of(matrix, rhs).as_default():
        a, b = binary_operands(matrix, rhs, "MatrixTriangularSolve")
        return _op("MatrixTriangularSolve", [a, b], {"lower": bool(lower), "adjoint": bool(adjoint)},
                   name=name or "MatrixTriangularSolve")


def cholesky_solve(chol, rhs, name=None):
    """X with A X = rhs, given chol = cholesky(A)."""
    with name_scope(name, "cholesky_solve", [chol, rhs]) as scope:
        y = matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
        return matrix_triangular_solve(chol, y, lower=True, adjoint=True, name=scope)


def slogdet(input, name=None):  # noqa: A002
    """(sign, log|det|) of square matrices: the determinant without overflow."""
    op = get_op("LogMatrixDeterminant", [_matrix_input(input)], name=name)
    return op.outputs[0], op.outputs[1]


def get_op(op_type, inputs, attrs=None, name=None):
    from tensorflux.core.graph import get_default_graph
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def logdet(matrix, name=None):
    """log(det(A)) of Hermitian positive definite matrices, through their Cholesky factor."""
    with name_scope(name, "logdet", [matrix]) as scope:
        chol = cholesky(matrix)
        return math_ops.multiply(2.0, math_ops.reduce_sum(
            math_ops.log(math_ops.abs(matrix_diag_part(chol))), axis=-1), name=scope)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    op = get_op("Qr", [_matrix_input(input)], {"full_matrices": bool(full_matrices)}, name)
    return op.outputs[0], op.outputs[1]


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """(s, u, v) with ``tensor = u @ diag(s) @ adjoint(v)``, or s alone without compute_uv."""
    op = get_op("Svd", [_matrix_input(tensor, "tensor")],
                {"full_matrices": bool(full_matrices), "compute_uv": bool(compute_uv)}, name)
    return tuple(op.outputs) if compute_uv else op.outputs[0]


def self_adjoint_eig(tensor, name=None):
    """(e, v): eigenvalues (ascending) and eigenvectors of self-adjoint matrices."""
    op = get_op("SelfAdjointEigV2", [_matrix_input(tensor, "tensor")], {"compute_v": True}, name)
    return op.outputs[0], op.outputs[1]


def self_adjoint_eigvals(tensor, name=None):
    return get_op("SelfAdjointEigV2", [_matrix_input(tensor, "tensor")], {"compute_v": False},
                  name).outputs[0]


def _static_band(value, what):
    if hasattr(value, "op"):
        v = constant_value(value)
        if v is None:
            raise ValueError(f"matrix_band_part: {what} must be known when the graph is built")
        value = v
    return int(value)


def matrix_band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keep the band of ``num_lower`` subdiagonals and ``num_upper`` superdiagonals
    (-1 keeps the whole triangle); zero the rest."""
    x = convert_to_tensor(input)
    return _op("MatrixBandPart", [x], {"num_lower": _static_band(num_lower, "num_lower"),
                                       "num_upper": _static_band(num_upper, "num_upper")},
               name=name or "MatrixBandPart")


def matrix_diag(diagonal, name=None):
    return _op("MatrixDiag", [convert_to_tensor(diagonal)], name=name or "MatrixDiag")


def matrix_diag_part(input, name=None):  # noqa: A002
    return _op("MatrixDiagPart", [convert_to_tensor(input)], name=name or "MatrixDiagPart")


def matrix_set_diag(input, diagonal, name=None):  # noqa: A002
    with _graph_of(input, diagonal).as_default():
        x, d = binary_operands(input, diagonal, "MatrixSetDiag")
        return _op("MatrixSetDiag", [x, d], name=name or "MatrixSetDiag")


def diag(diagonal, name=None):
    """A tensor with ``diagonal`` on its diagonal: shape D becomes D + D."""
    return _op("Diag", [convert_to_tensor(diagonal)], name=name or "Diag")


def diag_part(input, name=None):  # noqa: A002
    """The diagonal of a tensor of shape D + D (the inverse of ``diag``)."""
    return _op("DiagPart", [convert_to_tensor(input)], name=name or "DiagPart")


def trace(x, name=None):
    """The sum of the main diagonal of each matrix in the batch."""
    with name_scope(name, "Trace", [x]) as scope:
        return math_ops.reduce_sum(matrix_diag_part(x), axis=-1, name=scope)


def cross(a, b, name=None):
    with _graph_of(a, b).as_default():
        a, b = binary_operands(a, b, "Cross")
        return _op("Cross", [a, b], name=name or "Cross")


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)`` is a matrix product."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"einsum got unexpected keyword arguments {sorted(kwargs)}")
    with _graph_of(*inputs).as_default():
        tensors = [convert_to_tensor(t) for t in inputs]
        if len({t.dtype for t in tensors}) > 1:
            raise TypeError(f"einsum inputs must have one dtype, got {[t.dtype.name for t in tensors]}")
        return _op("Einsum", tensors, {"equation": equation.replace(" ", "")}, name=name or "Einsum")


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """Identity matrices of shape ``batch_shape + [num_rows, num_columns]``."""
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "eye") as scope:
        rows = constant_value(num_rows) if hasattr(num_rows, "op") else num_rows
        cols = num_rows if num_columns is None else num_columns
        cols = constant_value(cols) if hasattr(cols, "op") else cols
        if rows is not None and cols is not None and (batch_shape is None or not hasattr(batch_shape, "op")):
            value = np.eye(int(rows), int(cols), dtype=dtype.np_dtype)
            value = np.broadcast_to(value, tuple(batch_shape or ()) + value.shape)
            return constant(np.ascontiguousarray(value), name=scope)
        if num_columns is not None:
            raise ValueError("eye: num_columns must be known when num_rows is a tensor")
        ones = array_ops.ones(array_ops.reshape(convert_to_tensor(num_rows, dtype=dtypes.int32), [1]), dtype)
        return matrix_diag(ones, name=scope)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """The matrix-vector product ``a @ b`` over the batch."""
    with name_scope(name, "MatVec", [a, b]) as scope:
        product = matmul(a, array_ops.expand_dims(convert_to_tensor(b), -1),
                         transpose_a=transpose_a, adjoint_a=adjoint_a)
        return array_ops.squeeze(product, axis=-1, name=scope)


def tensordot(a, b, axes, name=None):
    """Sum of products over ``axes`` (an int N: the last N of a and first N of b; or
    two lists), by transposing and reshaping both into one matrix product."""
    with name_scope(name, "Tensordot", [a, b]) as scope:
        a, b = convert_to_tensor(a), convert_to_tensor(b)
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None or not (a.shape.is_fully_defined() and b.shape.is_fully_defined()):
            raise ValueError("tensordot needs tensors of fully known shapes")
        if isinstance(axes, (int, np.integer)):
            if axes < 0 or axes > min(ra, rb):
                raise ValueError(f"tensordot: axes must be in [0, {min(ra, rb)}], got {axes}")
            axes_a, axes_b = list(range(ra - axes, ra)), list(range(axes))
        else:
            axes_a, axes_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                              [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
            axes_a, axes_b = [x % ra for x in axes_a], [x % rb for x in axes_b]
        sa, sb = a.shape.as_list(), b.shape.as_list()
        if len(axes_a) != len(axes_b) or any(sa[i] != sb[j] for i, j in zip(axes_a, axes_b)):
            raise ValueError(f"tensordot: contracted dimensions of {a.shape} and {b.shape} "
                             f"do not match ({axes_a} vs {axes_b})")
        free_a = [i for i in range(ra) if i not in axes_a]
        free_b = [i for i in range(rb) if i not in axes_b]
        k = int(np.prod([sa[i] for i in axes_a]))
        am = array_ops.reshape(array_ops.transpose(a, free_a + axes_a), [-1, k])
        bm = array_ops.reshape(array_ops.transpose(b, axes_b + free_b), [k, -1])
        return array_ops.reshape(matmul(am, bm), [sa[i] for i in free_a] + [sb[i] for i in free_b],
                                 name=scope)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """Vector norms (``ord`` 'euclidean', a p >= 1, or inf) over one axis or all of
    them, and matrix norms ('fro', 'euclidean', 1, 2, inf) over a pair of axes."""
    keep = bool(keep_dims if keepdims is None else keepdims)
    with name_scope(name, "norm", [tensor]) as scope:
        x = convert_to_tensor(tensor)
        is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
        if isinstance(axis, (list, tuple)) and not is_matrix:
            if len(axis) != 1:
                raise ValueError(f"norm: axis must be None, an int or a pair, got {axis}")
            axis = axis[0]
        if is_matrix:
            return _matrix_norm(x, ord, [a % x.shape.ndims for a in axis], keep, scope)
        if not (ord in ("euclidean", "fro") or (isinstance(ord, (int, float)) and ord >= 1)):
            raise ValueError(f"norm: ord must be 'euclidean', 'fro', inf or a number >= 1 for "
                             f"vectors, got {ord!r}")
        magnitude = math_ops.abs(x)
        if ord == np.inf:
            return math_ops.reduce_max(magnitude, axis, keepdims=keep, name=scope)
        if ord in ("euclidean", "fro", 2):
            return math_ops.sqrt(math_ops.reduce_sum(magnitude * magnitude, axis, keepdims=keep), name=scope)
        total = math_ops.reduce_sum(math_ops.pow(magnitude, math_ops.cast(ord, magnitude.dtype)), axis,
                                    keepdims=keep)
        return math_ops.pow(total, math_ops.cast(1.0 / ord, magnitude.dtype), name=scope)


def _matrix_norm(x, ord, axis, keep, scope):  # noqa: A002
    rows, cols = axis
    magnitude = math_ops.abs(x)
    if ord in ("euclidean", "fro"):
        out = math_ops.sqrt(math_ops.reduce_sum(magnitude * magnitude, axis, keepdims=True))
    elif ord == 1:
        out = math_ops.reduce_max(math_ops.reduce_sum(magnitude, rows, keepdims=True), cols, keepdims=True)
    elif ord == np.inf:
        out = math_ops.reduce_max(math_ops.reduce_sum(magnitude, cols, keepdims=True), rows, keepdims=True)
    elif ord == 2:
        rank = x.shape.ndims
        perm = [i for i in range(rank) if i not in axis] + [rows, cols]
        s = svd(array_ops.transpose(x, perm), compute_uv=False)
        out = math_ops.reduce_max(s, -1)
        for a in sorted(axis):
            out = array_ops.expand_dims(out, a)
    else:
        raise ValueError(f"norm: ord must be 'fro', 'euclidean', 1, 2 or inf for matrices, got {ord!r}")
    if keep:
        return array_ops.identity(out, name=scope)
    return array_ops.squeeze(out, axis, name=scope)


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002
    """(tensor / norm, norm) with the norm's dimensions kept."""
    with name_scope(name, "normalize", [tensor]) as scope:
        x = convert_to_tensor(tensor)
        n = norm(x, ord=ord, axis=axis, keepdims=True)
        return math_ops.truediv(x, n, name=scope), n


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least squares solutions of A X = B (with an L2 penalty on X), through the
    Cholesky factor of the regularized normal equations, as TF1's fast path."""
    if not fast:
        raise NotImplementedError("matrix_solve_ls(fast=False) (complete orthogonal "
                                  "decomposition) is not available; use fast=True")
    with name_scope(name, "matrix_solve_ls", [matrix, rhs]) as scope:
        a, b = binary_operands(matrix, rhs, "MatrixSolveLs")
        m, n = a.shape.as_tuple()[-2:] if a.shape.ndims is not None else (None, None)
        if m is None or n is None:
            raise ValueError("matrix_solve_ls needs matrices of known size")
        reg = math_ops.cast(l2_regularizer, a.dtype) * eye(min(m, n), dtype=a.dtype)
        if m >= n:
            gram = matmul(a, a, adjoint_a=True) + reg
            return cholesky_solve(cholesky(gram), matmul(a, b, adjoint_a=True), name=scope)
        gram = matmul(a, a, adjoint_b=True) + reg
        return matmul(a, cholesky_solve(cholesky(gram), b), adjoint_a=True, name=scope)


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse, through the SVD; singular values below
    ``rcond * max(s)`` (default: 10 * max(m, n) * eps) count as zero."""
    with name_scope(name, "pinv", [a]) as scope:
        a = _matrix_input(a, "a")
        m, n = a.shape.as_tuple()[-2:]
        if rcond is None:
            rcond = 10.0 * max(m or 1, n or 1) * np.finfo(a.dtype.np_dtype).eps
        s, u, v = svd(a)
        cutoff = math_ops.cast(rcond, s.dtype) * math_ops.reduce_max(s, -1, keepdims=True)
        keep = math_ops.greater(s, cutoff)
        inv_s = array_ops.where(keep, 1.0 / array_ops.where(keep, s, array_ops.ones_like(s)),
                                array_ops.zeros_like(s))
        return matmul(v * array_ops.expand_dims(inv_s, -2), u, adjoint_b=True, name=scope)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values above ``tol`` (default: max(s) * max(m, n) * eps)."""
    with name_scope(name, "matrix_rank", [a]) as scope:
        a = _matrix_input(a, "a")
        s = svd(a, compute_uv=False)
        if tol is None:
            m, n = a.shape.as_tuple()[-2:]
            tol = math_ops.reduce_max(s, -1, keepdims=True) * (max(m or 1, n or 1) * np.finfo(a.dtype.np_dtype).eps)
        return math_ops.reduce_sum(math_ops.cast(math_ops.greater(s, tol), dtypes.int32), -1, name=scope)


def eigvalsh(tensor, name=None):
    return self_adjoint_eigvals(tensor, name=name)


# --- gradients ----------------------------------------------------------------------------
def _adj(x):
    return _transpose_last(x, x.dtype.is_complex)


def _eye_like(x):
    n = array_ops.shape(x)[-1]
    return matrix_diag(array_ops.ones(array_ops.reshape(n, [1]), x.dtype))


@gradient("Cholesky")
def _cholesky_grad(op, grad):
    chol = op.outputs[0]
    chol_inv = matrix_triangular_solve(chol, array_ops.broadcast_like(_eye_like(chol), chol))
    middle = matmul(chol, grad, adjoint_a=True)
    middle = matrix_set_diag(middle, 0.5 * matrix_diag_part(middle))
    middle = matrix_band_part(middle, -1, 0)
    grad_a = matmul(matmul(chol_inv, middle, adjoint_a=True), chol_inv)
    return [0.5 * (grad_a + _adj(grad_a))]


def _solve_grad(op, grad, solve):
    c = op.outputs[0]
    adjoint_ = op.attrs["adjoint"]
    grad_b = solve(not adjoint_)
    if adjoint_:
        grad_a = -matmul(c, grad_b, adjoint_b=True)
    else:
        grad_a = -matmul(grad_b, c, adjoint_b=True)
    return grad_a, grad_b


def _unbroadcast(grad, like):
    return array_ops.sum_to(grad, like)


@gradient("MatrixSolve")
def _matrix_solve_grad(op, grad):
    a = op.inputs[0]
    grad_a, grad_b = _solve_grad(op, grad, lambda adj: matrix_solve(a, grad, adjoint=adj))
    return [_unbroadcast(grad_a, a), _unbroadcast(grad_b, op.inputs[1])]


@gradient("MatrixTriangularSolve")
def _triangular_solve_grad(op, grad):
    a, lower = op.inputs[0], op.attrs["lower"]
    grad_a, grad_b = _solve_grad(op, grad, lambda adj: matrix_triangular_solve(a, grad, lower, adj))
    grad_a = matrix_band_part(grad_a, -1, 0) if lower else matrix_band_part(grad_a, 0, -1)
    return [_unbroadcast(grad_a, a), _unbroadcast(grad_b, op.inputs[1])]


@gradient("LogMatrixDeterminant")
def _logdet_grad(op, _sign_grad, grad):
    from tensorflux.ops.math_ops import matrix_inverse
    a = op.inputs[0]
    scale = array_ops.expand_dims(array_ops.expand_dims(grad, -1), -1)
    return [scale * _adj(matrix_inverse(a))]


@gradient("MatrixBandPart")
def _band_part_grad(op, grad):
    return [matrix_band_part(grad, op.attrs["num_lower"], op.attrs["num_upper"])]


@gradient("MatrixDiag")
def _matrix_diag_grad(op, grad):
    return [matrix_diag_part(grad)]


@gradient("MatrixDiagPart")
def _matrix_diag_part_grad(op, grad):
    return [matrix_set_diag(array_ops.zeros_like(op.inputs[0]), grad)]


@gradient("MatrixSetDiag")
def _matrix_set_diag_grad(op, grad):
    return [matrix_set_diag(grad, array_ops.zeros_like(op.inputs[1])), matrix_diag_part(grad)]


@gradient("Diag")
def _diag_grad(op, grad):
    return [diag_part(grad)]


@gradient("DiagPart")
def _diag_part_grad(op, grad):
    return [diag(grad)]


@gradient("Cross")
def _cross_grad(op, grad):
    a, b = op.inputs
    return [cross(b, grad), cross(grad, a)]


@gradient("Qr")
def _qr_grad(op, dq, dr):
    """TF1's QR gradient (reduced decomposition of a matrix with at least as many rows
    as columns)."""
    q, r = op.outputs
    a = op.inputs[0].shape.as_tuple()
    if a is None or a[-2] is None or a[-1] is None or a[-2] < a[-1] or (
            op.attrs["full_matrices"] and a[-2] != a[-1]):
        raise LookupError("The QR gradient needs full_matrices=False and a matrix of known "
                          "shape with at least as many rows as columns")

    def right_solve(x):  # x @ adjoint(inverse(r))
        return _adj(matrix_triangular_solve(r, _adj(x), lower=False))

    qdq = matmul(q, dq, adjoint_a=True)
    rdr = matmul(r, dr, adjoint_b=True)
    tril = matrix_band_part(qdq - _adj(qdq) + rdr - _adj(rdr), -1, 0)
    grad_a = matmul(q, dr + right_solve(tril))
    return [grad_a + right_solve(dq - matmul(q, qdq))]


@gradient("SelfAdjointEigV2")
def _eig_grad(op, grad_e, grad_v):
    e, v = op.outputs
    if op.attrs["compute_v"]:
        gaps = array_ops.expand_dims(e, -2) - array_ops.expand_dims(e, -1)
        safe = array_ops.where(math_ops.equal(gaps, 0), array_ops.ones_like(gaps), gaps)
        f = matrix_set_diag(1 / safe, array_ops.zeros_like(e))
        inner = matrix_diag(grad_e) + f * matmul(v, grad_v, adjoint_a=True)
        grad_a = matmul(v, matmul(inner, v, adjoint_b=True))
    else:
        _, v = self_adjoint_eig(op.inputs[0])
        grad_a = matmul(v * array_ops.expand_dims(grad_e, -2), v, adjoint_b=True)
    grad_a = matrix_band_part(grad_a + _adj(grad_a), -1, 0)
    return [matrix_set_diag(grad_a, 0.5 * matrix_diag_part(grad_a))]


@gradient("Svd")
def _svd_grad(op, grad_s, grad_u, grad_v):
    """The gradient of the thin SVD of real matrices (Townsend, 2016)."""
    a = op.inputs[0]
    if op.attrs["full_matrices"] or a.dtype.is_complex:
        raise LookupError("The SVD gradient is available for real matrices and "
                          "full_matrices=False")
    if op.attrs["compute_uv"]:
        s, u, v = op.outputs
    else:
        s, u, v = svd(a)
    grad_a = matmul(u * array_ops.expand_dims(grad_s, -2), v, adjoint_b=True)
    if not op.attrs["compute_uv"]:
        return [grad_a]
    s_row, s_col = array_ops.expand_dims(s, -2), array_ops.expand_dims(s, -1)
    gaps = s_row * s_row - s_col * s_col                      # s_j^2 - s_i^2
    safe = array_ops.where(math_ops.equal(gaps, 0), array_ops.ones_like(gaps), gaps)
    f = matrix_set_diag(1 / safe, array_ops.zeros_like(s))
    utgu = matmul(u, grad_u, adjoint_a=True)
    vtgv = matmul(v, grad_v, adjoint_a=True)
    inner = (f * (utgu - _adj(utgu))) * s_row + s_col * (f * (vtgv - _adj(vtgv)))
    grad_a += matmul(u, matmul(inner, v, adjoint_b=True))
    inv_s = 1 / s_row
    m_proj = grad_u - matmul(u, utgu)                         # (I - U U^T) dU
    n_proj = grad_v - matmul(v, vtgv)                         # (I - V V^T) dV
    grad_a += matmul(m_proj * inv_s, v, adjoint_b=True) + matmul(u * inv_s, n_proj, adjoint_b=True)
    return [grad_a]


@gradient("Einsum")
def _einsum_grad(op, grad):
    terms, output = _einsum_parts(op.attrs["equation"])
    if "..." in op.attrs["equation"]:
        raise LookupError("The einsum gradient does not support ellipses ('...')")
    grads = []
    for i, (term, x) in enumerate(zip(terms, op.inputs)):
        if len(set(term)) != len(term):
            raise LookupError(f"The einsum gradient does not support repeated subscripts ({term!r})")
        others = [(t, v) for j, (t, v) in enumerate(zip(terms, op.inputs)) if j != i]
        available = set(output).union(*(set(t) for t, _ in others))
        kept = "".join(ch for ch in term if ch in available)
        equation = ",".join([output] + [t for t, _ in others]) + "->" + kept
        g = einsum(equation, grad, *[v for _, v in others])
        for pos, ch in enumerate(term):
            if ch not in available:
                g = array_ops.expand_dims(g, pos)
        grads.append(array_ops.broadcast_like(g, x) if kept != term else g)
    return grads


# --- LU, matrix exponential and square root, tridiagonal systems -----------------------------
def _lu_shape(op):
    dims = _square(op)
    return [op.inputs[0].shape, TensorShape(None) if dims is None else TensorShape(dims[:-1])]


defop("Lu", ("input",), attrs={"output_idx_type": dtypes.int32}, num_outputs=2, shape_fn=_lu_shape,
      dtype_fn=lambda op: [_float_dtype(op)[0], op.attrs["output_idx_type"]],
      doc="(lu, p): the LU decomposition with partial pivoting, L (unit diagonal) and U "
          "packed in one matrix, and the row permutation p with input[p] = L @ U.")
defop("MatrixExponential", ("input",), shape_fn=_square_same_shape, dtype_fn=_float_dtype,
      doc="exp(A) by scaling and squaring of its Taylor series.")
not_differentiable("Lu")


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002
    """(lower_upper, perm) with ``input[perm] == L @ U`` (L unit lower triangular)."""
    op = get_op("Lu", [_matrix_input(input)], {"output_idx_type": dtypes.as_dtype(output_idx_type)}, name)
    return op.outputs[0], op.outputs[1]


def _lu_factors(lower_upper):
    lower = matrix_set_diag(matrix_band_part(lower_upper, -1, 0),
                            array_ops.ones_like(matrix_diag_part(lower_upper)))
    return lower, matrix_band_part(lower_upper, 0, -1)


def _gather_rows(x, perm):
    """x[..., perm[..., j], :] for each j: rows picked per batch entry."""
    from tensorflux.ops.manip_ops import batch_gather
    if perm.shape.ndims == 1:
        return array_ops.gather(x, perm, axis=-2 % x.shape.ndims)
    return _transpose_last(batch_gather(_transpose_last(x, False), _broadcast_perm(perm, x)), False)


def _broadcast_perm(perm, x):
    rows = array_ops.expand_dims(perm, -2)  # [..., 1, M]
    return rows + array_ops.zeros(array_ops.concat([array_ops.shape(x)[:-2], array_ops.shape(x)[-1:],
                                                    array_ops.shape(perm)[-1:]], 0), perm.dtype)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix whose LU decomposition is (lower_upper, perm)."""
    from tensorflux.ops.manip_ops import argsort
    with name_scope(name, "lu_reconstruct", [lower_upper, perm]) as scope:
        lower_upper, perm = convert_to_tensor(lower_upper), convert_to_tensor(perm)
        lower, upper = _lu_factors(lower_upper)
        inverse = math_ops.cast(argsort(perm), perm.dtype)  # of a permutation: its inverse
        return array_ops.identity(_gather_rows(matmul(lower, upper), inverse), name=scope)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """X with A X = rhs, given (lower_upper, perm) = lu(A)."""
    with name_scope(name, "lu_solve", [lower_upper, perm, rhs]) as scope:
        lower_upper, perm = convert_to_tensor(lower_upper), convert_to_tensor(perm)
        rhs = convert_to_tensor(rhs, dtype=lower_upper.dtype)
        lower, upper = _lu_factors(lower_upper)
        y = matrix_triangular_solve(lower, _gather_rows(rhs, perm), lower=True)
        return matrix_triangular_solve(upper, y, lower=False, name=scope)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of the matrix whose LU decomposition is (lower_upper, perm)."""
    with name_scope(name, "lu_matrix_inverse", [lower_upper, perm]) as scope:
        lower_upper = convert_to_tensor(lower_upper)
        identity = array_ops.broadcast_like(_eye_like(lower_upper), lower_upper)
        return array_ops.identity(lu_solve(lower_upper, perm, identity), name=scope)


def expm(input, name=None):  # noqa: A002
    """The matrix exponential of square matrices."""
    return _op("MatrixExponential", [_matrix_input(input)], name=name or "MatrixExponential")


@gradient("MatrixExponential")
def _expm_grad(op, grad):
    """The adjoint of the Fréchet derivative: the top-right block of
    expm([[A^H, G], [0, A^H]])."""
    a = op.inputs[0]
    n = a.shape.as_tuple()[-1] if a.shape.ndims is not None else None
    if n is None:
        raise LookupError("The matrix exponential gradient needs matrices of known size")
    at = _adj(a)
    block = array_ops.concat([array_ops.concat([at, grad], -1),
                              array_ops.concat([array_ops.zeros_like(at), at], -1)], -2)
    return [expm(block)[..., :n, n:]]


def sqrtm(input, name=None):  # noqa: A002
    """The principal square root of matrices without eigenvalues on the closed negative
    real axis, by the Denman-Beavers iteration (differentiable through its inverses)."""
    from tensorflux.ops.math_ops import matrix_inverse
    with name_scope(name, "MatrixSquareRoot", [input]) as scope:
        y = _matrix_input(input)
        z = array_ops.broadcast_like(_eye_like(y), y)
        for _ in range(30):
            y, z = 0.5 * (y + matrix_inverse(z)), 0.5 * (z + matrix_inverse(y))
        return array_ops.identity(y, name=scope)


def _tridiagonal_dense(diagonals, diagonals_format):
    if diagonals_format == "matrix":
        return convert_to_tensor(diagonals)
    if diagonals_format == "sequence":
        superdiag, maindiag, subdiag = (convert_to_tensor(d) for d in diagonals)
    elif diagonals_format == "compact":
        d = convert_to_tensor(diagonals)
        superdiag, maindiag, subdiag = d[..., 0, :], d[..., 1, :], d[..., 2, :]
    else:
        raise ValueError(f"diagonals_format must be 'compact', 'sequence' or 'matrix', got "
                         f"{diagonals_format!r}")
    rank = maindiag.shape.ndims
    if rank is None:
        raise ValueError("tridiagonal ops need diagonals of known rank")
    lead = [[0, 0]] * (rank - 1)
    upper = array_ops.pad(matrix_diag(superdiag[..., :-1]), lead + [[0, 1], [1, 0]])
    lower = array_ops.pad(matrix_diag(subdiag[..., 1:]), lead + [[1, 0], [0, 1]])
    return matrix_diag(maindiag) + upper + lower


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """The product of tridiagonal matrices (given by their diagonals) and ``rhs``."""
    with name_scope(name, "tridiagonal_matmul", [rhs]) as scope:
        return matmul(_tridiagonal_dense(diagonals, diagonals_format), rhs, name=scope)


def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False,
                      conjugate_rhs=False, name=None, partial_pivoting=True):
    """X with T X = rhs for tridiagonal matrices T (given by their diagonals)."""
    with name_scope(name, "tridiagonal_solve", [rhs]) as scope:
        rhs = convert_to_tensor(rhs)
        if transpose_rhs:
            rhs = _transpose_last(rhs, conjugate_rhs)
        elif conjugate_rhs:
            rhs = _conj(rhs)
        return matrix_solve(_tridiagonal_dense(diagonals, diagonals_format), rhs, name=scope)


def eigh_tridiagonal(alpha, beta, eigvals_only=True, select="a", select_range=None, tol=None,
                     name=None):
    """Eigenvalues (and with eigvals_only=False eigenvectors) of the symmetric
    tridiagonal matrix with diagonal ``alpha`` and off-diagonal ``beta``."""
    if select != "a":
        raise NotImplementedError("eigh_tridiagonal supports select='a' (all eigenvalues) only")
    with name_scope(name, "eigh_tridiagonal", [alpha, beta]):
        alpha = convert_to_tensor(alpha, preferred_dtype="float32")
        beta = convert_to_tensor(beta, dtype=alpha.dtype)
        padded = array_ops.concat([beta, array_ops.zeros([1], alpha.dtype)], 0)
        dense = _tridiagonal_dense([padded, alpha, array_ops.concat([array_ops.zeros([1], alpha.dtype), beta], 0)],
                                   "sequence")
        if eigvals_only:
            return self_adjoint_eigvals(dense)
        return self_adjoint_eig(dense)
