"""``tf.audio``: WAV files."""
from tensorflux.ops.audio_ops import decode_wav, encode_wav  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
