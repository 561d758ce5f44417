"""``tf.signal`` and ``tf.spectral``: real FFTs (``rfft``, ``irfft`` in 1 to 3 and N
dimensions), FFTs over chosen axes (``fftnd``, ``ifftnd``), the discrete cosine
transform (types 1 to 3), ``fftshift``, windows, ``frame``, ``overlap_and_add`` and
``stft``.

All are built from the complex FFT ops of ``spectral_ops`` and array ops, as TF's are
defined mathematically, so their gradients come from those ops. FFT lengths crop or
zero-pad the transformed axes; a real FFT keeps the ``n // 2 + 1`` non-negative
frequencies, and its inverse rebuilds the rest by Hermitian symmetry.
"""
from __future__ import annotations

import math

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.elementwise_ops import complex as make_complex, conj, real
from tensorflux.ops.manip_ops import reverse, roll
from tensorflux.ops.segment_ops import unsorted_segment_sum
from tensorflux.ops.spectral_ops import fft, ifft

_COMPLEX_OF = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}
_REAL_OF = {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}


def _rank(x, what):
    if x.shape.ndims is None:
        raise ValueError(f"{what} needs an input of known rank")
    return x.shape.ndims


def _axes(x, axes, count, what):
    rank = _rank(x, what)
    axes = list(range(rank - count, rank)) if axes is None else [int(a) for a in np.ravel(axes)]
    bad = [a for a in axes if not -rank <= a < rank]
    if bad:
        raise ValueError(f"{what}: axis {bad[0]} is out of range for rank {rank}")
    return [a % rank for a in axes]


def _lengths(fft_length, count, what):
    if fft_length is None:
        return [None] * count
    value = fft_length
    if hasattr(value, "op"):
        from tensorflux.ops.shape_fns import constant_value
        value = constant_value(value)
        if value is None:
            raise ValueError(f"{what} needs fft_length known when the graph is built")
    lengths = [int(v) for v in np.ravel(value)]
    if len(lengths) != count:
        raise ValueError(f"{what}: fft_length must have {count} entries, got {lengths}")
    return lengths


def _to_last(x, axis):
    rank = x.shape.ndims
    if axis == rank - 1:
        return x, None
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return array_ops.transpose(x, perm), perm


def _fit(x, n):
    """The last axis cropped or zero-padded to ``n`` (None: as it is)."""
    size = x.shape.as_tuple()[-1]
    if n is None or n == size:
        return x
    if size is not None and n < size:
        return x[..., :n]
    if size is None:
        raise ValueError("an FFT length needs the transformed axis' size known")
    pads = [[0, 0]] * (x.shape.ndims - 1) + [[0, n - size]]
    return array_ops.pad(x, pads)


def _along(x, axis, transform):
    """``transform`` (of the last axis) applied along ``axis``."""
    moved, perm = _to_last(x, axis)
    out = transform(moved)
    return out if perm is None else array_ops.transpose(out, perm)


def _complex_input(x, what):
    x = convert_to_tensor(x, name="input")
    if not x.dtype.is_complex:
        raise TypeError(f"{what} needs a complex64 or complex128 input, got {x.dtype.name}")
    return x


def _real_input(x, what):
    python_value = not isinstance(x, (np.ndarray, np.generic))
    x = convert_to_tensor(x, preferred_dtype="float32" if python_value else None, name="input")
    if x.dtype not in _COMPLEX_OF:
        raise TypeError(f"{what} needs a float32 or float64 input, got {x.dtype.name}")
    return x


def _rfft_last(x, n):
    """The real FFT of the last axis of the real ``x`` (length ``n``)."""
    x = _fit(x, n)
    n = x.shape.as_tuple()[-1]
    z = make_complex(x, array_ops.zeros_like(x))
    return fft(z)[..., :n // 2 + 1]


def _irfft_last(x, n):
    """The inverse real FFT of the last axis of the complex ``x``, of length ``n``
    (default 2 * (m - 1)): the spectrum completed by Hermitian symmetry."""
    m = x.shape.as_tuple()[-1]
    if n is None:
        if m is None:
            raise ValueError("irfft needs the input's last dimension or fft_length")
        n = 2 * (m - 1)
    half = _fit(x, n // 2 + 1)
    rest = conj(reverse(half[..., 1:(n + 1) // 2], [-1]))
    return real(ifft(array_ops.concat([half, rest], -1)))


def fftnd(input, fft_length=None, axes=None, name=None):  # noqa: A002
    """The FFT over ``axes`` (default: every axis, or the last ``len(fft_length)``),
    each cropped or zero-padded to its ``fft_length``."""
    with name_scope(name, "FFTND", [input]):
        x = _complex_input(input, "fftnd")
        count = len(np.ravel(fft_length)) if fft_length is not None and axes is None else None
        axes = _axes(x, axes, count if count is not None else _rank(x, "fftnd"), "fftnd")
        for axis, n in zip(axes, _lengths(fft_length, len(axes), "fftnd")):
            x = _along(x, axis, lambda t, n=n: fft(_fit(t, n)))
        return x


def ifftnd(input, fft_length=None, axes=None, name=None):  # noqa: A002
    """The inverse FFT over ``axes`` (as fftnd)."""
    with name_scope(name, "IFFTND", [input]):
        x = _complex_input(input, "ifftnd")
        count = len(np.ravel(fft_length)) if fft_length is not None and axes is None else None
        axes = _axes(x, axes, count if count is not None else _rank(x, "ifftnd"), "ifftnd")
        for axis, n in zip(axes, _lengths(fft_length, len(axes), "ifftnd")):
            x = _along(x, axis, lambda t, n=n: ifft(_fit(t, n)))
        return x


def rfftnd(input, fft_length=None, axes=None, Tcomplex=None, name=None):  # noqa: A002,N803
    """The real FFT over ``axes``: a real FFT of the last of them, then FFTs of the
    others."""
    with name_scope(name, "RFFTND", [input]):
        x = _real_input(input, "rfftnd")
        count = len(np.ravel(fft_length)) if fft_length is not None and axes is None else None
        axes = _axes(x, axes, count if count is not None else _rank(x, "rfftnd"), "rfftnd")
        lengths = _lengths(fft_length, len(axes), "rfftnd")
        z = _along(x, axes[-1], lambda t: _rfft_last(t, lengths[-1]))
        for axis, n in zip(axes[:-1], lengths[:-1]):
            z = _along(z, axis, lambda t, n=n: fft(_fit(t, n)))
        if Tcomplex is not None and dtypes.as_dtype(Tcomplex) != z.dtype:
            z = math_ops.cast(z, Tcomplex)
        return z


def irfftnd(input, fft_length=None, axes=None, Treal=None, name=None):  # noqa: A002,N803
    """The inverse of rfftnd: inverse FFTs of all but the last of ``axes``, then an
    inverse real FFT of the last (of length ``fft_length[-1]``, default 2 * (m - 1))."""
    with name_scope(name, "IRFFTND", [input]):
        z = _complex_input(input, "irfftnd")
        count = len(np.ravel(fft_length)) if fft_length is not None and axes is None else None
        axes = _axes(z, axes, count if count is not None else _rank(z, "irfftnd"), "irfftnd")
        lengths = _lengths(fft_length, len(axes), "irfftnd")
        for axis, n in zip(axes[:-1], lengths[:-1]):
            z = _along(z, axis, lambda t, n=n: ifft(_fit(t, n)))
        x = _along(z, axes[-1], lambda t: _irfft_last(t, lengths[-1]))
        if Treal is not None and dtypes.as_dtype(Treal) != x.dtype:
            x = math_ops.cast(x, Treal)
        return x


def _real_fft(rank, inverse):
    def transform(input_tensor, fft_length=None, name=None):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        if x.shape.ndims is not None and x.shape.ndims < rank:
            raise ValueError(f"{'i' if inverse else ''}rfft{'' if rank == 1 else f'{rank}d'} needs "
                             f"an input of rank >= {rank}, got shape {x.shape}")
        axes = list(range(-rank, 0))
        return (irfftnd if inverse else rfftnd)(x, fft_length, axes, name=name)
    transform.__name__ = f"{'i' if inverse else ''}rfft{'' if rank == 1 else f'{rank}d'}"
    transform.__doc__ = (f"The {'inverse ' if inverse else ''}real FFT of the last {rank} "
                         f"dimension{'s' if rank > 1 else ''} (``fft_length`` crops or pads).")
    return transform


rfft, rfft2d, rfft3d = (_real_fft(r, False) for r in (1, 2, 3))
irfft, irfft2d, irfft3d = (_real_fft(r, True) for r in (1, 2, 3))


# --- discrete cosine transform --------------------------------------------------------------
def _dct_args(input, type, n, axis, norm, what):  # noqa: A002
    if type not in (1, 2, 3):
        raise ValueError(f"{what}: only DCT types 1, 2 and 3 are supported, got type {type}")
    if axis != -1:
        raise NotImplementedError(f"{what}: axis must be -1, got {axis}")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization: expected None or 'ortho', got {norm!r}")
    if norm == "ortho" and type == 1:
        raise ValueError("Normalization is not supported for the Type-I DCT")
    x = _real_input(input, what)
    x = _fit(x, n) if n is not None else x
    length = x.shape.as_tuple()[-1] if x.shape.ndims else None
    if length is None:
        raise ValueError(f"{what} needs the last dimension known")
    if type == 1 and length < 2:
        raise ValueError("Type-I DCT requires the dimension to be greater than one")
    return x, length


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002
    """The discrete cosine transform of the last axis, types 1 to 3 (unnormalized as
    TF1's, or orthonormal with ``norm="ortho"``)."""
    with name_scope(name, "dct", [input]):
        x, length = _dct_args(input, type, n, axis, norm, "dct")
        np_dtype = x.dtype.np_dtype
        if type == 1:
            mirrored = array_ops.concat([x, reverse(x[..., 1:-1], [-1])], -1)
            return real(_rfft_last(mirrored, 2 * length - 2))
        if type == 2:
            k = np.arange(length)
            scale = convert_to_tensor(2.0 * np.exp(-1j * np.pi * k / (2 * length)),
                                      dtype=_COMPLEX_OF[x.dtype])
            out = real(_rfft_last(x, 2 * length)[..., :length] * scale)
            if norm == "ortho":
                weights = np.full(length, math.sqrt(2.0) * 0.5 / math.sqrt(length))
                weights[0] = 0.5 / math.sqrt(length)
                out = out * weights.astype(np_dtype)
            return out
        # type 3: the inverse of type 2 up to scale
        if norm == "ortho":
            weights = np.full(length, math.sqrt(length) * math.sqrt(0.5))
            weights[0] = math.sqrt(length)
            x = x * weights.astype(np_dtype)
        else:
            x = x * np_dtype.type(length)
        k = np.arange(length)
        scale = convert_to_tensor(2.0 * np.exp(1j * np.pi * k / (2 * length)),
                                  dtype=_COMPLEX_OF[x.dtype])
        spectrum = make_complex(x, array_ops.zeros_like(x)) * scale
        return _irfft_last(spectrum, 2 * length)[..., :length]


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002
    """The inverse DCT (a DCT of the inverse type: 2 and 3 swap): ``idct(dct(x)) ==
    x * 2 * N`` unnormalized, ``x`` with ``norm="ortho"``, as TF1."""
    return dct(input, type={1: 1, 2: 3, 3: 2}.get(type, type), n=n, axis=axis, norm=norm,
               name=name or "idct")


# --- shifts, windows, frames ---------------------------------------------------------------------
def _shift(x, axes, sign, name):
    with name_scope(name, "fftshift", [x]):
        x = convert_to_tensor(x)
        rank = _rank(x, "fftshift")
        axes = list(range(rank)) if axes is None else [int(a) % rank for a in np.ravel(axes)]
        sizes = x.shape.as_tuple()
        if any(sizes[a] is None for a in axes):
            raise ValueError("fftshift needs the shifted axes' sizes known")
        return roll(x, [sign * (sizes[a] // 2) for a in axes], axes)


def fftshift(x, axes=None, name=None):
    """Move the zero frequency to the middle of ``axes`` (all by default)."""
    return _shift(x, axes, 1, name)


def ifftshift(x, axes=None, name=None):
    """The inverse of fftshift."""
    return _shift(x, axes, -1, name)


def _raised_cosine(length, periodic, dtype, a, b, name):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type, got {dtype.name}")
    length = int(length)
    if length == 1:
        return array_ops.ones([1], dtype=dtype, name=name)
    # TF1: a periodic window of odd length is the symmetric one (N = length - 1)
    denominator = length - 1 + (1 if periodic and length % 2 == 0 else 0)
    values = a - b * np.cos(2.0 * np.pi * np.arange(length) / denominator)
    return convert_to_tensor(values.astype(dtype.np_dtype), name=name)


def hann_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """0.5 - 0.5 cos(2 pi n / N): N is the length for a periodic window of even length,
    else the length - 1 (as TF1 computes it)."""
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5, name or "hann_window")


def hamming_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """0.54 - 0.46 cos(2 pi n / N), N as in hann_window."""
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46, name or "hamming_window")


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Frames of ``frame_length`` samples every ``frame_step`` along ``axis``: that axis
    becomes [frames, frame_length]. With ``pad_end`` the end is padded with
    ``pad_value`` so that there are ``ceil(n / frame_step)`` frames."""
    with name_scope(name, "frame", [signal]):
        x = convert_to_tensor(signal, name="signal")
        rank = _rank(x, "frame")
        axis %= rank
        n = x.shape.as_tuple()[axis]
        if n is None:
            raise ValueError("frame needs the framed axis' size known when the graph is built")
        length, step = int(frame_length), int(frame_step)
        if pad_end:
            frames = -(-n // step)
            extra = max(0, (frames - 1) * step + length - n)
            pads = [[0, 0]] * rank
            pads[axis] = [0, extra]
            x = array_ops.pad(x, pads, constant_values=pad_value)
        else:
            frames = max(0, 1 + (n - length) // step) if n >= length else 0
        index = (np.arange(frames)[:, None] * step + np.arange(length)[None, :]).astype(np.int32)
        from tensorflux.ops.array_ops import gather
        return gather(x, index, axis=axis)


def overlap_and_add(signal, frame_step, name=None):
    """The sum of frames [..., frames, frame_length] placed every ``frame_step``: a
    signal of ``(frames - 1) * frame_step + frame_length`` samples."""
    with name_scope(name, "overlap_and_add", [signal]):
        x = convert_to_tensor(signal, name="signal")
        rank = _rank(x, "overlap_and_add")
        if rank < 2:
            raise ValueError(f"overlap_and_add needs a signal of rank >= 2, got {x.shape}")
        frames, length = x.shape.as_tuple()[-2:]
        if frames is None or length is None:
            raise ValueError("overlap_and_add needs the frames and frame length known")
        step = int(frame_step)
        out_len = (frames - 1) * step + length
        positions = (np.arange(frames)[:, None] * step + np.arange(length)[None, :]).reshape(-1)
        lead = array_ops.shape(x)[:-2]
        flat = array_ops.reshape(x, array_ops.concat([[-1], [frames * length]], 0))
        summed = unsorted_segment_sum(array_ops.transpose(flat), positions.astype(np.int32), out_len)
        return array_ops.reshape(array_ops.transpose(summed), array_ops.concat([lead, [out_len]], 0))


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window,
         pad_end=False, name=None):
    """The short-time Fourier transform: frames of the last axis, windowed by
    ``window_fn(frame_length, dtype=...)``, real-FFT'd (``fft_length`` default the
    smallest power of 2 >= frame_length): [..., frames, fft_length // 2 + 1]."""
    with name_scope(name, "stft", [signals]):
        x = _real_input(signals, "stft")
        length = int(frame_length)
        n = fft_length if fft_length is not None else 1 << max(0, (length - 1).bit_length())
        framed = frame(x, length, frame_step, pad_end=pad_end)
        if window_fn is not None:
            framed = framed * window_fn(length, dtype=x.dtype)
        return _rfft_last(framed, int(n))
