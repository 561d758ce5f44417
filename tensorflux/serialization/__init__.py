"""On-disk formats: HDF5 checkpoints, the serialized graph, TensorBoard events.

Empty until the checkpoint and TensorBoard issues land; nothing here reads pickles or
executes code from files.
"""
