"""Decoding and encoding images: PNG, JPEG, GIF and BMP as string tensors.

The ops run on the host (``tensorflux.backends.image_codec_kernels``). JPEG, GIF, BMP
and PNG decoding use Pillow, which is imported when such an op first runs (``pip install
'tensorflux[image]'``); PNG encoding needs only zlib.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import random_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable


def _image_shape(rank):
    def fn(op):
        channels = op.attrs.get("channels", 0)
        dims = [None] * (rank - 1) + [channels or None]
        if op.type == "DecodeGif":
            dims[-1] = 3
        return [TensorShape(dims)]
    return fn


def _string_scalar(op):
    return [dtypes.string]


def _scalar(op):
    return [TensorShape(())]


_JPEG_ATTRS = {"channels": 0, "ratio": 1, "fancy_upscaling": True,
               "try_recover_truncated": False, "acceptable_fraction": 1.0, "dct_method": ""}
_UINT8 = lambda op: [dtypes.uint8]  # noqa: E731
defop("DecodePng", ("contents",), attrs={"channels": 0, "dtype": dtypes.uint8},
      dtype_fn=lambda op: [op.attrs["dtype"]], shape_fn=_image_shape(3),
      doc="A PNG (or other Pillow-readable) image as [height, width, channels].")
defop("DecodeJpeg", ("contents",), attrs=dict(_JPEG_ATTRS), dtype_fn=_UINT8,
      shape_fn=_image_shape(3), doc="A JPEG image as uint8 [height, width, channels].")
defop("DecodeAndCropJpeg", ("contents", "crop_window"), attrs=dict(_JPEG_ATTRS),
      dtype_fn=_UINT8, shape_fn=_image_shape(3),
      doc="The [y, x, height, width] window of a JPEG image.")
defop("DecodeBmp", ("contents",), attrs={"channels": 0}, dtype_fn=_UINT8,
      shape_fn=_image_shape(3), doc="A BMP image as uint8 [height, width, channels].")
defop("DecodeGif", ("contents",), dtype_fn=_UINT8, shape_fn=_image_shape(4),
      doc="Every frame of a GIF as uint8 [frames, height, width, 3].")
defop("DecodeImage", ("contents",), attrs={"channels": 0, "dtype": dtypes.uint8,
                                           "expand_animations": True},
      dtype_fn=lambda op: [op.attrs["dtype"]], shape_fn=lambda op: [TensorShape(None)],
      doc="A JPEG, PNG, GIF or BMP image (GIFs as [frames, h, w, 3]).")
defop("DecodeWebP", ("contents",), attrs={"channels": 0, "expand_animations": True},
      dtype_fn=_UINT8, shape_fn=lambda op: [TensorShape(None)],
      doc="A WebP image as uint8 [height, width, 4] (animations: [frames, h, w, 4]).")
defop("EncodePng", ("image",), attrs={"compression": -1}, dtype_fn=_string_scalar,
      shape_fn=_scalar, doc="A [height, width, channels] uint8/uint16 image as PNG bytes.")
defop("EncodeJpeg", ("image",), attrs={"format": "", "quality": 95, "progressive": False,
                                       "optimize_size": False, "chroma_downsampling": True,
                                       "density_unit": "in", "x_density": 300,
                                       "y_density": 300, "xmp_metadata": ""},
      dtype_fn=_string_scalar, shape_fn=_scalar, doc="A uint8 image as JPEG bytes.")
defop("EncodeJpegVariableQuality", ("images", "quality"), dtype_fn=_string_scalar,
      shape_fn=_scalar, doc="A uint8 image as JPEG bytes at a quality given as a tensor.")
defop("ExtractJpegShape", ("contents",), attrs={"output_type": dtypes.int32},
      dtype_fn=lambda op: [op.attrs["output_type"]], shape_fn=lambda op: [TensorShape([3])],
      doc="[height, width, channels] of a JPEG image, without decoding it.")
defop("IsJpeg", ("contents",), dtype_fn=lambda op: [dtypes.bool_], shape_fn=_scalar,
      doc="Whether the bytes start with JPEG's magic number.")
not_differentiable("DecodePng", "DecodeJpeg", "DecodeWebP", "DecodeAndCropJpeg", "DecodeBmp", "DecodeGif",
                   "DecodeImage", "EncodePng", "EncodeJpeg", "EncodeJpegVariableQuality",
                   "ExtractJpegShape", "IsJpeg")


def _needs_pillow(what):
    import importlib.util
    if importlib.util.find_spec("PIL") is None:
        raise ImportError(f"tf.image.{what} needs Pillow: pip install 'tensorflux[image]'")


def _codec(op_type, inputs, attrs, name):
    if op_type not in ("EncodePng", "IsJpeg"):
        _needs_pillow(op_type)
    inputs = [convert_to_tensor(i) for i in inputs]
    if op_type.startswith("Decode") or op_type in ("ExtractJpegShape", "IsJpeg"):
        if inputs[0].dtype != dtypes.string:
            raise TypeError(f"{op_type}: contents must be a string tensor, got "
                            f"{inputs[0].dtype.name}")
        if inputs[0].shape.ndims not in (None, 0):
            raise ValueError(f"{op_type}: contents must be a scalar, got shape {inputs[0].shape}")
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type).outputs[0]


def _channels(channels):
    channels = int(channels or 0)
    if channels not in (0, 1, 3, 4):
        raise ValueError(f"channels must be 0, 1, 3 or 4, got {channels}")
    return channels


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """A PNG's pixels as uint8 (or uint16) [height, width, channels]; ``channels`` 0
    keeps the file's, 1 gives grayscale, 3 RGB, 4 RGBA."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"decode_png: dtype must be uint8 or uint16, got {dtype.name}")
    return _codec("DecodePng", [contents], {"channels": _channels(channels), "dtype": dtype},
                  name)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """A JPEG's pixels as uint8 [height, width, channels]; ``ratio`` (1, 2, 4, 8)
    downscales while decoding."""
    if ratio not in (1, 2, 4, 8):
        raise ValueError(f"ratio must be 1, 2, 4 or 8, got {ratio}")
    attrs = {"channels": _channels(channels), "ratio": int(ratio),
             "fancy_upscaling": bool(fancy_upscaling),
             "try_recover_truncated": bool(try_recover_truncated),
             "acceptable_fraction": float(acceptable_fraction), "dct_method": dct_method}
    return _codec("DecodeJpeg", [contents], attrs, name)


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                         name=None):
    """The ``crop_window`` = [y, x, height, width] part of a JPEG image."""
    attrs = {"channels": _channels(channels), "ratio": int(ratio),
             "fancy_upscaling": bool(fancy_upscaling),
             "try_recover_truncated": bool(try_recover_truncated),
             "acceptable_fraction": float(acceptable_fraction), "dct_method": dct_method}
    window = convert_to_tensor(crop_window, preferred_dtype=dtypes.int32)
    return _codec("DecodeAndCropJpeg", [contents, window], attrs, name)


def decode_bmp(contents, channels=0, name=None):
    return _codec("DecodeBmp", [contents], {"channels": _channels(channels)}, name)


def decode_gif(contents, name=None):
    """Every frame of a GIF: uint8 [num_frames, height, width, 3]."""
    return _codec("DecodeGif", [contents], None, name)


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None,
                 expand_animations=True):
    """A JPEG, PNG, GIF or BMP image, whichever the bytes are: [height, width, channels]
    (GIFs [frames, height, width, 3] unless ``expand_animations`` is False). A float
    ``dtype`` scales to [0, 1] as convert_image_dtype does."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16, dtypes.float32):
        raise TypeError(f"decode_image: dtype must be uint8, uint16 or float32, got {dtype.name}")
    attrs = {"channels": _channels(channels), "dtype": dtype,
             "expand_animations": bool(expand_animations)}
    return _codec("DecodeImage", [contents], attrs, name)


def decode_webp(contents, channels=0, expand_animations=True, name=None):
    """A WebP image as uint8 [height, width, 4] (RGBA unless ``channels`` says otherwise;
    an animation as [frames, height, width, channels] unless ``expand_animations`` is
    False)."""
    attrs = {"channels": _channels(channels), "expand_animations": bool(expand_animations)}
    return _codec("DecodeWebP", [contents], attrs, name)


def encode_png(image, compression=-1, name=None):
    """PNG bytes (a string scalar) of a uint8 or uint16 [height, width, channels] image;
    ``compression`` is zlib's level (-1: default)."""
    image = convert_to_tensor(image)
    if image.dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"encode_png: image must be uint8 or uint16, got {image.dtype.name}")
    if image.shape.ndims not in (None, 3):
        raise ValueError(f"encode_png: image must be 3-dimensional, got shape {image.shape}")
    if not -1 <= compression <= 9:
        raise ValueError(f"compression must be in [-1, 9], got {compression}")
    return _codec("EncodePng", [image], {"compression": int(compression)}, name)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,  # noqa: A002
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """JPEG bytes of a uint8 [height, width, 1 or 3] image."""
    image = convert_to_tensor(image)
    if image.dtype != dtypes.uint8:
        raise TypeError(f"encode_jpeg: image must be uint8, got {image.dtype.name}")
    if format not in ("", "grayscale", "rgb"):
        raise ValueError(f"format must be '', 'grayscale' or 'rgb', got {format!r}")
    if not 0 <= quality <= 100:
        raise ValueError(f"quality must be in [0, 100], got {quality}")
    attrs = {"format": format, "quality": int(quality), "progressive": bool(progressive),
             "optimize_size": bool(optimize_size),
             "chroma_downsampling": bool(chroma_downsampling), "density_unit": density_unit,
             "x_density": int(x_density), "y_density": int(y_density),
             "xmp_metadata": xmp_metadata}
    return _codec("EncodeJpeg", [image], attrs, name)


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None):
    """[height, width, channels] of a JPEG image, read from its header."""
    return _codec("ExtractJpegShape", [contents],
                  {"output_type": dtypes.as_dtype(output_type)}, name)


def is_jpeg(contents, name=None):
    """A bool scalar: whether ``contents`` is JPEG data (by its first bytes)."""
    return _codec("IsJpeg", [contents], None, name)


def adjust_jpeg_quality(image, jpeg_quality, name=None):
    """The image after a round trip through JPEG at ``jpeg_quality`` (0-100), in its
    own dtype."""
    from tensorflux.ops.image_ops import convert_image_dtype
    with name_scope(name, "adjust_jpeg_quality", [image]):
        image = convert_to_tensor(image)
        original = image.dtype
        encoded = _codec("EncodeJpegVariableQuality",
                         [convert_image_dtype(image, dtypes.uint8),
                          convert_to_tensor(jpeg_quality, preferred_dtype=dtypes.int32)], None, None)
        channels = image.shape.as_tuple()[-1] if image.shape.ndims else None
        decoded = decode_jpeg(encoded, channels=channels if channels in (1, 3) else 0)
        return convert_image_dtype(decoded, original)


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None):
    """adjust_jpeg_quality with a quality drawn uniformly from [min, max)."""
    if (min_jpeg_quality < 0 or max_jpeg_quality < 0 or min_jpeg_quality > 100
            or max_jpeg_quality > 100):
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if min_jpeg_quality >= max_jpeg_quality:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    quality = random_ops.random_uniform([], min_jpeg_quality, max_jpeg_quality,
                                        dtype=dtypes.int32, seed=seed)
    return adjust_jpeg_quality(image, quality)
