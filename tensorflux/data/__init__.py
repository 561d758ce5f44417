"""``tf.data``: input pipelines of datasets, read through iterators in graph mode.

Imported when ``tf.data`` is first used (``import tensorflux`` does not load it).
"""
from tensorflux.data import experimental  # noqa: F401
from tensorflux.data.dataset import (AUTOTUNE, INFINITE_CARDINALITY,  # noqa: F401
                                     UNKNOWN_CARDINALITY, Dataset)
from tensorflux.data.iterator_ops import (Iterator, NumpyIterator,  # noqa: F401
                                          make_initializable_iterator, make_one_shot_iterator)
from tensorflux.data.options import Options, ThreadingOptions  # noqa: F401
from tensorflux.data.readers import (FixedLengthRecordDataset, TextLineDataset,  # noqa: F401
                                     TFRecordDataset)
from tensorflux.data.structure import DatasetSpec  # noqa: F401
from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr

DatasetV1 = Dataset


def get_output_types(dataset_or_iterator):
    """``tf.data.get_output_types``: the dtypes of a dataset's or iterator's elements."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    """``tf.data.get_output_shapes``: the static shapes of the elements."""
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    """``tf.data.get_output_classes``: the classes of the elements (``tf.Tensor``)."""
    return dataset_or_iterator.output_classes


__getattr__ = _namespace_getattr(__name__)
