"""``tf.audio.decode_wav`` and ``tf.audio.encode_wav``: 16-bit PCM WAV files and float
samples in [-1, 1) (``x = int16 / 32768``; encoding rounds ``x * 32768`` and clamps). The
kernels are in ``tensorflux.backends.audio_kernels``."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable


def _decoded_shapes(op):
    samples, channels = op.attrs["desired_samples"], op.attrs["desired_channels"]
    return [TensorShape([samples if samples > 0 else None, channels if channels > 0 else None]),
            TensorShape(())]


defop("DecodeWav", ("contents",), attrs={"desired_channels": -1, "desired_samples": -1},
      num_outputs=2, dtype_fn=lambda op: [dtypes.float32, dtypes.int32], shape_fn=_decoded_shapes,
      doc="A 16-bit PCM WAV file as float32 [samples, channels] and its sample rate.")
defop("EncodeWav", ("audio", "sample_rate"), dtype_fn=lambda op: [dtypes.string],
      shape_fn=lambda op: [TensorShape(())],
      doc="float32 [samples, channels] audio as a 16-bit PCM WAV file.")
not_differentiable("DecodeWav", "EncodeWav")


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """(audio [samples, channels] float32, sample_rate int32) of a 16-bit PCM WAV file.
    ``desired_channels`` keeps the first channels or repeats a mono one;
    ``desired_samples`` truncates or pads with zeros."""
    contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    op = get_default_graph().create_op(
        "DecodeWav", [contents], {"desired_channels": int(desired_channels),
                                  "desired_samples": int(desired_samples)},
        name=name or "DecodeWav")
    return tuple(op.outputs)


def encode_wav(audio, sample_rate, name=None):
    """``audio`` (float32 [samples, channels]) as a 16-bit PCM WAV file at
    ``sample_rate`` samples per second."""
    audio = convert_to_tensor(audio, dtype=dtypes.float32, name="audio")
    if audio.shape.ndims not in (None, 2):
        raise ValueError(f"encode_wav: audio must be [samples, channels], got shape "
                         f"{audio.shape} ({audio.name})")
    rate = convert_to_tensor(sample_rate, dtype=dtypes.int32, name="sample_rate")
    return get_default_graph().create_op("EncodeWav", [audio, rate],
                                         name=name or "EncodeWav").outputs[0]
