"""Small top-level names of TF1's math API built from other ops: ``tf.extract_volume_patches``
(a 3-D convolution with a one-hot filter, so it has conv3d's gradient),
``tf.verify_tensor_all_finite`` and ``tf.convert_to_tensor_or_indexed_slices``."""
from __future__ import annotations

import numpy as np

from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.conv3d_ops import conv3d, vec5
from tensorflux.ops.debug_ops import check_numerics
from tensorflux.ops.indexed_slices import IndexedSlices
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


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """``t``, checked: a run fails with ``msg`` when it holds NaN or infinity (TF1's
    name of check_numerics)."""
    return check_numerics(t if t is not None else x, msg if msg is not None else message,
                          name=name or "VerifyFinite")


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """An IndexedSlices as it is (of ``dtype`` when given); anything else as a Tensor."""
    if isinstance(value, IndexedSlices):
        if dtype is not None and value.values.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype} for IndexedSlices of "
                             f"dtype {value.values.dtype.name}")
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)
