"""Writes tests/golden/tf1_rnn/rnn_fixtures.npz with real TensorFlow (compat.v1): for each
recurrent model below, the variables' TF1 names and shapes, the values loaded into them,
and what dynamic_rnn computes (outputs, final states, and gradients of a fixed weighted
sum of them with respect to the inputs and every variable), all in float64.

    TF_USE_LEGACY_KERAS=1 python tests/golden/tf1_rnn/make_fixtures.py

needs tensorflow and tf_keras installed (they are not dependencies of tensorflux, and CI
never runs this). tests/test_tf1_rnn_numbers.py builds the same models with tensorflux and
compares. The models are defined in ``rnn_models.py`` beside this file, which both import
with their own ``tf``.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnn_models  # noqa: E402


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    arrays = {}
    for name in rnn_models.MODELS:
        arrays.update(rnn_models.run(tf, name))
    np.savez_compressed(os.path.join(HERE, "rnn_fixtures.npz"), **arrays)
    print(f"wrote {len(arrays)} arrays for {len(rnn_models.MODELS)} models")


if __name__ == "__main__":
    main()
