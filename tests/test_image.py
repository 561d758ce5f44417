"""tf.image against NumPy, Pillow and colorsys references and TF1's documented formulas."""
import colorsys
import io
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

RNG = np.random.default_rng(3)
BACKENDS = backends_to_test()


def run(fetch, feed=None):
    with tf.Session() as sess:
        return sess.run(fetch, feed)


def image(h=5, w=7, c=3, dtype=np.float32):
    x = RNG.uniform(0, 1, (h, w, c))
    return (x * 255).astype(np.uint8) if dtype == np.uint8 else x.astype(dtype)


# --- resizing -------------------------------------------------------------------------------
def ref_positions(in_size, out_size, align, half):
    """Sampling positions in the input, from TF1's documentation of align_corners and
    half_pixel_centers (computed in float64)."""
    x = np.arange(out_size, dtype=np.float64)
    scale = (in_size - 1) / (out_size - 1) if align and out_size > 1 else in_size / out_size
    return (x + 0.5) * scale - 0.5 if half else x * scale


def ref_bilinear(img, out_h, out_w, align=False, half=False):
    out = np.zeros((img.shape[0], out_h, out_w, img.shape[3]))
    ys, xs = ref_positions(img.shape[1], out_h, align, half), ref_positions(img.shape[2], out_w, align, half)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            y0, x0 = math.floor(y), math.floor(x)
            dy, dx = y - y0, x - x0
            clamp = lambda v, n: min(max(v, 0), n - 1)  # noqa: E731
            top = img[:, clamp(y0, img.shape[1])], img[:, clamp(y0 + 1, img.shape[1])]
            a = top[0][:, clamp(x0, img.shape[2])] * (1 - dx) + top[0][:, clamp(x0 + 1, img.shape[2])] * dx
            b = top[1][:, clamp(x0, img.shape[2])] * (1 - dx) + top[1][:, clamp(x0 + 1, img.shape[2])] * dx
            out[:, i, j] = a * (1 - dy) + b * dy
    return out


def keys(t, a):
    t = abs(t)
    if t <= 1:
        return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1
    if t < 2:
        return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a
    return 0.0


def ref_bicubic_axis(in_size, out_size, align, half):
    a = -0.5 if half else -0.75
    w = np.zeros((out_size, in_size))
    for i, p in enumerate(ref_positions(in_size, out_size, align, half)):
        base = math.floor(p)
        for tap in range(base - 1, base + 3):
            inside = 0 <= tap < in_size
            if half and not inside:
                continue
            w[i, min(max(tap, 0), in_size - 1)] += keys(p - tap, a)
        if half:
            w[i] /= w[i].sum()
    return w


def ref_area_axis(in_size, out_size, align):
    scale = (in_size - 1) / (out_size - 1) if align and out_size > 1 else in_size / out_size
    w = np.zeros((out_size, in_size))
    for i in range(out_size):
        lo, hi = i * scale, (i + 1) * scale
        for p in range(math.floor(lo), math.ceil(hi)):
            overlap = min(p + 1, hi) - max(p, lo)
            w[i, min(max(p, 0), in_size - 1)] += overlap / scale
    return w


def apply_axes(img, wh, ww):
    return np.einsum("pw,nowc->nopc", ww, np.einsum("oh,nhwc->nowc", wh, img))


def test_resize_bilinear_tf1_documented_examples():
    x = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32).reshape(1, 2, 2, 1)
    aligned = run(tf.image.resize_bilinear(x, [3, 3], align_corners=True))[0, :, :, 0]
    np.testing.assert_allclose(aligned, [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]], atol=1e-6)
    legacy = run(tf.image.resize_bilinear(x, [3, 3]))[0, :, :, 0]   # TF1's default
    np.testing.assert_allclose(legacy, [[0, 2 / 3, 1], [4 / 3, 2, 7 / 3], [2, 8 / 3, 3]], atol=1e-6)


@pytest.mark.parametrize("align, half", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("out", [(3, 4), (9, 11), (1, 1)])
def test_resize_bilinear_bicubic_area_match_references(align, half, out):
    img = RNG.normal(size=(2, 5, 6, 3)).astype(np.float32)
    fetches = [tf.image.resize_bilinear(img, out, align_corners=align, half_pixel_centers=half),
               tf.image.resize_bicubic(img, out, align_corners=align, half_pixel_centers=half)]
    if not half:
        fetches.append(tf.image.resize_area(img, out, align_corners=align))
    got = run(fetches)
    assert all(g.dtype == np.float32 and g.shape == (2, *out, 3) for g in got)
    np.testing.assert_allclose(got[0], ref_bilinear(img.astype(np.float64), *out, align, half),
                               rtol=1e-5, atol=1e-5)
    cubic = apply_axes(img, ref_bicubic_axis(5, out[0], align, half), ref_bicubic_axis(6, out[1], align, half))
    np.testing.assert_allclose(got[1], cubic, atol=5e-3)   # TF samples the kernel from a 1024 table
    if not half:
        area = apply_axes(img, ref_area_axis(5, out[0], align), ref_area_axis(6, out[1], align))
        np.testing.assert_allclose(got[2], area, rtol=1e-5, atol=1e-5)


def test_resize_area_of_whole_blocks_is_the_block_mean():
    img = RNG.normal(size=(1, 4, 6, 2)).astype(np.float32)
    got = run(tf.image.resize_area(img, [2, 3]))
    np.testing.assert_allclose(got, img.reshape(1, 2, 2, 3, 2, 2).mean(axis=(2, 4)), rtol=1e-5)


@pytest.mark.parametrize("align, half", [(False, False), (True, False), (False, True)])
def test_resize_nearest_neighbor_keeps_dtype_and_picks_tf1_pixels(align, half):
    img = RNG.integers(0, 255, (1, 5, 7, 2)).astype(np.uint8)
    got = run(tf.image.resize_nearest_neighbor(img, [8, 3], align_corners=align,
                                               half_pixel_centers=half))
    assert got.dtype == np.uint8

    def index(n, m):
        scale = (n - 1) / (m - 1) if align and m > 1 else n / m
        p = (np.arange(m) + 0.5) * scale if half else np.arange(m) * scale
        return np.minimum(np.floor(p + 0.5) if align else np.floor(p), n - 1).astype(int)
    np.testing.assert_array_equal(got, img[:, index(5, 8)][:, :, index(7, 3)])


def test_resize_images_methods_shapes_and_skips():
    img = image(4, 6)
    same = tf.image.resize_images(img, [4, 6])
    assert same.op.type == "Const" or same.op.type == "Squeeze"
    for method, op in [(tf.image.ResizeMethod.BILINEAR, "ResizeBilinear"),
                       (tf.image.ResizeMethod.NEAREST_NEIGHBOR, "ResizeNearestNeighbor"),
                       (tf.image.ResizeMethod.BICUBIC, "ResizeBicubic"),
                       (tf.image.ResizeMethod.AREA, "ResizeArea")]:
        out = tf.image.resize_images(img, [8, 3], method=method)
        assert out.shape.as_list() == [8, 3, 3]
        assert op in {o.type for o in tf.get_default_graph().get_operations()}
    assert tf.image.resize is tf.image.resize_images
    batch = tf.placeholder(tf.float32, [None, 4, 6, 3])
    assert tf.image.resize_images(batch, [2, 2]).shape.as_list() == [None, 2, 2, 3]
    kept = run(tf.image.resize_images(np.zeros((10, 4, 1), np.float32), [6, 6],
                                      preserve_aspect_ratio=True))
    assert kept.shape == (6, 2, 1)                                 # scale min(0.6, 1.5)
    with pytest.raises(ValueError, match="must have either 3 or 4 dimensions"):
        tf.image.resize_images(np.zeros((4, 4)), [2, 2])
    with pytest.raises(ValueError, match="1-D Tensor of 2 elements"):
        tf.image.resize_images(img, [2, 2, 2])
    with pytest.raises(ValueError, match="Shape must be rank 4"):
        tf.image.resize_bilinear(img, [2, 2])
    with pytest.raises(ValueError, match="cannot both be true"):
        tf.image.resize_bilinear(img[None], [2, 2], align_corners=True, half_pixel_centers=True)


def test_resize_with_a_size_fed_at_run_time():
    size = tf.placeholder(tf.int32, [2])
    out = tf.image.resize_bilinear(tf.constant(image(4, 4)[None]), size)
    assert out.shape.as_list() == [1, None, None, 3]
    assert run(out, {size: [2, 5]}).shape == (1, 2, 5, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="output dimensions must be positive"):
        run(out, {size: [0, 5]})


def test_resize_image_with_pad_fits_and_centres():
    img = np.ones((4, 8, 1), np.float32)
    got = run(tf.image.resize_image_with_pad(img, 8, 8))
    assert got.shape == (8, 8, 1)
    np.testing.assert_allclose(got[:, :, 0], np.pad(np.ones((4, 8)), [(2, 2), (0, 0)]))


# --- patches -----------------------------------------------------------------------------------
def ref_patches(x, k, s, r, padding):
    n, h, w, c = x.shape
    spans = [(k[i] - 1) * r[i] + 1 for i in (1, 2)]
    if padding == "SAME":
        outs = [-(-d // s[i]) for d, i in ((h, 1), (w, 2))]
        pads = [max((o - 1) * s[i] + sp - d, 0) for o, sp, d, i in zip(outs, spans, (h, w), (1, 2))]
        x = np.pad(x, [(0, 0), (pads[0] // 2, pads[0] - pads[0] // 2),
                       (pads[1] // 2, pads[1] - pads[1] // 2), (0, 0)])
    else:
        outs = [-(-(d - sp + 1) // s[i]) for d, sp, i in ((h, spans[0], 1), (w, spans[1], 2))]
    out = np.zeros((n, outs[0], outs[1], k[1] * k[2] * c))
    for i in range(outs[0]):
        for j in range(outs[1]):
            rows = [i * s[1] + a * r[1] for a in range(k[1])]
            cols = [j * s[2] + b * r[2] for b in range(k[2])]
            out[:, i, j] = x[:, rows][:, :, cols].reshape(n, -1)
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("k, s, r", [((1, 2, 2, 1), (1, 1, 1, 1), (1, 1, 1, 1)),
                                     ((1, 3, 2, 1), (1, 2, 3, 1), (1, 1, 1, 1)),
                                     ((1, 2, 2, 1), (1, 1, 1, 1), (1, 2, 2, 1))])
def test_extract_image_patches(k, s, r, padding):
    x = RNG.normal(size=(2, 6, 7, 3)).astype(np.float32)
    out = tf.image.extract_image_patches(x, ksizes=k, strides=s, rates=r, padding=padding)
    expected = ref_patches(x, k, s, r, padding)
    assert out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(run(out), expected)
    assert tf.extract_image_patches is tf.image.extract_image_patches
    np.testing.assert_allclose(run(tf.image.extract_patches(x, k, s, r, padding)), expected)


# --- codecs ------------------------------------------------------------------------------------
def pil_bytes(array, fmt, **options):
    out = io.BytesIO()
    Image.fromarray(array).save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trips_exactly_and_pillow_agrees(channels):
    img = RNG.integers(0, 256, (6, 5, channels)).astype(np.uint8)
    encoded = run(tf.image.encode_png(img, compression=9))
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]
    decoded = np.asarray(Image.open(io.BytesIO(encoded)))
    np.testing.assert_array_equal(decoded.reshape(img.shape), img)   # read by Pillow
    pillow = pil_bytes(img[..., 0] if channels == 1 else img, "PNG")
    assert Image.open(io.BytesIO(pillow)).mode == mode
    np.testing.assert_array_equal(run(tf.image.decode_png(pillow)), img)   # written by Pillow


def test_png_sixteen_bit_and_channel_conversions():
    deep = RNG.integers(0, 65536, (4, 3, 1)).astype(np.uint16)
    encoded = run(tf.image.encode_png(deep))
    np.testing.assert_array_equal(run(tf.image.decode_png(encoded, dtype=tf.uint16)), deep)
    np.testing.assert_array_equal(run(tf.image.decode_png(encoded)), (deep >> 8).astype(np.uint8))
    rgb = RNG.integers(0, 256, (3, 4, 3)).astype(np.uint8)
    data = run(tf.image.encode_png(rgb))
    rgba = run(tf.image.decode_png(data, channels=4))
    np.testing.assert_array_equal(rgba[..., :3], rgb)
    assert (rgba[..., 3] == 255).all()
    gray = run(tf.image.decode_png(data, channels=1))
    np.testing.assert_allclose(gray[..., 0], rgb @ [0.299, 0.587, 0.114], atol=0.51)
    wide = run(tf.image.decode_png(data, dtype=tf.uint16))
    np.testing.assert_array_equal(wide, rgb.astype(np.uint16) * 257)


def smooth(h=32, w=48):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (h + w)], -1).astype(np.uint8)


def test_jpeg_encode_decode_and_header():
    img = smooth()
    encoded = run(tf.image.encode_jpeg(img, quality=95))
    assert run(tf.image.is_jpeg(encoded)) and not run(tf.image.is_jpeg(run(tf.image.encode_png(img))))
    by_pillow = np.asarray(Image.open(io.BytesIO(encoded)))
    decoded = run(tf.image.decode_jpeg(encoded))
    np.testing.assert_array_equal(decoded, by_pillow)
    mse = np.mean((decoded.astype(float) - img) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) > 35
    np.testing.assert_array_equal(run(tf.image.extract_jpeg_shape(encoded)), [32, 48, 3])
    assert run(tf.image.decode_jpeg(encoded, channels=1)).shape == (32, 48, 1)
    assert run(tf.image.decode_jpeg(encoded, ratio=2)).shape == (16, 24, 3)
    window = run(tf.image.decode_and_crop_jpeg(encoded, [4, 6, 10, 12]))
    np.testing.assert_array_equal(window, decoded[4:14, 6:18])
    gray = run(tf.image.encode_jpeg(img[..., :1], format="grayscale"))
    assert Image.open(io.BytesIO(gray)).mode == "L"
    random_quality = run(tf.image.random_jpeg_quality(img, 20, 40, seed=3))
    assert random_quality.shape == img.shape and not np.array_equal(random_quality, img)
    with pytest.raises(ValueError, match="must be less than"):
        tf.image.random_jpeg_quality(img, 40, 20)
    worse = run(tf.image.adjust_jpeg_quality(img, 10))
    assert worse.shape == img.shape and worse.dtype == np.uint8
    assert np.mean((worse.astype(float) - img) ** 2) > mse


def test_decode_image_gif_bmp_and_bad_data():
    img = smooth(8, 10)
    frames = [Image.fromarray(img), Image.fromarray(255 - img)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    gif = out.getvalue()
    decoded = run(tf.image.decode_gif(gif))
    assert decoded.shape == (2, 8, 10, 3)
    reference = [np.asarray(f.convert("RGB")) for f in _frames(gif)]
    np.testing.assert_array_equal(decoded, np.stack(reference))
    assert run(tf.image.decode_image(gif)).shape == (2, 8, 10, 3)
    assert run(tf.image.decode_image(gif, expand_animations=False)).shape == (8, 10, 3)
    bmp = pil_bytes(img, "BMP")
    np.testing.assert_array_equal(run(tf.image.decode_bmp(bmp)), img)
    np.testing.assert_array_equal(run(tf.image.decode_image(bmp)), img)
    as_float = run(tf.image.decode_image(pil_bytes(img, "PNG"), dtype=tf.float32))
    np.testing.assert_allclose(as_float, img / 255.0, rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        run(tf.image.decode_png(b"not an image"))
    with pytest.raises(TypeError, match="string"):
        tf.image.decode_png(tf.constant(1))


def _frames(data):
    picture = Image.open(io.BytesIO(data))
    for i in range(picture.n_frames):
        picture.seek(i)
        yield picture


def test_codecs_run_on_the_host_under_a_gpu_backend():
    from tensorflux.testing import strict_device
    img = smooth(4, 6)
    with strict_device.simulated_gpu(), tf.Graph().as_default():
        out = tf.image.decode_png(tf.image.encode_png(img)) + tf.constant(np.uint8(0))
        np.testing.assert_array_equal(run(out), img)


# --- dtypes, crops and flips ------------------------------------------------------------------------
def test_convert_image_dtype_follows_tf1_scaling():
    u8 = np.array([0, 1, 127, 255], np.uint8)
    np.testing.assert_allclose(run(tf.image.convert_image_dtype(u8, tf.float32)), u8 / 255.0, rtol=1e-6)
    f = np.array([0.0, 0.5, 1.0, 1.2, -0.1], np.float32)
    np.testing.assert_array_equal(run(tf.image.convert_image_dtype(f, tf.uint8, saturate=True)),
                                  np.clip(f * 255.5, 0, 255).astype(np.uint8))
    np.testing.assert_array_equal(run(tf.image.convert_image_dtype(u8, tf.int16)),
                                  u8.astype(np.int16) * 128)
    i32 = np.array([0, 2 ** 23, 2 ** 31 - 1], np.int32)
    np.testing.assert_array_equal(run(tf.image.convert_image_dtype(i32, tf.uint8)), [0, 1, 255])
    assert tf.image.convert_image_dtype(f, tf.float32).op.type == "Identity"
    with pytest.raises(AttributeError, match="floating point or integer"):
        tf.image.convert_image_dtype(f, tf.bool)


def test_crop_pad_and_crop_or_pad_match_numpy():
    img = image(6, 8)
    np.testing.assert_array_equal(run(tf.image.crop_to_bounding_box(img, 1, 2, 3, 4)), img[1:4, 2:6])
    padded = run(tf.image.pad_to_bounding_box(img, 1, 2, 9, 12))
    np.testing.assert_array_equal(padded, np.pad(img, [(1, 2), (2, 2), (0, 0)]))
    batch = np.stack([img, img * 0.5])
    out = tf.image.resize_image_with_crop_or_pad(batch, 4, 11)
    assert out.shape.as_list() == [2, 4, 11, 3]
    expected = np.pad(batch[:, 1:5], [(0, 0), (0, 0), (1, 2), (0, 0)])
    np.testing.assert_array_equal(run(out), expected)
    assert tf.image.resize_with_crop_or_pad is tf.image.resize_image_with_crop_or_pad
    with pytest.raises(ValueError, match="width must be >= target \\+ offset"):
        tf.image.crop_to_bounding_box(img, 0, 5, 2, 4)
    with pytest.raises(ValueError, match="offset_height must be >= 0"):
        tf.image.pad_to_bounding_box(img, -1, 0, 9, 9)
    h = tf.placeholder(tf.int32, [])
    dynamic = tf.image.crop_to_bounding_box(img, h, 0, 2, 2)
    np.testing.assert_array_equal(run(dynamic, {h: 3}), img[3:5, 0:2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="height must be >= target \\+ offset"):
        run(dynamic, {h: 5})


def test_central_crop_and_random_crop():
    img = image(10, 8)
    np.testing.assert_array_equal(run(tf.image.central_crop(img, 0.5)), img[2:8, 2:6])
    assert tf.image.central_crop(img, 1.0).op.type == "Const"
    with pytest.raises(ValueError, match="central_fraction must be within"):
        tf.image.central_crop(img, 0.0)
    crop = tf.image.random_crop(img, [4, 3, 3], seed=5)
    assert tf.random_crop is tf.image.random_crop
    seen = set()
    with tf.Session() as sess:
        for _ in range(12):
            out = sess.run(crop)
            found = [(i, j) for i in range(7) for j in range(6)
                     if np.array_equal(img[i:i + 4, j:j + 3], out)]
            assert found
            seen.add(found[0])
    assert len(seen) > 3
    with pytest.raises(ValueError, match="Need value.shape >= size"):
        tf.image.random_crop(img, [11, 3, 3])


@pytest.mark.parametrize("batch", [False, True])
def test_flips_rotations_and_transpose(batch):
    img = image(4, 5)
    x = img[None] if batch else img
    h, w = (1, 2) if batch else (0, 1)
    got = run([tf.image.flip_left_right(x), tf.image.flip_up_down(x), tf.image.transpose_image(x)]
              + [tf.image.rot90(x, k) for k in range(4)])
    np.testing.assert_array_equal(got[0], np.flip(x, w))
    np.testing.assert_array_equal(got[1], np.flip(x, h))
    np.testing.assert_array_equal(got[2], np.swapaxes(x, h, w))
    for k in range(4):
        np.testing.assert_array_equal(got[3 + k], np.rot90(x, k, axes=(h, w)))
    assert tf.image.transpose is tf.image.transpose_image
    with pytest.raises(ValueError, match="must be at least three-dimensional"):
        tf.image.flip_left_right(np.zeros((2, 2)))


def test_random_flips_are_seeded_and_per_image():
    img = image(3, 4)
    flip = tf.image.random_flip_left_right(img, seed=1)
    updown = tf.image.random_flip_up_down(img, seed=2)
    outcomes = set()
    with tf.Session() as sess:
        for _ in range(16):
            a, b = sess.run([flip, updown])
            assert np.array_equal(a, img) or np.array_equal(a, img[:, ::-1])
            assert np.array_equal(b, img) or np.array_equal(b, img[::-1])
            outcomes.add((np.array_equal(a, img), np.array_equal(b, img)))
    assert len(outcomes) >= 3
    batch = np.stack([img] * 8)
    out = run(tf.image.random_flip_left_right(batch, seed=3))
    flipped = [np.array_equal(o, img[:, ::-1]) for o in out]
    assert all(np.array_equal(o, img) or f for o, f in zip(out, flipped)) and 0 < sum(flipped) < 8


# --- colour -----------------------------------------------------------------------------------------
def test_per_image_standardization():
    img = image(4, 5, dtype=np.uint8)
    got = run(tf.image.per_image_standardization(img))
    x = img.astype(np.float64)
    np.testing.assert_allclose(got, (x - x.mean()) / max(x.std(), 1 / np.sqrt(x.size)), rtol=1e-4)
    flat = np.full((2, 2, 1), 7.0, np.float32)
    np.testing.assert_allclose(run(tf.image.per_image_standardization(flat)), 0.0)
    batch = run(tf.image.per_image_standardization(np.stack([img, img // 2])))
    np.testing.assert_allclose(batch[0], got, rtol=1e-5)


def test_brightness_contrast_gamma():
    img = image()
    np.testing.assert_allclose(run(tf.image.adjust_brightness(img, 0.1)), img + 0.1, rtol=1e-6)
    u8 = image(dtype=np.uint8)
    bright = run(tf.image.adjust_brightness(u8, 0.5))
    np.testing.assert_array_equal(bright, np.clip((u8 / 255.0 + 0.5) * 255.5, 0, 255).astype(np.uint8))
    mean = img.mean(axis=(0, 1), keepdims=True)
    np.testing.assert_allclose(run(tf.image.adjust_contrast(img, 1.7)), (img - mean) * 1.7 + mean,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run(tf.image.adjust_gamma(img, 2.2, gain=0.9)), 0.9 * img ** 2.2,
                               rtol=1e-5)
    with pytest.raises(ValueError, match="Gamma should be a non-negative"):
        tf.image.adjust_gamma(img, -1.0)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(img, 0.5, 0.5)
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        tf.image.random_brightness(img, -0.1)
    with pytest.raises(ValueError, match="max_delta must be <= 0.5"):
        tf.image.random_hue(img, 0.6)


def test_random_colour_adjustments_stay_within_their_ranges():
    img = image()
    mean = img.mean(axis=(0, 1), keepdims=True)
    with tf.Session() as sess:
        for _ in range(5):
            delta = sess.run(tf.image.random_brightness(img, 0.2)) - img
            assert np.allclose(delta, delta.flat[0], atol=1e-6) and abs(delta.flat[0]) <= 0.2
            out = sess.run(tf.image.random_contrast(img, 0.5, 1.5))
            factor = ((out - mean) / (img - mean)).mean()
            assert 0.5 <= factor <= 1.5
            sat = sess.run(tf.image.random_saturation(img, 0.1, 0.9))
            assert sat.shape == img.shape
            hue = sess.run(tf.image.random_hue(img, 0.2))
            np.testing.assert_allclose(hue.max(-1), img.max(-1), atol=1e-5)   # value kept


def test_hsv_conversions_match_colorsys():
    img = image(4, 6)
    hsv = run(tf.image.rgb_to_hsv(img))
    ref = np.array([colorsys.rgb_to_hsv(*p) for p in img.reshape(-1, 3)]).reshape(img.shape)
    np.testing.assert_allclose(hsv, ref, atol=1e-5)
    back = run(tf.image.hsv_to_rgb(ref.astype(np.float32)))
    np.testing.assert_allclose(back, img, atol=1e-5)
    gray = np.full((1, 1, 3), 0.4, np.float32)
    np.testing.assert_allclose(run(tf.image.rgb_to_hsv(gray)), [[[0, 0, 0.4]]], atol=1e-7)


def test_adjust_hue_and_saturation_match_colorsys():
    img = image(3, 5)
    hue = run(tf.image.adjust_hue(img, 0.3))
    sat = run(tf.image.adjust_saturation(img, 1.6))

    def ref(fn):
        out = []
        for p in img.reshape(-1, 3):
            h, s, v = colorsys.rgb_to_hsv(*p)
            out.append(colorsys.hsv_to_rgb(*fn(h, s, v)))
        return np.array(out).reshape(img.shape)
    np.testing.assert_allclose(hue, ref(lambda h, s, v: ((h + 0.3) % 1.0, s, v)), atol=1e-5)
    np.testing.assert_allclose(sat, ref(lambda h, s, v: (h, min(s * 1.6, 1.0), v)), atol=1e-5)
    u8 = image(dtype=np.uint8)
    assert run(tf.image.adjust_hue(u8, -0.2)).dtype == np.uint8


def test_grayscale_and_linear_colour_spaces():
    img = image()
    gray = run(tf.image.rgb_to_grayscale(img))
    np.testing.assert_allclose(gray[..., 0], img @ [0.2989, 0.5870, 0.1140], rtol=1e-5)
    u8 = image(dtype=np.uint8)
    assert run(tf.image.rgb_to_grayscale(u8)).dtype == np.uint8
    rgb = run(tf.image.grayscale_to_rgb(gray))
    np.testing.assert_array_equal(rgb, np.repeat(gray, 3, -1))
    with pytest.raises(ValueError, match="Last dimension of a grayscale image should be size 1"):
        tf.image.grayscale_to_rgb(img)
    yuv, yiq = run([tf.image.rgb_to_yuv(img), tf.image.rgb_to_yiq(img)])
    luma = img @ [0.299, 0.587, 0.114]
    np.testing.assert_allclose(yuv[..., 0], luma, rtol=1e-5)
    np.testing.assert_allclose(yiq[..., 0], luma, rtol=1e-5)
    np.testing.assert_allclose(yuv[..., 1], 0.492111 * (img[..., 2] - luma), atol=1e-5)   # U = 0.492 (B - Y)
    np.testing.assert_allclose(run(tf.image.yuv_to_rgb(yuv)), img, atol=1e-5)
    np.testing.assert_allclose(run(tf.image.yiq_to_rgb(yiq)), img, atol=2e-4)  # TF's rounded inverse


# --- measures -----------------------------------------------------------------------------------------
def test_gradients_sobel_and_total_variation():
    img = RNG.normal(size=(2, 5, 6, 3)).astype(np.float32)
    dy, dx = run(tf.image.image_gradients(img))
    np.testing.assert_allclose(dy, np.pad(np.diff(img, axis=1), [(0, 0), (0, 1), (0, 0), (0, 0)]), atol=1e-6)
    np.testing.assert_allclose(dx, np.pad(np.diff(img, axis=2), [(0, 0), (0, 0), (0, 1), (0, 0)]), atol=1e-6)
    sobel = run(tf.image.sobel_edges(img))
    assert sobel.shape == (2, 5, 6, 3, 2)
    padded = np.pad(img, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    for kernel, index in ((ky, 0), (ky.T, 1)):
        ref = sum(kernel[i, j] * padded[:, i:i + 5, j:j + 6] for i in range(3) for j in range(3))
        np.testing.assert_allclose(sobel[..., index], ref, atol=1e-5)
    tv = run(tf.image.total_variation(img))
    ref = np.abs(np.diff(img, axis=1)).sum((1, 2, 3)) + np.abs(np.diff(img, axis=2)).sum((1, 2, 3))
    np.testing.assert_allclose(tv, ref, rtol=1e-5)
    np.testing.assert_allclose(run(tf.image.total_variation(img[0])), ref[0], rtol=1e-5)
    with pytest.raises(ValueError, match="expects a 4D tensor"):
        tf.image.image_gradients(img[0])


def test_psnr_and_ssim():
    a = image(16, 16, dtype=np.uint8)
    noise = RNG.integers(-20, 21, a.shape)
    b = np.clip(a.astype(int) + noise, 0, 255).astype(np.uint8)
    mse = np.mean((a / 255.0 - b / 255.0) ** 2)
    np.testing.assert_allclose(run(tf.image.psnr(a, b, 255)), -10 * np.log10(mse), rtol=1e-4)
    fa, fb = a / 255.0, b / 255.0
    ssim = run(tf.image.ssim(fa.astype(np.float32), fb.astype(np.float32), 1.0))
    np.testing.assert_allclose(ssim, ref_ssim(fa, fb), rtol=1e-4)
    np.testing.assert_allclose(run(tf.image.ssim(a, b, 255)), ref_ssim(fa, fb), rtol=1e-4)
    np.testing.assert_allclose(run(tf.image.ssim(a, a, 255)), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="at least 11x11"):
        tf.image.ssim(np.zeros((8, 8, 1), np.float32), np.zeros((8, 8, 1), np.float32), 1.0)


def ref_ssim(x, y, size=11, sigma=1.5, k1=0.01, k2=0.03):
    """SSIM as Wang et al. define it: a Gaussian window, valid positions only."""
    g = np.exp(-0.5 * (np.arange(size) - (size - 1) / 2) ** 2 / sigma ** 2)
    window = np.outer(g, g) / np.outer(g, g).sum()

    def filt(z):
        h, w = z.shape[0] - size + 1, z.shape[1] - size + 1
        return np.array([[np.einsum("ij,ijc->c", window, z[i:i + size, j:j + size])
                          for j in range(w)] for i in range(h)])
    mx, my = filt(x), filt(y)
    vx, vy, cxy = filt(x * x) - mx ** 2, filt(y * y) - my ** 2, filt(x * y) - mx * my
    c1, c2 = k1 ** 2, k2 ** 2
    value = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return value.mean()


# --- gradients of the composite functions, on every backend -------------------------------------
def rgb_pixels(rng, shape=(3, 3)):
    """Channels at least 0.2 apart (no ties, so hue sectors are stable), in (0, 1)."""
    base = rng.uniform(0.05, 0.15, shape + (1,)) + np.array([0.0, 0.3, 0.6])
    base += rng.uniform(-0.02, 0.02, base.shape)
    return np.take_along_axis(base, np.argsort(rng.uniform(size=base.shape), -1), -1)


def hsv_pixels(rng, shape=(3, 3)):
    """Hues in the middle of their sixth of the wheel, away from the kinks of HSV->RGB."""
    hue = (rng.integers(0, 6, shape) + 0.5 + rng.uniform(-0.2, 0.2, shape)) / 6
    return np.stack([hue, rng.uniform(0.2, 0.9, shape), rng.uniform(0.2, 0.9, shape)], -1)


def spread_pixels(rng, shape=(3, 3, 3)):
    """Distinct values at least 0.02 apart (no ties for |differences|)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.02 + rng.uniform(0, 0.005, n)).reshape(shape) + 0.1


# name: (function, input maker, float32 inside as TF1 converts to it)
COMPOSITES = {
    "flip_left_right": (tf.image.flip_left_right, spread_pixels, False),
    "rot90": (lambda x: tf.image.rot90(x, 1), spread_pixels, False),
    "crop": (lambda x: tf.image.crop_to_bounding_box(x, 1, 0, 2, 2), spread_pixels, False),
    "pad": (lambda x: tf.image.pad_to_bounding_box(x, 1, 1, 4, 5), spread_pixels, False),
    "central_crop": (lambda x: tf.image.central_crop(x, 0.4), spread_pixels, False),
    "standardization": (tf.image.per_image_standardization, spread_pixels, True),
    "contrast": (lambda x: tf.image.adjust_contrast(x, 1.5), spread_pixels, True),
    "gamma": (lambda x: tf.image.adjust_gamma(x, 1.7), spread_pixels, True),
    "rgb_to_hsv": (tf.image.rgb_to_hsv, rgb_pixels, False),
    "hsv_to_rgb": (tf.image.hsv_to_rgb, hsv_pixels, False),
    "hue": (lambda x: tf.image.adjust_hue(x, 0.1), rgb_pixels, True),
    "saturation": (lambda x: tf.image.adjust_saturation(x, 0.5), rgb_pixels, True),
    "grayscale": (tf.image.rgb_to_grayscale, rgb_pixels, True),
    "yuv": (tf.image.rgb_to_yuv, rgb_pixels, False),
    "gradients": (lambda x: tf.image.image_gradients(x[None])[1], spread_pixels, False),
    "sobel": (lambda x: tf.image.sobel_edges(x[None]), spread_pixels, False),
    "total_variation": (tf.image.total_variation, spread_pixels, False),
    "psnr": (lambda x: tf.image.psnr(x, tf.ones_like(x) * 0.5, 1.0), spread_pixels, True),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2 ** 31))
def test_composite_gradients_match_central_differences(name, seed):
    """These are built from ops whose gradients tests/test_gradient_checks.py checks on
    every backend; here the composition is checked, on NumPy."""
    fn, make, in_float32 = COMPOSITES[name]
    x = make(np.random.default_rng(seed))
    delta, rtol, atol = (1e-2, 1e-2, 1e-3) if in_float32 else (1e-6, 1e-5, 1e-7)
    with tf.Graph().as_default():
        t = tf.placeholder(tf.float64, x.shape)
        y = fn(t)
        with tf.Session() as sess:
            y_shape = sess.run(y, {t: x}).shape
            analytic, numeric = tf.test.compute_gradient(t, x.shape, y, y_shape, x_init_value=x,
                                                         delta=delta)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=name)


# --- boxes -----------------------------------------------------------------------------------------
def ref_iou(a, b):
    ya, yb = sorted(a[::2]), sorted(b[::2])
    xa, xb = sorted(a[1::2]), sorted(b[1::2])
    inter = max(min(ya[1], yb[1]) - max(ya[0], yb[0]), 0) * max(min(xa[1], xb[1]) - max(xa[0], xb[0]), 0)
    union = (ya[1] - ya[0]) * (xa[1] - xa[0]) + (yb[1] - yb[0]) * (xb[1] - xb[0]) - inter
    return inter / union if union > 0 else 0.0


def ref_soft_nms(boxes, scores, k, iou_threshold, score_threshold, sigma):
    """Greedy NMS (sigma 0) or Gaussian Soft-NMS: decay by exp(-iou^2 / (2 sigma))."""
    scores = [float(s) for s in scores]
    alive = [i for i, s in enumerate(scores) if s > score_threshold]
    chosen = []
    while alive and len(chosen) < k:
        best = max(alive, key=lambda i: (scores[i], -i))
        alive.remove(best)
        chosen.append((best, scores[best]))
        for i in list(alive):
            iou = ref_iou(boxes[best], boxes[i])
            if sigma > 0:
                scores[i] *= math.exp(-0.5 * iou * iou / sigma)
            if (sigma <= 0 and iou > iou_threshold) or scores[i] <= score_threshold:
                alive.remove(i)
    return [c[0] for c in chosen], [c[1] for c in chosen]


def test_non_max_suppression_family():
    boxes = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                      [0, 10.1, 1, 11.1], [0, 100, 1, 101]], np.float32)
    scores = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)
    assert list(run(tf.image.non_max_suppression(boxes, scores, 3, 0.5))) == [3, 0, 5]  # TF's doc
    random_boxes = np.sort(RNG.uniform(0, 10, (20, 2, 2)), axis=1).reshape(20, 4)[:, [0, 2, 1, 3]]
    random_scores = RNG.uniform(size=20).astype(np.float32)
    for threshold, floor in ((0.3, -np.inf), (0.6, 0.4)):
        got = run(tf.image.non_max_suppression(random_boxes, random_scores, 10, threshold, floor))
        assert list(got) == ref_soft_nms(random_boxes, random_scores, 10, threshold, floor, 0)[0]
    indices, kept = run(tf.image.non_max_suppression_with_scores(
        random_boxes, random_scores, 8, 1.0, 0.1, soft_nms_sigma=0.5))
    ref_indices, ref_scores = ref_soft_nms(random_boxes, random_scores, 8, 1.0, 0.1, 0.5)
    assert list(indices) == ref_indices
    np.testing.assert_allclose(kept, ref_scores, rtol=1e-5)
    padded, valid = run(tf.image.non_max_suppression_padded(boxes, scores, 5, 0.5,
                                                            pad_to_max_output_size=True))
    assert list(padded) == [3, 0, 5, 0, 0] and valid == 3
    overlaps = np.array([[1, 0.7, 0.1], [0.7, 1, 0.2], [0.1, 0.2, 1]], np.float32)
    got = run(tf.image.non_max_suppression_overlaps(overlaps, [0.9, 0.8, 0.7], 3, 0.5))
    assert list(got) == [0, 2]
    with pytest.raises(ValueError, match="boxes must be 2-D"):
        tf.image.non_max_suppression(boxes[None], scores, 3)


def ref_crop(image, box, size, method, fill):
    h, w = image.shape[:2]
    out = np.full((size[0], size[1], image.shape[2]), fill, np.float64)
    for i in range(size[0]):
        y = box[0] * (h - 1) + i * (box[2] - box[0]) * (h - 1) / (size[0] - 1) if size[0] > 1 \
            else 0.5 * (box[0] + box[2]) * (h - 1)
        for j in range(size[1]):
            x = box[1] * (w - 1) + j * (box[3] - box[1]) * (w - 1) / (size[1] - 1) if size[1] > 1 \
                else 0.5 * (box[1] + box[3]) * (w - 1)
            if not (0 <= y <= h - 1 and 0 <= x <= w - 1):
                continue
            if method == "nearest":
                out[i, j] = image[int(math.floor(y + 0.5)), int(math.floor(x + 0.5))]
                continue
            y0, x0 = math.floor(y), math.floor(x)
            y1, x1 = math.ceil(y), math.ceil(x)
            top = image[y0, x0] + (image[y0, x1] - image[y0, x0]) * (x - x0)
            bottom = image[y1, x0] + (image[y1, x1] - image[y1, x0]) * (x - x0)
            out[i, j] = top + (bottom - top) * (y - y0)
    return out


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize(method):
    images = RNG.normal(size=(2, 6, 7, 2)).astype(np.float32)
    boxes = np.array([[0.1, 0.2, 0.8, 0.9], [-0.2, 0.5, 0.6, 1.3], [0.9, 0.9, 0.1, 0.1],
                      [0.3, 0.3, 0.3, 0.3]], np.float32)
    got = run(tf.image.crop_and_resize(images, boxes, [0, 1, 1, 0], [4, 3], method=method,
                                       extrapolation_value=-5))
    for k, (box, index) in enumerate(zip(boxes, [0, 1, 1, 0])):
        np.testing.assert_allclose(got[k], ref_crop(images[index], box, (4, 3), method, -5),
                                   rtol=1e-5, atol=1e-5)
    one = run(tf.image.crop_and_resize(images, boxes[:1], [0], [1, 1]))
    np.testing.assert_allclose(one[0], ref_crop(images[0], boxes[0], (1, 1), "bilinear", 0),
                               rtol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="box_index has values outside"):
        run(tf.image.crop_and_resize(images, boxes[:1], [2], [2, 2]))


def test_draw_bounding_boxes():
    images = np.zeros((1, 5, 6, 3), np.float32)
    drawn = run(tf.image.draw_bounding_boxes(images, [[[0.25, 0.2, 0.75, 0.8], [0, 0, 1, 1]]]))
    # box 0: rows 1..3, columns 1..4 in TF's first colour (yellow); box 1: the border, blue
    outline = np.zeros((5, 6), bool)
    outline[[1, 3], 1:5] = outline[1:4, [1, 4]] = True
    np.testing.assert_array_equal(drawn[0, 1:4, 1:5, 0], outline[1:4, 1:5].astype(np.float32))
    assert (drawn[0, 0, :, 2] == 1).all() and (drawn[0, :, 0, 2] == 1).all()
    assert drawn[0, 2, 2].tolist() == [0, 0, 0]
    red = run(tf.image.draw_bounding_boxes(images, [[[0, 0, 1, 1]]], colors=[[1, 0, 0, 1]]))
    assert red[0, 0, 0].tolist() == [1, 0, 0]


def test_decode_webp():
    img = smooth(6, 8)
    lossless = pil_bytes(img, "WEBP", lossless=True)
    decoded = run(tf.image.decode_webp(lossless))
    assert decoded.shape == (6, 8, 4)
    np.testing.assert_array_equal(decoded[..., :3], img)
    np.testing.assert_array_equal(run(tf.image.decode_webp(lossless, channels=3)), img)
