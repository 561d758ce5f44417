"""tensorflux: TensorFlow 1.x's programming model on NumPy (CPU) and CuPy (GPU).

Use it as ``import tensorflux as tf``: build a graph, run it in a Session.
"""
__version__ = "0.1.0"

from tensorflux.core import dtypes as _dtypes
from tensorflux.core.dtypes import (DType, as_dtype, bool_ as bool, complex64,  # noqa: F401,A001
                                    complex128, double, float16, float32, float64, half,
                                    int8, int16, int32, int64, string, uint8, uint16,
                                    uint32, uint64, variant)
from tensorflux.core.graph import (Graph, GraphKeys, Operation, Tensor,  # noqa: F401
                                   add_to_collection, add_to_collections,
                                   control_dependencies, device, get_collection,
                                   get_collection_ref, get_default_graph, name_scope,
                                   reset_default_graph)
from tensorflux.core.session import (ConfigProto, GPUOptions, InteractiveSession,  # noqa: F401
                                     RunMetadata, RunOptions, Session, get_default_session)
from tensorflux.core.shapes import Dimension, TensorShape  # noqa: F401
from tensorflux.optimizer.config import GraphOptions, OptimizerOptions, RewriterConfig  # noqa: F401
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
from tensorflux.ops.cond import case, cond  # noqa: F401
from tensorflux.ops.debug_ops import add_check_numerics_ops, check_numerics  # noqa: F401
from tensorflux.ops.script_ops import numpy_function, py_func  # noqa: F401
from tensorflux.ops.functional_ops import foldl, foldr, map_fn, scan  # noqa: F401
from tensorflux.ops.tensor_array_ops import TensorArray  # noqa: F401
from tensorflux.ops.while_loop import while_loop  # noqa: F401
from tensorflux.ops.gradients import (NoGradient, NotDifferentiable,  # noqa: F401
                                     RegisterGradient, gradients, hessians)
from tensorflux.ops.init_ops import (constant_initializer, glorot_normal_initializer,  # noqa: F401
                                     glorot_uniform_initializer, ones_initializer,
                                     orthogonal_initializer, uniform_unit_scaling_initializer,
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
from tensorflux import (contrib, initializers, layers, losses, metrics, nn,  # noqa: F401
                        summary, test, train)
from tensorflux import gfile, io, python_io, queue, sparse  # noqa: F401
from tensorflux.ops.sparse_ops import (SparseTensor, SparseTensorValue,  # noqa: F401
                                       convert_to_tensor_or_sparse_tensor, sparse_add,
                                       sparse_concat,
                                       sparse_fill_empty_rows, sparse_matmul, sparse_maximum,
                                       sparse_merge, sparse_minimum, sparse_placeholder,
                                       sparse_reduce_sum, sparse_reorder, sparse_reset_shape,
                                       sparse_retain, sparse_segment_mean, sparse_segment_sqrt_n,
                                       sparse_segment_sum, sparse_slice,
                                       sparse_tensor_dense_matmul, sparse_tensor_to_dense,
                                       sparse_to_dense, sparse_to_indicator, sparse_transpose)
from tensorflux.ops.data_flow_ops import (FIFOQueue, PaddingFIFOQueue, PriorityQueue,  # noqa: F401
                                          QueueBase, RandomShuffleQueue, count_up_to)
from tensorflux.ops.io_ops import (FixedLengthRecordReader, ReaderBase, TextLineReader,  # noqa: F401
                                   TFRecordReader, WholeFileReader, read_file, write_file)
from tensorflux.ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature,  # noqa: F401
                                        VarLenFeature, decode_csv, decode_raw, parse_example,
                                        parse_single_example)
from tensorflux.ops.check_ops import (assert_equal, assert_greater,  # noqa: F401
                                     assert_greater_equal, assert_integer, assert_less,
                                     assert_less_equal, assert_near, assert_negative,
                                     assert_non_negative, assert_non_positive,
                                     assert_none_equal, assert_positive,
                                     assert_proper_iterable, assert_rank,
                                     assert_rank_at_least, assert_rank_in,
                                     assert_same_float_dtype, assert_scalar, assert_type,
                                     is_non_decreasing, is_numeric_tensor,
                                     is_strictly_increasing)
from tensorflux.ops.logging_ops import Assert, Print, print_v2 as print  # noqa: F401,A001
from tensorflux import app, debugging, dtypes, flags, image  # noqa: F401
from tensorflux.core.errors import OpError  # noqa: F401
from tensorflux.ops.image_ops import random_crop  # noqa: F401
from tensorflux.ops.image_resize import extract_image_patches  # noqa: F401
from tensorflux.core.behaviour import (disable_eager_execution, disable_resource_variables,  # noqa: F401
                                       disable_tensor_equality, disable_v2_behavior,
                                       disable_v2_tensorshape, executing_eagerly,
                                       executing_eagerly_outside_functions,
                                       resource_variables_enabled)
from tensorflux.core.device_spec import DeviceSpec  # noqa: F401
from tensorflux.core.shapes import dimension_value  # noqa: F401
from tensorflux.ops.graph_helpers import (AggregationMethod, VariableAggregation,  # noqa: F401
                                          VariableSynchronization, colocate_with, container,
                                          dimension_at_index, get_local_variable, get_seed,
                                          get_static_value, init_scope, is_symbolic_tensor,
                                          is_tensor,
                                          moving_average_variables, no_regularizer, op_scope,
                                          tables_initializer, variable_op_scope)
from tensorflux.ops.template import make_template  # noqa: F401
from tensorflux.ops.variables import (local_variables_initializer as initialize_local_variables,  # noqa: F401
                                      variables_initializer as initialize_variables)
from tensorflux.interop import (GRAPH_DEF_VERSION, GRAPH_DEF_VERSION_MIN_CONSUMER,  # noqa: F401
                                GRAPH_DEF_VERSION_MIN_PRODUCER)
from tensorflux.serialization.summary_writer import SessionLog  # noqa: F401

VERSION = __version__
initialize_all_tables = tables_initializer
no_gradient = NotDifferentiable
from tensorflux import tflogging as logging  # noqa: F401
from tensorflux.tflogging import get_logger  # noqa: F401
from tensorflux.serialization.graph_format import import_graph_def  # noqa: F401
from tensorflux.ops.elementwise_ops import (acos, acosh, angle, asin, asinh, atan, atan2,  # noqa: F401
                                            atanh, betainc, complex, conj, cosh, digamma,
                                            div_no_nan, erf, erfc, igamma, igammac, imag, is_inf,
                                            lbeta, lgamma, log_sigmoid, polygamma, real, rint,
                                            sinh, truncatediv, truncatemod, zeta)
from tensorflux.ops.math_ops import (argmax as arg_max, argmin as arg_min,  # noqa: F401
                                     floordiv as floor_div)
from tensorflux.ops.reduction_ops import (accumulate_n, count_nonzero, cumprod, cumsum,  # noqa: F401
                                          reduce_logsumexp, scalar_mul)
from tensorflux.ops.segment_ops import (bincount, confusion_matrix, invert_permutation,  # noqa: F401
                                        segment_max, segment_mean, segment_min, segment_prod,
                                        segment_sum, unsorted_segment_max, unsorted_segment_mean,
                                        unsorted_segment_min, unsorted_segment_prod,
                                        unsorted_segment_sqrt_n, unsorted_segment_sum)
from tensorflux.ops.linalg_ops import (cholesky, cholesky_solve, cross, diag, diag_part,  # noqa: F401
                                       einsum, eye, matrix_band_part, matrix_diag,
                                       matrix_diag_part, matrix_set_diag, matrix_solve,
                                       matrix_solve_ls, matrix_transpose,
                                       matrix_triangular_solve, norm, qr, self_adjoint_eig,
                                       self_adjoint_eigvals, svd, tensordot, trace)
from tensorflux.ops.manip_ops import (argsort, batch_gather, batch_scatter_update,  # noqa: F401
                                      batch_to_space, batch_to_space_nd, bitcast, boolean_mask,
                                      broadcast_dynamic_shape, broadcast_static_shape,
                                      broadcast_to, clip_by_average_norm, depth_to_space,
                                      dynamic_partition, dynamic_stitch, ensure_shape, gather_nd,
                                      histogram_fixed_width, histogram_fixed_width_bins,
                                      identity_n, meshgrid, parallel_stack, repeat, reverse,
                                      reverse_sequence, roll, saturate_cast, scatter_add,
                                      scatter_div, scatter_max, scatter_min, scatter_mul,
                                      scatter_nd, scatter_nd_add, scatter_nd_sub,
                                      scatter_nd_update, scatter_sub, scatter_update,
                                      searchsorted, sequence_mask, setdiff1d, shape_n, sort,
                                      space_to_batch, space_to_batch_nd, space_to_depth,
                                      strided_slice, tensor_scatter_nd_add, tensor_scatter_nd_max,
                                      tensor_scatter_nd_min, tensor_scatter_nd_sub,
                                      tensor_scatter_nd_update, timestamp, to_complex64,
                                      to_complex128, unique, unique_with_counts, unravel_index,
                                      where_v2)
from tensorflux.ops.manip_ops import (reverse as reverse_v2,  # noqa: F401
                                      tensor_scatter_nd_add as tensor_scatter_add,
                                      tensor_scatter_nd_sub as tensor_scatter_sub,
                                      tensor_scatter_nd_update as tensor_scatter_update)
from tensorflux.ops.random_dist_ops import multinomial, random_gamma, random_poisson  # noqa: F401
from tensorflux.ops.string_ops import (as_string, reduce_join, regex_replace,  # noqa: F401
                                       string_join, substr)
from tensorflux.ops.string_ops import strip as string_strip  # noqa: F401
from tensorflux.ops.string_ops import to_hash_bucket_strong as string_to_hash_bucket_strong  # noqa: F401
from tensorflux.ops.string_ops import to_number as string_to_number  # noqa: F401
from tensorflux.ops.linalg_ops import sqrtm as matrix_square_root  # noqa: F401
from tensorflux.ops.manip_ops import (grad_pass_through, guarantee_const,  # noqa: F401
                                      required_space_to_batch_paddings)
from tensorflux.ops.reduction_ops import approx_top_k  # noqa: F401
from tensorflux.ops.spectral_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d  # noqa: F401
from tensorflux.ops.encoding_ops import (decode_base64, decode_compressed,  # noqa: F401,E402
                                         decode_json_example, deserialize_many_sparse,
                                         encode_base64, parse_tensor, serialize_many_sparse,
                                         serialize_sparse, serialize_tensor)
from tensorflux.ops.io_ops import IdentityReader, matching_files  # noqa: F401,E402
from tensorflux.ops.parsing_ops import SparseFeature  # noqa: F401,E402
from tensorflux.ops.sequence_parsing import parse_single_sequence_example  # noqa: F401,E402
from tensorflux.core.behaviour import (control_flow_v2_enabled,  # noqa: F401,E402
                                       disable_control_flow_v2, enable_control_flow_v2)
from tensorflux.core.dtypes import resource  # noqa: F401,E402
from tensorflux.ops.accumulator_ops import (ConditionalAccumulator,  # noqa: F401,E402
                                            ConditionalAccumulatorBase,
                                            SparseConditionalAccumulator)
from tensorflux.ops.constant_op import register_tensor_conversion_function  # noqa: F401,E402
from tensorflux.ops.debug_ops import verify_tensor_all_finite  # noqa: F401,E402
from tensorflux.ops.functional_extras import (py_function, switch_case,  # noqa: F401,E402
                                              vectorized_map)
from tensorflux.ops.gradients import UnconnectedGradients  # noqa: F401,E402
from tensorflux.ops.custom_gradient import custom_gradient  # noqa: F401,E402
from tensorflux.ops.module import Module  # noqa: F401,E402
from tensorflux.ops.session_ops import (delete_session_tensor,  # noqa: F401,E402
                                        get_session_handle, get_session_tensor)
from tensorflux.ops.type_spec import (IndexedSlicesSpec, NoneTensorSpec,  # noqa: F401,E402
                                      SparseTensorSpec, TensorArraySpec, TensorSpec, TypeSpec,
                                      type_spec_from_value)
from tensorflux.ops.partitioned_variables import (create_partitioned_variables,  # noqa: F401,E402
                                                  fixed_size_partitioner,
                                                  min_max_variable_partitioner,
                                                  variable_axis_size_partitioner)
from tensorflux.ops.tensor_util import (convert_to_tensor_or_indexed_slices,  # noqa: F401,E402
                                        make_ndarray, make_tensor_proto)
from tensorflux.ops.conv_nd_api import (conv2d_backprop_filter_v2,  # noqa: F401,E402
                                        conv2d_backprop_input_v2)
from tensorflux.ops.sparse_extra_ops import (sparse_mask, sparse_reduce_max,  # noqa: F401,E402
                                            sparse_reduce_max_sparse, sparse_reduce_sum_sparse,
                                            sparse_reshape, sparse_softmax, sparse_split)
from tensorflux.ops.string_extra_ops import fingerprint, string_split  # noqa: F401,E402
from tensorflux.ops.string_extra_ops import to_hash_bucket as string_to_hash_bucket  # noqa: F401,E402
from tensorflux.ops.string_extra_ops import to_hash_bucket_fast as string_to_hash_bucket_fast  # noqa: F401,E402
from tensorflux.ops.misc_math_api import extract_volume_patches  # noqa: F401,E402
from tensorflux.ops.signal_ops import fftnd, ifftnd, irfftnd, rfftnd  # noqa: F401,E402
from tensorflux.ops.set_ops import edit_distance  # noqa: F401,E402
from tensorflux.ops.ragged_tensor import RaggedTensor  # noqa: F401,E402
from tensorflux.ops.ragged_rows_ops import (random_index_shuffle, ragged_fill_empty_rows,  # noqa: F401,E402
                                           ragged_fill_empty_rows_grad)
from tensorflux import (bitwise, linalg, manip, math, ragged, random, sets,  # noqa: F401,E402
                        signal, spectral, strings)

negative.__doc__ = negative.__doc__ or "Elementwise -x."
del _dtypes


from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

# tf.estimator, tf.feature_column, tf.data, tf.graph_util, tf.saved_model, tf.export_onnx
# and the protocol buffer classes are imported when first used: they pull in modules (inspect,
# logging, tempfile, protobuf) a graph-and-session program never needs.
__getattr__ = _namespace_getattr(__name__, lazy={
    "estimator": "tensorflux.estimator", "feature_column": "tensorflux.feature_column",
    "data": "tensorflux.data",
    "graph_util": "tensorflux.graph_util", "saved_model": "tensorflux.saved_model",
    "export_onnx": "tensorflux.interop.onnx_export:export_onnx",
    "Event": "tensorboard.compat.proto.event_pb2:Event",
    "LogMessage": "tensorboard.compat.proto.event_pb2:LogMessage",
    "Summary": "tensorboard.compat.proto.summary_pb2:Summary",
    "SummaryMetadata": "tensorboard.compat.proto.summary_pb2:SummaryMetadata",
    "HistogramProto": "tensorboard.compat.proto.summary_pb2:HistogramProto",
    "GraphDef": "tensorboard.compat.proto.graph_pb2:GraphDef",
    "NodeDef": "tensorboard.compat.proto.node_def_pb2:NodeDef",
    "AttrValue": "tensorboard.compat.proto.attr_value_pb2:AttrValue",
    "MetaGraphDef": "tensorboard.compat.proto.meta_graph_pb2:MetaGraphDef",
    "TensorProto": "tensorboard.compat.proto.tensor_pb2:TensorProto",
    "GraphOptions": "tensorboard.compat.proto.config_pb2:GraphOptions",
    "OptimizerOptions": "tensorboard.compat.proto.config_pb2:OptimizerOptions",
    "NameAttrList": "tensorboard.compat.proto.attr_value_pb2:NameAttrList",
    "TensorInfo": "tensorboard.compat.proto.meta_graph_pb2:TensorInfo",
    "audio": "tensorflux.audio", "compat": "tensorflux.compat", "config": "tensorflux.config",
    "nest": "tensorflux.nest",
    "resource_loader": "tensorflux.resource_loader", "version": "tensorflux.version"})
