"""``tf.summary.audio`` and ``tf.summary.tensor_summary`` (kernels in
``tensorflux.backends.summary_extra_kernels``), and ``get_summary_description``."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.summary_ops import _summary

defop("AudioSummaryV2", ("tensor", "sample_rate"), attrs={"tag": "", "max_outputs": 3},
      dtype_fn=lambda op: [dtypes.string], shape_fn=lambda op: [TensorShape(())],
      doc="A Summary with up to max_outputs clips as 16-bit WAV ([batch, frames(, ch)]).")
defop("TensorSummaryV2", ("tensor",), attrs={"tag": "", "summary_metadata": "",
                                            "description": ""},
      dtype_fn=lambda op: [dtypes.string], shape_fn=lambda op: [TensorShape(())],
      doc="A Summary holding a whole tensor as a TensorProto.")
not_differentiable("AudioSummaryV2", "TensorSummaryV2")


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """Audio clips (float samples in [-1, 1], [batch, frames] or [batch, frames,
    channels]) at ``sample_rate`` Hz, for TensorBoard's Audio tab."""
    tensor = convert_to_tensor(tensor)
    if tensor.shape.ndims not in (None, 2, 3):
        raise ValueError(f"tf.summary.audio needs [batch, frames] or [batch, frames, "
                         f"channels], got {tensor.shape}")
    rate = convert_to_tensor(sample_rate, preferred_dtype=dtypes.float32)
    from tensorflux.core.graph import GraphKeys, get_default_graph
    graph = get_default_graph()
    prefix = f"{family}/" if family else ""
    with graph.name_scope(prefix + name) as scope:
        op = graph.create_op("AudioSummaryV2", [tensor, rate],
                             {"tag": scope[:-1], "max_outputs": int(max_outputs)}, name=scope)
    out = op.outputs[0]
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        graph.add_to_collection(key, out)
    return out


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A summary holding ``tensor`` itself (any dtype and shape)."""
    from google.protobuf import json_format
    from tensorboard.compat.proto import summary_pb2
    metadata = summary_pb2.SummaryMetadata()
    if summary_metadata is not None:
        metadata.CopyFrom(summary_metadata)
    if display_name is not None:
        metadata.display_name = display_name
    description = ("" if summary_description is None
                   else json_format.MessageToJson(summary_description))
    # protos travel as JSON text attrs (graph files hold no opaque bytes)
    return _summary("TensorSummaryV2", name, tensor, collections, family,
                    {"summary_metadata": json_format.MessageToJson(metadata),
                     "description": description})


def get_summary_description(node_def):
    """The SummaryDescription given to ``tensor_summary`` (a TensorSummaryV2 op, or its
    node in a GraphDef)."""
    from google.protobuf import json_format
    from tensorboard.compat.proto import summary_pb2
    if isinstance(node_def, dict):  # tensorflux's own graph format
        op_type, text = node_def["op"], node_def["attrs"].get("description")
    elif hasattr(node_def, "attr"):  # a TensorFlow NodeDef, from as_graph_def()
        op_type = node_def.op
        text = node_def.attr["description"].s.decode() if "description" in node_def.attr else None
    else:  # an Operation
        op_type, text = node_def.type, node_def.attrs.get("description")
    if op_type != "TensorSummaryV2":
        raise ValueError(f"Can't get_summary_description on {op_type}")
    description = summary_pb2.SummaryDescription()
    json_format.Parse(text or "{}", description)
    return description

