"""The immutable sorted key-value table (LevelDB's "SSTable") that TensorFlow uses for a
checkpoint's ``.index`` file.

Layout, as LevelDB and TensorFlow document it::

    data block 0 .. data block N-1     sorted entries, prefix-compressed against the
                                       previous key, with restart points
    metaindex block                    (empty here)
    index block                        one entry per data block: a key >= the block's
                                       last key and < the next block's first, and the
                                       block's handle (varint64 offset, varint64 size)
    footer (48 bytes)                  metaindex handle, index handle, zero padding to
                                       40 bytes, magic number 0xdb4775248b80fb57 (LE)

Each block is followed by a 5-byte trailer: its compression type (0 none, 1 snappy) and
the masked crc32c of the block and that type byte. An entry is varint32 shared key
length, varint32 unshared length, varint32 value length, the unshared key bytes, the
value; a block ends with uint32 restart offsets and their uint32 count.

Reading checks every checksum and every length against the file, so a damaged or
hostile file raises ``TableError`` (never reads out of bounds or allocates more than
the file holds).
"""
from __future__ import annotations

import struct

from tensorflux.serialization.events import masked_crc32c

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
_NO_COMPRESSION, _SNAPPY = 0, 1


class TableError(ValueError):
    """A table that cannot be read: truncated, corrupt or not a table."""


# --- varints ------------------------------------------------------------------------------
def put_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def get_varint(data, pos: int, limit: int = None, bits: int = 64):
    """(value, new position) of the varint at ``pos``; TableError past ``limit``."""
    limit = len(data) if limit is None else limit
    result = shift = 0
    while True:
        if pos >= limit or shift >= bits:
            raise TableError("bad varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


# --- snappy (decompression only: TensorFlow writes checkpoint tables uncompressed) -----------
def snappy_decompress(data: bytes, max_size: int) -> bytes:
    """Decode Google's snappy block format (a varint length, then literals and copies)."""
    length, pos = get_varint(data, 0, bits=32)
    if length > max_size:
        raise TableError(f"snappy block claims {length} bytes")
    out = bytearray()
    n = len(data)
    while pos < n:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            size = tag >> 2
            if size >= 60:
                extra = size - 59
                if pos + extra > n:
                    raise TableError("truncated snappy literal")
                size = int.from_bytes(data[pos:pos + extra], "little")
                pos += extra
            size += 1
            if pos + size > n:
                raise TableError("truncated snappy literal")
            out += data[pos:pos + size]
            pos += size
        else:
            if kind == 1:
                if pos >= n:
                    raise TableError("truncated snappy copy")
                size = ((tag >> 2) & 7) + 4
                offset = ((tag >> 5) << 8) | data[pos]
                pos += 1
            else:
                width = 2 if kind == 2 else 4
                if pos + width > n:
                    raise TableError("truncated snappy copy")
                size = (tag >> 2) + 1
                offset = int.from_bytes(data[pos:pos + width], "little")
                pos += width
            if offset == 0 or offset > len(out):
                raise TableError("bad snappy copy offset")
            for _ in range(size):  # copies may overlap their own output
                out.append(out[-offset])
        if len(out) > length:
            raise TableError("snappy data longer than declared")
    if len(out) != length:
        raise TableError("snappy data shorter than declared")
    return bytes(out)


# --- reading --------------------------------------------------------------------------------
def _read_handle(data, pos, limit):
    offset, pos = get_varint(data, pos, limit)
    size, pos = get_varint(data, pos, limit)
    return (offset, size), pos


def _read_block(data: bytes, handle):
    offset, size = handle
    if offset + size + 5 > len(data):
        raise TableError(f"block at {offset} (+{size} bytes) runs past the end of the file")
    contents = data[offset:offset + size]
    kind = data[offset + size]
    (stored,) = struct.unpack_from("<I", data, offset + size + 1)
    if stored != masked_crc32c(contents + bytes([kind])):
        raise TableError(f"checksum mismatch in the block at offset {offset}")
    if kind == _SNAPPY:
        contents = snappy_decompress(contents, max_size=64 * len(data) + (1 << 20))
    elif kind != _NO_COMPRESSION:
        raise TableError(f"unknown block compression type {kind}")
    return contents


def _block_entries(block: bytes):
    """The (key, value) pairs of a block, in order."""
    if len(block) < 4:
        raise TableError("block too short")
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * restarts
    if restarts < 1 or end < 0:
        raise TableError("bad restart count")
    pos, key = 0, b""
    while pos < end:
        shared, pos = get_varint(block, pos, end, 32)
        unshared, pos = get_varint(block, pos, end, 32)
        value_len, pos = get_varint(block, pos, end, 32)
        if shared > len(key) or pos + unshared + value_len > end:
            raise TableError("corrupt block entry")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + value_len]
        pos += value_len


def read_table(data: bytes):
    """Every (key, value) of a table held in ``data``, in key order."""
    if len(data) < FOOTER_SIZE:
        raise TableError("file too short to be a table")
    footer = data[-FOOTER_SIZE:]
    (magic,) = struct.unpack_from("<Q", footer, 40)
    if magic != MAGIC:
        raise TableError("bad magic number (not a TensorFlow table)")
    _, pos = _read_handle(footer, 0, 40)  # the metaindex: nothing we need
    index_handle, _ = _read_handle(footer, pos, 40)
    body = data[:-FOOTER_SIZE]
    out, last = [], None
    for _, value in _block_entries(_read_block(body, index_handle)):
        handle, _ = _read_handle(value, 0, len(value))
        for key, val in _block_entries(_read_block(body, handle)):
            if last is not None and key <= last:
                raise TableError(f"keys out of order at {key!r}")
            out.append((key, val))
            last = key
    return out


# --- writing --------------------------------------------------------------------------------
class _BlockBuilder:
    def __init__(self, restart_interval=16):
        self.buf = bytearray()
        self.restarts = [0]
        self.count = 0
        self.last = b""
        self.interval = restart_interval

    def add(self, key: bytes, value: bytes):
        shared = 0
        if self.count < self.interval:
            limit = min(len(key), len(self.last))
            while shared < limit and key[shared] == self.last[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.count = 0
        self.buf += put_varint(shared) + put_varint(len(key) - shared) + put_varint(len(value))
        self.buf += key[shared:] + value
        self.last = key
        self.count += 1

    def finish(self) -> bytes:
        tail = b"".join(struct.pack("<I", r) for r in self.restarts)
        return bytes(self.buf) + tail + struct.pack("<I", len(self.restarts))

    def size(self):
        return len(self.buf) + 4 * len(self.restarts) + 4


def _separator(last: bytes, following: bytes) -> bytes:
    """A short key >= last and < following (LevelDB's FindShortestSeparator)."""
    if following is None:  # after the last block: a short successor of ``last``
        for i, byte in enumerate(last):
            if byte != 0xFF:
                return last[:i] + bytes([byte + 1])
        return last
    i = 0
    while i < min(len(last), len(following)) and last[i] == following[i]:
        i += 1
    if i < min(len(last), len(following)) and last[i] < 0xFF and last[i] + 1 < following[i]:
        return last[:i] + bytes([last[i] + 1])
    return last


def build_table(items, block_size=1 << 20) -> bytes:
    """The bytes of a table of ``items`` ((key, value) bytes pairs, sorted, unique keys),
    uncompressed, as TensorFlow writes a checkpoint's index."""
    out = bytearray()
    index = _BlockBuilder(restart_interval=1)
    pending = None  # (last key, handle) of a block whose index entry waits for the next key

    def write_block(contents: bytes):
        handle = (len(out), len(contents))
        out.extend(contents + bytes([_NO_COMPRESSION]))
        out.extend(struct.pack("<I", masked_crc32c(contents + bytes([_NO_COMPRESSION]))))
        return handle

    block, previous = _BlockBuilder(), None
    for key, value in items:
        if previous is not None and key <= previous:
            raise ValueError(f"table keys must be sorted and unique: {key!r} after {previous!r}")
        if pending is not None:
            index.add(_separator(pending[0], key), _encode_handle(pending[1]))
            pending = None
        block.add(key, value)
        previous = key
        if block.size() >= block_size:
            pending = (key, write_block(block.finish()))
            block = _BlockBuilder()
    if block.count or pending is None:  # entries not yet written, or an empty table
        pending = (previous if previous is not None else b"", write_block(block.finish()))
    index.add(_separator(pending[0], None), _encode_handle(pending[1]))
    meta_handle = write_block(_BlockBuilder().finish())
    index_handle = write_block(index.finish())
    footer = _encode_handle(meta_handle) + _encode_handle(index_handle)
    out.extend(footer + bytes(40 - len(footer)) + struct.pack("<Q", MAGIC))
    return bytes(out)


def _encode_handle(handle) -> bytes:
    return put_varint(handle[0]) + put_varint(handle[1])
