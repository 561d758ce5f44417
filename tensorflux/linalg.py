"""``tf.linalg``: TF1's aliases of the top-level matrix ops (``tf.linalg.inv is
tf.matrix_inverse``) and the linear algebra only it has."""
from tensorflux.ops.clip_ops import global_norm  # noqa: F401
from tensorflux.ops.linalg_ops import (adjoint, cholesky, cholesky_solve, cross, diag_part as  # noqa: F401
                                       tensor_diag_part, diag as tensor_diag, einsum, eigvalsh,
                                       eye, logdet, matmul, matrix_band_part as band_part,
                                       matrix_diag as diag, matrix_diag_part as diag_part,
                                       matrix_rank, matrix_set_diag as set_diag,
                                       matrix_solve as solve, matrix_solve_ls as lstsq,
                                       matrix_transpose, matrix_triangular_solve as
                                       triangular_solve, matvec, norm, normalize, pinv, qr,
                                       self_adjoint_eig as eigh, slogdet, svd, tensordot, trace)
from tensorflux.ops.linalg_ops import matrix_transpose as transpose  # noqa: F401
from tensorflux.ops.linalg_ops import (eigh_tridiagonal, expm, lu, lu_matrix_inverse,  # noqa: F401
                                       lu_reconstruct, lu_solve, sqrtm, tridiagonal_matmul,
                                       tridiagonal_solve)
from tensorflux.ops.math_ops import (matrix_determinant as det,  # noqa: F401
                                     matrix_inverse as inv)
from tensorflux.ops.nn_ops import l2_normalize  # noqa: F401
from tensorflux.ops.linear_operator import (  # noqa: F401,E402
    LinearOperator, LinearOperatorAdjoint, LinearOperatorBlockDiag,
    LinearOperatorBlockLowerTriangular, LinearOperatorCirculant, LinearOperatorCirculant2D,
    LinearOperatorCirculant3D, LinearOperatorComposition, LinearOperatorDiag,
    LinearOperatorFullMatrix, LinearOperatorHouseholder, LinearOperatorIdentity,
    LinearOperatorInversion, LinearOperatorKronecker, LinearOperatorLowerTriangular,
    LinearOperatorLowRankUpdate, LinearOperatorPermutation, LinearOperatorScaledIdentity,
    LinearOperatorToeplitz, LinearOperatorTridiag, LinearOperatorZeros)
from tensorflux.ops.linalg_extra import logm  # noqa: F401,E402
from tensorflux import linalg_experimental as experimental  # noqa: F401,E402

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
