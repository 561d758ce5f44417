"""``tf.data.TextLineDataset``, ``TFRecordDataset`` and ``FixedLengthRecordDataset``:
the records of files, read in order (file names: a string, a list, a string tensor
such as a placeholder, or a dataset of names).

``buffer_size`` arguments are accepted for compatibility (files are read in 64 KiB
chunks). ``num_parallel_reads`` gives TF1's element order (records of that many files
interleaved one by one) but reads them in one thread.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.data import structure
from tensorflux.data.dataset import Dataset, scalar_param
from tensorflux.data.runtime import files as rt
from tensorflux.data.runtime.base import as_int, as_list_of_strings

_STRING = structure.TensorSpec([], dtypes.string)


def _filenames_tensor(filenames):
    from tensorflux.ops.constant_op import convert_to_tensor
    tensor = convert_to_tensor(filenames, dtype=dtypes.string, name="filenames")
    if tensor.shape.ndims not in (None, 0, 1):
        raise TypeError(f"`filenames` must be a scalar or a vector of strings, got shape "
                        f"{tensor.shape}")
    return tensor


def _compression(compression_type):
    from tensorflux.ops.constant_op import convert_to_tensor
    if isinstance(compression_type, str) and compression_type not in ("", "ZLIB", "GZIP"):
        raise ValueError(f"compression_type must be \"\", \"ZLIB\" or \"GZIP\", got "
                         f"{compression_type!r}")
    return convert_to_tensor("" if compression_type is None else compression_type,
                             dtype=dtypes.string, name="compression_type")


class _FileDataset(Dataset):
    """A reader of files. Given a dataset of names (or ``num_parallel_reads``), it is
    a flat_map / interleave of a reader of one file over the names."""

    def __init__(self, filenames, num_parallel_reads=None, **kwargs):
        if isinstance(filenames, Dataset) or (num_parallel_reads or 1) > 1:
            names = filenames if isinstance(filenames, Dataset) else \
                Dataset.from_tensor_slices(_filenames_tensor(filenames))
            if names.output_types != dtypes.string or names.output_shapes.ndims not in (None, 0):
                raise TypeError(f"`filenames` must be a dataset of scalar strings, got {names!r}")
            read = lambda name: type(self)(name, **kwargs)  # noqa: E731
            self._inner = names.interleave(read, cycle_length=num_parallel_reads or 1)
            super().__init__(_STRING, inputs=[self._inner])
            return
        self._inner = None
        super().__init__(_STRING, params=[_filenames_tensor(filenames)] + self._file_params(**kwargs))

    def _make(self, params, functions, inputs, env):
        if self._inner is not None:
            return inputs[0]
        return self._reader(as_list_of_strings(params[0]), *params[1:])


class TextLineDataset(_FileDataset):
    """The lines of text files, without their line endings."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        super().__init__(filenames, num_parallel_reads, compression_type=compression_type)

    def _file_params(self, compression_type):
        return [_compression(compression_type)]

    def _reader(self, names, compression):
        return rt.TextLines(names, as_list_of_strings(compression)[0])


class TFRecordDataset(_FileDataset):
    """The records of TFRecord files (``compression_type``: "", "ZLIB" or "GZIP")."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        super().__init__(filenames, num_parallel_reads, compression_type=compression_type)

    def _file_params(self, compression_type):
        return [_compression(compression_type)]

    def _reader(self, names, compression):
        return rt.TFRecords(names, as_list_of_strings(compression)[0])


class FixedLengthRecordDataset(_FileDataset):
    """Records of ``record_bytes`` bytes between a header and a footer."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None):
        super().__init__(filenames, num_parallel_reads, record_bytes=record_bytes,
                         header_bytes=header_bytes, footer_bytes=footer_bytes,
                         compression_type=compression_type)

    def _file_params(self, record_bytes, header_bytes, footer_bytes, compression_type):
        return [_compression(compression_type), scalar_param(record_bytes, "record_bytes"),
                scalar_param(header_bytes or 0, "header_bytes"),
                scalar_param(footer_bytes or 0, "footer_bytes")]

    def _reader(self, names, compression, record, header, footer):
        return rt.FixedLengthRecords(names, as_list_of_strings(compression)[0], as_int(record),
                                     as_int(header), as_int(footer))
