"""Gradient clipping: by value, by norm, by global norm.

IndexedSlices (sparse gradients) are clipped as TF1 does: norms are taken over their
``values`` and the result is an IndexedSlices with the same indices.
"""
from __future__ import annotations

from tensorflux.core.graph import name_scope
from tensorflux.ops import math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.indexed_slices import IndexedSlices


def _values(t):
    return convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)


def _like(t, values):
    """``values`` in the form of ``t``: an IndexedSlices if ``t`` is one."""
    return IndexedSlices(values, t.indices, t.dense_shape) if isinstance(t, IndexedSlices) else values


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||_2, clip_norm), the norm taken over ``axes`` (all if None)."""
    with name_scope(name, "clip_by_norm", [_values(t)]) as scope:
        values = _values(t)
        l2 = math_ops.sqrt(math_ops.reduce_sum(values * values, axis=axes, keepdims=True))
        clip = math_ops.cast(convert_to_tensor(clip_norm), values.dtype)
        return _like(t, math_ops.truediv(values * clip, math_ops.maximum(l2, clip), name=scope))


def global_norm(t_list, name=None):
    """sqrt(sum of squared L2 norms) of the tensors in ``t_list`` (None entries skipped)."""
    ts = [_values(t) for t in t_list if t is not None]
    if not ts:
        raise ValueError("global_norm needs at least one tensor")
    with name_scope(name, "global_norm", ts) as scope:
        squares = [math_ops.reduce_sum(t * t) for t in ts]
        return math_ops.sqrt(math_ops.add_n(squares), name=scope)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor by clip_norm / max(global_norm, clip_norm); returns
    (clipped list, global norm)."""
    if not isinstance(t_list, (list, tuple)):
        raise TypeError("t_list should be a sequence")
    with name_scope(name, "clip_by_global_norm"):
        norm = global_norm(t_list) if use_norm is None else convert_to_tensor(use_norm)
        clip = math_ops.cast(convert_to_tensor(clip_norm), norm.dtype)
        scale = clip * math_ops.minimum(1.0 / norm, 1.0 / clip)
        out = []
        for t in t_list:
            if t is None:
                out.append(None)
            else:
                values = _values(t)
                out.append(_like(t, math_ops.multiply(values, math_ops.cast(scale, values.dtype))))
        return out, norm
