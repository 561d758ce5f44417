"""TFRecord files: ``tf.python_io.TFRecordWriter``, ``tf_record_iterator`` and options.

Each record is framed as uint64 length, uint32 masked crc32c of the length, the bytes,
uint32 masked crc32c of the bytes (all little-endian), TensorFlow's format; the
TensorBoard event files use the same framing. A whole file may be compressed with ZLIB
or GZIP (record offsets then count uncompressed bytes, as TensorFlow's reader does).
A bad checksum or a cut-off record raises ``DataLossError`` naming the file and the
record's offset.
"""
from __future__ import annotations

import struct

from tensorflux.core import errors

_MASK_DELTA = 0xA282EAD8
_HEADER = 12  # length (8) + its crc (4)
_CHUNK = 1 << 16


def _zlib():
    """zlib, imported when a compressed file is first used."""
    import zlib
    return zlib


def masked_crc32c(data: bytes) -> int:
    import crc32c
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


class TFRecordCompressionType:
    NONE = 0
    ZLIB = 1
    GZIP = 2


_NAMES = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}
# zlib's window-bits argument: 15 = a zlib stream, 31 = a gzip stream.
_WBITS = {"ZLIB": 15, "GZIP": 31}


class TFRecordOptions:
    """How a TFRecord file is compressed: ``compression_type`` is a
    ``TFRecordCompressionType`` or one of "", "ZLIB", "GZIP"; ``compression_level``
    0-9 (default zlib's 6). Buffer and flush settings are accepted and ignored."""

    compression_type_map = {"ZLIB": TFRecordCompressionType.ZLIB,
                            "GZIP": TFRecordCompressionType.GZIP,
                            "": TFRecordCompressionType.NONE}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        if isinstance(compression_type, str):
            if compression_type not in self.compression_type_map:
                raise ValueError(f'Not a valid compression_type: "{compression_type}"')
            compression_type = self.compression_type_map[compression_type]
        self.compression_type = compression_type or TFRecordCompressionType.NONE
        if self.compression_type not in _NAMES:
            raise ValueError(f"Not a valid compression_type: {compression_type!r}")
        self.compression_level = compression_level
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """"", "ZLIB" or "GZIP" for an options object, a string or None."""
        if not options:
            return ""
        if isinstance(options, str):
            return _NAMES[cls(options).compression_type]
        if isinstance(options, int):
            return _NAMES[options]
        return _NAMES[options.compression_type]


def _options(options) -> tuple[str, int]:
    name = TFRecordOptions.get_compression_type_string(options)
    level = getattr(options, "compression_level", None)
    return name, (-1 if level is None else level)


class TFRecordWriter:
    """Writes records to a TFRecord file: ``write(bytes)``, ``flush()``, ``close()``."""

    def __init__(self, path, options=None):
        self._path = str(path)
        compression, level = _options(options)
        try:
            self._file = open(self._path, "wb")
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"{self._path}; No such file or directory") from None
        self._compressor = None
        if compression:
            zlib = _zlib()
            self._compressor = zlib.compressobj(level, zlib.DEFLATED, _WBITS[compression])

    def write(self, record):
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, f"{self._path}: writer is closed")
        if isinstance(record, str):
            record = record.encode()
        framed = frame_record(bytes(record))
        self._file.write(self._compressor.compress(framed) if self._compressor else framed)

    def flush(self):
        if self._file is not None:
            if self._compressor:
                self._file.write(self._compressor.flush(_zlib().Z_SYNC_FLUSH))
            self._file.flush()

    def close(self):
        if self._file is not None:
            if self._compressor:
                self._file.write(self._compressor.flush(_zlib().Z_FINISH))
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Source:
    """The uncompressed bytes of a file, read in chunks."""

    def __init__(self, path, compression):
        self.path = path
        try:
            self._file = open(path, "rb")
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
        except IsADirectoryError:
            raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None
        self._inflater = None
        if compression:
            self._inflater = _zlib().decompressobj(_WBITS[compression])
        self._buffer = bytearray()

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at the end of the data). Reads in chunks, so a
        corrupt length never makes it allocate more than the file holds."""
        if self._inflater is None and n <= _CHUNK:
            return self._file.read(n)
        while len(self._buffer) < n:
            chunk = self._file.read(_CHUNK if self._inflater else min(_CHUNK, n - len(self._buffer)))
            if self._inflater is None:
                if not chunk:
                    break
                self._buffer += chunk
                continue
            try:
                if not chunk:
                    self._buffer += self._inflater.flush()
                    if not self._inflater.eof:  # zlib's flush does not object to a cut stream
                        raise errors.DataLossError(
                            None, None, f"{self.path}: corrupt compressed data: the "
                            f"compressed stream ends before its end marker")
                    break
                self._buffer += self._inflater.decompress(chunk)
            except _zlib().error as exc:
                raise errors.DataLossError(None, None, f"{self.path}: corrupt compressed data: {exc}") from None
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    def close(self):
        self._file.close()


class RecordReader:
    """Reads the records of one TFRecord file in order, checking both checksums.

    ``read()`` returns (offset, payload) or None at the end; ``offset`` is where the
    record starts in the uncompressed stream."""

    def __init__(self, path, options=None):
        self.path = str(path)
        self._source = _Source(self.path, _options(options)[0])
        self.offset = 0

    def read(self):
        start = self.offset
        header = self._source.read(_HEADER)
        if not header:
            return None
        if len(header) < _HEADER:
            self._lost(start, "truncated record header")
        length_bytes = header[:8]
        if struct.unpack("<I", header[8:])[0] != masked_crc32c(length_bytes):
            self._lost(start, "corrupted record: the length's checksum does not match")
        (length,) = struct.unpack("<Q", length_bytes)
        data = self._source.read(length)
        footer = self._source.read(4)
        if len(data) < length or len(footer) < 4:
            self._lost(start, f"truncated record (length {length})")
        if struct.unpack("<I", footer)[0] != masked_crc32c(data):
            self._lost(start, "corrupted record: the data's checksum does not match")
        self.offset = start + _HEADER + length + 4
        return start, data

    def _lost(self, offset, what):
        raise errors.DataLossError(None, None, f"{self.path}: {what} at offset {offset}")

    def close(self):
        self._source.close()

    def __iter__(self):
        try:
            while True:
                record = self.read()
                if record is None:
                    return
                yield record[1]
        finally:
            self.close()


def tf_record_iterator(path, options=None):
    """Yield the records of the TFRecord file ``path`` as bytes."""
    return iter(RecordReader(path, options))
