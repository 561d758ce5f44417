"""Interoperability with TensorFlow (checkpoints, GraphDefs, SavedModels) and ONNX."""
