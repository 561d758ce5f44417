"""Host kernels of the non-max suppressions and of DrawBoundingBoxesV2, following TF's
kernels (greedy selection by score, ties to the lower index)."""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors


def _iou_matrix(boxes):
    """IoU of every pair of boxes [y1, x1, y2, x2] (corners in either order)."""
    y_min, y_max = np.minimum(boxes[:, 0], boxes[:, 2]), np.maximum(boxes[:, 0], boxes[:, 2])
    x_min, x_max = np.minimum(boxes[:, 1], boxes[:, 3]), np.maximum(boxes[:, 1], boxes[:, 3])
    area = (y_max - y_min) * (x_max - x_min)
    h = np.maximum(np.minimum(y_max[:, None], y_max[None]) - np.maximum(y_min[:, None], y_min[None]), 0)
    w = np.maximum(np.minimum(x_max[:, None], x_max[None]) - np.maximum(x_min[:, None], x_min[None]), 0)
    inter = h * w
    union = area[:, None] + area[None] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((area[:, None] <= 0) | (area[None] <= 0), 0.0, inter / union)


def _check(op, similarity, scores, max_output_size, threshold):
    n = scores.shape[0] if scores.ndim == 1 else -1
    if similarity.ndim != 2 or similarity.shape[0] != n:
        raise errors.InvalidArgumentError(None, op, f"boxes/overlaps and scores disagree: "
                                                    f"{similarity.shape} vs {scores.shape}")
    if int(max_output_size) < 0:
        raise errors.InvalidArgumentError(None, op, "max_output_size must be non-negative")
    if not 0 <= float(threshold) <= 1 and op.type != "NonMaxSuppressionWithOverlaps":
        raise errors.InvalidArgumentError(None, op, "iou_threshold must be in [0, 1]")


def select(similarity, scores, max_output_size, threshold, score_threshold, sigma=0.0):
    """TF's NMS loop: (selected indices, their (possibly soft-suppressed) scores)."""
    scale = -0.5 / sigma if sigma > 0 else 0.0
    candidates = [(-float(s), i, 0) for i, s in enumerate(scores) if s > score_threshold]
    candidates.sort()
    selected, kept_scores = [], []
    while candidates and len(selected) < max_output_size:
        neg, index, begin = candidates.pop(0)
        score = original = -neg
        hard = False
        for j in range(len(selected) - 1, begin - 1, -1):
            sim = similarity[index, selected[j]]
            if sigma <= 0 and sim > threshold:
                hard = True
                break
            if sigma > 0:
                score *= np.exp(scale * sim * sim)
            if score <= score_threshold:
                break
        if hard:
            continue
        if score == original:
            selected.append(index)
            kept_scores.append(score)
        elif score > score_threshold:
            entry = (-score, index, len(selected))
            position = next((k for k, c in enumerate(candidates) if c > entry), len(candidates))
            candidates.insert(position, entry)
    return selected, kept_scores


def _nms(use_overlaps):
    def builder(op, ctx):
        def run(boxes, scores, max_output_size, threshold, score_threshold, sigma=None):
            boxes, scores = np.asarray(boxes, np.float64), np.asarray(scores)
            similarity = boxes if use_overlaps else (
                _iou_matrix(boxes) if boxes.ndim == 2 and boxes.shape[-1] == 4 else boxes)
            _check(op, similarity, scores, max_output_size, threshold)
            chosen, kept = select(similarity, scores.astype(np.float64), int(max_output_size),
                                  float(threshold), float(score_threshold),
                                  float(sigma) if sigma is not None else 0.0)
            indices = np.array(chosen, np.int32)
            if op.type != "NonMaxSuppressionV5":
                return indices
            values = np.array(kept, scores.dtype)
            count = np.int32(len(chosen))
            if op.attrs["pad_to_max_output_size"]:
                pad = int(max_output_size) - len(chosen)
                indices, values = np.pad(indices, (0, pad)), np.pad(values, (0, pad))
            return indices, values, count
        return run
    return builder


def _draw(op, ctx):
    def run(images, boxes, colors):
        images, boxes = np.array(images), np.asarray(boxes, np.float32)
        colors = np.asarray(colors, np.float32).reshape(-1, 4)
        if images.ndim != 4 or boxes.ndim != 3 or boxes.shape[0] != images.shape[0]:
            raise errors.InvalidArgumentError(None, op, f"images must be [batch, h, w, depth] and "
                                                        f"boxes [batch, num_boxes, 4], got "
                                                        f"{images.shape} and {boxes.shape}")
        _, height, width, depth = images.shape
        for b in range(images.shape[0]):
            for k, box in enumerate(boxes[b]):
                color = colors[k % len(colors)][:depth].astype(images.dtype)
                top, bottom = int(box[0] * (height - 1)), int(box[2] * (height - 1))
                left, right = int(box[1] * (width - 1)), int(box[3] * (width - 1))
                if top > bottom or left > right or top >= height or bottom < 0 \
                        or left >= width or right < 0:
                    continue
                rows = slice(max(top, 0), min(bottom, height - 1) + 1)
                cols = slice(max(left, 0), min(right, width - 1) + 1)
                if top >= 0:
                    images[b, top, cols] = color
                if bottom < height:
                    images[b, bottom, cols] = color
                if left >= 0:
                    images[b, rows, left] = color
                if right < width:
                    images[b, rows, right] = color
        return images
    return run


KERNELS = {"NonMaxSuppressionV3": _nms(False), "NonMaxSuppressionV5": _nms(False),
           "NonMaxSuppressionWithOverlaps": _nms(True), "DrawBoundingBoxesV2": _draw}
