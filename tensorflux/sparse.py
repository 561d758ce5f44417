"""``tf.sparse``: SparseTensor and the sparse ops under their TF1 ``tf.sparse`` names."""
from tensorflux.ops.sparse_ops import SparseTensor, from_dense  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_add as add  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_concat as concat  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_expand_dims as expand_dims  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_eye as eye  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_placeholder as placeholder  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_reduce_sum as reduce_sum  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_reorder as reorder  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_retain as retain  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_tensor_dense_matmul as matmul  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_tensor_dense_matmul as sparse_dense_matmul  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_tensor_to_dense as to_dense  # noqa: F401
from tensorflux.ops.sparse_ops import sparse_transpose as transpose  # noqa: F401
