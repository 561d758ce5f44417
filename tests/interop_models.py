"""Small tensorflux models the export tests hand to TensorFlow and ONNX Runtime.

Each builder creates its model in the default graph and returns (feeds, outputs):
feeds maps placeholder names ("X:0") to NumPy inputs, outputs lists the tensor names
whose values the other tool must reproduce. Weights come from seeded initializers, so a
model and its values are the same in every run.
"""
import numpy as np

import tensorflux as tf


def seed_mlp():
    """The seed's MNIST network, tf.layers.dense edition (smaller)."""
    tf.set_random_seed(1)
    X = tf.placeholder(tf.float32, [None, 20], name="X")
    h1 = tf.layers.dense(X, 16, activation=tf.nn.relu, name="hidden1")
    h2 = tf.layers.dense(h1, 12, activation=tf.nn.relu, name="hidden2")
    logits = tf.layers.dense(h2, 10, name="outputs")
    tf.nn.softmax(logits, name="probabilities")
    tf.argmax(logits, axis=1, name="prediction")
    x = np.random.RandomState(0).rand(6, 20).astype(np.float32)
    return {"X:0": x}, ["outputs/BiasAdd:0", "probabilities:0", "prediction:0"]


def layers_net():
    """Dense + batch norm + dropout, in inference mode (training placeholder False)."""
    tf.set_random_seed(2)
    X = tf.placeholder(tf.float32, [None, 8], name="X")
    training = tf.placeholder_with_default(False, [], name="training")
    h = tf.layers.dense(X, 10, name="dense1")
    h = tf.layers.batch_normalization(h, training=training, name="bn")
    h = tf.nn.elu(h)
    h = tf.layers.dropout(h, rate=0.5, training=training)
    out = tf.layers.dense(h, 3, name="dense2")
    tf.identity(out, name="out")
    x = np.random.RandomState(1).randn(5, 8).astype(np.float32)
    return {"X:0": x}, ["out:0"]


def cnn():
    tf.set_random_seed(3)
    X = tf.placeholder(tf.float32, [None, 10, 10, 2], name="X")
    c = tf.layers.conv2d(X, 4, 3, padding="same", activation=tf.nn.relu, name="conv1")
    p = tf.layers.max_pooling2d(c, 2, 2, name="pool1")
    c2 = tf.layers.conv2d(p, 6, 2, strides=2, padding="valid", activation=tf.nn.relu, name="conv2")
    a = tf.nn.avg_pool(c2, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    flat = tf.reshape(a, [-1, 2 * 2 * 6])
    logits = tf.layers.dense(flat, 5, name="logits")
    tf.nn.softmax(logits, name="probabilities")
    x = np.random.RandomState(2).rand(3, 10, 10, 2).astype(np.float32)
    return {"X:0": x}, ["probabilities:0"]


def static_lstm():
    """An LSTM unrolled over 4 steps (tf.nn.static_rnn) with a dense head."""
    tf.set_random_seed(4)
    X = tf.placeholder(tf.float32, [None, 4, 3], name="X")
    cell = tf.nn.rnn_cell.BasicLSTMCell(5)
    outputs, state = tf.nn.static_rnn(cell, tf.unstack(X, axis=1), dtype=tf.float32)
    logits = tf.layers.dense(state.h, 2, name="head")
    tf.identity(tf.stack(outputs, axis=1), name="outputs")
    tf.identity(logits, name="logits")
    x = np.random.RandomState(3).randn(2, 4, 3).astype(np.float32)
    return {"X:0": x}, ["outputs:0", "logits:0"]


def loop_rnn():
    """A hand-written dynamic RNN: tf.while_loop over TensorArrays, with a tf.cond."""
    tf.set_random_seed(5)
    X = tf.placeholder(tf.float32, [None, 6, 3], name="X")
    W = tf.Variable(tf.random_normal([3, 4], stddev=0.5), name="W")
    U = tf.Variable(tf.random_normal([4, 4], stddev=0.5), name="U")
    steps = tf.shape(X)[1]
    inputs = tf.TensorArray(tf.float32, size=steps).unstack(tf.transpose(X, [1, 0, 2]))
    out = tf.TensorArray(tf.float32, size=steps)
    h0 = tf.zeros([tf.shape(X)[0], 4])

    def body(t, h, out):
        h = tf.tanh(tf.matmul(inputs.read(t), W) + tf.matmul(h, U))
        h = tf.cond(t > 2, lambda: h * 0.5, lambda: h)
        return t + 1, h, out.write(t, h)

    _, h, out = tf.while_loop(lambda t, h, out: t < steps, body, [0, h0, out])
    tf.identity(tf.transpose(out.stack(), [1, 0, 2]), name="outputs")
    tf.identity(h, name="final")
    x = np.random.RandomState(4).randn(2, 6, 3).astype(np.float32)
    return {"X:0": x}, ["outputs:0", "final:0"]


def op_zoo():
    """Many ops whose TensorFlow form differs from tensorflux's (attrs as inputs, masks)."""
    X = tf.placeholder(tf.float32, [None, 4, 6], name="X")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    a = tf.reduce_sum(X[:, 1:3, ::2], axis=[1], keepdims=True)
    b = tf.reduce_max(tf.transpose(X, [0, 2, 1]), axis=-1)
    c = tf.concat([tf.squeeze(a, axis=1), b[:, :3]], axis=1)
    d = tf.pad(c, [[0, 0], [1, 2]], constant_values=0.5)
    e = tf.gather(d, [4, 0, 2], axis=1) + tf.one_hot(labels, 3, on_value=2.0, off_value=-1.0)
    parts = tf.split(tf.tile(tf.expand_dims(e, 1), [1, 2, 1]), [1, 2], axis=2)
    f = tf.stack(tf.unstack(parts[1], axis=1), axis=2)
    g = tf.where(tf.greater(f, 0.0), f, tf.zeros_like(f) - tf.cast(tf.argmin(b, axis=1), tf.float32)[:, None, None])
    h = tf.reduce_mean(tf.pad(X, [[0, 0], [1, 1], [0, 0]], mode="REFLECT"), axis=[1, 2])
    tf.identity(g, name="zoo_g")
    tf.identity(h + tf.cast(tf.range(2, 5)[tf.newaxis, 1], tf.float32), name="zoo_h")
    rng = np.random.RandomState(6)
    return ({"X:0": rng.randn(3, 4, 6).astype(np.float32), "labels:0": np.int32([2, 0, 1])},
            ["zoo_g:0", "zoo_h:0"])


MODELS = {"op_zoo": op_zoo, "seed_mlp": seed_mlp, "layers_net": layers_net, "cnn": cnn,
          "static_lstm": static_lstm, "loop_rnn": loop_rnn}


def build_and_freeze(builder):
    """Build ``builder``'s model in a new graph; returns (frozen GraphDef, feeds, output
    names, tensorflux's values of the outputs)."""
    with tf.Graph().as_default() as graph:
        feeds, outputs = builder()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(outputs, feeds)
            frozen = tf.graph_util.convert_variables_to_constants(
                sess, graph.as_graph_def(), [o.split(":")[0] for o in outputs])
    return frozen, feeds, outputs, values
