"""Run GraphDefs exported by tensorflux in real TensorFlow (used by test_tf_export.py
when a Python with TensorFlow is available; never imported by tensorflux).

    python run_in_tensorflow.py DIR

For each DIR/<name>.pb with DIR/<name>.npz (inputs "in:<tensor>", outputs "out:<tensor>"),
import the GraphDef with tf.import_graph_def, run the outputs and write what TensorFlow
computed to DIR/<name>.tf.npz; a model TensorFlow refuses gets DIR/<name>.error.
"""
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()


def main(directory):
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".pb"):
            continue
        base = os.path.join(directory, name[:-3])
        data = np.load(base + ".npz")
        feeds = {k[3:]: data[k] for k in data.files if k.startswith("in:")}
        outputs = [k[4:] for k in data.files if k.startswith("out:")]
        try:
            graph_def = tf.GraphDef()
            with open(base + ".pb", "rb") as f:
                graph_def.ParseFromString(f.read())
            with tf.Graph().as_default() as graph:
                tf.import_graph_def(graph_def, name="")
                with tf.Session(graph=graph) as sess:
                    values = sess.run(outputs, feeds)
            np.savez(base + ".tf.npz", **{f"out:{o}": v for o, v in zip(outputs, values)})
        except Exception as exc:  # reported to the test, which fails naming it
            with open(base + ".error", "w") as f:
                f.write(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main(sys.argv[1])
