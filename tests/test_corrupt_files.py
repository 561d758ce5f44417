"""Malformed graph files of format version 1 (the golden file) give clear errors, never
crashes or other exception types (hypothesis-generated structures). Byte-level damage of
the current formats is fuzzed by test_fuzz_files.py; version-1 files have no checksums,
and damage to their HDF5 metadata can hang the HDF5 library (docs/file-formats.md)."""
import json
import os
import shutil
import tempfile

import h5py
import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.serialization.graph_format import GraphFormatError

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
META = os.path.join(GOLDEN, "v1_model.ckpt.meta")
CLEAR = (GraphFormatError, tf.errors.OpError)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2 ** 40, 2 ** 40), st.floats(allow_nan=False),
              st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["t", "v", "ref", "name", "op"]), inner, max_size=3)),
    max_leaves=8)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@example(node_index=6149, field="name", attr_value="", absurd=False)  # a variable's snapshot gone
@given(node_index=st.integers(0, 10 ** 4),
       field=st.sampled_from(["name", "op", "inputs", "control_inputs", "attrs", "version", "device"]),
       attr_value=json_values, absurd=st.booleans())
def test_structurally_wrong_graph_documents(node_index, field, attr_value, absurd):
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "g.meta")
    try:
        shutil.copy(META, path)
        with h5py.File(path, "r+") as f:
            doc = json.loads(f["graph"][()])
            node = doc["nodes"][node_index % len(doc["nodes"])]
            if absurd:
                node["attrs"] = {k: {"t": "shape", "v": [2 ** 62, -7]} for k in node["attrs"]} or {"x": 1}
            else:
                node[field] = attr_value
            del f["graph"]
            f.create_dataset("graph", data=json.dumps(doc), dtype=h5py.string_dtype())
        with tf.Graph().as_default():
            try:
                tf.train.import_meta_graph(path)
            except CLEAR:
                pass
    finally:
        shutil.rmtree(tmp)


def test_huge_array_claims_are_refused(tmp_path):
    path = str(tmp_path / "g.meta")
    shutil.copy(META, path)
    with h5py.File(path, "r+") as f:
        arrays = f["arrays"]
        name = sorted(arrays)[0]
        del arrays[name]
        arrays.create_dataset(name, shape=(10 ** 9,), dtype=np.float64, chunks=(1024,))
    with tf.Graph().as_default():
        try:
            tf.train.import_meta_graph(path)
        except GraphFormatError as exc:
            assert "far larger than the file" in str(exc)
        else:
            raise AssertionError("a 8 GB array claim in a small file must be refused")
