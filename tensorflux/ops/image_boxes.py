"""Boxes in images: ``crop_and_resize``, the non-max suppressions and
``draw_bounding_boxes``, as TF1's kernels compute them.

Boxes are [y1, x1, y2, x2]: normalized to [0, 1] for crop_and_resize and
draw_bounding_boxes, in any units for the suppressions. Kernels:
``tensorflux.backends.image_kernels`` (CropAndResize) and
``tensorflux.backends.image_box_kernels`` (the others, on the host).
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import constant_value


def _crop_shape(op):
    images, boxes, _, size = op.inputs
    if images.shape.ndims not in (None, 4):
        raise ValueError(f"crop_and_resize: image must be 4-D, got {images.shape}")
    dims = boxes.shape.as_tuple()
    if dims is not None and (len(dims) != 2 or dims[1] not in (None, 4)):
        raise ValueError(f"crop_and_resize: boxes must be [num_boxes, 4], got {boxes.shape}")
    value = constant_value(size)
    ch, cw = (None, None) if value is None else (int(v) for v in np.ravel(value))
    if ch is not None and (ch <= 0 or cw <= 0):
        raise ValueError(f"crop_and_resize: crop_size must be positive, got {[ch, cw]}")
    n = boxes.shape.as_tuple()[0] if boxes.shape.ndims else None
    depth = images.shape.as_tuple()[3] if images.shape.ndims else None
    return [TensorShape([n, ch, cw, depth])]


defop("CropAndResize", ("image", "boxes", "box_ind", "crop_size"),
      attrs={"method": "bilinear", "extrapolation_value": 0.0}, shape_fn=_crop_shape,
      dtype_fn=lambda op: [dtypes.float32],
      doc="Crops of NHWC images at normalized boxes, each resized to crop_size (float32).")
defop("CropAndResizeGradImage", ("grads", "boxes", "box_ind", "image"),
      attrs={"method": "bilinear"}, shape_fn=lambda op: [op.inputs[3].shape],
      dtype_fn=lambda op: [op.inputs[3].dtype if op.inputs[3].dtype.is_floating
                           else dtypes.float32],
      doc="The gradient of CropAndResize with respect to the image.")
not_differentiable("CropAndResizeGradImage")


@gradient("CropAndResize")
def _crop_and_resize_grad(op, grad):
    image, boxes, box_ind, _ = op.inputs
    grad_image = get_default_graph().create_op(
        "CropAndResizeGradImage", [grad, boxes, box_ind, image],
        {"method": op.attrs["method"]}).outputs[0]
    return [grad_image, None, None, None]  # boxes: no gradient here (TF1 has one)


def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear",
                    extrapolation_value=0, name=None, box_indices=None):
    """For each box [y1, x1, y2, x2] (normalized) of image ``box_ind[i]``, the crop
    resized to ``crop_size`` = [height, width] by bilinear or nearest sampling;
    positions outside the image get ``extrapolation_value``."""
    box_ind = box_indices if box_ind is None else box_ind
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got {method!r}")
    inputs = [convert_to_tensor(image), convert_to_tensor(boxes, preferred_dtype=dtypes.float32),
              convert_to_tensor(box_ind, preferred_dtype=dtypes.int32),
              convert_to_tensor(crop_size, preferred_dtype=dtypes.int32)]
    attrs = {"method": method, "extrapolation_value": float(extrapolation_value)}
    return get_default_graph().create_op("CropAndResize", inputs, attrs,
                                         name=name or "CropAndResize").outputs[0]


# --- non-max suppression -----------------------------------------------------------------------
def _indices_shape(op):
    return [TensorShape([None])]


defop("NonMaxSuppressionV3", ("boxes", "scores", "max_output_size", "iou_threshold",
                              "score_threshold"),
      dtype_fn=lambda op: [dtypes.int32], shape_fn=_indices_shape,
      doc="Greedy selection of boxes by score, dropping those overlapping a kept one.")
defop("NonMaxSuppressionV5", ("boxes", "scores", "max_output_size", "iou_threshold",
                              "score_threshold", "soft_nms_sigma"),
      attrs={"pad_to_max_output_size": False}, num_outputs=3,
      dtype_fn=lambda op: [dtypes.int32, op.inputs[1].dtype, dtypes.int32],
      shape_fn=lambda op: [TensorShape([None]), TensorShape([None]), TensorShape(())],
      doc="Non-max suppression with Soft-NMS (Gaussian) and padding: (indices, scores, "
          "number valid).")
defop("NonMaxSuppressionWithOverlaps", ("overlaps", "scores", "max_output_size",
                                        "overlap_threshold", "score_threshold"),
      dtype_fn=lambda op: [dtypes.int32], shape_fn=_indices_shape,
      doc="Non-max suppression with a given [n, n] overlap matrix.")
defop("DrawBoundingBoxesV2", ("images", "boxes", "colors"), shape_fn=lambda op: [op.inputs[0].shape],
      doc="Images with one-pixel box outlines drawn on them.")
not_differentiable("NonMaxSuppressionV3", "NonMaxSuppressionV5",
                   "NonMaxSuppressionWithOverlaps", "DrawBoundingBoxesV2")


def _scalar(value, dtype):
    return convert_to_tensor(value, preferred_dtype=dtype)


def _nms_inputs(boxes, scores, max_output_size, iou_threshold, score_threshold):
    boxes, scores = _scalar(boxes, dtypes.float32), _scalar(scores, dtypes.float32)
    if boxes.shape.ndims not in (None, 2):
        raise ValueError(f"boxes must be 2-D [num_boxes, 4], got {boxes.shape}")
    if scores.shape.ndims not in (None, 1):
        raise ValueError(f"scores must be 1-D [num_boxes], got {scores.shape}")
    return [boxes, scores, _scalar(max_output_size, dtypes.int32),
            _scalar(iou_threshold, scores.dtype), _scalar(score_threshold, scores.dtype)]


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None):
    """Indices (int32) of at most ``max_output_size`` boxes chosen greedily by
    decreasing score, skipping boxes whose IoU with a chosen one exceeds
    ``iou_threshold`` and boxes scoring at most ``score_threshold``."""
    inputs = _nms_inputs(boxes, scores, max_output_size, iou_threshold, score_threshold)
    return get_default_graph().create_op("NonMaxSuppressionV3", inputs,
                                         name=name or "NonMaxSuppressionV3").outputs[0]


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0,
                                    name=None):
    """(indices, scores): with ``soft_nms_sigma`` > 0, Soft-NMS (Bodla et al., 2017)
    lowers overlapping boxes' scores by exp(-iou^2 / (2 sigma)) instead of removing them."""
    inputs = _nms_inputs(boxes, scores, max_output_size, iou_threshold, score_threshold)
    inputs.append(_scalar(soft_nms_sigma, inputs[1].dtype))
    out = get_default_graph().create_op("NonMaxSuppressionV5", inputs,
                                        name=name or "NonMaxSuppressionV5").outputs
    return out[0], out[1]


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5,
                               score_threshold=float("-inf"), pad_to_max_output_size=False,
                               name=None, sorted_input=False, canonicalized_coordinates=False,
                               tile_size=512):
    """(indices, number valid): with ``pad_to_max_output_size`` the indices are padded
    with zeros to ``max_output_size``."""
    inputs = _nms_inputs(boxes, scores, max_output_size, iou_threshold, score_threshold)
    inputs.append(_scalar(0.0, inputs[1].dtype))
    out = get_default_graph().create_op(
        "NonMaxSuppressionV5", inputs, {"pad_to_max_output_size": bool(pad_to_max_output_size)},
        name=name or "NonMaxSuppressionV5").outputs
    return out[0], out[2]


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """non_max_suppression with an [n, n] matrix of overlaps in place of IoU."""
    inputs = _nms_inputs(overlaps, scores, max_output_size, overlap_threshold, score_threshold)
    return get_default_graph().create_op("NonMaxSuppressionWithOverlaps", inputs,
                                         name=name or "NonMaxSuppressionWithOverlaps").outputs[0]


_DEFAULT_COLORS = [[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                   [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]]


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """Draw each box [y_min, x_min, y_max, x_max] (normalized) of ``boxes`` [batch,
    num_boxes, 4] as a one-pixel outline, cycling through ``colors`` (TF's ten by
    default)."""
    images = convert_to_tensor(images)
    if not images.dtype.is_floating:
        raise TypeError(f"draw_bounding_boxes needs float images, got {images.dtype.name}")
    colors = np.asarray(_DEFAULT_COLORS if colors is None else colors, np.float32)
    inputs = [images, convert_to_tensor(boxes, preferred_dtype=dtypes.float32), convert_to_tensor(colors)]
    return get_default_graph().create_op("DrawBoundingBoxesV2", inputs,
                                         name=name or "DrawBoundingBoxesV2").outputs[0]
