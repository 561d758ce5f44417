"""``tf.random.experimental``: the stateful Generator API and the stateless seed
helpers under their TF2-era names."""
from tensorflux.ops.random_dist_ops import fold_in as stateless_fold_in  # noqa: F401
from tensorflux.ops.random_dist_ops import split as stateless_split  # noqa: F401
from tensorflux.ops.ragged_rows_ops import random_index_shuffle as index_shuffle  # noqa: F401
from tensorflux.ops.random_generator import (Algorithm, Generator, create_rng_state,  # noqa: F401
                                             get_global_generator, set_global_generator)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
