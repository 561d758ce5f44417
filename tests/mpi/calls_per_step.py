"""Under mpiexec: MPI calls of one training step of the seed's network with
DistributedOptimizer, with fusion (one buffer), without (threshold 0) and with a
100,000-byte threshold; prints them as JSON with the payload bytes of a step."""
import json

import numpy as np

import mlp
import tensorflux as tf
import tensorflux.contrib.mpi as hvd
from tensorflux.contrib.mpi import runtime

hvd.init()
images, labels = mlp.data(32)
calls = {}
for key, threshold in (("fused", None), ("unfused", 0), ("threshold_100000", 100000)):
    with tf.Graph().as_default():
        X, y, loss, train_op = mlp.build(
            "sgd", 0, wrap=lambda opt: hvd.DistributedOptimizer(opt, fusion_threshold=threshold))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {X: images[hvd.rank()::2], y: labels[hvd.rank()::2]}
            sess.run(train_op, feed)
            stats = runtime.get().stats
            stats.reset()
            sess.run(train_op, feed)
            calls[key] = stats.calls
            calls["bytes"] = stats.bytes
if hvd.rank() == 0:
    print(json.dumps(calls))
assert np.isfinite(calls["bytes"])
