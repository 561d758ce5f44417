"""``tf.version``: the version of tensorflux and of the GraphDefs it writes."""
from tensorflux import __version__ as VERSION  # noqa: F401,N812
from tensorflux.interop import (GRAPH_DEF_VERSION, GRAPH_DEF_VERSION_MIN_CONSUMER,  # noqa: F401
                                GRAPH_DEF_VERSION_MIN_PRODUCER)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
