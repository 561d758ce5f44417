"""TensorBoard event files: TFRecord framing around ``Event`` protocol buffers.

Each record is: uint64 length, uint32 masked crc32c of the length, the bytes, uint32
masked crc32c of the bytes (all little-endian). The protos come from the ``tensorboard``
package and are imported only when events are written.
"""
from __future__ import annotations

import os
import struct
import threading
import time

import numpy as np

from tensorflux.serialization.tfrecord import frame_record, masked_crc32c  # noqa: F401


def read_records(path: str):
    """The record payloads of a TFRecord file, checking both checksums. A damaged or
    truncated record raises DataLossError naming the file and the record's offset; a
    length is checked against the file's size before anything is allocated for it."""
    from tensorflux.core.errors import DataLossError

    def corrupt(offset, what):
        return DataLossError(None, None, f"{path}: {what} in the record at byte offset {offset}")

    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        offset = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise corrupt(offset, "truncated length header")
            (length,) = struct.unpack("<Q", header[:8])
            if struct.unpack("<I", header[8:])[0] != masked_crc32c(header[:8]):
                raise corrupt(offset, "corrupt length (its crc32c does not match)")
            if length > size - offset - 16:
                raise corrupt(offset, f"length {length} runs past the end of the "
                                      f"{size}-byte file (truncated or corrupt)")
            data = f.read(length)
            footer = f.read(4)
            if len(data) < length or len(footer) < 4:
                raise corrupt(offset, "truncated data")
            if struct.unpack("<I", footer)[0] != masked_crc32c(data):
                raise corrupt(offset, "corrupt data (its crc32c does not match)")
            yield data
            offset += 16 + length


def summary_iterator(path):
    """``tf.train.summary_iterator``: the ``Event`` protocol buffers of an event file,
    in order. A damaged record raises DataLossError naming the file and offset."""
    from tensorboard.compat.proto import event_pb2
    from google.protobuf.message import DecodeError

    from tensorflux.core.errors import DataLossError
    offset = 0
    for data in read_records(path):
        try:
            event = event_pb2.Event.FromString(data)
        except DecodeError as exc:
            raise DataLossError(None, None, f"{path}: the record at byte offset {offset} is "
                                            f"not an Event: {exc}") from None
        yield event
        offset += 16 + len(data)


def graph_def_proto(graph):
    """The graph as TensorBoard's GraphDef proto: node names with their scopes, op
    types, inputs (control inputs as ``^name``), devices, dtypes and output shapes."""
    from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_shape_pb2, types_pb2
    enum = {"float16": types_pb2.DT_HALF, "float32": types_pb2.DT_FLOAT,
            "float64": types_pb2.DT_DOUBLE, "int8": types_pb2.DT_INT8,
            "int16": types_pb2.DT_INT16, "int32": types_pb2.DT_INT32,
            "int64": types_pb2.DT_INT64, "uint8": types_pb2.DT_UINT8,
            "uint16": types_pb2.DT_UINT16, "bool": types_pb2.DT_BOOL,
            "string": types_pb2.DT_STRING, "complex64": types_pb2.DT_COMPLEX64,
            "complex128": types_pb2.DT_COMPLEX128, "variant": types_pb2.DT_VARIANT}
    gd = graph_pb2.GraphDef()
    gd.versions.producer = 27
    for op in graph.get_operations():
        node = gd.node.add()
        node.name = op.name
        node.op = op.type
        node.device = op.device
        node.input.extend([t.name if t.value_index else t.op.name for t in op.inputs])
        node.input.extend(f"^{c.name}" for c in op.control_inputs)
        if op.outputs:
            node.attr["T"].type = enum.get(op.outputs[0].dtype.name, types_pb2.DT_INVALID)
            shapes = attr_value_pb2.AttrValue()
            for t in op.outputs:
                proto = tensor_shape_pb2.TensorShapeProto()
                if t.shape.ndims is None:
                    proto.unknown_rank = True
                else:
                    for d in t.shape.as_list():
                        proto.dim.add().size = -1 if d is None else d
                shapes.list.shape.append(proto)
            node.attr["_output_shapes"].CopyFrom(shapes)
    return gd


class EventFileWriter:
    """Appends Events to ``events.out.tfevents.<time>.<host><suffix>`` in ``logdir``.

    Events are buffered and written when ``max_queue`` are pending, when ``flush_secs``
    have passed (checked by a daemon timer), on ``flush()`` and on ``close()``.
    """

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix=None):
        os.makedirs(logdir, exist_ok=True)
        self.logdir = logdir
        import socket  # only when a writer opens: keeps ``import tensorflux`` lean
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
        self.path = os.path.join(logdir, name + (filename_suffix or ""))
        self._file = open(self.path, "ab")
        self._pending: list[bytes] = []
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._lock = threading.Lock()
        self._closed = False
        self._timer = None
        from tensorboard.compat.proto import event_pb2
        self._event_cls = event_pb2.Event
        self.add_event(self._event_cls(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()
        self._schedule()

    def _schedule(self):
        if self._flush_secs and not self._closed:
            self._timer = threading.Timer(self._flush_secs, self._tick)
            self._timer.daemon = True
            self._timer.start()

    def _tick(self):
        self.flush()
        self._schedule()

    def add_event(self, event):
        record = frame_record(event.SerializeToString())
        with self._lock:
            if self._closed:
                raise RuntimeError(f"Event writer for {self.path} is closed")
            self._pending.append(record)
            full = len(self._pending) >= self._max_queue
        if full:
            self.flush()

    def flush(self):
        with self._lock:
            if self._pending and not self._file.closed:
                self._file.write(b"".join(self._pending))
                self._pending.clear()
                self._file.flush()

    def close(self):
        if self._closed:
            return
        self.flush()
        with self._lock:
            self._closed = True
            self._file.close()
        if self._timer is not None:
            self._timer.cancel()

    @property
    def closed(self):
        return self._closed


def histogram_proto(values):
    """A HistogramProto with TensorBoard's default exponential buckets (non-empty only)."""
    from tensorboard.compat.proto import summary_pb2
    values = np.asarray(values, dtype=np.float64).ravel()
    proto = summary_pb2.HistogramProto()
    if values.size == 0:
        return proto
    limits = _default_bucket_limits()
    counts = np.bincount(np.searchsorted(limits, values, side="left"), minlength=len(limits))
    proto.min, proto.max = float(values.min()), float(values.max())
    proto.num = float(values.size)
    proto.sum = float(values.sum())
    proto.sum_squares = float(np.dot(values, values))
    nonzero = np.nonzero(counts)[0]
    proto.bucket_limit.extend(limits[nonzero].tolist())
    proto.bucket.extend(counts[nonzero].astype(np.float64).tolist())
    return proto


_LIMITS = None


def _default_bucket_limits():
    global _LIMITS
    if _LIMITS is None:
        pos, v = [], 1e-12
        while v < 1e20:
            pos.append(v)
            v *= 1.1
        pos.append(np.finfo(np.float64).max)
        _LIMITS = np.array([-x for x in reversed(pos)] + [0.0] + pos)
    return _LIMITS
