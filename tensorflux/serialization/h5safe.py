"""HDF5 files that detect corruption: the container under checkpoints and ``.meta`` graphs.

Writing (``create``, ``write_array``): files use ``libver=("v110", "v110")``, a
version-3 superblock and version-2 object headers, whose metadata (layouts, shapes,
types, attributes, links) carry checksums that the HDF5 library verifies on every read:
a damaged metadata byte is an error, never a wrong value or an endless loop. HDF5 1.10
tools (h5dump) read them. Raw data has no HDF5 checksum, so every array carries a
``crc32c`` attribute of its bytes, checked when it is read. Nothing variable-length is
written: variable-length values live in a "global heap" whose structures have no
checksum, and a damaged one can make the HDF5 library loop forever. Strings are stored
as fixed-length bytes plus their exact lengths.

Reading (``SafeFile``) accepts these files and older ones (superblock version 0, no
metadata checksums: the files tensorflux wrote before). Before the HDF5 library
interprets anything it could loop on, and before any value is read, it refuses:

- a global heap whose objects do not tile it exactly (older files only; newer ones may
  not use variable-length types at all);
- soft and external links, named datatypes, hard links to one object twice;
- external storage (data in another file), virtual datasets, filters other than
  deflate, shuffle and fletcher32;
- types other than numbers, booleans and strings;
- a dataset declaring more bytes than the file could hold (64 times the file's size
  when compressed).
"""
from __future__ import annotations

import contextlib
import math
import mmap
import os
import struct

import numpy as np

from tensorflux.serialization.atomic import RecordingFile, is_out_of_space, resource_exhausted

LIBVER = ("v110", "v110")
CHECKSUM_ATTR = "crc32c"
LENGTHS_ATTR = "string_lengths"
_KNOWN_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}
_COMPRESSION_LIMIT = 64  # how much larger than its file a compressed dataset may be
_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_ATTR_STRING = 1 << 16
_MAX_RANK = 32


def _h5py():
    import h5py  # imported lazily: `import tensorflux` stays fast
    return h5py


# --- checksums and strings ----------------------------------------------------------------
def _as_bytes(item) -> bytes:
    return item.encode("utf-8") if isinstance(item, str) else bytes(item)


def checksum(array) -> int:
    """crc32c of an array's canonical bytes: its elements little-endian in C order, or
    for strings each element's length (uint64, little-endian) followed by its bytes."""
    import crc32c
    array = np.asarray(array)
    if array.dtype.kind in "OSU":
        crc = 0
        for item in array.reshape(-1):
            data = _as_bytes(item)
            crc = crc32c.crc32c(struct.pack("<Q", len(data)) + data, crc)
        return crc
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return crc32c.crc32c(little.reshape(-1).view(np.uint8).data)


def encode_strings(array):
    """(fixed-length bytes array, int64 lengths) for a string array. The lengths keep
    trailing NUL bytes, which fixed-length HDF5 strings would drop."""
    items = [_as_bytes(v) for v in np.asarray(array, dtype=object).reshape(-1)]
    shape = np.shape(array)
    lengths = np.array([len(b) for b in items], dtype=np.int64).reshape(shape)
    width = max([1] + [len(b) for b in items])
    return np.array(items, dtype=f"S{width}").reshape(shape), lengths


def fixed_string(text: str):
    """A fixed-length UTF-8 string attribute value (no global heap)."""
    data = text.encode("utf-8")
    return np.array(data, dtype=_h5py().string_dtype("utf-8", max(1, len(data))))


def write_array(group, name, array):
    """Create dataset ``name`` in ``group`` holding ``array`` and its crc32c; strings as
    fixed-length bytes with a ``string_lengths`` attribute. Returns the dataset."""
    array = np.asarray(array)
    if array.dtype.kind in "OSU":
        fixed, lengths = encode_strings(array)
        data = group.create_dataset(name, data=fixed)
        data.attrs[LENGTHS_ATTR] = lengths
    else:
        data = group.create_dataset(name, data=array)
    data.attrs[CHECKSUM_ATTR] = np.uint32(checksum(array))
    return data


@contextlib.contextmanager
def create(tmp: str, target: str):
    """An h5py File for writing ``tmp`` (the staged copy of ``target``) through a file
    that records OS errors: a full disk or a file-size limit, which HDF5 reports as
    unrelated errors, becomes ResourceExhaustedError naming ``target``."""
    h5py = _h5py()
    raw = RecordingFile(tmp)
    try:
        with h5py.File(raw, "w", libver=LIBVER) as f:
            yield f
        if raw.error is not None:
            raise raw.error
    except BaseException as exc:
        cause = raw.error if raw.error is not None else exc
        if is_out_of_space(cause):
            raise resource_exhausted(target, cause) from None
        if raw.error is not None:
            raise OSError(raw.error.errno, f"Cannot write {target!r}: {raw.error.strerror}") from None
        raise
    finally:
        raw.close()


# --- reading -------------------------------------------------------------------------------
def superblock_version(path: str):
    """The HDF5 superblock version of ``path``, or None if it has no HDF5 signature
    (at offset 0, 512, 1024, 2048, ... as the HDF5 library searches)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        offset = 0
        while offset + 9 <= size:
            f.seek(offset)
            head = f.read(9)
            if head[:8] == _SIGNATURE:
                return head[8]
            offset = 512 if offset == 0 else offset * 2
    return None


def global_heap_problem(data) -> str | None:
    """Why a global heap collection in ``data`` (bytes or mmap) would make the HDF5
    library loop or read outside it, or None. Walks each collection as HDF5 does:
    16-byte object headers (index, references, size) padded to 8 bytes; the free-space
    object (index 0) takes its size unpadded, so a zero there never advances."""
    pos = data.find(b"GCOL")
    while pos != -1:
        header = data[pos:pos + 16]
        if len(header) == 16 and header[4] == 1 and header[5:8] == b"\0\0\0":
            (size,) = struct.unpack_from("<Q", header, 8)
            if 16 <= size <= len(data) - pos:
                p = 16
                while p + 16 <= size:
                    index, _, _, obj_size = struct.unpack_from("<HHIQ", data, pos + p)
                    need = 16 + ((obj_size + 7) & ~7) if index else obj_size
                    if need == 0 or p + need > size:
                        return (f"the global heap collection at byte {pos} is corrupt (object "
                                f"{index} at byte {pos + p} claims {obj_size} bytes)")
                    p += need
        pos = data.find(b"GCOL", pos + 4)
    return None


class SafeFile:
    """An HDF5 file opened for reading after the checks that keep the HDF5 library from
    looping or allocating without bound. Every problem is raised as ``error(message)``;
    the caller's ``error`` names the file."""

    def __init__(self, path: str, error):
        self.path, self.error = path, error
        self.size = os.path.getsize(path)
        version = superblock_version(path)
        self.legacy = version is not None and version < 2  # no metadata checksums
        if self.legacy and self.size:
            with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                problem = global_heap_problem(m)
            if problem:
                raise error(problem)
        try:
            self.file = _h5py().File(path, "r")
        except Exception as exc:
            raise error(f"not a readable HDF5 file (truncated or corrupt?): {exc}") from None

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # attributes
    def attr(self, obj, name, kind, where, default=KeyError):
        """Attribute ``name`` of ``obj`` checked before it is read: "str" (a scalar
        string), "int" (a scalar integer) or "ints" (a vector of at most 32 integers).
        Absent: ``default``, or an error if none is given."""
        h5py = _h5py()
        if name not in obj.attrs:
            if default is KeyError:
                raise self.error(f"{where} has no attribute {name!r}")
            return default
        aid = obj.attrs.get_id(name)
        dtype, shape = aid.dtype, aid.shape
        expected = {"str": "a string", "int": "an integer", "ints": "a list of integers"}[kind]
        if kind == "str":
            info = h5py.check_string_dtype(dtype)
            ok = (shape == () and info is not None
                  and (info.length is None and self.legacy
                       or info.length is not None and info.length <= _MAX_ATTR_STRING))
        elif kind == "int":
            ok = shape == () and dtype.kind in "iu"
        else:
            ok = shape is not None and len(shape) == 1 and shape[0] <= _MAX_RANK and dtype.kind in "iu"
        if not ok:
            raise self.error(f"{where}: attribute {name!r} should be {expected}, found "
                             f"type {dtype} and shape {shape}")
        value = obj.attrs[name]
        if kind == "str":
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        return int(value) if kind == "int" else [int(v) for v in value]

    # structure
    def child(self, group, name, where):
        """The group or dataset ``name`` directly in ``group`` through a hard link, or None."""
        h5py = _h5py()
        link = group.get(name, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise self.error(f"{where} is a {type(link).__name__} (links to other paths or "
                             f"files are refused)")
        return group[name]

    def datasets(self, group, where):
        """Sorted (path below ``group``, dataset) of every dataset under ``group``, each
        checked with ``check_dataset``; soft and external links, named datatypes and
        objects linked twice are refused."""
        h5py = _h5py()
        found, seen, stack = [], {h5py.h5o.get_info(group.id).addr}, [("", group)]
        while stack:
            prefix, current = stack.pop()
            for name in current:
                path = prefix + name
                obj = self.child(current, name, f"{where}/{path}")
                addr = h5py.h5o.get_info(obj.id).addr
                if addr in seen:
                    raise self.error(f"{where}/{path} links to an object seen before")
                seen.add(addr)
                if isinstance(obj, h5py.Group):
                    stack.append((path + "/", obj))
                elif isinstance(obj, h5py.Dataset):
                    self.check_dataset(obj, f"{where}/{path}")
                    found.append((path, obj))
                else:
                    raise self.error(f"{where}/{path} is a {type(obj).__name__}, not a group "
                                     f"or dataset")
        return sorted(found, key=lambda item: item[0])

    def check_dataset(self, data, where):
        """Refuse what could read other files, loop or allocate far beyond the file."""
        h5py = _h5py()
        plist = data.id.get_create_plist()
        if plist.get_layout() == h5py.h5d.VIRTUAL:
            raise self.error(f"{where} is a virtual dataset (its data would come from other "
                             f"files); refused")
        if plist.get_external_count():
            raise self.error(f"{where} keeps its data in external files; refused")
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        unknown = [f for f in filters if f not in _KNOWN_FILTERS]
        if unknown:
            raise self.error(f"{where} uses HDF5 filter(s) {unknown}; only "
                             f"{sorted(_KNOWN_FILTERS.values())} are read")
        dtype = data.dtype
        string = h5py.check_string_dtype(dtype)
        if not (dtype.kind in "biufc" and not dtype.fields and not dtype.subdtype
                or dtype.kind == "S" and string is not None
                or self.legacy and string is not None and string.length is None):
            raise self.error(f"{where} has the unsupported HDF5 type {dtype}")
        shape = data.shape
        if shape is None or len(shape) > _MAX_RANK:
            raise self.error(f"{where} has no valid shape")
        declared = math.prod(shape) * dtype.itemsize
        compressed = any(f in (1, 2) for f in filters)
        limit = self.size * (_COMPRESSION_LIMIT if compressed else 1)
        if declared > limit:
            raise self.error(f"{where} declares shape {list(shape)} of {dtype} ({declared} "
                             f"bytes), far larger than the file itself ({self.size} bytes)")

    # values
    def read(self, data, where, crc=None):
        """The value of dataset ``data`` (already checked) as a NumPy array in native
        byte order; strings as an object array of bytes (str for old variable-length
        strings). With ``crc``, the value's checksum must match it."""
        h5py = _h5py()
        try:
            if h5py.check_string_dtype(data.dtype) is not None and data.dtype.kind == "O":
                value = np.array(data.asstr()[()], dtype=object)
            else:
                value = np.asarray(data[()])
                if value.dtype.kind == "S":
                    value = self._strings(data, value, where)
                elif not value.dtype.isnative:
                    value = value.astype(value.dtype.newbyteorder("="))
        except (OSError, RuntimeError, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            raise self.error(f"cannot read {where} (corrupt?): {exc}") from None
        if crc is not None and checksum(value) != crc:
            raise self.error(f"checksum mismatch in {where} (stored crc32c {crc:#010x}, the "
                             f"data gives {checksum(value):#010x}): the data is corrupt")
        return value

    def _strings(self, data, fixed, where):
        width = fixed.dtype.itemsize
        if LENGTHS_ATTR not in data.attrs:
            return np.array([bytes(v) for v in fixed.reshape(-1)], dtype=object).reshape(fixed.shape)
        aid = data.attrs.get_id(LENGTHS_ATTR)
        if aid.shape != fixed.shape or aid.dtype.kind not in "iu":
            raise self.error(f"{where}: {LENGTHS_ATTR!r} does not match the data")
        lengths = np.asarray(data.attrs[LENGTHS_ATTR]).reshape(-1)
        if lengths.size and (lengths.min() < 0 or lengths.max() > width):
            raise self.error(f"{where}: {LENGTHS_ATTR!r} holds lengths outside 0..{width}")
        raw = np.ascontiguousarray(fixed).reshape(-1).view(np.uint8).reshape(-1, width)
        out = np.empty(len(lengths), dtype=object)
        for i, n in enumerate(lengths):
            out[i] = raw[i, :n].tobytes()
        return out.reshape(fixed.shape)

    def crc(self, obj, where, required):
        """The stored crc32c of ``obj`` (None when absent and not ``required``)."""
        if CHECKSUM_ATTR not in obj.attrs:
            if required:
                raise self.error(f"{where} has no {CHECKSUM_ATTR} checksum")
            return None
        aid = obj.attrs.get_id(CHECKSUM_ATTR)
        if aid.shape != () or aid.dtype.kind not in "iu":
            raise self.error(f"{where}: attribute {CHECKSUM_ATTR!r} is not a scalar integer")
        return int(obj.attrs[CHECKSUM_ATTR])
