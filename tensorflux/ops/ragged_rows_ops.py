"""``tf.ragged_fill_empty_rows`` and its gradient ``tf.ragged_fill_empty_rows_grad``
(a default value for each empty row of ragged rows given by value row ids), and
``tf.random_index_shuffle`` (a seeded permutation of [0, max_index], one index at a
time: a Feistel network keyed by the seed, walking cycles to stay inside the range; a
bijection as TF's, not TF's permutation)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.manip_ops import scatter_nd, searchsorted
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.reduction_ops import cumsum
from tensorflux.ops.shape_fns import same_shape


def ragged_fill_empty_rows(value_rowids, values, nrows, default_value, name=None):
    """(the row ids with one more entry, of row id r, for each empty row r < nrows; the
    values with ``default_value`` there; which rows were empty; where each input value
    went), as TF's RaggedFillEmptyRows: rows stay in order, each row's values too."""
    with name_scope(name, "RaggedFillEmptyRows", [value_rowids, values]):
        ids = convert_to_tensor(value_rowids, dtype=dtypes.int64, name="value_rowids")
        values = convert_to_tensor(values, name="values")
        nrows = convert_to_tensor(nrows, dtype=dtypes.int64, name="nrows")
        default = convert_to_tensor(default_value, dtype=values.dtype, name="default_value")
        counts = math_ops.reduce_sum(math_ops.cast(math_ops.equal(
            array_ops.expand_dims(array_ops.range(nrows), 1), ids), dtypes.int64), axis=1)
        empty = math_ops.equal(counts, 0)
        sizes = math_ops.maximum(counts, 1)                      # an empty row gets one entry
        starts = cumsum(sizes, exclusive=True)
        total = array_ops.reshape(math_ops.reduce_sum(sizes), [1])
        first = searchsorted(ids, ids, side="left", out_type=dtypes.int64)  # ids are sorted
        reverse_index_map = array_ops.gather(starts, ids) + array_ops.range(
            array_ops.shape(ids, out_type=dtypes.int64)[0]) - first
        empty_rows = array_ops.reshape(array_ops.where(empty), [-1])
        empty_at = array_ops.expand_dims(array_ops.gather(starts, empty_rows), 1)
        at = array_ops.expand_dims(reverse_index_map, 1)
        out_ids = scatter_nd(at, ids, total) + scatter_nd(empty_at, empty_rows, total)
        out_values = scatter_nd(at, values, total) + scatter_nd(
            empty_at, array_ops.fill(array_ops.shape(empty_rows), default), total)
        return out_ids, out_values, empty, reverse_index_map


def ragged_fill_empty_rows_grad(reverse_index_map, grad_values, name=None):
    """(the gradient of the input values: the output gradient where each went; the
    gradient of the default value: the rest of the output gradient, summed)."""
    with name_scope(name, "RaggedFillEmptyRowsGrad", [reverse_index_map, grad_values]):
        grad_values = convert_to_tensor(grad_values, name="grad_values")
        d_values = array_ops.gather(grad_values, reverse_index_map)
        d_default = math_ops.reduce_sum(grad_values) - math_ops.reduce_sum(d_values)
        return d_values, d_default


defop("RandomIndexShuffle", ("index", "seed", "max_index"), attrs={"rounds": 4},
      shape_fn=same_shape, doc="The position of index in a seeded permutation of [0, max_index].")
not_differentiable("RandomIndexShuffle")


def random_index_shuffle(index, seed, max_index, rounds=4, name=None):
    """Where ``index`` goes in a permutation of ``[0, max_index]`` fixed by the 3-word
    ``seed``: for every index at once, a bijection of the range (``rounds`` Feistel
    rounds, an even number >= 4)."""
    if int(rounds) < 4 or int(rounds) % 2:
        raise ValueError(f"rounds must be an even number >= 4, got {rounds}")
    index = convert_to_tensor(index, name="index")
    if index.dtype not in (dtypes.int32, dtypes.int64, dtypes.uint32, dtypes.uint64):
        raise TypeError(f"random_index_shuffle: index must be a 32- or 64-bit integer, got "
                        f"{index.dtype.name}")
    seed = convert_to_tensor(seed, name="seed")
    if seed.shape.as_tuple() not in (None, (3,)) and (seed.shape.ndims != 2 or seed.shape.as_tuple()[1] != 3):
        raise ValueError(f"random_index_shuffle: seed must have shape [3] (or [n, 3]), got {seed.shape}")
    max_index = convert_to_tensor(max_index, dtype=index.dtype, name="max_index")
    return get_default_graph().create_op("RandomIndexShuffle", [index, seed, max_index],
                                         {"rounds": int(rounds)},
                                         name=name or "RandomIndexShuffle").outputs[0]

