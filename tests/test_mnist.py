import gzip
import os
import struct

import h5py
import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import tensorflux as tf
from tensorflux.contrib.datasets import idx, mnist
from tensorflux.examples.tutorials.mnist import input_data


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    return mnist.write_sample_dir(str(tmp_path_factory.mktemp("mnist")))


def test_bundled_sample_is_the_real_test_set():
    images, labels = mnist.load_sample()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_read_data_sets_splits_scales_and_batches(sample_dir):
    data = input_data.read_data_sets(sample_dir, validation_size=1000, seed=3)
    assert (data.train.num_examples, data.validation.num_examples, data.test.num_examples) == (8000, 1000, 1000)
    assert data.train.images.shape == (8000, 784) and data.train.images.dtype == np.float32
    assert data.train.images.min() == 0.0 and data.train.images.max() == 1.0
    assert data.train.labels.dtype == np.int64
    seen = []
    for _ in range(8000 // 64 + 1):
        x, y = data.train.next_batch(64)
        assert x.shape == (64, 784) and y.shape == (64,)
        seen.append(y)
    assert data.train.epochs_completed == 1
    again = input_data.read_data_sets(sample_dir, validation_size=1000, seed=3)
    np.testing.assert_array_equal(again.train.next_batch(64)[1], seen[0])
    hot = input_data.read_data_sets(sample_dir, one_hot=True, reshape=False, validation_size=0)
    assert hot.train.labels.shape == (9000, 10) and hot.train.images.shape == (9000, 28, 28)
    raw = input_data.read_data_sets(sample_dir, dtype=tf.uint8, validation_size=0)
    assert raw.test.images.dtype == np.uint8


def test_missing_and_malformed_files_are_named(tmp_path, sample_dir):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz.*never downloads"):
        input_data.read_data_sets(str(tmp_path))
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in mnist.FILES.values():
        (bad / name).write_bytes(open(os.path.join(sample_dir, name), "rb").read())
    with gzip.open(bad / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 1234, 1, 28, 28))
    with pytest.raises(idx.IDXError, match="bad magic number 1234"):
        input_data.read_data_sets(str(bad))
    with gzip.open(bad / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, 100, 28, 28) + b"\0" * 1000)
    with pytest.raises(idx.IDXError, match="truncated"):
        input_data.read_data_sets(str(bad))
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(idx.IDXError, match="t10k-labels"):
        idx.read_labels(str(bad / "t10k-labels-idx1-ubyte.gz"))
    with pytest.raises(ValueError, match="Validation size"):
        input_data.read_data_sets(sample_dir, validation_size=10 ** 6)


def test_seed_chapter10_program_learns(sample_dir, tmp_path):
    """The chapter's construction and execution phases, shortened to 2 epochs."""
    tf.set_random_seed(42)
    n_inputs, n_hidden1, n_hidden2, n_outputs = 28 * 28, 300, 100, 10
    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")

    def neuron_layer(X, n_neurons, name, activation=None):
        with tf.name_scope(name):
            n_inputs = int(X.get_shape()[1])
            stddev = 2 / np.sqrt(n_inputs + n_neurons)
            init = tf.truncated_normal((n_inputs, n_neurons), stddev=stddev)
            W = tf.Variable(init, name="kernel")
            b = tf.Variable(tf.zeros([n_neurons]), name="bias")
            Z = tf.matmul(X, W) + b
            return activation(Z) if activation is not None else Z

    with tf.name_scope("dnn"):
        hidden1 = neuron_layer(X, n_hidden1, name="hidden1", activation=tf.nn.relu)
        hidden2 = neuron_layer(hidden1, n_hidden2, name="hidden2", activation=tf.nn.relu)
        logits = neuron_layer(hidden2, n_outputs, name="outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
    with tf.name_scope("train"):
        training_op = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    init = tf.global_variables_initializer()
    saver = tf.train.Saver()
    data = input_data.read_data_sets(sample_dir, validation_size=1000, seed=0)
    with tf.Session() as sess:
        init.run()
        for epoch in range(2):
            for iteration in range(data.train.num_examples // 50):
                X_batch, y_batch = data.train.next_batch(50)
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_val = accuracy.eval(feed_dict={X: data.validation.images, y: data.validation.labels})
        save_path = saver.save(sess, str(tmp_path / "my_model_final.ckpt"))
    assert acc_val > 0.8
    with tf.Session() as sess:
        saver.restore(sess, save_path)
        Z = logits.eval(feed_dict={X: data.test.images})
        y_pred = np.argmax(Z, axis=1)
    assert np.mean(y_pred == data.test.labels) > 0.8


def test_main_example_writes_checkpoint_logs_and_reports(tmp_path, capsys):
    from tensorflux.examples import mnist as example
    acc = example.main(["--epochs", "1", "--output-dir", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert acc > 0.7 and "test accuracy" in out and "examples/s" in out
    names = [n for n, _ in tf.train.list_variables(str(tmp_path / "my_model_final.ckpt"))]
    assert "hidden1/kernel" in names and "outputs/bias" in names
    runs = os.listdir(tmp_path / "tf_logs")
    assert len(runs) == 1 and os.listdir(tmp_path / "tf_logs" / runs[0])[0].startswith("events.out")
    check_histograms(os.path.join(tmp_path, "tf_logs", runs[0]), str(tmp_path / "my_model_final.ckpt"))
    docs = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")
    assert "`/variables/hidden1/kernel:0`" in open(os.path.join(docs, "checkpoints.md")).read()
    with h5py.File(tmp_path / "my_model_final.ckpt", "r") as f:  # the path the docs show
        assert f["/variables/hidden1/kernel:0"].shape == (784, 300)
    assert "--logdir" in out


def check_histograms(run, checkpoint):
    """Weights and activations, before training (step 0) and after the epoch."""
    events = event_accumulator.EventAccumulator(run, size_guidance={"histograms": 0})
    events.Reload()
    weights = {f"weights/{layer}/{v}" for layer in ("hidden1", "hidden2", "outputs")
               for v in ("kernel", "bias")}
    assert set(events.Tags()["histograms"]) == weights | {
        "activations/hidden1", "activations/hidden2", "activations/outputs"}
    kernel = tf.train.load_variable(checkpoint, "hidden1/kernel")
    before, after = events.Histograms("weights/hidden1/kernel")
    assert before.step == 0 and after.step > 0
    assert after.histogram_value.num == kernel.size == 784 * 300
    assert after.histogram_value.min == pytest.approx(kernel.min())
    assert after.histogram_value.max == pytest.approx(kernel.max())
    assert events.Histograms("activations/hidden1")[-1].histogram_value.min >= 0  # ReLU


def test_main_example_help_describes_every_option(capsys):
    from tensorflux.examples import mnist as example
    with pytest.raises(SystemExit):
        example.main(["--help"])
    out = capsys.readouterr().out
    assert "for example the full 60,000-image set)." in out  # the whole description
    assert "300 and 100 ReLU units" in out
    for option, default in (("--epochs", "10"), ("--batch-size", "50"),
                            ("--learning-rate", "0.01"), ("--seed", "42"),
                            ("--output-dir", "mnist_run")):
        text = out[out.index(f"  {option}"):]
        text = text[:text.index("\n  -", 1)] if "\n  -" in text[1:] else text
        assert f"(default: {default})" in " ".join(text.split()), option
    assert "--data-dir" in out and "--no-progress" in out
