"""Reading and writing IDX files (the MNIST format), gzipped or not."""
from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


class IDXError(ValueError):
    """A file that is not a well-formed IDX file of the expected kind."""


_CHUNK = 1 << 16


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def _read(path, header_size, count):
    """(header, body) of an IDX file: ``header_size`` bytes, then the number of body
    bytes that ``count(header)`` gives. The body is read in chunks, so a header that
    promises more than the file holds is an error before anything that large is
    allocated. A ``.gz`` file is read to its end so that gzip checks its CRC-32; a
    damaged gzip or deflate stream is an IDXError naming the file."""
    try:
        with _open(path) as f:
            header = f.read(header_size)
            if len(header) < header_size:
                raise IDXError(f"{path}: too short for an IDX header ({len(header)} bytes)")
            expected = count(header)
            chunks, have = [], 0
            while have < expected:
                chunk = f.read(min(_CHUNK, expected - have))
                if not chunk:
                    raise IDXError(f"{path}: truncated: the header promises {expected} bytes "
                                   f"of data, the file has {have}")
                chunks.append(chunk)
                have += len(chunk)
            while f.read(_CHUNK):  # to the end, so gzip checks its CRC-32 and length
                pass
            return header, b"".join(chunks)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXError(f"{path}: cannot read (truncated, or a damaged gzip stream?): {exc}") from None


def _magic(path, header, expected, what):
    magic = struct.unpack(">I", header[:4])[0]
    if magic != expected:
        raise IDXError(f"{path}: bad magic number {magic} (expected {expected} for {what})")


def read_images(path) -> np.ndarray:
    """uint8 array [n, rows, cols] from an IDX3 file (magic 2051)."""
    def count(header):
        _magic(path, header, IMAGES_MAGIC, "images")
        _, n, rows, cols = struct.unpack(">IIII", header)
        return n * rows * cols

    header, body = _read(path, 16, count)
    _, n, rows, cols = struct.unpack(">IIII", header)
    return np.frombuffer(body, dtype=np.uint8).reshape(n, rows, cols)


def read_labels(path) -> np.ndarray:
    """uint8 array [n] from an IDX1 file (magic 2049)."""
    def count(header):
        _magic(path, header, LABELS_MAGIC, "labels")
        return struct.unpack(">II", header)[1]

    header, body = _read(path, 8, count)
    return np.frombuffer(body, dtype=np.uint8).copy()


def write_images(path, images: np.ndarray):
    images = np.asarray(images, dtype=np.uint8)
    n, rows, cols = images.shape
    with gzip.open(path, "wb", compresslevel=1) if path.endswith(".gz") else open(path, "wb") as f:
        f.write(struct.pack(">IIII", IMAGES_MAGIC, n, rows, cols) + images.tobytes())


def write_labels(path, labels: np.ndarray):
    labels = np.asarray(labels, dtype=np.uint8)
    with gzip.open(path, "wb", compresslevel=1) if path.endswith(".gz") else open(path, "wb") as f:
        f.write(struct.pack(">II", LABELS_MAGIC, len(labels)) + labels.tobytes())


def exists(path) -> bool:
    return os.path.isfile(path)
