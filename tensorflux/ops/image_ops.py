"""``tf.image``: dtype conversion, crops, flips, colour adjustments and image measures.

All of these are built from existing ops, following TF1's ``image_ops_impl``, so they
run on every backend and differentiate where the math does. Images are
[height, width, channels] or batches [batch, height, width, channels]; float images hold
values in [0, 1] and integer images the full range of their dtype.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, control_dependencies, name_scope
from tensorflux.ops import array_ops, math_ops, nn_ops, random_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.image_resize import batch_of, unbatch
from tensorflux.ops.logging_ops import Assert
from tensorflux.ops.shape_fns import constant_value


# --- helpers ------------------------------------------------------------------------------
def _at_least_3d(image, what="image"):
    image = convert_to_tensor(image, name=what)
    ndims = image.shape.ndims
    if ndims is not None and ndims < 3:
        raise ValueError(f"'{what}' (shape {image.shape}) must be at least three-dimensional.")
    return image


def _dims(image, rank):
    """The sizes of ``image``'s dimensions: ints where static, scalar tensors otherwise."""
    static = image.shape.as_tuple() or (None,) * rank
    dynamic = array_ops.shape(image)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def _check(condition, message):
    """TF1's ``_assert``: raise ValueError now for a Python False; an Assert op (in a
    list) for a tensor condition."""
    if isinstance(condition, Tensor):
        return [Assert(condition, [message])]
    if not condition:
        raise ValueError(message)
    return []


def _with_checks(checks, value):
    if not checks:
        return value
    with control_dependencies(checks):
        return array_ops.identity(value)


def _maximum(a, b):
    return math_ops.maximum(a, b) if isinstance(a, Tensor) or isinstance(b, Tensor) else max(a, b)


def _minimum(a, b):
    return math_ops.minimum(a, b) if isinstance(a, Tensor) or isinstance(b, Tensor) else min(a, b)


def saturate_cast(value, dtype, name=None):
    """Cast, clamping to the range of ``dtype`` first."""
    value = convert_to_tensor(value)
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "saturate_cast", [value]):
        if value.dtype.min < dtype.min:
            value = math_ops.maximum(value, convert_to_tensor(dtype.min, value.dtype))
        if value.dtype.max > dtype.max:
            value = math_ops.minimum(value, convert_to_tensor(dtype.max, value.dtype))
        return math_ops.cast(value, dtype)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Convert between image dtypes, rescaling: floats span [0, 1], integers their full
    range (TF1's rules: integer scaling by shifts, float -> int by ``x * (max + 0.5)``)."""
    image = convert_to_tensor(image, name="image")
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating and not dtype.is_integer:
        raise AttributeError("dtype must be either floating point or integer")
    if dtype == image.dtype:
        return array_ops.identity(image, name=name)
    with name_scope(name, "convert_image", [image]):
        src = image.dtype
        if src.is_integer and dtype.is_integer:
            if src.max > dtype.max:
                scaled = math_ops.floordiv(image, (src.max + 1) // (dtype.max + 1))
                return saturate_cast(scaled, dtype) if saturate else math_ops.cast(scaled, dtype)
            cast = saturate_cast(image, dtype) if saturate else math_ops.cast(image, dtype)
            return math_ops.multiply(cast, (dtype.max + 1) // (src.max + 1))
        if src.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype)
        if src.is_integer:
            return math_ops.multiply(math_ops.cast(image, dtype), 1.0 / src.max)
        scaled = math_ops.multiply(image, dtype.max + 0.5)
        return saturate_cast(scaled, dtype) if saturate else math_ops.cast(scaled, dtype)


def _to_float(image):
    """The image as float32 (float16/float32 kept) and a function converting back."""
    original = image.dtype
    flt = image if original in (dtypes.float16, dtypes.float32) else \
        convert_image_dtype(image, dtypes.float32)
    return flt, lambda x, saturate=True: convert_image_dtype(x, original, saturate=saturate)


# --- flips and rotations ------------------------------------------------------------------
def _reverse(image, axis):
    key = [slice(None)] * (axis + 1)
    key[axis] = slice(None, None, -1)
    return image[tuple(key)]


def _flip(image, axis, scope):
    with name_scope(None, scope, [image]):
        image = _at_least_3d(image)
        ndims = image.shape.ndims
        if ndims is None:
            raise ValueError(f"{scope} needs an image of known rank")
        return _reverse(image, axis + (ndims == 4))


def flip_left_right(image):
    """Mirror the image horizontally (the width dimension)."""
    return _flip(image, 1, "flip_left_right")


def flip_up_down(image):
    """Mirror the image vertically (the height dimension)."""
    return _flip(image, 0, "flip_up_down")


def _random_flip(image, axis, seed, scope):
    with name_scope(None, scope, [image]):
        image = _at_least_3d(image)
        ndims = image.shape.ndims
        if ndims == 4:  # one coin per image of the batch, as TF1
            coins = random_ops.random_uniform(array_ops.stack([array_ops.shape(image)[0]]),
                                              0, 1.0, seed=seed)
            flips = math_ops.cast(math_ops.round(array_ops.reshape(coins, [-1, 1, 1, 1])),
                                  image.dtype)
            return flips * _reverse(image, axis + 1) + (1 - flips) * image
        coin = random_ops.random_uniform([], 0, 1.0, seed=seed)
        mirror = array_ops.fill(array_ops.shape(image), math_ops.less(coin, 0.5))
        return array_ops.where(mirror, _reverse(image, axis), image)


def random_flip_left_right(image, seed=None):
    """Mirror horizontally with probability 1/2 (per image of a batch)."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Mirror vertically with probability 1/2 (per image of a batch)."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def rot90(image, k=1, name=None):
    """Rotate counter-clockwise by 90 degrees ``k`` times (``k`` known when building)."""
    with name_scope(name, "rot90", [image]):
        image = _at_least_3d(image)
        if isinstance(k, Tensor):
            value = constant_value(k)
            if value is None:
                raise ValueError("rot90 needs k known while the graph is built")
            k = int(value)
        k %= 4
        batch = image.shape.ndims == 4
        perm = [0, 2, 1, 3] if batch else [1, 0, 2]
        h, w = (1, 2) if batch else (0, 1)
        if k == 0:
            return array_ops.identity(image)
        if k == 1:
            return array_ops.transpose(_reverse(image, w), perm)
        if k == 2:
            return _reverse(_reverse(image, w), h)
        return _reverse(array_ops.transpose(image, perm), w)


def transpose_image(image, name=None):
    """Swap height and width."""
    with name_scope(name, "transpose", [image]):
        image = _at_least_3d(image)
        return array_ops.transpose(image, [0, 2, 1, 3] if image.shape.ndims == 4 else [1, 0, 2])


# --- crops and pads ---------------------------------------------------------------------------
def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The [target_height, target_width] window whose top-left corner is at
    (offset_height, offset_width)."""
    with name_scope(None, "crop_to_bounding_box", [image]):
        images, is_batch = batch_of(image, "image")
        batch, height, width, depth = _dims(images, 4)
        checks = (_check(offset_width >= 0, "offset_width must be >= 0.")
                  + _check(offset_height >= 0, "offset_height must be >= 0.")
                  + _check(target_width > 0, "target_width must be > 0.")
                  + _check(target_height > 0, "target_height must be > 0.")
                  + _check(width >= target_width + offset_width,
                           "width must be >= target + offset.")
                  + _check(height >= target_height + offset_height,
                           "height must be >= target + offset."))
        images = _with_checks(checks, images)
        cropped = array_ops.slice(images, array_ops.stack([0, offset_height, offset_width, 0]),
                                  array_ops.stack([-1, target_height, target_width, -1]))
        cropped.set_shape([None if isinstance(d, Tensor) else d
                           for d in (batch, target_height, target_width, depth)])
        return unbatch(cropped, is_batch)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Pad with zeros to [target_height, target_width], the image's top-left corner at
    (offset_height, offset_width)."""
    with name_scope(None, "pad_to_bounding_box", [image]):
        images, is_batch = batch_of(image, "image")
        batch, height, width, depth = _dims(images, 4)
        after_w = target_width - offset_width - width
        after_h = target_height - offset_height - height
        checks = (_check(offset_height >= 0, "offset_height must be >= 0")
                  + _check(offset_width >= 0, "offset_width must be >= 0")
                  + _check(after_w >= 0, "width must be <= target - offset")
                  + _check(after_h >= 0, "height must be <= target - offset"))
        images = _with_checks(checks, images)
        paddings = array_ops.reshape(array_ops.stack(
            [0, 0, offset_height, after_h, offset_width, after_w, 0, 0]), [4, 2])
        padded = array_ops.pad(images, paddings)
        padded.set_shape([None if isinstance(d, Tensor) else d
                          for d in (batch, target_height, target_width, depth)])
        return unbatch(padded, is_batch)


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Centre-crop and/or zero-pad to [target_height, target_width]."""
    with name_scope(None, "resize_image_with_crop_or_pad", [image]):
        images, is_batch = batch_of(image, "image")
        checks = (_check(target_width > 0, "target_width must be > 0.")
                  + _check(target_height > 0, "target_height must be > 0."))
        images = _with_checks(checks, images)
        _, height, width, _ = _dims(images, 4)
        width_diff, height_diff = target_width - width, target_height - height
        cropped = crop_to_bounding_box(images, _maximum(-height_diff // 2, 0),
                                       _maximum(-width_diff // 2, 0),
                                       _minimum(target_height, height),
                                       _minimum(target_width, width))
        resized = pad_to_bounding_box(cropped, _maximum(height_diff // 2, 0),
                                      _maximum(width_diff // 2, 0), target_height, target_width)
        return unbatch(resized, is_batch)


def central_crop(image, central_fraction):
    """The central ``central_fraction`` (0, 1] of the height and width."""
    with name_scope(None, "central_crop", [image]):
        image = convert_to_tensor(image, name="image")
        if central_fraction <= 0.0 or central_fraction > 1.0:
            raise ValueError("central_fraction must be within (0, 1]")
        if central_fraction == 1.0:
            return image
        _at_least_3d(image)
        rank = image.shape.ndims
        if rank not in (3, 4):
            raise ValueError(f"`image` should either be a Tensor with rank = 3 or rank = 4. "
                             f"Had rank = {rank}.")
        dims = _dims(image, rank)
        h, w = dims[-3], dims[-2]

        def start(size):
            if isinstance(size, Tensor):
                s = math_ops.cast(size, dtypes.float64)
                return math_ops.cast((s - s * central_fraction) / 2, dtypes.int32)
            return int((float(size) - float(size) * central_fraction) / 2)
        h0, w0 = start(h), start(w)
        begin = [h0, w0, 0] if rank == 3 else [0, h0, w0, 0]
        size = [h - 2 * h0, w - 2 * w0, -1] if rank == 3 else [-1, h - 2 * h0, w - 2 * w0, -1]
        return array_ops.slice(image, array_ops.stack(begin), array_ops.stack(size))


def random_crop(value, size, seed=None, name=None):
    """A random ``size`` slice of ``value`` (every dimension may be cropped)."""
    with name_scope(name, "random_crop", [value, size]) as scope:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtypes.int32, name="size")
        shape = array_ops.shape(value)
        static_value, static_size = value.shape.as_tuple(), constant_value(size)
        if static_value is not None and static_size is not None and None not in static_value:
            if any(s > v for s, v in zip(np.ravel(static_size), static_value)):
                raise ValueError(f"Need value.shape >= size, got {list(static_value)} and "
                                 f"{list(np.ravel(static_size))}")
        check = Assert(math_ops.reduce_all(shape >= size),
                       ["Need value.shape >= size, got ", shape, size], summarize=1000)
        with control_dependencies([check]):
            shape = array_ops.identity(shape)
        limit = shape - size + 1
        offset = random_ops.random_uniform(array_ops.shape(shape), dtype=dtypes.int32,
                                           maxval=dtypes.int32.max, seed=seed) % limit
        return array_ops.slice(value, offset, size, name=scope)


# --- standardization and colour ----------------------------------------------------------------
def per_image_standardization(image):
    """(x - mean) / max(stddev, 1/sqrt(num_pixels)) per image, as float32."""
    with name_scope(None, "per_image_standardization", [image]) as scope:
        image = math_ops.cast(_at_least_3d(image), dtypes.float32)
        num_pixels = math_ops.cast(math_ops.reduce_prod(array_ops.shape(image)[-3:]),
                                   dtypes.float32)
        mean = math_ops.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        variance = nn_ops.relu(math_ops.reduce_mean(math_ops.square(image), axis=[-1, -2, -3],
                                                    keepdims=True) - math_ops.square(mean))
        scale = math_ops.maximum(math_ops.sqrt(variance), math_ops.rsqrt(num_pixels))
        return math_ops.truediv(image - mean, scale, name=scope)


def adjust_brightness(image, delta):
    """Add ``delta`` to every value (in the float [0, 1] scale), saturating back."""
    with name_scope(None, "adjust_brightness", [image, delta]):
        flt, back = _to_float(convert_to_tensor(image, name="image"))
        return back(math_ops.add(flt, math_ops.cast(delta, flt.dtype)))


def adjust_contrast(images, contrast_factor):
    """Scale each channel's distance from its mean over the image by ``contrast_factor``."""
    with name_scope(None, "adjust_contrast", [images, contrast_factor]):
        flt, back = _to_float(_at_least_3d(images, "images"))
        mean = math_ops.reduce_mean(flt, axis=[-3, -2], keepdims=True)
        factor = math_ops.cast(contrast_factor, flt.dtype)
        return back((flt - mean) * factor + mean)


def adjust_gamma(image, gamma=1, gain=1):
    """gain * image ** gamma (in the float scale); gamma must be non-negative."""
    with name_scope(None, "adjust_gamma", [image, gamma, gain]):
        flt, back = _to_float(convert_to_tensor(image, name="image"))
        gamma_t = convert_to_tensor(gamma, flt.dtype) if not isinstance(gamma, Tensor) else \
            math_ops.cast(gamma, flt.dtype)
        if not isinstance(gamma, Tensor):
            if gamma < 0:
                raise ValueError("Gamma should be a non-negative real number.")
        else:
            gamma_t = _with_checks(_check(math_ops.greater_equal(gamma_t, 0),
                                          "Gamma should be a non-negative real number."), gamma_t)
        return back(math_ops.cast(gain, flt.dtype) * flt ** gamma_t)


_RGB_TO_GRAY = [0.2989, 0.5870, 0.1140]


def _last_axis_matmul(images, matrix):
    """tensordot(images, matrix, [[-1], [0]]) for a 3x3 (or 3xk) matrix."""
    flat = array_ops.reshape(images, [-1, 3])
    out = math_ops.matmul(flat, convert_to_tensor(np.asarray(matrix), images.dtype))
    shape = array_ops.concat([array_ops.shape(images)[:-1], [int(np.shape(matrix)[1])]], 0)
    result = array_ops.reshape(out, shape)
    if images.shape.ndims is not None:
        result.set_shape(images.shape.as_list()[:-1] + [int(np.shape(matrix)[1])])
    return result


def _check_channels(images, n, message):
    last = images.shape.as_tuple()[-1] if images.shape.ndims else None
    if images.shape.ndims is not None and (images.shape.ndims < 1 or last not in (None, n)):
        raise ValueError(message)


def rgb_to_grayscale(images, name=None):
    """0.2989 R + 0.5870 G + 0.1140 B, keeping a last dimension of 1 and the dtype."""
    with name_scope(name, "rgb_to_grayscale", [images]):
        images = convert_to_tensor(images, name="images")
        flt = convert_image_dtype(images, dtypes.float32)
        gray = _last_axis_matmul(flt, np.array(_RGB_TO_GRAY).reshape(3, 1))
        return convert_image_dtype(gray, images.dtype)


def grayscale_to_rgb(images, name=None):
    """Repeat the single channel three times."""
    with name_scope(name, "grayscale_to_rgb", [images]):
        images = convert_to_tensor(images, name="images")
        _check_channels(images, 1, "Last dimension of a grayscale image should be size 1.")
        if images.shape.ndims is not None and images.shape.ndims < 2:
            raise ValueError("A grayscale image must be at least two-dimensional.")
        multiples = array_ops.concat([array_ops.ones(array_ops.expand_dims(
            array_ops.rank(images) - 1, 0), dtypes.int32), [3]], 0)
        rgb = array_ops.tile(images, multiples)
        if images.shape.ndims is not None:
            rgb.set_shape(images.shape.as_list()[:-1] + [3])
        return rgb


def rgb_to_hsv(images, name=None):
    """RGB in [0, 1] to HSV (hue in [0, 1)), per pixel, as TF's RGBToHSV kernel."""
    with name_scope(name, "rgb_to_hsv", [images]):
        images = convert_to_tensor(images, name="images")
        _check_channels(images, 3, "rgb_to_hsv: the last dimension must be 3 (RGB)")
        r, g, b = array_ops.unstack(images, 3, axis=-1)
        value = math_ops.maximum(math_ops.maximum(r, g), b)
        spread = value - math_ops.minimum(math_ops.minimum(r, g), b)
        nonzero = math_ops.greater(spread, 0)
        safe = array_ops.where(nonzero, spread, array_ops.ones_like(spread))
        norm = 1.0 / (6.0 * safe)
        hue = array_ops.where(math_ops.equal(r, value), norm * (g - b),
                              array_ops.where(math_ops.equal(g, value), norm * (b - r) + 2.0 / 6,
                                              norm * (r - g) + 4.0 / 6))
        hue = array_ops.where(nonzero, hue, array_ops.zeros_like(hue))
        hue = array_ops.where(math_ops.less(hue, 0), hue + 1.0, hue)
        positive = math_ops.greater(value, 0)
        saturation = array_ops.where(positive, spread / array_ops.where(
            positive, value, array_ops.ones_like(value)), array_ops.zeros_like(value))
        return array_ops.stack([hue, saturation, value], axis=-1)


def hsv_to_rgb(images, name=None):
    """HSV (hue in [0, 1]) to RGB, as TF's HSVToRGB kernel."""
    with name_scope(name, "hsv_to_rgb", [images]):
        images = convert_to_tensor(images, name="images")
        _check_channels(images, 3, "hsv_to_rgb: the last dimension must be 3 (HSV)")
        h, s, v = array_ops.unstack(images, 3, axis=-1)
        dh = h * 6.0

        def channel(x):
            return math_ops.clip_by_value(x, 0.0, 1.0)
        dr = channel(math_ops.abs(dh - 3.0) - 1.0)
        dg = channel(2.0 - math_ops.abs(dh - 2.0))
        db = channel(2.0 - math_ops.abs(dh - 4.0))
        base = 1.0 - s
        return array_ops.stack([v * (base + s * dr), v * (base + s * dg), v * (base + s * db)],
                               axis=-1)


def adjust_hue(image, delta, name=None):
    """Rotate the hue by ``delta`` (a fraction of the colour wheel, in [-1, 1])."""
    with name_scope(name, "adjust_hue", [image]):
        flt, back = _to_float(convert_to_tensor(image, name="image"))
        h, s, v = array_ops.unstack(rgb_to_hsv(flt), 3, axis=-1)
        h = h + math_ops.cast(delta, flt.dtype)
        h = h - math_ops.floor(h)  # the hue wraps around the wheel
        return back(hsv_to_rgb(array_ops.stack([h, s, v], axis=-1)), saturate=False)


def adjust_saturation(image, saturation_factor, name=None):
    """Multiply the saturation by ``saturation_factor`` (clipped to [0, 1])."""
    with name_scope(name, "adjust_saturation", [image]):
        flt, back = _to_float(convert_to_tensor(image, name="image"))
        h, s, v = array_ops.unstack(rgb_to_hsv(flt), 3, axis=-1)
        s = math_ops.clip_by_value(s * math_ops.cast(saturation_factor, flt.dtype), 0.0, 1.0)
        return back(hsv_to_rgb(array_ops.stack([h, s, v], axis=-1)), saturate=False)


def _check_range(lower, upper):
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, random_ops.random_uniform([], -max_delta, max_delta,
                                                              seed=seed))


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    _check_range(lower, upper)
    return adjust_contrast(image, random_ops.random_uniform([], lower, upper, seed=seed))


def random_hue(image, max_delta, seed=None):
    """adjust_hue by a delta drawn uniformly from [-max_delta, max_delta), max_delta <= 0.5."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, random_ops.random_uniform([], -max_delta, max_delta, seed=seed))


def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation by a factor drawn uniformly from [lower, upper)."""
    _check_range(lower, upper)
    return adjust_saturation(image, random_ops.random_uniform([], lower, upper, seed=seed))


_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
        [0.114, -0.32134392, 0.31119955]]
_YIQ_INV = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
            [0.6208248, -0.64720424, 1.70423049]]
_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
        [0.114, 0.43601035, -0.10001026]]
_YUV_INV = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _color_space(matrix, what):
    def convert(images):
        images = convert_to_tensor(images, name="images")
        _check_channels(images, 3, f"{what}: the last dimension must be 3")
        with name_scope(None, what, [images]):
            return _last_axis_matmul(images, matrix)
    convert.__name__ = what
    convert.__doc__ = f"{what.replace('_', ' ')} (a 3x3 matrix on the last dimension)."
    return convert


rgb_to_yiq = _color_space(_YIQ, "rgb_to_yiq")
yiq_to_rgb = _color_space(_YIQ_INV, "yiq_to_rgb")
rgb_to_yuv = _color_space(_YUV, "rgb_to_yuv")
yuv_to_rgb = _color_space(_YUV_INV, "yuv_to_rgb")


# --- measures ---------------------------------------------------------------------------------
def image_gradients(image):
    """(dy, dx): forward differences I[y+1] - I[y] and I[x+1] - I[x] of a [batch, h, w, d]
    image, 0 in the last row / column."""
    image = convert_to_tensor(image)
    if image.shape.ndims != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{image.shape}.")
    dy = array_ops.pad(image[:, 1:, :, :] - image[:, :-1, :, :], [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = array_ops.pad(image[:, :, 1:, :] - image[:, :, :-1, :], [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


def sobel_edges(image):
    """[batch, h, w, d, 2]: the vertical and horizontal 3x3 Sobel responses of each
    channel (reflect-padded, so the size is kept)."""
    image = convert_to_tensor(image)
    kernels = [np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
               np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])]
    # reflect-pad by one pixel (with slices, which differentiate)
    padded = array_ops.concat([image[:, 1:2], image, image[:, -2:-1]], 1)
    padded = array_ops.concat([padded[:, :, 1:2], padded, padded[:, :, -2:-1]], 2)
    outputs = []
    for kernel in kernels:
        terms = []
        for i in range(3):
            for j in range(3):
                if kernel[i, j]:
                    window = padded[:, i:(i - 2 if i < 2 else None), j:(j - 2 if j < 2 else None), :]
                    terms.append(window * float(kernel[i, j]))
        outputs.append(math_ops.add_n(terms))
    return array_ops.stack(outputs, axis=-1)


def total_variation(images, name=None):
    """The sum of absolute differences between neighbouring pixels (per image for a
    batch)."""
    with name_scope(name, "total_variation", [images]):
        images = convert_to_tensor(images)
        ndims = images.shape.ndims
        if ndims == 3:
            d1, d2 = images[1:, :, :] - images[:-1, :, :], images[:, 1:, :] - images[:, :-1, :]
            axis = None
        elif ndims == 4:
            d1 = images[:, 1:, :, :] - images[:, :-1, :, :]
            d2 = images[:, :, 1:, :] - images[:, :, :-1, :]
            axis = [1, 2, 3]
        else:
            raise ValueError("'images' must be either 3 or 4-dimensional.")
        return (math_ops.reduce_sum(math_ops.abs(d1), axis=axis)
                + math_ops.reduce_sum(math_ops.abs(d2), axis=axis))


def _compatible(a, b):
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(f"Shapes must be equal or compatible: {a.shape} vs {b.shape}")


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio in dB per image: 20 log10(max_val) - 10 log10(mse)."""
    with name_scope(name, "PSNR", [a, b]):
        a, b = convert_to_tensor(a), convert_to_tensor(b)
        _compatible(a, b)
        max_val = convert_image_dtype(math_ops.cast(max_val, a.dtype), dtypes.float32)
        a, b = convert_image_dtype(a, dtypes.float32), convert_image_dtype(b, dtypes.float32)
        mse = math_ops.reduce_mean(math_ops.squared_difference(a, b), [-3, -2, -1])
        return math_ops.subtract(20 * math_ops.log(max_val) / np.log(10.0).astype(np.float32),
                                 np.float32(10 / np.log(10)) * math_ops.log(mse), name="psnr")


def _gaussian_1d(size, sigma):
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-0.5 * coords ** 2 / sigma ** 2)
    return g / g.sum()


def _filter_valid(x, kernel):
    """Separable 'VALID' filtering of [..., h, w, c] with a 1-D kernel on h and w."""
    n = len(kernel)

    def along(t, axis):
        terms = []
        for i, k in enumerate(kernel):
            stop = i - (n - 1) if i < n - 1 else None
            key = [slice(None)] * t.shape.ndims
            key[axis] = slice(i, stop)
            terms.append(t[tuple(key)] * float(k))
        return math_ops.add_n(terms)
    return along(along(x, x.shape.ndims - 3), x.shape.ndims - 2)


def _ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2):
    kernel = _gaussian_1d(filter_size, filter_sigma).astype(np.float32)
    reducer = lambda x: _filter_valid(x, kernel)  # noqa: E731
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = mean0 * mean1 * 2.0
    den0 = math_ops.square(mean0) + math_ops.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(img1 * img2) * 2.0
    den1 = reducer(math_ops.square(img1) + math_ops.square(img2))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return (math_ops.reduce_mean(luminance * cs, [-3, -2]), math_ops.reduce_mean(cs, [-3, -2]))


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03):
    """Structural similarity per image (Wang et al. 2004) with an 11x11 Gaussian window
    of sigma 1.5, averaged over the valid windows and the channels."""
    with name_scope(None, "SSIM", [img1, img2]):
        img1, img2 = convert_to_tensor(img1, name="img1"), convert_to_tensor(img2, name="img2")
        _compatible(img1, img2)
        dims = img1.shape.as_tuple()
        if dims is not None and any(d is not None and d < filter_size for d in dims[-3:-1]):
            raise ValueError(f"ssim: the image ({img1.shape}) must be at least "
                             f"{filter_size}x{filter_size}")
        max_val = convert_image_dtype(math_ops.cast(max_val, img1.dtype), dtypes.float32)
        img1 = convert_image_dtype(img1, dtypes.float32)
        img2 = convert_image_dtype(img2, dtypes.float32)
        value, _ = _ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2)
        return math_ops.reduce_mean(value, [-1])
