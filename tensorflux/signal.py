"""``tf.signal``: FFTs (complex, real, over chosen axes), the discrete cosine transform,
fftshift, windows, framing, overlap-add and the short-time Fourier transform."""
from tensorflux.ops.signal_ops import (dct, fftnd, fftshift, frame, hamming_window,  # noqa: F401
                                       hann_window, idct, ifftnd, ifftshift, irfft, irfft2d,
                                       irfft3d, irfftnd, overlap_and_add, rfft, rfft2d, rfft3d,
                                       rfftnd, stft)
from tensorflux.ops.spectral_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
