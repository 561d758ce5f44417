"""Interoperability with TensorFlow (checkpoints, GraphDefs, SavedModels) and ONNX."""

# The GraphDef versions of ``Graph.as_graph_def()``, as ``tf.GRAPH_DEF_VERSION*`` reports
# them: TensorFlow 1.15's, which every TensorFlow since 1.15 reads.
GRAPH_DEF_VERSION = 134
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0
