"""What a third-party plugin imports: the hook marker and the registry's data types."""
from tensorflux.core.hookspecs import hookimpl  # noqa: F401
from tensorflux.core.registry import NOT_DIFFERENTIABLE, Backend, OpDef, registry  # noqa: F401
from tensorflux.ops.shape_fns import broadcast_shape, same_shape  # noqa: F401
