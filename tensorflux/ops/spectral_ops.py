"""Fast Fourier transforms of complex tensors over their innermost 1, 2 or 3 dimensions
(``tf.fft``, ``tf.ifft2d``, ...), with TF1's gradients."""
from __future__ import annotations

from tensorflux.core.graph import get_default_graph
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import same_shape

# op type -> (number of innermost dimensions transformed, inverse)
FFTS = {"FFT": (1, False), "IFFT": (1, True), "FFT2D": (2, False), "IFFT2D": (2, True),
        "FFT3D": (3, False), "IFFT3D": (3, True)}


def _fft_shape(op):
    rank, _ = FFTS[op.type]
    x = op.inputs[0]
    if not x.dtype.is_complex:
        raise TypeError(f"{op.type} needs a complex64 or complex128 tensor, got {x.dtype.name} ({x.name})")
    if x.shape.ndims is not None and x.shape.ndims < rank:
        raise ValueError(f"{op.type} needs a tensor of rank >= {rank}, got shape {x.shape}")
    return same_shape(op)


for _name, (_rank, _inverse) in FFTS.items():
    defop(_name, ("input",), shape_fn=_fft_shape,
          doc=f"The {'inverse ' if _inverse else ''}discrete Fourier transform over the "
              f"innermost {_rank} dimension(s).")


def _fft(op_type, x, name):
    x = convert_to_tensor(x)
    return get_default_graph().create_op(op_type, [x], name=name or op_type).outputs[0]


def fft(input, name=None):  # noqa: A002 - TF1 signature
    return _fft("FFT", input, name)


def ifft(input, name=None):  # noqa: A002
    return _fft("IFFT", input, name)


def fft2d(input, name=None):  # noqa: A002
    return _fft("FFT2D", input, name)


def ifft2d(input, name=None):  # noqa: A002
    return _fft("IFFT2D", input, name)


def fft3d(input, name=None):  # noqa: A002
    return _fft("FFT3D", input, name)


def ifft3d(input, name=None):  # noqa: A002
    return _fft("IFFT3D", input, name)


_PUBLIC = {"FFT": fft, "IFFT": ifft, "FFT2D": fft2d, "IFFT2D": ifft2d, "FFT3D": fft3d, "IFFT3D": ifft3d}


def _transform_size(x, rank):
    shape = array_ops.shape(x)
    return math_ops.cast(math_ops.reduce_prod(shape[-rank:]), x.dtype)


@gradient(*FFTS)
def _fft_grad(op, grad):
    # The adjoint of the unnormalized DFT is n times the inverse DFT, and vice versa.
    rank, inverse = FFTS[op.type]
    partner = _PUBLIC[op.type[1:] if inverse else "I" + op.type]
    size = _transform_size(grad, rank)
    return [partner(grad) / size if inverse else partner(grad) * size]
