"""Reading and writing IDX files (the MNIST format), gzipped or not."""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


class IDXError(ValueError):
    """A file that is not a well-formed IDX file of the expected kind."""


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def _read(path):
    try:
        with _open(path) as f:
            return f.read()
    except (OSError, EOFError) as exc:
        raise IDXError(f"{path}: cannot read (truncated or not gzip?): {exc}") from None


def read_images(path) -> np.ndarray:
    """uint8 array [n, rows, cols] from an IDX3 file (magic 2051)."""
    data = _read(path)
    if len(data) < 16:
        raise IDXError(f"{path}: too short for an IDX image header ({len(data)} bytes)")
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IMAGES_MAGIC:
        raise IDXError(f"{path}: bad magic number {magic} (expected {IMAGES_MAGIC} for images)")
    expected = n * rows * cols
    if len(data) - 16 < expected:
        raise IDXError(f"{path}: truncated: header promises {n} images of {rows}x{cols} "
                       f"({expected} bytes), file has {len(data) - 16}")
    return np.frombuffer(data, dtype=np.uint8, count=expected, offset=16).reshape(n, rows, cols)


def read_labels(path) -> np.ndarray:
    """uint8 array [n] from an IDX1 file (magic 2049)."""
    data = _read(path)
    if len(data) < 8:
        raise IDXError(f"{path}: too short for an IDX label header ({len(data)} bytes)")
    magic, n = struct.unpack(">II", data[:8])
    if magic != LABELS_MAGIC:
        raise IDXError(f"{path}: bad magic number {magic} (expected {LABELS_MAGIC} for labels)")
    if len(data) - 8 < n:
        raise IDXError(f"{path}: truncated: header promises {n} labels, file has {len(data) - 8}")
    return np.frombuffer(data, dtype=np.uint8, count=n, offset=8).copy()


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
