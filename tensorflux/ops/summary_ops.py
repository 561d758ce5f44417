"""Summary ops: each produces a serialized ``Summary`` protocol buffer (a string scalar)
for ``tf.summary.FileWriter``. Tags carry the enclosing name scope, as in TF1."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable


def _string_scalar(op):
    return [dtypes.string]


def _scalar_shape(op):
    return [TensorShape(())]


def _check_scalar(op):
    if op.inputs[0].shape.ndims not in (None, 0):
        raise ValueError(f"tf.summary.scalar needs a scalar, got shape {op.inputs[0].shape}")
    return [TensorShape(())]


defop("ScalarSummary", ("value",), attrs={"tag": ""}, dtype_fn=_string_scalar,
      shape_fn=_check_scalar, doc="A Summary with one scalar value.")
defop("HistogramSummary", ("values",), attrs={"tag": ""}, dtype_fn=_string_scalar,
      shape_fn=_scalar_shape, doc="A Summary with a histogram of the values.")
defop("TextSummary", ("text",), attrs={"tag": ""}, dtype_fn=_string_scalar,
      shape_fn=_scalar_shape, doc="A Summary with text (rendered as Markdown).")
defop("ImageSummary", ("images",), attrs={"tag": "", "max_images": 3}, dtype_fn=_string_scalar,
      shape_fn=_scalar_shape, doc="A Summary with up to max_images PNG images (NHWC).")
defop("MergeSummary", ("*inputs",), dtype_fn=_string_scalar, shape_fn=_scalar_shape,
      doc="One Summary holding the values of several.")
not_differentiable("ScalarSummary", "HistogramSummary", "TextSummary", "ImageSummary",
                   "MergeSummary")


def _summary(op_type, name, tensor, collections, family, attrs=None):
    graph = get_default_graph()
    prefix = f"{family}/" if family else ""
    with graph.name_scope(prefix + name) as scope:
        tag = scope[:-1]
        t = convert_to_tensor(tensor)
        op = graph.create_op(op_type, [t], {"tag": tag, **(attrs or {})}, name=scope)
    out = op.outputs[0]
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        graph.add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """A summary of one scalar (e.g. the loss), tagged ``<name scope>/<name>``."""
    return _summary("ScalarSummary", name, tensor, collections, family)


def histogram(name, values, collections=None, family=None):
    return _summary("HistogramSummary", name, values, collections, family)


def text(name, tensor, collections=None):
    return _summary("TextSummary", name, tensor, collections, None)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """Images of shape [batch, height, width, channels] (1, 3 or 4 channels), uint8 or
    float in [0, 1]."""
    t = convert_to_tensor(tensor)
    if t.shape.ndims not in (None, 4):
        raise ValueError(f"tf.summary.image needs a 4-D tensor [batch, h, w, c], got {t.shape}")
    return _summary("ImageSummary", name, t, collections, family, {"max_images": int(max_outputs)})


def merge(inputs, collections=None, name=None):
    """One summary string holding all of ``inputs``."""
    inputs = [convert_to_tensor(i) for i in inputs]
    graph = get_default_graph()
    out = graph.create_op("MergeSummary", inputs, name=name or "Merge/MergeSummary").outputs[0]
    for key in collections or []:
        graph.add_to_collection(key, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Merge every summary in the collection ``key`` (None if there is none)."""
    summaries = get_default_graph().get_collection(key, scope=scope)
    if not summaries:
        return None
    return merge(summaries, name=name)
