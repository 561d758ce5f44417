"""Kernels of the image ops: resizing and patch extraction, written against ``xp``.

Every resize method is separable and linear, so a resize is two contractions with
per-axis weight matrices (``out x in``), and its gradient the same contractions with
the transposes. The matrices are computed on the host the way TensorFlow's kernels
compute their sampling positions: in float32, with TF1's ``align_corners`` scale
``(in - 1) / (out - 1)`` or ``in / out``, the legacy ``x * scale`` or the half-pixel
``(x + 0.5) * scale - 0.5`` mapping, and for bicubic TF's 1024-entry Keys table.
"""
from __future__ import annotations

import functools

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors

_TABLE_SIZE = 1024


def resize_scale(in_size, out_size, align_corners):
    """TF's CalculateResizeScale, in float32."""
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


@functools.lru_cache(maxsize=4)
def _cubic_table(a):
    x = np.arange(_TABLE_SIZE + 1, dtype=np.float64) / _TABLE_SIZE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1.0
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


@functools.lru_cache(maxsize=256)
def resize_weights(method, in_size, out_size, align_corners, half_pixel_centers):
    """The ``out_size x in_size`` float32 matrix of one axis of a resize."""
    scale = resize_scale(in_size, out_size, align_corners)
    x = np.arange(out_size, dtype=np.float32)
    w = np.zeros((out_size, in_size), np.float64)
    rows = np.arange(out_size)
    if method == "nearest":
        pos = (x + np.float32(0.5)) * scale if half_pixel_centers else x * scale
        idx = np.floor(pos + np.float32(0.5)) if align_corners else np.floor(pos)  # roundf
        idx = np.clip(idx.astype(np.int64), 0, in_size - 1)
        w[rows, idx] = 1.0
    elif method == "bilinear":
        pos = (x + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel_centers else x * scale
        low = np.floor(pos)
        lerp = (pos - low).astype(np.float64)
        lower = np.maximum(low.astype(np.int64), 0)
        upper = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
        np.add.at(w, (rows, lower), 1.0 - lerp)
        np.add.at(w, (rows, upper), lerp)
    elif method == "bicubic":
        pos = (x + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel_centers else x * scale
        floor = np.floor(pos)
        base = floor.astype(np.int64)
        offset = np.rint((pos - floor) * np.float32(_TABLE_SIZE)).astype(np.int64)
        near, far = _cubic_table(-0.5 if half_pixel_centers else -0.75)
        taps = [(base - 1, far[offset]), (base, near[offset]),
                (base + 1, near[_TABLE_SIZE - offset]), (base + 2, far[_TABLE_SIZE - offset])]
        cols = [np.clip(i, 0, in_size - 1) for i, _ in taps]
        weights = [tw.astype(np.float64) for _, tw in taps]
        if half_pixel_centers:  # samples outside the image get no weight; renormalize
            weights = [np.where(c == i, tw, 0.0) for c, (i, _), tw in zip(cols, taps, weights)]
            total = sum(weights)
            weights = [np.where(np.abs(total) > 0, tw / np.where(total == 0, 1, total), tw)
                       for tw in weights]
        for c, tw in zip(cols, weights):
            np.add.at(w, (rows, c), tw)
    elif method == "area":
        for y in range(out_size):
            start, end = np.float32(y) * scale, np.float32(y + 1) * scale
            for i in range(int(np.floor(start)), int(np.ceil(end))):
                if i < start:
                    part = scale if i + 1 > end else np.float32(i + 1) - start
                else:
                    part = end - np.float32(i) if i + 1 > end else np.float32(1.0)
                w[y, min(max(i, 0), in_size - 1)] += float(part) / float(scale)
    else:
        raise ValueError(f"unknown resize method {method!r}")
    return w.astype(np.float32)


_METHODS = {"ResizeBilinear": "bilinear", "ResizeBicubic": "bicubic", "ResizeArea": "area",
            "ResizeNearestNeighbor": "nearest"}


def _attrs(op):
    return op.attrs.get("align_corners", False), op.attrs.get("half_pixel_centers", False)


def _check_size(op, size):
    h, w = (int(v) for v in np.asarray(size).reshape(-1))
    if h <= 0 or w <= 0:
        raise errors.InvalidArgumentError(None, op, f"output dimensions must be positive, "
                                                    f"got {[h, w]}")
    return h, w


def make_image_kernels(xp):
    K = KernelTable()

    def matrices(method, shape, out_h, out_w, align, half, dtype):
        wh = resize_weights(method, shape[1], out_h, align, half)
        ww = resize_weights(method, shape[2], out_w, align, half)
        return xp.asarray(wh.astype(dtype)), xp.asarray(ww.astype(dtype))

    def contract(x, wh, ww):
        """out[n, o, p, c] = sum_hw wh[o, h] ww[p, w] x[n, h, w, c]."""
        return xp.einsum("pw,nowc->nopc", ww, xp.einsum("oh,nhwc->nowc", wh, x))

    def contract_t(g, wh, ww):
        return xp.einsum("pw,nhpc->nhwc", ww, xp.einsum("oh,nopc->nhpc", wh, g))

    def resize(op, ctx):
        method = _METHODS[op.type]
        align, half = _attrs(op)

        def run(images, size):
            out_h, out_w = _check_size(op, size)
            if method == "nearest":  # a gather: keeps the dtype and exact values
                wh, ww = (resize_weights(method, n, m, align, half)
                          for n, m in ((images.shape[1], out_h), (images.shape[2], out_w)))
                rows, cols = xp.asarray(np.argmax(wh, 1)), xp.asarray(np.argmax(ww, 1))
                return xp.take(xp.take(images, rows, axis=1), cols, axis=2)
            wh, ww = matrices(method, images.shape, out_h, out_w, align, half, np.float32)
            return contract(images.astype(np.float32), wh, ww)
        return run

    for op_type in _METHODS:
        K.builder(op_type)(resize)

    def resize_grad(method):
        def builder(op, ctx):
            align, half = _attrs(op)

            def run(grads, like):
                # like: the original image, or (nearest) its [height, width] on the host
                shape = (None, *(int(v) for v in like)) if method == "nearest" else like.shape
                out_dtype = grads.dtype if method == "nearest" else op.outputs[0].dtype.np_dtype
                wh, ww = (resize_weights(method, n, m, align, half)
                          for n, m in ((shape[1], grads.shape[1]), (shape[2], grads.shape[2])))
                wh, ww = xp.asarray(wh.astype(out_dtype)), xp.asarray(ww.astype(out_dtype))
                return contract_t(grads.astype(out_dtype), wh, ww)
            return run
        return builder

    K.builder("ResizeBilinearGrad")(resize_grad("bilinear"))
    K.builder("ResizeBicubicGrad")(resize_grad("bicubic"))
    K.builder("ResizeNearestNeighborGrad")(resize_grad("nearest"))

    def crop_matrices(op, boxes, box_ind, crop_size, shape):
        """Per box: image index, (weights, valid) for rows and for columns."""
        ch, cw = (int(v) for v in np.asarray(crop_size).reshape(-1))
        boxes, box_ind = np.asarray(boxes, np.float32), np.asarray(box_ind).reshape(-1)
        if boxes.ndim != 2 or boxes.shape[1] != 4 or len(box_ind) != len(boxes):
            raise errors.InvalidArgumentError(None, op, f"boxes must be [num_boxes, 4] with one "
                                                        f"box_ind each, got {boxes.shape} and "
                                                        f"{box_ind.shape}")
        if len(box_ind) and (box_ind.min() < 0 or box_ind.max() >= shape[0]):
            raise errors.InvalidArgumentError(None, op, f"box_index has values outside [0, "
                                                        f"{shape[0]})")
        method = op.attrs["method"]
        return [(int(i), crop_axis(b[0], b[2], shape[1], ch, method),
                 crop_axis(b[1], b[3], shape[2], cw, method)) for i, b in zip(box_ind, boxes)]

    @K.builder("CropAndResize")
    def _crop(op, ctx):
        fill = np.float32(op.attrs["extrapolation_value"])

        def run(image, boxes, box_ind, crop_size):
            crops = []
            for i, (wy, vy), (wx, vx) in crop_matrices(op, boxes, box_ind, crop_size, image.shape):
                crop = xp.einsum("oh,pw,hwc->opc", xp.asarray(wy), xp.asarray(wx),
                                 image[i].astype(np.float32))
                inside = xp.asarray((vy[:, None] & vx[None, :])[..., None])
                crops.append(xp.where(inside, crop, fill))
            if not crops:
                ch, cw = (int(v) for v in np.asarray(crop_size).reshape(-1))
                return xp.zeros((0, ch, cw, image.shape[3]), np.float32)
            return xp.stack(crops)
        return run

    @K.builder("CropAndResizeGradImage")
    def _crop_grad(op, ctx):
        dtype = op.outputs[0].dtype.np_dtype

        def run(grads, boxes, box_ind, image):
            out = xp.zeros(image.shape, dtype)
            for b, (i, (wy, vy), (wx, vx)) in enumerate(
                    crop_matrices(op, boxes, box_ind, [grads.shape[1], grads.shape[2]], image.shape)):
                inside = xp.asarray((vy[:, None] & vx[None, :])[..., None].astype(dtype))
                out[i] += xp.einsum("oh,pw,opc->hwc", xp.asarray(wy.astype(dtype)),
                                    xp.asarray(wx.astype(dtype)), grads[b].astype(dtype) * inside)
            return out
        return run

    def patch_geometry(op, shape):
        _, rk, ck, _ = op.attrs["ksizes"]
        _, rs, cs, _ = op.attrs["strides"]
        _, rr, cr, _ = op.attrs["rates"]
        rows = patch_indices(shape[1], rk, rs, rr, op.attrs["padding"])
        cols = patch_indices(shape[2], ck, cs, cr, op.attrs["padding"])
        return rows, cols

    @K.builder("ExtractImagePatches")
    def _patches(op, ctx):
        def run(images):
            (rows, pad_r), (cols, pad_c) = patch_geometry(op, images.shape)
            padded = xp.pad(images, [(0, 0), pad_r, pad_c, (0, 0)])
            n, c = images.shape[0], images.shape[3]
            out = xp.take(xp.take(padded, xp.asarray(rows.ravel()), axis=1),
                          xp.asarray(cols.ravel()), axis=2)
            out = out.reshape(n, rows.shape[0], rows.shape[1], cols.shape[0], cols.shape[1], c)
            out = xp.transpose(out, (0, 1, 3, 2, 4, 5))
            return out.reshape(n, rows.shape[0], cols.shape[0], rows.shape[1] * cols.shape[1] * c)
        return run

    @K.builder("ExtractImagePatchesGrad")
    def _patches_grad(op, ctx):
        def run(grad, images):
            (rows, pad_r), (cols, pad_c) = patch_geometry(op, images.shape)
            n, h, w, c = images.shape
            g = grad.reshape(n, rows.shape[0], cols.shape[0], rows.shape[1], cols.shape[1], c)
            sel_r = np.zeros((rows.size, h + sum(pad_r)), grad.dtype)
            sel_r[np.arange(rows.size), rows.ravel()] = 1
            sel_c = np.zeros((cols.size, w + sum(pad_c)), grad.dtype)
            sel_c[np.arange(cols.size), cols.ravel()] = 1
            sel_r = xp.asarray(sel_r.reshape(rows.shape + (-1,)))
            sel_c = xp.asarray(sel_c.reshape(cols.shape + (-1,)))
            full = xp.einsum("akh,blw,nabklc->nhwc", sel_r, sel_c, g)
            return full[:, pad_r[0]:pad_r[0] + h, pad_c[0]:pad_c[0] + w, :]
        return run

    return K


def crop_axis(lo, hi, in_size, out_size, method):
    """(out x in weights, valid positions) of one axis of a CropAndResize box, sampled
    at TF's float32 positions lo (in - 1) + i (hi - lo) (in - 1) / (out - 1)."""
    lo, hi, last = np.float32(lo), np.float32(hi), np.float32(in_size - 1)
    if out_size > 1:
        step = (hi - lo) * last / np.float32(out_size - 1)
        pos = lo * last + np.arange(out_size, dtype=np.float32) * step
    else:
        pos = np.array([np.float32(0.5) * (lo + hi) * last], np.float32)
    valid = (pos >= 0) & (pos <= last)
    w = np.zeros((out_size, in_size), np.float64)
    rows = np.flatnonzero(valid)
    p = pos[valid]
    if method == "nearest":
        w[rows, np.floor(p + np.float32(0.5)).astype(np.int64)] = 1.0  # roundf of p >= 0
    else:
        top = np.floor(p)
        lerp = (p - top).astype(np.float64)
        np.add.at(w, (rows, top.astype(np.int64)), 1.0 - lerp)
        np.add.at(w, (rows, np.ceil(p).astype(np.int64)), lerp)
    return w.astype(np.float32), valid


def patch_indices(size, k, stride, rate, padding):
    """(rows of padded-input indices [out, k], (pad before, pad after)) of one axis of
    ExtractImagePatches, with TF's SAME/VALID rules for a dilated window."""
    span = (k - 1) * rate + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        pad = (total // 2, total - total // 2)
    else:
        out = max(-(-(size - span + 1) // stride), 0)
        pad = (0, 0)
    idx = np.arange(out)[:, None] * stride + np.arange(k)[None, :] * rate
    return idx.astype(np.int64), pad


HOST_MEMORY = {"ResizeBilinear": ((1,), False), "ResizeBicubic": ((1,), False),
               "ResizeArea": ((1,), False), "ResizeNearestNeighbor": ((1,), False),
               "ResizeNearestNeighborGrad": ((1,), False), "CropAndResize": ((1, 2, 3), False),
               "CropAndResizeGradImage": ((1, 2), False)}
