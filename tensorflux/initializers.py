"""``tf.initializers``: the initializer classes under their TF1 short names."""
from tensorflux.ops.graph_helpers import tables_initializer  # noqa: F401
from tensorflux.ops.init_ops import (Constant as constant, GlorotNormal as glorot_normal,  # noqa: F401
                                     GlorotUniform as glorot_uniform, Identity as identity,
                                     Ones as ones, Orthogonal as orthogonal,
                                     RandomNormal as random_normal,
                                     RandomUniform as random_uniform,
                                     TruncatedNormal as truncated_normal,
                                     UniformUnitScaling as uniform_unit_scaling,
                                     VarianceScaling as variance_scaling, Zeros as zeros,
                                     he_normal, he_uniform, lecun_normal, lecun_uniform)
from tensorflux.ops.variables import (global_variables_initializer as global_variables,  # noqa: F401
                                      local_variables_initializer as local_variables,
                                      variables_initializer as variables)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
