"""The bundled MNIST sample: the 10,000 real test-set images shipped with tensorflux,
split reproducibly into train / validation / test (the full 60,000-image training set is
not bundled; read it with ``read_data_sets(dir)`` when you have it)."""
from __future__ import annotations

import os

import numpy as np

from tensorflux.contrib.datasets import idx

SAMPLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist")
SAMPLE_IMAGES = os.path.join(SAMPLE_DIR, "t10k-images-idx3-ubyte.gz")
SAMPLE_LABELS = os.path.join(SAMPLE_DIR, "t10k-labels-idx1-ubyte.gz")
FILES = {"train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz",
         "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"}


def load_sample():
    """(images uint8 [10000, 28, 28], labels uint8 [10000]) of the bundled files."""
    for path in (SAMPLE_IMAGES, SAMPLE_LABELS):
        if not os.path.exists(path):
            raise FileNotFoundError(f"The bundled MNIST sample is missing: {path}")
    return idx.read_images(SAMPLE_IMAGES), idx.read_labels(SAMPLE_LABELS)


def split_sample(n_test=1000, seed=42):
    """A seeded shuffle of the sample cut into (train_images, train_labels, test_images,
    test_labels); the train part holds the other 10000 - n_test images."""
    images, labels = load_sample()
    order = np.random.RandomState(seed).permutation(len(labels))
    train, test = order[n_test:], order[:n_test]
    return images[train], labels[train], images[test], labels[test]


def write_sample_dir(directory, n_test=1000, seed=42):
    """Write the split sample as the four standard MNIST files into ``directory``, so
    ``read_data_sets(directory, validation_size=1000)`` gives 8,000 / 1,000 / 1,000 real
    images (with the default n_test). Returns the directory."""
    os.makedirs(directory, exist_ok=True)
    train_x, train_y, test_x, test_y = split_sample(n_test, seed)
    idx.write_images(os.path.join(directory, FILES["train_images"]), train_x)
    idx.write_labels(os.path.join(directory, FILES["train_labels"]), train_y)
    idx.write_images(os.path.join(directory, FILES["test_images"]), test_x)
    idx.write_labels(os.path.join(directory, FILES["test_labels"]), test_y)
    return directory
