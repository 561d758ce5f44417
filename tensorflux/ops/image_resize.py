"""Resizing and patch extraction: the ``Resize*`` and ``ExtractImagePatches`` ops, their
gradients, and ``tf.image.resize_images`` & co. with TF1's semantics (``align_corners``
maps corner pixel centres onto each other; ``half_pixel_centers`` defaults to False,
TF1's legacy sampling). Kernels: ``tensorflux.backends.image_kernels``.
"""
from __future__ import annotations

import math

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import constant_value


def _size_dims(size):
    value = constant_value(size)
    return (None, None) if value is None else tuple(int(v) for v in value.reshape(-1))


def _resize_shape(op):
    images, size = op.inputs
    dims = images.shape.as_tuple()
    if dims is not None and len(dims) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(dims)} for '{op.name}' "
                         f"({op.type}): images must be [batch, height, width, channels]")
    if size.shape.ndims not in (None, 1) or size.shape.as_tuple() not in (None, (None,), (2,)):
        raise ValueError(f"{op.type}: size must be a 1-D tensor of 2 elements, got shape "
                         f"{size.shape}")
    if op.attrs.get("align_corners") and op.attrs.get("half_pixel_centers"):
        raise ValueError(f"{op.type}: align_corners and half_pixel_centers cannot both be true")
    new = _size_dims(size)
    if None not in new and min(new) <= 0:
        raise ValueError(f"{op.type}: output size must be positive, got {list(new)}")
    batch, channels = (dims[0], dims[3]) if dims is not None else (None, None)
    return [TensorShape([batch, *new, channels])]


_FLOAT_OUT = lambda op: [dtypes.float32]  # noqa: E731 - TF's resize ops output float
_HALF = {"align_corners": False, "half_pixel_centers": False}
defop("ResizeBilinear", ("images", "size"), attrs=dict(_HALF), shape_fn=_resize_shape,
      dtype_fn=_FLOAT_OUT, doc="Bilinear resize of NHWC images (float32 output).")
defop("ResizeBicubic", ("images", "size"), attrs=dict(_HALF), shape_fn=_resize_shape,
      dtype_fn=_FLOAT_OUT, doc="Bicubic (Keys) resize of NHWC images (float32 output).")
defop("ResizeNearestNeighbor", ("images", "size"), attrs=dict(_HALF), shape_fn=_resize_shape,
      doc="Nearest-neighbour resize of NHWC images (keeps the dtype).")
defop("ResizeArea", ("images", "size"), attrs={"align_corners": False},
      shape_fn=_resize_shape, dtype_fn=_FLOAT_OUT,
      doc="Area-averaging resize of NHWC images (float32 output).")
for _name in ("ResizeBilinearGrad", "ResizeBicubicGrad"):
    defop(_name, ("grads", "original_image"), attrs=dict(_HALF),
          dtype_fn=lambda op: [op.inputs[1].dtype if op.inputs[1].dtype.is_floating
                               else dtypes.float32],
          shape_fn=lambda op: [op.inputs[1].shape])


def _nearest_grad_shape(op):
    dims = op.inputs[0].shape.as_tuple() or (None,) * 4
    return [TensorShape([dims[0], *_size_dims(op.inputs[1]), dims[3]])]


defop("ResizeNearestNeighborGrad", ("grads", "size"), attrs=dict(_HALF),
      shape_fn=_nearest_grad_shape)
not_differentiable("ResizeArea", "ResizeBilinearGrad", "ResizeBicubicGrad",
                   "ResizeNearestNeighborGrad")


def _attrs_of(op):
    return {k: op.attrs[k] for k in ("align_corners", "half_pixel_centers")}


@gradient("ResizeBilinear", "ResizeBicubic")
def _resize_grad(op, grad):
    graph = get_default_graph()
    out = graph.create_op(f"{op.type}Grad", [grad, op.inputs[0]], _attrs_of(op)).outputs[0]
    return [out, None]


@gradient("ResizeNearestNeighbor")
def _nearest_grad(op, grad):
    images = op.inputs[0]
    dims = images.shape.as_tuple()
    if dims is not None and None not in dims[1:3]:
        size = convert_to_tensor(list(dims[1:3]), dtypes.int32)
    else:
        size = array_ops.shape(images)[1:3]
    out = get_default_graph().create_op("ResizeNearestNeighborGrad", [grad, size],
                                        _attrs_of(op)).outputs[0]
    return [out, None]


def _resize(op_type, images, size, name, **attrs):
    images = convert_to_tensor(images)
    size = convert_to_tensor(size, preferred_dtype=dtypes.int32)
    return get_default_graph().create_op(op_type, [images, size], attrs,
                                         name=name or op_type).outputs[0]


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bilinear resize of [batch, h, w, c] images to ``size`` = [new_h, new_w]; float32."""
    return _resize("ResizeBilinear", images, size, name, align_corners=bool(align_corners),
                   half_pixel_centers=bool(half_pixel_centers))


def resize_bicubic(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bicubic resize (Keys kernel, a = -0.75 as TF1) to ``size``; float32."""
    return _resize("ResizeBicubic", images, size, name, align_corners=bool(align_corners),
                   half_pixel_centers=bool(half_pixel_centers))


def resize_nearest_neighbor(images, size, align_corners=False, name=None,
                            half_pixel_centers=False):
    """Nearest-neighbour resize to ``size``; keeps the dtype."""
    return _resize("ResizeNearestNeighbor", images, size, name,
                   align_corners=bool(align_corners), half_pixel_centers=bool(half_pixel_centers))


def resize_area(images, size, align_corners=False, name=None):
    """Resize by averaging the input area each output pixel covers; float32."""
    return _resize("ResizeArea", images, size, name, align_corners=bool(align_corners))


class ResizeMethod:
    """TF1's resize methods (``tf.image.ResizeMethod``)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_RESIZERS = {ResizeMethod.BILINEAR: resize_bilinear, ResizeMethod.NEAREST_NEIGHBOR:
             resize_nearest_neighbor, ResizeMethod.BICUBIC: resize_bicubic,
             ResizeMethod.AREA: resize_area}
_NAMED = {"bilinear": 0, "nearest": 1, "bicubic": 2, "area": 3}


def _resizer(method, align_corners):
    method = _NAMED.get(method, method)
    if method not in _RESIZERS:
        raise ValueError("Resize method is not implemented.")
    fn = _RESIZERS[method]
    return lambda images, size: fn(images, size, align_corners=align_corners)


def batch_of(images, what):
    """(images as a 4-D batch, whether it was one already)."""
    images = convert_to_tensor(images)
    ndims = images.shape.ndims
    if ndims is None:
        raise ValueError(f"'{what}' contains no shape.")
    if ndims == 3:
        return array_ops.expand_dims(images, 0), False
    if ndims != 4:
        raise ValueError(f"'{what}' must have either 3 or 4 dimensions.")
    return images, True


def unbatch(images, is_batch):
    return images if is_batch else array_ops.squeeze(images, [0])


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None):
    """Resize [h, w, c] or [batch, h, w, c] images to ``size`` = [new_h, new_w] with a
    ``ResizeMethod``; returns the input itself when the size is already right."""
    with name_scope(name, "resize", [images, size]):
        images, is_batch = batch_of(images, "images")
        _, height, width, _ = images.shape.as_tuple()
        try:
            size = convert_to_tensor(size, dtypes.int32, name="size")
        except (TypeError, ValueError):
            raise ValueError("'size' must be a 1-D int32 Tensor") from None
        if not size.shape.is_compatible_with(TensorShape([2])):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        if preserve_aspect_ratio:
            h = math_ops.cast(array_ops.shape(images)[1], dtypes.float32)
            w = math_ops.cast(array_ops.shape(images)[2], dtypes.float32)
            scale = math_ops.minimum(math_ops.cast(size[0], dtypes.float32) / h,
                                     math_ops.cast(size[1], dtypes.float32) / w)
            size = array_ops.stack([math_ops.cast(math_ops.round(scale * h), dtypes.int32),
                                    math_ops.cast(math_ops.round(scale * w), dtypes.int32)])
        new_h, new_w = _size_dims(size)
        if None not in (height, width, new_h, new_w) and (height, width) == (new_h, new_w):
            return unbatch(images, is_batch)
        resized = _resizer(method, align_corners)(images, size)
        resized.set_shape([None, new_h, new_w, None])
        return unbatch(resized, is_batch)


def resize_image_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                          align_corners=False):
    """Resize keeping the aspect ratio so the image fits, then pad with zeros to
    [target_height, target_width] (sizes known when the graph is built)."""
    from tensorflux.ops.image_ops import pad_to_bounding_box
    with name_scope(None, "resize_image_with_pad", [image]):
        images, is_batch = batch_of(image, "image")
        _, height, width, _ = images.shape.as_tuple()
        if height is None or width is None:
            raise ValueError("resize_image_with_pad needs the image's height and width to be "
                             "known while the graph is built")
        if target_height <= 0 or target_width <= 0:
            raise ValueError("target_height and target_width must be > 0.")
        ratio = max(width / target_width, height / target_height)
        new_h, new_w = math.floor(height / ratio), math.floor(width / ratio)
        pad_h = max(0, math.floor((target_height - height / ratio) / 2))
        pad_w = max(0, math.floor((target_width - width / ratio) / 2))
        resized = _resizer(method, align_corners)(images, [new_h, new_w])
        padded = pad_to_bounding_box(resized, pad_h, pad_w, target_height, target_width)
        return unbatch(padded, is_batch)


# --- patches ------------------------------------------------------------------------------
def _patches_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is None:
        return [TensorShape([None] * 4)]
    if len(dims) != 4:
        raise ValueError(f"ExtractImagePatches: images must be rank 4, got {op.inputs[0].shape}")
    from tensorflux.backends.image_kernels import patch_indices
    out = [dims[0]]
    for axis in (1, 2):
        if dims[axis] is None:
            out.append(None)
        else:
            idx, _ = patch_indices(dims[axis], op.attrs["ksizes"][axis],
                                   op.attrs["strides"][axis], op.attrs["rates"][axis],
                                   op.attrs["padding"])
            out.append(idx.shape[0])
    depth = dims[3]
    k = op.attrs["ksizes"][1] * op.attrs["ksizes"][2]
    return [TensorShape(out + [None if depth is None else depth * k])]


_PATCH_ATTRS = {"ksizes": None, "strides": None, "rates": None, "padding": None}
defop("ExtractImagePatches", ("images",), attrs=dict(_PATCH_ATTRS), shape_fn=_patches_shape,
      doc="Patches of NHWC images, each flattened into the depth dimension.")
defop("ExtractImagePatchesGrad", ("grad", "images"), attrs=dict(_PATCH_ATTRS),
      dtype_fn=lambda op: [op.inputs[0].dtype], shape_fn=lambda op: [op.inputs[1].shape],
      doc="The adjoint of ExtractImagePatches: patch gradients summed back onto pixels.")


@gradient("ExtractImagePatches")
def _patches_grad(op, grad):
    return [get_default_graph().create_op("ExtractImagePatchesGrad", [grad, op.inputs[0]],
                                          dict(op.attrs)).outputs[0]]


@gradient("ExtractImagePatchesGrad")
def _patches_grad_grad(op, grad):
    return [get_default_graph().create_op("ExtractImagePatches", [grad], dict(op.attrs)).outputs[0],
            None]


def _four(values, what):
    values = tuple(int(v) for v in values)
    if len(values) != 4 or values[0] != 1 or values[3] != 1:
        raise ValueError(f"{what} must be [1, rows, cols, 1], got {list(values)}")
    return values


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None,
                          name=None, sizes=None):
    """[batch, out_rows, out_cols, ksize_rows * ksize_cols * depth]: every patch (a
    ``ksizes`` window, ``rates``-dilated, every ``strides`` pixels, ``padding`` SAME or
    VALID) flattened in (row, col, depth) order."""
    ksizes = sizes if ksizes is None else ksizes
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    attrs = {"ksizes": _four(ksizes, "ksizes"), "strides": _four(strides, "strides"),
             "rates": _four(rates, "rates"), "padding": padding}
    return get_default_graph().create_op("ExtractImagePatches", [convert_to_tensor(images)],
                                         attrs, name=name or "ExtractImagePatches").outputs[0]


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """TF2's name for ``extract_image_patches``."""
    return extract_image_patches(images, sizes, strides, rates, padding, name)
