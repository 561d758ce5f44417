"""``tf.math.special``: Bessel functions, Dawson's and the exponential integral, Fresnel
integrals and Spence's function."""
from tensorflux.ops.elementwise_ops import (bessel_i0, bessel_i0e, bessel_i1,  # noqa: F401
                                            bessel_i1e)
from tensorflux.ops.special_ops import (bessel_j0, bessel_j1, bessel_k0, bessel_k0e,  # noqa: F401
                                        bessel_k1, bessel_k1e, bessel_y0, bessel_y1, dawsn,
                                        expint, fresnel_cos, fresnel_sin, spence)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
