"""``tf.random``: TF1's aliases of the top-level random ops (``tf.random.normal is
tf.random_normal``), categorical/gamma/Poisson sampling and the stateless ops."""
from tensorflux.ops.random_dist_ops import (categorical, fold_in, multinomial,  # noqa: F401
                                            random_gamma as gamma, random_poisson as poisson,
                                            split, stateless_categorical, stateless_multinomial,
                                            stateless_parameterized_truncated_normal,
                                            stateless_random_binomial as stateless_binomial,
                                            stateless_random_gamma as stateless_gamma,
                                            stateless_random_normal as stateless_normal,
                                            stateless_random_poisson as stateless_poisson,
                                            stateless_random_uniform as stateless_uniform,
                                            stateless_truncated_normal)
from tensorflux.ops.graph_helpers import get_seed  # noqa: F401
from tensorflux.ops.random_ops import (random_normal as normal,  # noqa: F401
                                       random_shuffle as shuffle, random_uniform as uniform,
                                       set_random_seed, truncated_normal)
from tensorflux.ops.candidate_sampling_ops import (all_candidate_sampler,  # noqa: F401,E402
                                                   fixed_unigram_candidate_sampler,
                                                   learned_unigram_candidate_sampler,
                                                   log_uniform_candidate_sampler,
                                                   uniform_candidate_sampler)
from tensorflux.ops.random_generator import (Algorithm, Generator, create_rng_state,  # noqa: F401,E402
                                             get_global_generator, set_global_generator)
from tensorflux import random_experimental as experimental  # noqa: F401,E402

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
