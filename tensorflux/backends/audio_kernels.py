"""Host kernels of ``tensorflux.ops.audio_ops`` (Python's ``wave`` module)."""
from __future__ import annotations

import io
import wave

import numpy as np

from tensorflux.backends.summary_extra_kernels import wav_bytes
from tensorflux.core import errors


def _decode_wav(op, ctx):
    want_channels, want_samples = op.attrs["desired_channels"], op.attrs["desired_samples"]

    def run(contents):
        data = contents[()] if isinstance(contents, np.ndarray) else contents
        try:
            with wave.open(io.BytesIO(bytes(data)), "rb") as wav:
                if wav.getsampwidth() != 2:
                    raise errors.UnimplementedError(
                        None, op, f"Can only read 16-bit WAV files, but received "
                                  f"{8 * wav.getsampwidth()}")
                channels, rate = wav.getnchannels(), wav.getframerate()
                frames = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError) as exc:
            raise errors.InvalidArgumentError(None, op, f"Bad WAV data: {exc}") from None
        samples = (np.frombuffer(frames, "<i2").astype(np.float32) / np.float32(32768)).reshape(
            -1, channels)
        if want_channels > 0 and want_channels != channels:
            if want_channels < channels:
                samples = samples[:, :want_channels]
            elif channels == 1:
                samples = np.repeat(samples, want_channels, axis=1)
            else:
                raise errors.InvalidArgumentError(
                    None, op, f"Can only expand a mono file to {want_channels} channels, the "
                              f"file has {channels}")
        if want_samples > 0:
            padded = np.zeros((want_samples, samples.shape[1]), np.float32)
            padded[:min(want_samples, len(samples))] = samples[:want_samples]
            samples = padded
        return np.ascontiguousarray(samples), np.int32(rate)
    return run


def _encode_wav(op, ctx):
    def run(audio, sample_rate):
        if audio.ndim != 2:
            raise errors.InvalidArgumentError(None, op, f"audio must be 2-D, got {audio.shape}")
        out = np.empty((), dtype=object)
        out[()] = wav_bytes(audio, int(sample_rate))
        return out
    return run


KERNELS = {"DecodeWav": _decode_wav, "EncodeWav": _encode_wav}
