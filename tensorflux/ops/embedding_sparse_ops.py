"""``tf.nn.embedding_lookup_sparse`` and ``safe_embedding_lookup_sparse``: one combined
embedding per row of a SparseTensor of ids (a bag of words), as TF1 builds them from
``embedding_lookup`` and segment sums, so gradients reach the embedding as
IndexedSlices."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, math_ops, segment_ops, sparse_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.elementwise_ops import div_no_nan
from tensorflux.ops.embedding_ops import embedding_lookup
from tensorflux.ops.manip_ops import unique, where_v2
from tensorflux.ops.sparse_extra_ops import sparse_reshape
from tensorflux.ops.sparse_tensor import SparseTensor

_COMBINERS = ("mean", "sqrtn", "sum")


def _check_combiner(combiner):
    if combiner not in _COMBINERS:
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner!r}")


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None,
                            combiner=None, max_norm=None, allow_fast_lookup=False):
    """For each row of the [batch, k] SparseTensor ``sp_ids``, the ``combiner`` ("mean",
    "sqrtn" or "sum"; TF1's default "mean") of the embeddings of its ids, weighted by
    ``sp_weights`` (a SparseTensor of the same indices) or by 1 when it is None. The
    result has one row per batch row up to the last one holding an id."""
    combiner = "mean" if combiner is None else combiner
    _check_combiner(combiner)
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError(f"sp_ids must be a SparseTensor, got {type(sp_ids).__name__}")
    if sp_weights is not None and not isinstance(sp_weights, SparseTensor):
        raise TypeError(f"sp_weights must be a SparseTensor or None, got {type(sp_weights).__name__}")
    params_list = list(params) if isinstance(params, (list, tuple)) else [params]
    with name_scope(name, "embedding_lookup_sparse", params_list + [sp_ids]) as scope:
        segment_ids = math_ops.cast(sp_ids.indices[:, 0], dtypes.int32)
        ids, idx = unique(sp_ids.values)
        embeddings = embedding_lookup(params, ids, partition_strategy=partition_strategy,
                                      max_norm=max_norm)
        if sp_weights is None:
            combine = {"sum": sparse_ops.sparse_segment_sum, "mean": sparse_ops.sparse_segment_mean,
                       "sqrtn": sparse_ops.sparse_segment_sqrt_n}[combiner]
            return combine(embeddings, idx, segment_ids, name=scope)
        weights = convert_to_tensor(sp_weights.values, dtype=embeddings.dtype, name="weights")
        embeddings = array_ops.gather(embeddings, idx)
        rank = embeddings.shape.ndims
        if rank is None:
            raise ValueError("embedding_lookup_sparse with weights needs params of known rank")
        weights_b = array_ops.reshape(weights, [-1] + [1] * (rank - 1))
        total = segment_ops.segment_sum(embeddings * weights_b, segment_ids)
        if combiner == "sum":
            return array_ops.identity(total, name=scope)
        if combiner == "mean":
            norm = segment_ops.segment_sum(weights, segment_ids)
        else:
            norm = math_ops.sqrt(segment_ops.segment_sum(weights * weights, segment_ids))
        return div_no_nan(total, array_ops.reshape(norm, [-1] + [1] * (rank - 1)), name=scope)


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None,
                                 combiner="mean", default_id=None, name=None,
                                 partition_strategy="div", max_norm=None,
                                 allow_fast_lookup=False):
    """embedding_lookup_sparse that tolerates bad input, as TF1's: ids below 0 (and, but
    for "sum", weights <= 0) are dropped; a row left empty gets the embedding of
    ``default_id``, or zeros when it is None; ``sparse_ids`` may have any rank >= 2 and
    the result has its leading dimensions plus the embedding's."""
    _check_combiner(combiner)
    if not isinstance(sparse_ids, SparseTensor):
        raise TypeError(f"sparse_ids must be a SparseTensor, got {type(sparse_ids).__name__}")
    weights_list = (list(embedding_weights) if isinstance(embedding_weights, (list, tuple))
                    else [embedding_weights])
    if not weights_list:
        raise ValueError("Missing embedding_weights")
    with name_scope(name, "embedding_lookup", weights_list + [sparse_ids]) as scope:
        shape = sparse_ids.dense_shape
        rank = sparse_ids.shape.ndims
        if rank is None:
            raise ValueError("safe_embedding_lookup_sparse needs sparse_ids of known rank")
        batch = math_ops.reduce_prod(shape[:rank - 1])
        ids = sparse_reshape(sparse_ids, array_ops.stack([batch, shape[rank - 1]]))
        weights = None
        if sparse_weights is not None:
            weights = SparseTensor(ids.indices, sparse_weights.values, ids.dense_shape)
        keep = math_ops.greater_equal(ids.values, 0)
        if combiner != "sum" and weights is not None:
            keep = math_ops.logical_and(keep, math_ops.greater(weights.values, 0))
        ids = sparse_ops.sparse_retain(ids, keep)
        if weights is not None:
            weights = sparse_ops.sparse_retain(weights, keep)
        ids, empty = sparse_ops.sparse_fill_empty_rows(ids, default_id or 0)
        if weights is not None:
            weights, _ = sparse_ops.sparse_fill_empty_rows(weights, 1.0)
        result = embedding_lookup_sparse(embedding_weights, ids, weights, combiner=combiner,
                                         partition_strategy=partition_strategy, max_norm=max_norm)
        if default_id is None:
            empty = array_ops.reshape(empty, [-1] + [1] * (result.shape.ndims - 1)
                                      if result.shape.ndims is not None else [-1, 1])
            result = where_v2(empty, array_ops.zeros_like(result), result)
        out_shape = array_ops.concat([math_ops.cast(shape[:rank - 1], dtypes.int32),
                                      array_ops.shape(result)[1:]], 0)
        return array_ops.reshape(result, out_shape, name=scope)
