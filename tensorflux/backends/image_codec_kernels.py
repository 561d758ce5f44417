"""Host kernels of the image codecs: PNG (written with zlib, read with Pillow), JPEG,
GIF and BMP (Pillow). Pillow is imported when a codec kernel first runs; without it
the kernels raise UnimplementedError saying how to install it."""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np

from tensorflux.backends.summary_kernels import _as_bytes as _bytes, _string_scalar
from tensorflux.core import errors

_JPEG, _PNG, _GIF, _BMP = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"BM"


def _pil(op):
    try:
        from PIL import Image, ImageFile
    except ImportError:
        raise errors.UnimplementedError(
            None, op, f"{op.type} needs Pillow: pip install 'tensorflux[image]'") from None
    return Image, ImageFile


def encode_png(image: np.ndarray, level: int = -1) -> bytes:
    """PNG bytes of an [h, w, c] uint8 or uint16 image (c = 1, 2, 3 or 4)."""
    h, w, c = image.shape
    depth = 16 if image.dtype == np.uint16 else 8
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = np.ascontiguousarray(image.astype(">u2") if depth == 16 else image).reshape(h, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return (_PNG + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, level))
            + chunk(b"IEND", b""))


def _format(data: bytes) -> str:
    for magic, name in ((_JPEG, "jpeg"), (_PNG, "png"), (_GIF, "gif"), (_BMP, "bmp")):
        if data.startswith(magic):
            return name
    return "webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else ""


def _open(op, data):
    Image, ImageFile = _pil(op)
    if not _format(data):
        raise errors.InvalidArgumentError(
            None, op, "Unknown image file format. One of JPEG, PNG, GIF, BMP required.")
    try:
        image = Image.open(io.BytesIO(data))
        return image
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds
        raise errors.InvalidArgumentError(None, op, f"Invalid image data: {exc}") from None


def _to_array(op, image, channels, dtype):
    """The decoded image as an [h, w, c] array with ``channels`` (0: as stored)."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.uint16 if mode != "I" else np.int32)
        array = array.astype(np.uint16)[..., None]
        sixteen = True
    else:
        if mode == "1":
            image = image.convert("L")
        elif mode in ("P", "PA"):
            image = image.convert("RGBA" if mode == "PA" or "transparency" in image.info else "RGB")
        elif mode not in ("L", "LA", "RGB", "RGBA"):
            image = image.convert("RGB")
        array = np.asarray(image)
        array = array[..., None] if array.ndim == 2 else array
        sixteen = False
    have = array.shape[-1]
    if channels and channels != have:
        array = _convert_channels(op, array, have, channels)
    if dtype == np.uint16 and not sixteen:
        array = array.astype(np.uint16) * 257
    elif dtype == np.uint8 and sixteen:
        array = (array >> 8).astype(np.uint8)
    elif dtype == np.float32:
        array = array.astype(np.float32) / (65535.0 if sixteen else 255.0)
    return np.ascontiguousarray(array.astype(dtype, copy=False))


def _convert_channels(op, array, have, want):
    if want not in (1, 3, 4):
        raise errors.InvalidArgumentError(None, op, f"channels must be 0, 1, 3 or 4, got {want}")
    color = array[..., :3] if have >= 3 else np.repeat(array[..., :1], 3, axis=-1)
    alpha = array[..., -1:] if have in (2, 4) else np.full(array.shape[:-1] + (1,),
                                                          np.iinfo(array.dtype).max, array.dtype)
    if want == 1:
        gray = color.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        return np.round(gray).astype(array.dtype)[..., None]
    return color if want == 3 else np.concatenate([color, alpha], axis=-1)


def _decode(first_frame=True):
    def builder(op, ctx):
        channels = op.attrs.get("channels", 0)
        dtype = op.attrs.get("dtype", None)
        dtype = np.uint8 if dtype is None else dtype.np_dtype
        ratio = op.attrs.get("ratio", 1)
        recover = op.attrs.get("try_recover_truncated", False)
        animations = op.attrs.get("expand_animations", True)

        def run(contents, *crop):
            data = _bytes(contents)
            image = _open(op, data)
            _, ImageFile = _pil(op)
            if ratio != 1 and image.format == "JPEG":
                image.draft(image.mode, (image.width // ratio, image.height // ratio))
            old, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, recover
            try:
                frames = []
                for index in range(getattr(image, "n_frames", 1) if not first_frame else 1):
                    image.seek(index)
                    frame = image.convert("RGB") if image.format == "GIF" else image
                    if image.format == "WEBP" and channels == 0 and image.mode == "RGB":
                        frame = image.convert("RGBA")  # TF decodes WebP to 4 channels
                    frames.append(_to_array(op, frame, channels, dtype))
            except OSError as exc:
                raise errors.InvalidArgumentError(None, op, f"Invalid image data: {exc}") from None
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = old
            if crop:
                y, x, h, w = (int(v) for v in np.asarray(crop[0]).reshape(-1))
                img = frames[0]
                if y < 0 or x < 0 or h <= 0 or w <= 0 or y + h > img.shape[0] or x + w > img.shape[1]:
                    raise errors.InvalidArgumentError(
                        None, op, f"Invalid JPEG data or crop window: crop {[y, x, h, w]} of an "
                                  f"image of shape {img.shape}")
                return np.ascontiguousarray(img[y:y + h, x:x + w])
            gif = op.type == "DecodeImage" and image.format == "GIF"
            animated = op.type == "DecodeWebP" and len(frames) > 1
            if op.type == "DecodeGif" or (animations and (gif or animated)):
                return np.stack(frames)
            return frames[0]
        return run
    return builder


def _encode_png(op, ctx):
    level = op.attrs["compression"]

    def run(image):
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[-1] not in (1, 2, 3, 4):
            raise errors.InvalidArgumentError(None, op, f"image must be [height, width, 1|2|3|4],"
                                                        f" got shape {image.shape}")
        return _string_scalar(encode_png(image, level))
    return run


def _jpeg_bytes(op, image, quality, attrs):
    Image, _ = _pil(op)
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise errors.InvalidArgumentError(None, op, f"image must be 3-dimensional with 1 or 3 "
                                                    f"channels, got shape {image.shape}")
    fmt = attrs.get("format", "")
    if fmt == "grayscale" and image.shape[-1] != 1 or fmt == "rgb" and image.shape[-1] != 3:
        raise errors.InvalidArgumentError(None, op, f"format {fmt!r} does not match "
                                                    f"{image.shape[-1]} channels")
    picture = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    options = {"quality": int(quality), "progressive": attrs.get("progressive", False),
               "optimize": attrs.get("optimize_size", False),
               "subsampling": 2 if attrs.get("chroma_downsampling", True) else 0}
    if attrs.get("density_unit", "in") == "in":
        options["dpi"] = (attrs.get("x_density", 300), attrs.get("y_density", 300))
    if attrs.get("xmp_metadata"):
        options["xmp"] = attrs["xmp_metadata"].encode()
    out = io.BytesIO()
    picture.save(out, format="JPEG", **options)
    return out.getvalue()


def _encode_jpeg(op, ctx):
    attrs = op.attrs
    return lambda image: _string_scalar(_jpeg_bytes(op, image, attrs["quality"], attrs))


def _encode_jpeg_variable_quality(op, ctx):
    def run(image, quality):
        quality = int(np.asarray(quality))
        if not 0 <= quality <= 100:
            raise errors.InvalidArgumentError(None, op, f"quality must be in [0,100], got {quality}")
        return _string_scalar(_jpeg_bytes(op, image, quality, {}))
    return run


def _extract_jpeg_shape(op, ctx):
    dtype = op.attrs["output_type"].np_dtype

    def run(contents):
        data = _bytes(contents)
        if _format(data) != "jpeg":
            raise errors.InvalidArgumentError(None, op, "Invalid JPEG data, size " + str(len(data)))
        image = _open(op, data)
        channels = {"L": 1, "RGB": 3, "CMYK": 4}.get(image.mode, len(image.getbands()))
        return np.array([image.height, image.width, channels], dtype)
    return run


def _is_jpeg(op, ctx):
    return lambda contents: np.bool_(_bytes(contents).startswith(_JPEG))


KERNELS = {"DecodePng": _decode(), "DecodeJpeg": _decode(), "DecodeBmp": _decode(),
           "DecodeGif": _decode(first_frame=False), "DecodeImage": _decode(first_frame=False),
           "DecodeAndCropJpeg": _decode(), "DecodeWebP": _decode(first_frame=False),
           "EncodePng": _encode_png,
           "EncodeJpeg": _encode_jpeg, "EncodeJpegVariableQuality": _encode_jpeg_variable_quality,
           "ExtractJpegShape": _extract_jpeg_shape, "IsJpeg": _is_jpeg}
