"""Host kernels of ``AudioSummaryV2`` (16-bit PCM WAV, as TF's wav encoder writes) and
``TensorSummaryV2`` (the tensor as a TensorProto)."""
from __future__ import annotations

import io
import wave

import numpy as np

from tensorflux.backends.summary_kernels import _string_scalar, _summary_pb2
from tensorflux.core import errors


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """[frames, channels] floats in [-1, 1] as a 16-bit little-endian PCM WAV file:
    round(x * 32768), clamped to int16 (TF's FloatToInt16Sample)."""
    pcm = np.clip(np.round(samples.astype(np.float32) * np.float32(32768)), -32768, 32767)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(int(sample_rate))
        wav.writeframes(pcm.astype("<i2").tobytes())
    return out.getvalue()


def _audio(op, ctx):
    tag, max_outputs = op.attrs["tag"], op.attrs["max_outputs"]
    pb = _summary_pb2()

    def run(clips, sample_rate):
        clips = np.asarray(clips)
        if clips.ndim == 2:
            clips = clips[..., None]
        if clips.ndim != 3:
            raise errors.InvalidArgumentError(None, op, f"audio must be [batch, frames] or "
                                                        f"[batch, frames, channels], got {clips.shape}")
        rate = float(np.asarray(sample_rate))
        if rate <= 0:
            raise errors.InvalidArgumentError(None, op, f"sample_rate must be positive, got {rate}")
        values = []
        for i, clip in enumerate(clips[:max_outputs]):
            name = f"{tag}/audio" if max_outputs == 1 else f"{tag}/audio/{i}"
            values.append(pb.Summary.Value(tag=name, audio=pb.Summary.Audio(
                sample_rate=rate, num_channels=clip.shape[1], length_frames=clip.shape[0],
                encoded_audio_string=wav_bytes(clip, rate), content_type="audio/wav")))
        return _string_scalar(pb.Summary(value=values).SerializeToString())
    return run


def _tensor(op, ctx):
    from google.protobuf import json_format
    from tensorboard.util import tensor_util
    pb = _summary_pb2()
    metadata = json_format.Parse(op.attrs["summary_metadata"] or "{}", pb.SummaryMetadata())
    tag = op.attrs["tag"]

    def run(value):
        value = np.asarray(value)
        if value.dtype == object:
            value = value.astype(bytes)
        proto = tensor_util.make_tensor_proto(value)
        return _string_scalar(pb.Summary(value=[pb.Summary.Value(
            tag=tag, metadata=metadata, tensor=proto)]).SerializeToString())
    return run


KERNELS = {"AudioSummaryV2": _audio, "TensorSummaryV2": _tensor}
