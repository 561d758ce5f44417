"""dynamic_rnn gives TF1's numbers: the same models as tests/golden/tf1_rnn/rnn_models.py,
built with tensorflux, against what real TensorFlow (compat.v1) computed for them
(rnn_fixtures.npz, written by make_fixtures.py there): TF1's variable names, outputs,
final states and gradients with respect to the inputs and every variable."""
import importlib.util
import os

import numpy as np
import pytest

import tensorflux as tf

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "tf1_rnn")
_spec = importlib.util.spec_from_file_location("rnn_models", os.path.join(HERE, "rnn_models.py"))
rnn_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rnn_models)
FIXTURES = np.load(os.path.join(HERE, "rnn_fixtures.npz"))


@pytest.mark.parametrize("model", rnn_models.MODELS)
def test_dynamic_rnn_matches_tensorflow(model):
    got = rnn_models.run(tf, model)
    assert list(got[f"{model}/variables"]) == list(FIXTURES[f"{model}/variables"])
    keys = [k for k in FIXTURES.files if k.startswith(model + "/") and not k.endswith("/variables")]
    assert sorted(keys) == sorted(k for k in got if not k.endswith("/variables"))
    for key in keys:
        np.testing.assert_allclose(got[key], FIXTURES[key], rtol=1e-9, atol=1e-12, err_msg=key)
