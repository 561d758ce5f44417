"""``tf.nn.embedding_lookup``: rows of an embedding matrix (or of a matrix split into
shards) by id.

The lookup is a ``gather``, so its gradient reaches the embedding variable as an
IndexedSlices and the optimizers update only the looked-up rows. With a list of shards,
ids are assigned as TF1 does: ``"mod"`` puts id ``i`` in shard ``i % n`` at row
``i // n``; ``"div"`` gives each shard a contiguous range (the first ``total % n`` shards
one id more). ``max_norm`` rescales each looked-up vector whose L2 norm exceeds it.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, clip_ops, math_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.manip_ops import dynamic_partition, dynamic_stitch


def _clip(rows, ids, max_norm):
    """Scale each embedding vector (the dimensions after the ids') to norm <= max_norm."""
    if max_norm is None:
        return rows
    ids_rank, rows_rank = ids.shape.ndims, rows.shape.ndims
    if ids_rank is None or rows_rank is None:
        raise ValueError("embedding_lookup with max_norm needs ids and params of known rank")
    return clip_ops.clip_by_norm(rows, max_norm, axes=list(range(ids_rank, rows_rank)))


def _shard_of(flat_ids, params, strategy):
    """(shard of each id, its row inside that shard)."""
    n = len(params)
    if strategy == "mod":
        return flat_ids % n, flat_ids // n
    if strategy != "div":
        raise ValueError(f"Unrecognized partition strategy: {strategy}")
    sizes = [p.shape.as_tuple()[0] if p.shape.ndims else None for p in params]
    if None not in sizes:
        total = constant(sum(sizes), dtype=flat_ids.dtype)
    else:
        total = math_ops.reduce_sum(math_ops.cast(array_ops.stack(
            [array_ops.shape(p)[0] for p in params]), flat_ids.dtype))
    per_shard, extras = total // n, total % n
    shard = math_ops.maximum(flat_ids // (per_shard + 1), (flat_ids - extras) // per_shard)
    row = array_ops.where(shard < extras, flat_ids % (per_shard + 1),
                          (flat_ids - extras) % per_shard)
    return shard, row


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """The rows of ``params`` (a tensor or variable, or a list of shards of one) for
    ``ids``: a tensor of shape ``ids.shape + params.shape[1:]``."""
    if params is None:
        raise ValueError("params must be specified")
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError("Need at least one param")
    params = list(params) if isinstance(params, (list, tuple)) else [params]
    with name_scope(name, "embedding_lookup", params + [ids]) as scope:
        params = [convert_to_tensor(p, name="params") for p in params]
        if len({p.dtype for p in params}) != 1:
            raise TypeError(f"embedding_lookup: shards have different dtypes "
                            f"{[p.dtype.name for p in params]}")
        ids = convert_to_tensor(ids, name="ids")
        if ids.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"embedding_lookup ids must be int32 or int64, got "
                            f"{ids.dtype.name} ({ids.name})")
        if len(params) == 1:
            rows = _clip(array_ops.gather(params[0], ids, name=scope), ids, max_norm)
            return array_ops.identity(rows)
        flat_ids = array_ops.reshape(ids, [-1])
        positions = array_ops.range(array_ops.size(flat_ids))
        shard, row = _shard_of(flat_ids, params, partition_strategy)
        shard = math_ops.cast(shard, dtypes.int32)
        rows_of = dynamic_partition(row, shard, len(params))
        positions_of = dynamic_partition(positions, shard, len(params))
        found = [array_ops.gather(p, r) for p, r in zip(params, rows_of)]
        stitched = dynamic_stitch(positions_of, found, name=scope)
        element = params[0].shape[1:]
        for p in params[1:]:
            element = element.merge_with(p.shape[1:])
        tail = (element.as_list() if element.is_fully_defined()
                else array_ops.shape(params[0])[1:])
        out = array_ops.reshape(stitched, array_ops.concat([array_ops.shape(ids), tail], 0))
        out.set_shape(ids.shape.concatenate(element))
        return _clip(out, ids, max_norm)
