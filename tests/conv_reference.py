"""Direct (loop) NumPy references for convolution, pooling and LRN, NHWC, float64,
written from the definitions and independently of the kernels: every output position is
computed on its own from the input entries its window covers."""
import numpy as np


def geometry(size, k, stride, dilation, padding):
    """(pad before, output size) as TF defines them."""
    span = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        return max((out - 1) * stride + span - size, 0) // 2, out
    return 0, (size - span) // stride + 1


def taps(size_h, size_w, kh, kw, strides, dilations, padding):
    """For each output (i, j): the list of (tap_i, tap_j, y, x) inside the input."""
    (sh, sw), (dh, dw) = strides, dilations
    top, oh = geometry(size_h, kh, sh, dh, padding)
    left, ow = geometry(size_w, kw, sw, dw, padding)
    out = {}
    for i in range(oh):
        for j in range(ow):
            out[i, j] = [(a, b, i * sh + a * dh - top, j * sw + b * dw - left)
                         for a in range(kh) for b in range(kw)
                         if 0 <= i * sh + a * dh - top < size_h and 0 <= j * sw + b * dw - left < size_w]
    return out, oh, ow


def conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    n, H, W, _ = x.shape
    kh, kw, _, cout = w.shape
    where, oh, ow = taps(H, W, kh, kw, strides, dilations, padding)
    out = np.zeros((n, oh, ow, cout))
    for (i, j), pairs in where.items():
        for a, b, y, xx in pairs:
            out[:, i, j, :] += x[:, y, xx, :] @ w[a, b]
    return out


def conv2d_transpose(v, w, output_shape, strides=(1, 1), padding="VALID"):
    """Each input pixel v[n, i, j] spreads w[a, b] @ v[n, i, j] onto the output position
    its tap (a, b) covers in the forward convolution of an output_shape input."""
    n, H, W, cout = output_shape
    kh, kw = w.shape[:2]
    where, _, _ = taps(H, W, kh, kw, strides, (1, 1), padding)
    out = np.zeros(output_shape)
    for (i, j), pairs in where.items():
        for a, b, y, xx in pairs:
            out[:, y, xx, :] += v[:, i, j, :] @ w[a, b].T
    return out


def depthwise_conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    n, H, W, c = x.shape
    kh, kw, _, m = w.shape
    where, oh, ow = taps(H, W, kh, kw, strides, dilations, padding)
    out = np.zeros((n, oh, ow, c, m))
    for (i, j), pairs in where.items():
        for a, b, y, xx in pairs:
            out[:, i, j] += x[:, y, xx, :, None] * w[a, b]
    return out.reshape(n, oh, ow, c * m)


def pool(x, k, strides, padding, kind):
    n, H, W, c = x.shape
    where, oh, ow = taps(H, W, k[0], k[1], strides, (1, 1), padding)
    out = np.zeros((n, oh, ow, c))
    for (i, j), pairs in where.items():
        values = np.stack([x[:, y, xx, :] for _, _, y, xx in pairs])
        out[:, i, j] = values.max(0) if kind == "max" else values.mean(0)
    return out


def lrn(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    out = np.zeros_like(x, dtype=np.float64)
    c = x.shape[-1]
    for d in range(c):
        lo, hi = max(0, d - depth_radius), min(c, d + depth_radius + 1)
        sqr_sum = (x[..., lo:hi].astype(np.float64) ** 2).sum(-1)
        out[..., d] = x[..., d] / (bias + alpha * sqr_sum) ** beta
    return out


def to_nchw(a):
    return np.transpose(a, (0, 3, 1, 2))


def to_nhwc(a):
    return np.transpose(a, (0, 2, 3, 1))
