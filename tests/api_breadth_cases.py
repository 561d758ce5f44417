"""Numeric cases of the ops added for TF1's API breadth in tf.nn, tf.math, tf.linalg,
tf.sparse and tf.strings, each against NumPy or TF1's documented numbers; ``test_ops``
runs them on every backend with its own cases. Ops checked in their own test files
against loop references are listed in ``TESTED_ELSEWHERE``."""
import numpy as np

import tensorflux as tf

R = np.random.default_rng(21)


def c(x):
    return tf.constant(x)


CASES = {}

TESTED_ELSEWHERE = {
    # tests/test_nn_conv_nd.py (loop references); their gradient kernels in
    # tests/test_gradient_checks.py
    "Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2", "MaxPool3D", "AvgPool3D",
    "MaxPool3DGrad", "AvgPool3DGrad", "MaxPool3DGradGrad",
    # tests/test_sparse_extra.py (NumPy references, TF1's documented and computed numbers)
    "SparseReshape", "SparseReduceMax", "SparseReduceMaxSparse", "SparseReduceSumSparse",
    "SparseSoftmax", "DenseCountSparseOutput", "SparseCountSparseOutput", "SparseFeatureCross",
    "StringToHashBucketFast", "StringToHashBucket", "Fingerprint", "StringSplitV2", "StringSplit",
    # tests/test_nn_extras.py (loop references, hand-worked winners)
    "Dilation2D", "Dilation2DBackpropInput", "Dilation2DBackpropFilter", "MaxPoolWithArgmax",
    # tests/test_ctc.py (brute force over every alignment)
    "CTCLoss", "CTCGreedyDecoder", "CTCBeamSearchDecoder",
    # tests/test_sets.py (Python's sets, TF1's documented edit distances)
    "SetOperation", "SetSize", "EditDistance",
    # tests/test_ragged_strings.py (TF1's documented examples, Python's decoding)
    "StringSplitToRows", "RandomIndexShuffle",
    # tests/test_api_top_level_values.py (scipy.special)
    "BesselJ0", "BesselJ1", "BesselY0", "BesselY1", "BesselK0", "BesselK0e", "BesselK1",
    "BesselK1e", "Dawsn", "Expint", "FresnelCos", "FresnelSin", "Spence",
}
