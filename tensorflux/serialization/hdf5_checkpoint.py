"""The HDF5 checkpoint format (version 2; version 1 files are still read).

Layout::

    /                          attrs: format="tensorflux-checkpoint", format_version=2,
                                      global_step (int64, -1 if none), tensorflux_version
    /variables/<save key>:0    one dataset per variable, e.g. /variables/dnn/hidden1/kernel:0,
                               attrs: name, dtype, shape, trainable (uint8), crc32c;
                               strings as fixed-length bytes plus string_lengths

Version 2 files are written through ``h5safe`` (HDF5 metadata checksums, a crc32c per
variable, no variable-length data), uncompressed, atomically (see ``atomic.py``), and
readable by HDF5 1.10 tools. Version 1 files (``libver="earliest"``, variable-length
string attributes, no checksums) are read with every check that does not need a
checksum. Reading never unpickles anything; every problem is a DataLossError naming the
file (and the variable, where there is one).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from tensorflux.core import errors
from tensorflux.serialization import h5safe

FORMAT = "tensorflux-checkpoint"
FORMAT_VERSION = 2


def dataset_path(key: str) -> str:
    return f"variables/{key}:0"


def write_checkpoint_file(tmp: str, entries, global_step=None, target=None):
    """Write ``entries`` (an iterable of (key, array, trainable)) into the new file
    ``tmp``; ``target`` is the path errors name: the file that ``tmp`` will replace
    (``Saver.save`` stages it with ``atomic.atomic_paths``)."""
    from tensorflux import __version__
    with h5safe.create(tmp, target or tmp) as f:
        f.attrs["format"] = h5safe.fixed_string(FORMAT)
        f.attrs["format_version"] = np.int64(FORMAT_VERSION)
        f.attrs["global_step"] = np.int64(-1 if global_step is None else global_step)
        f.attrs["tensorflux_version"] = h5safe.fixed_string(__version__)
        group = f.create_group("variables")
        for key, value, trainable in entries:
            value = np.asarray(value)
            data = h5safe.write_array(group, key + ":0", value)
            data.attrs["name"] = h5safe.fixed_string(key)
            data.attrs["dtype"] = h5safe.fixed_string(
                "string" if value.dtype.kind in "OSU" else value.dtype.name)
            data.attrs["shape"] = np.asarray(value.shape, dtype=np.int64)
            data.attrs["trainable"] = np.uint8(bool(trainable))


@dataclass
class _Entry:
    data: object  # the h5py dataset
    dtype: object  # the tensorflux DType
    shape: tuple
    crc: int | None


class CheckpointReader:
    """Reads a checkpoint without a graph (``tf.train.NewCheckpointReader``). Opening
    checks the whole structure; each value's checksum is checked when it is read."""

    def __init__(self, path: str):
        self.path = path
        if not os.path.exists(path):
            raise errors.NotFoundError(None, None, f"Checkpoint file {path!r} does not exist")
        self._h5 = h5safe.SafeFile(path, self._corrupt)
        try:
            self._read_structure()
        except errors.OpError:
            self._h5.close()
            raise
        except Exception as exc:
            self._h5.close()
            raise self._corrupt(f"{type(exc).__name__}: {exc}") from None

    def _corrupt(self, message):
        return errors.DataLossError(None, None, f"Checkpoint {self.path!r} is unreadable "
                                                f"(corrupt or not a checkpoint): {message}")

    def _read_structure(self):
        import h5py

        from tensorflux.core.dtypes import as_dtype, string
        h5, root = self._h5, self._h5.file
        fmt = h5.attr(root, "format", "str", "the root group", default=None)
        if fmt != FORMAT:
            raise errors.DataLossError(None, None, f"{self.path!r} is an HDF5 file but not a "
                                                   f"tensorflux checkpoint (format={fmt!r})")
        version = h5.attr(root, "format_version", "int", "the root group")
        if version > FORMAT_VERSION:
            raise errors.DataLossError(
                None, None, f"Checkpoint {self.path!r} has format version {version}; this "
                            f"tensorflux reads up to {FORMAT_VERSION}. Upgrade tensorflux.")
        if version < 1:
            raise self._corrupt(f"invalid format version {version}")
        step = h5.attr(root, "global_step", "int", "the root group", default=-1)
        self._global_step = None if step < 0 else step
        group = h5.child(root, "variables", "/variables")
        if not isinstance(group, h5py.Group):
            raise self._corrupt("it has no /variables group")
        self._index = {}
        for name, data in h5.datasets(group, "/variables"):
            if not name.endswith(":0"):
                raise self._corrupt(f"unexpected dataset /variables/{name}")
            key = name[:-2]
            where = f"variable {key!r}"
            dtype_name = h5.attr(data, "dtype", "str", where)
            try:
                dtype = as_dtype(dtype_name)
            except TypeError:
                raise self._corrupt(f"{where} has the unknown dtype {dtype_name!r}") from None
            stored = data.dtype
            if dtype is string:
                ok = stored.kind in "SO"
            else:
                ok = stored.kind != "S" and stored.newbyteorder("=") == dtype.np_dtype
            if not ok:
                raise self._corrupt(f"{where} is stored as {stored} but says it is {dtype.name}")
            shape = tuple(h5.attr(data, "shape", "ints", where))
            if shape != data.shape:
                raise self._corrupt(f"{where} holds shape {list(data.shape)} but says it has "
                                    f"shape {list(shape)}")
            crc = h5.crc(data, where, required=version >= 2)
            self._index[key] = _Entry(data, dtype, shape, crc)

    @property
    def global_step(self):
        return self._global_step

    def get_variable_to_shape_map(self):
        return {k: list(e.shape) for k, e in self._index.items()}

    def get_variable_to_dtype_map(self):
        return {k: e.dtype for k, e in self._index.items()}

    def has_tensor(self, key):
        return key in self._index

    def get_tensor(self, key):
        try:
            entry = self._index[key]
        except KeyError:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint "
                                                   f"{self.path!r}") from None
        return self._h5.read(entry.data, f"variable {key!r}", entry.crc)

    def close(self):
        self._h5.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def debug_string(self):
        return "\n".join(f"{k} ({e.dtype.name}) {list(e.shape)}"
                         for k, e in sorted(self._index.items()))
