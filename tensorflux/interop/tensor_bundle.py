"""TensorFlow's V2 checkpoint format (the "tensor bundle"), read and written.

A checkpoint ``PREFIX`` is ``PREFIX.index``, an SSTable (``sstable.py``) mapping ""
to a ``BundleHeaderProto`` (number of shards, endianness, version) and each tensor
name to a ``BundleEntryProto`` (dtype, shape, shard, offset and size in that shard, and
the masked crc32c of its bytes), plus the shards ``PREFIX.data-00000-of-0000N`` with
the raw little-endian bytes. A string tensor is stored as the varint64 lengths of its
elements, a 4-byte masked checksum of those lengths, then the bytes themselves; its
checksums run over each length as a little-endian uint32 (uint64 when larger), as
TensorFlow computes them, not over the varint bytes.

Reading checks the checksums of the index blocks and of every tensor, and every size
against the files, and raises TF1's errors naming the file and tensor: NotFoundError for
a missing file, DataLossError for damage. Nothing read is ever executed.
"""
from __future__ import annotations

import os
import struct

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.interop import protos
from tensorflux.interop.sstable import TableError, build_table, get_varint, put_varint, read_table
from tensorflux.serialization.atomic import atomic_path
from tensorflux.serialization.events import masked_crc32c

_MAX_SHARDS = 1 << 16


def shard_path(prefix: str, shard: int, num_shards: int) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def is_bundle(prefix: str) -> bool:
    """Whether ``prefix`` names a TensorFlow V2 checkpoint (its ``.index`` exists)."""
    return os.path.isfile(prefix + ".index") and not os.path.isfile(prefix)


def _data_loss(path, message):
    return errors.DataLossError(None, None, f"Checkpoint {path!r}: {message}")


class BundleReader:
    """``tf.train.NewCheckpointReader`` for a TensorFlow V2 checkpoint."""

    def __init__(self, prefix: str):
        self.path = prefix
        index = prefix + ".index"
        if not os.path.isfile(index):
            raise errors.NotFoundError(None, None, f"Checkpoint index {index!r} does not exist")
        with open(index, "rb") as f:
            data = f.read()
        try:
            items = read_table(data)
        except TableError as exc:
            raise _data_loss(index, f"corrupt index ({exc})") from None
        if not items or items[0][0] != b"":
            raise _data_loss(index, "the index has no header entry")
        header = protos.BundleHeaderProto()
        entry_cls = type(protos.BundleEntryProto())
        try:
            header.ParseFromString(items[0][1])
        except Exception:
            raise _data_loss(index, "corrupt header entry") from None
        if header.endianness != 0:
            raise errors.UnimplementedError(None, None, f"Checkpoint {index!r} was written "
                                            f"big-endian; only little-endian is supported")
        if not 1 <= header.num_shards <= _MAX_SHARDS:
            raise _data_loss(index, f"invalid number of shards {header.num_shards}")
        self.num_shards = header.num_shards
        self._entries = {}
        for key, value in items[1:]:
            name = key.decode("utf-8", "replace")
            entry = entry_cls()
            try:
                entry.ParseFromString(value)
            except Exception:
                raise _data_loss(index, f"corrupt entry for tensor {name!r}") from None
            self._check_entry(name, entry, index)
            self._entries[name] = entry
        self._shard_sizes = {}

    def _check_entry(self, name, entry, index):
        if entry.slices:
            return  # a partitioned variable: refused when read
        try:
            dtype = protos.from_tf_enum(entry.dtype)
        except TypeError as exc:
            raise _data_loss(index, f"tensor {name!r}: {exc}") from None
        dims = [d.size for d in entry.shape.dim]
        if any(d < 0 for d in dims) or entry.shape.unknown_rank:
            raise _data_loss(index, f"tensor {name!r} has an invalid shape {dims}")
        if not 0 <= entry.shard_id < self.num_shards or entry.offset < 0 or entry.size < 0:
            raise _data_loss(index, f"tensor {name!r} has an invalid location (shard "
                                    f"{entry.shard_id} of {self.num_shards}, offset "
                                    f"{entry.offset}, size {entry.size})")
        count = int(np.prod(dims, dtype=np.float64)) if dims else 1
        if dtype.name != "string" and count * np.dtype(dtype.np_dtype).itemsize != entry.size:
            raise _data_loss(index, f"tensor {name!r}: shape {dims} of {dtype.name} needs "
                                    f"{count * np.dtype(dtype.np_dtype).itemsize} bytes, the "
                                    f"index says {entry.size}")

    # --- the CheckpointReader interface ----------------------------------------------------
    @property
    def global_step(self):
        if "global_step" in self._entries:
            return int(self.get_tensor("global_step"))
        return None

    def get_variable_to_shape_map(self):
        return {k: [d.size for d in e.shape.dim] for k, e in self._entries.items()}

    def get_variable_to_dtype_map(self):
        return {k: protos.from_tf_enum(e.dtype) for k, e in self._entries.items()}

    def has_tensor(self, key):
        return key in self._entries

    def get_tensor(self, key):
        entry = self._entries.get(key)
        if entry is None:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint "
                                                   f"{self.path!r}")
        if entry.slices:
            raise errors.UnimplementedError(
                None, None, f"Tensor {key!r} in checkpoint {self.path!r} is stored in slices "
                            f"(a partitioned variable), which tensorflux does not read")
        path = shard_path(self.path, entry.shard_id, self.num_shards)
        raw = self._read_bytes(path, entry, key)
        dtype = protos.from_tf_enum(entry.dtype)
        shape = [d.size for d in entry.shape.dim]
        if dtype.name == "string":
            return _decode_strings(raw, shape, path, key, entry.crc32c)
        if masked_crc32c(raw) != entry.crc32c:
            raise _data_loss(path, f"checksum mismatch for tensor {key!r}: the shard is corrupt")
        return np.frombuffer(raw, dtype=np.dtype(dtype.np_dtype).newbyteorder("<")) \
            .astype(dtype.np_dtype).reshape(shape)

    def _read_bytes(self, path, entry, key):
        if path not in self._shard_sizes:
            if not os.path.isfile(path):
                raise errors.NotFoundError(None, None, f"Checkpoint {self.path!r}: the shard "
                                                       f"{path!r} holding {key!r} does not exist")
            self._shard_sizes[path] = os.path.getsize(path)
        if entry.offset + entry.size > self._shard_sizes[path]:
            raise _data_loss(path, f"tensor {key!r} needs bytes {entry.offset}.."
                                   f"{entry.offset + entry.size} but the shard has "
                                   f"{self._shard_sizes[path]} (truncated?)")
        with open(path, "rb") as f:
            f.seek(entry.offset)
            raw = f.read(entry.size)
        if len(raw) != entry.size:
            raise _data_loss(path, f"tensor {key!r}: short read (truncated?)")
        return raw

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def debug_string(self):
        return "\n".join(f"{k} ({protos.from_tf_enum(e.dtype).name}) "
                         f"{[d.size for d in e.shape.dim]}"
                         for k, e in sorted(self._entries.items()))


def _length_crc(lengths) -> int:
    """The running (unmasked) crc32c of string lengths as TensorFlow computes it."""
    import crc32c
    crc = 0
    for n in lengths:
        crc = crc32c.crc32c(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n), crc)
    return crc


def _string_checksum(lengths, items) -> tuple[bytes, int]:
    """(the 4 bytes stored after the lengths, the entry's masked crc32c)."""
    import crc32c
    crc = _length_crc(lengths)
    stored = struct.pack("<I", _mask(crc))
    crc = crc32c.crc32c(stored, crc)
    for item in items:
        crc = crc32c.crc32c(item, crc)
    return stored, _mask(crc)


def _mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _decode_strings(raw, shape, path, key, expected_crc):
    count = int(np.prod(shape)) if shape else 1
    lengths, pos = [], 0
    try:
        for _ in range(count):
            n, pos = get_varint(raw, pos)
            lengths.append(n)
    except TableError:
        raise _data_loss(path, f"string tensor {key!r} has corrupt lengths") from None
    if pos + 4 + sum(lengths) != len(raw):
        raise _data_loss(path, f"string tensor {key!r} has inconsistent lengths")
    start = pos + 4
    items = []
    for n in lengths:
        items.append(raw[start:start + n])
        start += n
    stored, crc = _string_checksum(lengths, items)
    if raw[pos:pos + 4] != stored or crc != expected_crc:
        raise _data_loss(path, f"checksum mismatch for string tensor {key!r}: the shard is corrupt")
    out = np.empty(count, dtype=object)
    out[:] = items
    return out.reshape(shape)


def _encode(value: np.ndarray) -> tuple[int, bytes, int]:
    """(DataType enum, bytes in the shard, masked crc32c) of one tensor."""
    if value.dtype.kind in "OSU":
        items = [v if isinstance(v, bytes) else str(v).encode() for v in value.ravel().tolist()]
        lengths = [len(v) for v in items]
        stored, crc = _string_checksum(lengths, items)
        data = b"".join(put_varint(n) for n in lengths) + stored + b"".join(items)
        return protos.TF_ENUM["string"], data, crc
    dtype = dtypes.as_dtype(value.dtype)
    data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
    return protos.to_tf_enum(dtype), data, masked_crc32c(data)


def write_bundle(prefix: str, tensors):
    """Write ``tensors`` ({name: array}) as a one-shard TensorFlow V2 checkpoint at
    ``prefix``: the data file first, then the index, each replaced atomically (a reader
    never sees an index naming data that is not there)."""
    header = protos.BundleHeaderProto(num_shards=1)
    header.version.producer = 1
    items, chunks, offset = [(b"", header.SerializeToString())], [], 0
    for name in sorted(tensors, key=lambda n: n.encode()):
        value = np.asarray(tensors[name])
        enum, data, crc = _encode(value)
        entry = protos.BundleEntryProto(dtype=enum, shard_id=0, offset=offset, size=len(data),
                                        crc32c=crc)
        entry.shape.CopyFrom(protos.shape_proto(list(value.shape)))
        items.append((name.encode(), entry.SerializeToString()))
        chunks.append(data)
        offset += len(data)
    with atomic_path(shard_path(prefix, 0, 1)) as tmp:
        with open(tmp, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
    with atomic_path(prefix + ".index") as tmp:
        with open(tmp, "wb") as f:
            f.write(build_table(items))
