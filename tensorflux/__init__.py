"""tensorflux: TensorFlow 1.x's programming model on NumPy (CPU) and CuPy (GPU).

Use it as ``import tensorflux as tf``: build a graph, run it in a Session.
"""
__version__ = "0.1.0"

from tensorflux.core import dtypes as _dtypes
from tensorflux.core.dtypes import (DType, as_dtype, bool_ as bool, complex64,  # noqa: F401,A001
                                    complex128, double, float16, float32, float64, half,
                                    int8, int16, int32, int64, string, uint8, uint16,
                                    uint32, uint64)
from tensorflux.core.graph import (Graph, GraphKeys, Operation, Tensor,  # noqa: F401
                                   add_to_collection, add_to_collections,
                                   control_dependencies, device, get_collection,
                                   get_collection_ref, get_default_graph, name_scope,
                                   reset_default_graph)
from tensorflux.core.session import (ConfigProto, GPUOptions, InteractiveSession,  # noqa: F401
                                     RunMetadata, RunOptions, Session, get_default_session)
from tensorflux.core.shapes import Dimension, TensorShape  # noqa: F401
from tensorflux import errors  # noqa: F401
from tensorflux.ops.array_ops import (concat, expand_dims, fill, gather, identity,  # noqa: F401
                                      linspace, lin_space, newaxis, one_hot, ones,
                                      ones_like, pad, placeholder, placeholder_with_default,
                                      rank, reshape, shape, size, slice, split, squeeze,
                                      stack, stop_gradient, tile, transpose, unstack, where,
                                      zeros, zeros_like)
from tensorflux.ops.array_ops import range  # noqa: F401,A001
from tensorflux.ops.constant_op import constant, convert_to_tensor  # noqa: F401
from tensorflux.ops.control_flow_ops import group, no_op, tuple  # noqa: F401,A001
from tensorflux.ops.cond import cond  # noqa: F401
from tensorflux.ops.debug_ops import add_check_numerics_ops, check_numerics  # noqa: F401
from tensorflux.ops.script_ops import numpy_function, py_func  # noqa: F401
from tensorflux.ops.functional_ops import foldl, foldr, map_fn, scan  # noqa: F401
from tensorflux.ops.tensor_array_ops import TensorArray  # noqa: F401
from tensorflux.ops.while_loop import while_loop  # noqa: F401
from tensorflux.ops.gradients import (NoGradient, NotDifferentiable,  # noqa: F401
                                     RegisterGradient, gradients, hessians)
from tensorflux.ops.init_ops import (constant_initializer, glorot_normal_initializer,  # noqa: F401
                                     glorot_uniform_initializer, ones_initializer,
                                     random_normal_initializer, random_uniform_initializer,
                                     truncated_normal_initializer,
                                     variance_scaling_initializer, zeros_initializer)
from tensorflux.ops.nn_ops import l2_loss  # noqa: F401
from tensorflux.ops.math_ops import (abs, add, add_n, argmax, argmin, cast, ceil,  # noqa: F401,A001
                                     clip_by_value, cos, div, divide, equal, exp, expm1,
                                     floor, floordiv, floormod, greater, greater_equal,
                                     is_finite, is_nan, less, less_equal, log, log1p,
                                     logical_and, logical_not, logical_or, logical_xor,
                                     matmul, matrix_determinant, matrix_inverse, maximum,
                                     minimum, mod, multiply, negative, not_equal, pow,
                                     realdiv, reciprocal, reduce_all, reduce_any, reduce_max,
                                     reduce_mean, reduce_min, reduce_prod, reduce_sum, round,
                                     rsqrt, sigmoid, sign, sin, sqrt, square,
                                     squared_difference, subtract, tan, tanh, to_double,
                                     to_float, to_int32, to_int64, truediv)
from tensorflux.ops.random_ops import (random_normal, random_shuffle, random_uniform,  # noqa: F401
                                       set_random_seed, truncated_normal)
from tensorflux.ops.variable_scope import (AUTO_REUSE, VariableScope, get_variable,  # noqa: F401
                                           get_variable_scope, variable_scope)
from tensorflux.ops.variables import (Variable, all_variables, assert_variables_initialized,  # noqa: F401
                                      assign, assign_add, assign_sub, global_variables,
                                      global_variables_initializer,
                                      initialize_all_variables, is_variable_initialized,
                                      local_variables, local_variables_initializer,
                                      model_variables, report_uninitialized_variables,
                                      trainable_variables, variables_initializer)
from tensorflux.ops.clip_ops import clip_by_global_norm, clip_by_norm, global_norm  # noqa: F401
from tensorflux.ops.indexed_slices import IndexedSlices, IndexedSlicesValue  # noqa: F401
from tensorflux.ops.scatter_ops import scatter_add, scatter_sub, scatter_update  # noqa: F401
from tensorflux.ops.segment_ops import (dynamic_partition, dynamic_stitch, unique,  # noqa: F401
                                        unsorted_segment_sum)
from tensorflux.ops.sequence_ops import reverse_sequence  # noqa: F401
from tensorflux import (contrib, initializers, layers, losses, metrics, nn,  # noqa: F401
                        summary, test, train)
from tensorflux import tflogging as logging  # noqa: F401
from tensorflux.serialization.graph_format import import_graph_def  # noqa: F401

negative.__doc__ = negative.__doc__ or "Elementwise -x."
del _dtypes


_PROTOS = {"GraphDef": "graph_pb2", "NodeDef": "node_def_pb2", "AttrValue": "attr_value_pb2",
           "MetaGraphDef": "meta_graph_pb2", "TensorProto": "tensor_pb2"}


def __getattr__(name):
    """``tf.estimator``, ``tf.feature_column``, ``tf.graph_util``, ``tf.saved_model``,
    ``tf.export_onnx`` and TensorFlow's protocol buffer classes (``tf.GraphDef`` ...) are
    imported when first used: a graph-and-session program rarely needs them."""
    import importlib
    if name in ("estimator", "feature_column", "graph_util", "saved_model"):
        return importlib.import_module(f"tensorflux.{name}")
    if name == "export_onnx":
        from tensorflux.interop.onnx_export import export_onnx
        return export_onnx
    if name in _PROTOS:
        return getattr(importlib.import_module(f"tensorboard.compat.proto.{_PROTOS[name]}"), name)
    raise AttributeError(f"module 'tensorflux' has no attribute {name!r}")
