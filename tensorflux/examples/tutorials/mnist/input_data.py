"""``input_data.read_data_sets``: MNIST from the four standard IDX .gz files in a directory.

Nothing is downloaded: missing files are an error naming the directory and the files
expected. Images are scaled to [0, 1] (float32 by default) and flattened to 784 columns;
``next_batch`` reshuffles every epoch, deterministically when a seed is given.
"""
from __future__ import annotations

import copy
import os
from types import SimpleNamespace

import numpy as np

from tensorflux.contrib.datasets import idx
from tensorflux.contrib.datasets.mnist import FILES
from tensorflux.core import dtypes


class DataSet:
    """Images and labels with epoch-aware, shuffling mini-batches."""

    def __init__(self, images, labels, dtype=dtypes.float32, reshape=True, seed=None,
                 one_hot=False, num_classes=10):
        dtype = dtypes.as_dtype(dtype)
        if dtype not in (dtypes.uint8, dtypes.float32, dtypes.float64):
            raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8, float32 or float64")
        if len(images) != len(labels):
            raise ValueError(f"images.shape: {images.shape} labels.shape: {labels.shape}")
        if reshape:
            images = images.reshape(images.shape[0], int(np.prod(images.shape[1:])))
        if dtype != dtypes.uint8:
            images = images.astype(dtype.np_dtype) / dtype.np_dtype.type(255.0)
        labels = labels.astype(np.int64)
        if one_hot:
            labels = np.eye(num_classes, dtype=np.float64)[labels]
        self._images, self._labels = images, labels
        self._num_examples = len(images)
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.RandomState(seed)

    images = property(lambda self: self._images)
    labels = property(lambda self: self._labels)
    num_examples = property(lambda self: self._num_examples)
    epochs_completed = property(lambda self: self._epochs_completed)

    def shard(self, num_shards, index):
        """Every ``num_shards``-th example from ``index`` on (as tf.data's
        ``Dataset.shard``): the part of the data that rank ``index`` of ``num_shards``
        trains on. The shard shuffles with its own copy of the random state."""
        if not 0 <= index < num_shards:
            raise ValueError(f"shard index must be in [0, {num_shards}), got {index}")
        part = copy.copy(self)
        part._images, part._labels = self._images[index::num_shards], self._labels[index::num_shards]
        part._num_examples = len(part._images)
        part._epochs_completed = part._index_in_epoch = 0
        part._rng = copy.deepcopy(self._rng)
        return part

    def _shuffle(self):
        perm = self._rng.permutation(self._num_examples)
        self._images, self._labels = self._images[perm], self._labels[perm]

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """The next ``batch_size`` examples; an epoch's leftovers are completed from the
        start of the next (reshuffled) epoch, as in TF1."""
        if batch_size <= 0 or batch_size > self._num_examples:
            raise ValueError(f"batch_size must be in [1, {self._num_examples}], got {batch_size}")
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest = self._num_examples - start
            images_rest, labels_rest = self._images[start:], self._labels[start:]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = batch_size - rest
            end = self._index_in_epoch
            return (np.concatenate([images_rest, self._images[:end]]),
                    np.concatenate([labels_rest, self._labels[:end]]))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=dtypes.float32,
                   reshape=True, validation_size=5000, seed=None, source_url=None):
    """``.train``, ``.validation`` and ``.test`` DataSets from the IDX files in train_dir."""
    paths = {k: os.path.join(train_dir, name) for k, name in FILES.items()}
    missing = [os.path.basename(p) for p in paths.values() if not idx.exists(p)]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing in {os.path.abspath(train_dir)!r}: {', '.join(missing)} "
            f"(expected {', '.join(FILES.values())}). tensorflux never downloads data; put "
            f"the files there, or use tensorflux.contrib.datasets.mnist.write_sample_dir("
            f"{train_dir!r}) to write the bundled 10,000-image sample.")
    train_images, train_labels = idx.read_images(paths["train_images"]), idx.read_labels(paths["train_labels"])
    test_images, test_labels = idx.read_images(paths["test_images"]), idx.read_labels(paths["test_labels"])
    for what, imgs, labs in (("train", train_images, train_labels), ("test", test_images, test_labels)):
        if len(imgs) != len(labs):
            raise ValueError(f"{train_dir}: {what} has {len(imgs)} images but {len(labs)} labels")
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(f"Validation size should be between 0 and {len(train_images)}. "
                         f"Received: {validation_size}.")
    options = dict(dtype=dtype, reshape=reshape, seed=seed, one_hot=one_hot)
    return SimpleNamespace(
        train=DataSet(train_images[validation_size:], train_labels[validation_size:], **options),
        validation=DataSet(train_images[:validation_size], train_labels[:validation_size], **options),
        test=DataSet(test_images, test_labels, **options))


load_mnist = read_data_sets
