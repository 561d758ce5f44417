"""``tf.extract_volume_patches``: a 3-D convolution with a one-hot filter, so it has
conv3d's gradient."""
from __future__ import annotations

import numpy as np

from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops
from tensorflux.ops.conv3d_ops import conv3d, vec5
from tensorflux.ops.nn_ops import _float_input


def extract_volume_patches(input, ksizes, strides, padding, name=None):  # noqa: A002
    """[batch, out_planes, out_rows, out_cols, kd * kh * kw * depth]: every ``ksizes``
    window of an NDHWC volume (every ``strides``, SAME or VALID), flattened in (plane,
    row, col, depth) order, as TF1."""
    with name_scope(name, "ExtractVolumePatches", [input]) as scope:
        x = _float_input(input, "extract_volume_patches")
        k = vec5(ksizes, "NDHWC", "ksizes")
        if k[0] != 1 or k[4] != 1:
            raise ValueError(f"extract_volume_patches: ksizes must be 1 in the batch and depth "
                             f"dimensions, got {list(k)}")
        depth = x.shape.as_tuple()[4] if x.shape.ndims == 5 else None
        if depth is None:
            raise ValueError(f"extract_volume_patches needs a 5-D input of known depth, got "
                             f"shape {x.shape}")
        size = int(np.prod(k[1:4])) * depth
        one_hot = np.eye(size, dtype=x.dtype.np_dtype).reshape(*k[1:4], depth, size)
        out = conv3d(x, one_hot, vec5(strides, "NDHWC", "strides"), padding)
        return array_ops.identity(out, name=scope)
