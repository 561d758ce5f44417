"""``tf.spectral``: TF1's names of the FFTs, real FFTs and discrete cosine transforms."""
from tensorflux.ops.signal_ops import (dct, idct, irfft, irfft2d, irfft3d, rfft,  # noqa: F401
                                       rfft2d, rfft3d)
from tensorflux.ops.spectral_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
