"""Readers (``tf.TextLineReader``, ``tf.TFRecordReader``, ``tf.WholeFileReader``,
``tf.FixedLengthRecordReader``, ``tf.IdentityReader``): ops that take file names (work
units) from a queue and produce (key, value) string records, and ``tf.read_file``.

Like a queue, a reader op outputs a handle; the reader's position (current file and
record) lives in the session. ``read`` dequeues the next file name when the current file
is done, so it raises OutOfRangeError once the file-name queue is closed and empty.
The runtime side is ``tensorflux.backends.reader_kernels``.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable


def _scalar(dtype):
    return {"dtype_fn": lambda op: [dtype], "shape_fn": lambda op: [TensorShape(())]}


_READERS = {
    "TextLineReaderV2": {"skip_header_lines": 0},
    "TFRecordReaderV2": {"compression_type": ""},
    "WholeFileReaderV2": {},
    "FixedLengthRecordReaderV2": {"header_bytes": 0, "record_bytes": None, "footer_bytes": 0,
                                  "hop_bytes": 0, "encoding": ""},
    "IdentityReaderV2": {},
}
for _type, _attrs in _READERS.items():
    defop(_type, (), attrs={**_attrs, "container": "", "shared_name": ""}, stateful=True,
          **_scalar(dtypes.string), doc="A reader (its handle): see tensorflux.ops.io_ops.")

defop("ReaderReadV2", ("reader_handle", "queue_handle"), num_outputs=2, stateful=True,
      dtype_fn=lambda op: [dtypes.string, dtypes.string],
      shape_fn=lambda op: [TensorShape(()), TensorShape(())])
defop("ReaderReadUpToV2", ("reader_handle", "queue_handle"), attrs={"num_records": 1},
      num_outputs=2, stateful=True, dtype_fn=lambda op: [dtypes.string, dtypes.string],
      shape_fn=lambda op: [TensorShape([None]), TensorShape([None])])
defop("ReaderNumRecordsProducedV2", ("reader_handle",), stateful=True, **_scalar(dtypes.int64))
defop("ReaderNumWorkUnitsCompletedV2", ("reader_handle",), stateful=True, **_scalar(dtypes.int64))
defop("ReaderResetV2", ("reader_handle",), num_outputs=0, stateful=True,
      dtype_fn=lambda op: [], shape_fn=lambda op: [])
defop("ReadFile", ("filename",), **_scalar(dtypes.string), doc="The contents of a file.")
defop("MatchingFiles", ("pattern",), dtype_fn=lambda op: [dtypes.string],
      shape_fn=lambda op: [TensorShape([None])], doc="The sorted paths matching glob patterns.")
defop("WriteFile", ("filename", "contents"), num_outputs=0, stateful=True,
      dtype_fn=lambda op: [], shape_fn=lambda op: [])
not_differentiable(*_READERS, "ReaderReadV2", "ReaderReadUpToV2", "ReaderNumRecordsProducedV2",
                   "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2", "ReadFile", "WriteFile",
                   "MatchingFiles")


def _queue_ref(queue):
    return queue.queue_ref if hasattr(queue, "queue_ref") else convert_to_tensor(queue)


class ReaderBase:
    """The operations every reader has."""

    def __init__(self, op_type, attrs, name):
        self._reader_ref = get_default_graph().create_op(op_type, [], attrs, name=name).outputs[0]

    reader_ref = property(lambda self: self._reader_ref)
    supports_serialize = False

    def _op(self, op_type, inputs=(), attrs=None, name=None):
        return get_default_graph().create_op(op_type, [self._reader_ref, *inputs], attrs,
                                             name=name or op_type.replace("V2", ""))

    def read(self, queue, name=None):
        """The next (key, value) record, taking file names from ``queue``."""
        return tuple(self._op("ReaderReadV2", [_queue_ref(queue)], name=name).outputs)

    def read_up_to(self, queue, num_records, name=None):
        """Up to ``num_records`` records as two vectors (fewer at the end of the input)."""
        return tuple(self._op("ReaderReadUpToV2", [_queue_ref(queue)],
                              {"num_records": int(num_records)}, name).outputs)

    def num_records_produced(self, name=None):
        return self._op("ReaderNumRecordsProducedV2", name=name).outputs[0]

    def num_work_units_completed(self, name=None):
        return self._op("ReaderNumWorkUnitsCompletedV2", name=name).outputs[0]

    def reset(self, name=None):
        return self._op("ReaderResetV2", name=name)


class TextLineReader(ReaderBase):
    """Records are the lines of each file (without the newline); keys ``file:line``."""

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__("TextLineReaderV2", {"skip_header_lines": int(skip_header_lines or 0)},
                         name or "TextLineReaderV2")


class TFRecordReader(ReaderBase):
    """Records of TFRecord files; keys ``file:offset``. ``options`` sets compression."""

    def __init__(self, name=None, options=None):
        from tensorflux.serialization.tfrecord import TFRecordOptions
        compression = TFRecordOptions.get_compression_type_string(options)
        super().__init__("TFRecordReaderV2", {"compression_type": compression},
                         name or "TFRecordReaderV2")


class WholeFileReader(ReaderBase):
    """One record per file: its whole contents, keyed by the file name."""

    def __init__(self, name=None):
        super().__init__("WholeFileReaderV2", {}, name or "WholeFileReaderV2")


class IdentityReader(ReaderBase):
    """One record per work unit: the string taken from the queue, as key and value."""

    def __init__(self, name=None):
        super().__init__("IdentityReaderV2", {}, name or "IdentityReaderV2")


class FixedLengthRecordReader(ReaderBase):
    """Records of ``record_bytes`` bytes after ``header_bytes`` (and before
    ``footer_bytes``), each starting ``hop_bytes`` after the previous (default: right
    after it); ``encoding`` "ZLIB" or "GZIP" for compressed files."""

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None,
                 name=None, encoding=None):
        if int(record_bytes) <= 0:
            raise ValueError(f"record_bytes must be positive, got {record_bytes}")
        super().__init__("FixedLengthRecordReaderV2", {
            "record_bytes": int(record_bytes), "header_bytes": int(header_bytes or 0),
            "footer_bytes": int(footer_bytes or 0), "hop_bytes": int(hop_bytes or 0),
            "encoding": encoding or ""}, name or "FixedLengthRecordReaderV2")


def read_file(filename, name=None):
    """The contents of the file ``filename`` (a string scalar)."""
    filename = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
    return get_default_graph().create_op("ReadFile", [filename], name=name or "ReadFile").outputs[0]


def write_file(filename, contents, name=None):
    """An op that writes ``contents`` to the file ``filename``."""
    filename = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
    contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    return get_default_graph().create_op("WriteFile", [filename, contents], name=name or "WriteFile")


def matching_files(pattern, name=None):
    """The sorted file names matching a glob pattern (or a vector of patterns)."""
    pattern = convert_to_tensor(pattern, dtype=dtypes.string, name="pattern")
    return get_default_graph().create_op("MatchingFiles", [pattern], name=name or "MatchingFiles").outputs[0]


def match_filenames_once(pattern, name=None):
    """A local variable holding the files that match ``pattern`` when the local
    variables are initialized (so the list is fixed for the session)."""
    from tensorflux.core.graph import GraphKeys, name_scope
    from tensorflux.ops.variables import Variable
    with name_scope(name, "matching_filenames", [pattern]) as scope:
        return Variable(matching_files(pattern), trainable=False, validate_shape=False,
                        collections=[GraphKeys.LOCAL_VARIABLES], name=scope)
