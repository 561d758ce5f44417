"""Runtime datasets that read files: text lines, TFRecords, fixed-length records, and
the file cache of ``cache(filename)``.

Files are opened when a pass first needs them and read in chunks, through the readers
of ``serialization.tfrecord`` (which decompress GZIP and ZLIB files and raise
DataLossError naming the file and the offset of a corrupt record).

The cache file is a TFRecord file (so every record is checksummed): a JSON header
naming the format and the elements' dtypes, one record per element (``E``, then each
component's kind, shape and bytes; strings as length-prefixed bytes) and an end record
(``Z`` and the number of elements), so a file cut at a record boundary is detected too.
It is written to a temporary file that replaces ``<filename>.tfdata-cache`` once a pass
completes, so an interrupted pass leaves no cache behind. Nothing in it is executed or
unpickled.
"""
from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.data.runtime.base import GeneratorIterator, RuntimeDataset, scalar_string
from tensorflux.data.runtime.transforms import _Unary, _UnaryPass
from tensorflux.serialization import tfrecord

_CHUNK = 1 << 16


class _Files(RuntimeDataset):
    def __init__(self, filenames, compression):
        self.filenames = filenames
        self.compression = tfrecord.TFRecordOptions.get_compression_type_string(compression or None)

    def iterator(self):
        return GeneratorIterator(self._records())

    def _records(self):
        for name in self.filenames:
            yield from self._read(name)


def _source(path, compression):
    return tfrecord._Source(path, compression)


class TextLines(_Files):
    """``TextLineDataset``: each line of each file, without its newline (nor a
    carriage return before it)."""

    def _read(self, path):
        source = _source(path, self.compression)
        pending = b""
        try:
            while True:
                chunk = source.read(_CHUNK)
                if not chunk:
                    break
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    yield (scalar_string(line[:-1] if line.endswith(b"\r") else line),)
            if pending:
                yield (scalar_string(pending[:-1] if pending.endswith(b"\r") else pending),)
        finally:
            source.close()


class TFRecords(_Files):
    """``TFRecordDataset``: each record of each file, checksums checked."""

    def _read(self, path):
        reader = tfrecord.RecordReader(path, self.compression or None)
        try:
            while True:
                record = reader.read()
                if record is None:
                    return
                yield (scalar_string(record[1]),)
        finally:
            reader.close()


class FixedLengthRecords(_Files):
    """``FixedLengthRecordDataset``: records of ``record_bytes`` after a header of
    ``header_bytes`` and before a footer of ``footer_bytes``."""

    def __init__(self, filenames, compression, record_bytes, header_bytes, footer_bytes):
        super().__init__(filenames, compression)
        if record_bytes <= 0 or header_bytes < 0 or footer_bytes < 0:
            raise errors.InvalidArgumentError(
                None, None, f"record_bytes ({record_bytes}) must be > 0, header_bytes "
                            f"({header_bytes}) and footer_bytes ({footer_bytes}) >= 0")
        self.record, self.header, self.footer = record_bytes, header_bytes, footer_bytes

    def _read(self, path):
        source = _source(path, self.compression)
        try:
            header = source.read(self.header) if self.header else b""
            data = bytearray()
            keep = self.record + self.footer
            while True:
                chunk = source.read(_CHUNK)
                data += chunk
                start = 0
                while len(data) - start >= keep:
                    yield (scalar_string(bytes(data[start:start + self.record])),)
                    start += self.record
                del data[:start]
                if not chunk:
                    break
            body = len(header) + len(data) - self.header - self.footer
            if len(header) < self.header or body != 0:
                raise errors.DataLossError(
                    None, None, f"Excluding the header ({self.header} bytes) and footer "
                                f"({self.footer} bytes), input file \"{path}\" has a body that "
                                f"is not an exact multiple of the record length "
                                f"({self.record} bytes): {max(body, 0)} bytes are left over")
        finally:
            source.close()


# --- the file cache ------------------------------------------------------------------------
_FORMAT = "tensorflux-tfdata-cache"
_VERSION = 1
_SUFFIX = ".tfdata-cache"


class FileCache(_Unary):
    """``cache(filename)``: the first complete pass is written to a file; passes read
    from the file once it exists (in this session, a later one, another process)."""

    def __init__(self, input_dataset, filename, types):
        super().__init__(input_dataset)
        self.path = filename + _SUFFIX
        self.types = types

    def iterator(self):
        if os.path.exists(self.path):
            return GeneratorIterator(read_cache_file(self.path, self.types))
        return _WritePass(self)


class _WritePass(_UnaryPass):
    def __init__(self, cache):
        super().__init__(cache.input.iterator())
        self.cache = cache
        self.tmp = f"{cache.path}.tmp-{os.getpid()}-{id(self)}"
        directory = os.path.dirname(os.path.abspath(cache.path))
        if not os.path.isdir(directory):
            raise errors.NotFoundError(None, None, f"Cannot write the cache file {cache.path}: "
                                                   f"{directory} does not exist")
        self.writer = tfrecord.TFRecordWriter(self.tmp)
        self.writer.write(json.dumps({"format": _FORMAT, "version": _VERSION,
                                      "dtypes": [t.name for t in cache.types]}).encode())
        self.count = 0

    def __next__(self):
        try:
            element = next(self.input)
        except StopIteration:
            self._finish()
            raise
        self.writer.write(_encode(element))
        self.count += 1
        return element

    def _finish(self):
        if self.writer is not None:
            self.writer.write(b"Z" + struct.pack("<Q", self.count))
            self.writer.close()
            self.writer = None
            os.replace(self.tmp, self.cache.path)

    def close(self):
        if self.writer is not None:  # an unfinished pass leaves no cache
            self.writer.close()
            self.writer = None
            try:
                os.remove(self.tmp)
            except FileNotFoundError:
                pass
        super().close()


def _encode(element) -> bytes:
    parts = [b"E", struct.pack("<I", len(element))]
    for value in element:
        value = np.asarray(value)
        strings = value.dtype.kind == "O"
        parts.append(struct.pack("<?B", strings, value.ndim))
        parts.append(struct.pack(f"<{value.ndim}Q", *value.shape))
        if strings:
            items = [bytes(v) for v in value.reshape(-1)]
            parts.append(struct.pack(f"<{len(items)}Q", *map(len, items)))
            parts.extend(items)
        else:
            data = np.ascontiguousarray(value).tobytes()
            parts.append(struct.pack("<Q", len(data)))
            parts.append(data)
    return b"".join(parts)


class _Decoder:
    def __init__(self, data, path, offset):
        self.data, self.pos, self.where = data, 0, f"{path}: cache record at offset {offset}"

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise errors.DataLossError(None, None, f"{self.where} is cut short")
        out = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return out

    def raw(self, n):
        if self.pos + n > len(self.data):
            raise errors.DataLossError(None, None, f"{self.where} is cut short")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def _decode(record, types, path, offset):
    d = _Decoder(record, path, offset)
    d.raw(1)  # the "E" of an element record
    (count,) = d.take("<I")
    if count != len(types):
        raise errors.DataLossError(None, None, f"{d.where} has {count} components, "
                                               f"expected {len(types)}")
    out = []
    for dtype in types:
        strings, ndim = d.take("<?B")
        shape = d.take(f"<{ndim}Q")
        size = math.prod(shape)
        if strings != (dtype == dtypes.string):
            raise errors.DataLossError(None, None, f"{d.where} does not hold {dtype.name} values")
        if strings:
            if size * 8 > len(record):
                raise errors.DataLossError(None, None, f"{d.where} is cut short")
            lengths = d.take(f"<{size}Q")
            value = np.empty(size, dtype=object)
            value[:] = [d.raw(n) for n in lengths] if size else []
            out.append(value.reshape(shape))
        else:
            (nbytes,) = d.take("<Q")
            if nbytes != size * dtype.np_dtype.itemsize:
                raise errors.DataLossError(None, None, f"{d.where} has {nbytes} bytes for a "
                                                       f"{dtype.name} value of shape {shape}")
            out.append(np.frombuffer(d.raw(nbytes), dtype=dtype.np_dtype).reshape(shape).copy())
    if d.pos != len(record):
        raise errors.DataLossError(None, None, f"{d.where} has {len(record) - d.pos} bytes "
                                               f"left over")
    return tuple(out)


def read_cache_file(path, types):
    """The elements of a cache file (a generator), checked as they are read."""
    reader = tfrecord.RecordReader(path)
    try:
        first = reader.read()
        try:
            header = json.loads(first[1]) if first else None
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise errors.DataLossError(None, None, f"{path} is not a tf.data cache file")
        if header.get("version") != _VERSION:
            raise errors.DataLossError(None, None, f"{path}: cache format version "
                                                   f"{header.get('version')!r} is not {_VERSION}")
        if header.get("dtypes") != [t.name for t in types]:
            raise errors.InvalidArgumentError(
                None, None, f"{path} caches elements of dtypes {header.get('dtypes')}, but this "
                            f"dataset has dtypes {[t.name for t in types]}: delete the cache "
                            f"file or use another filename")
        count = 0
        while True:
            record = reader.read()
            if record is None:
                raise errors.DataLossError(None, None, f"{path}: the cache file is incomplete "
                                                       f"(it has no end record)")
            offset, data = record
            if data[:1] == b"Z":
                if data[1:] != struct.pack("<Q", count) or reader.read() is not None:
                    raise errors.DataLossError(None, None, f"{path}: the end record at offset "
                                                           f"{offset} does not end the file's "
                                                           f"{count} elements")
                return
            if data[:1] != b"E":
                raise errors.DataLossError(None, None, f"{path}: cache record at offset {offset} "
                                                       f"is not an element")
            yield _decode(data, types, path, offset)
            count += 1
    finally:
        reader.close()

