"""Host kernels of the summary ops: build ``Summary`` protos (bytes)."""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors


def _string_scalar(data: bytes) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _as_bytes(x) -> bytes:
    return x[()] if isinstance(x, np.ndarray) else bytes(x)


def _summary_pb2():
    from tensorboard.compat.proto import summary_pb2
    return summary_pb2


def _scalar(op, ctx):
    tag = op.attrs["tag"]
    pb = _summary_pb2()

    def run(value):
        value = np.asarray(value)
        if value.size != 1:
            raise errors.InvalidArgumentError(None, op, f"tf.summary.scalar {tag!r} needs one value, got shape {value.shape}")
        return _string_scalar(pb.Summary(value=[pb.Summary.Value(tag=tag, simple_value=float(value))]).SerializeToString())
    return run


def _histogram(op, ctx):
    from tensorflux.serialization.events import histogram_proto
    tag = op.attrs["tag"]
    pb = _summary_pb2()

    def run(values):
        values = np.asarray(values)
        if values.size and not np.all(np.isfinite(values)):
            raise errors.InvalidArgumentError(None, op, f"Nan or Inf in summary histogram for: {tag}")
        return _string_scalar(pb.Summary(value=[pb.Summary.Value(tag=tag, histo=histogram_proto(values))]).SerializeToString())
    return run


def _text(op, ctx):
    from tensorboard.compat.proto import tensor_pb2, types_pb2
    tag = op.attrs["tag"]
    pb = _summary_pb2()

    def run(value):
        arr = np.asarray(value, dtype=object)
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
        for d in arr.shape:
            tensor.tensor_shape.dim.add().size = d
        tensor.string_val.extend(v.encode() if isinstance(v, str) else bytes(v) for v in arr.ravel())
        meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="text"))
        return _string_scalar(pb.Summary(value=[pb.Summary.Value(tag=tag, metadata=meta, tensor=tensor)]).SerializeToString())
    return run


def _image(op, ctx):
    from tensorflux.backends.image_codec_kernels import encode_png
    tag, max_images = op.attrs["tag"], op.attrs["max_images"]
    pb = _summary_pb2()

    def run(images):
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
            raise errors.InvalidArgumentError(None, op, f"Images must be [batch, h, w, 1|3|4], got {images.shape}")
        if images.dtype != np.uint8:
            images = np.clip(np.round(images.astype(np.float64) * 255), 0, 255).astype(np.uint8)
        values = []
        for i, img in enumerate(images[:max_images]):
            name = f"{tag}/image" if len(images) == 1 or max_images == 1 else f"{tag}/image/{i}"
            h, w, c = img.shape
            values.append(pb.Summary.Value(tag=name, image=pb.Summary.Image(
                height=h, width=w, colorspace=c, encoded_image_string=encode_png(np.ascontiguousarray(img)))))
        return _string_scalar(pb.Summary(value=values).SerializeToString())
    return run


def _merge(op, ctx):
    pb = _summary_pb2()

    def run(*serialized):
        merged = pb.Summary()
        for s in serialized:
            part = pb.Summary()
            part.ParseFromString(_as_bytes(s))
            merged.value.extend(part.value)
        return _string_scalar(merged.SerializeToString())
    return run


KERNELS = {"ScalarSummary": _scalar, "HistogramSummary": _histogram, "TextSummary": _text,
           "ImageSummary": _image, "MergeSummary": _merge}
