"""Window geometry of convolution and pooling, shared by the shape functions (build time)
and the kernels (run time) so both compute the same sizes and padding as TF.

Sizes are per spatial axis: an input of ``size``, a window of ``k`` taps ``dilation``
apart (spanning ``(k - 1) * dilation + 1``), moved ``stride`` at a time. ``SAME`` gives
``ceil(size / stride)`` outputs and pads the shortfall, the odd one after; ``VALID``
pads nothing and needs the window to fit.
"""
from __future__ import annotations

from typing import NamedTuple

FORMATS = {"NHWC": (1, 2, 3), "NCHW": (2, 3, 1)}  # data_format -> (H, W, C) axes


def check_data_format(data_format):
    if data_format not in FORMATS:
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    return data_format


def hw(values, data_format):
    """The (height, width) entries of a 4-vector laid out as ``data_format``."""
    h, w, _ = FORMATS[data_format]
    return values[h], values[w]


def shape_str(dims):
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


class Axis(NamedTuple):
    before: int
    after: int
    out: int


def axis_geometry(size, k, stride, dilation, padding) -> Axis:
    """Padding before/after and output size along one axis; ValueError when a VALID
    window is larger than the input."""
    span = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return Axis(total // 2, total - total // 2, out)
    if span > size:
        raise ValueError(f"Negative dimension size caused by subtracting {span} from {size}")
    return Axis(0, 0, (size - span) // stride + 1)


class Window(NamedTuple):
    """The geometry of one convolution or pooling on NHWC-ordered sizes."""
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    top: int
    bottom: int
    left: int
    right: int
    oh: int
    ow: int

    @property
    def padded(self):
        return self.top or self.bottom or self.left or self.right


def window(H, W, kh, kw, sh, sw, dh, dw, padding) -> Window:
    rows = axis_geometry(H, kh, sh, dh, padding)
    cols = axis_geometry(W, kw, sw, dw, padding)
    return Window(kh, kw, sh, sw, dh, dw, rows.before, rows.after, cols.before, cols.after,
                  rows.out, cols.out)


def out_size(size, k, stride, dilation, padding):
    """The output size along one axis, None when the input size is unknown."""
    return None if size is None else axis_geometry(size, k, stride, dilation, padding).out
