"""``tf.image``: image codecs, resizing, crops, flips, colour and image measures."""
from tensorflux.ops.image_boxes import (crop_and_resize, draw_bounding_boxes,  # noqa: F401
                                        non_max_suppression, non_max_suppression_overlaps,
                                        non_max_suppression_padded,
                                        non_max_suppression_with_scores)
from tensorflux.ops.image_codecs import (adjust_jpeg_quality, decode_and_crop_jpeg,  # noqa: F401
                                         decode_bmp, decode_gif, decode_image, decode_jpeg,
                                         decode_png, decode_webp, encode_jpeg, encode_png,
                                         extract_jpeg_shape, is_jpeg, random_jpeg_quality)
from tensorflux.ops.image_ops import (adjust_brightness, adjust_contrast,  # noqa: F401
                                      adjust_gamma, adjust_hue, adjust_saturation,
                                      central_crop, convert_image_dtype, crop_to_bounding_box,
                                      flip_left_right, flip_up_down, grayscale_to_rgb,
                                      hsv_to_rgb, image_gradients, pad_to_bounding_box,
                                      per_image_standardization, psnr, random_brightness,
                                      random_contrast, random_crop, random_flip_left_right,
                                      random_flip_up_down, random_hue, random_saturation,
                                      resize_image_with_crop_or_pad, rgb_to_grayscale,
                                      rgb_to_hsv, rgb_to_yiq, rgb_to_yuv, rot90, sobel_edges,
                                      ssim, total_variation, transpose_image, yiq_to_rgb,
                                      yuv_to_rgb)
from tensorflux.ops.image_resize import (ResizeMethod, extract_image_patches,  # noqa: F401
                                         extract_patches, resize_area, resize_bicubic,
                                         resize_bilinear, resize_image_with_pad, resize_images,
                                         resize_nearest_neighbor)

resize = resize_images
resize_with_crop_or_pad = resize_image_with_crop_or_pad
transpose = transpose_image

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
