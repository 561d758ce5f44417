"""The readers behind the reader ops, one per session (like queues), and ReadFile.

A reader works through one file (a "work unit") at a time, taking the next file name
from the queue op's queue when the current one runs out.
"""
from __future__ import annotations

import threading
import zlib

import numpy as np

from tensorflux.backends.data_flow_kernels import resource_kernel, resource_lookup
from tensorflux.core import errors
from tensorflux.serialization.gfile import _translated
from tensorflux.serialization.tfrecord import _WBITS, RecordReader


def _read_bytes(path):
    with _translated(path):
        with open(path, "rb") as f:
            return f.read()


def _text_lines(path, attrs):
    with _translated(path):
        f = open(path, "rb")
    with f:
        for number, line in enumerate(f, 1):
            if number <= attrs["skip_header_lines"]:
                continue
            yield f"{path}:{number}", line.rstrip(b"\n").rstrip(b"\r")


def _tfrecords(path, attrs):
    reader = RecordReader(path, attrs["compression_type"] or None)
    try:
        while True:
            record = reader.read()
            if record is None:
                return
            yield f"{path}:{record[0]}", record[1]
    finally:
        reader.close()


def _whole_file(path, attrs):
    yield path, _read_bytes(path)


def _fixed_length(path, attrs):
    data = _read_bytes(path)
    if attrs["encoding"]:
        try:
            data = zlib.decompress(data, _WBITS[attrs["encoding"]])
        except zlib.error as exc:
            raise errors.DataLossError(None, None, f"{path}: corrupt compressed data: {exc}") from None
    size, hop = attrs["record_bytes"], attrs["hop_bytes"] or attrs["record_bytes"]
    end = len(data) - attrs["footer_bytes"]
    pos, number = attrs["header_bytes"], 0
    while pos + size <= end:
        yield f"{path}:{number}", data[pos:pos + size]
        pos += hop
        number += 1


def _identity(work, attrs):
    yield work, work.encode()


_OPENERS = {"TextLineReaderV2": _text_lines, "TFRecordReaderV2": _tfrecords,
            "WholeFileReaderV2": _whole_file, "FixedLengthRecordReaderV2": _fixed_length,
            "IdentityReaderV2": _identity}


class Reader:
    def __init__(self, op):
        self.attrs = op.attrs
        self.open = _OPENERS[op.type]
        self.lock = threading.Lock()
        self.records = None  # (key, value) iterator of the current file
        self.produced = 0
        self.completed = 0

    def read(self, op, queue, n, up_to):
        keys, values = [], []
        with self.lock:
            while len(keys) < n:
                if self.records is None:
                    if up_to and keys and queue.size() == 0:
                        break  # return what we have rather than wait for more files
                    try:
                        (name,) = queue.dequeue(op, None)
                    except errors.OutOfRangeError:
                        if keys:
                            break
                        raise
                    self.records = self.open(bytes(name[()]).decode(), self.attrs)
                try:
                    key, value = next(self.records)
                except StopIteration:
                    self.records = None
                    self.completed += 1
                    continue
                except errors.OpError as exc:
                    self.records = None
                    exc.op = exc.op or op
                    raise
                keys.append(key.encode())
                values.append(value)
                self.produced += 1
        return keys, values

    def reset(self):
        with self.lock:
            self.records, self.produced, self.completed = None, 0, 0

    def cancel(self):
        """Nothing to wake: a reader waits only inside its queue."""


def _strings(items, scalar):
    out = np.empty(() if scalar else (len(items),), dtype=object)
    if scalar:
        out[()] = items[0]
    else:
        out[:] = items
    return out


def _read(up_to):
    def build(op, ctx):
        find_reader = resource_lookup(op, ctx)
        find_queue = resource_lookup(op, ctx)
        n = op.attrs.get("num_records", 1)

        def run(reader_handle, queue_handle):
            keys, values = find_reader(reader_handle).read(op, find_queue(queue_handle), n, up_to)
            return _strings(keys, not up_to), _strings(values, not up_to)
        return run
    return build


def _counter(attr):
    def build(op, ctx):
        find = resource_lookup(op, ctx)
        return lambda handle: np.array(getattr(find(handle), attr), dtype=np.int64)
    return build


def _reset(op, ctx):
    find = resource_lookup(op, ctx)
    return lambda handle: find(handle).reset()


def _read_file(op, ctx):
    return lambda filename: _strings([_read_bytes(bytes(filename[()]).decode())], True)


def _write_file(op, ctx):
    def run(filename, contents):
        path = bytes(filename[()]).decode()
        with _translated(path):
            with open(path, "wb") as f:
                f.write(bytes(contents[()]))
    return run


def _matching_files(op, ctx):
    from tensorflux.serialization.gfile import Glob

    def run(pattern):
        found = Glob([bytes(p).decode() for p in pattern.reshape(-1)])
        return _strings([f.encode() for f in sorted(found)], False)
    return run


KERNELS = {"MatchingFiles": _matching_files, **{t: resource_kernel(lambda op, ctx: Reader(op)) for t in _OPENERS}, "ReaderReadV2": _read(False),
           "ReaderReadUpToV2": _read(True),
           "ReaderNumRecordsProducedV2": _counter("produced"),
           "ReaderNumWorkUnitsCompletedV2": _counter("completed"), "ReaderResetV2": _reset,
           "ReadFile": _read_file, "WriteFile": _write_file}
