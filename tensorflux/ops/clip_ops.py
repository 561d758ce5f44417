"""Gradient clipping: by value, by norm, by global norm."""
from __future__ import annotations

from tensorflux.core.graph import name_scope
from tensorflux.ops import math_ops
from tensorflux.ops.constant_op import convert_to_tensor


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||_2, clip_norm), the norm taken over ``axes`` (all if None)."""
    with name_scope(name, "clip_by_norm", [t]) as scope:
        t = convert_to_tensor(t)
        l2 = math_ops.sqrt(math_ops.reduce_sum(t * t, axis=axes, keepdims=True))
        clip = math_ops.cast(convert_to_tensor(clip_norm), t.dtype)
        return math_ops.truediv(t * clip, math_ops.maximum(l2, clip), name=scope)


def global_norm(t_list, name=None):
    """sqrt(sum of squared L2 norms) of the tensors in ``t_list`` (None entries skipped)."""
    ts = [convert_to_tensor(t) for t in t_list if t is not None]
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
                t = convert_to_tensor(t)
                out.append(math_ops.multiply(t, math_ops.cast(scale, t.dtype)))
        return out, norm
