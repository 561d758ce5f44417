"""Under mpiexec: MPI calls of one training step of the seed's network with
DistributedOptimizer, with fusion (one buffer), without (threshold 0), with a
100,000-byte threshold and with fp16 compression; prints them as JSON with the payload
bytes of a step."""
import json

import numpy as np

import mlp
import tensorflux as tf
import tensorflux.contrib.mpi as hvd
from tensorflux.contrib.mpi import runtime

hvd.init()
images, labels = mlp.data(32)
calls = {}
payload = {}
for key, threshold, compression in (("fused", None, hvd.Compression.none),
                                    ("unfused", 0, hvd.Compression.none),
                                    ("threshold_100000", 100000, hvd.Compression.none),
                                    ("fp16", None, hvd.Compression.fp16)):
    with tf.Graph().as_default():
        X, y, loss, train_op = mlp.build("sgd", 0, wrap=lambda opt: hvd.DistributedOptimizer(
            opt, fusion_threshold=threshold, compression=compression))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {X: images[hvd.rank()::2], y: labels[hvd.rank()::2]}
            sess.run(train_op, feed)
            stats = runtime.get().stats
            stats.reset()
            sess.run(train_op, feed)
            calls[key] = stats.calls
            payload[key] = stats.bytes
if hvd.rank() == 0:
    print(json.dumps({"calls": calls, "bytes": payload}))
assert all(np.isfinite(list(payload.values())))
