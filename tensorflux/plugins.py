"""What a third-party plugin imports: the hook marker, the registry's data types and the
static-shape helpers its shape functions use."""
from tensorflux.core.hookspecs import hookimpl  # noqa: F401
from tensorflux.core.registry import NOT_DIFFERENTIABLE, Backend, OpDef, registry  # noqa: F401
from tensorflux.core.shapes import TensorShape  # noqa: F401
from tensorflux.ops.shape_fns import broadcast_shape, same_shape  # noqa: F401
