"""Naive NumPy references for the NN ops (loops, written independently of the kernels)."""
import numpy as np


def pad_same(x, kh, kw, sh, sw):
    n, H, W, c = x.shape
    oh, ow = -(-H // sh), -(-W // sw)
    ph = max((oh - 1) * sh + kh - H, 0)
    pw = max((ow - 1) * sw + kw - W, 0)
    return (ph // 2, ph - ph // 2, pw // 2, pw - pw // 2), oh, ow


def conv2d(x, w, strides, padding):
    kh, kw, cin, cout = w.shape
    sh, sw = strides
    n, H, W, _ = x.shape
    if padding == "SAME":
        (t, b, l, r), oh, ow = pad_same(x, kh, kw, sh, sw)
    else:
        t = b = l = r = 0
        oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    out = np.zeros((n, oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def pool(x, k, strides, padding, kind):
    kh, kw = k
    sh, sw = strides
    n, H, W, c = x.shape
    if padding == "SAME":
        (t, b, l, r), oh, ow = pad_same(x, kh, kw, sh, sw)
    else:
        t = b = l = r = 0
        oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - t, j * sw - l
            rs, cs = slice(max(r0, 0), min(r0 + kh, H)), slice(max(c0, 0), min(c0 + kw, W))
            window = x[:, rs, cs, :]
            out[:, i, j, :] = window.max(axis=(1, 2)) if kind == "max" else window.mean(axis=(1, 2))
    return out


def log_softmax(x):
    x = np.asarray(x, np.float64)
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))
